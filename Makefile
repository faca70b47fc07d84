# Jejaring Rujukan: `make run` and `make test` work from a fresh clone with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app directory
HOST ?= 127.0.0.1
PORT ?= 5000
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
MO_FILES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

.PHONY: run serve test test-sqlite test-postgresql check setup database bench load lint format translations-extract clean system-packages

# Demo mode is something a person turns on: these targets do (DIRECTORY_DEMO=0 make serve
# runs as production, which refuses to start without production settings). The app on
# its own (flask, gunicorn) runs as production.
run serve database bench: export DIRECTORY_DEMO ?= 1

run: setup
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production-style: gunicorn with the settings in gunicorn.conf.py (threaded workers,
# keep-alive; WORKERS and THREADS override its defaults of 3 and 16). make load uses them too.
serve: setup
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT)

# The checks (ruff, mypy), then the whole suite on SQLite and, at the same time, on a real
# PostgreSQL server started for the run (scripts/test-suites.sh; one core each). Fails when
# either fails. test-sqlite and test-postgresql run one of them alone.
test: check $(MO_FILES) system-packages
	scripts/test-suites.sh $(BIN)/python

test-sqlite: $(DEV_STAMP) $(MO_FILES)
	$(BIN)/python -m pytest

test-postgresql: $(DEV_STAMP) $(MO_FILES) system-packages
	TEST_DATABASE=postgresql $(BIN)/python -m pytest

system-packages:
	scripts/system-packages.sh

# Everything `make run` needs before it serves: packages, translations, database, seed, index.
setup: $(STAMP) $(MO_FILES) database

database: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) seed load
	$(FLASK) search rebuild

bench: setup $(DEV_STAMP)
	$(BIN)/python -m bench

# 60 s at 50 users against gunicorn (gunicorn.conf.py, as make serve) on loopback, on SQLite
# then on a throwaway PostgreSQL (LOAD_DATABASES, LOAD_SECONDS, LOAD_USERS, LOAD_WORKERS);
# prints figures against targets for each.
load: $(DEV_STAMP) system-packages
	$(BIN)/python -m bench.load

# Lint and format checks, then the types (mypy's settings: pyproject.toml).
check: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

lint: check

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# requirements.txt: what the app needs (make run); requirements-dev.txt adds the tests and
# the checks (make test). Both are pinned locks of pyproject.toml's dependencies.
$(STAMP): requirements.txt pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(DEV_STAMP)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

# --ignore-dirs: without it Babel skips folders starting with "_", such as templates/_macros.
translations-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".* __pycache__ instance node_modules" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

clean:
	rm -rf $(VENV) instance *.egg-info
