"""SentencePiece adapter: ``spm:path/tokenizer.model`` or ``spm:mistral-v1|v3|v7``.

``encode`` is ``SentencePieceProcessor.encode(text)`` (ids, no BOS/EOS: the library's
defaults). The model's normalizer (its ``normalizer_spec``, here usually ``identity``)
and its dummy prefix are the library's; tokfuzz reads them through ``normalize``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tokfuzz.backends import models
from tokfuzz.backends.base import BackendUnavailable

__all__ = ["SentencePieceBackend", "load"]

_METASPACE = "\u2581"


class SentencePieceBackend:
    """A ``sentencepiece.SentencePieceProcessor`` behind the Backend protocol."""

    def __init__(self, processor: Any, name: str = "spm") -> None:
        self.name = name
        self._sp = processor
        self._bytes_cache: dict[int, bytes] = {}
        self.vocab_size: int = processor.get_piece_size()
        self.version = models.library_version("sentencepiece")
        self._dummy_prefix = processor.normalize("a").startswith(_METASPACE)
        #: control pieces (``IsControl``: ``<s>``, ``</s>``, ``[INST]``…) and the unknown piece
        self.special_tokens: dict[str, int] = {
            processor.id_to_piece(i): i for i in range(self.vocab_size) if processor.IsControl(i) or processor.IsUnknown(i)
        }
        #: ``encode(list, num_threads=…)`` runs one processor from a thread pool
        self.thread_safe = True

    def encode(self, text: str) -> list[int]:
        """Ids of ``text``."""
        return self._sp.encode(text)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """``encode`` on a list (SentencePiece batches natively)."""
        return self._sp.encode(texts)

    def decode(self, ids: Sequence[int]) -> str:
        """``SentencePieceProcessor.decode``."""
        return self._sp.decode(list(ids))

    def normalize(self, text: str) -> str:
        """The model's normalizer applied to ``text``, as decode should give it back:
        ``▁`` read as a space, the dummy prefix removed."""
        out = self._sp.normalize(text).replace(_METASPACE, " ")
        return out[1:] if self._dummy_prefix and out.startswith(" ") else out

    def expected_bytes(self, text: str) -> bytes:
        """Bytes the pieces must cover: the normalized text with its dummy prefix."""
        return self._sp.normalize(text).replace(_METASPACE, " ").encode("utf-8")

    def token_bytes(self, token: int) -> bytes:
        """Bytes of one piece: a byte-fallback piece ``<0xNN>`` is that byte, control
        and unknown pieces cover nothing, ``▁`` is a space. Memoized per id (the
        vocabulary bounds the cache; each miss is four pybind calls)."""
        found = self._bytes_cache.get(token)
        if found is None:
            found = self._bytes_cache[token] = self._token_bytes(token)
        return found

    def _token_bytes(self, token: int) -> bytes:
        if self._sp.is_byte(token):
            return bytes([int(self._sp.id_to_piece(token)[3:5], 16)])
        if self._sp.is_control(token) or self._sp.is_unknown(token):
            return b""
        return self._sp.id_to_piece(token).replace(_METASPACE, " ").encode("utf-8")


def load(arg: str) -> SentencePieceBackend:
    """Backend for spec ``spm:ARG``."""
    try:
        import sentencepiece
    except ImportError as exc:
        raise BackendUnavailable(f"sentencepiece is not installed: pip install sentencepiece ({exc})") from exc
    path = models.spm_model_path(arg) if arg in models.SPM_MODELS else Path(arg)
    if not path.is_file():
        known = ", ".join(models.SPM_MODELS)
        raise BackendUnavailable(f"SentencePiece model {path} does not exist (embedded models: {known})")
    try:
        return SentencePieceBackend(sentencepiece.SentencePieceProcessor(model_file=str(path)))
    except Exception as exc:  # noqa: BLE001
        raise BackendUnavailable(f"sentencepiece cannot load {path}: {exc}") from exc
