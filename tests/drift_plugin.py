"""Planted drift for the snapshot tests: the real tiktoken ``cl100k_base`` (the subject's
reference, loaded as ``tiktoken:cl100k_base`` loads it) with one class of input changed,
as a library upgrade might change it. Loadable as ``python:tests.drift_plugin:ZwjDrift``
(``ExitsOnTilde`` and ``HangsOnTilde``, a crash and a hang on the fake ``Chars``, test
the guards).

Each class reports ``library = "tiktoken"`` and a ``version`` that is not the installed
one, so that a check names the library whose version moved."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from tests.fakes import Chars
from tokfuzz.backends.registry import load_backend

ZWJ = "\u200d"


class Cl100k:
    """tiktoken's cl100k_base, unchanged, under another name (a plugin reference)."""

    name = "tiktoken-wrapped"
    library = "tiktoken"
    version = "0.99.0"

    def __init__(self) -> None:
        self._inner = load_backend("tiktoken:cl100k_base")

    def encode(self, text: str) -> list[int]:
        return list(self._inner.encode(text))

    def decode(self, ids: Sequence[int]) -> str:
        return self._inner.decode(ids)

    def token_bytes(self, token: int) -> bytes:
        return bytes(self._inner.token_bytes(token))  # type: ignore[attr-defined]


class ZwjDrift(Cl100k):
    """Planted drift: U+200D ZERO WIDTH JOINER is dropped before encoding (every text
    holding one gets other ids; every other text the reference's)."""

    name = "tiktoken-next"

    def encode(self, text: str) -> list[int]:
        return super().encode(text.replace(ZWJ, ""))


class DigitsRaise(Cl100k):
    """Planted drift: any text holding an ASCII digit now raises."""

    name = "tiktoken-digits"

    def encode(self, text: str) -> list[int]:
        if any("0" <= c <= "9" for c in text):
            raise ValueError("digits are not supported any more")
        return super().encode(text)


class ExitsOnTilde(Chars):
    """Planted crash (a harness test, on the fake ``tests.fakes.Chars``): the process
    exits with status 3 on any text holding ``~``, as a native library that aborts."""

    name = "chars-exits"

    def encode(self, text: str) -> list[int]:
        if "~" in text:
            os._exit(3)
        return super().encode(text)


class HangsOnTilde(Chars):
    """Planted hang (a harness test, on the fake ``tests.fakes.Chars``): any text holding
    ``~`` takes a minute."""

    name = "chars-hangs"

    def encode(self, text: str) -> list[int]:
        if "~" in text:
            time.sleep(60)
        return super().encode(text)
