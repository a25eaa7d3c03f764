"""The oracles: on fakes with planted faults (harness logic) and on real tokenizers
(real, known discrepancies they must report)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes import Chars, DropsZWJ, RaisesOnDigits
from tokfuzz.properties import Observation, check, cross_backend, roundtrip, split_consistency


def _obs(text: str, *backends: object) -> Observation:
    return Observation(text, {b.name: b for b in backends})  # type: ignore[attr-defined]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_a_lossless_backend_passes_every_property(text: str) -> None:
    assert check(_obs(text, Chars())) == []


def test_roundtrip_names_the_lost_code_point() -> None:
    [v] = roundtrip(_obs("a\u200db", DropsZWJ()), "drops-zwj")
    assert v.kind == "lost"
    assert "U+200D ZERO WIDTH JOINER" in v.detail


def test_cross_backend_names_the_pair_and_both_sequences() -> None:
    [v] = cross_backend(_obs("a\u200db", Chars(), DropsZWJ()))
    assert v.backends == ("chars", "drops-zwj")
    assert v.observed == {"chars": [97, 0x200D, 98], "drops-zwj": [97, 98]}


def test_an_exception_is_a_finding_not_a_crash() -> None:
    verdicts = check(_obs("a1", Chars(), RaisesOnDigits()))
    assert [(v.property, v.kind) for v in verdicts] == [("roundtrip", "encode-raises:ValueError")]


def test_coverage_catches_a_token_stream_that_drops_bytes() -> None:
    assert [v.kind for v in split_consistency(_obs("a\u200db", DropsZWJ()), "drops-zwj")] == ["coverage"]


def test_lone_surrogate_counts_as_replacement_character() -> None:
    assert roundtrip(_obs("a\ud800", Chars()), "chars") == []


def test_real_dialect_disagreement_onig_possessive_interval(subject) -> None:
    # cl100k declares \p{N}{1,3}+ (possessive); HF's Oniguruma reads {1,3}+ as a
    # repeated interval, so its pre-tokenizer keeps a long digit run whole.
    kinds = [v.kind for v in split_consistency(_obs("1234", subject("cl100k_base").backends["hf"]), "hf")]
    assert "dialect" in kinds


def test_real_cross_backend_difference_mistral_double_space(subject) -> None:
    backends = subject("mistral-v3").backends
    verdicts = cross_backend(Observation("a  b", backends))
    assert ("hf", "spm") in [v.backends for v in verdicts]


def test_real_backends_pass_on_clean_text(subject) -> None:
    for name in ("cl100k_base", "o200k_base", "tekken"):
        assert check(Observation("The cat sat on the mat.", subject(name).backends)) == []
