"""atheris target: special_tokens: user text never becomes a control id by spelling it, and every backend
gives each special token the same id (the subject's own special-token strings and near misses
are in the mutator's insert pool).

    python fuzz_targets/fuzz_special_tokens.py [CORPUS_DIR...] [-max_total_time=60] [-dict=fuzz_targets/tokenizer.dict]

The subject comes from $TOKFUZZ_SUBJECT (default cl100k_base), extra backends from
$TOKFUZZ_BACKEND; new classes are shrunk and appended to $TOKFUZZ_CORPUS (default
corpora/) and fuzzing goes on. See tokfuzz/engines/atheris_harness.py for every setting.
"""

import sys

import atheris

with atheris.instrument_imports(include=["tokfuzz"], exclude=["tokfuzz.inputs.mutator", "tokfuzz.strategies"]):
    from tokfuzz.engines import atheris_harness as fuzz_target


def main() -> None:
    fuzz_target.main(sys.argv, properties=("special_tokens",), surrogates=False, name="special_tokens")


if __name__ == "__main__":
    main()
