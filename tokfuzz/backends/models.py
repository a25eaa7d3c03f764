"""Real tokenizer model files, offline (DESIGN §3), and their cached HF conversions.

Sources, all shipped inside installed wheels (no hub, no network):

* ``cl100k_base``, ``o200k_base``: BPE ranks from ``bpe_openai/data/*.tiktoken.gz``;
  pattern and special tokens from tiktoken's own definitions
  (``tiktoken_ext.openai_public``), with its download replaced by the local file and
  the file checked against the sha256 tiktoken pins for it.
* ``mistral-v1``, ``mistral-v3``, ``mistral-v7``: SentencePiece models in
  ``mistral_common/data/``.
* ``tekken``: ``mistral_common/data/tekken_240911.json``.
* ``claude``, ``llama3``, ``llama4``: see tokfuzz.backends.ranks (the npm claude.json and the
  anthropic SDK's tokenizer.json, used as published; Meta's tokenizer.model in llama-models).

HF ``tokenizer.json`` files are produced by the conversion path users take —
transformers' ``convert_tiktoken_to_fast``, ``LlamaTokenizer.from_pretrained`` on a
directory holding ``tokenizer.model``, and ``MistralConverter`` for tekken — once, then
cached under ``$TOKFUZZ_CACHE`` (default ``~/.cache/tokfuzz``), keyed by the source
file's sha256 and the library versions.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from tokfuzz.backends import ranks
from tokfuzz.backends.base import BackendUnavailable

__all__ = [
    "OPENAI_ENCODINGS",
    "SPM_MODELS",
    "TEKKEN_MODELS",
    "anthropic_tokenizer_json",
    "cache_dir",
    "hf_json",
    "library_version",
    "openai_encoding_params",
    "package_file",
    "spm_model_path",
    "tekken_path",
]

OPENAI_ENCODINGS = ("cl100k_base", "o200k_base")
SPM_MODELS = {
    "mistral-v1": "tokenizer.model.v1",
    "mistral-v3": "mistral_instruct_tokenizer_240323.model.v3",
    "mistral-v7": "mistral_instruct_tokenizer_241114.model.v7",
}
TEKKEN_MODELS = {"tekken": "tekken_240911.json"}


def library_version(distribution: str) -> str:
    """Installed version of ``distribution`` (a PyPI name), or ``"absent"``."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _package_file(package: str, relative: str, *, install_hint: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise BackendUnavailable(f"package {package!r} is not installed: {install_hint}")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise BackendUnavailable(f"model file {path} is missing from {package}: reinstall it ({install_hint})")
    return path


#: public name of ``_package_file``: the path of ``relative`` inside an installed package
package_file = _package_file


def _bpe_openai_file(name: str) -> Path:
    return _package_file("bpe_openai", f"data/{name}.tiktoken.gz", install_hint="pip install bpe-openai")


def spm_model_path(subject: str) -> Path:
    """Path of the SentencePiece model of ``subject`` (a key of ``SPM_MODELS``)."""
    return _package_file("mistral_common", f"data/{SPM_MODELS[subject]}", install_hint="pip install mistral-common")


def anthropic_tokenizer_json() -> Path:
    """Path of the legacy Claude tokenizer's HF ``tokenizer.json`` in the ``anthropic`` SDK
    (shipped until 0.39; pinned 0.30.0)."""
    return _package_file("anthropic", "tokenizer.json", install_hint="pip install 'anthropic<0.39'")


def tekken_path(subject: str = "tekken") -> Path:
    """Path of the tekken ``.json`` of ``subject`` (a key of ``TEKKEN_MODELS``)."""
    return _package_file("mistral_common", f"data/{TEKKEN_MODELS[subject]}", install_hint="pip install mistral-common")


