"""rs-bpe adapter: ``rs-bpe:cl100k_base``, ``rs-bpe:o200k_base`` — a Rust BPE (PyPI
``rs-bpe``; its README and algorithms follow github's rust-gems ``bpe``, as bpe-openai's
do) with its own copy of the OpenAI ranks in the wheel (no file to load, nothing downloaded).

Called as its README shows: ``tok = rs_bpe.bpe.openai.cl100k_base()``, ``tok.encode(text)``,
``tok.decode(ids)``. rs-bpe has no special tokens: ``<|endoftext|>`` in text is ordinary
text. ``decode`` returns ``None`` when the ids' bytes are not valid UTF-8; the adapter
raises ValueError for it instead of inventing text. Token bytes come from the
tokenizer's ``bpe().decode_tokens([id])``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokfuzz.backends import models
from tokfuzz.backends.base import BackendUnavailable
from tokfuzz.backends.ports import BytesPort

__all__ = ["RsBpeBackend", "load"]


class RsBpeBackend(BytesPort):
    """An ``rs_bpe.bpe.openai.Tokenizer`` behind the Backend protocol (DESIGN §2)."""

    def __init__(self, tokenizer: Any, name: str = "rs-bpe") -> None:
        super().__init__(tokenizer, name, "rs-bpe")
        self._bpe = tokenizer.bpe()

    def encode(self, text: str) -> list[int]:
        """``Tokenizer.encode(text)``."""
        return list(self._tok.encode(text))

    def decode(self, ids: Sequence[int]) -> str:
        """``Tokenizer.decode(ids)``; raises ValueError where rs-bpe returns None."""
        out = self._tok.decode(list(ids))
        if out is None:
            raise ValueError("rs_bpe decode returned None: the ids' bytes are not valid UTF-8")
        return out

    def decode_bytes(self, ids: Sequence[int]) -> bytes:
        """``bpe().decode_tokens(ids)``: the tokens' raw bytes."""
        return bytes(self._bpe.decode_tokens(list(ids)))


def load(arg: str) -> RsBpeBackend:
    """Backend for spec ``rs-bpe:ARG``. Raises BackendUnavailable with a one-line reason."""
    try:
        from rs_bpe.bpe import openai
    except ImportError as exc:
        raise BackendUnavailable(f"rs-bpe is not installed: pip install rs-bpe ({exc})") from exc
    if arg not in models.OPENAI_ENCODINGS:
        raise BackendUnavailable(f"rs-bpe cannot load {arg!r}: it embeds only {', '.join(models.OPENAI_ENCODINGS)}")
    return RsBpeBackend(getattr(openai, arg)())
