# greenpark — the two quick-start targets: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint benchmark schema clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## Install, then solve the reference park for the next 48 h from local midnight; results in results/reference-park/
run: $(STAMP)
	$(BIN)/greenpark solve models/reference-park.yaml --horizon 48h --out results/reference-park

## Debian's Chromium and ChromeDriver for the browser tests (installed once, needs root or sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

## Install, then lint and run the tests (unit, integration, service, browser; the performance tier is deselected)
test: $(STAMP) browser
	$(BIN)/ruff check src tests benchmarks datasets
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks datasets
	$(BIN)/ruff format --check src tests benchmarks datasets

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_build_solve.py

schema: $(STAMP)
	$(BIN)/greenpark schema

clean:
	rm -rf $(VENV) results .pytest_cache
