"""Small fakes for the streaming_decode harness logic (tests/backends/test_detokenizers.py,
tests/oracles/test_streaming_decode.py): a byte-level tokenizer and incremental
detokenizers with planted faults. The real detokenizers are tested beside these."""

from __future__ import annotations

import codecs
from collections.abc import Sequence

from tokfuzz.backends.base import text_bytes


class Bytes:
    """A lossless byte-level tokenizer: one id per UTF-8 byte (a lone surrogate is
    U+FFFD's bytes); ``decode`` replaces invalid UTF-8 with U+FFFD. Its own
    ``decode_stream`` is ``Incremental`` unless a subclass sets ``stream``."""

    name = "bytes"
    vocab_size = 256
    stream: type = None  # type: ignore[assignment]

    def encode(self, text: str) -> list[int]:
        return list(text_bytes(text))

    def decode(self, ids: Sequence[int]) -> str:
        return bytes(ids).decode("utf-8", errors="replace")

    def token_bytes(self, token: int) -> bytes:
        return bytes([token])

    def decode_stream(self) -> object:
        return (self.stream or Incremental)()


class Incremental:
    """A correct incremental detokenizer for ``Bytes``: Python's incremental UTF-8
    decoder (holds a partial character), flushed at the end."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def step(self, token_id: int) -> str:
        return self._decoder.decode(bytes([token_id]))

    def flush(self) -> str:
        return self._decoder.decode(b"", final=True)


class DropsPartial(Incremental):
    """Planted fault: decodes each id alone, dropping bytes of a split character."""

    def step(self, token_id: int) -> str:
        return bytes([token_id]).decode("utf-8", errors="ignore")


class Naive(Incremental):
    """Planted fault: decodes each id alone, so a split character becomes U+FFFD."""

    def step(self, token_id: int) -> str:
        return bytes([token_id]).decode("utf-8", errors="replace")


class Duplicates(Incremental):
    """Planted fault: emits every character again when a multi-byte one completes."""

    def __init__(self) -> None:
        super().__init__()
        self._text = ""

    def step(self, token_id: int) -> str:
        got = super().step(token_id)
        self._text += got
        return self._text if got and not got.isascii() else got


class RaisesOnNonAscii(Incremental):
    """Planted fault: raises ValueError on any byte >= 0x80."""

    def step(self, token_id: int) -> str:
        if token_id >= 0x80:
            raise ValueError(f"byte {token_id} is not ASCII")
        return super().step(token_id)


def with_stream(stream: type, label: str | None = None) -> Bytes:
    """A ``Bytes`` backend whose ``decode_stream`` makes ``stream`` decoders, named after it."""
    backend = type(f"Bytes{stream.__name__}", (Bytes,), {"stream": stream, "name": f"bytes-{stream.__name__.lower()}"})()
    if label is not None:
        backend.stream_label = label  # type: ignore[attr-defined]
    return backend
