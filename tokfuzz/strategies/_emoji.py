"""Emoji sequences: the RGI ones of UTS #51 and the broken ones real text carries.

Every table is built once at import from ``emoji.EMOJI_DATA`` (the RGI emoji of the
UTS #51 data files bundled with the ``emoji`` package), keeping the fully-qualified
entries and splitting them into the sequence classes of UTS #51 §1.4 Definitions. Sequence
syntax follows UTS #51 (https://www.unicode.org/reports/tr51/): emoji presentation
sequence (ED-9a), emoji modifier sequence, emoji flag sequence, emoji tag sequence,
emoji keycap sequence (ED-14c) and emoji ZWJ sequence. Tables are ordered simplest
first (RGI tables by length, then code points), so examples shrink toward short
sequences of low code points.
"""

from __future__ import annotations

import emoji
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

__all__ = ["EMOJI_ITEM", "check_sizes", "emoji_sequences"]

ZWJ = "\u200d"
"""ZERO WIDTH JOINER, the glue of emoji ZWJ sequences (UTS #51)."""
VS15 = "\ufe0e"
"""VARIATION SELECTOR-15, the text presentation selector (UTS #51)."""
VS16 = "\ufe0f"
"""VARIATION SELECTOR-16, the emoji presentation selector (UTS #51)."""
KEYCAP = "\u20e3"
"""COMBINING ENCLOSING KEYCAP, the last code point of a keycap sequence (ED-14c)."""
BLACK_FLAG = "\U0001f3f4"
"""WAVING BLACK FLAG, the base of the RGI subdivision-flag tag sequences (UTS #51)."""
CANCEL_TAG = "\U000e007f"
"""CANCEL TAG, the terminator (tag_term) of an emoji tag sequence (UTS #51)."""

SKIN_TONES: tuple[str, ...] = tuple(map(chr, range(0x1F3FB, 0x1F400)))
"""The five emoji modifiers (Fitzpatrick skin tones) U+1F3FB..U+1F3FF (UTS #51)."""
REGIONAL_INDICATORS: tuple[str, ...] = tuple(map(chr, range(0x1F1E6, 0x1F200)))
"""REGIONAL INDICATOR SYMBOL LETTER A..Z, U+1F1E6..U+1F1FF; a pair is a flag (UTS #51)."""
TAG_CHARACTERS: tuple[str, ...] = tuple(map(chr, [*range(0xE0061, 0xE007B), *range(0xE0030, 0xE003A)]))
"""Tag letters a..z and tag digits 0..9, the tag_spec of subdivision flags (UTS #51)."""
KEYCAP_BASES = "0123456789#*"
"""The keycap bases [0-9#*] of ED-14c."""


def _sorted(items: set[str] | list[str]) -> tuple[str, ...]:
    return tuple(sorted(items, key=lambda s: (len(s), s)))


def _tag_sequence(parts: tuple[str, str]) -> str:
    tag_spec, term = parts
    return BLACK_FLAG + tag_spec + term


def _is_flag(seq: str) -> bool:
    return len(seq) == 2 and all(c in REGIONAL_INDICATORS for c in seq)


def _split_rgi() -> dict[str, tuple[str, ...]]:
    """Split the fully-qualified RGI emoji into disjoint classes, first match wins."""
    fully_qualified = emoji.STATUS["fully_qualified"]
    classes: dict[str, list[str]] = {k: [] for k in ("tag", "keycap", "flag", "zwj", "modifier", "single")}
    for seq, data in emoji.EMOJI_DATA.items():
        if data.get("status", fully_qualified) != fully_qualified:
            continue
        if CANCEL_TAG in seq:
            classes["tag"].append(seq)
        elif KEYCAP in seq:
            classes["keycap"].append(seq)
        elif _is_flag(seq):
            classes["flag"].append(seq)
        elif ZWJ in seq:
            classes["zwj"].append(seq)
        elif any(c in SKIN_TONES for c in seq):
            classes["modifier"].append(seq)
        else:
            classes["single"].append(seq)
    return {name: _sorted(seqs) for name, seqs in classes.items()}


_RGI = _split_rgi()
RGI_SINGLES = _RGI["single"]
"""Single emoji and emoji presentation sequences (ED-9a): one pictograph, maybe + VS16."""
RGI_ZWJ_SEQUENCES = _RGI["zwj"]
RGI_MODIFIER_SEQUENCES = _RGI["modifier"]
RGI_FLAGS = _RGI["flag"]
RGI_TAG_SEQUENCES = _RGI["tag"]

_MODIFIER_BASES = _sorted({seq[0] for seq in RGI_MODIFIER_SEQUENCES})
"""Emoji modifier bases, read off the RGI modifier sequences (each is base + modifier)."""
_NON_MODIFIER_BASES = _sorted({s[0] for s in RGI_SINGLES} - set(_MODIFIER_BASES))
_VARIATION_BASES = _sorted({
    seq.replace(VS16, "")
    for seq, data in emoji.EMOJI_DATA.items()
    if data.get("variant") and len(seq.replace(VS16, "")) == 1
})
"""Characters with both a text and an emoji presentation sequence (``variant`` in the data)."""
_INVALID_FLAGS = _sorted({a + b for a in REGIONAL_INDICATORS for b in REGIONAL_INDICATORS} - set(RGI_FLAGS))
"""Regional-indicator pairs that are not RGI flags (no such region, e.g. U+1F1E6 U+1F1E6)."""

