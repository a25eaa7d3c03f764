"""The command line: options, report JSON, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tokfuzz.cli.main import main

PLUGINS = ["--backend", "python:tests.fakes:Chars", "--backend", "python:tests.fakes:DropsZWJ"]


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("tokfuzz: error: ")
    assert "\n" not in err and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["fuzz", "--subject", "gpt-17"], "unknown subject 'gpt-17'"),
        (["fuzz", "--backend", "nope:x"], "unknown backend kind 'nope'"),
        (["fuzz", "--seconds", "-1"], "--seconds must be > 0"),
        (["fuzz", "--property", "vibes"], "invalid choice: 'vibes'"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_usage_exits_2_with_one_line(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert needle in _one_line_error(capsys)


def test_corrupt_corpus_names_file_and_line_and_loses_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "custom.jsonl"
    bad.write_text('{"truncated": \n', encoding="utf-8")
    before = bad.read_bytes()
    assert main(["replay", "--corpus", str(tmp_path)]) == 2
    assert f"{bad}:1" in _one_line_error(capsys)
    assert main(["fuzz", "--corpus", str(tmp_path), *PLUGINS, "--seconds", "1"]) == 2
    assert bad.read_bytes() == before


def test_plugin_that_fails_to_load_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["fuzz", "--corpus", str(tmp_path), "--backend", "python:tests.fakes:broken_factory", "--seconds", "1", "--workers", "1"]
    assert main(argv) == 2
    assert "failed to construct: RuntimeError: model file not found" in _one_line_error(capsys)


def test_fuzz_finds_stores_then_knows_and_replay_agrees(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus, report = tmp_path / "corpora", tmp_path / "report.json"
    argv = ["fuzz", "--corpus", str(corpus), *PLUGINS, "--seconds", "4", "--seed", "3", "--workers", "1"]
    assert main([*argv, "--report", str(report)]) == 1
    data = json.loads(report.read_text(encoding="utf-8"))
    assert set(data) >= {"seconds", "inputs", "subjects", "findings"}
    assert data["inputs"] > 0 and data["subjects"] == ["custom"]
    [run] = data["subject_runs"]  # distinct inputs, the repeats hypothesis drew, their code points
    assert run["repeats"] > 0 and run["codepoints"] >= run["inputs"] and data["repeats"] == run["repeats"]
    assert 0 < run["generate_seconds"] < 0.5 * run["seconds"] and run["long_skipped"] >= 0  # checking, not generating
    zwj = [f for f in data["findings"] if f["input"] == "\u200d"]
    assert zwj and all(f["new"] for f in zwj)
    lines = (corpus / "custom.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(data["findings"])
    assert main(argv) == 0  # same classes again: known, nothing new
    assert (corpus / "custom.jsonl").read_text(encoding="utf-8").splitlines() == lines
    capsys.readouterr()
    assert main(["replay", "--corpus", str(corpus), *PLUGINS]) == 0
    assert f"{len(lines)} open, 0 expected, 0 fixed; 0 unexpected, 0 skipped" in capsys.readouterr().out


def test_backends_lists_every_subject_backend_and_kind(capsys: pytest.CaptureFixture[str], subject: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from tokfuzz.backends.registry import KINDS
    from tokfuzz.backends.subjects import SUBJECTS

    # the session's loaded subjects (tests/backends/test_adapters.py loads each for real):
    # this test is about the table, and loading all nine again took a minute
    monkeypatch.setattr("tokfuzz.backends.subjects.load_subject", subject)
    assert main(["backends"]) == 0
    out = capsys.readouterr().out
    for name in (*SUBJECTS, *KINDS, "tokenizers", "transformers", "sentencepiece", "mistral-common"):
        assert name in out
    rows = [line for line in out.splitlines() if " yes " in line]
    assert len(rows) == sum(len(subject(name).backends) for name in SUBJECTS)  # one row per loaded backend


def test_progress_line_counts_only_running_subjects_rate() -> None:
    from rich.console import Console

    from tokfuzz.cli.progress import CampaignProgress

    progress = CampaignProgress(Console(file=open(os.devnull, "w")), ["a", "b"], 60)
    line = progress.line({"a": (1000, 10.0, 3, 1, True, 50_000), "b": (500, 5.0, 2, 2, False, 20_000)})
    assert "1,500 unique inputs" in line and "100 inputs/s" in line and "4,000 code points/s" in line
    assert "classes 5 (3 new, 2 known)" in line and "[b]" in line
