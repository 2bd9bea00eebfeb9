# SalesOne's developer commands: `make help` lists them. `make run` starts everything with demo data,
# `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= salesone.settings.development

.DEFAULT_GOAL := help
.PHONY: help run test venv db migrate seed lint format clean

help: ## list these targets
	@echo "make TARGET (settings come from the environment: README.md, Settings)"
	@grep -E '^[a-z-]+:[^=]*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):[^#]*## /\1\t/' | awk -F'\t' '{ printf "  %-8s %s\n", $$1, $$2 }'

venv: $(VENV)/.installed locale/ko/LC_MESSAGES/django.mo ## create .venv, install requirements.txt (again when it changed), compile the Korean catalogue

# The Korean catalogue of the admin, the models and the API's messages: compiled here, never
# committed (*.mo is ignored).
locale/ko/LC_MESSAGES/django.mo: locale/ko/LC_MESSAGES/django.po $(VENV)/.installed
	$(PY) manage.py compilemessages -l ko --ignore '$(VENV)/*'

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

db: venv ## create the database of DATABASE_URL if it is missing
	$(PY) manage.py ensure_database

migrate: db ## apply the migrations
	$(PY) manage.py migrate --noinput

seed: migrate ## load the demo data (idempotent) and print the staff login
	$(PY) manage.py seed_demo

# In the foreground, until Ctrl-C stops them all: the API (gunicorn, WSGI gthread workers) on PORT,
# the live event stream (gunicorn with one ASGI uvicorn worker) on STREAM_PORT, a Celery worker for
# every queue, a second one for transactional mail alone, Celery beat, and spamd on SPAMD_PORT when
# it is installed (see the Procfile). honcho reads no .env file (-e /dev/null): every process sees
# the environment make was given, as the manage.py commands before them did.
run: migrate ## everything with demo data: API on PORT (8000), event stream on STREAM_PORT (8001), workers, beat
	-$(PY) manage.py seed_demo  # demo data never keeps the server from starting
	mkdir -p var
	$(PY) manage.py collectstatic --noinput -v 0
	$(VENV)/bin/honcho start -f Procfile -e /dev/null

# Ports are settings: PORT=8150 STREAM_PORT=8151 make run. honcho hands PORT to the first process
# of the Procfile (web) and PORT+100, +200, ... to the others, which bind their own *_PORT.
run: export PORT ?= 8000
run: export STREAM_PORT ?= 8001
run: export SPAMD_PORT ?= 7830
# Links in e-mails point at the API on PORT in every process (the workers render the e-mails),
# unless the environment says otherwise.
run: export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
# The spam check asks the spamd the Procfile starts (when installed; otherwise it says it is unavailable).
run: export SPAMD_URL ?= spamd://127.0.0.1:$(SPAMD_PORT)

test: venv ## the test suite against the real PostgreSQL and Redis (the import contract included)
	# --ds: the test settings, whatever DJANGO_SETTINGS_MODULE says (this Makefile exports the
	# development one, and pytest-django prefers the environment to pytest.ini).
	$(VENV)/bin/pytest --ds=salesone.settings.test

lint: venv ## ruff check, ruff format --check and the import contract (.importlinter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache --no-logo

format: venv ## ruff: fix what it can and format
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean: ## remove .venv, var/ and the collected static files
	rm -rf $(VENV) var staticfiles
