"""Backends: one tokenizer model loaded through one library, behind one protocol (DESIGN §2).

Takes in: a backend spec (``KIND:ARG``) or an embedded subject name. Hands on:
``Backend`` objects (``encode``/``decode`` and optional members) to the oracles.
Modules: ``base`` (the protocol and shared helpers), ``registry`` (specs and their lazy
loaders), one adapter per library (``tiktoken``, ``hf``, ``spm``, ``bpe_openai``,
``tokie``, ``mistral``, ``llama``, ``kitoken``, ``gigatoken``, ``rs_bpe``,
``anthropic_tokenizer``, ``plugin``; ``ports`` holds what the ports share), ``models`` (model
files from installed packages and cached conversions), ``ranks`` (tiktoken-format models
tiktoken does not name: claude, llama3, llama4), ``subjects`` (the embedded subjects) and ``quiet`` (the
libraries' native stderr, sent to a log). A new library is a new adapter module plus
one line in ``registry.KINDS``.
"""

from tokfuzz.backends.base import Backend, BackendUnavailable, ConfigError
from tokfuzz.backends.registry import KINDS, load_backend, parse_spec

__all__ = ["KINDS", "Backend", "BackendUnavailable", "ConfigError", "load_backend", "parse_spec"]
