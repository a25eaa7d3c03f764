"""transformers adapter: ``transformers:DIR``, a user's own tokenizer directory.

``AutoTokenizer.from_pretrained(DIR, local_files_only=True)``, every other option at
its default: the call a model's users make, pointed at a local directory (the one
``save_pretrained`` writes: ``tokenizer.json`` and/or ``tokenizer_config.json``, or a
slow model file such as ``tokenizer.model`` that transformers converts on load).
Nothing is fetched: ``local_files_only=True`` and ``HF_HUB_OFFLINE=1``. A directory
holding custom tokenizer code (``auto_map``) does not load, because
``trust_remote_code`` stays at its default, False.

* ``encode(text)`` is ``tok.encode(text, add_special_tokens=False)``: the protocol's
  "no BOS/EOS added" (DESIGN §2) is exactly transformers' ``add_special_tokens=False``.
  Special and added tokens spelled in the text are still matched as control tokens
  (``split_special_tokens`` stays False): a finding, not repaired.
* ``decode(ids)`` is ``tok.decode(ids)`` with the library's defaults:
  ``skip_special_tokens=False`` (HF ``tokenizers``' own ``Tokenizer.decode``, the
  ``hf:`` backend, defaults to True, so the two backends of one model can differ on
  text that spells a special token) and ``clean_up_tokenization_spaces`` from the
  tokenizer's config, whose default depends on the tokenizer class (transformers 5
  ignores it for BPE models). Neither is changed here.

Optional members (DESIGN §2), present when the tokenizer has what they need:
``version`` (transformers), ``vocab_size`` (``len(tok)``: the base vocabulary plus
added tokens), ``special_tokens`` (``added_tokens_encoder`` plus every string of
``all_special_tokens``, string -> id). A fast tokenizer also gets ``token_bytes``
where a token's bytes are exact (byte-level BPE: its GPT-2 byte alphabet reversed;
a model with byte fallback: ``<0xNN>`` pieces as that byte and ``▁`` as a space; an
added token as its content), ``normalize`` (its ``tokenizers`` normalizer, the
round-trip target, as for ``hf:``) and ``prefix_space`` (a Metaspace pre-tokenizer
may prepend one space). Those three come from ``tokfuzz.backends.hf.HFBackend`` over
``tok.backend_tokenizer``. WordPiece or Unigram pieces without byte fallback, and
slow (pure-Python) tokenizers, get no ``token_bytes``: their bytes are a guess.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tokfuzz.backends import models
from tokfuzz.backends.base import BackendUnavailable
from tokfuzz.backends.hf import HFBackend

__all__ = ["NAME", "TransformersBackend", "load"]

NAME = "transformers"
"""The ``name`` of every ``transformers:DIR`` backend."""


class TransformersBackend:
    """A transformers tokenizer (``AutoTokenizer``) behind the Backend protocol."""

    def __init__(self, tokenizer: Any, name: str = NAME) -> None:
        self.name = name
        self._tok = tokenizer
        self.version: str = models.library_version("transformers")
        self.vocab_size: int = len(tokenizer)
        self.special_tokens: dict[str, int] = special_tokens(tokenizer)
        fast = tokenizer.backend_tokenizer if getattr(tokenizer, "is_fast", False) else None
        if fast is not None:
            config = json.loads(fast.to_str())
            inner = HFBackend(fast, config, name)
            if exact_token_bytes(config):
                self.token_bytes: Callable[[int], bytes] = inner.token_bytes
            normalize = getattr(inner, "normalize", None)
            if normalize is not None:
                self.normalize: Callable[[str], str] = normalize
            self.prefix_space: bool = inner.prefix_space

    def encode(self, text: str) -> list[int]:
        """``tok.encode(text, add_special_tokens=False)``: no BOS/EOS added."""
        return list(self._tok.encode(text, add_special_tokens=False))

    def decode(self, ids: Sequence[int]) -> str:
        """``tok.decode(ids)`` with the library's defaults (see the module docstring)."""
        return self._tok.decode(list(ids))


def special_tokens(tokenizer: Any) -> dict[str, int]:
    """String -> id of every added token (``added_tokens_encoder``) and every special
    token the tokenizer names (``all_special_tokens``: bos, eos, unk, pad, …, which may
    live in the base vocabulary), as the library holds them."""
    out = {str(t): int(i) for t, i in dict(getattr(tokenizer, "added_tokens_encoder", {})).items()}
    for token in getattr(tokenizer, "all_special_tokens", ()):
        found = tokenizer.convert_tokens_to_ids(str(token))
        if isinstance(found, int):
            out.setdefault(str(token), found)
    return out


def exact_token_bytes(config: dict[str, Any]) -> bool:
    """Whether a ``tokenizer.json`` config's pieces map to bytes exactly: a ByteLevel
    decoder (byte-level BPE) or a model with ``byte_fallback``."""
    return "ByteLevel" in json.dumps(config.get("decoder")) or bool((config.get("model") or {}).get("byte_fallback"))


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load(arg: str) -> TransformersBackend:
    """Backend for spec ``transformers:DIR``.

    Raises:
        BackendUnavailable: transformers is not installed, ``DIR`` does not exist, is
            not a directory or holds no file, or transformers cannot load a tokenizer
            from it (its reason, on one line).
    """
    directory = Path(arg).expanduser()
    if not directory.exists():
        raise BackendUnavailable(f"tokenizer directory {directory} does not exist")
    if not directory.is_dir():
        raise BackendUnavailable(f"{directory} is not a directory: transformers:DIR takes the directory "
                                 "save_pretrained writes (tokenizer.json, tokenizer_config.json)")
    if not any(p.is_file() for p in directory.iterdir()):
        raise BackendUnavailable(f"tokenizer directory {directory} holds no file")
    models._quiet_transformers()  # offline, quiet: HF_HUB_OFFLINE=1 before the import
    try:
        from transformers import AutoTokenizer
    except ImportError as exc:
        raise BackendUnavailable(f"transformers is not installed: pip install transformers ({exc})") from exc
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - any load failure is a configuration error
        raise BackendUnavailable(f"transformers cannot load a tokenizer from {directory}: {_one_line(exc)}") from exc
    return TransformersBackend(tokenizer)
