# sealmail: the two commands a newcomer needs are `make serve` and `make test`.
# Both create .venv when it is missing or stale and install the project into it.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.sealmail-installed
SERVE_ARGS ?=
PYTEST_ARGS ?=

.PHONY: serve test venv vectors verify-vectors bench fuzz soak clean

# Stale when pyproject.toml changed since the last install, or when the venv's
# interpreter no longer runs (moved checkout, Python upgraded).
$(STAMP): pyproject.toml
	@if ! $(PY) -c "import sys" >/dev/null 2>&1; then rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

venv:
	@if ! $(PY) -c "import sys" >/dev/null 2>&1; then rm -f $(STAMP); fi
	@$(MAKE) --no-print-directory $(STAMP)

## make serve: run every implemented mock on 127.0.0.1 (ports 8101..8105); Ctrl-C stops.
serve: venv
	$(PY) -m mockservers serve $(SERVE_ARGS)

## make test: the whole suite.
test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

## make vectors: regenerate vectors/data from the recorded seed; verify-vectors checks them independently.
vectors: venv
	$(PY) -m vectors generate

verify-vectors: venv
	$(PY) -m vectors verify

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
