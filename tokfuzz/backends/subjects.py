"""Subjects: the embedded real tokenizers, each bound to every backend that loads it
offline (DESIGN §3), so that cross-backend checks have something to compare.

The first backend of a subject is its *reference*: the library the model was
published for. Cross-backend verdicts compare every other backend against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tokfuzz.backends.base import Backend, BackendUnavailable
from tokfuzz.backends.registry import load_backend
from tokfuzz.backends.models import library_version

__all__ = ["CUSTOM", "DISTRIBUTIONS", "KIND_NAMES", "SUBJECTS", "Subject", "backend_names", "load_subject"]

#: name of the subject made only of user-given backend specs
CUSTOM = "custom"

_OPENAI = ("tiktoken", "hf", "bpe-openai", "tokie")
_SPM = ("spm", "hf", "tokie", "mistral")

#: backend name -> the PyPI distributions whose versions a finding depends on (the HF
#: and tokie backends load a tokenizer.json that transformers converted)
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "tiktoken": ("tiktoken",),
    "hf": ("tokenizers", "transformers"),
    "spm": ("sentencepiece",),
    "bpe-openai": ("bpe-openai",),
    "tokie": ("tokie", "transformers"),
    "mistral-common": ("mistral-common",),
}

#: subject name -> backend kinds, reference first. A subject's spec is KIND:SUBJECT.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "cl100k_base": _OPENAI,
    "o200k_base": _OPENAI,
    "mistral-v1": _SPM,
    "mistral-v3": _SPM,
    "mistral-v7": _SPM,
    "tekken": ("mistral", "tiktoken", "hf", "tokie"),
}

#: backend kind -> the ``name`` of the backend its adapter loads for an embedded subject
KIND_NAMES: dict[str, str] = {
    "tiktoken": "tiktoken", "hf": "hf", "spm": "spm", "bpe-openai": "bpe-openai", "tokie": "tokie",
    "mistral": "mistral-common",
}


def backend_names(name: str) -> tuple[str, ...]:
    """The names of the backends embedded subject ``name`` loads (reference first),
    without loading them: what a ``--backend`` beside it must not be named. Empty for
    ``custom`` and unknown names."""
    return tuple(KIND_NAMES[kind] for kind in SUBJECTS.get(name, ()))


@dataclass
class Subject:
    """One tokenizer model bound to several backends.

    ``backends`` maps backend name to Backend, reference first; ``unavailable`` maps
    the spec of each backend that could not load to the one-line reason.
    """

    name: str
    backends: dict[str, Backend]
    unavailable: dict[str, str] = field(default_factory=dict)

    @property
    def versions(self) -> dict[str, dict[str, str]]:
        """Per backend, the versions of the libraries that shape its output, by PyPI
        name (``{"hf": {"tokenizers": "0.23.3", "transformers": "5.23.0"}}``); a plugin
        reports its own ``version`` attribute under its name, or ``"?"``."""
        out: dict[str, dict[str, str]] = {}
        for name, backend in self.backends.items():
            dists = DISTRIBUTIONS.get(name)
            if dists is None:
                out[name] = {name: str(getattr(backend, "version", "?"))}
            else:
                out[name] = {d: library_version(d) for d in dists}
        return out


def load_subject(name: str, extra_specs: tuple[str, ...] = ()) -> Subject:
    """Load subject ``name`` with every backend that can load it, plus ``extra_specs``
    (backend specs, e.g. a plugin). The name ``custom`` is a subject made of
    ``extra_specs`` alone, the first being its reference.

    A backend that cannot load is recorded in ``Subject.unavailable``; a subject left
    with no backend, or an unknown name, raises BackendUnavailable.
    """
    if name == CUSTOM:
        if not extra_specs:
            raise BackendUnavailable("subject 'custom' is made of --backend specs: give at least one")
    elif name not in SUBJECTS:
        raise BackendUnavailable(f"unknown subject {name!r}; embedded subjects: {', '.join(SUBJECTS)}")
    backends: dict[str, Backend] = {}
    unavailable: dict[str, str] = {}
    for spec in (*(f"{kind}:{name}" for kind in SUBJECTS.get(name, ())), *extra_specs):
        try:
            backend = load_backend(spec)
        except BackendUnavailable as exc:
            unavailable[spec] = str(exc)
            continue
        if backend.name in backends:
            raise BackendUnavailable(f"two backends of subject {name!r} are named {backend.name!r}: rename the plugin's")
        backends[backend.name] = backend
    if not backends:
        raise BackendUnavailable(f"no backend of subject {name!r} loads: " + "; ".join(unavailable.values()))
    return Subject(name, backends, unavailable)
