# Two entry points for a newcomer (README.md): `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := tests/interop/node_modules/.installed

.PHONY: demo test check lint types pytest bench clean vendor-js

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("vic needs Python 3.11+") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(NODE_STAMP): tests/interop/package.json tests/interop/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the interop tests against Digital Bazaar's libraries will skip"; fi

demo: $(STAMP)
	$(BIN)/vic demo --out demo-out

test: $(STAMP) $(NODE_STAMP) lint types pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Refresh the verifier page's vendored QR decoder (jsQR) from npm; the result is committed.
vendor-js:
	sh tools/vendor_jsqr.sh

clean:
	rm -rf $(VENV) tests/interop/node_modules demo-out .mypy_cache .ruff_cache .pytest_cache
