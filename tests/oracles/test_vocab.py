"""The vocab property (tokfuzz.oracles.vocab, .bad_ids): planted faults caught with the
right kinds, then the real behaviours it exists for (cl100k_base backends)."""

from __future__ import annotations

import json
from functools import cache

import pytest

from tests.fakes_vocab import (
    ByteVocab, DropsUnknown, OtherBytes, Panics, Segfaults, Stateful, Twin, Unreachable, WrapsNegative)
from tokfuzz.backends.base import Backend
from tokfuzz.backends.forked import Forked
from tokfuzz.oracles.bad_ids import wrap_candidates
from tokfuzz.oracles.vocab import probe_id, token_text, vocab_id, witness_text


def _subject(*backends: Backend) -> dict[str, Backend]:
    return {b.name: b for b in backends}


def _kinds(verdicts: list) -> set[tuple[str, tuple[str, ...]]]:
    return {(v.kind, v.backends) for v in verdicts}


@pytest.mark.parametrize("token", [0, 65, 0xE2, 256])
def test_identical_backends_agree_on_every_kind_of_id(token: int) -> None:
    assert vocab_id(_subject(ByteVocab(), Twin()), token) == []


@pytest.mark.parametrize("token", [257, -1, 2**31 - 1])
def test_a_clear_error_on_a_bad_id_is_no_finding(token: int) -> None:
    assert vocab_id(_subject(ByteVocab(), Twin()), token) == []


def test_silently_dropped_out_of_range_id() -> None:
    verdicts = vocab_id(_subject(ByteVocab(), DropsUnknown()), 257)
    assert ("bad-id-dropped", ("drops-unknown",)) in _kinds(verdicts)
    dropped = next(v for v in verdicts if v.kind == "bad-id-dropped")
    assert dropped.observed["id"] == 257 and dropped.observed["class"] == "out-of-range"
    assert json.loads(json.dumps(dropped.observed)) == dropped.observed  # JSON-able as the corpus stores it
    assert "dropped silently" in dropped.detail


def test_negative_id_wrapping_to_the_last_token() -> None:
    verdicts = vocab_id(_subject(ByteVocab(), WrapsNegative()), -1)
    wraps = [v for v in verdicts if v.kind == "bad-id-wraps"]
    assert [v.backends for v in wraps] == [("wraps-negative",)] and wraps[0].observed["wraps_to"] == 256
    assert ("bad-id-bytes", ("wraps-negative",)) in _kinds(verdicts)  # it gives bytes for -1 too


def test_token_bytes_differing_for_one_id_only() -> None:
    backends = _subject(ByteVocab(), OtherBytes())
    verdicts = vocab_id(backends, 65)
    assert _kinds(verdicts) == {("bytes-differ", ("bytes", "other-bytes"))}
    assert verdicts[0].observed == {"id": 65, "class": "text", "call": "token_bytes", "bytes": "41", "other-bytes": "61"}
    assert vocab_id(backends, 66) == []


def test_a_panic_is_caught_and_named() -> None:
    backends = _subject(ByteVocab(), Panics())
    assert _kinds(vocab_id(backends, 66)) == {("decode-raises:PanicException", ("panics",))}
    assert ("bad-id-panics", ("panics",)) in _kinds(vocab_id(backends, 257))


def test_reencode_differs_where_the_reference_reaches_the_id() -> None:
    verdicts = vocab_id(_subject(ByteVocab(), Unreachable()), 66)
    assert _kinds(verdicts) == {("reencode-differs", ("bytes", "unreachable"))}
    assert verdicts[0].observed["unreachable"] == [65, 66]


def test_a_decoder_keeping_state_between_calls_is_unstable() -> None:
    verdicts = vocab_id(_subject(ByteVocab(), Stateful()), 0xE2)
    unstable = next(v for v in verdicts if v.kind == "decode-unstable")
    assert unstable.backends == ("stateful",) and unstable.observed["stateful"] == ""  # held back, then
    assert unstable.observed["again"] == "\ufffd"  # let out by the next call


def test_an_id_that_kills_the_library_is_a_crash_finding_in_a_forked_child() -> None:
    with Forked(_subject(ByteVocab(), Segfaults())) as forked:
        verdicts = vocab_id(forked.backends, 2**31 - 1)
        assert ("crash:SIGSEGV", ("segfaults",)) in _kinds(verdicts)
        assert vocab_id(forked.backends, 65) == []  # a new child goes on


def test_lone_lead_byte_piece_is_checked_for_silent_drops() -> None:
    class DropsPartial(ByteVocab):
        name = "drops-partial"

        def decode(self, ids: list[int]) -> str:  # type: ignore[override]
            return b"".join(self._bytes(i) for i in ids).decode("utf-8", "ignore")

    verdicts = vocab_id(_subject(ByteVocab(), DropsPartial()), 0xE2)
    assert ("bad-id-dropped", ("drops-partial",)) in _kinds(verdicts)
    assert ("decode-differs", ("bytes", "drops-partial")) in _kinds(verdicts)


def test_witness_text_and_wrap_candidates() -> None:
    backends = _subject(ByteVocab(), Twin())
    assert token_text(probe_id(backends, 0x41)) == "A"
    assert witness_text(probe_id(backends, -1), "negative") == "<id -1: negative>"
    assert wrap_candidates(-1, [257]) == [256, 65535, 2**32 - 1]


# -- the real behaviours (cl100k_base: tiktoken is the reference) ----------------------------


@cache
def _cl100k(kind: str) -> Backend:
    from tokfuzz.backends.registry import load_backend

    return load_backend(f"{kind}:cl100k_base")


def _real(*kinds: str) -> dict[str, Backend]:
    return {b.name: b for b in map(_cl100k, kinds)}


def test_hf_drops_an_id_at_or_above_its_vocabulary_size() -> None:
    backends = _real("tiktoken", "hf")
    size = backends["tiktoken"].vocab_size  # type: ignore[attr-defined]
    assert ("bad-id-dropped", ("hf",)) in _kinds(vocab_id(backends, size))


def test_bpe_openai_decodes_minus_one_as_its_last_token() -> None:
    verdicts = vocab_id(_real("tiktoken", "bpe-openai"), -1)
    wraps = next(v for v in verdicts if v.kind == "bad-id-wraps")
    assert wraps.backends == ("bpe-openai",) and wraps.observed["alone"] == "<|endofprompt|>"
    assert wraps.observed["wraps_to"] == 100276


def test_tokie_panics_on_an_out_of_range_id() -> None:
    backends = _real("tiktoken", "tokie")
    assert ("bad-id-panics", ("tokie",)) in _kinds(vocab_id(backends, 100277))
    assert ("decode-raises:PanicException", ("tokie",)) in _kinds(vocab_id(backends, 100257))  # a special id


def test_hf_conversion_numbers_endoftext_100256_where_tiktoken_has_100257() -> None:
    backends = _real("tiktoken", "hf")
    differ = next(v for v in vocab_id(backends, 100257) if v.kind == "bytes-differ")
    assert differ.backends == ("hf", "tiktoken") and differ.observed["class"] == "special"
    assert bytes.fromhex(differ.observed["tiktoken"]) == b"<|endoftext|>"
    assert bytes.fromhex(differ.observed["hf"]) == b"<|fim_prefix|>"
    gap = next(v for v in vocab_id(backends, 100256) if v.kind == "bad-id-bytes")
    assert gap.backends == ("hf",) and bytes.fromhex(gap.observed["hf"]) == b"<|endoftext|>"
