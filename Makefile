# Two commands do all setup on a fresh machine:
#   make demo   creates .venv, installs the package and its runtime dependencies, aligns
#               the sample pair in seeds/
#   make test   the same venv plus the test tools (the `test` extra: pytest, ruff, Ray, ...),
#               then lint and the whole test suite (`make test-fast`: the fast tests only)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
SEED := seeds/000_1f513c82f196d388
DEMO_OUT := corpora/out/seed.parquet

.PHONY: demo test test-fast lint bench install install-test clean

install: $(STAMP)

install-test: $(TEST_STAMP)

# torch 2.13.0 goes in first, so no dependency picks a torch of its own. Which build it is
# depends on the pip index: a machine whose pip serves the CPU wheel gets that; from the
# public PyPI on Linux it is the CUDA build (add
# PIP_INDEX_URL=https://download.pytorch.org/whl/cpu to the first install for the CPU one).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

# `make test` after `make demo` adds the test tools to the same venv.
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

demo: $(STAMP)
	mkdir -p $(dir $(DEMO_OUT))
	$(BIN)/aligner align $(SEED).en.txt $(SEED).ko.txt -o $(DEMO_OUT) --overwrite
	$(BIN)/aligner evaluate $(SEED).gold $(DEMO_OUT)

lint: $(TEST_STAMP)
	$(BIN)/ruff check aligner tests scripts
	$(BIN)/ruff format --check aligner tests scripts

test: lint
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

# the fast lane while editing: no encoder, no real alignment, no process (about 20 s)
test-fast: $(TEST_STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -m "not slow"

bench: $(TEST_STAMP)
	$(BIN)/python scripts/benchmark.py --method aligner

clean:
	rm -rf $(VENV) corpora/out .pytest_cache
