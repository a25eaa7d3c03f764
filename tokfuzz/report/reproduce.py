"""Ready-to-paste reproducer snippets, one per library a case involves.

Each snippet calls its library exactly as the tokfuzz adapter does
(``tokfuzz/backends/<library>.py``), so what it prints is what the corpus recorded.
Model files come from installed wheels, located through ``tokfuzz.backends.models``; the HF
``tokenizer.json`` (which HF and tokie load) is the one tokfuzz converted with
transformers and cached (``tokfuzz.backends.models.hf_json``), and each snippet says how it
was made. The witness is written with ``ascii()``: a pure-ASCII literal that
survives copy and paste through any terminal, issue tracker or editor exactly, lone
surrogates and invisible characters included.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokfuzz.backends.base import replace_surrogates

__all__ = ["HF_CONVERSIONS", "Reproducer", "reproducer", "reproducers"]

#: backend name -> spec kind (tokfuzz.backends.registry.KINDS)
_KIND = {"mistral-common": "mistral"}

_OPENAI = ("cl100k_base", "o200k_base")
_SPM = {"mistral-v1": "tokenizer.model.v1", "mistral-v3": "mistral_instruct_tokenizer_240323.model.v3",
        "mistral-v7": "mistral_instruct_tokenizer_241114.model.v7"}
_TEKKEN = {"tekken": "tekken_240911.json"}

#: subject family -> how its tokenizer.json is made (tokfuzz.backends.models._convert)
HF_CONVERSIONS = {
    "openai": "transformers.integrations.tiktoken.convert_tiktoken_to_fast(tiktoken Encoding)",
    "spm": "transformers.LlamaTokenizer.from_pretrained(dir holding tokenizer.model).backend_tokenizer",
    "tekken": "transformers.integrations.mistral.tokenizer.MistralConverter(vocab_file=...).converted()",
}


@dataclass(frozen=True)
class Reproducer:
    """A snippet: ``library`` (PyPI name), ``backend`` (the tokfuzz backend name) and
    ``code`` (Python source, ASCII only, ending in a newline)."""

    library: str
    backend: str
    code: str


def _comment(value: Any) -> str:
    """``value`` as a one-line ASCII comment payload (JSON, cut to 300 characters)."""
    text = json.dumps(value, ensure_ascii=True, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


def _family(subject: str) -> str | None:
    if subject in _OPENAI:
        return "openai"
    if subject in _SPM:
        return "spm"
    if subject in _TEKKEN:
        return "tekken"
    return None


def _hf_source(subject: str, hf_path: str | None, kind: str) -> list[str]:
    family = _family(subject) or "openai"
    made = [f"# tokenizer.json converted by tokfuzz.backends.models.hf_json({subject!r}) with",
            f"#   {HF_CONVERSIONS[family]}",
            f"#   cached at {hf_path}" if hf_path else "#   cached under $TOKFUZZ_CACHE or ~/.cache/tokfuzz/hf/",
            f"#   (the tokfuzz backend: tokfuzz.load_backend({kind + ':' + subject!r}))"]
    return [*made,
            "from tokfuzz.backends.models import hf_json", f"path = hf_json({subject!r})"]


def _body(backend: str, subject: str, hf_path: str | None) -> tuple[str, list[str], str, str] | None:
    """(library, setup lines, encode expression, decode expression) or None."""
    if backend == "tiktoken" and subject in _OPENAI:
        return "tiktoken", [
            "import tiktoken",
            "from tokfuzz.backends.models import openai_encoding_params",
            f"# = tiktoken.get_encoding({subject!r}), built offline (ranks from the bpe-openai wheel)",
            f"enc = tiktoken.Encoding(**openai_encoding_params({subject!r}))",
        ], "enc.encode(text)", "enc.decode(ids)"
    if backend == "tiktoken" and subject in _TEKKEN:
        return "tiktoken", [
            "# tiktoken port of mistral_common/data/" + _TEKKEN[subject] + ": ranks shifted by the",
            "# special-token count, its pattern and special tokens (tokfuzz/backends/tiktoken.py)",
            "from tokfuzz.backends.tiktoken import _tekken_encoding",
            f"enc = _tekken_encoding({subject!r})",
        ], "enc.encode(text)", "enc.decode(ids)"
    if backend == "hf":
        return "tokenizers", [
            "from tokenizers import Tokenizer",
            *_hf_source(subject, hf_path, "hf"),
            "tok = Tokenizer.from_file(str(path))",
        ], "tok.encode(text, add_special_tokens=False).ids", "tok.decode(ids)"
    if backend == "tokie":
        return "tokie", [
            "import tokie",
            *_hf_source(subject, hf_path, "tokie"),
            "tok = tokie.Tokenizer.from_json(str(path))",
        ], "list(tok.encode(text, add_special_tokens=False).ids)", "tok.decode(ids)"
    if backend == "spm" and subject in _SPM:
        return "sentencepiece", [
            "import sentencepiece",
            "from tokfuzz.backends.models import spm_model_path",
            f"# mistral_common/data/{_SPM[subject]}",
            f"sp = sentencepiece.SentencePieceProcessor(model_file=str(spm_model_path({subject!r})))",
        ], "sp.encode(text)", "sp.decode(ids)"
    if backend == "bpe-openai" and subject in _OPENAI:
        return "bpe-openai", ["import bpe_openai", f"enc = bpe_openai.get_encoding({subject!r})"], "enc.encode(text)", "enc.decode(ids)"
    if backend == "mistral-common" and subject in _TEKKEN:
        return "mistral-common", [
            "from mistral_common.tokens.tokenizers.tekken import Tekkenizer",
            "from tokfuzz.backends.models import tekken_path",
            f"tok = Tekkenizer.from_file(tekken_path({subject!r}))  # mistral_common/data/{_TEKKEN[subject]}",
        ], "tok.encode(text, bos=False, eos=False)", "tok.decode(ids)"
    if backend == "mistral-common" and subject in _SPM:
        return "mistral-common", [
            "from mistral_common.tokens.tokenizers.sentencepiece import SentencePieceTokenizer",
            "from tokfuzz.backends.models import spm_model_path",
            f"tok = SentencePieceTokenizer(spm_model_path({subject!r}))  # mistral_common/data/{_SPM[subject]}",
        ], "tok.encode(text, bos=False, eos=False)", "tok.decode(ids)"
    return None


def reproducer(backend: str, subject: str, text: str, observed: Any = None, *, hf_path: str | None = None,
               pretokenize: bool = False) -> Reproducer:
    """The snippet that reproduces what ``backend`` of ``subject`` does on ``text``.

    ``observed`` (the corpus' value for this backend: ids or ``{"error": ...}``) is
    quoted in a comment. ``pretokenize`` adds the pre-tokenizer call a dialect
    finding is about. A backend tokfuzz has no recipe for (a plugin, subject
    ``custom``) gets a ``tokfuzz.load_backend`` snippet. Never raises.
    """
    body = _body(backend, subject, hf_path)
    seen = [f"# corpus observed: {_comment(observed)}"] if observed is not None else []
    if body is None:
        library = backend
        setup = ["import tokfuzz", f"# the spec of the {backend!r} backend (a plugin: python:package.module:attr)",
                 f"b = tokfuzz.load_backend(\"KIND:{subject}\")"]
        encode, decode = "b.encode(text)", "b.decode(ids)"
    else:
        library, setup, encode, decode = body
    lines = [f"# {library}: subject {subject}, backend {backend!r}", *setup, f"text = {ascii(text)}"]
    if not pretokenize:
        return Reproducer(library, backend, "\n".join(
            [*lines, f"ids = {encode}", "print(ids)", *seen, f"print(ascii({decode}))"]) + "\n")
    spec = f"{_KIND.get(backend, backend)}:{subject}"
    target = "text" if text == replace_surrogates(text) else "replace_surrogates(text)"
    if backend == "hf":
        split = "[p for p, _ in tok.pre_tokenizer.pre_tokenize_str(text)]"
    elif backend == "bpe-openai":
        split = "list(enc._backend.pretokenize(enc._sanitize_text(text)))  # the Rust pre-tokenizer, as the adapter calls it"
    else:
        split = f"tokfuzz.load_backend({spec!r}).pretokenize(text)"
    lines += ["import regex", "import tokfuzz",
              f"pattern = tokfuzz.load_backend({spec!r}).pattern  # the pre-tokenizer regex the model declares",
              f"pieces = {split}",
              "print(pieces)", *seen,
              *(["from tokfuzz.backends.base import replace_surrogates  # as the property does"] if target != "text" else []),
              f"print([m.group() for m in regex.finditer(pattern, {target})])  # the regex package's split"]
    return Reproducer(library, backend, "\n".join(lines) + "\n")


def reproducers(backends: tuple[str, ...], subject: str, text: str, observed: Mapping[str, Any], kind: str = "",
                hf_path: str | None = None) -> list[Reproducer]:
    """One Reproducer per backend in ``backends`` (a case's ``backends``), in order."""
    dialect = kind == "dialect"
    return [reproducer(b, subject, text, observed.get(b), hf_path=hf_path, pretokenize=dialect) for b in backends]
