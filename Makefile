# The two commands people need are `make run` and `make test`; CI calls the same targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
# uv from PATH, else uv's Python package (installed with pip on first use).
UV_BIN := $(shell command -v uv 2>/dev/null)
UV := $(if $(UV_BIN),$(UV_BIN),python3 -m uv)
PORT ?= 8000
export ONTOLOGY_DIR ?= $(if $(wildcard ../shared/data/ontologies),$(abspath ../shared/data/ontologies),)

.PHONY: help install run serve test test-fast lint fmt bench loadtest messages clean screenshots

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

.venv/.installed: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || { echo "uv not found: installing it with pip"; \
	  python3 -m pip install --quiet uv || python3 -m pip install --quiet --user uv \
	  || python3 -m pip install --quiet --user --break-system-packages uv; }
	$(UV) sync --frozen
	@touch $@

install: .venv/.installed ## Create .venv from uv.lock (bootstraps uv)

run: install ## Migrate, import ontologies, seed demo data, serve on 127.0.0.1:$(PORT) with a worker and beat
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_ontology
	$(PY) manage.py seed_demo
	PORT=$(PORT) bin/run-dev

test: install ## Run the whole suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
	bin/run-tests

lint: install ## ruff, mypy, the layer contracts, djlint, makemigrations --check, check --deploy
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .
	.venv/bin/lint-imports --no-cache
	$(PY) -m djlint templates --lint
	$(PY) manage.py makemigrations --check --dry-run
	bin/check-deploy

fmt: install ## Format the code
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .
	$(PY) -m djlint templates --reformat --quiet || true

bench: install ## Print benchmark figures, one JSON object per line
	$(PY) -m tests.bench.run

loadtest: install ## 100 Locust users for 2 min against gunicorn, PostgreSQL, Redis, Celery, 1M requests; one JSON line per route
	bin/loadtest

screenshots: install ## Screenshots of every page for every demo role at 375 and 1280 px, in var/screenshots/
	SCREENSHOT_WIDTHS=375,1280 bin/run-tests tests/e2e/test_phone_width.py

messages: install ## Refresh the translation catalogues
	$(PY) manage.py makemessages --all --ignore=.venv --ignore=var --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

clean: ## Remove runtime state (database, broker files, keys) and the virtualenv
	rm -rf var .venv
