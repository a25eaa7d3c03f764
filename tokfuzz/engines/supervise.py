"""The campaign's worker processes, watched: nothing a library does takes the campaign down.

``supervise`` runs each job (a (subject, engine) pair, or one shard of its budget when
there are more workers than pairs: tokfuzz.engines.jobs.Job) in a worker process
(``config.workers`` at a time) and watches them about four times a second:

* a hypothesis worker whose current library call has run longer than
  ``config.timeout`` plus ``HANG_GRACE_S`` (its call record, tokfuzz.engines.guard) is killed; a worker that
  dies (a signal, an exit without a result) is noticed. Either way its last call is a
  ``Crash`` (``timeout``, ``crash:SIGSEGV``, ``crash:exit-N``) that a background thread
  shrinks, signs and stores (tokfuzz.engines.crashes), and the job is started again for
  the rest of its budget, skipping that input (at most ``MAX_RESTARTS`` times). The
  atheris engine watches and restarts its own libFuzzer child the same way and hands
  its crashes back with its run;
* SIGINT and SIGTERM stop every worker (SIGTERM, then SIGKILL after a grace period;
  workers hold signals while they write the corpus), store the crashes still being
  shrunk as they are, and raise ``CampaignInterrupted``: every class a worker found is
  already on disk;
* workers die with the campaign (tokfuzz.backends.isolated.die_with_parent), so a
  SIGKILL of the campaign leaves no worker fuzzing on its own.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tokfuzz.backends.isolated import crash_kind
from tokfuzz.engines.jobs import CampaignConfig, Job, ProgressStatus, Resume, SubjectRun, job_seconds, merged_run
from tokfuzz.engines.crashes import Crash, settle, store
from tokfuzz.engines.guard import HANG_GRACE_S, read_call
from tokfuzz.engines.hunt import Finding

__all__ = ["MAX_RESTARTS", "CampaignInterrupted", "supervise"]

MAX_RESTARTS = 10
"""Most restarts of one job after hangs or crashes."""
_POLL_S = 0.25
_EXIT_GRACE_S = 2.0  # a worker that exited may still be flushing its result
_STOP_GRACE_S = 3.0


class CampaignInterrupted(Exception):
    """SIGINT or SIGTERM stopped the campaign; ``signum`` is the signal. Raised after
    every worker is stopped and every finding is stored."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


@dataclass
class _Job:
    """One job (a subject, an engine, a shard) across its restarts."""

    spec: Job
    budget: float
    record: Path
    proc: Any = None
    runs: list[SubjectRun] = field(default_factory=list)
    crash_findings: list[Finding] = field(default_factory=list)
    found: dict[str, Finding] = field(default_factory=dict)  # new classes the running worker stored
    salvaged: list[Finding] = field(default_factory=list)  # those of workers that were killed
    skip: set[str] = field(default_factory=set)
    restarts: int = 0
    spent: float = 0.0  # fuzzing seconds of ended incarnations
    live: tuple[int, float, int, int, int, int] = (0, 0.0, 0, 0, 0, 0)  # the running one: inputs, s, classes, new, seeds done, code points
    inputs: int = 0
    codepoints: int = 0
    dead_since: float | None = None
    finished: bool = False

    @property
    def subject(self) -> str:
        return self.spec.subject

    @property
    def engine(self) -> str:
        return self.spec.engine

    @property
    def label(self) -> str:
        return self.spec.label

    def run(self, **fields: Any) -> SubjectRun:
        """A SubjectRun of this job (an error, a failed shrink)."""
        return SubjectRun(self.subject, self.engine, shard=self.spec.shard, **fields)

    def status(self) -> tuple[int, float, int, int, bool, int]:
        inputs, secs, classes, new, _seeds, codepoints = self.live
        found = len(self.crash_findings) + len(self.salvaged)
        return (self.inputs + inputs, self.spent + secs, classes + found, new + found, self.finished,
                self.codepoints + codepoints)


