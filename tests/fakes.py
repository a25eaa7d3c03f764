"""Small fake backends for testing the harness's own logic (never to stand in for a
real tokenizer: the real ones are tested beside these). Also loadable as plugins:
``python:tests.fakes:Chars``."""

from __future__ import annotations

from collections.abc import Sequence

from tokfuzz.backends.base import Backend, text_bytes
from tokfuzz.oracles import Observation


class Chars:
    """A lossless character-level tokenizer: one id per code point."""

    name = "chars"

    def encode(self, text: str) -> list[int]:
        return [ord(c) for c in text]

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(chr(i) for i in ids)

    def token_bytes(self, token: int) -> bytes:
        return text_bytes(chr(token))


class DropsZWJ(Chars):
    """Planted fault: silently drops U+200D ZERO WIDTH JOINER."""

    name = "drops-zwj"

    def encode(self, text: str) -> list[int]:
        return [ord(c) for c in text if c != "\u200d"]


class RaisesOnDigits(Chars):
    """Planted fault: raises on any ASCII digit."""

    name = "raises-digits"

    def encode(self, text: str) -> list[int]:
        if any("0" <= c <= "9" for c in text):
            raise ValueError("digits are not supported")
        return super().encode(text)


def broken_factory() -> Chars:
    """A plugin factory that fails to construct."""
    raise RuntimeError("model file not found")


def observation(text: str, *backends: Backend) -> Observation:
    """An ``Observation`` of ``text`` by ``backends``, keyed by their names."""
    return Observation(text, {b.name: b for b in backends})
