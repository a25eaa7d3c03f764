"""Subjects llama3 and llama4: Meta's tokenizer.model from llama-models, its own Tokenizer
class as the reference, HF via transformers' tiktoken conversion (cached), tokie on it."""

from __future__ import annotations

import json

import pytest

from tokfuzz import load_backend
from tokfuzz.backends import models, ranks
from tokfuzz.backends.base import BackendUnavailable

ASCII = "Hello world, this is clean text 123.\n\tdef f(x): return x ** 2  # ok"
LLAMAS = list(ranks.LLAMA_MODELS)


@pytest.mark.parametrize("name", LLAMAS)
def test_reference_is_metas_tokenizer_called_with_its_defaults(subject, name: str) -> None:
    ref = subject(name).backends["llama-models"]
    meta = ranks.llama_tokenizer(name)
    assert list(subject(name).backends)[0] == "llama-models"
    assert ref.encode(ASCII) == meta.encode(ASCII, bos=False, eos=False)
    # Meta's default (disallowed_special=()): special-token text is ordinary text
    assert meta.bos_id not in ref.encode("<|begin_of_text|>")
    assert ref.special_tokens["<|begin_of_text|>"] == meta.bos_id


@pytest.mark.parametrize("name", LLAMAS)
def test_every_backend_gives_the_reference_ids_and_roundtrips_ascii(subject, name: str) -> None:
    s = subject(name)
    ids = s.backends["llama-models"].encode(ASCII)
    assert b"".join(s.backends["llama-models"].token_bytes(i) for i in ids) == ASCII.encode()
    for backend in s.backends.values():
        assert backend.encode(ASCII) == ids, backend.name
        assert backend.decode(ids) == ASCII, backend.name


def test_known_llama3_ids(subject) -> None:
    # "hello world" is [15339, 1917] in Llama 3 as in cl100k_base (the first 100,256 ranks are shared)
    assert subject("llama3").backends["llama-models"].encode("hello world") == [15339, 1917]
    assert subject("llama3").backends["hf"].encode("hello world") == [15339, 1917]


@pytest.mark.parametrize("name", LLAMAS)
def test_the_conversion_keeps_metas_pattern_and_special_ids_and_is_cached(name: str) -> None:
    path = models.hf_json(name)
    assert models.hf_json(name) == path  # second call: the cached file
    config = json.loads(path.read_text(encoding="utf-8"))
    meta = ranks.llama_tokenizer(name)
    assert {t["content"]: t["id"] for t in config["added_tokens"]} == meta.special_tokens
    assert config["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] == meta.model._pat_str


def test_hf_matches_special_token_text_where_meta_does_not(subject) -> None:
    """A difference of defaults the campaign reports: HF matches added tokens in user text."""
    s = subject("llama3")
    assert s.backends["hf"].encode("<|eot_id|>") == [ranks.llama_tokenizer("llama3").eot_id]
    assert len(s.backends["llama-models"].encode("<|eot_id|>")) > 1


@pytest.mark.parametrize(("spec", "message"), [("llama:llama2", "unknown Llama model 'llama2'"), ("hf:llama9", "no HF conversion")])
def test_unknown_llama_models_are_one_line_errors(spec: str, message: str) -> None:
    with pytest.raises(BackendUnavailable, match=message) as info:
        load_backend(spec)
    assert "\n" not in str(info.value)


def test_without_llama_models_the_reference_is_one_line_unavailable(monkeypatch) -> None:
    import sys

    ranks.llama_tokenizer.cache_clear()
    monkeypatch.setitem(sys.modules, "llama_models.llama3.tokenizer", None)  # as if not installed
    try:
        with pytest.raises(BackendUnavailable, match="llama-models is not installed") as info:
            load_backend("llama:llama3")
        assert "\n" not in str(info.value)
    finally:
        ranks.llama_tokenizer.cache_clear()


def test_a_panicking_token_bytes_shows_as_unknown_piece(subject) -> None:
    """tokie panics (pyo3 PanicException, a BaseException) on the bytes of Llama 3's added
    tokens; showing pieces must not kill the campaign worker over it."""
    from tokfuzz.backends.base import token_pieces

    tokie = subject("llama3").backends["tokie"]
    bos = ranks.llama_tokenizer("llama3").bos_id
    assert token_pieces(tokie, [15339, bos]) == ["hello", f"<{bos}?>"]
