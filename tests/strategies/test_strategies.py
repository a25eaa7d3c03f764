"""What tokfuzz.strategies generate, measured over a few hundred draws each.

Each strategy is drawn once per module (fixtures below) through a plain ``@given`` loop,
derandomized so that runs repeat, and the tests assert lower bounds on the share of draws that carry
each feature the docstrings promise. Bounds sit well below the measured shares (noted
next to each), so a change of hypothesis' distribution does not make them flaky, while
a kind of input that disappears entirely is caught.
"""

from __future__ import annotations

import functools
import string
import unicodedata
from collections.abc import Callable

import emoji
import pytest
import regex
from confusable_homoglyphs.confusables import confusables_data
from hypothesis import HealthCheck, find, given, settings
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from tokfuzz.strategies import (
    CODE_LANGUAGES,
    SPECIAL_TOKEN_LOOKALIKES,
    code_with_string_literals,
    emoji_sequences,
    long_inputs,
    mixed_script_identifiers,
    unicode_text,
    whitespace_runs,
)
from tokfuzz.strategies._stdlib import stdlib_sites


def draws(strategy: SearchStrategy[str], n: int) -> list[str]:
    """``n`` examples of ``strategy``, generated through ``@given`` as the campaign does."""
    out: list[str] = []

    @settings(max_examples=n, database=None, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: str) -> None:
        out.append(value)

    collect()
    return out


def share(values: list[str], predicate: Callable[[str], object]) -> float:
    return sum(1 for v in values if predicate(v)) / len(values)


def matches(pattern: str) -> Callable[[str], bool]:
    compiled = regex.compile(pattern)
    return lambda s: compiled.search(s) is not None


@pytest.fixture(scope="module")
def emoji_draws() -> list[str]:
    return draws(emoji_sequences(), 800)


@pytest.fixture(scope="module")
def identifier_draws() -> list[str]:
    return draws(mixed_script_identifiers(), 800)


@pytest.fixture(scope="module")
def code_draws() -> list[str]:
    return draws(code_with_string_literals(), 300)


@pytest.fixture(scope="module")
def whitespace_draws() -> list[str]:
    return draws(whitespace_runs(), 500)


@pytest.fixture(scope="module")
def text_draws() -> list[str]:
    return draws(unicode_text(), 800)


@pytest.fixture(scope="module")
def long_draws() -> list[str]:
    return draws(long_inputs(), 60)


# -- emoji_sequences ---------------------------------------------------------------------

EMOJI_FEATURES = {
    "ZWJ": "\u200d",  # measured ~50%
    "skin tone modifier": "[\U0001f3fb-\U0001f3ff]",  # ~55%
    "regional-indicator flag": "[\U0001f1e6-\U0001f1ff]{2}",  # ~50%
    "tag sequence": "\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f",  # ~25%
    "keycap": "[0-9#*]\ufe0f?\u20e3",  # ~15%
    "VS15 or VS16": "[\ufe0e\ufe0f]",  # ~35%
}


@pytest.mark.parametrize("feature", EMOJI_FEATURES)
def test_emoji_sequences_carry_each_sequence_kind(emoji_draws: list[str], feature: str) -> None:
    assert share(emoji_draws, matches(EMOJI_FEATURES[feature])) >= 0.05


def test_emoji_sequences_are_mostly_rgi_emoji(emoji_draws: list[str]) -> None:
    assert share(emoji_draws, emoji.emoji_count) >= 0.8  # ~95%


def test_emoji_sequences_include_broken_sequences(emoji_draws: list[str]) -> None:
    assert share(emoji_draws, matches("^\u200d|\u200d$|\u200d\u200d")) >= 0.05  # dangling ZWJ
    assert share(emoji_draws, matches("^[\U0001f3fb-\U0001f3ff]")) >= 0.01  # lone modifier first


def test_emoji_sequences_respect_sizes() -> None:
    longest_item = 11  # four two-code-point emoji joined by three ZWJs
    assert all(1 <= len(s) <= longest_item for s in draws(emoji_sequences(max_size=1), 100))
    assert all(len(s) >= 5 for s in draws(emoji_sequences(min_size=5, max_size=6), 100))
    assert "" in draws(emoji_sequences(min_size=0, max_size=1), 100)


# -- mixed_script_identifiers ------------------------------------------------------------

SCRIPTS = ("Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Devanagari", "Thai", "Hangul", "Han", "Hiragana")


def scripts_in(text: str) -> set[str]:
    return {script for script in SCRIPTS if regex.search(rf"\p{{Script={script}}}", text)}


