# sealmail: the two commands a newcomer needs are `make serve` and `make test`.
# Both create .venv when it is missing or stale and install the project into it.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.sealmail-installed
SERVE_ARGS ?=
PYTEST_ARGS ?=
# make test runs the suite on this many pytest-xdist workers (the machines have 2 cores; 0 runs it in one process).
PYTEST_WORKERS ?= 2

.PHONY: serve test venv vectors verify-vectors bench fuzz soak screenshots clean

# Stale when pyproject.toml changed since the last install, or when the venv's
# interpreter no longer runs (moved checkout, Python upgraded). Says what it does:
# the first install downloads the dependencies and takes a minute or two.
$(STAMP): pyproject.toml
	@if ! $(PY) -c "import sys" >/dev/null 2>&1; then \
		echo "sealmail: creating $(VENV) with $(PYTHON)"; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	@echo "sealmail: installing sealmail (editable) and its test dependencies into $(VENV) (first run: about 1-2 minutes)"
	$(PY) -m pip install --disable-pip-version-check --progress-bar on -e '.[test]'
	@touch $(STAMP)
	@echo "sealmail: $(VENV) is ready"

venv:
	@if ! $(PY) -c "import sys" >/dev/null 2>&1; then rm -f $(STAMP); fi
	@$(MAKE) --no-print-directory $(STAMP)

## make serve: run every implemented mock on 127.0.0.1 (ports 8101..8105), the web inspector on 8100; Ctrl-C stops.
serve: venv
	$(PY) -m sealmail serve $(SERVE_ARGS)

## make test: the whole suite on PYTEST_WORKERS processes (about 2-3 minutes on 2 cores), including the wheel
## acceptance test (marker "slow": it builds the wheel and runs a user project against it; PYTEST_ARGS="-m 'not slow'"
## skips it) and the inspector's browser tests (Debian's chromium; .ci/run installs it).
test: venv
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## make vectors: regenerate vectors/data from the recorded seed; verify-vectors checks them independently.
vectors: venv
	$(PY) -m sealmail vectors generate

verify-vectors: venv
	$(PY) -m sealmail vectors verify

## make bench: every benchmark figure as a ratio against a baseline measured in the same run -> bench/results.json.
bench: venv
	@$(PY) -c "import pytest_httpserver" >/dev/null 2>&1 || { echo "sealmail: installing the benchmark dependencies"; \
		$(PY) -m pip install --disable-pip-version-check --progress-bar on -e '.[test,bench]'; }
	$(PY) -m bench $(BENCH_ARGS)

## make fuzz: Hypothesis requests against every endpoint of every provider, FUZZ_EXAMPLES (default 10000) each.
fuzz: venv
	SEALMAIL_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-10000} SEALMAIL_FUZZ_REPORT=bench/fuzz-results.json $(PY) -m pytest tests/hardening/test_fuzz.py -q -s -p no:randomly $(PYTEST_ARGS)

## make soak: concurrent clients with injected faults against every provider for SOAK_SECONDS (default 60),
## then 2,000 half-sent requests against a server with 1,024 file descriptors (bench/hardening/slow_clients.py).
soak: venv
	SEALMAIL_SOAK_SECONDS=$${SOAK_SECONDS:-60} SEALMAIL_SOAK_REPORT=bench/soak-results.json $(PY) -m pytest tests/hardening/test_soak.py -q -s -p no:randomly $(PYTEST_ARGS)
	$(PY) -m bench.hardening.slow_clients

## make screenshots: rerun the inspector's browser tests, writing each view to docs/screenshots/*.png.
screenshots: venv
	SEALMAIL_SCREENSHOTS=docs/screenshots $(PY) -m pytest tests/inspector/test_browser.py -q -p no:randomly $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
