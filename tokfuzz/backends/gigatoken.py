"""gigatoken adapter: ``gigatoken:SUBJECT`` or ``gigatoken:path`` — a Rust tokenizer
(PyPI ``gigatoken``) used, as its README's "compatibility mode" says, as a drop-in for
the library the model file was made for.

* ``cl100k_base``, ``o200k_base``: ``gigatoken.Tokenizer.from_tiktoken(path).as_tiktoken()``
  on a file named ``<encoding>.tiktoken`` (gigatoken takes the pattern and special
  tokens from the name), called like ``tiktoken.Encoding``: ``encode(text)`` with
  tiktoken's defaults (special-token text raises ``ValueError``), ``decode(ids)``.
* ``llama3``, ``llama4``, ``mistral-v1/v3/v7``, ``tekken``, a ``tokenizer.json`` path:
  ``gigatoken.Tokenizer(path).as_hf()`` on the HF ``tokenizer.json`` (the transformers
  conversion tokfuzz caches, as HF and tokie load), called like a transformers fast
  tokenizer: ``encode(text, add_special_tokens=False)``, ``decode(ids)`` (its default
  ``skip_special_tokens=False``).

Not loaded (README, Subjects): ``claude`` — gigatoken 0.10 refuses the SDK's
tokenizer.json ("Unsupported normalizer type: NFKC"); mistral's SentencePiece
``.model`` through gigatoken's own converter ("Invalid UTF-8 characters in json"), so
the mistral subjects go through the HF conversion instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tokfuzz.backends import models
from tokfuzz.backends.base import BackendUnavailable
from tokfuzz.backends.ports import first_line, tiktoken_file
from tokfuzz.backends.tiktoken import TiktokenBackend

__all__ = ["GigatokenHFBackend", "GigatokenTiktokenBackend", "load"]


class GigatokenTiktokenBackend(TiktokenBackend):
    """``gigatoken.TiktokenCompat`` (a drop-in ``tiktoken.Encoding``) behind the Backend
    protocol: the tiktoken adapter's calls (``encode`` with tiktoken's defaults, so
    special-token text raises ``ValueError``; ``encode_batch``; ``decode``, partial UTF-8
    as U+FFFD; ``decode_bytes``; ``token_bytes``) on gigatoken's object. No ``pattern``:
    gigatoken's pre-tokenizer is its own Rust code, chosen by the file's name."""

    def __init__(self, encoding: Any, name: str = "gigatoken") -> None:  # noqa: D107 - no super(): no _pat_str here
        self.name = name
        self._enc = encoding
        self.vocab_size: int = encoding.n_vocab
        self.special_tokens = {s: encoding.encode_single_token(s) for s in encoding.special_tokens_set}
        self.version = models.library_version("gigatoken")


class GigatokenHFBackend:
    """``gigatoken.HFCompat`` (a drop-in transformers fast tokenizer) behind the Backend protocol."""

    def __init__(self, tokenizer: Any, name: str = "gigatoken") -> None:
        self.name = name
        self._tok = tokenizer
        self.vocab_size: int = len(tokenizer)
        self.version = models.library_version("gigatoken")

    def encode(self, text: str) -> list[int]:
        """``encode(text, add_special_tokens=False)``."""
        return list(self._tok.encode(text, add_special_tokens=False))

    def decode(self, ids: Sequence[int]) -> str:
        """``decode(ids)`` with its defaults."""
        return self._tok.decode(list(ids))

    def decode_bytes(self, ids: Sequence[int]) -> bytes:
        """Raw bytes of ``ids`` (the wrapped ``gigatoken.Tokenizer.decode``)."""
        return bytes(self._tok.tokenizer.decode(list(ids)))


def load(arg: str) -> GigatokenTiktokenBackend | GigatokenHFBackend:
    """Backend for spec ``gigatoken:ARG``. Raises BackendUnavailable with a one-line reason."""
    try:
        import gigatoken
    except ImportError as exc:
        raise BackendUnavailable(f"gigatoken is not installed: pip install gigatoken ({exc})") from exc
    is_tiktoken = arg in models.OPENAI_ENCODINGS or arg.endswith(".tiktoken")
    if arg in models.OPENAI_ENCODINGS:
        path = tiktoken_file(arg)
    elif arg.endswith((".json", ".tiktoken")):
        path = Path(arg)
    else:
        path = models.hf_json(arg)
    if not path.is_file():
        raise BackendUnavailable(f"model file {path} does not exist")
    try:
        if is_tiktoken:
            return GigatokenTiktokenBackend(gigatoken.Tokenizer.from_tiktoken(path).as_tiktoken())
        return GigatokenHFBackend(gigatoken.Tokenizer(path).as_hf())
    except Exception as exc:  # noqa: BLE001 - any load failure is a configuration error
        raise BackendUnavailable(f"gigatoken cannot load {path}: {first_line(exc)}") from exc
