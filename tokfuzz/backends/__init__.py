"""Backends: one module per tokenizer library, behind one protocol (DESIGN §2)."""

from tokfuzz.backends.base import Backend, BackendUnavailable, ConfigError
from tokfuzz.backends.registry import KINDS, load_backend, parse_spec

__all__ = ["KINDS", "Backend", "BackendUnavailable", "ConfigError", "load_backend", "parse_spec"]
