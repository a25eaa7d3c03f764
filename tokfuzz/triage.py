"""Signatures: group failures that share a root cause into classes (DESIGN §5).

A signature is ``property|subject|backends|kind|shape``, where ``shape`` is the
minimal witness read as runs of code point classes: letters by script (UAX #24,
through fontTools' Scripts.txt data), digits, marks, each kind of whitespace,
ZWJ/format characters, symbols, punctuation, surrogates. Two witnesses of the same
bug differ in their letters, not in that shape; two bugs of the same property and
backend pair usually differ in it (an emoji ZWJ split versus a digit-run split).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from fontTools import unicodedata as ft_unicodedata

from tokfuzz.properties import Verdict

__all__ = ["codepoint_class", "shape", "signature"]

_NAMED = {
    " ": "sp",
    "\t": "TAB",
    "\n": "LF",
    "\r": "CR",
    "\u200d": "ZWJ",
    "\u200c": "ZWNJ",
    "\ufe0f": "VS16",
    "\ufe0e": "VS15",
    "\u2581": "LOWER-1/8-BLOCK",
    "\ufeff": "BOM",
}


@lru_cache(maxsize=65536)
def codepoint_class(c: str) -> str:
    """Class of one code point for signatures.

    Letters: ``L:<script>`` (ISO 15924 code, UAX #24 Script property); decimal digits:
    ``N:ascii`` or ``N:<script>``; marks ``M``; named whitespace and joiners by name
    (``sp``, ``LF``, ``ZWJ``, ``VS16``…); otherwise the two-letter General Category
    (UAX #44), e.g. ``So`` for most emoji, ``Cs`` for a lone surrogate.
    """
    if c in _NAMED:
        return _NAMED[c]
    cat = unicodedata.category(c)
    if cat.startswith("L"):
        return f"L:{ft_unicodedata.script(c)}"
    if cat.startswith("N"):
        return "N:ascii" if "0" <= c <= "9" else f"N:{ft_unicodedata.script(c)}"
    if cat.startswith("M"):
        return "M"
    if cat.startswith("P") and c.isascii():
        return "P:ascii"
    return cat


def shape(text: str) -> str:
    """Runs of ``codepoint_class`` over ``text``, repeats collapsed, space-separated.

    ``shape("ab  12👍🏽") == "L:Latn sp N:ascii So Sk"``.
    """
    runs: list[str] = []
    for c in text:
        cls = codepoint_class(c)
        if not runs or runs[-1] != cls:
            runs.append(cls)
    return " ".join(runs) or "empty"


def signature(verdict: Verdict, subject: str, witness: str) -> str:
    """Signature of a failure: ``property|subject|backends|kind|shape(witness)``.

    ``witness`` should be the minimal failing input (tokfuzz.minimize), so that the
    shape names the cause rather than the noise around it.
    """
    return "|".join((verdict.property, subject, ",".join(verdict.backends), verdict.kind, shape(witness)))
