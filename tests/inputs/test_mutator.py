"""The Unicode-aware mutator: always valid text, within size, deterministic, and each
operation does the tokenizer-level edit it names."""

from __future__ import annotations

import random
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from tokfuzz.inputs import mutator as m
from tokfuzz.inputs.mutator import TextMutator, decode_input, encode_input, graphemes

_SURROGATE = "[\ud800-\udfff]"


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


@settings(max_examples=300)
@given(st.text(), st.integers(0, 2**32 - 1), st.integers(1, 600), st.booleans())
def test_output_is_valid_text_within_max_size(text: str, seed: int, max_size: int, surrogates: bool) -> None:
    mut = TextMutator(surrogates, byte_mutate=lambda data, n: data[::-1][:n])
    data = mut(encode_input(text), max_size, seed)
    assert len(data) <= max_size
    out = decode_input(data, surrogates)
    assert encode_input(out) == data  # the bytes are exactly the text: nothing for a target to reject
    if not surrogates:
        data.decode("utf-8")  # strict UTF-8: no lone surrogate reaches a target that did not ask
        assert not _has_surrogate(out)


@given(st.text(), st.integers(0, 2**32 - 1))
def test_same_seed_same_mutation(text: str, seed: int) -> None:
    mut = TextMutator(True)
    assert mut(encode_input(text), 4096, seed) == mut(encode_input(text), 4096, seed)


def test_surrogate_targets_do_get_lone_surrogates() -> None:
    mut, rng = TextMutator(surrogates=True), random.Random(0)
    outs = [mut.mutate("a😀b", 4096, rng) for _ in range(400)]
    assert any(_has_surrogate(o) for o in outs)


@given(st.binary())
def test_decode_input_never_raises_and_maps_invalid_bytes_to_fffd(data: bytes) -> None:
    for surrogates in (False, True):
        text = decode_input(data, surrogates)
        assert surrogates or not _has_surrogate(text)
    try:
        assert decode_input(data) == data.decode("utf-8")
    except UnicodeDecodeError:
        assert "\ufffd" in decode_input(data)


def test_decode_input_reads_a_surrogates_3_byte_form_only_when_asked() -> None:
    assert decode_input(b"\xed\xa0\x80a", surrogates=True) == "\ud800a"
    assert decode_input(b"\xed\xa0\x80a", surrogates=False) == "\ufffd\ufffd\ufffda"


def _apply(op: m.Mutation, text: str, seed: int = 0, surrogates: bool = False) -> str:
    return "".join(op(TextMutator(surrogates), graphemes(text), random.Random(seed)))


def test_operations_do_what_they_name() -> None:
    word = "paypal admin"
    swapped = [_apply(m._confusable, word, s) for s in range(20)]
    assert all(len(w) == len(word) and w != word and not w.isascii() for w in swapped)
    assert any(unicodedata.category(c) in ("Mn", "Me") for c in _apply(m._combining, "abc"))
    assert len(_apply(m._repeat, "ab", 3)) > 2
    assert len(graphemes(_apply(m._delete, "a😀b"))) < 3
    assert {unicodedata.normalize("NFD", _apply(m._normalize, "café", s)) for s in range(20)} == {"cafe\u0301"}
    emoji = [_apply(m._emoji, "", s) for s in range(50)]
    assert any("\u200d" in e for e in emoji)  # ZWJ sequences are spliced in
    assert all(len(graphemes(e)) == 1 for e in emoji)  # each one grapheme cluster (UTS #51 / UAX #29)
    for s in range(20):  # a span of the text ends up between a literal's delimiters
        wrapped = _apply(m._literal, "héllo", s)
        assert len(wrapped) > len("héllo") and any(o in wrapped and c in wrapped[wrapped.index(o) + len(o):]
                                                   for o, c in m.STRING_DELIMITERS)
    halves = [_apply(m._lone_surrogate, "😀", s, True) for s in range(20)]
    assert all(_has_surrogate(h) for h in halves)


def test_grapheme_boundaries_are_respected_when_cutting_to_size() -> None:
    family = "👨\u200d👩\u200d👧"
    out = m._fit(family * 10, len(encode_input(family)) * 3 + 5)
    assert out == family * 3
