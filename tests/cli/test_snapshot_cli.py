"""``tokfuzz snapshot create|check`` through ``main``: each embedded subject's snapshot
checks clean against its own reference; a planted drift in the real cl100k_base is
reported in its class with a 1-minimal witness and exit 1; bad usage and a missing or
damaged snapshot file are one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import fails
from tests.drift_plugin import ZWJ
from tokfuzz.backends.base import BackendUnavailable
from tokfuzz.backends.models import library_version
from tokfuzz.backends.registry import load_backend
from tokfuzz.backends.subjects import SUBJECTS
from tokfuzz.cli.main import main
from tokfuzz.findings.corpus import Case, Corpus
from tokfuzz.findings.minimize import is_one_minimal
from tokfuzz.report.snapshot import read_snapshot, reference_spec

CORPORA = Path(__file__).resolve().parents[2] / "corpora"


@pytest.mark.parametrize("subject", list(SUBJECTS))
def test_each_subject_checks_clean_against_its_own_reference(subject: str, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    spec, _ = reference_spec(subject)
    try:
        load_backend(spec)
    except BackendUnavailable as exc:
        pytest.skip(f"the reference of {subject} does not load here: {exc}")
    out = tmp_path / f"{subject}.jsonl"
    assert main(["snapshot", "create", "--subject", subject, "--out", str(out), "--stress", "5", "--corpus", str(CORPORA)]) == 0
    created = capsys.readouterr().out
    snap = read_snapshot(out)
    corpus_inputs = {c.input for c in Corpus(CORPORA).load() if c.subject == subject}
    assert {e.input for e in snap.entries} >= corpus_inputs and snap.header.stress_n == 5 and snap.header.subject == subject
    assert sum(e.source.startswith("stress:") for e in snap.entries) == 30 and f"wrote {out}: {len(snap.entries)} inputs" in created
    assert main(["snapshot", "check", "--snapshot", str(out), "--backend", spec]) == 0
    checked = capsys.readouterr().out
    assert f"clean: all {len(snap.entries)} inputs give the snapshot's ids on 1 backend(s)" in checked
    assert "none of the checked backends' differs" in checked


def _zwj_corpus(root: Path) -> Path:
    """A corpus of two cl100k_base cases, one holding ZWJ."""
    cases = [Case(f"{i:016x}", text, "cross_backend", "cl100k_base", ("hf", "tiktoken"), "sig", "open", "", "test",
                  "2025-01-01T00:00:00+00:00", {}, {}) for i, text in enumerate(["👩\u200d💻 at work", "plain words"])]
    Corpus(root).add(cases)
    return root


def test_planted_drift_is_reported_minimized_grouped_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cl100k.jsonl"
    assert main(["snapshot", "create", "--subject", "cl100k_base", "--out", str(out), "--stress", "5",
                 "--corpus", str(_zwj_corpus(tmp_path / "corpus"))]) == 0
    capsys.readouterr()
    snap = read_snapshot(out)
    drifting = [e for e in snap.entries if ZWJ in e.input and e.outcome.ids is not None]
    assert len(drifting) >= 3 and any(e.source.startswith("corpus:") for e in drifting)
    assert main(["snapshot", "check", "--snapshot", str(out), "--backend", "python:tests.drift_plugin:ZwjDrift"]) == 1
    printed = capsys.readouterr().out
    assert "snapshot|cl100k_base|tiktoken-next|ids-changed|ZWJ" in printed and "'\\u200d' [U+200D]" in printed
    assert "minimized against tiktoken," in printed and "1-minimal" in printed
    assert f"DRIFT: {len(drifting)} of {len(snap.entries)} input(s) drifted in 1 class(es) on 1 of 1 backend(s)" in printed
    assert f"tiktoken {library_version('tiktoken')} -> 0.99.0 (tiktoken-next)" in printed
    reference, drifted = load_backend("tiktoken:cl100k_base"), load_backend("python:tests.drift_plugin:ZwjDrift")
    assert is_one_minimal(ZWJ, lambda t: reference.encode(t) != drifted.encode(t))


def test_check_of_every_installed_backend_holds_each_to_the_reference(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.jsonl"
    assert main(["snapshot", "create", "--subject", "mistral-v3", "--out", str(out), "--stress", "1", "--no-corpus"]) == 0
    assert main(["snapshot", "check", "--snapshot", str(out)]) == 0  # default: the snapshot's own backend only
    assert "checking 1 backend(s): spm" in capsys.readouterr().out
    code = main(["snapshot", "check", "--snapshot", str(out), "--subject", "mistral-v3"])
    printed = capsys.readouterr().out
    assert "checking " in printed and "spm, hf" in printed and "backends checked" in printed
    rows = [line for line in printed.splitlines() if line.startswith("│ spm ")]
    assert len(rows) == 1 and rows[0].split("│")[3].strip() == "0"  # the reference agrees with its own snapshot
    assert code == (1 if "DRIFT:" in printed else 0)


def _snapshot(tmp_path: Path) -> Path:
    out = tmp_path / "s.jsonl"
    assert main(["snapshot", "create", "--subject", "custom", "--backend", "python:tests.fakes:Chars", "--out", str(out),
                 "--stress", "0", "--no-corpus"]) == 0
    return out


@pytest.mark.parametrize(("argv", "needle"), [
    (["snapshot", "check", "--snapshot", "{tmp}/absent.jsonl"], "snapshot {tmp}/absent.jsonl: no such file"),
    (["snapshot", "check", "--snapshot", "{tmp}/corpus/cl100k_base.jsonl"], ":1: the first line is not a snapshot header"),
    (["snapshot", "check", "--snapshot", "{tmp}/cut.jsonl"], "the file is cut short"),
    (["snapshot", "check", "--snapshot", "{tmp}/s.jsonl"], "is of subject 'custom' (ids of python:tests.fakes:Chars): give the --backend"),
    (["snapshot", "check", "--snapshot", "{tmp}/s.jsonl", "--backend", "python:tests.nope:X"], "--backend python:tests.nope:X does not load"),
    (["snapshot", "create", "--subject", "cl100k_base", "--out", "{tmp}/x.jsonl.gz"], "snapshots are written as plain JSON Lines"),
    (["snapshot", "create", "--subject", "cl100k_base", "--out", "{tmp}/x.jsonl", "--backend", "tiktoken:cl100k_base",
      "--backend", "hf:cl100k_base"], "give at most one --backend, not 2"),
    (["snapshot", "create", "--subject", "cl100k_base", "--out", "{tmp}/x.jsonl", "--stress", "-1"], "--stress must be a whole number >= 0"),
    (["snapshot", "create", "--subject", "gpt-17", "--out", "{tmp}/x.jsonl"], "unknown subject 'gpt-17'"),
    (["snapshot", "create", "--subject", "cl100k_base", "--out", "{tmp}/no/dir/x.jsonl"], "does not exist; create it first"),
    (["snapshot", "create", "--subject", "cl100k_base", "--out", "{tmp}/x.jsonl", "--corpus", "{tmp}/nothing"],
     "corpus {tmp}/nothing is not a directory"),
    (["snapshot", "create", "--subject", "cl100k_base"], "the following arguments are required: --out"),
    (["snapshot"], "the following arguments are required: create|check"),
])
def test_bad_usage_and_bad_files_are_one_line_and_exit_2(argv: list[str], needle: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    good = _snapshot(tmp_path)
    _zwj_corpus(tmp_path / "corpus")
    lines = good.read_bytes().split(b"\n")
    (tmp_path / "cut.jsonl").write_bytes(lines[0].replace(b'"inputs":0', b'"inputs":4') + b"\n")
    capsys.readouterr()
    line = fails([a.replace("{tmp}", str(tmp_path)) for a in argv], capsys)
    assert needle.replace("{tmp}", str(tmp_path)) in line, line
