# Two entry points: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
INPUT  ?= data/raw
OUTPUT ?= data/out

.PHONY: install run report test test-fast lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,s3]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m pipelines.tag_articles --input $(INPUT) --output $(OUTPUT)

report: $(STAMP)
	$(BIN)/python -m pipelines.report --data $(OUTPUT) --out $(OUTPUT)/report.html

lint: $(STAMP)
	$(BIN)/ruff check .

# Every tier, in parallel over the machine's cores (pytest-xdist; a module's tests stay on one
# worker, so a module-scoped fixture is built once).
test: lint
	$(BIN)/python -m pytest -n auto --dist loadscope

# Without the tiers that start the real command, a Dask cluster or a browser.
test-fast: lint
	$(BIN)/python -m pytest -n auto --dist loadscope -m "not e2e and not cluster and not browser"

bench: $(STAMP)
	$(BIN)/python -m benchmarks.throughput --dask

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
