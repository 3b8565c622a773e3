# Serverless backend suite. On a fresh machine with Python 3.12: `make dev` runs everything, `make test` tests.
# Both create the virtual environment (.venv) first when it is missing or its requirements changed.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12 (the Lambda runtime): python3.12 on PATH, else a pyenv-installed 3.12.
PYTHON312 ?= $(shell if python3.12 -c 'import sys' >/dev/null 2>&1; then echo python3.12; \
	else ls -d $$HOME/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null | tail -n 1; fi)
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_CLI_VERSION := 1.170.0
# LiteLLM's proxy, the relay's benchmark peer, in a venv of its own (its dependencies are not the suite's).
# 1.80.0: the [proxy] extra of later releases pins litellm-proxy / litellm-enterprise builds PyPI does not serve.
LITELLM_VENV := .venv-litellm
LITELLM_VERSION := 1.80.0
ENV ?= default
PERSIST ?=
PEBBLE ?=
DEVSTACK_ARGS ?=
# make test runs the tests in this many processes (pytest-xdist), each test file whole in one of them
TEST_WORKERS ?= 2

.PHONY: help setup dev test fuzz test-unit test-integration test-e2e lint validate build deploy bench bench-aws bench-relay fire status routes clean

help:
	@echo "make dev       run the whole suite locally (moto in-process, no Docker, no AWS account)"
	@echo "               PERSIST=1 keeps state between runs; PEBBLE=1 adds a local ACME CA (certctrl);"
	@echo "               DEVSTACK_ARGS='--only ccjk' etc."
	@echo "make test      unit + integration + end-to-end tests"
	@echo "make fuzz      schemathesis on every service's OpenAPI document, 30 requests per operation"
	@echo "make lint      ruff, cfn-lint (with serverless rules)"
	@echo "make build     sam build for arm64, then precompile the artifacts for Python 3.12"
	@echo "make deploy    sam deploy (ENV=default|prod, see samconfig.toml)"
	@echo "make bench     benchmarks (cold-start imports per function)"
	@echo "make bench-aws AWS calls per request, per service (moto in-process)"
	@echo "make bench-relay the relay proxy's added latency and time to first byte, beside LiteLLM's proxy"
	@echo "make fire NAME=service.Function.Event   fire a schedule of the running stack"
	@echo "make routes [SERVICE=kook]   route inventory coverage per service (and what is missing)"

$(VENV)/.installed: layers/common/requirements.txt requirements-dev.txt
	@test -n "$(PYTHON312)" || { echo "Python 3.12 is required (python3.12 on PATH or pyenv 3.12.x)"; exit 1; }
	$(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

setup: $(VENV)/.installed

dev: setup
	$(PY) -m devstack up $(if $(PERSIST),--persist) $(if $(PEBBLE),--with-pebble) $(DEVSTACK_ARGS)

test: setup
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

# Schemathesis harder than make test: 30 generated requests per operation of every service (FUZZ_EXAMPLES).
fuzz: setup
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-30} $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile tests/integration -k openapi_fuzz

test-unit: setup
	$(PY) -m pytest tests/unit

test-integration: setup
	$(PY) -m pytest tests/integration

test-e2e: setup
	$(PY) -m pytest tests/e2e

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/cfn-lint --append-rules cfn_lint_serverless.rules -- template.yaml functions/*/template.yaml

$(SAM_VENV)/.installed:
	$(PYTHON312) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli==$(SAM_CLI_VERSION)
	@touch $@

validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint --template template.yaml
	@for t in functions/*/template.yaml; do $(SAM) validate --lint --template $$t || exit 1; done

# sam build ships no .pyc files, so every cold start would compile the dependencies: precompile them for the
# runtime's Python, hash-based so zip timestamps cannot invalidate them.
build: setup $(SAM_VENV)/.installed
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(SAM) build --parallel --cached
	$(PY) -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/build
	@echo "precompiled: $$(find .aws-sam/build -name '*.cpython-312.pyc' | wc -l) .pyc files"

deploy: build
	$(SAM) deploy --config-env $(ENV)

bench: setup
	$(PY) bench/cold_start.py

bench-aws: setup
	$(PY) bench/aws_calls.py

$(LITELLM_VENV)/.installed:
	$(PYTHON312) -m venv $(LITELLM_VENV)
	$(LITELLM_VENV)/bin/pip install --quiet "litellm[proxy]==$(LITELLM_VERSION)"
	@touch $@

bench-relay: setup $(LITELLM_VENV)/.installed
	$(PY) bench/relay_overhead.py --litellm $(LITELLM_VENV)/bin/litellm

fire: setup
	$(PY) -m devstack fire $(NAME)

status: setup
	$(PY) -m devstack status

routes: setup
	$(PY) -m devstack.route_coverage $(SERVICE)

clean:
	rm -rf .aws-sam .devstack .pytest_cache .ruff_cache
