# tokfuzz — `make fuzz` (the main job) and `make test`; both install into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
NODE_STAMP := node_modules/.tokfuzz-$(shell cat package.json package-lock.json 2>/dev/null | cksum | cut -d' ' -f1)
FUZZ_SECONDS ?= 180
FUZZ_ENGINE ?= all
FUZZ_ARGS ?=

.PHONY: install fuzz test replay backends lock clean

install: $(STAMP) $(NODE_STAMP)

# The JavaScript ports (tokfuzz/backends/js/), pinned in package.json + package-lock.json,
# into ./node_modules. Without node/npm the js: backends are skipped with a reason.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --no-audit --no-fund --loglevel=error && rm -f node_modules/.tokfuzz-* && touch $@; \
	else echo "make install: npm is not installed; the JavaScript ports (js: backends) will be skipped"; fi

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

# The main job: fuzz every embedded subject for FUZZ_SECONDS in all, append new
# classes' minimal witnesses to corpora/, write fuzz-report.json. Finding new classes
# is this job's purpose, so tokfuzz's exit 1 (new findings) passes; 2 (bad
# configuration) fails. Gate a CI job on new findings with `tokfuzz fuzz` itself.
fuzz: $(STAMP) $(NODE_STAMP)
	$(BIN)/tokfuzz fuzz --engine $(FUZZ_ENGINE) --seconds $(FUZZ_SECONDS) --report fuzz-report.json $(FUZZ_ARGS) || test $$? -eq 1

test: $(STAMP) $(NODE_STAMP) browser
	$(BIN)/python -m pytest -q

replay: $(STAMP) $(NODE_STAMP)
	$(BIN)/tokfuzz replay

backends: $(STAMP) $(NODE_STAMP)
	$(BIN)/tokfuzz backends

# Re-lock after a deliberate upgrade, then re-run `make replay` and re-triage.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v "^tokfuzz" | grep -v -x -F -f requirements-oss-fuzz.lock > requirements.lock

clean:
	rm -rf $(VENV) node_modules .hypothesis fuzz-report.json report.html report.md

# Planted-fault benchmark: which faults (bench/faults.py) tokfuzz and a plain st.text()
# find, and how fast; writes bench/RESULTS.md. Fails when tokfuzz misses a fault.
.PHONY: bench-faults
bench-faults: $(STAMP)
	$(BIN)/python -m bench.fault_benchmark --seconds 30

# The triage report of the committed corpus (with fuzz-report.json's counts when it
# exists): report.html (static page) and report.md (for CI logs and upstream issues).
.PHONY: report
report: $(STAMP)
	$(BIN)/tokfuzz report --corpus corpora --out report.html --format html
	$(BIN)/tokfuzz report --corpus corpora --out report.md --format md

# The committed corpus, plus a stress sample of 200 inputs per category (seed 0), as a
# dataset directory (README.md dataset card + data/<subject>.parquet, one config per
# subject) that datasets, pandas, polars and DuckDB load as is; every backend of every
# embedded subject encodes every row (a few minutes on 2 cores). Not committed.
.PHONY: export
export: $(STAMP) $(NODE_STAMP)
	$(BIN)/tokfuzz export --corpus corpora --stress 200 --format parquet --out corpora-dataset

# Headless Chromium for the report's browser test (tests/report/test_report.py), from Debian's
# packages: installed when missing, only as root where apt-get exists; otherwise that
# test skips and says why.
.PHONY: browser
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); } || \
	  echo "make browser: chromium is not installed (needs root and apt-get); the report's browser test will skip"

# Performance benchmark (bench/run_all.py): raw encode throughput of every backend, the
# campaign's checked inputs/s and harness overhead, minimization, 10,000-case corpus
# replay, step 10's before/after (three 15 s job runs per subject), and the memory of a
# BENCH_CAMPAIGN_SECONDS campaign with 2 workers (default 300 s; the whole run takes
# about 18 min on 2 cores). Prints tables and replaces its
# own sections (<!-- bench:perf:KEY -->) of bench/RESULTS.md.
BENCH_CAMPAIGN_SECONDS ?= 300
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python -m bench.run_all --campaign-seconds $(BENCH_CAMPAIGN_SECONDS)

