"""bpe-openai adapter: ``bpe-openai:cl100k_base``, ``bpe-openai:o200k_base``.

bpe-openai is a Rust BPE (github rust-gems) behind a tiktoken-compatible API, so the
adapter is tiktoken's plus one member: ``pretokenize`` exposes bpe-openai's own
hand-written pre-tokenizer (the bindings' ``PyTokenizer.pretokenize``), so tokfuzz can
check it against the regex the model declares.
"""

from __future__ import annotations

from typing import Any

from tokfuzz.backends import models
from tokfuzz.backends.base import BackendUnavailable
from tokfuzz.backends.tiktoken import TiktokenBackend

__all__ = ["BpeOpenAIBackend", "load"]


class BpeOpenAIBackend(TiktokenBackend):
    """A ``bpe_openai.Encoding`` (tiktoken-compatible) behind the Backend protocol."""

    def __init__(self, encoding: Any, name: str = "bpe-openai") -> None:
        super().__init__(encoding, name)
        self.version = models.library_version("bpe-openai")

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """One ``encode`` per text (bpe-openai's batch call is a Python thread pool)."""
        return [self.encode(t) for t in texts]

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
