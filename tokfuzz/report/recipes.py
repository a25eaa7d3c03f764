"""Standalone upstream reproducers, the shared part: one program per (backend, subject)
that uses only the upstream library, never tokfuzz.

``tokfuzz.report.standalone.recipe(backend, subject, text, versions)`` returns a ``Recipe``: the install command
(pinned to the case's recorded ``versions``) and a complete Python program that loads
the model the way that library's users do, encodes the witness, prints the ids, the
pieces (where the library exposes them) and the decoded text. Each program calls its
library exactly as the tokfuzz adapter does (``tokfuzz/backends/<name>.py``: same
functions, same options), so it prints what the corpus recorded.

Model files (no tokfuzz cache path ever appears in a program):

* OpenAI encodings: ``tiktoken.get_encoding(name)``, as tiktoken's users load them
  (it downloads the ranks from ``openaipublic.blob.core.windows.net`` and caches them,
  ``TIKTOKEN_CACHE_DIR``); libraries that load a ``.tiktoken`` file by path get the same
  file from the same URL, checked against the sha256 tiktoken pins for it
  (``tiktoken_ext/openai_public.py``), and reuse a copy already in the working directory;
* mistral, tekken: the files shipped in ``mistral_common/data/``, located with
  ``importlib.resources.files("mistral_common")`` as a mistral-common user finds them;
* llama3/llama4: Meta's ``tokenizer.model`` beside ``llama_models.llama3.tokenizer``
  (``Tokenizer.get_instance()``, llama-models' own loader);
* claude: the anthropic SDK's ``tokenizer.json`` (``anthropic<0.39``) and the npm
  package ``@anthropic-ai/tokenizer``'s ``claude.json`` (``node_modules/`` of the
  working directory, where ``npm install`` puts it);
* HF ``tokenizer.json`` files: the conversion call itself (tokfuzz.report.recipes_hf).

The witness is written with ``ascii()``: the program is pure ASCII and survives any
issue tracker, lone surrogates, NUL and bidi controls included. This module holds the ``Recipe``
type, the program skeleton and how model files are found; ``recipes_libs`` and
``recipes_hf`` the Python libraries, ``recipes_js`` the JavaScript ports (``JS_BACKENDS``),
``standalone`` the dispatch over them.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from tokfuzz.backends.models import OPENAI_ENCODINGS, SPM_MODELS, TEKKEN_MODELS, library_version
from tokfuzz.backends.ranks import LLAMA_MODELS

__all__ = ["JS_BACKENDS", "Recipe"]


@dataclass(frozen=True)
class Recipe:
    """A standalone reproducer for one backend's library.

    library: the package as its users install it (PyPI or npm name).
    language: "python" or "javascript".
    install: the install command, pinned to the case's recorded versions
        (``"pip install tiktoken==0.14.0"``).
    code: a complete program (ASCII only) that loads the model as the library's users
        do, encodes the witness, prints the ids (and pieces where exposed) and decodes.
    """

    library: str
    language: str
    install: str
    code: str


#: backend names of the JavaScript ports (tokfuzz.backends.js.PORTS), recipes in recipes_js
JS_BACKENDS = ("js-tiktoken", "gpt-tokenizer", "tiktoken-wasm", "tokenizers-js", "mistral-tokenizer-js",
               "anthropic-tokenizer-js", "llama3-tokenizer-js")

#: the embedded subjects by model family (the files tokfuzz.backends.models and .ranks locate)
OPENAI: tuple[str, ...] = OPENAI_ENCODINGS
SPM: Mapping[str, str] = SPM_MODELS
TEKKEN: Mapping[str, str] = TEKKEN_MODELS
LLAMA: tuple[str, ...] = tuple(LLAMA_MODELS)
#: the sha256 tiktoken pins for each OpenAI rank file (tiktoken_ext/openai_public.py)
OPENAI_SHA256 = {"cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
                 "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"}
OPENAI_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
#: the npm package holding claude.json and its version (tokfuzz.backends.ranks.CLAUDE_NPM)
CLAUDE_NPM = ("@anthropic-ai/tokenizer", "0.0.4")


@dataclass(frozen=True)
class Parts:
    """What a library's program is made of. ``packages``: PyPI distributions to install
    (the library first); ``npm``: npm packages (``name@version``) the model file comes
    from; ``setup``: lines that load the model into ``tok`` (imports included);
    ``encode``, ``decode``: expressions over ``TEXT`` and ``ids``; ``piece``: an
    expression over one id ``i`` (empty: the library exposes no pieces); ``stream``: lines feeding ``ids`` to the
    library's incremental decoder one at a time (empty: it has none)."""

    packages: tuple[str, ...]
    setup: tuple[str, ...]
    encode: str
    decode: str
    piece: str = ""
    npm: tuple[str, ...] = field(default=())
    stream: tuple[str, ...] = field(default=())


def package_file(var: str, package: str, *parts: str) -> str:
    """A line binding ``var`` to the path of a file inside an installed package."""
    return f"{var} = str(importlib.resources.files({package!r}).joinpath({', '.join(map(repr, parts))}))"


