"""Memory: resident set size of a real ``tokfuzz fuzz`` campaign, and whether it grows.

The campaign runs as a subprocess, exactly as a user runs it (the ``tokfuzz`` console
script of this interpreter), on a copy of the committed corpus in a temporary
directory (so the same classes are known and nothing is written to ``corpora/``).
Every ``interval`` seconds the sampler reads ``/proc`` for the CLI process and all its
descendants (the campaign's spawned worker processes, multiprocessing's resource
tracker): ``VmRSS`` (resident now) and ``VmHWM`` (the process' own peak, so a spike
between two samples is not missed).

Growth is judged per worker process, from ``early`` seconds into the run (after
loading and warm-up; 60 s by default) to its last sample: the RSS at both ends and the
least-squares slope in MB per minute. With two subjects and two workers (the default)
each worker lives for the whole campaign, so the slope covers the full run; with more
subjects than workers each worker lives ``seconds * workers / subjects``.

Linux only (``/proc``); sizes are in MB = 10**6 bytes. The total is a plain sum of RSS,
so pages shared between processes (the interpreter, shared libraries) count once per
process.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MemoryResult", "Sample", "WorkerSeries", "descendants", "fuzz_command", "read_rss", "run_memory_campaign", "slope"]

SUBJECTS: tuple[str, ...] = ("o200k_base", "tekken")
"""Default subjects: the two largest vocabularies (o200k: 200k ids, tekken: 131k ids),
one per worker, two tokenizer families."""


def read_rss(pid: int) -> tuple[float, float] | None:
    """(VmRSS, VmHWM) of ``pid`` in MB, or None when it is gone (or a zombie)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return None
    try:
        rss = int(fields["VmRSS"].split()[0]) * 1024 / 1e6
        hwm = int(fields["VmHWM"].split()[0]) * 1024 / 1e6
    except (KeyError, ValueError, IndexError):
        return None
    return rss, hwm


def descendants(root: int) -> list[int]:
    """Pids of every live descendant of ``root`` (children, grandchildren, ...), from
    the parent pid field of each ``/proc/<pid>/stat``."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # the command name may hold spaces and parens
        if len(fields) > 1:
            parents[int(entry)] = int(fields[1])
    found: list[int] = []
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found


def _is_worker(pid: int) -> bool:
    """A campaign worker: a process multiprocessing spawned (``spawn_main`` in its command
    line), not its resource tracker, nor a worker's own children (isolated backends' child
    processes, ``cmd:``/npm ports), which are counted apart."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
    except OSError:
        return False
    return b"spawn_main" in cmdline and b"resource_tracker" not in cmdline


@dataclass(frozen=True)
class Sample:
    """One reading ``t`` seconds after the campaign started: pid -> (RSS, HWM) MB of
    the CLI process (``root``) and every descendant; ``workers`` are the worker pids."""

    t: float
    root: int
    rss: dict[int, tuple[float, float]]
    workers: tuple[int, ...]

    @property
    def total(self) -> float:
        """Summed RSS of all processes, MB."""
        return sum(rss for rss, _ in self.rss.values())

    @property
    def children(self) -> float:
        """Summed RSS of the workers' children (isolated backends, ports), MB: every process
        but the CLI and the workers (and multiprocessing's resource tracker, a few MB)."""
        return sum(rss for pid, (rss, _) in self.rss.items() if pid != self.root and pid not in self.workers)


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of ``(t seconds, MB)`` points, in MB per minute (0.0 for
    fewer than two distinct times)."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mt = sum(t for t, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    return 60.0 * sum((t - mt) * (y - my) for t, y in points) / var


@dataclass(frozen=True)
class WorkerSeries:
    """RSS over time of one worker: ``early`` (first sample at or after the early
    time) and ``last`` readings as (t s, MB), its peak (VmHWM) and the growth slope."""

    pid: int
    early: tuple[float, float]
    last: tuple[float, float]
    peak: float
    slope_mb_per_min: float


@dataclass
class MemoryResult:
    """What the memory campaign showed (see the module docstring)."""

    command: str
    seconds: float
    wall: float
    early_s: float
    samples: list[Sample] = field(default_factory=list)
    workers: list[WorkerSeries] = field(default_factory=list)
    inputs: dict[str, int] = field(default_factory=dict)
    rates: dict[str, float] = field(default_factory=dict)
    exit_code: int = 0
    overran: bool = False  # still running at seconds + 300 s: stopped with SIGTERM, its samples kept
    log_tail: tuple[str, ...] = ()  # the campaign's last output lines when it overran

    @property
    def peak_total(self) -> float:
        """Largest summed RSS over the samples, MB."""
        return max((s.total for s in self.samples), default=0.0)

    @property
    def children_series(self) -> WorkerSeries | None:
        """The workers' children's summed RSS as one series (they come and go: ports restart
        after a crash or a timeout), from the early time on; None without samples."""
        points = [(s.t, s.children) for s in self.samples]
        return _trend(0, points, max(y for _, y in points), self.early_s) if points else None

    @property
    def peak_worker(self) -> float:
        """Largest peak (VmHWM) of any one worker, MB."""
        return max((w.peak for w in self.workers), default=0.0)


