"""Incremental detokenizers (tokfuzz.backends.detokenizers): the upstream algorithms
tokfuzz re-implements, HF's own ``DecodeStream`` and the ``cmd:`` protocol's
``decode_stream`` op, on a byte-level fake and on real tokenizers."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest

from tests.stream_fakes import Bytes
from tokfuzz import load_backend
from tokfuzz.backends.base import Backend
from tokfuzz.backends.cmd import PortError
from tokfuzz.backends.detokenizers import HoldPartialUtf8, PrefixReadOffsets, StreamDecoder, emitted, validate_utf8

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["Hello, world!", "naïve café", "日本語のテキスト", "emoji 👍🏽 and 🇫🇷", "def f(x):\n    return x + 1\n",
         "  spaced  out  "]
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


@cache
def real(spec: str) -> Backend:
    return load_backend(spec)


def test_validate_utf8_is_llama_cpp_s_tail_check() -> None:
    assert [validate_utf8(b) for b in (b"", b"a", "€".encode(), b"\xe2\x82", b"a\xf0\x9f\x98", b"\xc3")] == [0, 1, 3, 0, 1, 0]
    assert validate_utf8(b"\xe6a") == 0  # a lead byte followed by ASCII is still held (upstream reads lead bytes only)
    assert validate_utf8(b"\xe6ab") == 3
    assert validate_utf8(b"\x80") == 1  # a lone continuation byte is not held


def test_emitted_steps_then_flushes_or_uses_run() -> None:
    class Run:
        def step(self, token_id: int) -> str:
            raise AssertionError("run() is the fast path")

        def flush(self) -> str:
            raise AssertionError("run() is the fast path")

        def run(self, ids: Sequence[int]) -> list[str]:
            return [str(i) for i in ids] + ["end"]

    assert emitted(Run(), [1, 2]) == ["1", "2", "end"]
    kept: list[str] = []
    decoder = PrefixReadOffsets(Bytes())
    assert isinstance(decoder, StreamDecoder) and isinstance(HoldPartialUtf8(Bytes()), StreamDecoder)
    with pytest.raises(ValueError):
        emitted(decoder, [97, -1], kept)  # bytes([-1]) raises in the fake's decode
    assert kept == ["a"]


@pytest.mark.parametrize("make", [PrefixReadOffsets, HoldPartialUtf8])
def test_upstream_algorithms_hold_a_split_character_and_have_no_flush(make: type) -> None:
    backend = Bytes()
    assert emitted(make(backend), backend.encode("a€b")) == ["a", "", "", "€", "b", ""]
    assert emitted(make(backend), [*backend.encode("a"), 0xE2, 0x82]) == ["a", "", "", ""]  # dropped at the end


def test_vllm_tgi_holds_a_real_replacement_character_forever() -> None:
    backend = Bytes()
    assert emitted(PrefixReadOffsets(backend), backend.encode("a\ufffd")) == ["a", "", "", "", ""]
    assert emitted(HoldPartialUtf8(backend), backend.encode("a\ufffd")) == ["a", "", "", "\ufffd", ""]


def test_vllm_tgi_prompt_context_is_its_last_five_ids() -> None:
    backend = Bytes()
    prompt = backend.encode("0123456789")
    decoder = PrefixReadOffsets(backend, prompt)
    assert decoder._ids == prompt[-7:] and (decoder._prefix, decoder._read) == (2, 7)
    assert emitted(decoder, backend.encode("é!")) == ["", "é", "!", ""]


def test_llama_cpp_holds_a_lead_byte_followed_by_ascii() -> None:
    assert emitted(HoldPartialUtf8(Bytes()), [0xE6, 0x61, 0x62]) == ["", "", "\ufffdab", ""]


@pytest.mark.parametrize("spec", ["tiktoken:cl100k_base", "hf:cl100k_base"])
def test_upstream_algorithms_stream_cl100k_exactly(spec: str) -> None:
    backend = real(spec)
    for text in TEXTS:
        ids = backend.encode(text)
        for make in (PrefixReadOffsets, HoldPartialUtf8):
            assert "".join(emitted(make(backend), ids)) == text, (make.label, text)


def test_hf_decode_stream_streams_plain_text() -> None:
    backend = real("hf:cl100k_base")
    assert backend.stream_label == "DecodeStream"  # type: ignore[attr-defined]
    for text in TEXTS:
        assert "".join(emitted(backend.decode_stream(), backend.encode(text))) == text  # type: ignore[attr-defined]


def test_hf_decode_stream_shows_special_tokens_that_decode_skips() -> None:
    backend = real("hf:cl100k_base")
    ids = [*backend.encode("ab"), backend.special_tokens["<|endoftext|>"], *backend.encode(" c")]  # type: ignore[attr-defined]
    assert backend.decode(ids) == "ab c"  # Tokenizer.decode: skip_special_tokens=True by default
    stream = backend.decode_stream()  # type: ignore[attr-defined]
    assert "".join(emitted(stream, ids)) == "ab<|endoftext|> c"  # DecodeStream(): skip_special_tokens=False


def test_hf_decode_stream_raises_invalid_prefix_on_mistral_byte_fallback() -> None:
    """"\\t𝒊a" on mistral-v1 with 𝒊's second byte piece left out (a sampler's split
    character): ``<0x09>`` is emitted as a tab, then HF's ByteFallback decodes the
    invalid group [09 F0 92 8A] as U+FFFD each, and DecodeStream's prefix no longer matches."""
    backend = real("hf:mistral-v1")
    ids = [28705, 12, 243, 149, 141, 28708]  # ▁ <0x09> <0xF0> <0x92> <0x8A> a
    assert backend.decode(ids) == "\ufffd\ufffd\ufffd\ufffda"  # the tab is lost in the full decode too
    pieces: list[str] = []
    with pytest.raises(Exception, match="Invalid prefix"):
        emitted(backend.decode_stream(), ids, pieces)  # type: ignore[attr-defined]
    assert pieces == ["", "\t", "", "", ""]


