# SalesOne: `make run` starts everything with demo data, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= salesone.settings.development

.PHONY: run test venv db migrate seed lint format bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

db: venv
	$(PY) manage.py ensure_database

migrate: db
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# API (gunicorn, ASGI workers) on http://127.0.0.1:8000, a Celery worker and Celery beat, in the
# foreground; Ctrl-C stops all three.
run: migrate
	-$(PY) manage.py seed_demo  # demo data never keeps the server from starting
	mkdir -p var
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py compilemessages -l ko -i .venv -i var -v 0
	$(VENV)/bin/honcho start -f Procfile

# The spam check asks the spamd the Procfile starts (when installed; otherwise it says it is unavailable).
run: export SPAMD_URL ?= spamd://127.0.0.1:7830

test: venv
	$(VENV)/bin/pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var staticfiles
