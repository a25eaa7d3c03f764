"""Backends on the real tokenizer models: each subject loads every backend offline,
and the backends agree on clean text (so a disagreement elsewhere is a finding)."""

from __future__ import annotations

import pytest

from tokfuzz import load_backend
from tokfuzz.backends.base import BackendUnavailable, text_bytes, token_pieces
from tokfuzz.backends.registry import parse_spec
from tokfuzz.backends.subjects import KIND_NAMES, OPTIONAL_KINDS, SUBJECTS, backend_names

CLEAN = "Hello world, this is clean text 123."


@pytest.mark.parametrize("name", list(SUBJECTS))
def test_every_backend_of_every_subject_loads_offline(subject, name: str) -> None:
    s = subject(name)
    optional = {f"{kind}:{name}" for kind in OPTIONAL_KINDS}
    assert set(s.unavailable) <= optional, s.unavailable
    absent = {KIND_NAMES[spec.partition(":")[0]] for spec in s.unavailable}
    assert list(s.backends) == [n for n in backend_names(name) if n not in absent]


@pytest.mark.parametrize("name", list(SUBJECTS))
def test_backends_agree_and_roundtrip_on_clean_text(subject, name: str) -> None:
    s = subject(name)
    ids = {b: backend.encode(CLEAN) for b, backend in s.backends.items()}
    assert len({tuple(v) for v in ids.values()}) == 1, ids
    for backend in s.backends.values():
        assert backend.decode(ids[backend.name]) == CLEAN


def test_tiktoken_ranks_are_the_pinned_openai_files(subject) -> None:
    # tokfuzz.backends.models checks the shipped ranks against tiktoken's pinned sha256;
    # "hello world" must give the ids OpenAI documents for cl100k_base.
    assert subject("cl100k_base").backends["tiktoken"].encode("hello world") == [15339, 1917]


def test_token_pieces_show_bytes(subject) -> None:
    tik = subject("cl100k_base").backends["tiktoken"]
    assert token_pieces(tik, tik.encode("héllo")) == ["h", "él", "lo"]


def test_hf_pretokenize_keeps_added_tokens_whole(subject) -> None:
    hf = subject("cl100k_base").backends["hf"]
    assert hf.pretokenize("a<|endoftext|>b c") == ["a", "<|endoftext|>", "b", " c"]


def test_text_bytes_replaces_lone_surrogates() -> None:
    assert text_bytes("a\ud800b") == "a\ufffdb".encode()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nope:x", "unknown backend kind 'nope'"),
        ("tiktoken", "must look like KIND:ARG"),
        ("hf:/no/such/tokenizer.json", "does not exist"),
        ("spm:/no/such.model", "does not exist"),
        ("tiktoken:gpt9", "tiktoken cannot load 'gpt9'"),
        ("python:no_such_module_xyz:tok", "failed to import"),
        ("python:tests.fakes:Missing", "has no attribute 'Missing'"),
        ("python:tests.fakes:broken_factory", "failed to construct: RuntimeError"),
        ("python:tests.fakes", "must be python:package.module:attr"),
    ],
)
def test_bad_specs_are_one_line_errors(spec: str, message: str) -> None:
    with pytest.raises(BackendUnavailable) as info:
        load_backend(spec)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_plugin_class_instance_and_factory_load() -> None:
    assert load_backend("python:tests.fakes:Chars").encode("ab") == [97, 98]
    assert parse_spec("python:tests.fakes:Chars") == ("python", "tests.fakes:Chars")


def test_replace_surrogates_only_touches_lone_surrogates() -> None:
    from tokfuzz.backends.base import replace_surrogates

    assert replace_surrogates("abc") == "abc"
    assert replace_surrogates("é😀") == "é😀"
    assert replace_surrogates("a\ud800\udc00b") == "a\ufffd\ufffdb"
