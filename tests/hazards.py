"""Backends that take their process down on one character: they test that a campaign
survives a library that hangs, crashes or exits (harness logic only; never a stand-in
for a real tokenizer). Each is lossless (``Chars``) except on its trigger, the digit
``7``, and loads as a plugin: ``python:tests.hazards:HangsOnSeven``.
"""

from __future__ import annotations

import ctypes
import os
import re
import time

from tests.fakes import Chars

__all__ = ["BacktracksOnSeven", "ExitsOnSeven", "HangsOnSeven", "SegfaultsOnSeven", "TRIGGER"]

TRIGGER = "7"


class HangsOnSeven(Chars):
    """Sleeps forever in ``encode`` on text holding a ``7`` (a hang that releases the GIL)."""

    name = "hangs-on-7"

    def encode(self, text: str) -> list[int]:
        while TRIGGER in text:
            time.sleep(3600)
        return super().encode(text)


class BacktracksOnSeven(Chars):
    """Catastrophic regex backtracking in ``encode`` on text holding a ``7``: a hang in
    native code that holds the GIL, as a quadratic or exponential tokenizer does."""

    name = "backtracks-on-7"

    def encode(self, text: str) -> list[int]:
        if TRIGGER in text:
            re.match(r"(a+)+$", "a" * 64 + "!")
        return super().encode(text)


class SegfaultsOnSeven(Chars):
    """Reads address 0 in ``decode`` of ids holding a ``7``: SIGSEGV, as a native bug does."""

    name = "segfaults-on-7"

    def decode(self, ids: list[int]) -> str:  # type: ignore[override]
        if ord(TRIGGER) in ids:
            ctypes.string_at(0)
        return super().decode(ids)


class ExitsOnSeven(Chars):
    """Calls ``os._exit(0)`` in ``encode`` on text holding a ``7``: the process ends
    "successfully" in the middle of a call."""

    name = "exits-on-7"

    def encode(self, text: str) -> list[int]:
        if TRIGGER in text:
            os._exit(0)
        return super().encode(text)