def test_identifiers_mix_scripts(identifier_draws: list[str]) -> None:
    assert share(identifier_draws, lambda s: len(scripts_in(s)) >= 2) >= 0.5  # ~65%
    seen = set().union(*map(scripts_in, identifier_draws))
    assert seen == set(SCRIPTS)


LOOKALIKES = regex.escape("".join(sorted({
    homoglyph["c"]
    for letter in string.ascii_letters
    for homoglyph in confusables_data.get(letter, ())
    if regex.fullmatch(r"[\p{L}\p{Nd}--\p{Script=Latin}--\p{Script=Common}]", homoglyph["c"], flags=regex.V1)
})))
"""Letters and digits of other scripts that UTS #39 confusables.txt (as the
confusable-homoglyphs package ships it) lists as confusable with an ASCII letter."""

IDENTIFIER_FEATURES = {  # feature: (pattern, lower bound); measured shares in comments
    "invisible character": ("[\u200b\u200c\u200d\u2060\u00ad\ufeff]", 0.2),  # ~30%
    "bidi control (UAX #9)": ("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]", 0.1),  # ~36%
    "stacked combining marks": (r"\p{Mn}{2}", 0.05),  # ~18%
    "fullwidth letter": ("[\uff21-\uff3a\uff41-\uff5a]", 0.02),  # ~5%
    "mathematical alphanumeric": ("[\U0001d400-\U0001d7ff]", 0.02),  # ~8%
    "non-ASCII digit": (r"(?![0-9])\p{Nd}", 0.05),  # ~9%
    "Latin beside a Cyrillic look-alike": (r"\p{Latin}[\u0430\u0435\u043e\u0440\u0441]|[\u0430\u043e]\p{Latin}", 0.003),
    "ASCII beside a UTS #39 look-alike": (f"[A-Za-z][{LOOKALIKES}]|[{LOOKALIKES}][A-Za-z]", 0.02),
    "special casing": ("[\u00df\u0131\u0130\u03c2\u01c4-\u01c6\ufb01\u212a\u017f\u0307]", 0.02),
    "conjoining jamo": ("[\u1100-\u11ff]", 0.02),  # ~10%
}


@pytest.mark.parametrize("feature", IDENTIFIER_FEATURES)
def test_identifiers_carry_each_feature(identifier_draws: list[str], feature: str) -> None:
    pattern, bound = IDENTIFIER_FEATURES[feature]
    assert share(identifier_draws, matches(pattern)) >= bound


def test_identifiers_come_composed_and_decomposed(identifier_draws: list[str]) -> None:
    def decomposed(s: str) -> bool:
        return unicodedata.is_normalized("NFD", s) and not unicodedata.is_normalized("NFC", s)

    def compatibility(s: str) -> bool:
        return not unicodedata.is_normalized("NFKC", s)

    assert share(identifier_draws, decomposed) >= 0.02
    assert share(identifier_draws, compatibility) >= 0.1


# -- code_with_string_literals -----------------------------------------------------------