# Combinations that are small enough to enumerate once, so that drawing one costs a
# single choice (hypothesis pays per choice, and this module feeds the default generator).
_ANY_MODIFIED = tuple(base + tone for base in _MODIFIER_BASES + _NON_MODIFIER_BASES for tone in SKIN_TONES)
"""Every single emoji followed by every skin tone, modifier bases first."""
_KEYCAPS = tuple(base + vs + KEYCAP for base in KEYCAP_BASES for vs in (VS16, ""))
"""``[0-9#*]`` + optional VS16 + U+20E3: the RGI keycaps (``_RGI["keycap"]``) and their
unqualified forms."""
_PRESENTATIONS = tuple(base + vs for base in _VARIATION_BASES for vs in (VS16, VS15, VS15 + VS16, VS16 + VS16))
"""Characters with both presentations followed by VS16, VS15, both, or VS16 twice."""
_DANGLING_ZWJ = tuple(
    before + single + after
    for single in RGI_SINGLES
    for before, after in (("", ZWJ), (ZWJ, ""), ("", ZWJ + ZWJ), (ZWJ, ZWJ))
)
"""A single emoji with a ZWJ after, before, doubled after, or on both sides."""
_CUT_SEQUENCES = _sorted({
    seq[:cut] for sequences in _RGI.values() for seq in sequences if len(seq) > 2 for cut in range(2, len(seq))
})
"""Proper prefixes (two or more code points) of the RGI sequences of three or more code points:
a ZWJ sequence ending in ZWJ, a tag sequence without its cancel tag, a keycap without U+20E3."""

_ITEMS: tuple[SearchStrategy[str], ...] = (
    # Well-formed, RGI: straight from the data.
    st.sampled_from(RGI_SINGLES),
    st.sampled_from(RGI_ZWJ_SEQUENCES),
    st.sampled_from(RGI_MODIFIER_SEQUENCES),
    st.sampled_from(RGI_FLAGS),
    st.sampled_from(RGI_TAG_SEQUENCES),
    # Well-formed syntax, mostly not RGI: what fonts and emoji tables do not list.
    st.sampled_from(_KEYCAPS),
    st.sampled_from(_PRESENTATIONS),
    st.sampled_from(_ANY_MODIFIED),
    st.lists(st.sampled_from(RGI_SINGLES + RGI_MODIFIER_SEQUENCES), min_size=2, max_size=4).map(ZWJ.join),
    st.tuples(st.text(TAG_CHARACTERS, min_size=1, max_size=6), st.sampled_from((CANCEL_TAG, ""))).map(_tag_sequence),
    # Broken: what truncation, bad concatenation and stray input produce.
    st.sampled_from(_INVALID_FLAGS),
    st.text(REGIONAL_INDICATORS, min_size=1, max_size=1) | st.text(REGIONAL_INDICATORS, min_size=3, max_size=3),
    st.sampled_from(_DANGLING_ZWJ),
    st.sampled_from(SKIN_TONES + (VS16, VS15, KEYCAP, ZWJ, CANCEL_TAG)),
    st.sampled_from(_CUT_SEQUENCES),
)
"""One emoji item per entry, simplest first: ``one_of`` shrinks toward the first."""

EMOJI_ITEM: SearchStrategy[str] = st.one_of(_ITEMS)
"""One item of ``emoji_sequences``: an RGI emoji, a non-RGI sequence or a broken one."""


def check_sizes(min_size: int, max_size: int) -> None:
    """Raise ``InvalidArgument`` unless ``0 <= min_size <= max_size`` are ints (not bools).

    Shared by the strategies with a ``min_size``/``max_size`` pair."""
    for name, value in (("min_size", min_size), ("max_size", max_size)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidArgument(f"{name}={value!r} must be an int")
        if value < 0:
            raise InvalidArgument(f"{name}={value!r} must be >= 0")
    if max_size < min_size:
        raise InvalidArgument(f"max_size={max_size!r} must be >= min_size={min_size!r}")


def emoji_sequences(min_size: int = 1, max_size: int = 6) -> SearchStrategy[str]:
    """Strings of ``min_size``..``max_size`` emoji items, concatenated with nothing between.

    Each item is, with equal chance per kind (UTS #51 names the sequence kinds):

    - an RGI emoji from ``emoji.EMOJI_DATA`` (fully-qualified): a single emoji or emoji
      presentation sequence, a ZWJ sequence, a modifier (skin-tone) sequence, a flag or
      a subdivision flag (tag sequence);
    - well-formed syntax that is mostly not RGI: a keycap ``[0-9#*]`` + optional U+FE0F
      + U+20E3; a character with both presentations followed by VS16, VS15, both, or
      VS16 twice; any single emoji + a skin tone U+1F3FB..U+1F3FF (also bases that do
      not take one); 2-4 emoji joined with U+200D; U+1F3F4 + 1-6 tag letters/digits
      with or without the U+E007F cancel tag;
    - a broken sequence: an invalid regional-indicator pair; one or three regional
      indicators (an odd count); an emoji with a dangling ZWJ (after, before, doubled,
      or both sides); a lone modifier, selector, keycap mark, ZWJ or cancel tag; an RGI
      sequence cut short (ZWJ sequence ending in ZWJ, tag sequence without cancel tag).

    Items are concatenated as is, so adjacent items also interact (a flag after an odd
    count of regional indicators re-pairs, a modifier follows another modifier).

    Args:
        min_size: fewest items (>= 0); with 0 the empty string can be drawn.
        max_size: most items (>= ``min_size``).

    Raises:
        InvalidArgument: a size is not an int, is negative, or ``max_size < min_size``.

    Shrinking: toward fewer items, each item toward the first kind (an RGI single
    emoji) and, within a kind, toward the shortest sequence with the lowest code points.
    """
    check_sizes(min_size, max_size)
    return st.lists(EMOJI_ITEM, min_size=min_size, max_size=max_size).map("".join)
