"""The roundtrip oracle, and ``check`` over all properties: on fakes with planted faults
(harness logic) and on real tokenizers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes import Chars, DropsZWJ, RaisesOnDigits, observation
from tokfuzz.oracles import Observation, check, roundtrip


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_a_lossless_backend_passes_every_property(text: str) -> None:
    assert check(observation(text, Chars())) == []


def test_roundtrip_names_the_lost_code_point() -> None:
    [v] = roundtrip(observation("a\u200db", DropsZWJ()), "drops-zwj")
    assert v.kind == "lost"
    assert "U+200D ZERO WIDTH JOINER" in v.detail


def test_an_exception_is_a_finding_not_a_crash() -> None:
    verdicts = check(observation("a1", Chars(), RaisesOnDigits()))
    assert [(v.property, v.kind) for v in verdicts] == [("roundtrip", "encode-raises:ValueError")]


def test_lone_surrogate_counts_as_replacement_character() -> None:
    assert roundtrip(observation("a\ud800", Chars()), "chars") == []


def test_real_backends_pass_on_clean_text(subject) -> None:
    for name in ("cl100k_base", "o200k_base", "tekken"):
        clean = check(Observation("The cat sat on the mat.", subject(name).backends), ("roundtrip", "split_consistency", "cross_backend"))
        assert clean == []
