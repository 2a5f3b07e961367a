# The two entry points a newcomer needs: `make demo` and `make test`. Both create the virtual
# environment in .venv on first use, so they work on a fresh checkout.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench up clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[ml,dev,triton]"
	$(BIN)/pip install --quiet --no-deps "nvidia-pytriton==0.7.0"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/datafantasi demo

up: $(STAMP)
	$(BIN)/datafantasi up

test: $(STAMP)
	$(BIN)/python -m shared.contracts.generate --check
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/embedding_bench.py

clean:
	rm -rf $(VENV) .datafantasi .datafantasi-demo
