"""atheris target: streaming_decode: incremental detokenizers (HF DecodeStream, vLLM/TGI prefix and read
offsets, llama.cpp's hold-partial-UTF-8, a backend's own decode_stream) emit exactly decode(ids).

    python fuzz_targets/fuzz_streaming_decode.py [CORPUS_DIR...] [-max_total_time=60] [-dict=fuzz_targets/tokenizer.dict]

The subject comes from $TOKFUZZ_SUBJECT (default cl100k_base), extra backends from
$TOKFUZZ_BACKEND; new classes are shrunk and appended to $TOKFUZZ_CORPUS (default
corpora/) and fuzzing goes on. See tokfuzz/engines/atheris_harness.py for every setting.
"""

import sys

import atheris

with atheris.instrument_imports(include=["tokfuzz"], exclude=["tokfuzz.inputs.mutator", "tokfuzz.strategies"]):
    from tokfuzz.engines import atheris_harness as fuzz_target


def main() -> None:
    fuzz_target.main(sys.argv, properties=("streaming_decode",), surrogates=False, name="streaming_decode")


if __name__ == "__main__":
    main()
