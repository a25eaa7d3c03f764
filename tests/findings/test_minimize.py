"""The minimizer: for predicates of known shape the witness still fails, is 1-minimal
(by grapheme cluster and by code point) and is never longer; budget and errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokfuzz.findings.minimize import graphemes, is_one_minimal, minimize

Predicate = Callable[[str], bool]

_FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # ZWJ family: one grapheme cluster
_PIECES = [
    _FAMILY, "\U0001f44d\U0001f3fd", "\U0001f1eb\U0001f1f7", "e\u0301", "\u200d", "\ufe0f", "\x00", "\r\n",
    " ", "\t", "\u00a0", "a", "Z", "7", "\u0663", "\u044f", "\u4e2d", "\ud800", "\udfff", "\ud83d\ude00",
]
_CHARS = st.one_of(st.sampled_from(_PIECES), st.characters(), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))
_TEXTS = st.lists(_CHARS, max_size=40)


def _is_emoji(c: str) -> bool:
    return 0x1F000 <= ord(c) <= 0x1FAFF


@st.composite
def _failing(draw: st.DrawFn) -> tuple[str, Predicate]:
    """A text and a predicate of known shape that the text fails."""
    text = "".join(draw(_TEXTS.filter(bool)))
    shape = draw(st.sampled_from(["codepoint", "substring", "emoji", "length"] + ["two"] * (len(text) > 1)))
    if shape == "codepoint":
        x = draw(st.sampled_from(text))
        return text, lambda s: x in s
    if shape == "substring":
        i = draw(st.integers(0, len(text) - 1))
        sub = text[i : draw(st.integers(i + 1, min(len(text), i + 4)))]
        return text, lambda s: sub in s
    if shape == "emoji":
        k = draw(st.integers(0, sum(map(_is_emoji, text))))
        return text, lambda s: sum(map(_is_emoji, s)) >= k
    if shape == "length":
        n = draw(st.integers(0, len(text)))
        return text, lambda s: len(s) >= n
    i, j = sorted(draw(st.lists(st.integers(0, len(text) - 1), min_size=2, max_size=2, unique=True)))
    first, second = text[i], text[j]
    return text, lambda s: first in s and second in s[s.index(first) + 1 :]


@settings(max_examples=300, deadline=None)
@given(_failing())
def test_the_witness_fails_is_one_minimal_and_no_longer(case: tuple[str, Predicate]) -> None:
    text, fails = case
    witness = minimize(text, fails, max_calls=100_000)
    assert fails(witness)
    assert len(witness) <= len(text)
    assert is_one_minimal(witness, fails)


@settings(max_examples=100, deadline=None)
@given(_TEXTS.map("".join))
def test_graphemes_partition_the_text(text: str) -> None:
    clusters = graphemes(text)
    assert "".join(clusters) == text and all(clusters)


def test_graphemes_follow_uax29() -> None:
    flag = "\U0001f1eb\U0001f1f7"  # regional indicator pair (GB12)
    assert graphemes("e\u0301" + _FAMILY + "\r\n" + flag) == ["e\u0301", _FAMILY, "\r\n", flag]


def test_zwj_family_in_long_text_shrinks_to_the_joiner() -> None:
    text = "lorem ipsum dolor sit amet " * 40 + _FAMILY + " consectetur adipiscing" * 40
    assert minimize(text, lambda s: "\u200d" in s) == "\u200d"


def test_a_whole_cluster_is_kept_when_the_failure_needs_it() -> None:
    text = "noise " * 20 + _FAMILY + " noise" * 20
    assert minimize(text, lambda s: _FAMILY in s) == _FAMILY


def test_two_separated_characters_are_both_kept() -> None:
    text = "x" * 50 + "<" + "y" * 50 + ">" + "z" * 50

    def fails(s: str) -> bool:
        return "<" in s and ">" in s[s.index("<") :]

    assert minimize(text, fails) == "<>"


def test_surrogates_and_nul_survive() -> None:
    text = "abc\ud800def\x00ghi\udc00"
    witness = minimize(text, lambda s: "\ud800" in s and "\x00" in s)
    assert witness == "\ud800\x00"
    assert minimize("\ud83d\ude00", lambda s: s.count("\ud83d") == 1 and "\ude00" in s) == "\ud83d\ude00"


def test_code_points_are_simplified_without_lengthening() -> None:
    text = "\u4e2d\u044f\u0663\u200d" * 3
    witness = minimize(text, lambda s: len(s) >= 3 and "\u200d" in s)
    assert len(witness) == 3 and "\u200d" in witness
    assert set(witness) == {"a", "\u200d"}


def test_an_input_that_does_not_fail_is_refused() -> None:
    with pytest.raises(ValueError, match="input does not fail: nothing to minimize"):
        minimize("abc", lambda s: False)
    with pytest.raises(ValueError, match="max_calls"):
        minimize("abc", lambda s: True, max_calls=0)


@pytest.mark.parametrize("budget", [1, 2, 5, 17, 60])
def test_the_budget_counts_real_calls_and_keeps_the_best_so_far(budget: int) -> None:
    seen: list[str] = []

    def fails(s: str) -> bool:
        seen.append(s)
        return "<" in s and ">" in s

    text = "x" * 100 + "<" + "y" * 100 + ">"
    witness = minimize(text, fails, max_calls=budget)
    calls = list(seen)
    assert len(calls) <= budget
    assert len(calls) == len(set(calls))  # repeated candidates are served from the cache
    assert fails(witness)
    assert len(witness) == min(len(s) for s in calls if "<" in s and ">" in s)


def test_the_time_budget_stops_shrinking_with_the_best_witness_so_far() -> None:
    import time

    calls: list[str] = []

    def slow_fails(s: str) -> bool:
        calls.append(s)
        time.sleep(0.01)
        return "<" in s and ">" in s

    text = "x" * 200 + "<" + "y" * 200 + ">"
    started = time.monotonic()
    witness = minimize(text, slow_fails, max_calls=100_000, max_seconds=0.1)
    assert time.monotonic() - started < 0.1 + 0.05  # at most one call past the deadline
    assert 2 <= len(calls) <= 16
    assert slow_fails(witness) and len(witness) < len(text)  # the best found so far, not the input


def test_exceptions_from_the_predicate_propagate() -> None:
    def fails(s: str) -> bool:
        if len(s) < 3:
            raise RuntimeError("boom")
        return True

    with pytest.raises(RuntimeError, match="boom"):
        minimize("abcdef", fails)


def test_is_one_minimal_checks_clusters_and_code_points() -> None:
    assert is_one_minimal("\u200d", lambda s: "\u200d" in s)
    assert not is_one_minimal("a\u200d", lambda s: "\u200d" in s)
    assert not is_one_minimal("a", lambda s: "\u200d" in s)  # does not fail at all
    # deleting the cluster "e\u0301" passes, deleting the code point U+0301 does not
    assert not is_one_minimal("e\u0301", lambda s: "e" in s)
