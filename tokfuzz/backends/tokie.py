"""tokie adapter: ``tokie:path/tokenizer.json`` or ``tokie:SUBJECT`` (the HF conversion
of that subject, so tokie is checked against the very file HF loads).

``decode`` returns ``None`` in tokie when the ids are not valid UTF-8; the adapter
reports that as an error instead of inventing text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tokfuzz.backends import models
from tokfuzz.backends.base import BackendUnavailable

__all__ = ["TokieBackend", "load"]


class TokieBackend:
    """A ``tokie.Tokenizer`` behind the Backend protocol."""

    def __init__(self, tokenizer: Any, *, byte_level: bool, name: str = "tokie") -> None:
        self.name = name
        self._tok = tokenizer
        self.vocab_size: int = tokenizer.vocab_size
        self.version = models.library_version("tokie")
        self._bytes_cache: dict[int, bytes] = {}
        #: ``encode_batch`` runs one Tokenizer from Rust threads (tokie has no special-token table API)
        self.thread_safe = True
        if byte_level:  # tokie's decode_bytes gives raw vocab bytes ("▁", not " ") otherwise
            self.token_bytes = self._token_bytes

    def encode(self, text: str) -> list[int]:
        """Ids of ``text``, no special tokens added."""
        return list(self._tok.encode(text, add_special_tokens=False).ids)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """``Tokenizer.encode_batch`` (parallel in Rust)."""
        return [list(e.ids) for e in self._tok.encode_batch(texts, add_special_tokens=False)]

    def decode(self, ids: Sequence[int]) -> str:
        """``Tokenizer.decode``; raises ValueError where tokie returns None."""
        out = self._tok.decode(list(ids))
        if out is None:
            raise ValueError("tokie.decode returned None: the ids' bytes are not valid UTF-8")
        return out

    def decode_bytes(self, ids: Sequence[int]) -> bytes:
        """Raw bytes of ``ids``."""
        return bytes(self._tok.decode_bytes(list(ids)))

    def _token_bytes(self, token: int) -> bytes:
        """Bytes of one token of a ByteLevel model (memoized: tokie's per-call cost
        is ~45 µs and the vocabulary bounds the cache)."""
        found = self._bytes_cache.get(token)
        if found is None:
            found = self._bytes_cache[token] = bytes(self._tok.decode_bytes([token]))
        return found


def load(arg: str) -> TokieBackend:
    """Backend for spec ``tokie:ARG``."""
    try:
        import tokie
    except ImportError as exc:
        raise BackendUnavailable(f"tokie is not installed: pip install tokie ({exc})") from exc
    path = Path(arg) if arg.endswith(".json") else models.hf_json(arg)
    if not path.is_file():
        raise BackendUnavailable(f"tokenizer.json {path} does not exist")
    try:
        byte_level = "ByteLevel" in json.dumps(json.loads(path.read_text(encoding="utf-8")).get("decoder"))
        return TokieBackend(tokie.Tokenizer.from_json(str(path)), byte_level=byte_level)
    except Exception as exc:  # noqa: BLE001
        raise BackendUnavailable(f"tokie cannot load {path}: {exc}") from exc
