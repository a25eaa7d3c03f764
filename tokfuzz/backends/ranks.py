"""tiktoken-format models that tiktoken itself does not name, offline (DESIGN §3).

* ``claude``: the legacy Claude tokenizer. Its ranks, pattern and special tokens are
  ``claude.json`` in the npm package ``@anthropic-ai/tokenizer`` (0.0.4), read from the
  project's ``node_modules`` (``$TOKFUZZ_NODE_MODULES``, else the ``node_modules`` found
  walking up from this file, as Node resolves packages; ``make install`` runs npm). The
  same model was published as a HF ``tokenizer.json`` inside the PyPI ``anthropic`` SDK
  before 0.39 (``anthropic/tokenizer.json``; pinned: 0.30.0; see
  ``tokfuzz.backends.models.anthropic_tokenizer_json``).
* ``llama3``, ``llama4``: ``tokenizer.model`` (tiktoken ranks) in PyPI ``llama-models``
  (0.3.0), with Meta's own ``Tokenizer`` class beside it
  (``llama_models.llama3.tokenizer``, ``llama_models.llama4.tokenizer``), which holds the
  pattern and the special tokens.

``claude.json`` holds ``bpe_ranks`` in the compact format of the JavaScript tiktoken
ports: ``"<first token> <first rank> <base64 token> <base64 token> …"`` (one line per
run of consecutive ranks), which :func:`claude_encoding_params` reads as those ports do.
Its ``explicit_n_vocab`` (64739) is not the vocabulary size (65000: 64995 ranks from 5
plus 5 special tokens); the npm package never passes it to tiktoken, so neither does
tokfuzz.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from tokfuzz.backends.base import BackendUnavailable

__all__ = [
    "CLAUDE_NPM",
    "LLAMA_MODELS",
    "RANK_MODELS",
    "claude_encoding_params",
    "claude_json_path",
    "llama_model_path",
    "llama_tokenizer",
    "node_modules",
]

#: the npm package holding claude.json, and the file's path inside it
CLAUDE_NPM = ("@anthropic-ai/tokenizer", "claude.json")
#: subject -> the llama-models module whose ``Tokenizer`` loads the ``tokenizer.model`` beside it
LLAMA_MODELS = {"llama3": "llama_models.llama3.tokenizer", "llama4": "llama_models.llama4.tokenizer"}
#: subjects whose reference model is a tiktoken-format rank file from this module
RANK_MODELS = ("claude", *LLAMA_MODELS)


def node_modules() -> Path | None:
    """The project's ``node_modules``: ``$TOKFUZZ_NODE_MODULES`` when set, else the first
    ``node_modules`` directory found walking up from this file (None when there is none)."""
    configured = os.environ.get("TOKFUZZ_NODE_MODULES")
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        if (parent / "node_modules").is_dir():
            return parent / "node_modules"
    return None


def claude_json_path() -> Path:
    """Path of ``claude.json`` in ``node_modules/@anthropic-ai/tokenizer/``.

    Raises BackendUnavailable (one line) when node_modules or the package is missing.
    """
    package, name = CLAUDE_NPM
    root = node_modules()
    path = None if root is None else root / package / name
    if path is None or not path.is_file():
        where = "no node_modules found" if root is None else f"{root / package / name} does not exist"
        raise BackendUnavailable(f"claude.json of npm {package} is missing ({where}): run `make install` (npm ci)")
    return path


def claude_encoding_params() -> dict[str, Any]:
    """tiktoken's ``Encoding`` parameters for claude, as the npm package builds its
    ``Tiktoken(bpe_ranks, special_tokens, pat_str)``: ``{"name", "pat_str",
    "mergeable_ranks", "special_tokens"}`` (read once per path). Raises BackendUnavailable."""
    return _claude_params(claude_json_path())


@cache
def _claude_params(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        ranks: dict[bytes, int] = {}
        for line in data["bpe_ranks"].split("\n"):
            if line:
                _first, offset, *tokens = line.split(" ")
                ranks.update((base64.b64decode(token), int(offset) + i) for i, token in enumerate(tokens))
        specials = {str(k): int(v) for k, v in data["special_tokens"].items()}
        return {"name": "claude", "pat_str": data["pat_str"], "mergeable_ranks": ranks, "special_tokens": specials}
    except (ValueError, KeyError, TypeError) as exc:
        raise BackendUnavailable(f"{path} is not a tiktoken claude.json: {exc}") from exc


def _llama_module(subject: str) -> Any:
    if subject not in LLAMA_MODELS:
        raise BackendUnavailable(f"unknown Llama model {subject!r}; available: {', '.join(LLAMA_MODELS)}")
    try:
        return importlib.import_module(LLAMA_MODELS[subject])
    except ImportError as exc:
        raise BackendUnavailable(f"llama-models is not installed ({exc}): pip install llama-models") from exc


def llama_model_path(subject: str) -> Path:
    """Path of ``tokenizer.model`` of ``subject`` (``llama3`` or ``llama4``) in llama-models."""
    path = Path(_llama_module(subject).__file__).parent / "tokenizer.model"
    if not path.is_file():
        raise BackendUnavailable(f"model file {path} is missing from llama-models: reinstall it (pip install llama-models)")
    return path


@cache
def llama_tokenizer(subject: str) -> Any:
    """Meta's ``Tokenizer`` of ``subject``, loaded from its ``tokenizer.model`` (cached)."""
    return _llama_module(subject).Tokenizer(llama_model_path(subject))
