# Two commands do all setup on a fresh machine:
#   make demo   creates .venv, installs everything, aligns the sample pair in seeds/
#   make test   creates .venv, installs everything, runs lint and the whole test suite

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SEED := seeds/000_1f513c82f196d388
DEMO_OUT := corpora/out/seed.parquet

.PHONY: demo test lint bench install clean

install: $(STAMP)

# torch 2.13.0 goes in first: it is the CPU wheel; letting a dependency pick torch would
# pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p $(dir $(DEMO_OUT))
	$(BIN)/aligner align $(SEED).en.txt $(SEED).ko.txt -o $(DEMO_OUT) --overwrite
	$(BIN)/aligner evaluate $(SEED).gold $(DEMO_OUT)

lint: $(STAMP)
	$(BIN)/ruff check aligner tests scripts
	$(BIN)/ruff format --check aligner tests scripts

test: lint
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python scripts/benchmark.py --method aligner

clean:
	rm -rf $(VENV) corpora/out .pytest_cache