@cache
def openai_encoding_params(name: str) -> dict[str, Any]:
    """tiktoken's constructor parameters of encoding ``name``, loaded offline.

    Returns ``{"name", "pat_str", "mergeable_ranks", "special_tokens"}`` exactly as
    ``tiktoken_ext.openai_public`` defines them. Raises BackendUnavailable when
    tiktoken or bpe-openai is missing, or when the shipped ranks do not hash to the
    value tiktoken pins (then they are not the real model).
    """
    if name not in OPENAI_ENCODINGS:
        raise BackendUnavailable(f"unknown OpenAI encoding {name!r}; available: {', '.join(OPENAI_ENCODINGS)}")
    try:
        import tiktoken_ext.openai_public as openai_public
    except ImportError as exc:
        raise BackendUnavailable(f"tiktoken is not installed ({exc}): pip install tiktoken") from exc
    raw = gzip.decompress(_bpe_openai_file(name).read_bytes())

    def local_ranks(_url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        if expected_hash is not None and hashlib.sha256(raw).hexdigest() != expected_hash:
            raise BackendUnavailable(f"bpe-openai's {name} ranks do not match tiktoken's pinned sha256")
        return {base64.b64decode(tok): int(rank) for tok, rank in (line.split() for line in raw.splitlines() if line)}

    original = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = local_ranks
    try:
        params: dict[str, Any] = getattr(openai_public, name)()
    finally:
        openai_public.load_tiktoken_bpe = original
    return params


def cache_dir() -> Path:
    """Directory of cached conversions: ``$TOKFUZZ_CACHE`` or ``~/.cache/tokfuzz``."""
    root = os.environ.get("TOKFUZZ_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tokfuzz"
    return Path(root)


def _quiet_transformers() -> None:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


def _source_of(subject: str) -> Path:
    if subject in OPENAI_ENCODINGS:
        return _bpe_openai_file(subject)
    if subject in SPM_MODELS:
        return spm_model_path(subject)
    if subject in TEKKEN_MODELS:
        return tekken_path(subject)
    if subject in ranks.LLAMA_MODELS:
        return ranks.llama_model_path(subject)
    known = ", ".join([*OPENAI_ENCODINGS, *SPM_MODELS, *TEKKEN_MODELS, *ranks.LLAMA_MODELS, "claude"])
    raise BackendUnavailable(f"no HF conversion for subject {subject!r}; known subjects: {known}")


def hf_json(subject: str) -> Path:
    """Path of the HF ``tokenizer.json`` converted from ``subject``'s reference model.

    Converts on first use (a few seconds) and caches the result; the cache key is the
    source file's sha256 plus the transformers, tokenizers and tiktoken versions, so a
    library upgrade re-converts. Raises BackendUnavailable when transformers is missing.
    """
    if subject == "claude":  # published as a tokenizer.json (the anthropic SDK's), not converted
        return anthropic_tokenizer_json()
    source = _source_of(subject)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    versions = "-".join(library_version(d) for d in ("transformers", "tokenizers", "tiktoken"))
    target = cache_dir() / "hf" / f"{subject}-{digest}-{versions}" / "tokenizer.json"
    if target.is_file():
        return target
    if importlib.util.find_spec("transformers") is None:
        raise BackendUnavailable("transformers is not installed, so HF conversions cannot run: pip install transformers")
    _quiet_transformers()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        work = Path(tmp)
        _convert(subject, source, work)
        os.replace(work / "tokenizer.json", target)  # atomic: concurrent workers never see half a file
    return target


def _convert(subject: str, source: Path, work: Path) -> None:
    """Write ``work/tokenizer.json`` converted from ``source`` the way users do it."""
    if subject in OPENAI_ENCODINGS or subject in ranks.LLAMA_MODELS:
        import tiktoken
        from transformers.integrations.tiktoken import convert_tiktoken_to_fast

        # Llama 3/4: Meta's own tiktoken.Encoding (its pattern, its special tokens in id order),
        # as Llama 3 checkpoints were converted for the hub (TikTokenConverter)
        encoding = (tiktoken.Encoding(**openai_encoding_params(subject)) if subject in OPENAI_ENCODINGS
                    else ranks.llama_tokenizer(subject).model)
        convert_tiktoken_to_fast(encoding, str(work / "out"))
        shutil.move(str(work / "out" / "tokenizer.json"), str(work / "tokenizer.json"))
    elif subject in SPM_MODELS:
        from transformers import LlamaTokenizer

        model_dir = work / "model"
        model_dir.mkdir()
        shutil.copyfile(source, model_dir / "tokenizer.model")
        LlamaTokenizer.from_pretrained(str(model_dir)).backend_tokenizer.save(str(work / "tokenizer.json"))
    else:
        from transformers.integrations.mistral.tokenizer import MistralConverter

        MistralConverter(vocab_file=str(source)).converted().save(str(work / "tokenizer.json"))
