"""The pytest plugin checks a golden-id snapshot in any tokenizer CI: ``--tokfuzz-snapshot``
(or ini ``tokfuzz_snapshot``) adds a test that fails listing the drift classes and passes
on a clean snapshot; a missing or corrupt file stops the run in one line. Each test runs
pytest in a subprocess in a fresh directory, the plugin loaded as any user gets it (the
``pytest11`` entry point)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_pytest_plugin import PLAIN_TEST, stopped
from tokfuzz.report.snapshot import create_snapshot, write_snapshot

REPO = Path(__file__).resolve().parents[1]
DRIFT = "python:tests.drift_plugin:ZwjDrift"


def run_pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest ARGS`` in ``cwd``, with this repository importable (for the
    planted-drift plugin ``tests.drift_plugin``)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "RUST_BACKTRACE": "0"}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(cwd), *args]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def snapshot_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cl100k_base snapshot: the stress set (n=2) and texts with and without ZWJ."""
    path = tmp_path_factory.mktemp("snap") / "cl100k_base.jsonl"
    write_snapshot(create_snapshot("cl100k_base", stress=2, given=["a\u200db", "👩\u200d💻 dev", "plain"]), path)
    return path


def test_drifted_snapshot_fails_listing_its_classes(snapshot_file: Path, tmp_path: Path) -> None:
    done = run_pytest(tmp_path, "--tokfuzz-snapshot", str(snapshot_file), "--tokfuzz-snapshot-backend", DRIFT)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "1 failed" in output, output
    assert "snapshot|cl100k_base|tiktoken-next|ids-changed|ZWJ: " in output and "witness '\\u200d' [U+200D]" in output
    assert "minimized against tiktoken, 1-minimal" in output and "-> 0.99.0 (tiktoken-next)" in output
    assert "Traceback" not in output and "def runtest" not in output, output  # the classes, not a stack


def test_clean_snapshot_passes_alone_and_beside_other_tests(snapshot_file: Path, tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text(PLAIN_TEST, encoding="utf-8")
    done = run_pytest(tmp_path, "--tokfuzz-snapshot", str(snapshot_file), "--tokfuzz-snapshot-backend", "tiktoken:cl100k_base",
                      "-rA")
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "2 passed" in output and f"PASSED tokfuzz-snapshot[{snapshot_file}]" in output, output


def test_ini_options_are_relative_to_the_ini_file(snapshot_file: Path, tmp_path: Path) -> None:
    (tmp_path / "golden").mkdir()
    (tmp_path / "golden" / "cl100k.jsonl").write_bytes(snapshot_file.read_bytes())
    (tmp_path / "pytest.ini").write_text(f"[pytest]\ntokfuzz_snapshot = golden/cl100k.jsonl\ntokfuzz_snapshot_backends =\n"
                                         f"    {DRIFT}\n", encoding="utf-8")
    done = run_pytest(tmp_path)
    assert done.returncode == 1 and "FAILED tokfuzz-snapshot[golden/cl100k.jsonl]" in done.stdout, done.stdout + done.stderr
    assert "tiktoken-next|ids-changed|ZWJ" in done.stdout, done.stdout + done.stderr


def test_missing_or_corrupt_snapshot_or_a_bad_spec_stops_the_run_in_one_line(snapshot_file: Path, tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text(PLAIN_TEST, encoding="utf-8")
    stopped(run_pytest(tmp_path, "--tokfuzz-snapshot", "absent.jsonl"), f"snapshot {tmp_path / 'absent.jsonl'}: no such file")
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"".join(snapshot_file.read_bytes().splitlines(keepends=True)[:3]))
    stopped(run_pytest(tmp_path, "--tokfuzz-snapshot", "cut.jsonl"), "the file is cut short")
    stopped(run_pytest(tmp_path, "--tokfuzz-snapshot", str(snapshot_file), "--tokfuzz-snapshot-backend", "nokind:x"),
            "unknown backend kind 'nokind'")
