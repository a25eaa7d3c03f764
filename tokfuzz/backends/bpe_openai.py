"""bpe-openai adapter: ``bpe-openai:cl100k_base``, ``bpe-openai:o200k_base``.

bpe-openai is a Rust BPE (github rust-gems) with a tiktoken-compatible API and its own
hand-written pre-tokenizer; ``pretokenize`` exposes that pre-tokenizer (through the
bindings' ``PyTokenizer.pretokenize``) so tokfuzz can check it against the declared
regex.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokfuzz import models
from tokfuzz.backends.base import BackendUnavailable

__all__ = ["BpeOpenAIBackend", "load"]


class BpeOpenAIBackend:
    """A ``bpe_openai.Encoding`` behind the Backend protocol."""

    def __init__(self, encoding: Any, name: str = "bpe-openai") -> None:
        self.name = name
        self._enc = encoding
        self.vocab_size: int = encoding.n_vocab
        self.pattern: str = encoding._pat_str
        self.version = models.library_version("bpe-openai")

    def encode(self, text: str) -> list[int]:
        """Ids via ``Encoding.encode`` with its tiktoken-like defaults."""
        return self._enc.encode(text)

    def decode(self, ids: Sequence[int]) -> str:
        """``Encoding.decode`` (errors="replace")."""
        return self._enc.decode(list(ids))

    def decode_bytes(self, ids: Sequence[int]) -> bytes:
        """Raw bytes of ``ids``."""
        return self._enc.decode_bytes(list(ids))

    def token_bytes(self, token: int) -> bytes:
        """Bytes of one token."""
        return self._enc.decode_single_token_bytes(token)

    def pretokenize(self, text: str) -> list[str]:
        """The Rust pre-tokenizer's pieces of ``text``, after the same lone-surrogate
        replacement (U+FFFD) that ``Encoding.encode`` applies first."""
        return list(self._enc._backend.pretokenize(self._enc._sanitize_text(text)))


def load(arg: str) -> BpeOpenAIBackend:
    """Backend for spec ``bpe-openai:ARG``."""
    try:
        import bpe_openai
    except ImportError as exc:
        raise BackendUnavailable(f"bpe-openai is not installed: pip install bpe-openai ({exc})") from exc
    if arg not in models.OPENAI_ENCODINGS:
        raise BackendUnavailable(f"bpe-openai cannot load {arg!r}: use one of {', '.join(models.OPENAI_ENCODINGS)}")
    return BpeOpenAIBackend(bpe_openai.get_encoding(arg))
