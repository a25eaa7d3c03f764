"""What the adapters of the Python tokenizer ports share (kitoken, gigatoken, rs-bpe,
anthropic-tokenizer): a one-line load error, token bytes memoized from ``decode_bytes``,
and the OpenAI ranks as a plain ``.tiktoken`` file for ports that load one by path.
"""

from __future__ import annotations

import gzip
from abc import ABC, abstractmethod
import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tokfuzz.backends import models
from tokfuzz.backends.base import BackendUnavailable

__all__ = ["BytesPort", "first_line", "tiktoken_file"]


def tiktoken_file(name: str) -> Path:
    """A plain ``<name>.tiktoken`` rank file of ``cl100k_base`` or ``o200k_base``, for
    libraries that load one by path (and tell the encoding by the file's name): the
    ``bpe_openai/data/<name>.tiktoken.gz`` ranks, unpacked once under the cache
    directory (``tiktoken/<sha256>/<name>.tiktoken``). Raises BackendUnavailable."""
    if name not in models.OPENAI_ENCODINGS:
        raise BackendUnavailable(f"no .tiktoken file for {name!r}; available: {', '.join(models.OPENAI_ENCODINGS)}")
    packed = models.package_file("bpe_openai", f"data/{name}.tiktoken.gz", install_hint="pip install bpe-openai").read_bytes()
    target = models.cache_dir() / "tiktoken" / hashlib.sha256(packed).hexdigest()[:16] / f"{name}.tiktoken"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
            tmp.write(gzip.decompress(packed))
        os.replace(tmp.name, target)  # atomic: concurrent workers never see half a file
    return target


def first_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message (Rust errors carry a multi-line location),
    or its type name when the message is empty."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class BytesPort(ABC):
    """Base of a port whose library decodes ids to bytes: subclasses define
    ``decode_bytes``. With ``raw_bytes`` (the library's decode adds no post-processing to
    a token's bytes), ``token_bytes`` is ``decode_bytes([id])``, memoized per id (the
    vocabulary bounds the cache); otherwise the backend has no ``token_bytes``."""

    def __init__(self, tokenizer: Any, name: str, distribution: str, *, raw_bytes: bool = True) -> None:
        self.name = name
        self._tok = tokenizer
        self.version = models.library_version(distribution)
        self._bytes_cache: dict[int, bytes] = {}
        if raw_bytes:
            self.token_bytes = self._token_bytes

    @abstractmethod
    def decode_bytes(self, ids: Sequence[int]) -> bytes:
        """Raw bytes of ``ids`` (each port calls its library's own byte decode)."""

    def _token_bytes(self, token: int) -> bytes:
        """Bytes of one token."""
        found = self._bytes_cache.get(token)
        if found is None:
            found = self._bytes_cache[token] = self.decode_bytes([token])
        return found
