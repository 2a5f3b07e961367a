# The two entry points a newcomer needs: `make demo` and `make test`. Both create the virtual
# environment in .venv on first use, so they work on a fresh checkout.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM ?= npm
WEB_SOURCES := $(shell find web/src -type f) web/index.html web/package.json web/tsconfig.json \
	web/vite.config.ts
# The browser tests drive Debian's chromium; root installs it, anyone else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint bench up clean web chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[ml,dev,triton]"
	$(BIN)/pip install --quiet --no-deps "nvidia-pytriton==0.7.0"
	touch $(STAMP)

# The web app served at / (Node.js 20.19+ and npm); npm's cache makes a repeated `npm ci` quick.
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund --prefer-offline

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && $(NPM) run build

web: web/dist/index.html

chromium:
	@test -x /usr/bin/chromium || $(SUDO) apt-get install -y -q chromium \
		|| ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium)

demo: $(STAMP) web
	$(BIN)/datafantasi demo

up: $(STAMP) web
	$(BIN)/datafantasi up

test: $(STAMP) web chromium
	$(BIN)/python -m shared.contracts.generate --check
	$(BIN)/ruff check .
	cd web && $(NPM) test
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/embedding_bench.py

clean:
	rm -rf $(VENV) .datafantasi .datafantasi-demo .datafantasi-test web/node_modules web/dist