def model_file(subject: str, var: str = "path") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(packages, lines) binding ``var`` to the path of ``subject``'s own model file as
    its publisher ships it; raises KeyError for a subject without one (claude's is the
    SDK's tokenizer.json: ``claude_tokenizer_json``)."""
    if subject in SPM:
        return ("mistral-common",), ("import importlib.resources", package_file(var, "mistral_common", "data", SPM[subject]))
    if subject in TEKKEN:
        return ("mistral-common",), ("import importlib.resources", package_file(var, "mistral_common", "data", TEKKEN[subject]))
    if subject in LLAMA:
        return ("llama-models",), ("import importlib.resources",
                                   package_file(var, f"llama_models.{subject}", "tokenizer.model"))
    if subject in OPENAI:
        return (), openai_file(subject, var)
    raise KeyError(subject)


def openai_file(subject: str, var: str = "path") -> tuple[str, ...]:
    """Lines binding ``var`` to ``<subject>.tiktoken``: the rank file tiktoken downloads for
    ``get_encoding(subject)``, fetched from the same URL unless already in the working
    directory, and checked against tiktoken's pinned sha256."""
    return ("import hashlib", "import os", "import urllib.request",
            f"# the rank file tiktoken.get_encoding({subject!r}) downloads (tiktoken_ext/openai_public.py)",
            f"{var} = {subject + '.tiktoken'!r}",
            f"if not os.path.exists({var}):",
            f"    urllib.request.urlretrieve({OPENAI_URL.format(subject)!r}, {var})",
            f"with open({var}, 'rb') as f:",
            f"    assert hashlib.sha256(f.read()).hexdigest() == {OPENAI_SHA256[subject]!r}, 'not the file tiktoken pins'")


def claude_tokenizer_json(var: str = "path") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(packages, lines): the legacy Claude tokenizer.json the anthropic SDK shipped until
    0.39 (``anthropic/tokenizer.json``, what ``Anthropic().get_tokenizer()`` loaded)."""
    return ("anthropic",), ("import importlib.resources",
                            "# the tokenizer.json the anthropic SDK shipped until 0.39 (Anthropic().get_tokenizer())",
                            package_file(var, "anthropic", "tokenizer.json"))


def pin(distribution: str, versions: Mapping[str, str]) -> str:
    """``name==version``: the case's recorded version, else the one installed here (a
    helper the case did not record, such as the converter's tiktoken), else unpinned."""
    version = versions.get(distribution) or _installed(distribution)
    return f"{distribution}=={version}" if version not in ("", "absent", "?") else distribution


@cache
def _installed(distribution: str) -> str:
    return library_version(distribution)


def install_line(packages: Sequence[str], versions: Mapping[str, str], npm: Sequence[str] = ()) -> str:
    """``pip install a==1 b==2`` (duplicates dropped, order kept), then ``npm install …``."""
    unique = list(dict.fromkeys(packages))
    line = "pip install " + " ".join(pin(p, versions) for p in unique)
    return line + (" && npm install " + " ".join(npm) if npm else "")


def program(title: str, install: str, parts: Parts, text: str, *, ids: Sequence[int] | None = None,
            repeat: Sequence[int] | None = None, stream: bool = False) -> str:
    """The complete program: header comments, imports, setup, then the witness
    (``TEXT``, an ``ascii()`` literal) encoded and printed as ``ids:``, ``pieces:`` and
    ``decoded:`` lines. With ``ids`` (a vocab or stream finding) those ids are decoded
    instead of encoding ``text``; with ``repeat`` (sizes, a slow_input finding) the
    program times the encoding of ``text`` repeated each number of times; with
    ``stream`` it also feeds the ids one by one to the library's incremental decoder
    (``parts.stream``). ASCII only; raises ValueError otherwise (a bug)."""
    extra = parts.stream if stream else ()
    stream_imports = [line for line in extra if line.startswith(("import ", "from "))]
    imports, setup = hoist([*parts.setup, *stream_imports, *(["import time"] if repeat else [])])
    lines = [f"# {title}", f"# {install}", *imports, "", *setup, ""]
    if repeat:
        lines += [f"UNIT = {ascii(text)}", f"for n in {[int(n) for n in repeat]!r}:", "    TEXT = UNIT * n",
                  "    start = time.process_time()", f"    ids = {parts.encode}",
                  '    print(f"{n} x UNIT: {len(ids)} ids in {time.process_time() - start:.6f} s CPU")']
        return _ascii("\n".join(lines) + "\n", title)
    if ids is None:
        lines += [f"TEXT = {ascii(text)}", f"ids = {parts.encode}", 'print("ids:", ids)']
        if parts.piece:
            lines.append(f'print("pieces:", [{parts.piece} for i in ids])')
        lines.append(f'print("decoded:", ascii({parts.decode}))')
    else:
        lines += [f"ids = {[int(i) for i in ids]!r}", 'print("ids:", ids)', f'print("decoded:", ascii({parts.decode}))']
        if parts.piece:
            lines.append(f'print("pieces:", [{parts.piece} for i in ids])')
    lines += [line for line in extra if not line.startswith(("import ", "from "))]
    return _ascii("\n".join(lines) + "\n", title)


def _ascii(code: str, title: str) -> str:
    if not code.isascii():  # every literal is written with ascii(): only a bug gets here
        raise ValueError(f"recipe {title!r} is not ASCII")
    return code


def hoist(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """(imports, rest): the unindented ``import``/``from … import`` lines of ``lines``,
    de-duplicated, standard library first (PEP 8 order), and the other lines in order."""
    imports = list(dict.fromkeys(line for line in lines if line.startswith(("import ", "from "))))
    rest = [line for line in lines if not line.startswith(("import ", "from "))]
    stdlib = [i for i in imports if i.split()[1].split(".")[0] in sys.stdlib_module_names]
    return sorted(stdlib) + [i for i in imports if i not in stdlib], rest
