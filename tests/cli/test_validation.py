"""Wrong settings fail before the campaign, not after it: exit 2, one line on stderr,
no traceback (DESIGN §6). Every test runs the real ``main``; the campaign itself is
replaced by a stub, so a test that gets past validation says so instead of fuzzing."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import deny_access, empty_corpus, fails
from tokfuzz.cli.main import main
from tokfuzz.engines.campaign import DEFAULT_TIMEOUT, CampaignConfig, SubjectRun

CHARS = ["--backend", "python:tests.fakes:Chars"]


class CampaignReached(Exception):
    """Raised by the stub campaign: validation passed; ``config`` is what it got."""

    def __init__(self, config: CampaignConfig) -> None:
        super().__init__("the campaign started")
        self.config = config


@pytest.fixture(autouse=True)
def stub_campaign(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test here fuzzes: reaching the campaign raises CampaignReached."""

    def reached(config: CampaignConfig, on_progress: Any = None) -> list[SubjectRun]:
        raise CampaignReached(config)

    monkeypatch.setattr("tokfuzz.engines.campaign.run_campaign", reached)
    monkeypatch.delenv("FUZZ_SECONDS", raising=False)


def reaches(argv: list[str]) -> CampaignConfig:
    """Run ``tokfuzz ARGV``: it must pass validation; returns the campaign's config."""
    with pytest.raises(CampaignReached) as reached:
        main(argv)
    return reached.value.config


