# Everyst: `make run` starts hub + local agent + dashboard; `make test` runs the whole suite.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
GEN := gen/everyst/agent/v1
PROTO := protos/everyst/agent/v1/agent.proto
STAMP := $(VENV)/.installed
FRONT := frontend/dist/index.html

.PHONY: run test gen install frontend lint typecheck dist clean system-deps bench

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel

# Generated protobuf/gRPC code (+ .pyi stubs), never edited by hand.
$(GEN)/agent_pb2.py: $(PROTO) | $(BIN)/python
	$(BIN)/pip install -q "grpcio-tools>=1.66" "mypy-protobuf>=3.6"
	mkdir -p $(GEN)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m grpc_tools.protoc -I protos --python_out=gen --pyi_out=gen \
		--grpc_python_out=gen --mypy_grpc_out=gen $(PROTO)
	for d in gen/everyst gen/everyst/agent gen/everyst/agent/v1; do touch $$d/__init__.py; done

# The dashboard's REST types, from the hub's OpenAPI schema (its serializers are the source).
NODE_MODULES := frontend/node_modules/.package-lock.json
$(NODE_MODULES): frontend/package.json frontend/package-lock.json
	cd frontend && (npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error)
	touch $(NODE_MODULES)

# Then the tools' params schema (from the agent's Params), and the frames' TS types and docs table.
gen: $(GEN)/agent_pb2.py $(STAMP) $(NODE_MODULES)
	$(BIN)/everyst-hub api_types
	$(BIN)/python scripts/contracts.py

$(STAMP): pyproject.toml $(GEN)/agent_pb2.py
	$(BIN)/pip install -q -e ".[agent,hub,dev]"
	touch $(STAMP)

install: $(STAMP)

$(FRONT): $(shell find frontend/src -type f 2>/dev/null) frontend/package.json frontend/index.html frontend/vite.config.ts
	cd frontend && (npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error)
	cd frontend && npm run build

frontend: $(FRONT)

run: install frontend
	$(BIN)/everyst-hub setup
	$(BIN)/everyst-hub serve --local-agent

# Debian packages the tests drive for real (browser, nmap, iproute2 for namespaces, prometheus
# and its promtool scraping /metrics, nginx in front of a hub, haproxy in front of two).
system-deps:
	@missing=""; for p in chromium nmap iproute2 prometheus-node-exporter prometheus nginx haproxy; do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

test: install frontend system-deps
	cd frontend && npm test
	$(BIN)/ruff check hub agent common tests
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks against peers in the same run (~20 min; BENCH_ARGS="--quick" for a smoke run).
# py-spy profiles the hub when an ingest level fails.
bench: install frontend system-deps
	$(BIN)/pip install -q py-spy || echo "py-spy unavailable: ingest failures will not be profiled"
	$(BIN)/python -m tests.bench.run $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check hub agent common tests
	$(BIN)/mypy hub/everyst_hub agent/everyst_agent common/everyst_common

dist: $(GEN)/agent_pb2.py
	$(BIN)/pip install -q build
	$(BIN)/python -m build --wheel --outdir dist .

clean:
	rm -rf $(VENV) gen frontend/dist frontend/node_modules dist var
