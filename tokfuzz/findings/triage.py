"""Signatures: group failures that share a root cause into classes (DESIGN §5).

A signature is ``property|subject|backends|kind|shape``, where ``shape`` is the
minimal witness read as runs of code point classes: letters by script (UAX #24,
through fontTools' Scripts.txt data), digits, marks, each kind of whitespace,
ZWJ/format characters, symbols, punctuation, surrogates — and ``bytes`` for any code
point the subject's reference tokenizer holds only as bytes (byte fallback; decided
per code point, out of context), since every out-of-vocabulary character takes the
same path through a tokenizer (except for regex-dialect failures, where the Unicode
class is the cause). Two witnesses of the same
bug differ in their letters, not in that shape; two bugs of the same property and
backend pair usually differ in it (an emoji ZWJ split versus a digit-run split).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache

from fontTools import unicodedata as ft_unicodedata

from tokfuzz.backends.base import Backend, backend_memo, reraise_control
from tokfuzz.oracles import Verdict

__all__ = ["codepoint_class", "held_as_bytes", "shape", "signature", "signature_fields", "unicode_skew"]

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


def held_as_bytes(c: str, backend: Backend) -> bool:
    """Does ``backend``, encoding the code point ``c`` alone, hold it only as bytes
    (byte-fallback pieces, or pieces that are not valid UTF-8 on their own)?

    Decided out of context, once per code point and backend (cached): inside a
    witness, a byte-level merge with a neighbour (tiktoken's ``b' \xf0\x9f\x8d'``)
    would make the answer depend on the neighbour. False when the backend has no
    ``token_bytes``, raises (a lone surrogate), or its tokens do not spell ``c``
    (optionally after SentencePiece's dummy-prefix space).
    """
    table: dict[str, bool] = backend_memo(backend, "held-as-bytes")  # bounded by the code points met
    if c not in table:
        table[c] = _oov(c, backend)
    return table[c]


def _oov(c: str, backend: Backend) -> bool:
    token_bytes: Callable[[int], bytes] | None = getattr(backend, "token_bytes", None)
    if token_bytes is None:
        return False
    try:
        pieces = [token_bytes(i) for i in backend.encode(c)]
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        reraise_control(exc)
        return False
    data, want = b"".join(pieces), c.encode("utf-8", errors="surrogatepass")
    if data not in (want, b" " + want):
        return False
    try:
        for piece in pieces:
            piece.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


_BYTES_BLIND_KINDS = ("dialect",)
"""Failure kinds whose cause is a character's Unicode properties, not its vocabulary:
a pre-tokenizer regex dialect split (``\\p{L}`` on an unassigned code point) keeps the
Unicode class (``Cn``) so the shape says what the engines disagree on."""


def shape(text: str, backend: Backend | None = None, kind: str = "") -> str:
    """Runs of ``codepoint_class`` over ``text``, repeats collapsed, space-separated.

    With a ``backend``, a code point it holds only as bytes (``held_as_bytes``: byte
    fallback, or split mid-UTF-8 across tokens when encoded alone) is class ``bytes``
    whatever its script: for a tokenizer, every character outside its vocabulary takes
    the same path. Not for the ``kind``s in ``_BYTES_BLIND_KINDS``.

    A ``dialect`` failure on a witness holding an unassigned code point (General
    Category Cn in Python's ``unicodedata``, UAX #44) has shape ``Cn`` alone: regex
    engines built on different Unicode versions disagree on what such a code point
    is, and which neighbour the minimizer kept to make the split visible is noise.

    ``shape("ab  12👍🏽") == "L:Latn sp N:ascii So Sk"``.
    """
    if kind == "dialect" and any(unicodedata.category(c) == "Cn" for c in text):
        return "Cn"
    runs: list[str] = []
    oov = backend is not None and kind not in _BYTES_BLIND_KINDS
    for c in text:
        cls = "bytes" if oov and held_as_bytes(c, backend) else codepoint_class(c)  # type: ignore[arg-type]
        if not runs or runs[-1] != cls:
            runs.append(cls)
    return " ".join(runs) or "empty"


def unicode_skew(witness: str, versions: Mapping[str, str]) -> str | None:
    """The shape of a failure caused by Unicode version skew, or None.

    ``versions`` maps the verdict's backends to the Unicode version of their own
    character tables, where they declare one (a JavaScript port reports Node's ICU
    version, e.g. ``17.0``). When one differs from the version of Python's
    ``unicodedata`` (which the shapes are read with; UAX #44) and the witness holds a
    code point unassigned there (General Category Cn), the failure is that skew: a code
    point assigned in one table and not in the other is a letter to one regex and
    nothing to the other. All such failures of a backend pair and property are one
    class, ``Cn:unicode-<python's>-vs-<theirs>``.
    """
    theirs = sorted({v for v in versions.values() if v and v != unicodedata.unidata_version})
    if not theirs or not any(unicodedata.category(c) == "Cn" for c in witness):
        return None
    return f"Cn:unicode-{unicodedata.unidata_version}-vs-{'+'.join(theirs)}"


def signature_fields(signature: str) -> tuple[str, str, str, str, str] | None:
    """``(property, subject, backends, kind, shape)`` of a signature
    ``property|subject|backends|kind|shape`` (``backends`` comma-joined; the shape may hold
    ``|`` itself); None for a string with fewer fields (a hand-written corpus line)."""
    parts = signature.split("|", 4)
    return (parts[0], parts[1], parts[2], parts[3], parts[4]) if len(parts) == 5 else None


def signature(verdict: Verdict, subject: str, witness: str, reference: Backend | None = None,
              unicode_versions: Mapping[str, str] | None = None) -> str:
    """Signature of a failure: ``property|subject|backends|kind|shape(witness)``.

    ``witness`` should be the minimal failing input (tokfuzz.findings.minimize), so that the
    shape names the cause rather than the noise around it; ``reference`` (the
    subject's reference backend) lets the shape mark out-of-vocabulary characters;
    ``unicode_versions`` (backend name -> the Unicode version of its own tables, where
    declared) turns a Unicode version skew into one class (``unicode_skew``). A verdict
    that names its own ``shape`` (streaming_decode, special_tokens) keeps it.
    """
    skew = unicode_skew(witness, unicode_versions or {})
    return "|".join((verdict.property, subject, ",".join(verdict.backends), verdict.kind,
                     verdict.shape or skew or shape(witness, reference, verdict.kind)))
