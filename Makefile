# Tongban: `make demo` runs three nodes (Beijing, Tianjin, Hebei) on the embedded default; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: demo test install lint imports typecheck migrations-check messages pytest-sqlite pytest-postgres bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml package.json
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@if command -v npm >/dev/null; then npm install --no-audit --no-fund --silent; else echo "npm not found: browser assets (axe-core) are missing" >&2; fi
	touch $(STAMP)

install: $(STAMP) messages

messages: $(STAMP)
	@cd src && ../$(BIN)/tongban compilemessages --ignore '*.venv*' -v 0

demo: install
	$(BIN)/python scripts/demo.py

lint: $(STAMP)
	$(BIN)/ruff check src bench scripts tests conftest.py
	$(BIN)/ruff format --check src bench scripts tests conftest.py
	$(MAKE) --no-print-directory imports

# The import contracts in pyproject.toml (layers, no circles, no private names; docs/adr/0021-layers.md).
imports: $(STAMP)
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy src bench scripts tests

migrations-check: $(STAMP)
	$(BIN)/tongban makemigrations --check --dry-run

pytest-sqlite: install
	@echo "== pytest on SQLite =="
	env -u TONGBAN_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

pytest-postgres: install
	@url="$$($(BIN)/python scripts/postgres_url.py)"; \
	if [ -n "$$url" ]; then \
	  echo "== pytest on PostgreSQL ($$url) =="; \
	  TONGBAN_DATABASE_URL="$$url" $(BIN)/pytest $(PYTEST_ARGS) || exit $$?; \
	  echo "postgresql" >> var/test-databases; \
	elif [ "$${CI:-}" = "true" ]; then \
	  echo "ERROR: PostgreSQL is required under CI and is not reachable" >&2; exit 1; \
	else \
	  echo "PostgreSQL is not reachable: the PostgreSQL run was NOT done (set TONGBAN_TEST_POSTGRES_URL)"; \
	fi

test: install lint typecheck migrations-check
	@mkdir -p var && rm -f var/test-databases
	@bash scripts/ensure-chromium.sh
	@bash scripts/ensure-clamav.sh
	$(MAKE) --no-print-directory pytest-sqlite
	@echo "sqlite" >> var/test-databases
	$(MAKE) --no-print-directory pytest-postgres
	@echo "== the test suite ran on: $$(paste -sd ' ' var/test-databases) =="

bench: install
	@echo "Benchmarks: $(BIN)/python bench/<name>.py [--quick] [--database sqlite|postgres]"

clean:
	rm -rf $(VENV) var node_modules .mypy_cache .ruff_cache .pytest_cache
