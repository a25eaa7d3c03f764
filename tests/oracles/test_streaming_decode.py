"""The streaming_decode oracle: planted faults in a fake backend's own detokenizer,
the id streams it derives from text, and what it finds in real tokenizers."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes import Chars, RaisesOnDigits, observation
from tests.stream_fakes import Bytes, DropsPartial, Duplicates, Incremental, Naive, RaisesOnNonAscii, with_stream
from tokfuzz import load_backend
from tokfuzz.backends.detokenizers import emitted
from tokfuzz.backends.base import Backend
from tokfuzz.oracles import Observation, Verdict
from tokfuzz.oracles.stream_sources import dummy_prefix, id_sources
from tokfuzz.oracles.streaming_decode import classify, detokenizers, every_stream, stream_shape, streaming_decode

ROOT = Path(__file__).resolve().parents[2]


@cache
def real(spec: str) -> Backend:
    return load_backend(spec)


def sourced(v: Verdict) -> str:
    """``label:source:what`` of a verdict of kind ``label:what``."""
    label, _, what = v.kind.partition(":")
    return f"{label}:{v.observed['source']}:{what}"


def streams(text: str, backend: Backend) -> list[Verdict]:
    return every_stream(observation(text, backend), backend.name)


def kinds(text: str, backend: Backend, label: str = "") -> list[str]:
    """``label:source:what`` of the verdicts on ``text`` (every stream), those of
    detokenizer ``label`` only if given."""
    return [sourced(v) for v in streams(text, backend) if v.kind.startswith(label)]


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_a_correct_detokenizer_passes_on_any_text(text: str) -> None:
    assert kinds(text, with_stream(Incremental), "decode_stream:") == []


@pytest.mark.parametrize(("stream", "what"), [(DropsPartial, "dropped"), (Naive, "replacement-char"),
                                               (Duplicates, "duplicated"), (RaisesOnNonAscii, "raises:ValueError")])
def test_a_planted_fault_is_caught_with_its_kind(stream: type, what: str) -> None:
    backend = with_stream(stream)
    assert kinds("plain ascii", backend) == []
    found = kinds("a€b", backend)
    assert f"decode_stream:encode:{what}" in found
    assert all(k.startswith("decode_stream:") for k in found)  # vllm-tgi and llama.cpp hold the character


def test_a_verdict_reproduces_the_stream() -> None:
    [v] = [v for v in streams("a€b", with_stream(Naive, "my-server")) if sourced(v) == "my-server:encode:replacement-char"]
    assert v.property == "streaming_decode" and v.backends == ("bytes-naive",)
    assert v.observed == {"bytes-naive": [97, 0xE2, 0x82, 0xAC, 98], "source": "encode",
                          "emitted": ["a", "\ufffd", "\ufffd", "\ufffd", "b", ""]}
    assert v.kind == "my-server:replacement-char" and v.shape == "at-FFFD"
    assert "expected 'a€b'" in v.detail and "U+20AC" in v.detail
    json.dumps(v.observed)
    [p] = [v for v in streams("ab€", with_stream(Naive)) if ":prompt:" in sourced(v)]
    assert p.observed["prompt"] == [97, 98] and p.observed["bytes-naive"] == [0xE2, 0x82, 0xAC]


def test_the_property_gives_one_verdict_per_kind_shaped_by_where_the_stream_leaves_the_decode() -> None:
    backend = with_stream(DropsPartial)
    every = streams("ab€", backend)
    assert len([v for v in every if v.kind == "decode_stream:dropped"]) > 1  # encode, prompt, bytes...
    once = streaming_decode(observation("ab€", backend), backend.name)
    assert len(once) == len({v.kind for v in every}) and all(v.observed["source"] == "encode" for v in once
                                                             if v.kind == "decode_stream:dropped")
    assert {v.shape for v in once if v.kind == "decode_stream:dropped"} == {"at-multibyte"}


@pytest.mark.parametrize(("expected", "got", "what", "shape"), [
    ("a\u20ac", "a", "dropped", "at-multibyte"), ("a\u20ac", "a\ufffd", "replacement-char", "at-FFFD"),
    ("a b", "ab", "dropped", "at-space"), ("ab", "abab", "duplicated", "at-ascii"), ("ab", "ab<s>", "differs", "at-ascii"),
    ("a\ufffd", "a", "dropped", "tail-FFFD"), ("a \ufffd", "a", "dropped", "tail-FFFD"), ("\ufffda", "a", "dropped", "at-FFFD"),
    ("ab", "a", "raises:ValueError", "at-ascii"), ("a\ufffd", "a", "raises:ValueError", "at-multibyte"),
    ("a\u2003", "a", "raises:ValueError", "at-multibyte"), ("ab", "abc", "differs", "at-ascii"), ("abc", "ab", "differs", "at-end")])
def test_stream_shape_names_the_first_character_lost_or_emitted_wrongly(expected: str, got: str, what: str, shape: str) -> None:
    assert stream_shape(expected, got, what) == shape


def test_an_exception_keeps_what_was_emitted_before_it() -> None:
    [v] = [v for v in streams("ab€", with_stream(RaisesOnNonAscii)) if sourced(v) == "decode_stream:encode:raises:ValueError"]
    assert v.observed["emitted"] == ["a", "b"] and v.observed["error"] == "ValueError: byte 226 is not ASCII"


def test_classify() -> None:
    assert classify("abc", "abc") is None
    assert classify("a€b", "a\ufffdb") == "replacement-char"
    assert classify("abc", "abbc") == "duplicated"
    assert classify("abc", "ababc") == "duplicated"
    assert classify("abc", "ac") == "dropped"
    assert classify("a b", "a  b") == "duplicated"
    assert classify("abc", " abc") == "differs"
    assert classify("abc", "abd") == "differs"


def test_id_sources_are_a_function_of_the_text() -> None:
    backend = Bytes()
    text = "ab€"  # bytes 61 62 E2 82 AC
    sources = {s.name: s for s in id_sources(backend, text, backend.encode(text))}
    assert list(sources) == ["encode", "prompt", "split"]  # bytes equal encode here; no special tokens
    assert (sources["prompt"].prompt, sources["prompt"].ids, sources["prompt"].expected) == ([97, 98], [0xE2, 0x82, 0xAC], "€")
    assert sources["split"].ids == [97, 98, 0xE2, 0xAC]  # the first continuation of a split character left out
    assert id_sources(backend, text, backend.encode(text)) == list(sources.values())
    assert id_sources(backend, "", []) == []


def test_the_prompt_cut_avoids_a_split_character() -> None:
    backend = Bytes()
    ids = backend.encode("€a")  # the middle (2) is inside €; the cut moves to 3
    [prompt] = [s for s in id_sources(backend, "€a", ids) if s.name == "prompt"]
    assert prompt.prompt == [0xE2, 0x82, 0xAC] and prompt.expected == "a"


def test_backends_without_the_optional_members_get_vllm_tgi_only() -> None:
    assert kinds("a\u200db", Chars()) == []
    assert kinds("a1", RaisesOnDigits()) == []  # encode raised: roundtrip's finding


def test_real_cl100k_streams_clean_text_exactly() -> None:
    """llama.cpp's hold-partial and vllm-tgi emit nothing wrong on cl100k's own ids, split emoji included."""
    for text in ["Hello, world! 日本語 👍🏽 naïve", "def f(x):\n    return x + 1\n", "a⌚b"]:
        assert kinds(text, real("tiktoken:cl100k_base")) == []


def test_real_every_algorithm_drops_a_trailing_split_character() -> None:
    """"⌚" is 3 byte-level tokens on cl100k; without its last one the partial character
    is held and, with no flush upstream, never emitted."""
    assert kinds("⌚", real("tiktoken:cl100k_base")) == ["vllm-tgi:split:dropped", "llama.cpp:split:dropped"]
    assert kinds("⌚", real("hf:cl100k_base")) == [
        "DecodeStream:split:dropped", "vllm-tgi:split:dropped", "llama.cpp:split:dropped"]


def test_real_vllm_tgi_drops_a_real_replacement_character() -> None:
    """A text ending in U+FFFD is held as an unfinished UTF-8 sequence, forever;
    llama.cpp, which looks at bytes, emits it."""
    found = kinds("a\ufffd", real("tiktoken:cl100k_base"))
    assert "vllm-tgi:encode:dropped" in found and not any(k.startswith("llama.cpp") for k in found)


def test_real_hf_decode_stream_shows_a_control_token_decode_skips() -> None:
    assert kinds("ab c", real("hf:cl100k_base")) == ["DecodeStream:control:differs"]


def test_real_hf_decode_stream_raises_on_mistral_split_byte_fallback() -> None:
    found = kinds("\t𝒊a", real("hf:mistral-v1"))
    assert "DecodeStream:split:raises:Exception" in found  # "Invalid prefix encountered while decoding stream"
    assert "DecodeStream:split:raises:Exception" not in kinds("\t𝒊a", real("spm:mistral-v1"))  # spm has no decode_stream


def test_real_vllm_tgi_prompt_window_inside_a_character_on_mistral_hf() -> None:
    assert "vllm-tgi:prompt:replacement-char" in kinds("𝒊𝒊𝒊a", real("hf:mistral-v1"))
    assert "vllm-tgi:prompt:dropped" in kinds("龘𝒊𝒊", real("hf:mistral-v1"))
    assert kinds("𝒊𝒊𝒊a", real("spm:mistral-v1")) == []


def test_real_llama_cpp_is_checked_after_a_prompt_only_on_sentencepiece() -> None:
    spm = real("spm:mistral-v1")
    assert dummy_prefix(spm) and not dummy_prefix(real("tiktoken:cl100k_base"))
    assert kinds("Hello world, 日本語", spm) == []


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize(("mode", "found"), [("correct", []), ("naive", ["decode_stream:encode:replacement-char"]),
                                             ("raises", ["decode_stream:encode:raises:RangeError"])])
def test_a_cmd_port_s_detokenizer_end_to_end(mode: str, found: list[str]) -> None:
    port = load_backend(f"cmd:node {ROOT / 'tests/ports/stream_port.mjs'} {mode}")
    try:
        assert [k for k in kinds("a€b", port) if ":encode:" in k] == found
        assert [k for k in kinds("a€b", port) if not k.startswith("decode_stream:")] == []  # vllm-tgi, llama.cpp
        assert kinds("plain", port) == []
    finally:
        port.close()  # type: ignore[attr-defined]


def test_only_the_flushing_detokenizer_keeps_a_trailing_split_character() -> None:
    backend = with_stream(Incremental)
    obs = Observation("x€", {backend.name: backend})
    assert [sourced(v) for v in every_stream(obs, backend.name)] == ["vllm-tgi:split:dropped", "llama.cpp:split:dropped"]
    assert obs.ids(backend.name) == [120, 0xE2, 0x82, 0xAC]  # encoded once, for every oracle


def test_vllm_tgi_windows_come_in_one_batch_from_a_backend_that_batches() -> None:
    class Batching(Bytes):
        name = "batching"

        def __init__(self) -> None:
            self.calls: list[str] = []

        def decode(self, ids: Sequence[int]) -> str:
            self.calls.append("decode")
            return super().decode(ids)

        def decode_batch(self, ids: Sequence[Sequence[int]]) -> list[str]:
            self.calls.append("batch")
            return [super(Batching, self).decode(one) for one in ids]

    backend = Batching()
    [(label, make, _)] = [d for d in detokenizers(backend) if d[0] == "vllm-tgi"]
    ids = backend.encode("plain text")
    assert "".join(emitted(make([], ids), ids)) == "plain text" and backend.calls == ["batch"]
    backend.calls.clear()
    ids = backend.encode("a€")  # the held character widens two windows: fetched one by one
    assert "".join(emitted(make([], ids), ids)) == "a€" and backend.calls == ["batch", "decode", "decode"]
