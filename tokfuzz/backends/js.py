"""JavaScript tokenizer ports from npm, driven through the ``cmd:`` protocol.

Spec ``js:PORT:ARG`` runs ``node tokfuzz/backends/js/server.mjs PORT ARG`` (a
``CmdBackend``). The ports and how each library is called are in
``tokfuzz/backends/js/ports.mjs``; the packages are pinned in the repository's
``package.json`` / ``package-lock.json`` and installed into ``node_modules/`` by ``make
install`` (``npm ci``). ``ARG`` is what the port loads:

=========================  ====================================================
port                       ARG
=========================  ====================================================
``js-tiktoken``            ``cl100k_base`` | ``o200k_base`` (ranks bundled)
``gpt-tokenizer``          ``cl100k_base`` | ``o200k_base`` (ranks bundled)
``tiktoken-wasm``          ``cl100k_base`` | ``o200k_base`` (@dqbd/tiktoken)
``tokenizers-js``          a subject (its HF ``tokenizer.json``, tokfuzz.backends.models)
                           or ``path/tokenizer.json``
``mistral-tokenizer-js``   ``mistral-v1`` (Mistral 7B v0.1's vocabulary, bundled)
``llama3-tokenizer-js``    ``llama3`` (bundled)
``anthropic-tokenizer-js`` ``claude`` (bundled claude.json)
=========================  ====================================================

Where ``node`` or the package is missing the backend is unavailable with a one-line
reason (``tokfuzz backends`` shows it), and the subjects go on without it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

from tokfuzz.backends import models
from tokfuzz.backends.base import BackendUnavailable
from tokfuzz.backends.cmd import CmdBackend

__all__ = ["PORTS", "load", "node_modules"]

SERVER = Path(__file__).with_name("js") / "server.mjs"

#: port -> (npm package, ARGs accepted: None means a subject or a tokenizer.json path)
PORTS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "js-tiktoken": ("js-tiktoken", ("cl100k_base", "o200k_base")),
    "gpt-tokenizer": ("gpt-tokenizer", ("cl100k_base", "o200k_base")),
    "tiktoken-wasm": ("@dqbd/tiktoken", ("cl100k_base", "o200k_base")),
    "tokenizers-js": ("@huggingface/tokenizers", None),
    "mistral-tokenizer-js": ("mistral-tokenizer-js", ("mistral-v1",)),
    "llama3-tokenizer-js": ("llama3-tokenizer-js", ("llama3",)),
    "anthropic-tokenizer-js": ("@anthropic-ai/tokenizer", ("claude",)),
}


def node_modules() -> Path | None:
    """The ``node_modules`` directory Node resolves the ports from: the first one
    walking up from ``server.mjs`` (the repository's, for a source checkout)."""
    for parent in SERVER.parents:
        if (parent / "node_modules").is_dir():
            return parent / "node_modules"
    return None


@cache
def _hf_config(tokenizer_json: Path) -> Path:
    """A ``tokenizer_config.json`` for a converted ``tokenizer.json``, as transformers'
    ``save_pretrained`` writes it for that tokenizer (what a published checkpoint ships,
    and what transformers.js reads its decoding options from); cached by the file's hash."""
    digest = hashlib.sha256(tokenizer_json.read_bytes()).hexdigest()[:16]
    target = models.cache_dir() / "hf-config" / f"{digest}-{models.library_version('transformers')}" / "tokenizer_config.json"
    if not target.exists():
        from transformers import PreTrainedTokenizerFast

        work = Path(tempfile.mkdtemp(prefix="tokfuzz-config-"))
        try:
            PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_json)).save_pretrained(str(work))
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(work / "tokenizer_config.json", target)  # atomic: concurrent workers never see half a file
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


def _tokenizer_json(arg: str) -> str:
    """The port's ARG: ``TOKENIZER_JSON::CONFIG_JSON`` (the config when there is one)."""
    path = Path(arg)
    if path.suffix == ".json":
        if not path.is_file():
            raise BackendUnavailable(f"tokenizers-js: no file {arg}")
        config = path.with_name("tokenizer_config.json")
        return f"{path.resolve()}::{config.resolve()}" if config.is_file() else str(path.resolve())
    converted = models.hf_json(arg)
    return f"{converted}::{_hf_config(converted)}"


def load(arg: str) -> CmdBackend:
    """Backend for spec ``js:PORT:ARG`` (see the module docstring).

    Raises:
        BackendUnavailable: an unknown port or ARG, no ``node``, the port's package not
            installed, or a port that fails to load (its reason in one line).
    """
    port, _, port_arg = arg.partition(":")
    if port not in PORTS:
        raise BackendUnavailable(f"unknown JavaScript port {port!r}; ports: {', '.join(PORTS)}")
    package, args = PORTS[port]
    if args is not None and port_arg not in args:
        raise BackendUnavailable(f"js:{port} loads {' | '.join(args)}, not {port_arg!r}")
    node = shutil.which("node")
    if node is None:
        raise BackendUnavailable("node is not installed: the JavaScript ports need Node.js >= 18 and `make install` (npm ci)")
    modules = node_modules()
    if modules is None or not (modules / package / "package.json").is_file():
        raise BackendUnavailable(f"npm package {package} is not installed: run `make install` (npm ci)")
    if args is None:
        port_arg = _tokenizer_json(port_arg)
    return CmdBackend([node, str(SERVER), port, port_arg], label=f"js:{arg}")
