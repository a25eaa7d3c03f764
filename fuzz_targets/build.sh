#!/bin/bash -eu
# Build the atheris targets as OSS-Fuzz / ClusterFuzzLite expect (their python
# base-builder provides $SRC, $OUT and compile_python_fuzzer). For every
# fuzz_targets/fuzz_<what>.py it writes to $OUT:
#   fuzz_<what>                   the target, bundled by compile_python_fuzzer (PyInstaller)
#   fuzz_<what>_seed_corpus.zip   every corpus witness + tokfuzz's Unicode seeds
#   fuzz_<what>.dict              tokenizer-relevant tokens (fuzz_targets/tokenizer.dict)
#   fuzz_<what>.options           libFuzzer flags: room for long inputs and four tokenizers
# and tokfuzz-cache/, the HF tokenizer.json conversions made once here, so that the
# fuzzers never need transformers (or a network) at run time, and tokfuzz-corpora/.
#
# Under OSS-Fuzz a new class must be a crash to be reported, so the bundled targets run
# with TOKFUZZ_ON_FINDING=raise and write no JSON Lines corpus (TOKFUZZ_CORPUS=""); the
# classes of corpora/ are bundled (tokfuzz-corpora/, TOKFUZZ_KNOWN) and do not crash.
# Without compile_python_fuzzer (a local dry run: OUT=/tmp/out bash fuzz_targets/build.sh)
# the wrapped target scripts are copied instead of bundled. `make oss-fuzz-check` puts a
# local compile_python_fuzzer on PATH (fuzz_targets/oss-fuzz-local/) and sets
# TOKFUZZ_INSTALL=0 (tokfuzz is already installed in .venv, editable).
#
# PyInstaller sees only static imports: tokfuzz loads backends by spec at run time, and
# the tokenizer libraries ship native modules and data, hence --collect-submodules tokfuzz
# and --collect-all for each library of the embedded subjects. transformers is left out:
# the HF conversions are made here, once, and bundled (tokfuzz-cache/).
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
OUT="${OUT:?set OUT to the output directory}"
PYTHON="${PYTHON:-python3}"
mkdir -p "$OUT"
if command -v compile_python_fuzzer >/dev/null && [ "${TOKFUZZ_INSTALL:-1}" = 1 ]; then
  "$PYTHON" -m pip install "$root"[fuzz]
fi
export TOKFUZZ_CACHE="$OUT/tokfuzz-cache"
"$PYTHON" - <<'PY'
from tokfuzz.backends.subjects import SUBJECTS, load_subject
for name in SUBJECTS:  # makes and caches every conversion
    load_subject(name)
PY
rm -rf "$OUT/tokfuzz-corpora" && cp -r "$root/corpora" "$OUT/tokfuzz-corpora"
"$PYTHON" -m tokfuzz.engines.seed_corpus --zip "$OUT/seed_corpus.zip" --corpus "$root/corpora"
work="$(mktemp -d)"
for target in "$here"/fuzz_*.py; do
  name="$(basename "$target" .py)"
  # The bundled target: OSS-Fuzz settings first, then the target itself.
  { printf 'import os, sys\n'
    printf 'os.environ.setdefault("TOKFUZZ_ON_FINDING", "raise")\n'
    printf 'os.environ.setdefault("TOKFUZZ_CORPUS", "")\n'
    printf 'os.environ.setdefault("TOKFUZZ_CACHE", os.path.join(os.path.dirname(sys.argv[0]), "tokfuzz-cache"))\n'
    printf 'os.environ.setdefault("TOKFUZZ_KNOWN", os.path.join(os.path.dirname(sys.argv[0]), "tokfuzz-corpora"))\n'
    cat "$target"; } > "$work/$name.py"
  if command -v compile_python_fuzzer >/dev/null; then
    compile_python_fuzzer "$work/$name.py" --paths "$root" --collect-submodules tokfuzz --collect-data tokfuzz \
      --collect-all bpe_openai --collect-all tiktoken --collect-all tiktoken_ext --collect-all tokenizers \
      --collect-all sentencepiece --collect-all tokie --collect-all mistral_common \
      --collect-data emoji --collect-data confusable_homoglyphs --collect-data fontTools \
      --exclude-module transformers --exclude-module torch
  else
    cp "$work/$name.py" "$OUT/$name.py"
  fi
  cp "$OUT/seed_corpus.zip" "$OUT/${name}_seed_corpus.zip"
  cp "$here/tokenizer.dict" "$OUT/$name.dict"
  printf '[libfuzzer]\nmax_len = 16384\nrss_limit_mb = 6144\ntimeout = 600\ndict = %s.dict\n' "$name" > "$OUT/$name.options"
done
rm -rf "$work" "$OUT/seed_corpus.zip"
echo "built $(ls "$here"/fuzz_*.py | wc -l) targets in $OUT"
