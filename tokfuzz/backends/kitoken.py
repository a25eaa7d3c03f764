"""kitoken adapter: ``kitoken:SUBJECT`` or ``kitoken:path`` — a Rust tokenizer (PyPI
``kitoken``) that loads tiktoken, HF ``tokenizers``, SentencePiece and tekken files itself.

Each subject is loaded from the file its users hold, with kitoken's own loader for
that format (kitoken's README):

=====================  ============================================================
subject                loader and file
=====================  ============================================================
cl100k_base, o200k_base ``Kitoken.from_tiktoken_file`` on the ``.tiktoken`` ranks
llama3, llama4          ``Kitoken.from_tiktoken_file`` on Meta's ``tokenizer.model``
mistral-v1/v3/v7        ``Kitoken.from_sentencepiece_file`` on the ``.model``
tekken                  ``Kitoken.from_tekken_file`` on ``tekken_240911.json``
claude                  ``Kitoken.from_tokenizers_file`` on the anthropic SDK's tokenizer.json
=====================  ============================================================

A tiktoken rank file carries no pattern and no special tokens: kitoken picks them
itself (for Llama 3's file it picks cl100k_base's, since Llama 3's first 100,256 ranks
are cl100k's; that is kitoken's behaviour, reported, not repaired). ``encode`` is
``Kitoken.encode(text)`` (default ``encode_specials=False``: special-token text is
ordinary text) and ``decode`` is ``Kitoken.decode(ids).decode("utf-8")``, as the README
shows (``decode`` returns bytes; strict UTF-8, so ids ending inside a character raise).
Where kitoken's ``config()`` lists only Unicode normal forms as its normalization (the
claude tokenizer.json: NFKC), the adapter declares ``normalize`` as those forms, so the
round trip is checked against what kitoken says it does.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tokfuzz.backends import models, ranks
from tokfuzz.backends.base import BackendUnavailable
from tokfuzz.backends.ports import BytesPort, first_line, tiktoken_file

__all__ = ["KitokenBackend", "load"]


class KitokenBackend(BytesPort):
    """A ``kitoken.Kitoken`` behind the Backend protocol (DESIGN §2)."""

    def __init__(self, tokenizer: Any, name: str = "kitoken") -> None:
        config = tokenizer.config()
        # decoding steps (SentencePiece: strip the leading "▁", "▁" -> " ") apply to every
        # decode call, so decode([id]) is a token's bytes only where there are none
        super().__init__(tokenizer, name, "kitoken", raw_bytes=not config.get("decoding"))
        steps = config.get("normalization") or []
        forms = [step["Unicode"]["scheme"] for step in steps if isinstance(step, dict) and "Unicode" in step]
        if forms and len(forms) == len(steps):  # only Unicode normal forms: the round-trip target is known
            self._forms = forms
            self.normalize = self._normalize
        #: ``definition()["specials"]`` of kind ``Control`` (kitoken's own special-token table)
        self.special_tokens: dict[str, int] = {
            bytes(s["bytes"]).decode("utf-8", "replace"): int(s["id"])
            for s in tokenizer.definition().get("specials", []) if s.get("kind") == "Control"
        }

    def _normalize(self, text: str) -> str:
        """The Unicode normal forms kitoken's config says it applies (claude: NFKC)."""
        for form in self._forms:
            text = unicodedata.normalize(form, text)
        return text

    def encode(self, text: str) -> list[int]:
        """``Kitoken.encode(text)`` with its defaults."""
        return list(self._tok.encode(text))

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """``Kitoken.encode_all`` (kitoken's batch call)."""
        return [list(ids) for ids in self._tok.encode_all(list(texts))]

    def decode(self, ids: Sequence[int]) -> str:
        """``Kitoken.decode(ids)`` as UTF-8 (strict, as kitoken's README decodes it)."""
        return self.decode_bytes(ids).decode("utf-8")

    def decode_bytes(self, ids: Sequence[int]) -> bytes:
        """``Kitoken.decode(ids)``: the tokens' bytes (special tokens left out, kitoken's default)."""
        return bytes(self._tok.decode(list(ids)))


def _source(arg: str) -> tuple[str, Path]:
    """(kitoken loader name, file) for ``arg``: a subject name or a path."""
    if arg in models.OPENAI_ENCODINGS:
        return "from_tiktoken_file", tiktoken_file(arg)
    if arg in ranks.LLAMA_MODELS:
        return "from_tiktoken_file", ranks.llama_model_path(arg)
    if arg in models.SPM_MODELS:
        return "from_sentencepiece_file", models.spm_model_path(arg)
    if arg in models.TEKKEN_MODELS:
        return "from_tekken_file", models.tekken_path(arg)
    if arg == "claude":
        return "from_tokenizers_file", models.anthropic_tokenizer_json()
    path = Path(arg)
    loaders = {".tiktoken": "from_tiktoken_file", ".model": "from_sentencepiece_file", ".json": "from_tokenizers_file"}
    if path.suffix not in loaders:
        raise BackendUnavailable(f"kitoken cannot load {arg!r}: use a subject name or a .tiktoken, .model or tokenizer.json path")
    if not path.is_file():
        raise BackendUnavailable(f"model file {path} does not exist")
    return loaders[path.suffix], path


def load(arg: str) -> KitokenBackend:
    """Backend for spec ``kitoken:ARG``. Raises BackendUnavailable with a one-line reason."""
    try:
        from kitoken import Kitoken
    except ImportError as exc:
        raise BackendUnavailable(f"kitoken is not installed: pip install kitoken ({exc})") from exc
    loader, path = _source(arg)
    try:
        return KitokenBackend(getattr(Kitoken, loader)(str(path)))
    except Exception as exc:  # noqa: BLE001 - any load failure is a configuration error
        raise BackendUnavailable(f"kitoken cannot load {path}: {first_line(exc)}") from exc