LANGUAGE_MARKERS = {
    "python": r"\bprint\(|^def |^[a-z_]\w* = ",
    "javascript": r"console\.log\(|export default|^const (?!char \*)|^let \S+ = \{ label:",
    "rust": r"println!\(|-> &'static str",
    "go": r"fmt\.Println\(|:= ",
    "c": r'printf\("|^const char \*',
    "json": '^\\{"',
    "sql": "^SELECT |^INSERT INTO",
    "shell": "^echo |^export ",
}
QUOTED = regex.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|`[^`]*`')


def non_ascii_in_quotes(code: str) -> bool:
    return any(not span.isascii() for span in QUOTED.findall(code))


def test_code_covers_every_language(code_draws: list[str]) -> None:
    assert set(LANGUAGE_MARKERS) == set(CODE_LANGUAGES)
    missing = [
        language
        for language, marker in LANGUAGE_MARKERS.items()
        if not any(regex.search(marker, code, flags=regex.M) for code in code_draws)
    ]
    assert not missing


def test_code_puts_non_ascii_inside_quotes(code_draws: list[str]) -> None:
    assert share(code_draws, non_ascii_in_quotes) >= 0.5  # ~95%


@functools.cache
def language_draws(language: str) -> list[str]:
    # Half of the Python draws are real stdlib lines, and JavaScript's surrogate-pair escape
    # is ~5% of its literals: both need more draws to show every spelling.
    return draws(code_with_string_literals(language), 200 if language in ("python", "javascript") else 100)


@pytest.mark.parametrize("language", CODE_LANGUAGES)
def test_code_in_each_language(language: str) -> None:
    lines = language_draws(language)
    assert any(regex.search(LANGUAGE_MARKERS[language], c, flags=regex.M) for c in lines)
    assert share(lines, non_ascii_in_quotes) >= 0.5


@functools.cache
def stdlib_heads() -> dict[str, set[str]]:
    """Each real line's text before its literal's content, mapped to the texts after it."""
    heads: dict[str, set[str]] = {}
    for site in stdlib_sites():
        heads.setdefault(site.line[: site.start], set()).add(site.line[site.end :])
    return heads


def from_stdlib(code: str) -> bool:
    """Whether some line of ``code`` is a real stdlib line with its literal's content replaced."""
    heads = stdlib_heads()
    lengths = {len(head) for head in heads}
    return any(
        line[:k] in heads and any(line.endswith(tail) and k + len(tail) <= len(line) for tail in heads[line[:k]])
        for line in code.split("\n")
        for k in lengths
    )


def test_code_uses_real_stdlib_lines(code_draws: list[str]) -> None:
    assert len(stdlib_sites()) >= 1000  # ~2750 on CPython 3.11
    assert share(code_draws, from_stdlib) >= 0.2  # ~35%
    assert share(language_draws("python"), from_stdlib) >= 0.2  # ~60%
    assert share([s for s in code_draws if from_stdlib(s)], non_ascii_in_quotes) >= 0.8


LANGUAGE_SPELLINGS = [
    ("python", r"\N{"), ("python", r"\U0"), ("python", 'f"'), ("python", r'b"\x'),
    ("javascript", r"\u{"), ("javascript", r"\uD8"), ("javascript", "${"),
    ("rust", r"\u{"), ("rust", 'r#"'),
    ("go", r"\U0"), ("go", "`"),
    ("c", 'u8"'), ("c", 'L"'), ("c", r"\x"),
    ("json", r"\u"),
    ("sql", "U&'"), ("sql", "E'"), ("sql", "''"),
    ("shell", "$'"), ("shell", "${"),
]


@pytest.mark.parametrize(("language", "spelling"), LANGUAGE_SPELLINGS)
def test_code_spells_escapes_and_literal_forms(language: str, spelling: str) -> None:
    assert any(spelling in c for c in language_draws(language))


# -- whitespace_runs ---------------------------------------------------------------------

WHITESPACE_FEATURES = {  # feature: (pattern, lower bound); measured shares in comments
    "Unicode White_Space beyond ASCII": ("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u0085\u2028\u2029]", 0.2),
    "engine-dependent space": ("[\u180e\u200b\x1c-\x1f\x0b\x0c]", 0.1),  # ~50%
    "CRLF": ("\r\n", 0.05),  # ~12%
    "run of 10+ spaces": (" {10,}", 0.05),  # ~18%
    "4+ ASCII digits": ("[0-9]{4,}", 0.1),  # ~18%
    "non-ASCII digit": (r"(?![0-9])\p{Nd}", 0.05),  # ~50%
    "\\p{N} that is not Nd": (r"[\p{Nl}\p{No}]", 0.02),  # ~24%
    "whitespace between digits": (r"[0-9][ \u00a0\u202f\u2009][0-9]", 0.02),  # ~18%
}


@pytest.mark.parametrize("feature", WHITESPACE_FEATURES)
def test_whitespace_runs_carry_each_feature(whitespace_draws: list[str], feature: str) -> None:
    pattern, bound = WHITESPACE_FEATURES[feature]
    assert share(whitespace_draws, matches(pattern)) >= bound


def test_whitespace_runs_end_in_whitespace(whitespace_draws: list[str]) -> None:
    assert all(s[-1].isspace() or s[-1] in "\u180e\u200b" for s in whitespace_draws)


# -- unicode_text ------------------------------------------------------------------------

