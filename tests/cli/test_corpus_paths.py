"""Commands that read a corpus refuse a wrong path (exit 2, one line) instead of
replaying "0 cases" and passing a CI gate; ``replay`` also refuses an unknown
subject and a ``--backend`` that does not load. The console script is run once in a
subprocess, to see what a shell sees."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import deny_access, empty_corpus, fails, one_line_error
from tokfuzz.cli.main import main

COMMANDS = [["replay"], ["report", "--ids-only"], ["triage", "abcd1234", "--status", "open"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_corpus_that_is_not_one_exits_2(command: list[str], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope"
    assert f"corpus {missing} is not a directory: nothing exists there" in fails([*command, "--corpus", str(missing)], capsys)
    a_file = empty_corpus(tmp_path / "corpora") / "custom.jsonl"
    line = fails([*command, "--corpus", str(a_file)], capsys)
    assert f"corpus {a_file} is not a directory: it is a file" in line and f"e.g. {a_file.parent}" in line
    line = fails([*command, "--corpus", str(tmp_path)], capsys)
    assert line == (f"tokfuzz: error: corpus {tmp_path} holds no corpus: no *.jsonl file in it; check --corpus DIR "
                    f"(`tokfuzz fuzz --corpus {tmp_path}` starts one)")


def test_corpus_files_without_cases_are_an_empty_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = empty_corpus(tmp_path / "corpora")
    assert main(["replay", "--corpus", str(corpus)]) == 0
    assert "0 cases" in capsys.readouterr().out
    assert main(["report", "--corpus", str(corpus), "--ids-only", "--out", str(tmp_path / "r.md")]) == 0
    assert (tmp_path / "r.md").is_file()


def test_unreadable_corpus_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    corpus = empty_corpus(tmp_path / "corpora")
    deny_access(monkeypatch, corpus)
    assert f"corpus {corpus} cannot be read (permission denied)" in fails(["replay", "--corpus", str(corpus)], capsys)


@pytest.mark.parametrize(("argv", "needle"), [
    (["--subject", "gpt-17"], "unknown subject 'gpt-17'; embedded subjects: cl100k_base"),
    (["--subject", "custom"], "subject 'custom' is made of --backend specs: give at least one --backend SPEC"),
    (["--backend", "nope:x"], "unknown backend kind 'nope'"),
    (["--backend", "python:tests.fakes:broken_factory"], "--backend python:tests.fakes:broken_factory does not load"),
    (["--backend", "python:tests.misbehaving:DecodeReturnsBytes"], "decode([116, 111"),
])
def test_replay_refuses_unknown_subjects_and_backends(argv: list[str], needle: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert needle in fails(["replay", "--corpus", str(empty_corpus(tmp_path / "corpora")), *argv], capsys)


def test_replay_allow_missing_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = empty_corpus(tmp_path / "corpora")
    argv = ["replay", "--corpus", str(corpus), "--subject", "custom", "--backend", "python:tests.fakes:broken_factory",
            "--backend", "python:tests.fakes:Chars", "--allow-missing"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "tokfuzz: warning: --backend python:tests.fakes:broken_factory does not load" in captured.out
    assert captured.err == ""


def test_console_script_one_line_no_traceback(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "tokfuzz"
    env = {"PATH": str(script.parent), "FUZZ_SECONDS": "abc"}
    cases = [
        (["fuzz", "--corpus", str(tmp_path)], "tokfuzz: error: FUZZ_SECONDS must be > 0"),
        (["fuzz", "--seconds", "nan", "--corpus", str(tmp_path)], "tokfuzz: error: --seconds must be > 0"),
        (["replay", "--corpus", str(tmp_path / "typo")], "tokfuzz: error: corpus "),
    ]
    for argv, start in cases:
        done = subprocess.run([str(script), *argv], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(start) and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_one_line_error_helper_rejects_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    """The helper every test here leans on must fail on what it exists to catch."""
    sys.stderr.write("tokfuzz: error: x\nTraceback (most recent call last):\n")
    with pytest.raises(AssertionError):
        one_line_error(capsys)
