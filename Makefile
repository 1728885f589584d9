# `make run` and `make test` set everything up first: the virtualenv, the pinned dependencies,
# and MariaDB and Redis (started, or installed on Debian as root, when they do not answer).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test setup setup-test services clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: requirements-test.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

setup: $(VENV)/.runtime

setup-test: $(VENV)/.test
	bash scripts/ensure_chromium.sh

services:
	bash scripts/ensure_services.sh

run: setup services
	$(PY) server.py --port=$(PORT)

test: setup-test services
	$(PY) -m pytest -W error $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) test-output .pytest_cache
