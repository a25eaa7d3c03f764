"""llama-models adapter: ``llama:llama3``, ``llama:llama4`` — Meta's own tokenizer.

The reference of the Llama subjects: ``llama_models.llama3.tokenizer.Tokenizer`` (and
``llama4``), loaded from the ``tokenizer.model`` shipped beside it and called as its
docstring says, with the default options: ``encode(text, bos=False, eos=False)``.
Those defaults are ``allowed_special=set()`` and ``disallowed_special=()``, so text that
spells a special token (``<|begin_of_text|>``) is encoded as ordinary text (unlike plain
tiktoken, which raises). ``encode`` also cuts the text into slices of at most 400,000
characters and of at most 25,000 consecutive whitespace or non-whitespace characters
(``str.isspace``) before tiktoken sees them, a difference from a one-call tokenizer
that only inputs that long can show. ``decode`` is tiktoken's (``errors="replace"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tokfuzz.backends import models, ranks

__all__ = ["LlamaModelsBackend", "load"]


class LlamaModelsBackend:
    """Meta's ``Tokenizer`` (llama-models) behind the Backend protocol (DESIGN §2)."""

    def __init__(self, tokenizer: Any, name: str = "llama-models") -> None:
        self.name = name
        self._tok = tokenizer
        self.vocab_size: int = tokenizer.n_words
        self.pattern: str = tokenizer.model._pat_str  # the pattern Meta's class declares
        self.special_tokens: Mapping[str, int] = dict(tokenizer.special_tokens)
        self.version = models.library_version("llama-models")

    def encode(self, text: str) -> list[int]:
        """``Tokenizer.encode(text, bos=False, eos=False)`` (special-token text is ordinary text)."""
        return self._tok.encode(text, bos=False, eos=False)

    def decode(self, ids: Sequence[int]) -> str:
        """``Tokenizer.decode``."""
        return self._tok.decode(list(ids))

    def decode_bytes(self, ids: Sequence[int]) -> bytes:
        """Raw bytes of ``ids`` (the ``tiktoken.Encoding`` Meta's class holds)."""
        return self._tok.model.decode_bytes(list(ids))

    def token_bytes(self, token: int) -> bytes:
        """Bytes of one token."""
        return self._tok.model.decode_single_token_bytes(token)


def load(arg: str) -> LlamaModelsBackend:
    """Backend for spec ``llama:ARG`` (``llama3`` or ``llama4``). Raises BackendUnavailable."""
    return LlamaModelsBackend(ranks.llama_tokenizer(arg))
