"""Fake backends with a tiny byte-level vocabulary and planted vocabulary faults, for the
vocab property's tests (never to stand in for a real tokenizer). Loadable as plugins:
``python:tests.fakes_vocab:ByteVocab``."""

from __future__ import annotations

import codecs
import os
import signal
from collections.abc import Sequence

SPECIAL = "<s>"
VOCAB = 257
"""Ids 0..255 are the bytes 0..255, id 256 is the special token ``<s>``."""


class ByteVocab:
    """Byte-level: each UTF-8 byte is one id; ``decode`` raises a clear error on an id
    outside the vocabulary (IndexError) or below zero (ValueError)."""

    name = "bytes"
    vocab_size = VOCAB
    special_tokens = {SPECIAL: 256}

    def encode(self, text: str) -> list[int]:
        return list(text.encode("utf-8", "replace"))

    def token_bytes(self, token: int) -> bytes:
        return self._bytes(token)

    def _bytes(self, token: int) -> bytes:
        if token < 0:
            raise ValueError(f"negative id {token}")
        if token >= VOCAB:
            raise IndexError(f"id {token} is not in the vocabulary")
        return SPECIAL.encode() if token == 256 else bytes([token])

    def decode(self, ids: Sequence[int]) -> str:
        return b"".join(self._bytes(i) for i in ids).decode("utf-8", "replace")


class Twin(ByteVocab):
    """The same tokenizer under another name: nothing differs."""

    name = "twin"


class DropsUnknown(ByteVocab):
    """Planted fault (as HF ``tokenizers`` does): ``decode`` skips an id at or above the
    vocabulary size without a word."""

    name = "drops-unknown"

    def decode(self, ids: Sequence[int]) -> str:
        return super().decode([i for i in ids if i < VOCAB])


class WrapsNegative(ByteVocab):
    """Planted fault (as bpe-openai does): a negative id indexes the table from its end."""

    name = "wraps-negative"

    def _bytes(self, token: int) -> bytes:
        return super()._bytes(token % VOCAB if token < 0 else token)


class OtherBytes(ByteVocab):
    """Planted fault: ``token_bytes(65)`` is ``b"a"``, not ``b"A"`` (decode is right)."""

    name = "other-bytes"

    def token_bytes(self, token: int) -> bytes:
        return b"a" if token == 65 else super().token_bytes(token)


class PanicException(BaseException):
    """What pyo3 raises for a Rust panic: a BaseException, not an Exception."""


class Panics(ByteVocab):
    """Planted fault: a Rust-like panic on ids outside the vocabulary, and on id 66."""

    name = "panics"

    def decode(self, ids: Sequence[int]) -> str:
        if any(i >= VOCAB or i == 66 for i in ids):
            raise PanicException("index out of bounds")
        return super().decode(ids)


class Segfaults(ByteVocab):
    """Planted fault: the process dies (SIGSEGV) decoding ``2**31 - 1``."""

    name = "segfaults"

    def decode(self, ids: Sequence[int]) -> str:
        if 2**31 - 1 in ids:
            os.kill(os.getpid(), signal.SIGSEGV)
        return super().decode(ids)


class Unreachable(ByteVocab):
    """Planted fault: ``encode("B")`` is ``[65, 66]``, so id 66 is not reached from its own text."""

    name = "unreachable"

    def encode(self, text: str) -> list[int]:
        return [j for i in super().encode(text) for j in ((65, 66) if i == 66 else (i,))]


class Stateful(ByteVocab):
    """Planted fault (as gpt-tokenizer's decode does): one streaming UTF-8 decoder for all
    calls, so an incomplete sequence at the end of one call comes out in the next."""

    name = "stateful"

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def decode(self, ids: Sequence[int]) -> str:
        return str(self._decoder.decode(b"".join(self._bytes(i) for i in ids)))
