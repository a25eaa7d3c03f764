"""Standalone Node.js reproducers (tokfuzz.report.recipes_js): every (subject, JS port)
pair of SUBJECTS, run with ``node`` on hard texts, prints the ids the tokfuzz backend
(``js:PORT:SUBJECT``) returns, and the same error where the library throws.

The programs run in a temporary directory whose ``node_modules`` is a symlink to the
project's (ES modules ignore NODE_PATH; Node walks up from the program's directory).
The tokenizers-js programs read ``tokenizer.json`` and ``tokenizer_config.json`` from
their directory: copied here from tokfuzz's cache, and a separate test checks that the
Python program each recipe prints writes those very files (mistral-v1 by default,
all nine with ``TOKFUZZ_RECIPE_CONVERSIONS=all``: about a minute more).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tokfuzz.backends import js, models
from tokfuzz.backends.base import BackendUnavailable
from tokfuzz.backends.registry import load_backend
from tokfuzz.backends.subjects import SUBJECTS
from tokfuzz.report.recipes_js import JS_PORTS, js_literal, js_recipe, npm_version
from tokfuzz.report.recipes_js_hf import CONVERTED_SUBJECTS, conversion

#: (subject, port) for every JS backend of every embedded subject
PAIRS = [(subject, kind.partition(":")[2]) for subject, kinds in SUBJECTS.items() for kind in kinds if kind.startswith("js:")]

#: the hard texts, two programs per pair (each program loads the model: seconds for the big ones)
TEXTS = {
    # an emoji ZWJ sequence (woman technologist), CJK, a lone surrogate
    "hard": "\U0001F469\u200d\U0001F4BB \u65e5\u672c\u8a9e\u306e\u6587\u7ae0 a\ud800b",
    "special": "<|endoftext|>",  # the tiktoken ports throw on it by default, the HF files may match it
}

NODE = shutil.which("node")
MODULES = js.node_modules()
ENV = {**os.environ, "RUST_BACKTRACE": "0", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}


def _needs(port: str) -> None:
    """Skip, with the reason, where node or the port's package is missing."""
    package = JS_PORTS[port].package
    if NODE is None:
        pytest.skip("node is not installed")
    if MODULES is None or not (MODULES / package / "package.json").is_file():
        pytest.skip(f"npm package {package} is not installed (make install)")


@pytest.fixture
def workdir() -> Iterator[Path]:
    """An empty directory whose node_modules resolves to the project's."""
    with tempfile.TemporaryDirectory(prefix="recipes-js-") as tmp:
        path = Path(tmp)
        if MODULES is not None:
            (path / "node_modules").symlink_to(MODULES, target_is_directory=True)
        yield path


def _output(stdout: str, key: str) -> object:
    """The JSON printed on the program's ``key:`` line."""
    for line in stdout.splitlines():
        if line.startswith(f"{key}:"):
            return json.loads(line.partition(":")[2])
    raise AssertionError(f"no {key}: line in\n{stdout}")


