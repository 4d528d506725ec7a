# Two entry points: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
INPUT  ?= data/raw
OUTPUT ?= data/out

.PHONY: install lock run report test test-fast lint bench clean

install: $(STAMP)

# The versions in constraints.txt: the ones the suite last passed with.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,dask,s3]'
	touch $(STAMP)

# The newest versions pyproject.toml allows, into constraints.txt (then run make test).
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[dev,dask,s3]'
	head -2 constraints.txt > constraints.new
	.venv-lock/bin/python -m pip freeze --exclude-editable >> constraints.new
	mv constraints.new constraints.txt
	rm -rf .venv-lock

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
