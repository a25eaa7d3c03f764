"""Planted faults: plugin backends that are a correct tokenizer except for one bug each.

Every class here wraps the real tiktoken ``cl100k_base`` backend (loaded once, through
``tokfuzz.load_backend("tiktoken:cl100k_base")``) and plants exactly one fault in
``encode``; ``decode``, ``decode_bytes``, ``token_bytes``, ``vocab_size`` and ``version``
are the real backend's. Each loads as a plugin, e.g. ``python:bench.faults:DropsZWJ``,
and has a distinct ``name``, so it can sit beside the real backend in one subject:

    tokfuzz fuzz --backend tiktoken:cl100k_base --backend python:bench.faults:DropsZWJ

A fault is *found* when a campaign reports a ``roundtrip`` or ``cross_backend`` finding
that involves the faulty backend's name and that the real backend alone does not
share (tiktoken has roundtrip findings of its own, e.g. a surrogate pair, which the
wrapper inherits): see ``is_planted``.

The faults are not meant to be easy: each changes output only on inputs a tokenizer
engineer would expect to matter (a ZWJ, a non-NFC sequence, a long context, a non-ASCII
string literal, an emoji presentation selector) and is exact elsewhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, ClassVar

import regex

from tokfuzz import Backend, load_backend
from tokfuzz.oracles import Observation, check

if TYPE_CHECKING:
    from tokfuzz.engines.hunt import Finding

__all__ = [
    "FAULTS",
    "BreaksInStringLiterals",
    "DropsVS16",
    "DropsZWJ",
    "FaultyBackend",
    "NFCNormalizes",
    "TruncatesLong",
    "is_planted",
    "reference_backend",
]

REFERENCE_SPEC = "tiktoken:cl100k_base"
"""The correct backend every fault wraps."""


@cache
def reference_backend() -> Backend:
    """The real ``tiktoken:cl100k_base`` backend, loaded on first use and shared."""
    return load_backend(REFERENCE_SPEC)


class FaultyBackend:
    """The real backend with ``encode`` replaced by ``_faulty_encode``; everything else
    delegates to it. Subclasses set ``name`` and implement ``_faulty_encode``."""

    name: str = "faulty"

    def __init__(self) -> None:
        self.real = reference_backend()
        self.version: str = str(getattr(self.real, "version", "?"))
        self.vocab_size: int = int(getattr(self.real, "vocab_size", 0))

    def encode(self, text: str) -> list[int]:
        """Ids of ``text`` with this class's fault planted."""
        return self._faulty_encode(text)

    def _faulty_encode(self, text: str) -> list[int]:
        raise NotImplementedError

    def decode(self, ids: Sequence[int]) -> str:
        """The real backend's ``decode``."""
        return self.real.decode(ids)

    def decode_bytes(self, ids: Sequence[int]) -> bytes:
        """The real backend's ``decode_bytes``."""
        return bytes(self.real.decode_bytes(ids))  # type: ignore[attr-defined]

    def token_bytes(self, token: int) -> bytes:
        """The real backend's ``token_bytes``."""
        return bytes(self.real.token_bytes(token))  # type: ignore[attr-defined]


class DropsZWJ(FaultyBackend):
    """Fault: removes every U+200D ZERO WIDTH JOINER before encoding, so a ZWJ emoji
    sequence (👨‍👩‍👧) encodes as its separate emoji and decodes without the joiners."""

    name = "drops-zwj"

    def _faulty_encode(self, text: str) -> list[int]:
        return self.real.encode(text.replace("\u200d", ""))


class DropsVS16(FaultyBackend):
    """Fault: removes every U+FE0F VARIATION SELECTOR-16 (emoji presentation) before
    encoding, so ``❤️`` encodes and decodes as the text-style ``❤``."""

    name = "drops-vs16"

    def _faulty_encode(self, text: str) -> list[int]:
        return self.real.encode(text.replace("\ufe0f", ""))


class NFCNormalizes(FaultyBackend):
    """Fault: applies Unicode NFC (UAX #15) before encoding, without declaring a
    ``normalize`` member, so ``e`` + U+0301 encodes as ``é`` and decoding loses the
    input's decomposed form."""

    name = "nfc-normalizes"

    def _faulty_encode(self, text: str) -> list[int]:
        return self.real.encode(unicodedata.normalize("NFC", text))


class TruncatesLong(FaultyBackend):
    """Fault: encodes only the first ``LIMIT`` (1000) code points of the input and
    silently drops the rest, as a serving stack with a character cap would."""

    name = "truncates-long"
    LIMIT: ClassVar[int] = 1000

    def _faulty_encode(self, text: str) -> list[int]:
        return self.real.encode(text[: self.LIMIT])


_QUOTED = re.compile(r"""(["'])(?:(?!\1)[^\n])*\1""")
"""A quoted span on one line: ``"..."`` or ``'...'``, scanned left to right."""


def string_literal_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each quoted span of ``text`` (quotes included) that holds a
    non-ASCII character; spans are found left to right and do not overlap."""
    return [m.span() for m in _QUOTED.finditer(text) if not m.group().isascii()]


class BreaksInStringLiterals(FaultyBackend):
    """Fault: inside a quoted span (``"..."`` or ``'...'`` on one line) that contains a
    non-ASCII character, encodes each code point separately instead of the span as a
    whole. Precisely: every pre-token of the model's pattern that overlaps such a span
    is encoded one code point at a time; every other pre-token, and any text without
    such a span, encodes exactly as the real backend does. The round trip still holds
    (the bytes are the same); only the ids differ, so only cross_backend can see it."""

    name = "breaks-in-string-literals"

    def _faulty_encode(self, text: str) -> list[int]:
        ids = self.real.encode(text)  # raises exactly where the real backend raises
        seen = _as_tiktoken_sees(text)
        spans = string_literal_spans(seen)
        if not spans:
            return ids
        pattern: str = self.real.pattern  # type: ignore[attr-defined]
        out: list[int] = []
        for match in regex.finditer(pattern, seen):
            start, end = match.span()
            piece = match.group()
            if any(start < b and a < end for a, b in spans):
                out.extend(i for c in piece for i in self.real.encode(c))
            else:
                out.extend(self.real.encode(piece))
        return out


def _as_tiktoken_sees(text: str) -> str:
    """``text`` as tiktoken encodes it: a surrogate pair joined into one code point, a
    lone surrogate as U+FFFD (what ``tiktoken.Encoding.encode`` does on a
    UnicodeEncodeError), so spans and pre-tokens are those of the text tiktoken sees."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


FAULTS: tuple[type[FaultyBackend], ...] = (DropsZWJ, NFCNormalizes, TruncatesLong, BreaksInStringLiterals, DropsVS16)
"""Every planted fault, in the order the benchmark runs them."""


def is_planted(finding: Finding, fault_name: str, reference: Backend | None = None) -> bool:
    """Does ``finding`` show the fault planted in backend ``fault_name``?

    True for a cross_backend finding whose pair includes ``fault_name``, and for a
    roundtrip finding of ``fault_name`` whose witness the ``reference`` backend (the
    real one, by default) round-trips correctly: a roundtrip failure the real backend
    shares is the real backend's, inherited by the wrapper, not the planted fault.
    """
    if fault_name not in finding.backends:
        return False
    if finding.property == "cross_backend":
        return True
    if finding.property != "roundtrip":
        return False
    real = reference if reference is not None else reference_backend()
    return not check(Observation(finding.input, {real.name: real}), ("roundtrip",))
