"""Standalone upstream reproducers (tokfuzz.report.recipes): every Python backend of every
embedded subject has one, none of them mentions tokfuzz, and — run for real in a
subprocess with the venv's Python — each prints the ids the tokfuzz backend returns.

Offline: the programs are run unchanged, with the fallbacks their libraries support
themselves: ``TIKTOKEN_CACHE_DIR`` pre-filled with the OpenAI rank files (tiktoken names a
cached blob by the sha1 of its URL, tiktoken/load.py ``read_file_cached``; the bytes are
bpe-openai's, which hash to tiktoken's pinned sha256), ``<name>.tiktoken`` already in
the working directory (the programs download it only when it is missing),
``node_modules`` linked into the working directory (claude.json), ``HF_HUB_OFFLINE=1``.

Run time: the default matrix (``RUNS``, run 2 at a time; about 50 s on an idle 2-core
machine) runs every Python library at least once and every way a model file is made:
OpenAI ``tiktoken.get_encoding``, the OpenAI ``.tiktoken`` download, the three
transformers conversions (``convert_tiktoken_to_fast``, ``LlamaTokenizer``,
``MistralConverter``), the tekken-in-tiktoken and claude.json constructions, the
anthropic SDK's file, Meta's ``Tokenizer.get_instance()``. ``TOKFUZZ_RECIPES_ALL=1``
runs every (subject, Python backend) pair instead (53 programs, about 2.5 min idle),
adding the other subjects and Meta's encoding through ``convert_tiktoken_to_fast``.
llama-cpp is skipped where llama-cpp-python is not built (``make llama-cpp``).
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tokfuzz.backends.base import BackendUnavailable
from tokfuzz.backends.models import cache_dir, package_file
from tokfuzz.backends.ranks import node_modules
from tokfuzz.backends.registry import load_backend
from tokfuzz.backends.subjects import KIND_NAMES, SUBJECTS
from tokfuzz.report.recipes import JS_BACKENDS, OPENAI_SHA256, OPENAI_URL, Recipe
from tokfuzz.report.standalone import PYTHON_BACKENDS, recipe

#: ordinary text with what tends to differ: accents, an emoji with a skin tone, CJK, two
#: spaces before a word (SentencePiece vs its HF conversion), a tab after a newline
TEXT = "Hello, w\u00f6rld! \U0001f44d\U0001f3fd \u65e5\u672c\u8a9e  x\n\ty"
#: strings a reproducer must carry exactly: lone surrogates, NUL, backticks, bidi controls, quotes
NASTY = ("\ud800", "a\x00b", "```\n`", "\u202e\u2066x\u2069", "'\"\\", "\U0001f9d1\u200d\U0001f4bb", "")

_BACKEND_KIND = {name: kind for kind, name in KIND_NAMES.items()}
PAIRS = [(subject, KIND_NAMES[kind]) for subject, kinds in SUBJECTS.items() for kind in kinds if not kind.startswith("js:")]
#: the default matrix of real runs (module docstring)
RUNS = [
    ("cl100k_base", "tiktoken"), ("cl100k_base", "hf"), ("cl100k_base", "bpe-openai"), ("cl100k_base", "kitoken"),
    ("cl100k_base", "gigatoken"), ("cl100k_base", "rs-bpe"),
    ("mistral-v1", "spm"), ("mistral-v1", "hf"), ("mistral-v1", "mistral-common"), ("mistral-v1", "kitoken"),
    ("mistral-v1", "gigatoken"),
    ("tekken", "tiktoken"), ("tekken", "hf"), ("tekken", "kitoken"),
    ("claude", "tiktoken"), ("claude", "hf"), ("claude", "tokie"), ("claude", "kitoken"), ("claude", "anthropic-tokenizer"),
    ("llama3", "llama-models"), ("llama3", "kitoken"),
]

if os.environ.get("TOKFUZZ_RECIPES_ALL"):
    RUNS = PAIRS


def _spec(subject: str, backend: str) -> str:
    return f"{_BACKEND_KIND[backend]}:{subject}"


# --- the programs as text ----------------------------------------------------------


def test_every_python_backend_of_every_subject_has_a_recipe() -> None:
    from tokfuzz.report.recipes_libs import LIBRARIES

    assert set(LIBRARIES) == set(PYTHON_BACKENDS)
    assert {b for _, b in PAIRS} <= set(PYTHON_BACKENDS)
    for subject, backend in PAIRS:
        found = recipe(backend, subject, TEXT, {})
        assert found is not None, (subject, backend)
        assert found.language == "python" and found.install.startswith("pip install ")


def test_no_recipe_mentions_tokfuzz_or_its_cache_and_all_are_ascii_python() -> None:
    cache = str(cache_dir())
    for subject, backend in PAIRS:
        for text in (TEXT, *NASTY):
            for found in (recipe(backend, subject, text, {}), recipe(backend, subject, text, {}, ids=[1, 2]),
                          recipe(backend, subject, text, {}, repeat=[4, 8])):
                assert found is not None
                assert "tokfuzz" not in found.code.lower() and "tokfuzz" not in found.install.lower()
                assert cache not in found.code and ".cache" not in found.code
                assert found.code.isascii(), (subject, backend)
                ast.parse(found.code)


def _literal(code: str, name: str) -> Any:
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"no {name} = ... in the program")


@pytest.mark.parametrize("text", NASTY)
def test_the_witness_survives_exactly(text: str) -> None:
    found = recipe("hf", "claude", text, {})
    assert found is not None and _literal(found.code, "TEXT") == text
    assert _literal(found.code.replace("TEXT = ", "X = "), "X") == text


def test_install_line_pins_the_case_versions_and_names_the_conversion_tools() -> None:
    found = recipe("hf", "mistral-v3", "a", {"tokenizers": "0.1.2", "transformers": "9.9.9"})
    assert found is not None and found.library == "tokenizers"
    assert found.install.startswith("pip install tokenizers==0.1.2 transformers==9.9.9 sentencepiece==")
    assert "mistral-common==" in found.install
    claude = recipe("tiktoken", "claude", "a", {"tiktoken": "0.14.0"})
    assert claude is not None and claude.install == "pip install tiktoken==0.14.0 && npm install @anthropic-ai/tokenizer@0.0.4"


def test_modes_ids_repeat_and_stream() -> None:
    decode = recipe("bpe-openai", "cl100k_base", "ignored", {}, ids=[64, -1, 65])
    assert decode is not None and _literal(decode.code, "ids") == [64, -1, 65] and "TEXT" not in decode.code
    slow = recipe("tokie", "claude", "a", {}, repeat=[256, 1024])
    assert slow is not None and _literal(slow.code, "UNIT") == "a" and "process_time" in slow.code
    stream = recipe("hf", "claude", "a", {}, ids=[1, 2], stream=True)
    assert stream is not None and "DecodeStream()" in stream.code
    assert recipe("tiktoken", "claude", "a", {}, ids=[1], stream=True) is None  # tiktoken has no incremental decoder


def test_no_recipe_for_plugins_custom_subjects_or_unloaded_pairs() -> None:
    assert recipe("my-plugin", "cl100k_base", "a", {}) is None
    assert recipe("hf", "custom", "a", {}) is None
    assert recipe("rs-bpe", "mistral-v1", "a", {}) is None
    assert recipe("gigatoken", "claude", "a", {}) is None  # gigatoken refuses claude's NFKC normalizer
    assert recipe("js-tiktoken", "cl100k_base", "a", {}, ids=[1]) is None  # JavaScript recipes take text only


_JS_SUBJECT = {"mistral-tokenizer-js": "mistral-v1", "anthropic-tokenizer-js": "claude", "llama3-tokenizer-js": "llama3"}


def test_javascript_ports_are_delegated() -> None:
    for backend in JS_BACKENDS:
        found = recipe(backend, _JS_SUBJECT.get(backend, "cl100k_base"), "a", {})
        assert found is not None and found.language == "javascript" and "tokfuzz" not in found.code
    assert recipe("js-tiktoken", "cl100k_base", "a", {}, ids=[64]) is None     # JavaScript recipes take text only
    assert recipe("js-tiktoken", "mistral-v1", "a", {}) is None                 # a port that does not load the subject


def test_tekken_special_tokens_are_mistral_commons() -> None:
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer

    from tokfuzz.report.recipes_libs import TEKKEN_DEPRECATED_SPECIALS

    names = tuple(str(getattr(e["token_str"], "value", e["token_str"])) for e in Tekkenizer.DEPRECATED_SPECIAL_TOKENS)
    assert names == TEKKEN_DEPRECATED_SPECIALS


# --- the programs, run -------------------------------------------------------------


def _workdir(root: Path) -> dict[str, str]:
    """A working directory and environment in which the programs run offline."""
    tiktoken_cache = root / "tiktoken-cache"
    tiktoken_cache.mkdir()
    for name in OPENAI_SHA256:
        raw = gzip.decompress(package_file("bpe_openai", f"data/{name}.tiktoken.gz", install_hint="pip install bpe-openai").read_bytes())
        assert hashlib.sha256(raw).hexdigest() == OPENAI_SHA256[name]
        (tiktoken_cache / hashlib.sha1(OPENAI_URL.format(name).encode()).hexdigest()).write_bytes(raw)
        (root / f"{name}.tiktoken").write_bytes(raw)
    modules = node_modules()
    if modules is not None:
        (root / "node_modules").symlink_to(modules)
    return {**os.environ, "TIKTOKEN_CACHE_DIR": str(tiktoken_cache), "HF_HUB_OFFLINE": "1", "RUST_BACKTRACE": "0",
            "TRANSFORMERS_VERBOSITY": "error", "PYTHONIOENCODING": "utf-8"}


def _run(root: Path, env: dict[str, str], name: str, found: Recipe) -> tuple[subprocess.CompletedProcess[str], float]:
    path = root / f"{name}.py"
    path.write_text(found.code, encoding="ascii")
    start = time.monotonic()
    done = subprocess.run([sys.executable, str(path)], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    return done, time.monotonic() - start


#: extra runs: (name, subject, backend, recipe keyword arguments, text)
EXTRA: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("surrogate", "claude", "hf", {}, "\ud800"),
    ("wraps", "cl100k_base", "bpe-openai", {"ids": [64, -1, 65]}, ""),
    ("stream", "claude", "hf", {"ids": [10002, 16, 293, 11292, 507], "stream": True}, ""),
    ("slow", "cl100k_base", "rs-bpe", {"repeat": [16, 64]}, "a"),
]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Every program of RUNS and EXTRA, run 2 at a time, keyed ``subject/backend`` or the
    extra's name, -> (CompletedProcess, seconds); and under ``("expected", subject,
    backend)`` what the tokfuzz backend gives for TEXT (ids, decoded) or why it does not
    load, computed here while the programs run."""
    root = tmp_path_factory.mktemp("recipes")
    env = _workdir(root)
    jobs: list[tuple[str, Recipe]] = []
    for subject, backend in RUNS:
        found = recipe(backend, subject, TEXT, {})
        assert found is not None
        jobs.append((f"{subject}/{backend}", found))
    for name, subject, backend, kwargs, text in EXTRA:
        found = recipe(backend, subject, text, {}, **kwargs)
        assert found is not None
        jobs.append((name, found))
    jobs.sort(key=lambda job: "hf" not in job[0] and "tokie" not in job[0])  # the slow conversions first
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_run, root, env, name.replace("/", "-"), found) for name, found in jobs}
        out: dict[Any, Any] = {}
        for subject, backend in RUNS:
            try:
                loaded = load_backend(_spec(subject, backend))
                out["expected", subject, backend] = (loaded.encode(TEXT), loaded.decode(loaded.encode(TEXT)))
            except BackendUnavailable as exc:
                out["expected", subject, backend] = str(exc)
        out.update((name, future.result()) for name, future in futures.items())
    yield out