class _Settler:
    """Shrinks, signs and stores crashes one at a time in a background thread."""

    def __init__(self, config: CampaignConfig) -> None:
        self.config = config
        self.known: dict[str, dict[str, str]] = {s: dict(k) for s, k in config.known.items()}
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._pending: dict[int, tuple[Crash, _Job]] = {}
        self._next = 0
        self._lock = threading.Lock()
        self._abandon = False
        self._thread = threading.Thread(target=self._run, name="tokfuzz-settle", daemon=True)
        self._thread.start()

    def add(self, crash: Crash, job: _Job) -> None:
        with self._lock:
            self._next += 1
            self._pending[self._next] = (crash, job)
        self._queue.put(self._next)

    def _run(self) -> None:
        while (key := self._queue.get()) is not None:
            with self._lock:
                if key not in self._pending:
                    continue
                crash, job = self._pending[key]
            try:
                finding = settle(crash, corpus=None, known=self.known.get(crash.subject, {}),
                                 extra_specs=self.config.extra_backends, timeout=self.config.timeout)
            except Exception as exc:  # noqa: BLE001 - a shrink that fails keeps the raw witness
                job.runs.append(job.run(error=f"shrinking a {crash.kind}: {exc}"))
                finding = None
            with self._lock:
                if self._abandon or key not in self._pending:
                    return
                if finding is not None:
                    self._store(finding, job)
                del self._pending[key]

    def _store(self, finding: Finding, job: _Job) -> None:
        """Store a settled class (under the lock: an abandoned shrink never stores after
        its raw witness was) and count it in its job."""
        finding.new = finding.signature not in self.config.known.get(finding.subject, {})
        if finding.new and self.config.corpus is not None:
            store(finding, self.config.corpus)
        self.known.setdefault(finding.subject, {}).setdefault(finding.signature, finding.input)
        job.crash_findings.append(finding)

    def busy(self) -> bool:
        with self._lock:
            return bool(self._pending)

    def finish(self, wait_s: float) -> None:
        """Wait up to ``wait_s`` for shrinks in progress, then store what is left unshrunk."""
        deadline = time.monotonic() + wait_s
        while self.busy() and time.monotonic() < deadline:
            time.sleep(0.1)
        with self._lock:
            self._abandon = True
            left, self._pending = self._pending, {}
            for crash, job in left.values():
                self._store(settle(crash, corpus=None, known=self.known.get(crash.subject, {}), shrink=False), job)
        self._queue.put(None)


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise CampaignInterrupted in the main thread while inside."""
    def stop(signum: int, _frame: Any) -> None:
        raise CampaignInterrupted(signum)

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def supervise(config: CampaignConfig, worker: Callable[..., None],
              on_progress: Callable[[ProgressStatus], None] | None = None) -> list[SubjectRun]:
    """Run ``config``'s jobs in ``worker`` processes (``worker(config, job, seconds,
    progress, results, record, resume)``, ``job`` a tokfuzz.engines.jobs.Job, tokfuzz.engines.campaign._worker) and
    watch them as the module docstring says; returns one merged SubjectRun per job.

    Raises:
        CampaignInterrupted: SIGINT or SIGTERM (after stopping workers, storing crashes).
    """
    ctx = multiprocessing.get_context("spawn")
    progress, results = ctx.Queue(), ctx.Queue()
    work_dir = Path(tempfile.mkdtemp(prefix="tokfuzz-calls-"))
    per_job = job_seconds(config)
    jobs = [_Job(spec, per_job, work_dir / f"{i}.call") for i, spec in enumerate(config.jobs())]
    by_label = {job.label: job for job in jobs}
    pending = list(jobs)
    running: list[_Job] = []
    workers = max(1, min(config.workers, len(jobs)))
    settler = _Settler(config)

    def start(job: _Job) -> None:
        job.record.unlink(missing_ok=True)  # the last incarnation's record must not look hung
        witnesses = frozenset(f.input for f in job.crash_findings if f.input)
        resume = Resume(frozenset(job.skip), witnesses, job.live[4], job.restarts)
        job.live = (0, 0.0, 0, 0, job.live[4], 0)
        job.dead_since = None
        job.proc = ctx.Process(target=worker, args=(config, job.spec, job.budget - job.spent,
                                                    progress, results, job.record, resume), daemon=True)
        job.proc.start()
        running.append(job)

    def ended(job: _Job, run: SubjectRun | None, crash: Crash | None) -> None:
        _drain(progress, by_label)  # its last messages first
        running.remove(job)
        job.inputs += run.inputs if run is not None else job.live[0]
        job.codepoints += run.codepoints if run is not None else job.live[5]
        job.spent += run.seconds if run is not None else job.live[1]
        job.live = (0, 0.0, *job.live[2:5], 0)  # counted in job.inputs/spent/codepoints now, not twice
        if run is not None:
            job.runs.append(run)
        else:  # killed: what it stored is known only from its messages
            job.salvaged.extend(job.found.values())
        job.found = {}
        if crash is None:
            job.finished = True
            return
        settler.add(crash, job)
        job.skip.add(crash.text)
        if job.restarts < MAX_RESTARTS and job.budget - job.spent > 1.0:
            job.restarts += 1
            pending.insert(0, job)
        else:
            job.finished = True

    try:
        with _interruptible():
            while pending or running:
                while pending and len(running) < workers:
                    start(pending.pop(0))
                with contextlib.suppress(queue.Empty):
                    run = results.get(timeout=_POLL_S)
                    job = by_label[run.label]
                    job.proc.join()
                    for crash in run.crashes:
                        settler.add(crash, job)
                    ended(job, run, None)
                for job in list(running):
                    outcome = _watch(job, config)
                    if isinstance(outcome, SubjectRun):
                        ended(job, outcome, None)
                    elif outcome is not None:
                        ended(job, None, outcome)
                _drain(progress, by_label)
                if on_progress is not None:
                    on_progress({job.label: job.status() for job in jobs if job.proc is not None})  # started ones
            settler.finish(wait_s=120.0)
    except CampaignInterrupted:
        _stop([job.proc for job in running])
        settler.finish(wait_s=0.0)
        raise
    finally:
        _stop([job.proc for job in running])
        shutil.rmtree(work_dir, ignore_errors=True)
    out = []
    for job in jobs:
        runs = job.runs or [job.run(error="no worker returned a result")]
        merged = merged_run(runs, [*job.salvaged, *job.crash_findings], job.inputs, job.spent)
        known = config.known.get(job.subject, {})
        for f in merged.findings:  # new means new to the corpus the campaign started from
            f.new = f.signature not in known
        if merged.error and merged.findings:
            merged = replace(merged, error="")  # a job that found classes ran
        out.append(merged)
    return out


def _watch(job: _Job, config: CampaignConfig) -> Crash | SubjectRun | None:
    """The crash of a running job's worker if it hung or died in a library call, a
    failed run if it died before making one (loading), None while it is fine."""
    proc = job.proc
    now = time.monotonic()
    if proc.is_alive():
        if job.engine != "hypothesis":
            return None  # run_atheris watches its own child
        call = read_call(job.record)
        if call is None or not call.hung(config.timeout + HANG_GRACE_S, now):
            return None
        proc.kill()
        proc.join()
        return Crash(job.subject, job.engine, "timeout", call.backend, call.call, call.text, round(job.spent + job.live[1], 3))
    if job.dead_since is None:
        job.dead_since = now
        return None
    if now - job.dead_since < _EXIT_GRACE_S:
        return None  # its result may still be on its way
    call = read_call(job.record)
    kind = crash_kind(proc.exitcode if proc.exitcode is not None else -signal.SIGKILL)
    if call is None:  # died before its first library call: loading failed
        return job.run(error=f"worker died while loading models ({kind})")
    return Crash(job.subject, job.engine, kind, call.backend, call.call, call.text, round(job.spent + job.live[1], 3))


def _drain(progress: Any, by_label: dict[str, _Job]) -> None:
    while True:
        try:
            message = progress.get_nowait()
        except queue.Empty:
            return
        if message[0] == "found":
            _, label, restarts, fresh = message
            job = by_label.get(label)
            if job is not None and restarts == job.restarts:
                job.found.update((f.signature, f) for f in fresh)
            continue
        label, inputs, secs, classes, new, seeds, restarts, codepoints = message
        job = by_label.get(label)
        if job is not None and not job.finished and restarts == job.restarts:  # not a killed worker's last words
            job.live = (inputs, secs, classes, new, max(seeds, job.live[4]), codepoints)


def _stop(procs: list[Any]) -> None:
    """SIGTERM each live worker, SIGKILL those alive after the grace period."""
    live = [p for p in procs if p is not None and p.is_alive()]
    for p in live:
        p.terminate()
    deadline = time.monotonic() + _STOP_GRACE_S
    for p in live:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join()
