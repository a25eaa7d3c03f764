"""tokfuzz.config: what a project config holds once read, with its paths resolved
against the file's directory (not the current one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokfuzz.backends.base import ConfigError
from tokfuzz.config import find_config, read_config

CONFIG = """corpus = "tests/corpus"
seconds = 120
properties = ["roundtrip", "cross_backend", "roundtrip"]
engine = "all"
workers = 2
timeout = 2.5
[subjects.mytok]
backends = ["transformers:./tokenizer", "hf:tokenizer/tokenizer.json", "hf:cl100k_base", "tiktoken:o200k_base",
            "spm:/abs/tokenizer.model", "python:tests.fakes:Chars", "cmd:./port --model m.json",
            "js:tokenizers-js:./tokenizer/tokenizer.json", "js:js-tiktoken:cl100k_base", "tokie:models"]
"""


def test_settings_and_paths_resolve_against_the_config_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    (root / "tokenizer").mkdir(parents=True)
    (root / "models").mkdir()
    (root / "tokfuzz.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # elsewhere: nothing may resolve against the current directory
    config = read_config(root / "tokfuzz.toml")
    assert config is not None
    assert (config.corpus, config.seconds, config.properties) == (root / "tests/corpus", 120.0, ("roundtrip", "cross_backend"))
    assert (config.engine, config.workers, config.timeout) == ("all", 2, 2.5)
    assert config.subjects == {"mytok": (
        f"transformers:{root / 'tokenizer'}",
        f"hf:{root / 'tokenizer/tokenizer.json'}",
        "hf:cl100k_base",  # a subject name, not a path
        "tiktoken:o200k_base",
        "spm:/abs/tokenizer.model",
        "python:tests.fakes:Chars",  # a module: imported from sys.path
        "cmd:./port --model m.json",  # a command line: runs in the current directory
        f"js:tokenizers-js:{root / 'tokenizer/tokenizer.json'}",
        "js:js-tiktoken:cl100k_base",
        f"tokie:{root / 'models'}",  # no slash, but it names what is there
    )}


def test_find_config_reads_one_directory_only(tmp_path: Path) -> None:
    (tmp_path / "tokfuzz.toml").write_text("seconds = 1\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    assert find_config(tmp_path / "sub") is None  # never searched for upwards
    assert find_config(tmp_path).seconds == 1.0  # type: ignore[union-attr]
    (tmp_path / "sub" / "pyproject.toml").write_text("[tool.other]\nx = 1\n", encoding="utf-8")
    assert find_config(tmp_path / "sub") is None


def test_an_unreadable_config_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "tokfuzz.toml").mkdir()  # not a file: not a config
    assert find_config(tmp_path) is None
    with pytest.raises(ConfigError, match=f"^{tmp_path / 'tokfuzz.toml'}: cannot read it: "):
        read_config(tmp_path / "tokfuzz.toml")
