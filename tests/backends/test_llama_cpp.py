"""llama.cpp's tokenizer (optional: `make llama-cpp`), checked against llama.cpp's own
fixtures and the llama3 reference; without the build, a one-line reason."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tokfuzz import load_backend
from tokfuzz.backends.base import BackendUnavailable
from tokfuzz.backends.llama_cpp import vocab_dir


def test_without_the_build_the_reason_names_the_make_target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if not installed
    with pytest.raises(BackendUnavailable, match="make llama-cpp"):
        load_backend("llama-cpp:llama3")


def _fixtures(family: str) -> list[tuple[str, list[int]]]:
    base = vocab_dir() / f"ggml-vocab-{family}.gguf"
    texts = Path(f"{base}.inp").read_text(encoding="utf-8").split("\n__ggml_vocab_test__\n")
    ids = Path(f"{base}.out").read_text(encoding="utf-8").split("\n")
    return [(t, [int(i) for i in line.split()]) for t, line in zip(texts, ids, strict=False)]


def test_llama_cpp_reproduces_its_own_fixtures_and_the_llama3_reference(subject) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not built here: make llama-cpp")
    if not (vocab_dir() / "ggml-vocab-llama-bpe.gguf.inp").is_file():
        pytest.skip("llama.cpp's vocab files are not unpacked: make llama-cpp")
    backend = load_backend("llama-cpp:llama3")
    cases = _fixtures("llama-bpe")
    assert len(cases) > 20
    for text, ids in cases:
        assert backend.encode(text) == ids, text
    reference = subject("llama3").backends["llama-models"]
    for text in ("hello world", "The cat sat on the mat.", "naïve café 👍🏽", "def f(x):\n    return x\n"):
        assert backend.encode(text) == reference.encode(text), text
        assert backend.decode(backend.encode(text)) == text
