"""The split_consistency oracle: a planted fault (harness logic) and a real dialect
disagreement it must report."""

from __future__ import annotations

from tests.fakes import DropsZWJ, observation
from tokfuzz.oracles import split_consistency


def test_coverage_catches_a_token_stream_that_drops_bytes() -> None:
    assert [v.kind for v in split_consistency(observation("a\u200db", DropsZWJ()), "drops-zwj")] == ["coverage"]


def test_real_dialect_disagreement_onig_possessive_interval(subject) -> None:
    # cl100k declares \p{N}{1,3}+ (possessive); HF's Oniguruma reads {1,3}+ as a
    # repeated interval, so its pre-tokenizer keeps a long digit run whole.
    kinds = [v.kind for v in split_consistency(observation("1234", subject("cl100k_base").backends["hf"]), "hf")]
    assert "dialect" in kinds
