"""The fast sampler draws from a strategy's own tables: every value is one the strategy
describes (elements, bounds, alphabets, maps, filters), it reproduces from its seed, and
it compiles every public tokfuzz strategy (a hypothesis upgrade that renames a strategy
class fails here, not silently in a campaign)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import strategies as st

from tokfuzz import strategies as ts
from tokfuzz.inputs.sampler import Sampler, compile_strategy
from tokfuzz.strategies import SPECIAL_TOKEN_LOOKALIKES
from tokfuzz.strategies._emoji import RGI_ZWJ_SEQUENCES, ZWJ
from tokfuzz.strategies._whitespace import UNICODE_SPACES


def _draws(strategy: st.SearchStrategy[object], n: int = 500, seed: int = 0) -> list[object]:
    return list(itertools.islice(iter(Sampler(strategy, seed)), n))


PUBLIC = {
    "unicode_text": ts.unicode_text(),
    "unicode_text(special)": ts.unicode_text(special_tokens=["<|endoftext|>", "[INST]"]),
    "unicode_text(assigned)": ts.unicode_text(assigned_only=True),
    "emoji_sequences": ts.emoji_sequences(),
    "mixed_script_identifiers": ts.mixed_script_identifiers(),
    "code_with_string_literals": ts.code_with_string_literals(),
    "whitespace_runs": ts.whitespace_runs(),
    "long_inputs": ts.long_inputs(),
    "special_token_lookalikes": ts.special_token_lookalikes(["<s>", "<|im_end|>"]),
}


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_strategy_compiles_and_draws_text(name: str) -> None:
    values = _draws(PUBLIC[name], 300)
    assert all(isinstance(v, str) for v in values)
    assert len(set(values)) > 20, f"{name}: {len(set(values))} distinct of 300"


def test_same_seed_same_sequence_other_seed_other() -> None:
    s = ts.unicode_text()
    assert _draws(s, 200, seed=5) == _draws(s, 200, seed=5)
    assert _draws(s, 200, seed=5) != _draws(s, 200, seed=6)


def test_values_stay_inside_what_the_strategy_describes() -> None:
    table = ("a", "bb", "ccc")
    assert set(_draws(st.sampled_from(table))) == set(table)  # every element reached, nothing else
    sizes = [len(v) for v in _draws(st.lists(st.just(1), min_size=2, max_size=5))]  # type: ignore[arg-type]
    assert min(sizes) == 2 and max(sizes) == 5
    text = _draws(st.text("xyz\u00e9", min_size=1, max_size=3))
    assert all(1 <= len(t) <= 3 and set(t) <= set("xyz\u00e9") for t in text)  # type: ignore[arg-type]
    assert set().union(*map(set, text)) == set("xyz\u00e9")  # type: ignore[arg-type]
    assert all(-3 <= i <= 7 for i in _draws(st.integers(-3, 7)))  # type: ignore[operator]
    assert set(_draws(st.integers(-3, 7))) == set(range(-3, 8))
    assert all(v % 2 == 0 for v in _draws(st.integers(0, 100).filter(lambda i: i % 2 == 0)))  # type: ignore[operator]
    assert set(_draws(st.sampled_from("ab").map(str.upper))) == {"A", "B"}
    assert set(_draws(st.sampled_from("abc").filter(lambda c: c != "b"))) == {"a", "c"}
    surrogates = _draws(st.characters(categories=["Cs"]))
    assert all("\ud800" <= c <= "\udfff" for c in surrogates)  # type: ignore[operator]
    pair = _draws(st.tuples(st.just("k"), st.integers(1, 2)))
    assert set(pair) == {("k", 1), ("k", 2)}
    assert set(_draws(st.one_of(st.just("x"), st.just("y")))) == {"x", "y"}
    assert set(_draws(st.just(3).flatmap(lambda n: st.text("q", min_size=n, max_size=n)))) == {"qqq"}
    assert set(_draws(st.builds(lambda a, b: a + b, st.just("p"), b=st.just("q")))) == {"pq"}
    assert set(_draws(st.fixed_dictionaries({"n": st.just(1)}).map(lambda d: d["n"]))) == {1}


@st.composite
def _pairs(draw: st.DrawFn, sep: str) -> str:
    return draw(st.sampled_from("ab")) + sep + draw(st.sampled_from("cd"))


def test_composite_strategies_call_their_definition_with_a_draw() -> None:
    assert set(_draws(_pairs("-"))) == {"a-c", "a-d", "b-c", "b-d"}


def test_a_strategy_kind_it_does_not_know_is_a_type_error_at_compile_time() -> None:
    with pytest.raises(TypeError, match="fast sampler cannot draw from"):
        compile_strategy(st.lists(st.data()))


def test_a_filter_nothing_passes_skips_the_draw_instead_of_hanging() -> None:
    never = st.one_of(st.just("ok"), st.integers(0, 3).filter(lambda i: i > 10))
    assert set(_draws(never, 50)) == {"ok"}


def test_unicode_text_reaches_every_kind_of_piece() -> None:
    texts: list[str] = _draws(ts.unicode_text(), 4000, seed=1)  # type: ignore[assignment]
    joined = "".join(texts)
    assert any(z in joined for z in RGI_ZWJ_SEQUENCES if ZWJ in z)
    assert any("\ud800" <= c <= "\udfff" for c in joined)  # lone surrogates
    assert "\x00" in joined
    assert any(s in joined for s in SPECIAL_TOKEN_LOOKALIKES)
    assert any(c in joined for c in UNICODE_SPACES if c != " ")
    assert any(ord(c) > 0xFFFF for c in joined)
    long_share = sum(len(t) >= 2000 for t in texts) / len(texts)
    assert 0.01 < long_share < 0.08, long_share  # 1 slot of 32 draws a long input (~3%)
    assert len(set(texts)) / len(texts) > 0.8  # few repeats: the point of the sampler

