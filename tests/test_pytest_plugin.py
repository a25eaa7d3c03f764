"""The pytest plugin stops a run whose corpus path is wrong (exit status 2, one line,
no traceback) and leaves every other pytest run alone. Each test runs pytest in a
subprocess in a fresh directory, where the plugin is loaded as any user gets it (the
``pytest11`` entry point)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPLAY_TEST = """
from tokfuzz.pytest_plugin import check_case

def test_corpus(tokfuzz_case, tokfuzz_backends):
    check_case(tokfuzz_case, tokfuzz_backends)
"""
PLAIN_TEST = "def test_plain():\n    assert True\n"
CASE = {"id": "0123456789abcdef", "input": "a", "property": "roundtrip", "subject": "custom", "backends": ["chars"],
        "signature": "roundtrip|custom|chars|lost|L:Latn", "status": "fixed", "note": "", "found_by": "test",
        "found_at": "2025-01-01T00:00:00+00:00", "versions": {}, "observed": {}}


def run_pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest ARGS`` in ``cwd`` (its own rootdir, no cache, no user plugins)."""
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(cwd), *args]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120)


def stopped(done: subprocess.CompletedProcess[str], needle: str) -> None:
    """The run exited 2, saying ``needle`` in exactly one line, with no traceback."""
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    lines = [line for line in output.splitlines() if "tokfuzz: error: " in line]
    assert len(lines) == 1 and needle in lines[0], output
    assert "Traceback" not in output and "ERROR collecting" not in output and "INTERNALERROR" not in output, output


def corpus(root: Path, *cases: dict[str, object]) -> Path:
    """A corpus directory holding ``cases`` in ``custom.jsonl``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "custom.jsonl").write_text("".join(json.dumps(c, sort_keys=True) + "\n" for c in cases), encoding="utf-8")
    return root


def test_a_project_that_never_mentions_tokfuzz_is_not_affected(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text(PLAIN_TEST, encoding="utf-8")
    done = run_pytest(tmp_path)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr


def test_default_corpus_checked_only_when_a_test_replays_it(tmp_path: Path) -> None:
    (tmp_path / "test_replay.py").write_text(REPLAY_TEST, encoding="utf-8")
    stopped(run_pytest(tmp_path), f"corpus {tmp_path / 'corpora'} is not a directory: nothing exists there")
    (tmp_path / "corpora").mkdir()
    stopped(run_pytest(tmp_path), f"corpus {tmp_path / 'corpora'} holds no corpus")
    corpus(tmp_path / "corpora", CASE)
    done = run_pytest(tmp_path, "--collect-only")
    assert done.returncode == 0 and f"custom-roundtrip-{CASE['id']}" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize(("make", "needle"), [
    (lambda p: p / "nope", "is not a directory: nothing exists there"),
    (lambda p: corpus(p / "corpora") / "custom.jsonl", "is not a directory: it is a file"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "holds no corpus: no *.jsonl file in it"),
])
def test_explicit_option_is_checked_even_without_a_replay_test(make: object, needle: str, tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text(PLAIN_TEST, encoding="utf-8")
    path = make(tmp_path)  # type: ignore[operator]
    stopped(run_pytest(tmp_path, "--tokfuzz-corpus", str(path.relative_to(tmp_path))), f"corpus {path} {needle}")


def test_explicit_ini_is_checked(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text(PLAIN_TEST, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\ntokfuzz_corpus = regressions\n", encoding="utf-8")
    stopped(run_pytest(tmp_path), f"corpus {tmp_path / 'regressions'} is not a directory")
    corpus(tmp_path / "regressions", CASE)
    assert run_pytest(tmp_path).returncode == 0


def test_option_is_relative_to_where_pytest_runs(tmp_path: Path) -> None:
    (tmp_path / "test_replay.py").write_text(REPLAY_TEST, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    sub = tmp_path / "sub"
    corpus(sub / "corp", CASE)
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only", "--tokfuzz-corpus", "corp", ".."]
    done = subprocess.run(argv, cwd=sub, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and f"custom-roundtrip-{CASE['id']}" in done.stdout, done.stdout + done.stderr


def test_corrupt_corpus_stops_the_run_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "test_replay.py").write_text(REPLAY_TEST, encoding="utf-8")
    (tmp_path / "corpora").mkdir()
    (tmp_path / "corpora" / "custom.jsonl").write_text('{"truncated": \n', encoding="utf-8")
    stopped(run_pytest(tmp_path), f"{tmp_path / 'corpora' / 'custom.jsonl'}:1: not valid JSON")
