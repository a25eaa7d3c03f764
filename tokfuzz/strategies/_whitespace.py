"""Runs of odd whitespace between words and digit runs, for pre-tokenizer regexes.

BPE pre-tokenizers split on patterns like ``\\s+(?!\\S)``, `` ?\\p{L}+`` and
``\\p{N}{1,3}`` (cl100k_base, o200k_base). Which characters ``\\s`` and ``\\p{N}`` match
differs between regex engines and Unicode versions, so this module generates exactly
the characters where they disagree, next to the tokens they attach to.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from tokfuzz.strategies._scripts import DIGIT_SETS

__all__ = ["NUMBER", "WHITESPACE_RUN", "whitespace_runs"]

UNICODE_SPACES: tuple[str, ...] = (
    "\u00a0", *map(chr, range(0x2000, 0x200B)), "\u202f", "\u205f", "\u3000", "\u1680",
    "\u0085", "\u2028", "\u2029",
)
"""White_Space characters beyond ASCII (PropList.txt): NO-BREAK SPACE, EN QUAD..HAIR SPACE
U+2000..U+200A, NARROW NO-BREAK SPACE, MEDIUM MATHEMATICAL SPACE, IDEOGRAPHIC SPACE,
OGHAM SPACE MARK, NEXT LINE (U+0085), LINE SEPARATOR, PARAGRAPH SEPARATOR."""

NEAR_SPACES: tuple[str, ...] = ("\u180e", "\u200b", "\x1c", "\x1d", "\x1e", "\x1f", "\x0b", "\x0c")
"""Characters some engines treat as whitespace and others do not: MONGOLIAN VOWEL
SEPARATOR (White_Space until Unicode 6.3, now Cf), ZERO WIDTH SPACE (never White_Space),
the information separators U+001C..U+001F (``str.isspace`` and ``re`` say space, Unicode
White_Space says no), and VT/FF."""

OTHER_NUMERIC: tuple[str, ...] = (
    "\u00b2", "\u00b3", "\u00b9", "\u00bd", "\u2160", "\u216b", "\u2460", "\u3007", "\u2082", "\U0001d7d9",
)
"""\\p{N} beyond Nd: superscripts ²³¹, fraction ½, Roman numerals Ⅰ Ⅻ (Nl), circled ①,
ideographic zero 〇 (Nl), subscript ₂ (No); and MATHEMATICAL DOUBLE-STRUCK DIGIT ONE (Nd)."""

_WORDS: tuple[str, ...] = ("a", "x", "is", "the", "Hello", "world", "don't", "end.", "café", "東京")

_GROUP_SEPARATORS: tuple[str, ...] = (",", ".", " ", "\u00a0", "\u202f", "\u2009", "'", "_")
"""Thousands separators in use: comma, point, space, NBSP, NARROW NBSP (French), THIN SPACE,
apostrophe (Swiss), underscore (source code)."""

_TAB_AND_LINE_RUNS: tuple[str, ...] = tuple(
    unit * count
    for count in range(1, 9)
    for unit in ("\t", "\n", "\r\n", "\r", " \t", "\t ", "\n\n", "\r\r\n", " \n")
)
"""1-8 repeats of a tab, a line break (LF, CRLF, CR, blank line, CR CR LF) or a space
before a tab or LF, shortest first."""


def _grouped(args: tuple[int, str]) -> str:
    number, separator = args
    return f"{number:,}".replace(",", separator)


def _transliterated(args: tuple[str, str]) -> str:
    digits, ascii_digits = args
    return "".join(digits[int(d)] for d in ascii_digits)


WHITESPACE_RUN: SearchStrategy[str] = st.one_of(
    st.integers(1, 40).map(" ".__mul__),
    st.sampled_from(_TAB_AND_LINE_RUNS),
    st.text(UNICODE_SPACES, min_size=1, max_size=4),
    st.text(NEAR_SPACES, min_size=1, max_size=3),
    st.text(" \t\n\r\u00a0\u3000\u2028" + "".join(NEAR_SPACES[:2]), min_size=2, max_size=10),
)
"""One whitespace run, simplest kind first: spaces, tabs and line breaks, Unicode spaces,
near spaces, and a mixed run."""

NUMBER: SearchStrategy[str] = st.one_of(
    st.text("0123456789", min_size=1, max_size=40),
    st.tuples(st.integers(1_000, 10**12), st.sampled_from(_GROUP_SEPARATORS)).map(_grouped),
    st.text("0123456789" + "".join(OTHER_NUMERIC) + DIGIT_SETS[0], min_size=2, max_size=8),
    st.tuples(st.sampled_from(DIGIT_SETS), st.text("0123456789", min_size=1, max_size=12)).map(_transliterated),
)
"""One digit run, simplest kind first: 1-40 ASCII digits (crossing the 1..3 digit groups
of ``\\p{N}{1,3}``), a grouped number (1,234,567 / 1 234 567), a mix of ASCII digits,
other \\p{N} characters and Arabic-Indic digits, or 1-12 digits of one other script
(``DIGIT_SETS``)."""

_TOKEN = st.one_of(st.sampled_from(_WORDS), NUMBER, st.just(""))
"""A token between runs: a word, a digit run, or nothing (so two runs meet)."""


def _assemble(pairs: list[tuple[str, str]]) -> str:
    return "".join(token + space for token, space in pairs)


def whitespace_runs() -> SearchStrategy[str]:
    """Strings of 1-4 (token, whitespace run) pairs: ``tok ws tok ws ...``.

    Whitespace runs are: 1-40 spaces; 1-8 repeats of a tab, a line break (``\\n``,
    ``\\r\\n``, ``\\r``, a blank line, ``\\r\\r\\n``) or a space before a tab or
    ``\\n``; 1-4 Unicode White_Space characters (U+00A0, U+2000..U+200A, U+202F,
    U+205F, U+3000, U+1680, U+0085, U+2028, U+2029); 1-3 near-spaces that engines
    disagree on (U+180E, U+200B, U+001C..U+001F, VT, FF); or a mixed run of both.

    Tokens are short words, ASCII digit runs of 1-40 digits, grouped numbers with
    comma/point/space/NBSP/NNBSP/thin-space/apostrophe/underscore separators, runs
    mixing ASCII digits with other \\p{N} characters (², ½, Ⅻ, ①, 〇), 1-12 digits of
    another script (Arabic-Indic, Devanagari, Thai, fullwidth, ...), or nothing.
    Every string ends in whitespace (trailing whitespace is where ``\\s+(?!\\S)`` acts);
    an empty token lets a string start with whitespace and lets two runs meet.

    Shrinking: toward one pair, an empty token (the kind with fewest choices) followed by
    one space, i.e. ``" "``.
    """
    return st.lists(st.tuples(_TOKEN, WHITESPACE_RUN), min_size=1, max_size=4).map(_assemble)
