"""Backend spec strings ``KIND:ARG`` (DESIGN §2) and their lazy loaders.

Like tiktoken's ``registry.py``: a table of named constructors, each importing its
library only when used, so a missing optional library costs nothing until asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from tokfuzz.backends.base import Backend, BackendUnavailable

__all__ = ["KINDS", "load_backend", "parse_spec"]

#: spec kind -> (adapter module, what ARG may be)
KINDS: dict[str, tuple[str, str]] = {
    "tiktoken": ("tokfuzz.backends.tiktoken", "cl100k_base | o200k_base | tekken | path/x.tiktoken"),
    "hf": ("tokfuzz.backends.hf", "path/tokenizer.json | SUBJECT (transformers conversion)"),
    "spm": ("tokfuzz.backends.spm", "path/tokenizer.model | mistral-v1 | mistral-v3 | mistral-v7"),
    "bpe-openai": ("tokfuzz.backends.bpe_openai", "cl100k_base | o200k_base"),
    "tokie": ("tokfuzz.backends.tokie", "path/tokenizer.json | SUBJECT (HF conversion)"),
    "mistral": ("tokfuzz.backends.mistral", "tekken | mistral-v1 | mistral-v3 | mistral-v7 | path"),
    "llama": ("tokfuzz.backends.llama", "llama3 | llama4 (Meta's llama-models Tokenizer)"),
    "kitoken": ("tokfuzz.backends.kitoken", "SUBJECT | path (.tiktoken, tokenizer.json, .model, tekken .json)"),
    "gigatoken": ("tokfuzz.backends.gigatoken", "SUBJECT | path (.tiktoken of cl100k/o200k, tokenizer.json)"),
    "rs-bpe": ("tokfuzz.backends.rs_bpe", "cl100k_base | o200k_base"),
    "anthropic-tokenizer": ("tokfuzz.backends.anthropic_tokenizer", "claude"),
    "transformers": ("tokfuzz.backends.transformers", "DIR (a local tokenizer directory, AutoTokenizer, offline)"),
    "python": ("tokfuzz.backends.plugin", "package.module:attr"),
    "cmd": ("tokfuzz.backends.cmd", "COMMAND LINE of a process speaking tokfuzz-cmd/1 (README: The cmd: protocol)"),
    "js": ("tokfuzz.backends.js", "PORT:ARG, a JavaScript port from npm (tokfuzz.backends.js.PORTS)"),
    "llama-cpp": ("tokfuzz.backends.llama_cpp", "FAMILY | llama3 | path/x.gguf: llama.cpp's tokenizer (optional: make llama-cpp)"),
}


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``KIND:ARG``. Raises BackendUnavailable naming the known kinds."""
    kind, sep, arg = spec.partition(":")
    if not sep or not arg:
        raise BackendUnavailable(f"backend spec {spec!r} must look like KIND:ARG (kinds: {', '.join(KINDS)})")
    if kind not in KINDS:
        raise BackendUnavailable(f"unknown backend kind {kind!r} in {spec!r}; available kinds: {', '.join(KINDS)}")
    return kind, arg


def load_backend(spec: str) -> Backend:
    """Load the Backend named by ``spec`` (e.g. ``hf:cl100k_base``).

    Raises BackendUnavailable (a ConfigError) with a one-line reason: unknown kind,
    missing file, library not installed, plugin that fails to load.
    """
    kind, arg = parse_spec(spec)
    loader: Callable[[str], Backend] = importlib.import_module(KINDS[kind][0]).load
    return loader(arg)
