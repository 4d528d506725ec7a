# Two entry points: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
INPUT  ?= data/raw
OUTPUT ?= data/out

.PHONY: install run report test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m pipelines.tag_articles --input $(INPUT) --output $(OUTPUT)

report: $(STAMP)
	$(BIN)/python -m pipelines.report --data $(OUTPUT) --out $(OUTPUT)/report.html

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.throughput --dask

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
