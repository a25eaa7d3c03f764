"""anthropic-tokenizer adapter: ``anthropic-tokenizer:claude`` — a Rust port of the
legacy Claude tokenizer (PyPI ``anthropic-tokenizer``, not by Anthropic) with its
vocabulary compiled into the wheel.

The package ships no README; its module docstring lists the local, offline functions
``encode(text) -> list[int]`` and ``decode(ids) -> str``, which the adapter calls as
they are. (Its ``ApiTokenizer`` calls Anthropic's count_tokens API first; tokfuzz never
uses it: no network.) Like the anthropic SDK's tokenizer.json, ``encode`` applies NFKC
and matches special-token text (``<EOT>``) as a control token; ``decode`` leaves special
tokens out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokfuzz.backends import models
from tokfuzz.backends.base import BackendUnavailable

__all__ = ["AnthropicTokenizerBackend", "load"]


class AnthropicTokenizerBackend:
    """The ``anthropic_tokenizer`` module behind the Backend protocol (DESIGN §2)."""

    def __init__(self, module: Any, name: str = "anthropic-tokenizer") -> None:
        self.name = name
        self._mod = module
        self.vocab_size: int = module.vocab_size()
        self.version = models.library_version("anthropic-tokenizer")

    def encode(self, text: str) -> list[int]:
        """``anthropic_tokenizer.encode(text)``."""
        return list(self._mod.encode(text))

    def decode(self, ids: Sequence[int]) -> str:
        """``anthropic_tokenizer.decode(ids)``."""
        return self._mod.decode(list(ids))


def load(arg: str) -> AnthropicTokenizerBackend:
    """Backend for spec ``anthropic-tokenizer:claude``. Raises BackendUnavailable."""
    try:
        import anthropic_tokenizer
    except ImportError as exc:
        raise BackendUnavailable(f"anthropic-tokenizer is not installed: pip install anthropic-tokenizer ({exc})") from exc
    if arg != "claude":
        raise BackendUnavailable(f"anthropic-tokenizer cannot load {arg!r}: it embeds only the claude tokenizer")
    return AnthropicTokenizerBackend(anthropic_tokenizer)
