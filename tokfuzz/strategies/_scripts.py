"""Identifier-shaped strings that mix scripts, look-alikes, invisibles and odd letters.

Identifiers follow the shape of UAX #31 default identifiers (letters, marks, digits,
joined by ``_``) but are deliberately not always valid ones: UAX #31 §2.3 allows
U+200C/U+200D only in narrow contexts, and the other invisible characters used here
(U+200B, U+2060, U+00AD, U+FEFF) or bidi controls (LRM..RLO, LRI..PDI: UAX #9) are Default_Ignorable_Code_Point, not XID_Continue.
Tokenizers meet all of them in pasted source code, so all of them are generated.
"""

from __future__ import annotations

import string
import unicodedata
from typing import Any, Literal, cast


from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

__all__ = ["BIDI_CONTROLS", "CONFUSABLES", "DIGIT_SETS", "INVISIBLES", "mixed_script_identifiers"]

_LETTERS_AND_MARKS = ("Lu", "Ll", "Lt", "Lo", "Mn", "Mc")

_SCRIPT_BLOCKS: tuple[tuple[int, int, tuple[str, ...]], ...] = (
    (0x0041, 0x024F, ("Lu", "Ll", "Lt")),  # Latin: Basic Latin .. Latin Extended-B
    (0x0400, 0x04FF, ("Lu", "Ll")),  # Cyrillic
    (0x0370, 0x03FF, ("Lu", "Ll")),  # Greek and Coptic
    (0x0620, 0x065F, ("Lo", "Mn")),  # Arabic letters and harakat
    (0x05B0, 0x05EA, ("Lo", "Mn")),  # Hebrew points and letters
    (0x0900, 0x097F, _LETTERS_AND_MARKS),  # Devanagari
    (0x0E01, 0x0E4E, ("Lo", "Mn")),  # Thai
    (0xAC00, 0xD7A3, ("Lo",)),  # Hangul precomposed syllables
    (0x4E00, 0x9FFF, ("Lo",)),  # CJK Unified Ideographs
    (0x3041, 0x30FF, ("Lo", "Lm")),  # Hiragana and Katakana
)
"""One block per script: (first, last, general categories kept)."""

INVISIBLES: tuple[str, ...] = ("\u200d", "\u200c", "\u200b", "\u2060", "\u00ad", "\ufeff")
"""ZWJ, ZWNJ, ZERO WIDTH SPACE, WORD JOINER, SOFT HYPHEN, BOM (ZERO WIDTH NO-BREAK SPACE)."""

DIGIT_SETS: tuple[str, ...] = tuple(
    "".join(chr(zero + i) for i in range(10))
    for zero in range(0x80, 0x20000)
    if unicodedata.category(chr(zero)) == "Nd" and unicodedata.decimal(chr(zero)) == 0
)
"""Every non-ASCII set of decimal digits 0..9 in Python's Unicode database (Arabic-Indic,
Devanagari, Thai, fullwidth, mathematical, ...). Characters with Numeric_Type=Decimal are
encoded in contiguous runs of ten, in order (The Unicode Standard, §4.6 Numeric Value)."""

_WORDS: tuple[str, ...] = (
    "id", "key", "user", "name", "value", "count", "admin", "paypal", "access", "scope", "config", "Process", "TOKEN",
)

_NOT_OTHER_SCRIPTS = frozenset({"LATIN", "COMMON", "INHERITED", "Unknown"})
_SCRIPT_ORDER = {"CYRILLIC": 0, "GREEK": 1}
"""Cyrillic and Greek look-alikes first: the ones seen in real homograph attacks."""