def test_unicode_text_often_has_emoji(text_draws: list[str]) -> None:
    emoji_like = matches(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\p{Emoji_Modifier}")
    assert share(text_draws, emoji_like) >= 0.3  # ~50%


TEXT_PIECES: dict[str, Callable[[str], object]] = {  # measured shares in comments
    "lone surrogate": lambda s: any(0xD800 <= ord(c) <= 0xDFFF for c in s),  # ~8%
    "NUL": lambda s: "\x00" in s,  # ~8%
    "special-token look-alike": lambda s: any(t in s for t in SPECIAL_TOKEN_LOOKALIKES if t.isascii()),  # ~13%
    "mixed scripts": lambda s: len(scripts_in(s)) >= 2,  # ~45%
    "odd whitespace": matches("[\u00a0\u2000-\u200a\u3000\u2028\u2029]"),  # ~9%
    "non-ASCII string literal": non_ascii_in_quotes,  # ~20%
}


@pytest.mark.parametrize("piece", TEXT_PIECES)
def test_unicode_text_sometimes_has_each_piece(text_draws: list[str], piece: str) -> None:
    assert share(text_draws, TEXT_PIECES[piece]) >= 0.01


def test_unicode_text_has_several_pieces(text_draws: list[str]) -> None:
    assert share(text_draws, lambda s: len(s) >= 10) >= 0.3


def test_unicode_text_sometimes_is_long(text_draws: list[str]) -> None:
    assert share(text_draws, lambda s: len(s) >= 2000) >= 0.01  # ~4%


# -- long_inputs -------------------------------------------------------------------------

def test_long_inputs_respect_sizes(long_draws: list[str]) -> None:
    assert all(2000 <= len(s) <= 8000 for s in long_draws)
    assert len({len(s) for s in long_draws}) >= 8  # the length varies, not just the bounds (~15)
    assert all(10 <= len(s) <= 12 for s in draws(long_inputs(min_size=10, max_size=12), 50))
    assert set(draws(long_inputs(min_size=0, max_size=0), 5)) == {""}


LONG_FEATURES = {  # feature: (predicate, lower bound); measured shares over 300 draws in comments
    "emoji": (matches(r"\p{Extended_Pictographic}|\p{Regional_Indicator}"), 0.3),  # ~90%
    "mixed scripts": (lambda s: len(scripts_in(s)) >= 2, 0.3),  # ~80%
    "non-ASCII string literal": (non_ascii_in_quotes, 0.3),  # ~85%
    "whitespace run": (matches("\\s{2,}|[\u00a0\u2000-\u200a\u3000\u2028\u2029\u180e\u200b]"), 0.1),  # ~40%
}


@pytest.mark.parametrize("feature", LONG_FEATURES)
def test_long_inputs_carry_each_piece_kind(long_draws: list[str], feature: str) -> None:
    predicate, bound = LONG_FEATURES[feature]
    assert share(long_draws, predicate) >= bound


# -- shrinking and arguments -------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@pytest.mark.parametrize(
    ("strategy", "minimal"),
    [
        (emoji_sequences(), "\u231a"),  # the first RGI single emoji (shortest, lowest)
        (mixed_script_identifiers(), "idid"),
        (whitespace_runs(), " "),  # an empty token and one space
        (unicode_text(), "a"),
        (long_inputs(min_size=50, max_size=60), "a" * 50),
    ],
)
def test_examples_shrink_to_the_documented_minimum(strategy: SearchStrategy[str], minimal: str) -> None:
    # derandomized: a random find() occasionally stops shrinking one step short
    assert find(strategy, lambda s: True, settings=settings(database=None, derandomize=True)) == minimal


@pytest.mark.parametrize(
    "make",
    [
        lambda: emoji_sequences(min_size=-1),
        lambda: emoji_sequences(min_size=3, max_size=2),
        lambda: emoji_sequences(max_size=2.5),
        lambda: emoji_sequences(min_size=True),
        lambda: code_with_string_literals("cobol"),
        lambda: code_with_string_literals(["python"]),
        lambda: long_inputs(min_size=-1),
        lambda: long_inputs(min_size=3000, max_size=2000),
        lambda: long_inputs(max_size=None),
        lambda: unicode_text(max_pieces=0),
        lambda: unicode_text(max_pieces="8"),
    ],
)
def test_invalid_arguments_raise(make: Callable[[], object]) -> None:
    with pytest.raises(InvalidArgument):
        make()


def test_unknown_language_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidArgument, match="c, go, javascript, json, python, rust, shell, sql"):
        code_with_string_literals("Python")


def test_assigned_only_draws_no_code_point_unassigned_in_pythons_tables() -> None:
    import unicodedata

    from hypothesis import given, settings

    from tokfuzz.strategies import unicode_text

    seen_unassigned: list[str] = []

    @settings(max_examples=300, deadline=None, database=None)
    @given(unicode_text(assigned_only=True))
    def check(text: str) -> None:
        seen_unassigned.extend(c for c in text if unicodedata.category(c) == "Cn")

    check()
    assert seen_unassigned == []
    with pytest.raises(InvalidArgument):
        unicode_text(assigned_only="yes").example()  # type: ignore[arg-type]
