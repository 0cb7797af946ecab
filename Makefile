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

# The shipped model: the runs of models/chain/chain.txt in order (about 30 min each on
# 2 cores), each building its dataset if missing; the first starts from 0c33ae2's model.
# A run whose output exists is skipped, except the last, which writes models/set_decoder.pt.
train: bootstrap
	@mkdir -p runs
	@[ -f runs/v21_init.pt ] || git show 0c33ae2:models/set_decoder.pt > runs/v21_init.pt || \
	  { rm -f runs/v21_init.pt; echo "make train: needs the git history (commit 0c33ae2) for its first warm start" >&2; exit 2; }
	@grep -v '^#' models/chain/chain.txt | while read -r seed cfg; do \
	  data=$$($(PY) -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"])' $$cfg) || exit 1; \
	  out=$$($(PY) -c 'import json,sys; print(json.load(open(sys.argv[1]))["out"])' $$cfg) || exit 1; \
	  [ -f $$data/manifest.json ] || \
	    $(PY) -m circuitviz.cli dataset build --n 90000 --seed $$seed --out $$data || exit 1; \
	  if [ -f $$out ] && [ $$cfg != models/train_config.json ]; then echo "$$out exists: skipped"; continue; fi; \
	  $(PY) -m circuitviz.cli train --config $$cfg || exit 1; \
	done

benchmark: bootstrap
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
