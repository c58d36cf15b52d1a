# Hearth: `make run` to try it, `make test` to test it. See README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test e2e lint typecheck format worker beat migrate seed install clean-venv check-deploy

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
	PORT=$(PORT) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# axe-core (npm) for the accessibility checks of the end-to-end suite.
# npm writes node_modules/.package-lock.json on every install: a fresh stamp.
AXE := tests/e2e/node_modules/.package-lock.json

$(AXE): tests/e2e/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/e2e --no-audit --no-fund; \
	else echo "npm not found: the accessibility tests need it (tests/e2e/package.json)."; fi

# The whole suite, end-to-end browser tests (tests/e2e) included.
test: install $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Only the end-to-end tests: headless Debian chromium against a live server.
e2e: install $(AXE)
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

# lint-imports: the layers contracts in pyproject.toml [tool.importlinter].
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# mypy with django-stubs; settings and the strict modules in pyproject.toml [tool.mypy].
typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Workers need a broker: set REDIS_URL (see README). Settings default to dev.
worker: install
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.dev} $(BIN)/celery -A config worker --loglevel=INFO

beat: install
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.dev} $(BIN)/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

# Without SECRET_KEY in the environment the check runs with a throwaway key
# (and says so): it checks the settings, not your secret.
check-deploy: install
	@if [ -z "$$SECRET_KEY" ]; then echo "SECRET_KEY is not set: checking the production settings with a throwaway key. Set SECRET_KEY to check yours too."; fi
	SECRET_KEY="$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')}" DJANGO_SETTINGS_MODULE=config.settings.prod $(BIN)/python manage.py check --deploy --fail-level WARNING

clean-venv:
	rm -rf $(VENV)

# Benchmark (docs/benchmarks.md): generate the SCALE dataset if missing, import
# it into PostgreSQL (database hearth_bench_<scale>), serve it with gunicorn in
# production settings on 127.0.0.1 and load it with wrk. Needs PostgreSQL and
# Redis on 127.0.0.1 (see README "Benchmarks"); installs wrk with apt-get.
SCALE ?= 1
BENCH_DURATION ?= 10
.PHONY: bench
bench: install
	$(BIN)/python bench/run.py --scale $(SCALE) --duration $(BENCH_DURATION)

# Where one page's time goes under load (py-spy over the gunicorn workers);
# needs the database `make bench` imported. PAGE is a name from its table.
PAGE ?= topic (member)
.PHONY: bench-profile
bench-profile: install
	$(BIN)/python bench/profile.py --scale $(SCALE) --page "$(PAGE)"

# Outage drill (README "Operations"): private PostgreSQL and Redis on loopback,
# gunicorn in production settings, a Celery worker and beat, members posting
# and reading; stops Redis ~20 s, then PostgreSQL ~10 s, and reports requests
# by status, replies accepted and stored, notifications and emails delivered,
# duplicates. Needs redis-server and the PostgreSQL server binaries.
.PHONY: drill
drill: install
	$(BIN)/python bench/drill.py $(DRILL_ARGS)

# Several web nodes and a read replica, proven together (README "Deployment"):
# a PostgreSQL primary and a streaming standby (pg_basebackup -R), Redis, two
# gunicorn nodes behind nginx and a Celery worker, all private on loopback;
# a member across both nodes, the page cache across nodes, 100 reads after
# writes, the standby stopped mid-run. Under five minutes; stops everything it
# started. SCALE_ARGS="--bench 10" adds wrk figures (one node vs two).
.PHONY: scale-test
scale-test: install
	$(BIN)/python bench/scale.py $(SCALE_ARGS)
