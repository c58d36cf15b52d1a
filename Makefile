# Hearth: `make run` to try it, `make test` to test it. See README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint format worker beat migrate seed install clean-venv check-deploy

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found). Set PYTHON=/path/to/python3.11."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput

# Loads the demo community once; a second run finds it and does nothing.
seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo "Hearth is starting on http://127.0.0.1:$(PORT)/ (emails are printed here)."
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Workers need a broker: set REDIS_URL (see README). Settings default to dev.
worker: install
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.dev} $(BIN)/celery -A config worker --loglevel=INFO

beat: install
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.dev} $(BIN)/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.prod $(BIN)/python manage.py check --deploy --fail-level WARNING

clean-venv:
	rm -rf $(VENV)
