"""atheris target: cross_backend: every backend of the subject returns the same ids (tiktoken vs the converted
HF tokenizer.json vs bpe-openai vs tokie, SentencePiece vs its conversions, ...).

    python fuzz_targets/fuzz_cross_backend.py [CORPUS_DIR...] [-max_total_time=60] [-dict=fuzz_targets/tokenizer.dict]

The subject comes from $TOKFUZZ_SUBJECT (default cl100k_base), extra backends from
$TOKFUZZ_BACKEND; new classes are shrunk and appended to $TOKFUZZ_CORPUS (default
corpora/) and fuzzing goes on. See tokfuzz/engines/atheris_harness.py for every setting.
"""

import sys

import atheris

with atheris.instrument_imports(include=["tokfuzz"], exclude=["tokfuzz.inputs.mutator", "tokfuzz.strategies"]):
    from tokfuzz.engines import atheris_harness as fuzz_target


def main() -> None:
    fuzz_target.main(sys.argv, properties=("cross_backend",), surrogates=False, name="cross_backend")


if __name__ == "__main__":
    main()
