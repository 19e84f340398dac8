# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format reference bench clean realworld realworld-postgres realworld-contextforge-1.0 realworld-contextforge-1.0-postgres realworld-images realworld-optuna realworld-mlflow realworld-jupyterhub realworld-golang

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	cd examples/alembic-shop && ../../$(BIN)/migtest run
	@echo
	@echo "Reports of the demo: examples/alembic-shop/migtest-results/{report.html,results.json,junit.xml,summary.md,gl-code-quality-report.json}"

test: $(STAMP)
	scripts/install-test-machine.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Real releases of mcp-contextforge-gateway from PyPI, one virtualenv each (needs PyPI; not part of
# `make test`): about 4 minutes once the venvs are cached, 24 the first time (measured on a loaded
# 2-core machine). The releases have real migration bugs, so migtest exits 1; the target passes when
# every check ends as established by hand (examples/contextforge/README.md), and fails on any change.
realworld: $(STAMP)
	cd examples/contextforge && { ../../$(BIN)/migtest run; test $$? -le 1; } \
		&& ../../$(BIN)/python scripts/expect.py migtest-results/results.json expected/sqlite.json

realworld-postgres: $(STAMP)
	cd examples/contextforge && { scripts/on-host-postgres.sh --report-dir migtest-results-postgres; test $$? -le 1; } \
		&& ../../$(BIN)/python scripts/expect.py migtest-results-postgres/results.json expected/postgres.json

# The gateway's newest line: 0.9.0, 1.0.0, 1.0.7.post20260921 and 1.1.0 (Python 3.12) from PyPI,
# SQLite (needs PyPI; not part of `make test` or `make realworld`). The first time it builds four
# venvs (93 to 235 s each here); with them cached, 464 to 487 s of migtest by load (12 scenarios).
# The releases have real findings, so migtest exits 1; the target passes when every check ends as
# recorded (examples/contextforge/README.md).
# The -postgres target: the same on a throw-away PostgreSQL on this host (544 s of migtest).
realworld-contextforge-1.0: $(STAMP)
	cd examples/contextforge && { ../../$(BIN)/migtest run -c migtest-1.0.yml --jobs 2; test $$? -le 1; } \
		&& ../../$(BIN)/python scripts/expect.py migtest-results-1.0/results.json expected/sqlite-1.0.json

realworld-contextforge-1.0-postgres: $(STAMP)
	cd examples/contextforge && { scripts/on-host-postgres.sh -c migtest-1.0.yml --jobs 2 --report-dir migtest-results-1.0-postgres; test $$? -le 1; } \
		&& ../../$(BIN)/python scripts/expect.py migtest-results-1.0-postgres/results.json expected/postgres-1.0.json

# The same releases as container images built from wheels (needs PyPI on the host and Docker).
realworld-images: $(STAMP)
	cd examples/contextforge && docker/build-wheels.sh && eval "$$(python3 scripts/make-token.py)" \
		&& { ../../$(BIN)/migtest run -c docker/migtest.yml; test $$? -le 1; } \
		&& ../../$(BIN)/python scripts/expect.py docker/migtest-results/results.json expected/images.json

# The JSON Schema (migtest/config/migtest.schema.json) and docs/configuration.md, generated from the models
# of migtest.yml (migtest/config/models.py); tests fail when either is stale.
reference: $(STAMP)
	$(BIN)/python -m migtest.config.generated

bench: $(STAMP)
	$(BIN)/python bench/overhead.py

# Real projects (docs-realworld.md). optuna: three releases from PyPI, SQLite and PostgreSQL
# (about 6 minutes, virtualenvs built from PyPI included).
realworld-optuna: $(STAMP)
	MIGTEST_REALWORLD=1 $(BIN)/pytest -q tests/integration/test_realworld_optuna.py

# MLflow's tracking store: three releases from PyPI, SQLite, PostgreSQL and MariaDB; not in `make test`
# (about 7 minutes, virtualenvs built from PyPI included; examples/mlflow/README.md).
realworld-mlflow: $(STAMP)
	MIGTEST_REALWORLD=1 $(BIN)/pytest -q tests/integration/test_realworld_mlflow.py

# JupyterHub: three releases from PyPI on SQLite; exits 0 when every check ends as established by
# hand (examples/jupyterhub/README.md). About 70 s the first time, 20 s with the venvs cached.
realworld-jupyterhub: $(STAMP)
	cd examples/jupyterhub && { ../../$(BIN)/migtest run; test $$? -le 1; } \
		&& ../../$(BIN)/python ../contextforge/scripts/expect.py migtest-results/results.json expected/sqlite.json

# Harbor's golang-migrate history on PostgreSQL: needs a copy of github.com/goharbor/harbor,
# HARBOR_REPO=/path/to/harbor.git (see scripts/realworld_golang.py; about 4.5 minutes).
realworld-golang: $(STAMP)
	$(BIN)/python scripts/realworld_golang.py $(if $(HARBOR_REPO),--repository $(HARBOR_REPO))

clean:
	rm -rf $(VENV) examples/*/migtest-results examples/*/.migtest-cache examples/contextforge/docker/wheels
