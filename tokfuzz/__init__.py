"""tokfuzz: find where tokenizers disagree, shrink it, pin it.

The public API. The package is laid out by pipeline stage, data flowing one way:
``strategies``/``inputs`` → ``backends`` → ``oracles`` → ``findings`` → ``engines``
→ ``report`` → ``cli`` (DESIGN §1); each stage imports only the stages before it.
"""

from tokfuzz.backends import Backend, load_backend
from tokfuzz.backends.subjects import Subject, load_subject
from tokfuzz.findings.corpus import Case, Corpus
from tokfuzz.oracles import PROPERTIES, Observation, Verdict, check

__all__ = [
    "PROPERTIES",
    "Backend",
    "Case",
    "Corpus",
    "Observation",
    "Subject",
    "Verdict",
    "check",
    "load_backend",
    "load_subject",
]
