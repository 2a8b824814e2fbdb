# vpcprobe — every entry point a person or CI uses. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARCH ?= x86_64
PYTHON ?= 3.13
SYSTEM_PACKAGES := dnsmasq-base nftables iproute2
PYTEST_ARGS ?=

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(STAMP) ## create .venv and install vpcprobe with its development tools

system-deps: ## install the lab's Debian packages (dnsmasq-base, nftables, iproute2) when root
	@if [ "$$(id -u)" != 0 ]; then \
	  echo "system-deps: not root; lab tests will be skipped"; \
	elif ! command -v apt-get >/dev/null; then \
	  echo "system-deps: no apt-get here; install $(SYSTEM_PACKAGES) yourself"; \
	else \
	  missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then \
	    echo "system-deps: installing" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  fi; \
	fi

browser-deps: ## install Debian chromium (the HTML report test opens it headless) when root
	@if [ "$$(id -u)" != 0 ]; then \
	  echo "browser-deps: not root; the HTML report browser test will be skipped"; \
	elif ! command -v apt-get >/dev/null; then \
	  echo "browser-deps: no apt-get here; install chromium yourself"; \
	elif ! dpkg -s chromium >/dev/null 2>&1; then \
	  echo "browser-deps: installing chromium"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

lint: $(STAMP) ## ruff, mypy (strict) and cfn-lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@if [ -f template.yaml ]; then $(BIN)/cfn-lint template.yaml; fi
	$(BIN)/cfn-lint audit_stack/template.yaml