# Each atheris target (fuzz_targets/) standalone for ATHERIS_SECONDS on ATHERIS_SUBJECT,
# seeded from corpora/ and tokfuzz's seeds; new classes go to corpora/.
ATHERIS_SECONDS ?= 60
ATHERIS_SUBJECT ?= cl100k_base
.PHONY: fuzz-atheris
fuzz-atheris: $(STAMP)
	$(BIN)/python -m tokfuzz.engines.seed_corpus --dir .cache/atheris-seeds
	for t in fuzz_targets/fuzz_*.py; do \
	  mkdir -p .cache/atheris-queue/$$(basename $$t .py) && \
	  TOKFUZZ_SUBJECT=$(ATHERIS_SUBJECT) $(BIN)/python $$t .cache/atheris-queue/$$(basename $$t .py) .cache/atheris-seeds \
	    -max_total_time=$(ATHERIS_SECONDS) -dict=fuzz_targets/tokenizer.dict -print_final_stats=1 2>&1 \
	    | grep -E '^(Done|stat::(number_of_executed_units|average_exec_per_sec|new_units_added)|INFO: Seed)' || exit 1; \
	done

# The OSS-Fuzz / ClusterFuzzLite path for real (bench/oss_fuzz_check.py): fuzz_targets/build.sh
# with a local compile_python_fuzzer (PyInstaller one-file bundles, pinned in
# requirements-oss-fuzz.lock) into OSS_FUZZ_OUT, then each bundled target OSS_FUZZ_SECONDS
# against a planted fault (bench/fault_port.py), and its crash artifact must reproduce.
# About 17-20 min on 2 cores (five 183 MB bundles of ~3 min each, five 60 s runs).
OSS_FUZZ_OUT ?= $${TMPDIR:-/tmp}/tokfuzz-oss-fuzz
OSS_FUZZ_SECONDS ?= 60
.PHONY: oss-fuzz-check
oss-fuzz-check: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-oss-fuzz.lock
	$(BIN)/python -m bench.oss_fuzz_check --out $(OSS_FUZZ_OUT) --seconds $(OSS_FUZZ_SECONDS)

# llama.cpp's tokenizer (optional, tokfuzz/backends/llama_cpp.py): builds llama-cpp-python
# once (about 16 min on 2 cores) into $(LLAMA_CACHE), installs it into the venv and unpacks
# llama.cpp's vocab-only GGUF files (and their .inp/.out fixtures) from the sdist beside it.
LLAMA_CPP_VERSION ?= 0.3.36
LLAMA_CACHE ?= $${TOKFUZZ_CACHE:-$$HOME/.cache/tokfuzz}/llama-cpp
.PHONY: llama-cpp
llama-cpp: $(STAMP)
	mkdir -p $(LLAMA_CACHE)/models
	ls $(LLAMA_CACHE)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_OPENMP=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF" \
	  CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/pip wheel --no-deps llama-cpp-python==$(LLAMA_CPP_VERSION) -w $(LLAMA_CACHE)
	$(BIN)/pip install --quiet $(LLAMA_CACHE)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl
	ls $(LLAMA_CACHE)/models/ggml-vocab-*.gguf >/dev/null 2>&1 || { \
	  $(BIN)/pip download --quiet --no-deps --no-binary :all: llama-cpp-python==$(LLAMA_CPP_VERSION) -d $(LLAMA_CACHE)/sdist && \
	  tar -xzf $(LLAMA_CACHE)/sdist/llama_cpp_python-$(LLAMA_CPP_VERSION).tar.gz -C $(LLAMA_CACHE)/models --strip-components=4 \
	    --wildcards 'llama_cpp_python-$(LLAMA_CPP_VERSION)/vendor/llama.cpp/models/ggml-vocab-*'; }
