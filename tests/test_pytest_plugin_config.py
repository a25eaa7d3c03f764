"""The pytest plugin reads the project config in the rootdir: its ``corpus`` is the
corpus to replay (under ``--tokfuzz-corpus`` and ini ``tokfuzz_corpus``) and its named
subjects are what ``tokfuzz_backends`` loads. Each test runs pytest in a subprocess in a
fresh directory, with the plugin loaded as any user gets it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.test_pytest_plugin import CASE, PLAIN_TEST, REPLAY_TEST, corpus, stopped

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = '["python:tests.fakes:Chars", "python:tests.fakes:DropsZWJ"]'
FIXED = {**CASE, "id": "00000000000000aa", "subject": "mytok", "signature": "roundtrip|mytok|chars|lost|L:Latn"}
OPEN = {**CASE, "id": "00000000000000bb", "subject": "mytok", "input": "\u200d", "backends": ["drops-zwj"],
        "signature": "roundtrip|mytok|drops-zwj|lost|ZWJ", "status": "open"}


def run_pytest(cwd: Path, rootdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest ARGS`` in ``cwd`` with ``rootdir``; ``tests.fakes`` importable."""
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(rootdir), *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=180, env=env)


def _project(root: Path, config: str) -> None:
    (root / "test_replay.py").write_text(REPLAY_TEST, encoding="utf-8")
    (root / "tokfuzz.toml").write_text(config, encoding="utf-8")
    corpus(root / "regressions", FIXED, OPEN)
    (root / "regressions" / "mytok.jsonl").write_bytes((root / "regressions" / "custom.jsonl").read_bytes())
    (root / "regressions" / "custom.jsonl").unlink()


def test_config_corpus_and_subjects_replay_with_no_options(tmp_path: Path) -> None:
    _project(tmp_path, f'corpus = "regressions"\n[subjects.mytok]\nbackends = {PLUGINS}\n')
    done = run_pytest(tmp_path, tmp_path)
    assert done.returncode == 0 and "1 passed, 1 xfailed" in done.stdout, done.stdout + done.stderr
    sub = tmp_path / "sub"
    sub.mkdir()  # elsewhere: the config is the rootdir's, its paths relative to it
    done = run_pytest(sub, tmp_path, str(tmp_path / "test_replay.py"))
    assert done.returncode == 0 and "1 passed, 1 xfailed" in done.stdout, done.stdout + done.stderr


def test_without_the_subject_in_the_config_its_cases_skip(tmp_path: Path) -> None:
    _project(tmp_path, 'corpus = "regressions"\n')
    done = run_pytest(tmp_path, tmp_path, "-rs")
    assert done.returncode == 0 and "2 skipped" in done.stdout and "unknown subject 'mytok'" in done.stdout, \
        done.stdout + done.stderr


def test_a_config_backend_that_does_not_load_fails_its_cases(tmp_path: Path) -> None:
    _project(tmp_path, 'corpus = "regressions"\n[subjects.mytok]\n'
                       'backends = ["python:tests.fakes:Chars", "transformers:./no-such-dir"]\n')
    done = run_pytest(tmp_path, tmp_path)
    line = f"{tmp_path / 'tokfuzz.toml'}: subjects.mytok.backends: transformers:{tmp_path / 'no-such-dir'} does not load"
    assert done.returncode == 1 and "1 failed" in done.stdout and line in done.stdout, done.stdout + done.stderr


def test_the_option_beats_the_config_corpus(tmp_path: Path) -> None:
    _project(tmp_path, f'corpus = "nowhere"\n[subjects.mytok]\nbackends = {PLUGINS}\n')
    done = run_pytest(tmp_path, tmp_path)
    stopped(done, f"corpus {tmp_path / 'nowhere'} is not a directory: nothing exists there; give the directory holding "
                  f"the corpus' *.jsonl files (set corpus in {tmp_path / 'tokfuzz.toml'})")
    done = run_pytest(tmp_path, tmp_path, "--tokfuzz-corpus", "regressions")
    assert done.returncode == 0 and "1 passed, 1 xfailed" in done.stdout, done.stdout + done.stderr


def test_a_bad_config_stops_the_run_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text(PLAIN_TEST, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.tokfuzz]\nproperties = ["vibes"]\n', encoding="utf-8")
    stopped(run_pytest(tmp_path, tmp_path), f"{tmp_path / 'pyproject.toml'}: tool.tokfuzz.properties names an unknown property")
