"""A campaign survives its libraries and its operator: hangs, crashes and exits in a
backend become findings, and SIGINT, SIGTERM or SIGKILL lose nothing already found.

Every test runs the real ``tokfuzz fuzz`` (or ``run_campaign``) with small plugin
backends of tests/hazards.py that misbehave on the digit 7 beside tests/fakes.py's
``DropsZWJ`` (which gives ordinary classes in the first second).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tokfuzz.engines.campaign import CampaignConfig, run_campaign
from tokfuzz.findings.corpus import Corpus

ROOT = Path(__file__).resolve().parents[2]
CHARS, DROPS = "python:tests.fakes:Chars", "python:tests.fakes:DropsZWJ"


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "TOKFUZZ_CACHE": str(tmp_path / "cache"), "COLUMNS": "200"}


def _campaign(tmp_path: Path, hazard: str, seconds: float, engine: str = "hypothesis") -> list:  # type: ignore[type-arg]
    config = CampaignConfig(("custom",), seconds, extra_backends=(CHARS, f"python:tests.hazards:{hazard}", DROPS),
                            engine=engine, workers=1, corpus=tmp_path / "corpus", timeout=1.0, seed=3)
    started = time.monotonic()
    runs = run_campaign(config)
    assert time.monotonic() - started < seconds + 120  # the budget holds; shrinking the crash is bounded
    return runs


def test_the_last_progress_status_counts_each_job_once(tmp_path: Path) -> None:
    config = CampaignConfig(("custom",), 2, extra_backends=(CHARS, DROPS), workers=1, seed=3)
    statuses: list[dict] = []  # type: ignore[type-arg]
    [run] = run_campaign(config, statuses.append)
    inputs, seconds, _classes, _new, finished, codepoints = statuses[-1]["custom"]
    assert finished and (inputs, codepoints) == (run.inputs, run.codepoints) and inputs > 0
    assert seconds == pytest.approx(run.seconds, abs=0.01)


@pytest.mark.parametrize(("hazard", "kind"), [
    ("HangsOnSeven", "timeout"),  # sleeps: a hang that releases the GIL
    ("BacktracksOnSeven", "timeout"),  # catastrophic backtracking in C: a hang that holds it
    ("SegfaultsOnSeven", "crash:SIGSEGV"),
    ("ExitsOnSeven", "crash:exit-0"),
])
def test_a_backend_that_hangs_or_dies_is_a_finding_and_the_job_goes_on(tmp_path: Path, hazard: str, kind: str) -> None:
    [run] = _campaign(tmp_path, hazard, seconds=8)
    cases = Corpus(tmp_path / "corpus").load()
    crashes = [c for c in cases if c.signature.split("|")[3] == kind]
    assert crashes, [c.signature for c in cases]
    assert all(c.input == "7" for c in crashes)  # shrunk to the trigger, in a child process
    assert any(c.backends == ("drops-zwj",) for c in cases)  # the job's other classes are stored too
    assert run.inputs > 100 and run.seconds > 4  # restarted: it went on for the rest of its budget
    assert {f.signature for f in run.findings} >= {c.signature for c in cases}


def test_atheris_reports_its_crashes_the_same_way(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    [run] = _campaign(tmp_path, "SegfaultsOnSeven", seconds=8, engine="atheris")
    cases = Corpus(tmp_path / "corpus").load()
    assert [c.input for c in cases if c.signature.split("|")[3] == "crash:SIGSEGV"] == ["7"]
    assert any(c.backends == ("drops-zwj",) for c in cases)
    assert not run.error


def _start(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "tokfuzz.cli", "fuzz", "--backend", CHARS, "--backend", DROPS,
            "--seconds", "120", "--workers", "1", "--corpus", str(tmp_path / "corpus"), *extra]
    return subprocess.Popen(args, cwd=ROOT, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (from /proc)."""
    out: set[int] = set()
    frontier = {pid}
    while frontier:
        parent = frontier.pop()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if ppid == parent and int(entry.name) not in out:
                    out.add(int(entry.name))
                    frontier.add(int(entry.name))
    return out


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _wait_for_cases(tmp_path: Path, proc: subprocess.Popen[str], n: int = 3) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"campaign ended early: {proc.communicate()}")
        try:
            found = len(Corpus(tmp_path / "corpus").load())
        except Exception:  # noqa: BLE001 - a file being replaced
            found = 0
        if found >= n:
            return found
        time.sleep(0.2)
    pytest.fail("no class stored within 120 s")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_sigint_and_sigterm_stop_every_worker_and_report_what_is_stored(tmp_path: Path, sig: int, status: int) -> None:
    proc = _start(tmp_path)
    stored = _wait_for_cases(tmp_path, proc)
    workers = _children(proc.pid)
    assert workers
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == status, (out, err)
    assert "Traceback" not in err
    cases = Corpus(tmp_path / "corpus").load()
    assert len(cases) >= stored
    assert f"{len({c.signature for c in cases})} new class(es) stored in the corpus" in out
    for case in cases:  # the summary names what is on disk
        assert case.signature.split("|")[3] in out
    time.sleep(0.5)
    assert not _alive(workers)
    assert not list((tmp_path / "corpus").glob(".*.tmp"))


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_sigkill_of_the_campaign_takes_its_workers_along_and_keeps_every_class(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    proc = _start(tmp_path, "--engine", "all", "--workers", "2")
    stored = _wait_for_cases(tmp_path, proc)
    time.sleep(2)  # the atheris child is fuzzing too
    workers = _children(proc.pid)
    assert len(workers) >= 3  # two workers and libFuzzer's child
    proc.kill()
    proc.communicate()
    deadline = time.monotonic() + 15
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(workers)
    assert len(Corpus(tmp_path / "corpus").load()) >= stored


def test_a_stale_temporary_file_from_a_killed_write_is_removed_on_the_next_run(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    stale = corpus / ".custom.jsonl.0123456789ab.tmp"
    stale.write_text('{"half": ')
    proc = subprocess.run([sys.executable, "-m", "tokfuzz.cli", "fuzz", "--backend", CHARS, "--seconds", "1",
                           "--workers", "1", "--corpus", str(corpus), "--property", "roundtrip"],  # no timing oracle
                          cwd=ROOT, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert not stale.exists()
    assert f"removed {stale}" in proc.stdout


@pytest.mark.parametrize(("hazard", "call", "kind"), [
    ("HangsOnSeven", "encode", "timeout"),
    ("SegfaultsOnSeven", "decode", "crash:SIGSEGV"),
])
def test_a_stored_hang_or_crash_replays_in_a_child_process(tmp_path: Path, hazard: str, call: str, kind: str) -> None:
    from tokfuzz.engines.crashes import Crash, settle
    from tokfuzz.findings.replay import replay_cases

    specs = (CHARS, f"python:tests.hazards:{hazard}")
    name = {"HangsOnSeven": "hangs-on-7", "SegfaultsOnSeven": "segfaults-on-7"}[hazard]
    crash = Crash("custom", "hypothesis", kind, name, call, "ab 7 cd")
    finding = settle(crash, corpus=tmp_path, known={}, extra_specs=specs, timeout=0.5)
    assert (finding.input, finding.kind, finding.new) == ("7", kind, True)
    [case] = Corpus(tmp_path).load()
    assert case.observed[name]["call"] == call
    [result] = replay_cases([case], None, specs)
    assert result.reproduced and result.ok
    [fixed] = replay_cases([case.replace(input="ab", status="fixed")], None, specs)
    assert not fixed.reproduced and fixed.ok
    again = settle(Crash("custom", "hypothesis", kind, name, call, "x7y"), corpus=tmp_path, known={case.signature: "7"},
                   extra_specs=specs, timeout=0.5)
    assert not again.new and len(Corpus(tmp_path).load()) == 1  # a known class is counted, not shrunk or stored again


@pytest.fixture
def tiny_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A 12 KiB tmpfs (needs root and mount), unmounted afterwards."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_one_line_exit_2_and_the_classes_are_shown(tmp_path: Path, tiny_disk: Path) -> None:
    (tiny_disk / "filler").write_bytes(b"x" * 8 * 1024)
    report = tiny_disk / "fuzz-report.json"
    report.write_text('{"old": "report"}\n')
    proc = subprocess.run([sys.executable, "-m", "tokfuzz.cli", "fuzz", "--backend", CHARS, "--backend", DROPS,
                           "--seconds", "3", "--workers", "1", "--corpus", str(tiny_disk / "corpus"),
                           "--report", str(report)], cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert "cannot write the corpus" in line and "No space left on device" in line
    assert "NOT stored" in proc.stdout and "U+200D" in proc.stdout  # the witnesses are on screen
    assert report.read_text() == '{"old": "report"}\n'  # the old report is whole, not truncated