@pytest.mark.parametrize(("flag", "values", "needle"), [
    ("--seconds", ["nan", "inf", "-inf", "-1", "0", "abc", ""], "--seconds must be > 0 (a finite number of seconds)"),
    ("--timeout", ["nan", "inf", "-3", "0", "abc"], "--timeout must be > 0 (a finite number of seconds)"),
    ("--workers", ["0", "-2", "1.5", "abc"], "--workers must be a whole number >= 1"),
    ("--seed", ["-1", "1.5", "abc"], "--seed must be a whole number >= 0"),
])
def test_bad_numbers_exit_2(flag: str, values: list[str], needle: str, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    for value in values:
        line = fails(["fuzz", *CHARS, "--corpus", str(tmp_path), f"{flag}={value}"], capsys)
        assert needle in line and repr(value) in line


@pytest.mark.parametrize("value", ["abc", "nan", "inf", "-5", "0", ""])
def test_bad_fuzz_seconds_env_names_it(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FUZZ_SECONDS", value)
    line = fails(["fuzz", *CHARS, "--corpus", str(tmp_path)], capsys)
    assert line.startswith(f"tokfuzz: error: FUZZ_SECONDS must be > 0 (a finite number of seconds), got {value!r}")
    assert "unset FUZZ_SECONDS" in line
    assert reaches(["fuzz", *CHARS, "--corpus", str(tmp_path), "--seconds", "2"]).seconds == 2.0  # the flag wins


def test_fuzz_seconds_env_is_only_fuzz_business(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    corpus = empty_corpus(tmp_path / "corpora")
    monkeypatch.setenv("FUZZ_SECONDS", "abc")
    assert main(["replay", "--corpus", str(corpus)]) == 0
    assert main(["report", "--corpus", str(corpus), "--ids-only", "--out", str(tmp_path / "r.md")]) == 0
    assert capsys.readouterr().err == ""


def test_good_numbers_reach_the_campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUZZ_SECONDS", "7.5")
    config = reaches(["fuzz", *CHARS, "--corpus", str(tmp_path)])
    assert (config.seconds, config.timeout, config.workers, config.seed) == (7.5, DEFAULT_TIMEOUT, os.cpu_count() or 1, None)
    monkeypatch.delenv("FUZZ_SECONDS")
    config = reaches(["fuzz", *CHARS, "--corpus", str(tmp_path), "--timeout", "2.5", "--workers", "3", "--seed", "0"])
    assert (config.seconds, config.timeout, config.workers, config.seed) == (180.0, 2.5, 3, 0)


# --- the corpus directory of fuzz ------------------------------------------------

def test_fuzz_corpus_that_cannot_be_written_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x", encoding="utf-8")
    assert "is a file, not a directory" in fails(["fuzz", *CHARS, "--corpus", str(a_file)], capsys)
    line = fails(["fuzz", *CHARS, "--corpus", str(a_file / "corpora")], capsys)
    assert f"cannot be created: {a_file} is a file" in line
    locked = tmp_path / "locked"
    locked.mkdir()
    deny_access(monkeypatch, locked)
    assert f"--corpus {locked} is not writable" in fails(["fuzz", *CHARS, "--corpus", str(locked)], capsys)
    line = fails(["fuzz", *CHARS, "--corpus", str(locked / "a" / "corpora")], capsys)
    assert f"cannot be created: {locked} is not writable" in line


def test_fuzz_corpus_absent_is_created_later(tmp_path: Path) -> None:
    for corpus in (tmp_path / "corpora", tmp_path / "runs" / "1" / "corpora"):
        assert reaches(["fuzz", *CHARS, "--corpus", str(corpus)]).corpus == corpus
        assert not corpus.exists()  # validation writes nothing


# --- --report ---------------------------------------------------------------------

def test_report_path_checked_up_front(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    fuzz = ["fuzz", *CHARS, "--corpus", str(tmp_path / "corpora"), "--report"]
    assert "is a directory; give a file name" in fails([*fuzz, str(tmp_path)], capsys)
    missing = tmp_path / "no-such-dir" / "r.json"
    assert f"the directory {missing.parent} does not exist" in fails([*fuzz, str(missing)], capsys)
    assert "exists and is not a regular file" in fails([*fuzz, os.devnull], capsys)
    locked, old = tmp_path / "locked", tmp_path / "old.json"
    locked.mkdir()
    old.write_text("{}", encoding="utf-8")
    deny_access(monkeypatch, locked, old)
    assert f"the directory {locked} is not writable" in fails([*fuzz, str(locked / "r.json")], capsys)
    assert f"--report {old} is not writable" in fails([*fuzz, str(old)], capsys)
    reaches([*fuzz, str(tmp_path / "r.json")])


def test_report_write_failure_at_the_end_is_one_line_and_keeps_the_old_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.json"
    report.write_text('{"old": true}\n', encoding="utf-8")
    monkeypatch.setattr("tokfuzz.engines.campaign.run_campaign", lambda config, on_progress=None: [SubjectRun("custom")])

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    corpus = tmp_path / "corpora"
    line = fails(["fuzz", *CHARS, "--corpus", str(corpus), "--report", str(report)], capsys)
    assert line == (f"tokfuzz: error: cannot write the report {report} (No space left on device); "
                    f"the 0 new class(es) are stored in {corpus}")
    assert report.read_text(encoding="utf-8") == '{"old": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]  # no temporary file left


def test_report_written_whole_through_a_symlink(tmp_path: Path) -> None:
    from tokfuzz.cli.checks import write_campaign_json

    target, link = tmp_path / "target.json", tmp_path / "link.json"
    target.write_text("{}", encoding="utf-8")
    link.symlink_to(target)
    write_campaign_json(link, {"seconds": 1.0, "findings": []}, stored=0, corpus=tmp_path)
    assert link.is_symlink() and json.loads(target.read_text(encoding="utf-8")) == {"seconds": 1.0, "findings": []}
    assert target.read_text(encoding="utf-8").endswith("}\n")


# --- --backend: loaded up front -----------------------------------------------------

def test_named_backend_that_does_not_load_fails_beside_an_embedded_subject(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["fuzz", "--subject", "mistral-v3", "--backend", "python:tests.fakes:broken_factory", "--corpus", str(tmp_path)]
    line = fails(argv, capsys)
    assert "--backend python:tests.fakes:broken_factory does not load" in line
    assert "failed to construct: RuntimeError: model file not found" in line and "--allow-missing" in line
    config = reaches([*argv, "--allow-missing"])
    assert config.extra_backends == ("python:tests.fakes:broken_factory",)  # the workers record it, as before
    out = capsys.readouterr().out
    assert "tokfuzz: warning: --backend python:tests.fakes:broken_factory does not load, going on without it" in out


def test_allow_missing_needs_one_backend_for_custom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["fuzz", "--backend", "python:tests.fakes:broken_factory", "--corpus", str(tmp_path), "--allow-missing"]
    assert "no --backend spec loads, and subject 'custom' is made of them alone" in fails(argv, capsys)
    assert reaches([*argv, *CHARS]).extra_backends == ("python:tests.fakes:broken_factory", "python:tests.fakes:Chars")


@pytest.mark.parametrize(("spec", "needle"), [
    ("python:tests.misbehaving:EncodeReturnsStr", "breaks the Backend contract: encode('tokfuzz probe') returned str"),
    ("python:tests.misbehaving:RaisesOnProbe", "encode('tokfuzz probe') raised RuntimeError"),
    ("hf:/no/such/tokenizer.json", "does not exist"),
    ("tiktoken:no_such_encoding", "does not load"),
])
def test_backend_that_does_not_load_exits_2(spec: str, needle: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    line = fails(["fuzz", "--backend", spec, "--corpus", str(tmp_path)], capsys)
    assert line.startswith(f"tokfuzz: error: --backend {spec} does not load: ") and needle in line


def test_backend_names_must_differ_within_a_subject(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = ["--corpus", str(tmp_path)]
    line = fails(["fuzz", *CHARS, *CHARS, *corpus], capsys)
    assert "both make a backend named 'chars'" in line
    line = fails(["fuzz", "--subject", "cl100k_base", "--backend", "python:tests.misbehaving:NamedTiktoken", *corpus], capsys)
    assert "makes a backend named 'tiktoken', like subject cl100k_base's own" in line
    reaches(["fuzz", "--subject", "mistral-v3", "--backend", "python:tests.misbehaving:NamedTiktoken", *corpus])


def test_repeated_subject_runs_once(tmp_path: Path) -> None:
    config = reaches(["fuzz", "--subject", "mistral-v3", "--subject", "mistral-v3", "--corpus", str(tmp_path)])
    assert config.subjects == ("mistral-v3",)


def test_an_error_line_shows_a_spec_as_written_not_as_emoji(capsys: pytest.CaptureFixture[str]) -> None:
    # rich replaces ':x:' by an emoji unless told not to: 'python:x:y' must not become 'python❌y'
    assert main(["fuzz", "--backend", "python:x:y", "--seconds", "1"]) == 2
    err = capsys.readouterr().err
    assert "python:x:y" in err and "\u274c" not in err
