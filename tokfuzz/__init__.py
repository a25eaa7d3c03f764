"""tokfuzz: find where tokenizers disagree, shrink it, pin it."""

from tokfuzz.backends import Backend, load_backend
from tokfuzz.subjects import Subject, load_subject

__all__ = ["Backend", "Subject", "load_backend", "load_subject"]
