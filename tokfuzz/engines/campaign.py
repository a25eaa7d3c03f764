"""A time-boxed fuzz campaign: inputs in, classes of minimal failures out.

The loop is engine-agnostic: an engine (tokfuzz.engines.hypothesis in the worker,
tokfuzz.engines.atheris in a child) hands inputs to ``Hunt.check``
(tokfuzz.engines.hunt), which checks, shrinks, signs and counts them.

Subjects run in parallel worker processes (``workers``), each with its own backends,
supervised by tokfuzz.engines.supervise: every new class is appended to the corpus by
the worker that found it, at once; a worker whose library call hangs or crashes the
process is replaced and the call becomes a ``timeout`` / ``crash:…`` finding.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from tokfuzz.backends.isolated import die_with_parent
from tokfuzz.backends.subjects import load_subject
from tokfuzz.engines.crashes import Crash
from tokfuzz.engines.guard import CallRecord, guard_backends
from tokfuzz.engines.hunt import Finding, Hunt
from tokfuzz.engines.jobs import DEFAULT_TIMEOUT, ENGINES, CampaignConfig, Job, ProgressStatus, Resume, SubjectRun, new_cases
from tokfuzz.engines.supervise import CampaignInterrupted, supervise
from tokfuzz.findings.corpus import Corpus

__all__ = ["DEFAULT_TIMEOUT", "ENGINES", "CampaignConfig", "CampaignInterrupted", "SubjectRun", "new_cases",
           "run_campaign"]


class _StoreFailed(BaseException):
    """The corpus cannot be written (disk full, no permission): the job stops. A
    BaseException, so hypothesis does not take it for a failing example."""


def _stored_known(config: CampaignConfig, subject: str) -> dict[str, str]:
    """The subject's known classes: the campaign's, plus what the corpus holds now (a
    restarted job must not shrink again what an earlier worker stored)."""
    known = dict(config.known.get(subject, {}))
    if config.corpus is not None:
        for case in Corpus(config.corpus).load():
            if case.subject == subject:
                known.setdefault(case.signature, case.input)
    return known


def _hunt_subject(config: CampaignConfig, job: Job, seconds: float, progress: Any, record: Path | None,
                  resume: Resume) -> SubjectRun:
    """Worker body, hypothesis engine: load one subject, check the Unicode seeds (this shard's
    share of them) then generated inputs (tokfuzz.engines.generate: the fast sampler,
    hypothesis on a share; this shard's seed) for ``seconds``, storing each new class at
    once; return what was found."""
    from tokfuzz.engines.generate import BATCH, LONG_CODEPOINTS, generate
    from tokfuzz.inputs.seeds import seed_inputs
    from tokfuzz.oracles.observation import subject_special_strings
    from tokfuzz.strategies import unicode_text

    subject, label = job.subject, job.label
    run = SubjectRun(subject, shard=job.shard)
    t0 = time.monotonic()
    loaded = load_subject(subject, config.extra_backends)
    run.load_seconds = round(time.monotonic() - t0, 2)
    run.versions, run.unavailable = loaded.versions, loaded.unavailable
    backends = guard_backends(loaded.backends, CallRecord(record)) if record is not None else loaded.backends
    known = _stored_known(config, subject) if resume.restarts else dict(config.known.get(subject, {}))
    hunt = Hunt(subject, backends, config.properties, known)
    corpus = Corpus(config.corpus) if config.corpus is not None else None
    last, seeds_done = 0.0, resume.seeds_done

    def report(now: float) -> None:
        if progress is not None:
            progress.put((label, hunt.inputs, now - hunt.started, len(hunt.findings),
                          sum(f.new for f in hunt.findings.values()), seeds_done, resume.restarts, hunt.codepoints))

    def on_input(text: str, source: str = "") -> float:
        nonlocal last
        if resume.skips(text):
            return 0.0
        fresh = hunt.check(text, f"{source}:unicode_text" if source not in ("", "seed") else "seed:unicode-data")
        if fresh and corpus is not None:  # on disk before anyone is told
            try:
                corpus.add([f.to_case(run.versions) for f in fresh], one_per_signature=True)
            except OSError as exc:
                raise _StoreFailed(f"cannot write the corpus {corpus.root}: {exc.strerror or exc}") from exc
        if fresh and progress is not None:  # the supervisor keeps them should this worker be killed
            progress.put(("found", label, resume.restarts, fresh))
        now = time.monotonic()
        if fresh or now - last > 0.5:
            last = now
            report(now)
        return hunt.last_novelty

    t1 = time.monotonic()
    hunt.deadline = t1 + seconds

    def ahead(texts: Sequence[str]) -> None:
        hunt.prefetch([t for t in texts if not resume.skips(t)])

    try:
        seeds = job.share(list(seed_inputs()))  # real Unicode test data first (tokfuzz.inputs.seeds)
        long_seeds: list[str] = []  # checked within the long inputs' share (tokfuzz.engines.generate)
        for index in range(resume.seeds_done, len(seeds)):
            if time.monotonic() >= t1 + seconds:
                break
            if (index - resume.seeds_done) % BATCH == 0:
                ahead(seeds[index:index + BATCH])
            if len(seeds[index]) >= LONG_CODEPOINTS:
                long_seeds.append(seeds[index])
            else:
                on_input(seeds[index])
            seeds_done = index + 1
        seed = job.seed(config.seed)
        seed = None if seed is None else seed + 1000 * resume.restarts
        strategy = unicode_text(assigned_only=config.assigned_only, special_tokens=subject_special_strings(loaded.backends))
        generated = generate(on_input, deadline=t1 + seconds, strategy=strategy, seed=seed, prefetch=ahead,
                             long_seeds=long_seeds)
        run.generate_seconds, run.long_skipped = round(generated.generate_seconds, 3), generated.long_skipped
    except _StoreFailed as exc:  # stop: the findings go back to the campaign, which shows them
        run.error = str(exc)
    run.seconds = round(time.monotonic() - t1, 2)
    run.inputs, run.repeats, run.codepoints = hunt.inputs, hunt.repeats, hunt.codepoints
    run.findings = list(hunt.findings.values())
    report(time.monotonic())
    return run


def _atheris_subject(config: CampaignConfig, job: Job, seconds: float, progress: Any, record: Path | None) -> SubjectRun:
    """Worker body, atheris engine: run libFuzzer on one subject in a child process
    (tokfuzz.engines.atheris.run_atheris), which restarts it after a hang or a crash.
    Shards of one subject split the seed inputs and share its libFuzzer queue (each keeps
    its own state, log and artifacts), as libFuzzer's own ``-jobs`` workers share a corpus
    directory."""
    from tokfuzz.backends.models import cache_dir
    from tokfuzz.engines.atheris import run_atheris
    from tokfuzz.engines.seed_corpus import seed_texts

    subject, label = job.subject, job.label
    home = cache_dir() / "atheris" / subject
    known = config.known.get(subject, {})

    def on_state(state: dict[str, Any]) -> None:
        if progress is not None:
            found = state.get("findings", [])
            progress.put((label, state["inputs"], state["seconds"], len(found),
                          sum(f["new"] and f["signature"] not in known for f in found), 0, 0, int(state.get("codepoints", 0))))

    seeds = job.share([*dict.fromkeys(w for ws in config.known.values() for w in ws.values()), *seed_texts(None)])
    state = run_atheris(subject, seconds, home / f"shard-{job.shard}" if job.shard else home, queue=home / "queue",
                        properties=config.properties, extra_backends=config.extra_backends, corpus=config.corpus,
                        seed=job.seed(config.seed),
                        mutator=config.mutator, seeds=seeds, on_state=on_state, timeout=config.timeout,
                        record=record)
    names = {f.name for f in fields(Finding)}
    findings = [Finding(**{**{k: v for k, v in f.items() if k in names}, "backends": tuple(f["backends"])})
                for f in state.get("findings", [])]
    for f in findings:  # the child's corpus may have grown during the run; new means new to the campaign
        f.new = f.new and f.signature not in known
    crashes = [Crash(subject, "atheris", **c) for c in state.get("crashes", [])]
    run = SubjectRun(subject, "atheris", int(state.get("inputs", 0)), float(state.get("seconds", 0.0)),
                     float(state.get("load_seconds", 0.0)), findings, state.get("versions", {}),
                     state.get("unavailable", {}), state.get("error", ""), crashes,
                     int(state.get("repeats", 0)), int(state.get("codepoints", 0)), shard=job.shard)
    if progress is not None:
        progress.put((label, run.inputs, run.seconds, len(findings), sum(f.new for f in findings), 0, 0, run.codepoints))
    return run


def _worker(config: CampaignConfig, job: Job, seconds: float, progress: Any, results: Any,
            record: Path | None = None, resume: Resume = Resume()) -> None:
    """A worker process: stops when its parent dies, leaves SIGINT to the parent (which
    stops it with SIGTERM), and puts one SubjectRun on ``results``."""
    from tokfuzz.backends.quiet import native_stderr_to_log

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    os.environ["TOKFUZZ_TIMEOUT"] = str(config.timeout)  # the per-call limit of backends that keep their own (cmd:)
    with native_stderr_to_log():
        try:
            if job.engine == "atheris":
                results.put(_atheris_subject(config, job, seconds, progress, record))
            else:
                results.put(_hunt_subject(config, job, seconds, progress, record, resume))
        except Exception as exc:  # noqa: BLE001 - reported per subject, the campaign goes on
            results.put(SubjectRun(job.subject, job.engine, shard=job.shard, error=f"{type(exc).__name__}: {exc}"))


def run_campaign(config: CampaignConfig, on_progress: Callable[[ProgressStatus], None] | None = None) -> list[SubjectRun]:
    """Fuzz every subject of ``config`` with every engine of ``config.engine`` for
    ``config.seconds`` of wall time in all: ``config.workers`` jobs at a time
    (``config.jobs()``: (subject, engine) pairs, split into shards when there are more
    workers than pairs), each given ``seconds * workers / jobs`` (model loading excluded).

    ``on_progress`` receives ``{label: (inputs, seconds, classes, new classes,
    finished)}`` about twice a second, ``label`` being ``SubjectRun.label``. Returns one
    SubjectRun per job, in ``config.jobs()`` order; a job restarted after a hang or a
    crash returns its runs merged, with the hang or crash among its findings.

    Raises:
        CampaignInterrupted: SIGINT or SIGTERM arrived; every worker is stopped and
            every finding is stored before it is raised.
    """
    return supervise(config, _worker, on_progress)
