# `make run` and `make test` set everything up first: the virtualenv, the pinned dependencies,
# jq for the README's walkthrough, and MariaDB and Redis (started, or installed on Debian as root,
# when they do not answer); `make test` also Chromium, nginx, axe-core and wrk for the browser,
# multi-host, accessibility and load tests.
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
	bash scripts/ensure_command.sh jq

setup-test: setup $(VENV)/.test
	bash scripts/ensure_chromium.sh
	bash scripts/ensure_nginx.sh
	bash scripts/ensure_command.sh wrk
	bash scripts/ensure_axe.sh

services:
	bash scripts/ensure_services.sh

# `make run PAYMENT=alipay`: with the test payment gateway (tests/alipay_gateway.py) on
# GATEWAY_PORT and the server paying through it (README, "Payment").
PAYMENT ?= off
GATEWAY_PORT ?= 8010
DEMO_PAY := test-output/demo-alipay

run: setup services
ifeq ($(PAYMENT),alipay)
	$(PY) -m tests.alipay_gateway keys $(DEMO_PAY)
	$(PY) -m tests.alipay_gateway serve $(DEMO_PAY) --port=$(GATEWAY_PORT) & gateway=$$!; \
	trap 'kill $$gateway' EXIT; \
	$(PY) server.py --port=$(PORT) --payment=alipay --public_url=http://127.0.0.1:$(PORT) \
		--alipay_gateway=http://127.0.0.1:$(GATEWAY_PORT)/gateway.do \
		--alipay_app_id=2021000000000001 --alipay_seller_id=2088000000000001 \
		--alipay_private_key_file=$(DEMO_PAY)/merchant_private.pem \
		--alipay_public_key_file=$(DEMO_PAY)/gateway_public.pem
else
	$(PY) server.py --port=$(PORT)
endif

test: setup-test services
	$(PY) -m pytest -W error $(PYTEST_ARGS)

# `make bench [HOUSES=1000,100000,1000000] [QUICK=1] [BENCH_ARGS=...]`: the load benchmark (README, "Benchmarks").
bench: setup-test services $(VENV)/.bench
	$(PY) -m bench.run $(if $(HOUSES),--houses=$(HOUSES)) $(if $(QUICK),--quick) $(BENCH_ARGS)
	$(PY) -m bench.websocket $(if $(QUICK),--sockets=1000 --events=50 --out=bench/results/performance-quick.md)

clean:
	rm -rf $(VENV) test-output .pytest_cache
