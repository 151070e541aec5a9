# Quartierskarte Dalheim: `make run` serves the map, `make test` runs the whole suite.
# Both set themselves up: a virtual environment in .venv with what they need.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
WORKERS ?= 4

RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: run serve test lint browser translations messages bench clean

CATALOGS := $(wildcard app/translations/*/LC_MESSAGES/messages.po)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { echo "Python-venv fehlt: sudo apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(RUN_STAMP) $@

# Compiled message catalogues (English); the .po files are the source.
translations: $(CATALOGS:.po=.mo)

%.mo: %.po $(RUN_STAMP)
	$(BIN)/pybabel compile -i $< -o $@

# After changing texts: collect them and merge them into the catalogues to translate.
messages: $(RUN_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --ignore-dirs='.venv .git tests' \
		--no-location --sort-output -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

# Development server: migrates, loads the seed geodata (idempotent), serves.
run: $(RUN_STAMP) translations
	$(BIN)/flask --app app db init
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

# Production: several gunicorn workers; settings come from the environment (README).
serve: $(RUN_STAMP) translations
	$(BIN)/flask --app app db upgrade
	$(BIN)/gunicorn --config gunicorn.conf.py --workers $(WORKERS) --bind $(HOST):$(PORT) 'app.wsgi:application'

# The browser tests use a system Chromium where there is one (Debian: apt-get install
# chromium), else Playwright's own download, which needs internet access.
browser: $(TEST_STAMP)
	@if [ -x /usr/bin/chromium ]; then echo "Browser: /usr/bin/chromium"; \
	else $(BIN)/playwright install chromium; fi

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint browser translations
	$(BIN)/python -m pytest

# Benchmarks against pygeoapi, a bare Flask ceiling and a plain folium map: prints the
# table and writes it into bench/RESULTS.md. Not part of `make test` or CI. Needs
# PostgreSQL/PostGIS, Redis and Chromium like the tests, and wrk (apt-get install wrk).
# pygeoapi goes into its own environment, bench/.venv-baseline, never into $(VENV).
BASELINE_VENV := bench/.venv-baseline
BASELINE_STAMP := $(BASELINE_VENV)/.installed

$(BASELINE_STAMP):
	$(PYTHON) -m venv $(BASELINE_VENV)
	$(BASELINE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BASELINE_VENV)/bin/python -m pip install --quiet 'pygeoapi==0.21.0' gunicorn \
		psycopg2-binary geoalchemy2 pygeofilter
	touch $@

bench: $(TEST_STAMP) browser translations $(BASELINE_STAMP)
	@command -v wrk >/dev/null || echo "wrk fehlt (sudo apt-get install wrk): die Last kommt dann von einem langsameren Python-Client."
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
