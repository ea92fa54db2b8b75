# The two commands of the README, and the tools around them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
DEV_INSTALLED := $(VENV)/.dev-installed

.PHONY: run test lint format messages demo clean cluster cluster-stop cluster-test

run: $(INSTALLED)
	$(PY) -m perchoir run

test: $(DEV_INSTALLED)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(DEV_INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy perchoir

format: $(DEV_INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Extract every translatable string, then compile; the compiled catalogue is committed so that a
# fresh machine needs no gettext tools.
messages: $(DEV_INSTALLED)
	cd perchoir && ../$(PY) -m perchoir makemessages -l fr --no-obsolete --no-location -i "*/tests/*"
	cd perchoir && ../$(PY) -m perchoir makemessages -d djangojs -l fr --no-obsolete --no-location
	cd perchoir && ../$(PY) -m perchoir compilemessages -l fr

demo: $(INSTALLED)
	$(PY) -m perchoir migrate --no-input
	$(PY) -m perchoir demo

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV_INSTALLED): pyproject.toml package.json | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: browser tests will be skipped (they fail under CI)"; fi
	touch $(INSTALLED) $@

# The deployment of deploy/README.md on this machine, with real servers (deploy/cluster/): a
# PostgreSQL primary and streaming replica, Redis, SeaweedFS (S3), two web processes, a worker,
# nginx on http://127.0.0.1:8080/. Needs root (pg_createcluster) and Debian's nginx.
CLUSTER_DIR ?= /tmp/perchoir-cluster

cluster: $(DEV_INSTALLED)
	PERCHOIR_CLUSTER_DIR=$(CLUSTER_DIR) $(PY) deploy/cluster/cluster.py start

# Stops everything the cluster started and deletes its data.
cluster-stop:
	PERCHOIR_CLUSTER_DIR=$(CLUSTER_DIR) $(PY) deploy/cluster/cluster.py stop

# The journey and the fault drills through nginx (tests/cluster/, which `make test` skips).
cluster-test: $(DEV_INSTALLED)
	PERCHOIR_CLUSTER_URL=http://127.0.0.1:8080 PERCHOIR_CLUSTER_DIR=$(CLUSTER_DIR) \
	PERCHOIR_VAR_DIR=$(CLUSTER_DIR)/pytest \
	  $(PY) -m pytest -p no:cacheprovider tests/cluster $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules
