# tokfuzz — `make fuzz` (the main job) and `make test`; both install into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
FUZZ_SECONDS ?= 180
FUZZ_ARGS ?=

.PHONY: install fuzz test replay backends lock clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

# The main job: fuzz every embedded subject for FUZZ_SECONDS in all, append new
# classes' minimal witnesses to corpora/, write fuzz-report.json. Finding new classes
# is this job's purpose, so tokfuzz's exit 1 (new findings) passes; 2 (bad
# configuration) fails. Gate a CI job on new findings with `tokfuzz fuzz` itself.
fuzz: $(STAMP)
	$(BIN)/tokfuzz fuzz --seconds $(FUZZ_SECONDS) --report fuzz-report.json $(FUZZ_ARGS) || test $$? -eq 1

test: $(STAMP)
	$(BIN)/python -m pytest -q

replay: $(STAMP)
	$(BIN)/tokfuzz replay

backends: $(STAMP)
	$(BIN)/tokfuzz backends

# Re-lock after a deliberate upgrade, then re-run `make replay` and re-triage.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^tokfuzz' > requirements.lock

clean:
	rm -rf $(VENV) .hypothesis fuzz-report.json

# Planted-fault benchmark: which faults (bench/faults.py) tokfuzz and a plain st.text()
# find, and how fast; writes bench/RESULTS.md. Fails when tokfuzz misses a fault.
.PHONY: bench-faults
bench-faults: $(STAMP)
	$(BIN)/python -m bench.fault_benchmark --seconds 60
