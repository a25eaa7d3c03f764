"""Categories of a text, computed from the text alone: the columns that let an evaluation
team slice the exported dataset (tokfuzz.report.export) by what makes an input hard.

* ``scripts``: the scripts of its letters and non-ASCII decimal digits, as ISO 15924
  codes (``"Cyrl"``, ``"Latn"``), sorted. The Script property is UAX #24's, read
  through ``tokfuzz.findings.triage.codepoint_class`` (fontTools' copy of Scripts.txt),
  so a dataset row and a corpus signature name a script alike. The values Common
  (``Zyyy``), Inherited (``Zinh``) and Unknown (``Zzzz``) are left out: UAX #24 gives
  them to characters shared by many scripts, they say nothing about which script a
  text is in. Marks, symbols, punctuation and spaces do not count (a combining accent
  on a Latin letter is ``Latn`` through its letter).
* ``emoji_kinds``: which emoji sequences of UTS #51 (§1.4 Definitions) occur, as a
  sorted subset of ``EMOJI_KINDS`` (see ``emoji_kinds``).
* ``code_language``: the language a stress input was generated in (its category
  ``code:<lang>``, one of ``tokfuzz.strategies.CODE_LANGUAGES``), else None. It is not
  guessed from the text: a corpus witness is 1-minimal (a few code points), which no
  heuristic can tell the language of, and a wrong guess is worse than none.
* ``length_bucket``: the length in code points (a lone surrogate counts one) as one of
  ``LENGTH_BUCKETS`` (powers of 8: ``"0"``, ``"1-8"``, ``"9-64"``, ``"65-512"``,
  ``"513-4096"``, ``"4097+"``).
* ``n_codepoints`` and ``n_graphemes``: the length in code points and in extended
  grapheme clusters (UAX #29, the ``regex`` package's ``\\X``), what a user sees as
  characters.

Everything here is a pure function of the text (and, for ``code_language``, the stress
category): the same text gets the same categories on every machine with the same
``emoji``, ``regex`` and ``fontTools`` versions.
"""

from __future__ import annotations

from dataclasses import dataclass

import emoji
import regex

from tokfuzz.findings.triage import codepoint_class
from tokfuzz.strategies import CODE_LANGUAGES
from tokfuzz.strategies._emoji import (
    CANCEL_TAG, KEYCAP, KEYCAP_BASES, REGIONAL_INDICATORS, SKIN_TONES, VS15, VS16, ZWJ,
)

__all__ = [
    "EMOJI_KINDS", "LENGTH_BUCKETS", "TextCategories", "categorize", "code_language", "emoji_kinds",
    "length_bucket", "n_graphemes", "scripts",
]

EMOJI_KINDS: tuple[str, ...] = (
    "single", "presentation_selector", "modifier_sequence", "flag_sequence", "keycap_sequence", "tag_sequence",
    "zwj_sequence", "not_rgi",
)
"""The values of ``emoji_kinds``, in the order the dataset card lists them."""

LENGTH_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0), ("1-8", 1, 8), ("9-64", 9, 64), ("65-512", 65, 512), ("513-4096", 513, 4096), ("4097+", 4097, None),
)
"""(name, fewest, most code points; None: no bound) of each length bucket, shortest first."""

_NOT_A_SCRIPT = frozenset({"Zyyy", "Zinh", "Zzzz"})
_FULLY_QUALIFIED = emoji.STATUS["fully_qualified"]
_COMPONENT = emoji.STATUS["component"]
_KEYCAP_BASES = frozenset(KEYCAP_BASES)
_REGIONAL = frozenset(REGIONAL_INDICATORS)
_MODIFIERS = frozenset(SKIN_TONES)
_SELECTORS = frozenset((VS15, VS16))
_TAG_SPECS = frozenset(map(chr, range(0xE0020, 0xE007F)))
"""TAG SPACE..TAG TILDE, the tag_spec characters of an emoji tag sequence (UTS #51 ED-14a)."""
_EMOJI_CHARS = frozenset(
    {seq for seq in emoji.EMOJI_DATA if len(seq) == 1}
    | {seq[0] for seq in emoji.EMOJI_DATA if len(seq) == 2 and seq[1] == VS16}
) - _KEYCAP_BASES - _REGIONAL
"""Code points with the Emoji property (UTS #51 ED-3) as the ``emoji`` package's copy of
emoji-test.txt lists them (alone, or with VS16), less the keycap bases ``[0-9#*]`` and the
regional indicators, which count only inside their own sequences."""
_PRESENTATION = frozenset(
    seq for seq, data in emoji.EMOJI_DATA.items()
    if len(seq) == 1 and data.get("status") in (_FULLY_QUALIFIED, _COMPONENT)
)
"""Emoji characters with the default emoji presentation (UTS #51 ED-6): those that are
fully qualified (or a component) on their own in emoji-test.txt, so need no VS16."""
_GRAPHEME = regex.compile(r"\X")


@dataclass(frozen=True)
class TextCategories:
    """The categories of one text (see the module docstring); tuples are sorted, lengths
    are counts of code points and of extended grapheme clusters."""

    scripts: tuple[str, ...]
    emoji_kinds: tuple[str, ...]
    code_language: str | None
    length_bucket: str
    n_codepoints: int
    n_graphemes: int


def scripts(text: str) -> tuple[str, ...]:
    """ISO 15924 codes of the scripts (UAX #24 Script property) of ``text``'s letters and
    non-ASCII decimal digits, sorted, without Common, Inherited and Unknown.

    ``scripts("pаypal")`` (a Cyrillic ``а``) is ``("Cyrl", "Latn")``; ``scripts("12 ✓")``
    is ``()``.
    """
    found: set[str] = set()
    for c in set(text):
        cls = codepoint_class(c)
        if cls.startswith(("L:", "N:")) and cls != "N:ascii":
            found.add(cls[2:])
    return tuple(sorted(found - _NOT_A_SCRIPT))


