# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench clean realworld realworld-images

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	cd examples/alembic-shop && ../../$(BIN)/migtest run
	@echo
	@echo "Reports of the demo: examples/alembic-shop/migtest-results/{results.json,junit.xml,summary.md,gl-code-quality-report.json}"

test: $(STAMP)
	scripts/install-test-machine.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Real releases of mcp-contextforge-gateway from PyPI, one virtualenv each (needs PyPI; not part of
# `make test`). See examples/contextforge/README.md for what it finds and how long it takes.
realworld: $(STAMP)
	cd examples/contextforge && ../../$(BIN)/migtest run

# The same releases as container images built from wheels (needs PyPI on the host and Docker).
realworld-images: $(STAMP)
	cd examples/contextforge && docker/build-wheels.sh && ../../$(BIN)/migtest run -c docker/migtest.yml

bench: $(STAMP)
	$(BIN)/python bench/overhead.py

clean:
	rm -rf $(VENV) examples/*/migtest-results examples/*/.migtest-cache examples/contextforge/docker/wheels
