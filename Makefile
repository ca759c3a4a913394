# greenpark — the two quick-start targets: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint benchmark schema clean browser postgres

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

## Install, then solve the reference park for the next 48 h from local midnight; results in results/reference-park/
run: $(STAMP)
	$(BIN)/greenpark solve models/reference-park.yaml --horizon 48h --out results/reference-park

## Debian's Chromium, ChromeDriver and a CJK font for the browser tests (installed once, needs root or sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && fc-list | grep -qi wqy || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-zenhei \
	    >/dev/null; }

## Debian's PostgreSQL, started, with a role and database for the replica tests (once; needs root or sudo)
PG_URL := postgresql+psycopg://greenpark:greenpark@127.0.0.1:5432/greenpark_test
postgres:
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	AS_PG=$$( [ "$$(id -u)" = 0 ] && echo "runuser -u postgres --" || echo "sudo -u postgres" ); \
	command -v pg_ctlcluster >/dev/null || { $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }; \
	pg_lsclusters -h | grep -q online || { set -- $$(pg_lsclusters -h | head -1); \
	  $$SUDO pg_ctlcluster $$1 $$2 start; }; \
	$$AS_PG psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname = 'greenpark'" | grep -q 1 || \
	  $$AS_PG psql -qc "CREATE ROLE greenpark LOGIN PASSWORD 'greenpark'"; \
	$$AS_PG psql -qtAc "SELECT 1 FROM pg_database WHERE datname = 'greenpark_test'" | grep -q 1 || \
	  $$AS_PG createdb -O greenpark greenpark_test

## Install, then lint and run the tests (unit, integration, service, browser; the performance tier is deselected)
test: $(STAMP) browser postgres
	$(BIN)/ruff check src tests benchmarks datasets
	GREENPARK_TEST_POSTGRES='$(PG_URL)' $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks datasets
	$(BIN)/ruff format --check src tests benchmarks datasets

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_build_solve.py

schema: $(STAMP)
	$(BIN)/greenpark schema

clean:
	rm -rf $(VENV) results .pytest_cache
