# marketdock — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_PROCESSES ?= 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-test system-deps lint migrate demo worker sandbox messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test system-deps

## Debian Chromium and Korean fonts for the browser tests (installed when missing and running as root)
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi nanum || ! command -v pdftoppm >/dev/null; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium, fonts-nanum, poppler-utils"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum poppler-utils >/dev/null; \
	  else echo "warning: chromium/fonts-nanum missing and not root: browser tests will be skipped"; fi; \
	fi

migrate: install
	$(BIN)/marketdock migrate --noinput

# The demo's channel accounts talk to the sandbox marketplace: its address is the one extra API host allowed.
SANDBOX_HOST := $(word 1,$(subst /, ,$(patsubst https://%,%,$(patsubst http://%,%,$(or $(MARKETDOCK_SANDBOX_URL),http://127.0.0.1:8010)))))
demo run: export MARKETDOCK_ALLOWED_API_HOSTS ?= $(SANDBOX_HOST)

demo: migrate
	$(BIN)/marketdock demo

## Set up everything and start the web app + worker on http://127.0.0.1:8000 (Ctrl-C stops)
run: demo
	$(BIN)/marketdock compilemessages --ignore=.venv -v 0 || true
	exec $(BIN)/marketdock serve

worker: install
	$(BIN)/marketdock worker

lint: install-test
	$(BIN)/ruff check .

## The whole suite: ruff, then SQLite, then PostgreSQL when reachable (required under CI=true)
test: install-test
	$(BIN)/ruff check .
	$(BIN)/marketdock makemigrations --check --dry-run > /dev/null || (echo "missing migrations: run marketdock makemigrations" && exit 1)
	MARKETDOCK_VAR=var/test-sqlite ISOLATION_COVERAGE=1 $(BIN)/pytest -q -n $(TEST_PROCESSES)
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(TEST_DATABASE_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== PostgreSQL ($(TEST_DATABASE_URL)) =="; \
	  MARKETDOCK_VAR=var/test-pg DATABASE_URL=$(TEST_DATABASE_URL) ISOLATION_COVERAGE=1 $(BIN)/pytest -q -n $(TEST_PROCESSES) || exit 1; \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL at $(TEST_DATABASE_URL) is required under CI"; exit 1; \
	else echo "PostgreSQL not reachable: skipped the PostgreSQL run"; fi
	@if $(BIN)/python -c "import redis; redis.Redis.from_url('$(TEST_REDIS_URL)', socket_timeout=3).ping()" 2>/dev/null; then \
	  echo "== jobs on Redis ($(TEST_REDIS_URL)) =="; \
	  MARKETDOCK_VAR=var/test-redis REDIS_URL=$(TEST_REDIS_URL) HUEY_NAME=marketdock-test $(BIN)/pytest -q tests/core/test_jobs.py || exit 1; \
	elif [ "$$CI" = "true" ]; then echo "Redis at $(TEST_REDIS_URL) is required under CI"; exit 1; \
	else echo "Redis not reachable: skipped the Redis job run"; fi

messages:
	cd marketdock && ../$(BIN)/marketdock makemessages -l en --ignore='*/migrations/*' && ../$(BIN)/marketdock compilemessages

clean:
	rm -rf $(VENV) var/test-*
