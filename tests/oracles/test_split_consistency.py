"""The split_consistency oracle: a planted fault (harness logic) and a real dialect
disagreement it must report."""

from __future__ import annotations

import importlib

from tests.fakes import DropsZWJ, observation
from tokfuzz.oracles import split_consistency


def test_coverage_catches_a_token_stream_that_drops_bytes() -> None:
    assert [v.kind for v in split_consistency(observation("a\u200db", DropsZWJ()), "drops-zwj")] == ["coverage"]


def test_real_dialect_disagreement_onig_possessive_interval(subject) -> None:
    # cl100k declares \p{N}{1,3}+ (possessive); HF's Oniguruma reads {1,3}+ as a
    # repeated interval, so its pre-tokenizer keeps a long digit run whole.
    kinds = [v.kind for v in split_consistency(observation("1234", subject("cl100k_base").backends["hf"]), "hf")]
    assert "dialect" in kinds


def test_the_piece_table_stays_bounded_over_a_long_campaign(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.fakes import Chars
    from tokfuzz.backends.base import backend_memo
    module = importlib.import_module("tokfuzz.oracles.split_consistency")  # the package re-exports the function

    monkeypatch.setattr(module, "_PIECE_CACHE_LIMIT", 50)
    backend = Chars()
    for i in range(400):  # 2,000 distinct pieces, as a long campaign meets them
        pieces = [f"p{i}-{k}" for k in range(5)]
        assert module._encode_pieces(backend, pieces) == [backend.encode(p) for p in pieces]
        assert len(backend_memo(backend, "piece-ids")) <= 50 + 5  # emptied when full, then this input's
