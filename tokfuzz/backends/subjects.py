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
from tokfuzz.backends.user_subjects import user_subjects

__all__ = ["CUSTOM", "DISTRIBUTIONS", "KIND_NAMES", "OPTIONAL_KINDS", "SUBJECTS", "Subject", "backend_names", "load_subject"]

#: name of the subject made only of user-given backend specs
CUSTOM = "custom"

_JS_OPENAI = ("js:js-tiktoken", "js:gpt-tokenizer", "js:tiktoken-wasm", "js:tokenizers-js")  # npm ports (tokfuzz.backends.js)
_PY_PORTS = ("kitoken", "gigatoken")  # Python ports that load the subject's own files (tokfuzz.backends.kitoken, .gigatoken)
_OPENAI = ("tiktoken", "hf", "bpe-openai", "tokie", *_PY_PORTS, "rs-bpe", *_JS_OPENAI)
_SPM = ("spm", "hf", "tokie", "mistral", *_PY_PORTS, "js:tokenizers-js")

#: backend name -> the PyPI distributions whose versions a finding depends on (the HF
#: and tokie backends load a tokenizer.json that transformers converted)
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "tiktoken": ("tiktoken",),
    "hf": ("tokenizers", "transformers"),
    "spm": ("sentencepiece",),
    "bpe-openai": ("bpe-openai",),
    "tokie": ("tokie", "transformers"),
    "mistral-common": ("mistral-common",),
    "transformers": ("transformers", "tokenizers"),
    "llama-models": ("llama-models", "tiktoken"),
    "kitoken": ("kitoken",),
    "gigatoken": ("gigatoken", "transformers"),
    "rs-bpe": ("rs-bpe",),
    "anthropic-tokenizer": ("anthropic-tokenizer",),
}

#: subject name -> backend kinds, reference first. A subject's spec is KIND:SUBJECT.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "cl100k_base": _OPENAI,
    "o200k_base": _OPENAI,
    "mistral-v1": (*_SPM, "js:mistral-tokenizer-js"),
    "mistral-v3": _SPM,
    "mistral-v7": _SPM,
    "tekken": ("mistral", "tiktoken", "hf", "tokie", *_PY_PORTS, "js:tokenizers-js"),
    # claude: tiktoken on the npm package's claude.json, hf on the anthropic SDK's tokenizer.json
    # (gigatoken cannot load it: NFKC normalizer; README, Subjects)
    "claude": ("tiktoken", "hf", "tokie", "kitoken", "anthropic-tokenizer", "js:anthropic-tokenizer-js", "js:tokenizers-js"),
    "llama3": ("llama", "hf", "tokie", *_PY_PORTS, "js:llama3-tokenizer-js", "js:tokenizers-js", "llama-cpp"),
    "llama4": ("llama", "hf", "tokie", *_PY_PORTS, "js:tokenizers-js"),
}

#: backend kind -> the ``name`` of the backend its adapter loads for an embedded subject
KIND_NAMES: dict[str, str] = {
    "tiktoken": "tiktoken", "hf": "hf", "spm": "spm", "bpe-openai": "bpe-openai", "tokie": "tokie",
    "mistral": "mistral-common", "llama": "llama-models", "kitoken": "kitoken", "gigatoken": "gigatoken",
    "rs-bpe": "rs-bpe", "anthropic-tokenizer": "anthropic-tokenizer", "llama-cpp": "llama-cpp",
}

#: kinds whose library is built on request (``make llama-cpp``): absent is normal, not a failure
OPTIONAL_KINDS: tuple[str, ...] = ("llama-cpp",)


def backend_names(name: str) -> tuple[str, ...]:
    """The names of the backends embedded subject ``name`` loads (reference first),
    without loading them: what a ``--backend`` beside it must not be named (a ``js:PORT``
    kind is named after its port). Empty for ``custom`` and unknown names."""
    return tuple(kind.partition(":")[2] if kind.startswith("js:") else KIND_NAMES[kind] for kind in SUBJECTS.get(name, ()))


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
            if dists is None:  # a plugin or a port: the library it names (npm packages for js:)
                out[name] = {str(getattr(backend, "library", name)): str(getattr(backend, "version", "?"))}
            else:
                out[name] = {d: library_version(d) for d in dists}
        return out


def load_subject(name: str, extra_specs: tuple[str, ...] = ()) -> Subject:
    """Load subject ``name`` with every backend that can load it, plus ``extra_specs``
    (backend specs, e.g. a plugin). The name ``custom`` is a subject made of
    ``extra_specs`` alone, the first being its reference. A user subject
    (tokfuzz.backends.user_subjects, filled from a project config) is its specs, then
    ``extra_specs``.

    A backend that cannot load is recorded in ``Subject.unavailable``; a subject left
    with no backend, or an unknown name, raises BackendUnavailable.
    """
    if name == CUSTOM:
        if not extra_specs:
            raise BackendUnavailable("subject 'custom' is made of --backend specs: give at least one")
    elif name not in SUBJECTS and name not in (user := user_subjects()):
        also = f"; subjects of the project config: {', '.join(user)}" if user else ""
        raise BackendUnavailable(f"unknown subject {name!r}; embedded subjects: {', '.join(SUBJECTS)}{also}")
    own = (f"{kind}:{name}" for kind in SUBJECTS[name]) if name in SUBJECTS else user_subjects().get(name, ())
    backends: dict[str, Backend] = {}
    unavailable: dict[str, str] = {}
    for spec in (*own, *extra_specs):
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
