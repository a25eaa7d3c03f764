"""Seed inputs: the first inputs of a campaign, taken from real Unicode data available offline.

Generators find faults by chance; seeds make sure the well-known hard cases are tried
first, every run. They come from three standards, all read from data already installed:

- UTS #51 (Unicode Emoji, https://www.unicode.org/reports/tr51/): every fully-qualified
  RGI emoji sequence in ``emoji.EMOJI_DATA`` (the emoji-test.txt data the ``emoji``
  package bundles): ZWJ sequences, flags, subdivision flags, keycaps, modifier sequences.
- UAX #15 (Unicode Normalization Forms, https://www.unicode.org/reports/tr15/): characters
  whose NFD, NFKD forms differ from themselves, from Python's ``unicodedata`` (Unicode
  ``unicodedata.unidata_version``), each next to its decomposition; Hangul syllables next
  to their conjoining jamo (The Unicode Standard §3.12, Conjoining Jamo Behavior).
- UAX #29 (Unicode Text Segmentation, https://www.unicode.org/reports/tr29/): strings
  built to exercise the grapheme cluster boundary rules GB3-GB13 (CR LF, controls,
  Hangul L/V/T/LV/LVT sequences, Extend and SpacingMark, Prepend, ZWJ after
  Extended_Pictographic, regional indicator pairs), with marks taken from ``unicodedata``.
  The UCD's GraphemeBreakTest.txt is not shipped by any installed package, so the cases
  are derived from the rules, not copied.

And, early, runs of one character (``RUN_LENGTH`` code points): a pre-token that never
splits is where BPE merging and regex backtracking go superlinear (the slow_input
property: one letter or one space repeated is quadratic in tokie's encode; tiktoken's
o200k pattern backtracks on a long run of spaces), and where chunking Rust encoders cut.
A campaign checks these long seeds within the long inputs' share of its time
(tokfuzz.engines.generate): on cl100k_base, js-tiktoken takes ~3 s per encode of one
(quadratic), and checked in line the nine held a 20 s job for 40-55 s.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator, Sequence

import emoji

__all__ = ["MAX_SEEDS", "seed_inputs"]

MAX_SEEDS = 3000
"""Most seed inputs returned."""

_EMOJI_PER_LINE = 5
"""RGI emoji per seed string, separated by one space."""
_NORMALIZATION_SEEDS = 700
_HANGUL_SEEDS = 150
_LAST_CODE_POINT = 0x1FFFF
"""Planes 0 and 1 are scanned (planes 2-3 hold CJK compatibility ideographs, which are
covered by the ones in the BMP)."""

ZWJ = "\u200d"

RUN_LENGTH = 4096
"""Code points per one-character run seed: ~40 ms in a quadratic encoder (tokie's on
cl100k_base), well under a millisecond in a linear one, so the slow_input screen sees it."""

_RUN_CHARS = ("a", " ", "\n", "\t", "1", ".", "\u4e2d", "\u0301", "\U0001f642")
"""Letter, space, newline, tab, digit, punctuation, CJK ideograph, a combining mark
(one grapheme cluster of 4097 code points after a letter, UAX #29 GB9), an emoji."""


_RUNS_AFTER = 100
"""The runs come after this many emoji seeds: the slow_input screen compares an input's
time per byte with the backend's running median, which needs inputs before it."""


def _run_seeds() -> list[str]:
    """One character repeated ``RUN_LENGTH`` times, per ``_RUN_CHARS`` (the mark after an ``a``)."""
    return [("a" if unicodedata.category(c) == "Mn" else "") + c * RUN_LENGTH for c in _RUN_CHARS]


def _every(items: Sequence[str], count: int) -> list[str]:
    """``count`` items spread evenly over ``items`` (all of them if there are fewer)."""
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def _emoji_seeds() -> list[str]:
    """Fully-qualified RGI emoji (UTS #51), shortest first, ``_EMOJI_PER_LINE`` per string."""
    fully_qualified = emoji.STATUS["fully_qualified"]
    rgi = sorted(
        (seq for seq, data in emoji.EMOJI_DATA.items() if data.get("status", fully_qualified) == fully_qualified),
        key=lambda s: (len(s), s),
    )
    return [" ".join(rgi[i : i + _EMOJI_PER_LINE]) for i in range(0, len(rgi), _EMOJI_PER_LINE)]


def _scalar_values() -> Iterator[str]:
    return (chr(cp) for cp in range(_LAST_CODE_POINT + 1) if not 0xD800 <= cp <= 0xDFFF)


def _is_hangul_syllable(char: str) -> bool:
    return 0xAC00 <= ord(char) <= 0xD7A3


def _normalization_seeds() -> list[str]:
    """Characters whose canonical (NFD) or compatibility (NFKD) decomposition differs
    (UAX #15), each as ``"<char> <NFD> <NFKC>"`` so composed, decomposed and folded
    spellings sit in one string; Hangul syllables are left to ``_hangul_seeds``."""
    changed = [
        c for c in _scalar_values()
        if not _is_hangul_syllable(c) and unicodedata.normalize("NFKD", c) != c
    ]
    return [
        " ".join((c, unicodedata.normalize("NFD", c), unicodedata.normalize("NFKC", c)))
        for c in _every(changed, _NORMALIZATION_SEEDS)
    ]


def _hangul_seeds() -> list[str]:
    """Hangul syllables U+AC00..U+D7A3 as precomposed and as conjoining jamo (§3.12): the
    same text in NFC and NFD, which decode-then-compare checks must not confuse."""
    syllables = [chr(cp) for cp in range(0xAC00, 0xD7A4)]
    return [s + " " + unicodedata.normalize("NFD", s) for s in _every(syllables, _HANGUL_SEEDS)]


def _marks(categories: tuple[str, ...], count: int) -> list[str]:
    return _every([c for c in _scalar_values() if unicodedata.category(c) in categories], count)


def _grapheme_seeds() -> list[str]:
    """Strings at the grapheme cluster boundary rules of UAX #29 (rule numbers in comments)."""
    seeds = [
        "a\r\nb", "\r\n\r\n", "\n\r", "\r\u0301", "a\x00\u0301",  # GB3-GB5: CR LF, controls
        "\u1100\u1161\u11a8", "\u1100\u1100\u1161", "\uac00\u11a8", "\uac01\u1161", "\u1161\u11a8\u11a8",  # GB6-GB8
        "\u0915\u094d\u0937", "\u0915\u094d\u200d\u0937", "\u0e01\u0e33", "\u0d4e\u0d15",  # GB9-GB9b
        "\U0001f469\u200d\U0001f469\u200d\U0001f467", "a\u200d\U0001f600", "\U0001f600\u0301\u200d\U0001f600",  # GB11
        "\U0001f1fa\U0001f1f8\U0001f1eb", "\U0001f1fa\U0001f1f8\U0001f1eb\U0001f1f7", "a\U0001f1fa\U0001f1f8",  # GB12-13
    ]
    for mark in _marks(("Mn", "Me"), 200):  # GB9: Extend, after a letter, a digit and a space
        seeds += ["a" + mark, "1" + mark + mark, " " + mark]
    for mark in _marks(("Mc",), 60):  # GB9a: SpacingMark
        seeds.append("\u0915" + mark)
    for tone in map(chr, range(0x1F3FB, 0x1F400)):  # GB9 + GB11: modifiers inside ZWJ sequences
        seeds.append("\U0001f44d" + tone + ZWJ + "\U0001f44d" + tone)
    return seeds


@functools.cache
def _seeds() -> tuple[str, ...]:
    ordered: dict[str, None] = {}
    emoji = _emoji_seeds()
    for part in (emoji[:_RUNS_AFTER], _run_seeds(), emoji[_RUNS_AFTER:], _normalization_seeds(), _hangul_seeds(),
                 _grapheme_seeds()):
        ordered.update(dict.fromkeys(part))
    return tuple(ordered)[:MAX_SEEDS]


def seed_inputs() -> list[str]:
    """The campaign's first inputs: at most ``MAX_SEEDS`` distinct strings, deterministic.

    In order: RGI emoji (UTS #51, one-character runs of ``RUN_LENGTH`` after the
    first ``_RUNS_AFTER``), five per string separated by spaces (~800 strings);
    characters whose NFD/NFKD differ, next to their NFD and NFKC forms (UAX #15, 700
    sampled evenly over planes 0-1); Hangul syllables next to their jamo (150); grapheme
    cluster boundary cases (UAX #29, ~700). Every string is a sequence of Unicode
    scalar values (no lone surrogates), so it encodes to UTF-8. The list depends only on
    the installed ``emoji`` data and Python's Unicode version; it is computed once per
    process (~0.2 s) and a fresh copy is returned each call.
    """
    return list(_seeds())
