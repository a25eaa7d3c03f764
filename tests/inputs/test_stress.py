"""The stress set: stratified, reproducible, valid text only."""

from __future__ import annotations

from collections import Counter

import pytest

from tokfuzz.inputs.stress import STRESS_CATEGORIES, stress_set
from tokfuzz.strategies import CODE_LANGUAGES


def test_n_per_category_code_spread_over_languages() -> None:
    inputs = stress_set(20, seed=3)
    counts = Counter(x.category.split(":")[0] for x in inputs)
    assert counts == {c: 20 for c in STRESS_CATEGORIES}
    languages = Counter(x.category for x in inputs if x.category.startswith("code:"))
    assert set(languages) == {f"code:{lang}" for lang in CODE_LANGUAGES}
    assert max(languages.values()) - min(languages.values()) <= 1


def test_same_seed_same_set_other_seed_other_set() -> None:
    assert stress_set(10, seed=1) == stress_set(10, seed=1)
    assert stress_set(10, seed=1) != stress_set(10, seed=2)


def test_valid_text_distinct_within_category() -> None:
    inputs = stress_set(30, seed=0)
    assert all(x.text and "\x00" not in x.text and not any(0xD800 <= ord(c) <= 0xDFFF for c in x.text) for x in inputs)
    assert len({(x.category, x.text) for x in inputs}) == len(inputs)
    assert all(len(x.text) >= 2000 for x in inputs if x.category == "long")
    assert any("\u200d" in x.text for x in inputs if x.category == "emoji")


def test_bad_size() -> None:
    with pytest.raises(ValueError, match="must be >= 0"):
        stress_set(-1)
    assert stress_set(0) == []
