"""Standalone Node.js reproducers for findings in the npm tokenizer ports.

An upstream issue against an npm package needs a program that uses that package alone,
loading the model the way its README tells users to, and printing what tokfuzz
recorded. :func:`js_recipe` writes one (an ES module, ``node repro.mjs``) per
(backend, subject, text). Each program calls its package exactly as
``tokfuzz/backends/js/ports.mjs`` does (same functions, same options), so the ids it
prints are the corpus' ids; where tokfuzz feeds the port a file it prepared, the program
uses the user-facing equivalent:

==========================  ===================================  ====================================
backend (port)              npm package                          model, as its users load it
==========================  ===================================  ====================================
``js-tiktoken``             js-tiktoken                          ``getEncoding(name)`` (README, "Full usage")
``gpt-tokenizer``           gpt-tokenizer                        ``gpt-tokenizer/encoding/<name>`` (README,
                                                                 "Loading an encoding")
``tiktoken-wasm``           @dqbd/tiktoken                       ``get_encoding(name)`` (README, "Usage")
``tokenizers-js``           @huggingface/tokenizers              ``new Tokenizer(tokenizerJson, tokenizerConfig)``
                                                                 (README, "Usage") on ./tokenizer.json and
                                                                 ./tokenizer_config.json, made first by the
                                                                 Python program of :mod:`.recipes_js_hf`
``mistral-tokenizer-js``    mistral-tokenizer-js                 default import, baked-in vocabulary (README,
                                                                 "Import", "Usage")
``llama3-tokenizer-js``     llama3-tokenizer-js                  default import, baked-in data (README,
                                                                 "Quick start", "Usage")
``anthropic-tokenizer-js``  @anthropic-ai/tokenizer              ``getTokenizer()``: what ``countTokens`` (README,
                                                                 "Usage") runs, per the package's index.ts
==========================  ===================================  ====================================

Every program holds the text as an ASCII JSON string literal (lone surrogates as
``\\ud800``, which a JavaScript string holds as they are), prints ``text``, ``ids``,
``pieces`` (what the package exposes per id: its vocabulary strings, the token bytes,
or, where it exposes neither, each id decoded alone) and ``decoded``, each as JSON with
every non-ASCII code unit escaped, and whether ``decoded`` equals the text (its NFKC
form for @anthropic-ai/tokenizer, which normalizes). A library error is not caught:
Node prints it with its stack and exits 1, which is the reproduction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from tokfuzz.report.recipes import Recipe
from tokfuzz.report.recipes_js_hf import conversion

__all__ = ["JS_PORTS", "js_literal", "js_recipe", "npm_version"]

_OPENAI = ("cl100k_base", "o200k_base")


@dataclass(frozen=True)
class _Port:
    """How one port's program calls its package (the lines go into the template of
    :func:`_program`; ``ids`` must be defined by ``encode``)."""

    package: str
    subjects: tuple[str, ...] | None  # None: any (tokenizers-js loads a tokenizer.json)
    readme: str  # where the loading pattern comes from
    imports: tuple[str, ...]
    load: tuple[str, ...]
    encode: tuple[str, ...]
    pieces: str  # JS expression over ids
    pieces_note: str
    decode: str  # JS expression over ids
    target: str = "text"  # what a lossless round trip gives back
    after: tuple[str, ...] = ()
    also_install: tuple[str, ...] = ()  # npm dependencies whose version shapes the output


#: backend name (the port) -> how its reproducer calls the package; "{s}" is the subject
JS_PORTS: dict[str, _Port] = {
    "js-tiktoken": _Port(
        "js-tiktoken", _OPENAI, 'js-tiktoken README, "Full usage": getEncoding(name) from the full package',
        ('import { getEncoding } from "js-tiktoken";',),
        ('const enc = getEncoding("{s}");',),
        ("const ids = enc.encode(text);",),
        "ids.map((id) => enc.decode([id]))", "each id decoded alone (js-tiktoken exposes no token bytes)",
        "enc.decode(ids)"),
    "gpt-tokenizer": _Port(
        "gpt-tokenizer", _OPENAI, 'gpt-tokenizer README, "Loading an encoding": gpt-tokenizer/encoding/<name>',
        ('import { encode, decode } from "gpt-tokenizer/encoding/{s}";',),
        (),
        ("const ids = encode(text);",),
        "ids.map((id) => decode([id]))", "each id decoded alone", "decode(ids)"),
    "tiktoken-wasm": _Port(
        "@dqbd/tiktoken", _OPENAI,
        '@dqbd/tiktoken README, "Usage": get_encoding(name), decode read with new TextDecoder(); '
        'npm `tiktoken` is the same package renamed',
        ('import { get_encoding } from "@dqbd/tiktoken";',),
        ('const enc = get_encoding("{s}");',),
        ("const ids = Array.from(enc.encode(text));",),
        "ids.map((id) => Array.from(enc.decode_single_token_bytes(id)))", "each token's bytes",
        "new TextDecoder().decode(enc.decode(Uint32Array.from(ids)))",
        after=("enc.free();",)),
    "tokenizers-js": _Port(
        "@huggingface/tokenizers", None,
        '@huggingface/tokenizers README, "Usage": new Tokenizer(tokenizerJson, tokenizerConfig), read here from files',
        ('import { readFileSync } from "node:fs";', 'import { Tokenizer } from "@huggingface/tokenizers";'),
        ('const tokenizerJson = JSON.parse(readFileSync("tokenizer.json", "utf8"));',
         'const tokenizerConfig = JSON.parse(readFileSync("tokenizer_config.json", "utf8"));',
         "const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);"),
        ("const encoded = tokenizer.encode(text, { add_special_tokens: false });", "const ids = encoded.ids;"),
        "encoded.tokens", "the tokens encode returns", "tokenizer.decode(ids)"),
    "mistral-tokenizer-js": _Port(
        "mistral-tokenizer-js", ("mistral-v1",),
        'mistral-tokenizer-js README, "Import" and "Usage": encode(text, add_bos_token, add_preceding_space)',
        ('import mistralTokenizer from "mistral-tokenizer-js";',),
        (),
        ("// no BOS; the preceding space stays at its default (true)", "const ids = mistralTokenizer.encode(text, false, true);"),
        "ids.map((id) => mistralTokenizer.vocabById[id])", "the vocabulary entries", "mistralTokenizer.decode(ids, false, true)"),
    "llama3-tokenizer-js": _Port(
        "llama3-tokenizer-js", ("llama3",),
        'llama3-tokenizer-js README, "Quick start" and "Usage": encode(text, { bos: false, eos: false })',
        ('import llama3Tokenizer from "llama3-tokenizer-js";',),
        (),
        ("const ids = llama3Tokenizer.encode(text, { bos: false, eos: false });",),
        "ids.map((id) => llama3Tokenizer.vocabById[id])", "the vocabulary entries", "llama3Tokenizer.decode(ids)"),
    "anthropic-tokenizer-js": _Port(
        "@anthropic-ai/tokenizer", ("claude",),
        '@anthropic-ai/tokenizer README, "Usage": countTokens(text), which (index.ts) is '
        'getTokenizer().encode(text.normalize("NFKC"), "all").length',
        ('import { countTokens, getTokenizer } from "@anthropic-ai/tokenizer";',),
        ("const tokenizer = getTokenizer();",),
        ('const ids = Array.from(tokenizer.encode(text.normalize("NFKC"), "all"));  // what countTokens(text) encodes',
         'console.log("countTokens:", countTokens(text));'),
        "ids.map((id) => Array.from(tokenizer.decode_single_token_bytes(id)))", "each token's bytes",
        "new TextDecoder().decode(tokenizer.decode(Uint32Array.from(ids)))",
        target='text.normalize("NFKC")', after=("tokenizer.free();",), also_install=("tiktoken",)),
}

_SHOW = ("// JSON with every non-ASCII UTF-16 code unit escaped: invisible characters stay visible",
         r'const show = (value) => JSON.stringify(value).replace(/[\u007f-\uffff]/g, '
         r'(c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));')


def js_literal(text: str) -> str:
    """``text`` as an ASCII JSON string literal (JSON.stringify's form, every non-ASCII
    UTF-16 code unit ``\\uXXXX``; a lone surrogate stays ``"\\ud800"``).

    Raises:
        ValueError: ``text`` holds a high surrogate directly followed by a low one, which
            JavaScript reads as the astral character the pair spells: no JS program
            can hold the Python text (tokfuzz never sends such a text to a port).
    """
    for a, b in zip(text, text[1:]):
        if "\ud800" <= a <= "\udbff" and "\udc00" <= b <= "\udfff":
            raise ValueError("a high surrogate followed by a low one is one astral character in JavaScript")
    return json.dumps(text, ensure_ascii=True)


def _project_package_json() -> Path | None:
    """The ``package.json`` that pins the ports (beside tokfuzz's ``node_modules``)."""
    from tokfuzz.backends.js import node_modules

    modules = node_modules()
    return None if modules is None else modules.parent / "package.json"


def _read_json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def npm_version(package: str, versions: Mapping[str, str]) -> str | None:
    """Version of npm ``package`` to install: the case's ``versions`` entry, else the
    project's ``package.json`` pin, else its ``package-lock.json`` entry (a dependency
    of a pinned package), else None. Never raises."""
    if versions.get(package) not in (None, "?"):
        return versions[package]
    manifest = _project_package_json()
    if manifest is None:
        return None
    pins = _read_json(manifest).get("dependencies")
    if isinstance(pins, dict) and isinstance(pins.get(package), str):
        return str(pins[package])
    locked = _read_json(manifest.with_name("package-lock.json")).get("packages")
    entry = locked.get(f"node_modules/{package}") if isinstance(locked, dict) else None
    return str(entry["version"]) if isinstance(entry, dict) and "version" in entry else None


def _npm_install(port: _Port, versions: Mapping[str, str]) -> str:
    names: list[str] = []
    for package in (port.package, *port.also_install):
        version = npm_version(package, versions)
        names.append(f"{package}@{version}" if version else package)
    return "npm install " + " ".join(names)


def _program(port: _Port, subject: str, text: str, header: list[str]) -> str:
    """The complete program (ASCII, newline-terminated)."""
    def fill(lines: tuple[str, ...]) -> list[str]:
        return [line.replace("{s}", subject) for line in lines]

    lines = [*header, *fill(port.imports), "", f"const text = {js_literal(text)};", *_SHOW, "",
             *fill(port.load), 'console.log("text:   ", show(text));', *port.encode,
             'console.log("ids:    ", show(ids));',
             f'console.log("pieces: ", show({port.pieces}));  // {port.pieces_note}',
             f"const decoded = {port.decode};",
             'console.log("decoded:", show(decoded));',
             f'console.log("decoded === {port.target.replace(chr(34), chr(39))}:", decoded === {port.target});',
             *port.after]
    return "\n".join(lines) + "\n"


def js_recipe(backend: str, subject: str, text: str, versions: Mapping[str, str]) -> Recipe | None:
    """A standalone Node.js program (ES module, ``node repro.mjs``) reproducing what
    ``backend`` of ``subject`` does on ``text``, or None for a backend name this module
    does not know.

    ``backend`` is a port name (a key of :data:`JS_PORTS`, the backend's name in a
    subject); ``versions`` is the case's versions map (npm names for the port's package,
    PyPI names for the conversion of ``tokenizers-js``'s file), missing entries falling
    back to the project's ``package.json`` pins and the installed Python packages.
    ``tokenizers-js`` with a subject tokfuzz does not convert (a user's own
    ``tokenizer.json``) reads that file, and ``tokenizer_config.json`` where there is one.

    Returns a Recipe: ``library`` the npm package, ``language`` ``"javascript"``,
    ``install`` the shell lines run first in an empty directory (for tokenizers-js: pip,
    the Python program writing the two JSON files, then npm), ``code`` the program.

    Raises:
        ValueError: a port that cannot load ``subject`` (e.g. js-tiktoken with
            mistral-v1), or a text no JavaScript string can hold (see :func:`js_literal`).
    """
    port = JS_PORTS.get(backend)
    if port is None:
        return None
    if port.subjects is not None and subject not in port.subjects:
        raise ValueError(f"{backend} loads {' | '.join(port.subjects)}, not {subject!r}")
    install = _npm_install(port, versions)
    name = json.dumps(subject, ensure_ascii=True)[1:-1]  # a user subject's name, safe in a comment
    note: list[str] = []
    if backend == "tokenizers-js":
        made = conversion(subject, versions)
        if made is None:
            note = [f"// Put tokenizer.json of {name} (and its tokenizer_config.json, if any) in this directory."]
            port = _own_file(port)
        else:
            install = "\n".join([made.pip, made.command, install])
            note = ["// The Python program writes the tokenizer.json and tokenizer_config.json read here."]
    header = [f"// {port.package}: {name}, as its users load it ({port.readme}).",
              "// Run in an empty directory, with this file saved as repro.mjs:",
              *(f"//   {line}" for line in install.splitlines()), "//   node repro.mjs", *note]
    return Recipe(port.package, "javascript", install, _program(port, subject, text, header))


def _own_file(port: _Port) -> _Port:
    """tokenizers-js on a user's tokenizer.json: the config only where the file exists
    (as ports.mjs passes ``{}`` without one)."""
    load = ('import { existsSync, readFileSync } from "node:fs";', port.imports[1])
    config = ('const tokenizerConfig = existsSync("tokenizer_config.json") ? '
              'JSON.parse(readFileSync("tokenizer_config.json", "utf8")) : {};')
    return replace(port, imports=load, load=(port.load[0], config, port.load[2]))
