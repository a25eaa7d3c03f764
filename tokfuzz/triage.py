"""Signatures: group failures that share a root cause into classes (DESIGN §5).

A signature is ``property|subject|backends|kind|shape``, where ``shape`` is the
minimal witness read as runs of code point classes: letters by script (UAX #24,
through fontTools' Scripts.txt data), digits, marks, each kind of whitespace,
ZWJ/format characters, symbols, punctuation, surrogates — and ``bytes`` for any code
point the subject's reference tokenizer holds only as bytes (byte fallback), since
every out-of-vocabulary character takes the same path through a tokenizer. Two witnesses of the same
bug differ in their letters, not in that shape; two bugs of the same property and
backend pair usually differ in it (an emoji ZWJ split versus a digit-run split).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

from fontTools import unicodedata as ft_unicodedata

from tokfuzz.backends.base import Backend, reraise_control
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


def _byte_covered(text: str, backend: Backend) -> set[int]:
    """Indices of the code points of ``text`` that ``backend`` does not hold as whole
    characters: covered by byte-fallback pieces or split across tokens mid-UTF-8.

    Empty when the backend has no ``token_bytes``, raises, or its tokens do not spell
    ``text`` (optionally after one prefix space, SentencePiece's dummy prefix).
    """
    token_bytes: Callable[[int], bytes] | None = getattr(backend, "token_bytes", None)
    if token_bytes is None:
        return set()
    try:
        pieces = [token_bytes(i) for i in backend.encode(text)]
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        reraise_control(exc)
        return set()
    data = b"".join(pieces)
    want = text.encode("utf-8", errors="surrogatepass")
    skip = 1 if data == b" " + want else 0
    if data[skip:] != want:
        return set()
    whole: list[bool] = []  # per byte of ``want``: inside a token that is valid UTF-8 alone
    for piece in pieces:
        try:
            piece.decode("utf-8")
            ok = True
        except UnicodeDecodeError:
            ok = False
        whole.extend([ok] * len(piece))
    whole = whole[skip:]
    covered: set[int] = set()
    pos = 0
    for index, c in enumerate(text):
        n = len(c.encode("utf-8", errors="surrogatepass"))
        if not all(whole[pos : pos + n]):
            covered.add(index)
        pos += n
    return covered


def shape(text: str, backend: Backend | None = None) -> str:
    """Runs of ``codepoint_class`` over ``text``, repeats collapsed, space-separated.

    With a ``backend``, a code point it holds only as bytes (byte fallback, or a
    character split mid-UTF-8 across tokens) is class ``bytes`` whatever its script:
    for a tokenizer, every character outside its vocabulary takes the same path.

    ``shape("ab  12👍🏽") == "L:Latn sp N:ascii So Sk"``.
    """
    runs: list[str] = []
    as_bytes = _byte_covered(text, backend) if backend is not None else set()
    for index, c in enumerate(text):
        cls = "bytes" if index in as_bytes else codepoint_class(c)
        if not runs or runs[-1] != cls:
            runs.append(cls)
    return " ".join(runs) or "empty"


def signature(verdict: Verdict, subject: str, witness: str, reference: Backend | None = None) -> str:
    """Signature of a failure: ``property|subject|backends|kind|shape(witness)``.

    ``witness`` should be the minimal failing input (tokfuzz.minimize), so that the
    shape names the cause rather than the noise around it; ``reference`` (the
    subject's reference backend) lets the shape mark out-of-vocabulary characters.
    """
    return "|".join((verdict.property, subject, ",".join(verdict.backends), verdict.kind, shape(witness, reference)))
