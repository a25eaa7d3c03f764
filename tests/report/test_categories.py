"""Text categories of the exported dataset (tokfuzz.report.categories), on strings whose
answer is known from UAX #24, UTS #51 and UAX #29."""

from __future__ import annotations

import pytest

from tokfuzz.inputs.stress import stress_set
from tokfuzz.report.categories import (
    EMOJI_KINDS, LENGTH_BUCKETS, categorize, code_language, emoji_kinds, length_bucket, n_graphemes, scripts,
)
from tokfuzz.strategies import CODE_LANGUAGES

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # man ZWJ woman ZWJ girl ZWJ boy
FLAG_US = "\U0001f1fa\U0001f1f8"
KEYCAP_1 = "1\ufe0f\u20e3"
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"


@pytest.mark.parametrize(("text", "kinds"), [
    (FAMILY, ("zwj_sequence",)),
    (FLAG_US, ("flag_sequence",)),
    ("\U0001f1e6\U0001f1e6", ("flag_sequence", "not_rgi")),  # AA: no such region
    (KEYCAP_1, ("keycap_sequence",)),
    ("#\u20e3", ("keycap_sequence",)),  # unqualified keycap (no VS16)
    ("\U0001f44d\U0001f3fd", ("modifier_sequence",)),  # thumbs up, medium skin tone
    ("\u2764\U0001f3fd", ("modifier_sequence", "not_rgi")),  # a heart takes no skin tone
    (SCOTLAND, ("tag_sequence",)),
    ("\u2764\ufe0f", ("presentation_selector",)),
    ("\u2764\ufe0e", ("presentation_selector", "not_rgi")),  # text presentation: not an RGI emoji
    ("\U0001f600", ("single",)),
    ("\u2764\ufe0f\u200d\U0001f525", ("presentation_selector", "zwj_sequence")),  # heart on fire
    ("\U0001f469\U0001f3fc\u200d\U0001f91d\u200d\U0001f469\U0001f3ff", ("modifier_sequence", "zwj_sequence")),
    ("\U0001f468\u200d", ("single",)),  # a ZWJ sequence cut short: only its whole element counts
    ("\u00a9", ()),  # Emoji=Yes but text presentation by default (UTS #51 ED-6)
    ("1", ()), ("\U0001f1f8", ()), ("a\u200db", ()), ("", ()), ("x\ud800", ()),
])
def test_emoji_kinds_of_known_sequences(text: str, kinds: tuple[str, ...]) -> None:
    assert emoji_kinds(text) == kinds
    assert set(kinds) <= set(EMOJI_KINDS)


def test_emoji_kinds_inside_text_are_each_listed_once() -> None:
    text = f"hi {FLAG_US} and {FLAG_US}, {KEYCAP_1}! {FAMILY}"
    assert emoji_kinds(text) == ("flag_sequence", "keycap_sequence", "zwj_sequence")


@pytest.mark.parametrize(("text", "expected"), [
    ("p\u0430ypal", ("Cyrl", "Latn")),  # Cyrillic а inside a Latin identifier
    ("user_\u0456d = 1", ("Cyrl", "Latn")),
    ("cafe\u0301", ("Latn",)),  # the combining accent is Inherited: not a script of its own
    ("\u0661\u0662", ("Arab",)),  # Arabic-Indic digits
    ("12 + 3 = 15 \u2713", ()),  # ASCII digits and symbols are Common
    ("\u3053\u3093\u306b\u3061\u306f\u4e16\u754c", ("Hani", "Hira")),
    ("\ud800", ()),
])
def test_scripts_are_uax24_values_without_common_and_inherited(text: str, expected: tuple[str, ...]) -> None:
    assert scripts(text) == expected


def test_code_language_comes_from_the_stress_category_only() -> None:
    python = 'def f(x):\n    return "caf\u00e9"'
    assert categorize(python, "code:python").code_language == "python"
    assert categorize(python).code_language is None  # a corpus row: never guessed
    assert code_language("code:cobol") is None
    assert code_language("emoji") is None
    assert {code_language(f"code:{lang}") for lang in CODE_LANGUAGES} == set(CODE_LANGUAGES)


@pytest.mark.parametrize(("n", "bucket"), [
    (0, "0"), (1, "1-8"), (8, "1-8"), (9, "9-64"), (64, "9-64"), (65, "65-512"), (512, "65-512"),
    (513, "513-4096"), (4096, "513-4096"), (4097, "4097+"), (10**6, "4097+"),
])
def test_length_buckets_at_their_bounds(n: int, bucket: str) -> None:
    assert length_bucket(n) == bucket
    if n <= 5000:
        assert categorize("\U0001f600" * n).length_bucket == bucket  # code points, not bytes or UTF-16 units


def test_length_buckets_cover_every_length_once() -> None:
    assert LENGTH_BUCKETS[0][1] == 0 and LENGTH_BUCKETS[-1][2] is None
    for (_, _, high), (_, low, _) in zip(LENGTH_BUCKETS, LENGTH_BUCKETS[1:]):
        assert high is not None and low == high + 1
    with pytest.raises(ValueError):
        length_bucket(-1)


def test_graphemes_are_uax29_clusters_and_lengths_count_code_points() -> None:
    cats = categorize(FAMILY + "e\u0301" + "\ud800")
    assert (cats.n_codepoints, cats.n_graphemes) == (10, 3)
    assert n_graphemes("\r\n") == 1  # GB3
    assert n_graphemes(FLAG_US + FLAG_US) == 2  # GB12/13: regional indicators pair up


def test_stress_inputs_get_the_categories_they_were_drawn_for() -> None:
    sample = stress_set(30, seed=3)
    for item in sample:
        cats = categorize(item.text, item.category)
        if item.category.startswith("code:"):
            assert cats.code_language == item.category[5:]
        else:
            assert cats.code_language is None
        if item.category == "long":  # long_inputs(): 2,000-8,000 code points
            assert cats.length_bucket in ("513-4096", "4097+")
    emoji_rows = [categorize(i.text, i.category) for i in sample if i.category == "emoji"]
    assert sum(bool(c.emoji_kinds) for c in emoji_rows) >= 0.9 * len(emoji_rows)
    mixed = [categorize(i.text, i.category) for i in sample if i.category == "mixed_script"]
    assert sum(len(c.scripts) >= 2 for c in mixed) >= len(mixed) // 2