format: $(STAMP) ## rewrite the code in the project's format
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Tests run on JOBS pytest-xdist workers (`-n auto`: one per core; JOBS=0 runs them in this
# process, for a debugger). The lab tests (root, network namespaces) and those marked `alone`
# (a deadline held against a CPU they starve on purpose) never run on a worker: `make test`
# runs them afterwards, one at a time, under LAB_LOCK so that two checkouts on one machine
# never build labs at the same time. PYTEST_ARGS goes to every pytest run
# (`make check PYTEST_ARGS='-k route'`); a run that PYTEST_ARGS leaves without a test
# (pytest's exit 5) is no failure when the other run of `make test` had tests.
JOBS ?= auto
LAB_LOCK := $(if $(shell command -v flock),flock /tmp/vpcprobe-lab.lock)

# The fast gate for every commit: lint, then the unit, rule, golden, report, path and snapshot
# tests and the invariant tests (denied reads over the goldens, incomplete runs). Not here:
# the lab (root, namespaces), the browser, `sam build` and layer builds, deploy/wrap against
# moto, one moto VPC per failure cause (test_moto_causes, test_static_causes) and the
# fault-proxy sweep (marked slow); `make test` runs all of them.
CHECK_TESTS := tests/unit tests/rules tests/scenarios tests/report tests/collector tests/probe \
  tests/diagnose/test_incomplete.py tests/diagnose/test_pipeline.py tests/diagnose/test_inputs.py
CHECK_IGNORE := --ignore=tests/report/test_html_browser.py \
  --ignore=tests/probe/test_layer_build.py --ignore=tests/probe/test_layer_both_architectures.py \
  --ignore=tests/rules/test_moto_causes.py --ignore=tests/collector/test_static_causes.py

check: $(STAMP) ## lint + unit, golden and invariant tests on every core; no lab/browser/sam build (under 3 min)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n $(JOBS) -m "not lab and not slow and not alone" $(CHECK_IGNORE) $(CHECK_TESTS) $(PYTEST_ARGS)

# Every test: all but the lab on JOBS workers, then the lab alone. Each run's exit code is
# kept; 5 (no test selected) counts as a pass only when the other run selected tests.
test: $(STAMP) system-deps browser-deps sam-venv pythons lint ## run every test: the lab ones (root) alone after the rest (under 15 min)
	@rest=0; $(BIN)/pytest -n $(JOBS) -m "not lab and not alone" $(PYTEST_ARGS) || rest=$$?; \
	lab=0; $(LAB_LOCK) $(BIN)/pytest -m "lab or alone" $(PYTEST_ARGS) || lab=$$?; \
	if [ $$rest = 5 ] && [ $$lab = 5 ]; then echo "make test: no test selected"; exit 5; fi; \
	[ $$rest = 5 ] && rest=0; [ $$lab = 5 ] && lab=0; \
	if [ $$rest != 0 ] || [ $$lab != 0 ]; then \
	  echo "make test: pytest exited $$rest (all but the lab) and $$lab (the lab)"; exit 1; fi

layer: $(STAMP) ## build dist/vpcprobe-layer-python$(PYTHON)-$(ARCH).zip (ARCH=x86_64|arm64 PYTHON=3.12|3.13|3.14; bytecode unless COMPILE=0)
	$(BIN)/python layer/build_layer.py --arch $(ARCH) --python $(PYTHON) --output dist

dist: $(STAMP) ## build the wheel and the sdist into dist/ (python -m build)
	$(BIN)/python -m build --outdir dist .

# `sam build` runs these (BuildMethod: makefile) from a scratch directory with ARTIFACTS_DIR
# set, so paths are taken from this Makefile's own location. sam passes no architecture, so
# its layer carries pydantic's compiled core for both (SAM_LAYER_ARCH=x86_64|arm64 narrows it).
REPO := $(patsubst %/,%,$(dir $(abspath $(firstword $(MAKEFILE_LIST)))))
SAM_VENV := .venv-sam
# Interpreters of the Lambda runtimes' Pythons, for their layers' bytecode (`make pythons`).
# On PATH for every target here, so `make layer PYTHON=3.13` and `sam build` compile with them.
PYTHONS_BIN := $(REPO)/.cache/pythons/bin
export PATH := $(PYTHONS_BIN):$(PATH)
SAM_LAYER_ARCH ?= both
SAM := $(SAM_VENV)/bin/sam

build-ProbeLayer: ## (run by sam build) the layer's content into $(ARTIFACTS_DIR)
	$(PY) $(REPO)/layer/build_layer.py --arch $(SAM_LAYER_ARCH) --python $(PYTHON) --layer-dir $(ARTIFACTS_DIR)

build-ProbeFunction: ## (run by sam build) the probe function's code into $(ARTIFACTS_DIR)
	cp $(REPO)/probe_function/app.py $(ARTIFACTS_DIR)/

# audit_stack/template.yaml: both functions run the installed collector package (the same code
# as `vpcprobe audit`), so the build installs it, with its dependencies, into $(ARTIFACTS_DIR).
build-AuditWorker build-PlanFunction: ## (run by sam build for audit_stack/) the collector package into $(ARTIFACTS_DIR)
	$(PY) -m pip install --quiet --target $(ARTIFACTS_DIR) $(REPO)

pythons: ## python3.12/3.13/3.14 into .cache/pythons/bin: bytecode for their layers (apt-get as root; node for 3.12)
	@$(PY) layer/target_pythons.py || \
	  echo "pythons: not every target Python is here; layer tests for the missing ones are skipped"

$(SAM):
	$(PY) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli

sam-venv: $(SAM) ## create .venv-sam: aws-sam-cli in its own environment (for the sam build test)

.PHONY: help venv system-deps browser-deps lint format check test layer dist sam-venv pythons build-ProbeLayer build-ProbeFunction build-AuditWorker build-PlanFunction

bench: $(STAMP) system-deps ## print every tracked figure with its goal (bench/run_all.py; BENCH_ARGS=--json)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

.PHONY: bench

lab: $(STAMP) system-deps ## run only the lab tests (the probe in a namespaced VPC; needs root), under LAB_LOCK
	$(LAB_LOCK) $(BIN)/pytest tests/lab $(PYTEST_ARGS)

.PHONY: lab

docs: $(STAMP) ## regenerate docs/findings/ (catalogue and code ledger) from the rule registry
	$(BIN)/python -m vpcprobe_collector.rules.catalogue

golden: $(STAMP) ## rewrite tests/scenarios/<fault>/ inputs and expected outputs (review the diff)
	$(BIN)/python -m tests.scenarios.regenerate

.PHONY: docs golden

demo: $(STAMP) system-deps ## run `vpcprobe diagnose` on the built-in demo scenario (no AWS account needed)
	$(BIN)/python -m demo

.PHONY: demo
