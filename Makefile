# Two commands: `make app` serves the designer, `make test` runs the suite.
# Both bootstrap what a fresh Debian machine lacks; a second run installs nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8866
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := ngspice libngspice0 libngspice0-dev chromium libcairo2
TORCH_CPU := torch==2.13.0

.PHONY: app test test-fast lint format bootstrap system-deps train benchmark clean

app: bootstrap
	$(PY) -m circuitviz.serve --port $(PORT)

test: bootstrap
	$(PY) -m ruff check circuitviz tests benchmarks
	$(PY) -m ruff format --check circuitviz tests benchmarks
	$(PY) -m mypy circuitviz
	$(PY) -m pytest -q

# The quick lane for local work: no browser, nothing marked slow.
test-fast: bootstrap
	$(PY) -m pytest -q -x -m "not browser and not slow"

# Lint and type check (both configured in pyproject.toml).
lint: bootstrap
	$(PY) -m ruff check circuitviz tests benchmarks
	$(PY) -m ruff format --check circuitviz tests benchmarks
	$(PY) -m mypy circuitviz

# Apply the formatter (make test checks that nothing is left to format).
format: bootstrap
	$(PY) -m ruff format circuitviz tests benchmarks

bootstrap: system-deps $(VENV)/.installed

# ngspice shared library for PySpice (libngspice0-dev adds the libngspice.so link) and
# Debian's chromium for the browser tests; skipped when already present.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# CPU torch first where no GPU is present: a bare `torch` requirement pulls a multi-GB CUDA build.
$(VENV)/.torch: | $(VENV)/bin/python
	@if $(PY) -c "import torch" 2>/dev/null; then true; \
	elif command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then \
	  $(PY) -m pip install -q torch; \
	else \
	  $(PY) -m pip install -q $(TORCH_CPU); \
	fi
	@touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

# The shipped model: build its 100k-circuit dataset (about a minute) unless present, then train.
train: bootstrap
	@[ -f data/train100k/manifest.json ] || \
	  $(PY) -m circuitviz.cli dataset build --n 100000 --seed 0 --out data/train100k
	$(PY) -m circuitviz.cli train --config models/train_config.json

benchmark: bootstrap
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
