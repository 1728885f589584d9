# `make run` and `make test` set everything up first: the virtualenv, the pinned dependencies,
# and MariaDB and Redis (started, or installed on Debian as root, when they do not answer);
# `make test` also Chromium, nginx and axe-core for the browser, multi-host and accessibility tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test setup setup-test services bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: requirements-test.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

$(VENV)/.bench: requirements-bench.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@

setup: $(VENV)/.runtime

setup-test: $(VENV)/.test
	bash scripts/ensure_chromium.sh
	bash scripts/ensure_nginx.sh
	bash scripts/ensure_axe.sh

services:
	bash scripts/ensure_services.sh

run: setup services
	$(PY) server.py --port=$(PORT)

test: setup-test services
	$(PY) -m pytest -W error $(PYTEST_ARGS)

# `make bench [HOUSES=1000,100000,1000000] [QUICK=1] [BENCH_ARGS=...]`: the load benchmark (README, "Benchmarks").
bench: setup-test services $(VENV)/.bench
	command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } \
		|| { echo "bench: wrk is missing; install it (Debian: apt-get install wrk)" >&2; exit 1; }
	$(PY) -m bench.run $(if $(HOUSES),--houses=$(HOUSES)) $(if $(QUICK),--quick) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) test-output .pytest_cache
