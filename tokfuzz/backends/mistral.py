"""mistral-common adapter: ``mistral:tekken``, ``mistral:mistral-v3`` or a model path.

This is Mistral's own tokenizer (the one ``vllm --tokenizer-mode mistral`` serves):
``encode(text, bos=False, eos=False)``, ``decode(ids)`` with its default special-token
policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tokfuzz.backends import models
from tokfuzz.backends.base import BackendUnavailable

__all__ = ["MistralCommonBackend", "load"]


class MistralCommonBackend:
    """A mistral-common ``Tekkenizer`` or ``SentencePieceTokenizer``."""

    def __init__(self, tokenizer: Any, name: str = "mistral-common") -> None:
        self.name = name
        self._tok = tokenizer
        self.vocab_size: int = tokenizer.n_words
        self.version = models.library_version("mistral-common")
        self._bytes_cache: dict[int, bytes] = {}
        #: ``special_ids``, each with its piece (``id_to_piece``)
        self.special_tokens: dict[str, int] = {tokenizer.id_to_piece(i): i for i in sorted(tokenizer.special_ids)}
        if hasattr(tokenizer, "id_to_byte_piece"):  # tekken; SentencePiece pieces have no byte view here
            self.token_bytes = self._token_bytes

    def encode(self, text: str) -> list[int]:
        """Ids of ``text`` without BOS/EOS."""
        return self._tok.encode(text, bos=False, eos=False)

    def decode(self, ids: Sequence[int]) -> str:
        """``decode`` with the library's default special-token policy."""
        return self._tok.decode(list(ids))

    def _token_bytes(self, token: int) -> bytes:
        """Bytes of one tekken token (special tokens cover nothing); memoized per id."""
        found = self._bytes_cache.get(token)
        if found is None:
            found = self._bytes_cache[token] = bytes(self._tok.id_to_byte_piece(token))
        return found


def load(arg: str) -> MistralCommonBackend:
    """Backend for spec ``mistral:ARG``."""
    try:
        from mistral_common.tokens.tokenizers.sentencepiece import SentencePieceTokenizer
        from mistral_common.tokens.tokenizers.tekken import Tekkenizer
    except ImportError as exc:
        raise BackendUnavailable(f"mistral-common is not installed: pip install mistral-common ({exc})") from exc
    if arg in models.TEKKEN_MODELS:
        path = models.tekken_path(arg)
    elif arg in models.SPM_MODELS:
        path = models.spm_model_path(arg)
    else:
        path = Path(arg)
    if not path.is_file():
        raise BackendUnavailable(f"mistral-common model {path} does not exist")
    try:
        tok = Tekkenizer.from_file(path) if path.suffix == ".json" else SentencePieceTokenizer(path)
    except Exception as exc:  # noqa: BLE001
        raise BackendUnavailable(f"mistral-common cannot load {path}: {exc}") from exc
    return MistralCommonBackend(tok)