def test_vllm_tgi_window_starting_mid_character_emits_replacement_characters() -> None:
    """vLLM's prompt window (its last 5 ids) starts inside 𝒊's byte-fallback pieces;
    HF decodes the whole invalid byte group as U+FFFD, so the generated 𝒊 comes out
    as four U+FFFD (sentencepiece's own decode replaces only the stray bytes)."""
    hf, spm = real("hf:mistral-v1"), real("spm:mistral-v1")
    ids = hf.encode("𝒊𝒊𝒊a")
    assert ids == [28705] + [243, 160, 149, 141] * 3 + [28708]
    prompt, gen = ids[:9], ids[9:]
    assert "".join(emitted(PrefixReadOffsets(hf, prompt), gen)) == "\ufffd" * 4 + "a"
    assert "".join(emitted(PrefixReadOffsets(spm, prompt), gen)) == "𝒊a"


def test_llama_cpp_pieces_of_special_tokens_follow_decode() -> None:
    for spec, shown in (("tiktoken:cl100k_base", "a<|endoftext|>b"), ("hf:cl100k_base", "ab")):  # HF decode skips it
        backend = real(spec)
        ids = [64, backend.special_tokens["<|endoftext|>"], 65]  # type: ignore[attr-defined]
        assert backend.decode(ids) == shown
        assert "".join(emitted(HoldPartialUtf8(backend), ids)) == shown


@needs_node
@pytest.mark.parametrize(("mode", "pieces"), [("correct", ["", "", "€", ""]), ("naive", ["\ufffd"] * 3 + [""])])
def test_cmd_decode_stream_is_one_request_per_stream(mode: str, pieces: list[str]) -> None:
    port = load_backend(f"cmd:node {ROOT / 'tests/ports/stream_port.mjs'} {mode}")
    try:
        assert "decode_stream" in port.members  # type: ignore[attr-defined]
        decoder = port.decode_stream()  # type: ignore[attr-defined]
        assert decoder.run([0xE2, 0x82, 0xAC]) == pieces
        assert [decoder.step(i) for i in (0xE2, 0x82, 0xAC)] == ["", "", ""]  # buffered
        assert decoder.flush() == "".join(pieces)
        assert port.decode_stream().run([]) == [""]  # type: ignore[attr-defined]
    finally:
        port.close()  # type: ignore[attr-defined]


@needs_node
def test_cmd_decode_stream_errors_and_absence() -> None:
    port = load_backend(f"cmd:node {ROOT / 'tests/ports/stream_port.mjs'} raises")
    chars = load_backend(f"cmd:node {ROOT / 'examples/cmd-port/chars.mjs'}")
    try:
        with pytest.raises(PortError) as raised:
            port.decode_stream().run([0x61, 0xE2])  # type: ignore[attr-defined]
        assert type(raised.value).__name__ == "RangeError"
        assert getattr(chars, "decode_stream", None) is None  # its handshake does not list it
    finally:
        port.close()  # type: ignore[attr-defined]
        chars.close()  # type: ignore[attr-defined]
