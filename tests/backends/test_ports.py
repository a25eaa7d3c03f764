"""The Python ports (kitoken, gigatoken, rs-bpe, anthropic-tokenizer) on the real models of
every subject that lists them: offline, the reference's ids on known text, lossless on
ASCII, token bytes that cover the text; a missing package or file is one line."""

from __future__ import annotations

import sys

import pytest

from tokfuzz import load_backend
from tokfuzz.backends.base import BackendUnavailable
from tokfuzz.backends.models import SPM_MODELS
from tokfuzz.backends.subjects import KIND_NAMES, SUBJECTS

PORTS = ("kitoken", "gigatoken", "rs-bpe", "anthropic-tokenizer")
KNOWN = ["hello world", "Hello world, this is clean text 123.", "def f(x):\n    return x ** 2\n", "a-b_c.d/e"]
SPM_SUBJECTS = set(SPM_MODELS)
PAIRS = [(name, port) for name, kinds in SUBJECTS.items() for port in PORTS if port in kinds]


def test_every_port_is_in_some_subject() -> None:
    assert {port for _, port in PAIRS} == set(PORTS)
    assert all(KIND_NAMES[port] == port for port in PORTS)


@pytest.mark.parametrize(("name", "port"), PAIRS)
def test_port_gives_the_reference_ids_and_roundtrips_ascii(subject, name: str, port: str) -> None:
    s = subject(name)
    assert port in s.backends, s.unavailable
    backend = s.backends[port]
    # gigatoken loads the HF conversion of SentencePiece models, which splits whitespace
    # after a newline unlike sentencepiece (a known hf class): there it must give HF's ids
    ref = s.backends["hf"] if port == "gigatoken" and name in SPM_SUBJECTS else next(iter(s.backends.values()))
    for text in KNOWN:
        ids = backend.encode(text)
        assert ids == ref.encode(text), (text, port)
        assert backend.decode(ids) == text, (text, port)
        if hasattr(backend, "token_bytes") and name not in SPM_SUBJECTS:  # SPM pieces hold the dummy-prefix space
            assert b"".join(backend.token_bytes(i) for i in ids) == text.encode(), (text, port)


@pytest.mark.parametrize("port", ["kitoken", "gigatoken", "rs-bpe"])
def test_ports_load_the_openai_encodings_without_network(subject, port: str) -> None:
    # OpenAI's documented ids for "hello world"
    assert subject("cl100k_base").backends[port].encode("hello world") == [15339, 1917]
    assert subject("o200k_base").backends[port].encode("hello world") == [24912, 2375]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("kitoken:/no/such.tiktoken", "does not exist"),
        ("kitoken:tokenizer.txt", "kitoken cannot load"),
        ("gigatoken:/no/such/tokenizer.json", "does not exist"),
        ("gigatoken:claude", "gigatoken cannot load"),  # NFKC normalizer: unsupported by gigatoken 0.10
        ("rs-bpe:llama3", "embeds only cl100k_base, o200k_base"),
        ("anthropic-tokenizer:cl100k_base", "embeds only the claude tokenizer"),
    ],
)
def test_bad_port_specs_are_one_line_errors(spec: str, message: str) -> None:
    with pytest.raises(BackendUnavailable, match=message) as info:
        load_backend(spec)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("port", "module"), [("kitoken", "kitoken"), ("gigatoken", "gigatoken"),
                                              ("rs-bpe", "rs_bpe.bpe"), ("anthropic-tokenizer", "anthropic_tokenizer")])
def test_a_missing_port_package_is_one_line_unavailable(monkeypatch, port: str, module: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what `import module` does when it is not installed
    arg = "claude" if port == "anthropic-tokenizer" else "cl100k_base"
    with pytest.raises(BackendUnavailable, match=f"pip install {port}") as info:
        load_backend(f"{port}:{arg}")
    assert "\n" not in str(info.value)