def _printed(done: subprocess.CompletedProcess[str], label: str) -> Any:
    for line in done.stdout.splitlines():
        if line.startswith(label + ": "):
            return ast.literal_eval(line[len(label) + 2:])
    raise AssertionError(f"no {label!r} line; rc={done.returncode}\n{done.stdout}\n{done.stderr[-2000:]}")


def _backend(subject: str, backend: str) -> Any:
    try:
        return load_backend(_spec(subject, backend))
    except BackendUnavailable as exc:
        pytest.skip(f"{backend} does not load {subject} here: {exc}")


@pytest.mark.parametrize(("subject", "backend"), RUNS, ids=[f"{s}-{b}" for s, b in RUNS])
def test_the_program_prints_what_the_backend_returns(runs: dict[Any, Any], subject: str, backend: str) -> None:
    expected = runs["expected", subject, backend]
    if isinstance(expected, str):
        pytest.skip(f"{backend} does not load {subject} here: {expected}")
    done, seconds = runs[f"{subject}/{backend}"]
    assert done.returncode == 0, done.stderr[-2000:]
    ids, decoded = expected
    assert _printed(done, "ids") == ids, f"{subject}/{backend} ({seconds:.1f} s)"
    assert _printed(done, "decoded") == decoded


def test_a_raising_encode_raises_the_same_in_the_program(runs: dict[Any, Any]) -> None:
    done, _ = runs["surrogate"]
    loaded = _backend("claude", "hf")
    with pytest.raises(TypeError) as raised:
        loaded.encode("\ud800")
    assert done.returncode != 0 and f"TypeError: {raised.value}" in done.stderr


def test_decoding_given_ids_decodes_as_the_backend(runs: dict[Any, Any]) -> None:
    done, _ = runs["wraps"]
    assert _printed(done, "decoded") == _backend("cl100k_base", "bpe-openai").decode([64, -1, 65])


def test_the_stream_is_the_backends_decode_stream(runs: dict[Any, Any]) -> None:
    done, _ = runs["stream"]
    stream = _backend("claude", "hf").decode_stream()
    assert [s or None for s in _printed(done, "stream")] == [stream.step(i) or None for i in [10002, 16, 293, 11292, 507]]


def test_the_timing_program_times_each_size(runs: dict[Any, Any]) -> None:
    done, _ = runs["slow"]
    assert done.returncode == 0, done.stderr
    assert [line.split(" x ")[0] for line in done.stdout.splitlines()] == ["16", "64"]

