"""atheris target: roundtrip: decode(encode(x)) == x (or the backend's own normalize(x)) for every backend of the subject.
Asks for lone surrogates: a surrogate must decode as U+FFFD, and must not crash a backend.

    python fuzz_targets/fuzz_roundtrip.py [CORPUS_DIR...] [-max_total_time=60] [-dict=fuzz_targets/tokenizer.dict]

The subject comes from $TOKFUZZ_SUBJECT (default cl100k_base), extra backends from
$TOKFUZZ_BACKEND; new classes are shrunk and appended to $TOKFUZZ_CORPUS (default
corpora/) and fuzzing goes on. See tokfuzz/engines/atheris_harness.py for every setting.
"""

import sys

import atheris

with atheris.instrument_imports(include=["tokfuzz"], exclude=["tokfuzz.inputs.mutator", "tokfuzz.strategies"]):
    from tokfuzz.engines import atheris_harness as fuzz_target


def main() -> None:
    fuzz_target.main(sys.argv, properties=("roundtrip",), surrogates=True, name="roundtrip")


if __name__ == "__main__":
    main()