def _load_confusables() -> tuple[tuple[str, str], ...]:
    """(ASCII letter, its look-alikes in other scripts) for each letter that has some.

    Read from UTS #39 confusables.txt (https://www.unicode.org/reports/tr39/, §4
    Confusable Detection) as shipped, converted to JSON, by the ``confusable-homoglyphs``
    package: ``confusables_data`` maps a character to the characters confusable with it,
    and its ``categories.alias`` gives a character's script (Scripts.txt of the same
    vintage). Kept: single code points whose script is not Latin, Common or Inherited
    (fullwidth and mathematical letters are generated on their own below) and that are a
    letter or a decimal digit in Python's ``unicodedata`` (so characters newer than
    Python's Unicode version are left out). Look-alikes are ordered Cyrillic, Greek, then
    other scripts by code point. The package honours ``$CONFUSABLE_DATA`` as its data
    directory.
    """
    from confusable_homoglyphs.categories import alias
    from confusable_homoglyphs.confusables import confusables_data

    table = []
    for letter in string.ascii_letters:
        alikes = {
            entry["c"]
            for entry in confusables_data.get(letter, ())
            if len(entry["c"]) == 1
            and alias(entry["c"]) not in _NOT_OTHER_SCRIPTS
            and unicodedata.category(entry["c"]) in ("Lu", "Ll", "Lt", "Lm", "Lo", "Nd")
        }
        if alikes:
            ordered = sorted(alikes, key=lambda c: (_SCRIPT_ORDER.get(alias(c), 2), ord(c)))
            table.append((letter, "".join(ordered)))
    return tuple(table)


CONFUSABLES: tuple[tuple[str, str], ...] = _load_confusables()
"""(ASCII letter, look-alikes from other scripts), from UTS #39 confusables.txt; e.g.
``("a", "\u0430\u03b1")``: CYRILLIC SMALL LETTER A, GREEK SMALL LETTER ALPHA."""
_CONFUSABLE = dict(CONFUSABLES)


def _confusable_variants() -> tuple[str, ...]:
    """Each word with one letter swapped for each of its look-alikes, and with every
    swappable letter swapped for its first (Cyrillic where there is one) look-alike."""
    variants: set[str] = set()
    for word in _WORDS:
        for i, letter in enumerate(word):
            variants.update(word[:i] + alike + word[i + 1 :] for alike in _CONFUSABLE.get(letter, ""))
        variants.add("".join(_CONFUSABLE.get(letter, letter)[0] for letter in word))
    return tuple(sorted(variants - set(_WORDS), key=lambda s: (len(s), s)))


_MATH_ALPHABETS: tuple[int, ...] = (0x1D400, 0x1D434, 0x1D468, 0x1D49C, 0x1D504, 0x1D538, 0x1D5A0, 0x1D5D4, 0x1D670)
"""First code point (CAPITAL A) of mathematical bold, italic, bold italic, script, fraktur,
double-struck, sans-serif, sans-serif bold and monospace (Mathematical Alphanumeric Symbols,
U+1D400..U+1D7FF; their unassigned holes are letters encoded earlier in Letterlike Symbols)."""


def _mathematical(word: str, first: int) -> str:
    """``word`` in the mathematical alphabet starting at ``first``; a letter whose slot is
    a hole in that alphabet stays ASCII."""
    out = []
    for letter in word:
        index = ord(letter) - (0x41 if letter.isupper() else 0x61 - 26)
        styled = chr(first + index)
        out.append(styled if unicodedata.category(styled) != "Cn" else letter)
    return "".join(out)


_MATH_WORDS = tuple(_mathematical(w, first) for first in _MATH_ALPHABETS for w in _WORDS)
_FULLWIDTH_WORDS = tuple("".join(chr(ord(c) + 0xFEE0) for c in w) for w in _WORDS)
"""Halfwidth and Fullwidth Forms: U+FF01..U+FF5E is ASCII U+0021..U+007E plus 0xFEE0."""

_SPECIAL_CASING_WORDS = tuple(sorted({
    variant
    for word in ("straße", "ıd", "İd", "σοφός", "ǅemal", "ﬁle", "\u212aelvin", "ſum")
    for variant in (word, word.upper(), word.casefold(), word.title())
    if not variant.isascii()
}, key=lambda s: (len(s), s)))
"""Words with characters whose case mappings change length or letters (SpecialCasing.txt,
CaseFolding.txt): ß→SS, dotless ı / dotted İ (İ lowercases to i + U+0307), final sigma ς,
titlecase digraph ǅ, ligature ﬁ→FI, KELVIN SIGN→k, long s ſ→S; each as is, upper-cased,
case-folded and title-cased, where the result is still not ASCII."""


@st.composite
def _invisible_inside(draw: st.DrawFn) -> str:
    """A word with one invisible character inserted strictly inside it."""
    word = draw(st.sampled_from(_WORDS))
    cut = draw(st.integers(1, len(word) - 1))
    return word[:cut] + draw(st.sampled_from((*INVISIBLES, *BIDI_CONTROLS))) + word[cut:]


def _number_in(args: tuple[str, int]) -> str:
    digits, value = args
    return "".join(digits[int(d)] for d in str(value))


