"""atheris target: split_consistency: the split into tokens covers the input bytes, agrees with the backend's own
pre-tokenizer, with the `regex` package's reading of the declared pattern, and with
concatenation at pre-token boundaries.

    python fuzz_targets/fuzz_split_consistency.py [CORPUS_DIR...] [-max_total_time=60] [-dict=fuzz_targets/tokenizer.dict]

The subject comes from $TOKFUZZ_SUBJECT (default cl100k_base), extra backends from
$TOKFUZZ_BACKEND; new classes are shrunk and appended to $TOKFUZZ_CORPUS (default
corpora/) and fuzzing goes on. See tokfuzz/engines/atheris_harness.py for every setting.
"""

import sys

import atheris

with atheris.instrument_imports(include=["tokfuzz"], exclude=["tokfuzz.inputs.mutator", "tokfuzz.strategies"]):
    from tokfuzz.engines import atheris_harness as fuzz_target


def main() -> None:
    fuzz_target.main(sys.argv, properties=("split_consistency",), surrogates=False, name="split_consistency")


if __name__ == "__main__":
    main()
