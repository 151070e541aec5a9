# Quartierskarte Dalheim: `make run` serves the map, `make test` runs the whole suite.
# Both set themselves up: a virtual environment in .venv with what they need.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
# The address people open; absolute links are made from it and other hosts are refused.
# With HOST=0.0.0.0 set it to the machine's address, e.g. PUBLIC_URL=http://192.168.1.20:5000.
PUBLIC_URL ?= http://127.0.0.1:$(PORT)
WORKERS ?= 4

RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
# Exact versions with their hashes, made by `make lock` from pyproject.toml.
RUN_LOCK := requirements.lock
TEST_LOCK := requirements-test.lock

# The browser libraries from npm (package-lock.json), served by app/vendor.py.
NODE_STAMP := node_modules/.installed

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm fehlt: sudo apt-get install npm"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

.PHONY: run serve test check lint browser grids translations messages lock bench clean

CATALOGS := $(wildcard app/translations/*/LC_MESSAGES/messages.po)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { echo "Python-venv fehlt: sudo apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

# The locked versions, then the project itself (editable, without resolving anything).
# An unchanged lock installs nothing: the stamps are newer than it.
$(RUN_STAMP): $(RUN_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(RUN_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(TEST_STAMP): $(TEST_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(TEST_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(RUN_STAMP) $@

# After changing the dependencies in pyproject.toml, or to take newer releases: the
# newest versions that fit, for this Python, with the hashes of their files on PyPI.
# pip-tools lives in an environment of its own, never in $(VENV).
LOCK_VENV := .venv-lock
PIP_COMPILE := $(LOCK_VENV)/bin/pip-compile --quiet --upgrade --generate-hashes --strip-extras \
	--no-emit-index-url --no-emit-find-links

$(LOCK_VENV)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet 'pip==26.3' 'pip-tools==7.6.2'

# The run lock takes the test lock's versions, so that both agree.
lock: $(LOCK_VENV)/bin/pip-compile
	$(PIP_COMPILE) --extra test --output-file $(TEST_LOCK) pyproject.toml
	$(PIP_COMPILE) --constraint $(TEST_LOCK) --output-file $(RUN_LOCK) pyproject.toml

# Compiled message catalogues (English); the .po files are the source.
translations: $(CATALOGS:.po=.mo)

%.mo: %.po $(RUN_STAMP)
	$(BIN)/pybabel compile -i $< -o $@

# After changing texts: collect them and merge them into the catalogues to translate.
messages: $(RUN_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --ignore-dirs='.venv .git tests' \
		--no-location --sort-output -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

# PROJ's grids come from Debian's proj-data (a dependency of gdal-bin; .ci/run installs
# it): without BETA2007.gsb, uploads in the old Gauss-Krüger CRS (EPSG:31467) are refused
# (measures/domain/crs.py), and the tests that place such a file fail.
grids:
	@test -f /usr/share/proj/BETA2007.gsb || echo "PROJ-Gitter fehlen: sudo apt-get install proj-data"

# Development server: migrates, loads the seed geodata (idempotent), serves; e-mails go
# out from a thread of the server (MAIL_HOST etc., README), started by the first request.
run: $(RUN_STAMP) $(NODE_STAMP) translations grids
	$(BIN)/flask --app app db init
	FLASK_PUBLIC_URL=$(PUBLIC_URL) FLASK_MAIL_BACKGROUND=true \
		$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

# Production: several gunicorn workers; settings come from the environment (README),
# FLASK_PUBLIC_URL among them.
serve: $(RUN_STAMP) $(NODE_STAMP) translations grids
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

# SQLite waits for the disk at every commit: the tests keep their files in memory (tmpfs)
# where there is one, which halves their time. One pytest worker per core (pytest-xdist).
TEST_TMPDIR ?= $(if $(wildcard /dev/shm),/dev/shm,/tmp)
PYTEST := TMPDIR=$(TEST_TMPDIR) $(BIN)/python -m pytest

# Everything: lint, every test on the databases it needs (PostgreSQL included), browser.
test: lint browser grids translations $(NODE_STAMP)
	$(PYTEST) -n auto

# The inner loop: domain, storage and web on SQLite, without the browser, PostgreSQL and
# the gunicorn tests (test_robustness, test_production): under a minute on a quiet machine.
check: $(TEST_STAMP) $(NODE_STAMP) translations
	$(PYTEST) -n auto -m "not browser and not postgres" tests/domain tests/storage tests/web \
		--ignore=tests/web/test_robustness.py --ignore=tests/web/test_production.py

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
	rm -rf $(VENV) $(LOCK_VENV) node_modules .pytest_cache .ruff_cache