_SEGMENTS: tuple[SearchStrategy[str], ...] = (
    st.sampled_from(_WORDS),
    *(
        st.text(st.characters(min_codepoint=lo, max_codepoint=hi, categories=cast(Any, cats)), min_size=1, max_size=5)
        for lo, hi, cats in _SCRIPT_BLOCKS
    ),
    st.tuples(  # Hangul conjoining jamo: choseong, jungseong, optional jongseong (NFC composes them)
        st.characters(min_codepoint=0x1100, max_codepoint=0x1112),
        st.characters(min_codepoint=0x1161, max_codepoint=0x1175),
        st.text(st.characters(min_codepoint=0x11A8, max_codepoint=0x11C2), max_size=1),
    ).map("".join),
    st.sampled_from(_confusable_variants()),
    st.sampled_from(_FULLWIDTH_WORDS),
    st.sampled_from(_MATH_WORDS),
    st.tuples(st.sampled_from(DIGIT_SETS), st.integers(0, 99_999)).map(_number_in),
    st.sampled_from(_SPECIAL_CASING_WORDS),
    st.tuples(  # a base letter under a stack of Combining Diacritical Marks U+0300..U+036F
        st.characters(min_codepoint=0x61, max_codepoint=0x7A),
        st.text(st.characters(min_codepoint=0x300, max_codepoint=0x36F), min_size=2, max_size=8),
    ).map("".join),
    _invisible_inside(),
)
"""Segment kinds, simplest first: ``one_of`` shrinks toward an ASCII word."""

BIDI_CONTROLS: tuple[str, ...] = (
    "\u200e", "\u200f", "\u061c",  # LRM, RLM, ALM
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",  # LRE, RLE, PDF, LRO, RLO
    "\u2066", "\u2067", "\u2068", "\u2069",  # LRI, RLI, FSI, PDI
)
"""Bidirectional formatting characters (UAX #9 §2): the 'Trojan Source' controls that
reorder how an identifier displays without changing what it is."""

_GLUES: tuple[str, ...] = ("", "_", "", "_", *INVISIBLES, *BIDI_CONTROLS[:6])
_NORMAL_FORMS: tuple[Literal["", "NFC", "NFD", "NFKC"], ...] = ("", "", "NFC", "NFD", "NFKC")


def _assemble(args: tuple[list[str], str, Literal["", "NFC", "NFD", "NFKC"]]) -> str:
    segments, glue, form = args
    joined = glue.join(segments)
    return unicodedata.normalize(form, joined) if form else joined


def mixed_script_identifiers() -> SearchStrategy[str]:
    """Identifier-shaped strings of 2-4 segments that mostly come from different scripts.

    A segment is one of: an ASCII word; 1-5 letters (and marks where the script has them)
    of Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai, Hangul syllables, CJK
    ideographs or kana; a Hangul syllable spelled in conjoining jamo (UAX #15 composes it
    under NFC); an ASCII word with one letter swapped for a look-alike from another
    script (Cyrillic, Greek, Cherokee, Lisu, Coptic, ...: UTS #39 confusables.txt, see
    ``CONFUSABLES``), or with every letter that has one swapped for its Cyrillic or Greek
    look-alike; fullwidth letters; mathematical
    alphanumerics; a number written in another script's digits; a word with a special
    case mapping (ß, ı/İ, ς, ǅ, ﬁ, K, ſ, each as is, upper-, case-folded and titled);
    a letter under 2-8 stacked combining marks; a word with an invisible character or a
    bidi control (LRM, RLM, ALM, LRE..RLO, LRI..PDI: UAX #9 §2) inside.

    Segments are joined with nothing, ``_``, one invisible character (ZWJ, ZWNJ,
    U+200B, U+2060, U+00AD, U+FEFF) or an embedding/override bidi control, and the
    whole is left as is or normalized to NFC, NFD or NFKC with ``unicodedata.normalize`` (UAX #15), so composed and decomposed
    spellings of the same identifier both occur. Results are not always valid UAX #31
    identifiers: see the module docstring.

    Shrinking: toward two segments, each toward an ASCII word, glued with nothing and
    not normalized.
    """
    return st.tuples(
        st.lists(st.one_of(_SEGMENTS), min_size=2, max_size=4),
        st.sampled_from(_GLUES),
        st.sampled_from(_NORMAL_FORMS),
    ).map(_assemble)