@pytest.mark.parametrize(("subject", "port"), PAIRS, ids=[f"{p}-{s}" for s, p in PAIRS])
def test_program_prints_what_the_backend_returns(subject: str, port: str, workdir: Path) -> None:
    _needs(port)
    assert NODE is not None
    try:
        backend = load_backend(f"js:{port}:{subject}")
    except BackendUnavailable as exc:
        pytest.skip(str(exc))
    if port == "tokenizers-js":  # what the recipe's Python program writes (test_conversion_*)
        tokenizer_json = models.hf_json(subject)
        shutil.copyfile(tokenizer_json, workdir / "tokenizer.json")
        shutil.copyfile(js._hf_config(tokenizer_json), workdir / "tokenizer_config.json")
    running: dict[str, subprocess.Popen[str]] = {}
    for key, text in TEXTS.items():
        recipe = js_recipe(port, subject, text, {})
        assert recipe is not None
        (workdir / f"repro-{key}.mjs").write_text(recipe.code, encoding="ascii")
        running[key] = subprocess.Popen([NODE, f"repro-{key}.mjs"], cwd=workdir, env=ENV, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for key, text in TEXTS.items():
            out, err = running[key].communicate(timeout=60)
            try:
                expected = backend.encode(text)
            except Exception as exc:  # the library throws: so must the program, with the same error
                assert running[key].returncode != 0, f"{key}: the backend raised {exc!r}, the program printed\n{out}"
                assert f"{type(exc).__name__}: {exc}" in err, f"{key}: expected {exc!r} in\n{err}"
                continue
            assert running[key].returncode == 0, f"{key}:\n{out}\n{err}"
            assert _output(out, "ids") == expected, f"{key} ({text!r})"
            assert _output(out, "text") == text
            if expected:
                assert _output(out, "decoded") == backend.decode(expected), key
    finally:
        for process in running.values():
            process.kill()
        close = getattr(backend, "close", None)
        if close is not None:
            close()


def _all_recipes() -> Iterator[tuple[str, str, str]]:
    for subject, port in PAIRS:
        for text in TEXTS.values():
            recipe = js_recipe(port, subject, text, {})
            assert recipe is not None
            yield port, subject, recipe.install + "\n" + recipe.code


def test_programs_are_standalone_and_ascii() -> None:
    cache = str(models.cache_dir())
    for port, subject, text in _all_recipes():
        assert "tokfuzz" not in text.lower(), (port, subject)
        assert cache not in text and ".cache" not in text and "site-packages" not in text, (port, subject)
        assert text.isascii(), (port, subject)


def test_recipe_fields_and_versions() -> None:
    recipe = js_recipe("js-tiktoken", "cl100k_base", "a\u200db", {"js-tiktoken": "9.9.9"})
    assert recipe is not None
    assert (recipe.library, recipe.language, recipe.install) == ("js-tiktoken", "javascript", "npm install js-tiktoken@9.9.9")
    assert 'const text = "a\\u200db";' in recipe.code and 'getEncoding("cl100k_base")' in recipe.code
    # no recorded version: the project's package.json pin
    pinned = json.loads((Path(__file__).parents[2] / "package.json").read_text())["dependencies"]
    for port in JS_PORTS.values():
        assert npm_version(port.package, {}) == pinned[port.package]
    claude = js_recipe("anthropic-tokenizer-js", "claude", "x", {})
    assert claude is not None and claude.install.startswith("npm install @anthropic-ai/tokenizer@0.0.4 tiktoken@")
    hf = js_recipe("tokenizers-js", "tekken", "x", {"transformers": "1.2.3", "@huggingface/tokenizers": "0.0.1"})
    assert hf is not None and hf.library == "@huggingface/tokenizers"
    assert hf.install.startswith("pip install transformers==1.2.3 ") and hf.install.endswith("npm install @huggingface/tokenizers@0.0.1")


def test_unknown_backends_wrong_subjects_and_untransmittable_text() -> None:
    assert js_recipe("tiktoken", "cl100k_base", "x", {}) is None
    assert js_recipe("hf", "cl100k_base", "x", {}) is None
    with pytest.raises(ValueError, match="mistral-v1"):
        js_recipe("js-tiktoken", "mistral-v1", "x", {})
    with pytest.raises(ValueError, match="astral"):
        js_literal("\ud83d\ude00")
    assert js_literal("\ud800\x00\x7f\U0001F600") == '"\\ud800\\u0000\\u007f\\ud83d\\ude00"'
    own = js_recipe("tokenizers-js", "mytok", "x", {})  # a user's own tokenizer.json: no conversion
    assert own is not None and "existsSync" in own.code and "pip" not in own.install
    assert set(CONVERTED_SUBJECTS) == {s for s, p in PAIRS if p == "tokenizers-js"}


CONVERSIONS = list(CONVERTED_SUBJECTS) if os.environ.get("TOKFUZZ_RECIPE_CONVERSIONS") == "all" else ["mistral-v1"]


@pytest.mark.parametrize("subject", CONVERSIONS)
def test_conversion_program_writes_the_files_tokfuzz_feeds(subject: str, workdir: Path) -> None:
    """The Python half of the tokenizers-js recipe, run as printed (its ``python -``
    heredoc, with the project venv's python first on PATH), writes byte-identical files."""
    try:
        tokenizer_json = models.hf_json(subject)
        config = js._hf_config(tokenizer_json)
    except BackendUnavailable as exc:
        pytest.skip(str(exc))
    made = conversion(subject, {})
    assert made is not None
    env = {**ENV, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{ENV.get('PATH', '')}"}
    if subject in models.OPENAI_ENCODINGS:  # tiktoken.get_encoding offline: its cache, filled with the same ranks
        env["TIKTOKEN_CACHE_DIR"] = str(_tiktoken_cache(workdir / "tiktoken-cache", subject))
    done = subprocess.run(["bash", "-c", made.command], cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (workdir / "tokenizer.json").read_bytes() == tokenizer_json.read_bytes()
    assert (workdir / "tokenizer_config.json").read_bytes() == config.read_bytes()


def _tiktoken_cache(directory: Path, name: str) -> Path:
    """A TIKTOKEN_CACHE_DIR holding ``name``'s ranks under tiktoken's key (sha1 of the URL)."""
    import hashlib

    import tiktoken_ext.openai_public as openai_public

    from tokfuzz.backends.ports import tiktoken_file

    urls: list[str] = []

    def record(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        urls.append(url)
        return {}

    original = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = record
    try:
        getattr(openai_public, name)()
    finally:
        openai_public.load_tiktoken_bpe = original
    directory.mkdir()
    shutil.copyfile(tiktoken_file(name), directory / hashlib.sha1(urls[0].encode()).hexdigest())
    return directory