def _element(text: str, i: int) -> tuple[int, str | None] | None:
    """The emoji zwj_element (UTS #51 §1.4.9, EBNF) starting at ``i``: (its end, the kind
    of sequence it is, None for a lone emoji character), or None when none starts there.

    An element is a flag (two regional indicators, ED-14), a keycap (``[0-9#*]``, an
    optional VS16, U+20E3: ED-14c; the unqualified form without VS16 included), or an
    emoji character optionally followed by a modifier (ED-13), a presentation selector
    (VS16 / VS15: ED-9a, ED-8a) or a tag_spec ended by CANCEL TAG (ED-14a).
    """
    c = text[i]
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if c in _REGIONAL:
        return (i + 2, "flag_sequence") if nxt in _REGIONAL else None
    if c in _KEYCAP_BASES:
        end = i + 2 if nxt == VS16 else i + 1
        return (end + 1, "keycap_sequence") if text[end:end + 1] == KEYCAP else None
    if c not in _EMOJI_CHARS:
        return None
    if nxt in _MODIFIERS:
        return i + 2, "modifier_sequence"
    if nxt in _SELECTORS:
        return i + 2, "presentation_selector"
    j = i + 1
    while j < len(text) and text[j] in _TAG_SPECS:
        j += 1
    if j > i + 1 and text[j:j + 1] == CANCEL_TAG:
        return j + 1, "tag_sequence"
    return i + 1, None


def emoji_kinds(text: str) -> tuple[str, ...]:
    """The kinds of UTS #51 emoji sequence found in ``text``, sorted, each at most once:

    * ``single``: an emoji character with the default emoji presentation (ED-6: it needs
      no VS16) standing alone, in no sequence;
    * ``presentation_selector``: an emoji character followed by VS16 (emoji presentation
      sequence, ED-9a) or VS15 (text presentation sequence, ED-8a);
    * ``modifier_sequence``: an emoji character followed by a skin tone U+1F3FB..U+1F3FF
      (ED-13; the base need not be an Emoji_Modifier_Base, as broken text has it);
    * ``flag_sequence``: two regional indicators (ED-14, RGI region or not);
    * ``keycap_sequence``: ``[0-9#*]`` (VS16) U+20E3 (ED-14c);
    * ``tag_sequence``: an emoji character, tag characters, CANCEL TAG (ED-14a);
    * ``zwj_sequence``: two or more of these elements joined by U+200D ZWJ (ED-16);
    * ``not_rgi``: one of these sequences (a ZWJ sequence as a whole) that the ``emoji``
      package's emoji-test.txt data does not list, in any qualification: an invalid flag,
      a skin tone on a base that takes none, a text presentation sequence, a made-up
      ZWJ sequence.

    Sequences are read left to right, longest element first, as UTS #51's "possible
    emoji" EBNF reads them; a sequence cut short (a ZWJ with nothing after it, a lone
    regional indicator) counts only as the whole elements it still holds. Inside a ZWJ
    sequence, each element's own kind (a modifier, VS16) is listed too.
    Emoji properties come from the ``emoji`` package's data, as the generators'
    (tokfuzz.strategies._emoji), so a stress input drawn as a flag is a ``flag_sequence``.
    """
    found: set[str] = set()
    i = 0
    while i < len(text):
        first = _element(text, i)
        if first is None:
            i += 1
            continue
        end, kind = first
        kinds = [kind]
        while end + 1 < len(text) and text[end] == ZWJ and (more := _element(text, end + 1)) is not None:
            end, kind = more
            kinds.append(kind)
        found.update(k for k in kinds if k is not None)
        if len(kinds) > 1:
            found.add("zwj_sequence")
        elif kinds[0] is None and text[i] in _PRESENTATION:
            found.add("single")
        if end - i > 1 and text[i:end] not in emoji.EMOJI_DATA:
            found.add("not_rgi")
        i = end
    return tuple(k for k in EMOJI_KINDS if k in found)


def code_language(category: str | None) -> str | None:
    """The code language a stress input was drawn in: ``"python"`` for category
    ``"code:python"``; None for any other category, for an unknown language and for
    corpus cases (``category`` None; see the module docstring)."""
    if category is None or not category.startswith("code:"):
        return None
    language = category.partition(":")[2]
    return language if language in CODE_LANGUAGES else None


def length_bucket(n_codepoints: int) -> str:
    """The name of the ``LENGTH_BUCKETS`` entry holding a length of ``n_codepoints``.

    Raises:
        ValueError: ``n_codepoints`` is negative.
    """
    for name, low, high in LENGTH_BUCKETS:
        if n_codepoints >= low and (high is None or n_codepoints <= high):
            return name
    raise ValueError(f"a length is >= 0, got {n_codepoints}")


def n_graphemes(text: str) -> int:
    """The number of extended grapheme clusters of ``text`` (UAX #29, through the
    ``regex`` package's ``\\X``); a lone surrogate is a cluster of its own."""
    return sum(1 for _ in _GRAPHEME.finditer(text))


def categorize(text: str, category: str | None = None) -> TextCategories:
    """Every category of ``text``; ``category`` is the stress category it was drawn for
    (``"emoji"``, ``"code:rust"``…), None for a corpus case."""
    return TextCategories(scripts(text), emoji_kinds(text), code_language(category), length_bucket(len(text)),
                          len(text), n_graphemes(text))