def fuzz_command(seconds: float, subjects: tuple[str, ...], workers: int, corpus: Path, report: Path,
                 engine: str = "hypothesis") -> list[str]:
    """The ``tokfuzz fuzz`` command line of this interpreter's environment (seed 0)."""
    script = Path(sys.executable).with_name("tokfuzz")
    head = [str(script)] if script.exists() else [sys.executable, "-c", "from tokfuzz.cli.main import main; raise SystemExit(main())"]
    args = ["fuzz", "--engine", engine, "--seconds", f"{seconds:g}", "--workers", str(workers), "--seed", "0",
            "--corpus", str(corpus), "--report", str(report)]
    for subject in subjects:
        args += ["--subject", subject]
    return head + args


def _series(samples: list[Sample], early_s: float) -> list[WorkerSeries]:
    pids = sorted({pid for s in samples for pid in s.workers})
    out = []
    for pid in pids:
        points = [(s.t, s.rss[pid][0]) for s in samples if pid in s.rss and pid in s.workers]
        if not points:
            continue
        out.append(_trend(pid, points, max(s.rss[pid][1] for s in samples if pid in s.rss), early_s))
    return out


def _trend(pid: int, points: list[tuple[float, float]], peak: float, early_s: float) -> WorkerSeries:
    """A series of (t s, MB) ``points`` judged from ``early_s`` on (its last point when none is
    that late): first and last readings, ``peak`` and the slope."""
    late = [p for p in points if p[0] >= early_s] or points[-1:]
    return WorkerSeries(pid, late[0], points[-1], peak, slope(late))


def run_memory_campaign(
    seconds: float = 300.0,
    subjects: tuple[str, ...] = SUBJECTS,
    workers: int = 2,
    interval: float = 5.0,
    corpus: Path = Path("corpora"),
    early_s: float | None = None,
) -> MemoryResult:
    """Run ``tokfuzz fuzz`` for ``seconds`` and sample its memory every ``interval`` s.

    ``early_s`` defaults to 60 s, or half the campaign when it is shorter than 120 s.

    A campaign still running ``seconds + 300`` s after its start is stopped with SIGTERM
    (it stores what it found, as at Ctrl-C) and its samples are kept: ``overran`` is set
    and ``log_tail`` holds its last output lines, to say why.

    Raises:
        RuntimeError: the campaign exited on its own with a status other than 0 or 1
            (its last output lines are in the message).
    """
    early = early_s if early_s is not None else (60.0 if seconds >= 120 else seconds / 2)
    with tempfile.TemporaryDirectory(prefix="tokfuzz-bench-mem-") as tmp:
        work = Path(tmp)
        if corpus.is_dir():
            shutil.copytree(corpus, work / "corpora")
        report = work / "report.json"
        command = fuzz_command(seconds, subjects, workers, work / "corpora", report)
        samples: list[Sample] = []
        with open(work / "out.log", "wb") as log:
            start = time.monotonic()
            overran = False
            proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                while proc.poll() is None:
                    if time.monotonic() - start > seconds + 300:
                        overran = True
                        os.killpg(proc.pid, signal.SIGTERM)  # the CLI stores every finding, then exits
                        proc.wait(timeout=60)
                        break
                    pids = [proc.pid, *descendants(proc.pid)]
                    rss = {pid: r for pid in pids if (r := read_rss(pid)) is not None}
                    workers_now = tuple(p for p in pids[1:] if p in rss and _is_worker(p))
                    samples.append(Sample(time.monotonic() - start, proc.pid, rss, workers_now))
                    try:
                        proc.wait(timeout=interval)
                    except subprocess.TimeoutExpired:
                        pass
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)  # our own session: the CLI and its workers only
                    proc.wait()
            wall = time.monotonic() - start
        tail = tuple((work / "out.log").read_text(encoding="utf-8", errors="replace").splitlines()[-8:])
        if proc.returncode not in (0, 1) and not overran:
            raise RuntimeError(f"tokfuzz fuzz exited {proc.returncode}: " + " | ".join(tail))
        shown = " ".join(command).replace(tmp, "$TMP").replace(str(Path.cwd()) + os.sep, "")
        result = MemoryResult(shown, seconds, wall, early, samples, _series(samples, early), exit_code=proc.returncode,
                              overran=overran, log_tail=tail if overran else ())
        if report.exists():
            data = json.loads(report.read_text(encoding="utf-8"))
            for run in data.get("subject_runs", []):
                result.inputs[run["subject"]] = int(run.get("inputs", 0))
                result.rates[run["subject"]] = float(run.get("inputs_per_s", 0.0))
    return result
