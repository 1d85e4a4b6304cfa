# Two commands do all set-up from a fresh clone:
#   make demo   - build the environment, load the bundled/shared data and show the indicators
#   make test   - build the environment and run the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench bench-peers docs clean

VENDOR := src/callcenter/web/static/vendor

$(STAMP): pyproject.toml package-lock.json
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/callcenter demo

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src/callcenter

docs: $(STAMP)
	$(BIN)/python -m callcenter.schema > docs/schema.md
	$(BIN)/python -m callcenter.metrics.docs > docs/indicators.md

PEERS := .bench-peers
PEERS_PY := $(abspath $(PEERS))/bin/python

$(PEERS)/.installed: benchmarks/peers.txt
	$(PY) -m venv $(PEERS)
	$(PEERS)/bin/pip install -q -r benchmarks/peers.txt
	touch $@

bench-peers: $(PEERS)/.installed

bench: $(STAMP) $(PEERS)/.installed
	QUEUEING_PEERS_PY=$(PEERS_PY) PYWORKFORCE_PY=$(PEERS_PY) BENCH_PEER_PYTHON=$(PEERS_PY) \
	  $(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) $(PEERS) .pytest_cache .mypy_cache .ruff_cache
