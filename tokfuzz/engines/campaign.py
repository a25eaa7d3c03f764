"""A time-boxed fuzz campaign: inputs in, classes of minimal failures out.

The loop is engine-agnostic: an engine (tokfuzz.engines.hypothesis in the worker,
tokfuzz.engines.atheris in a child) hands inputs to ``Hunt.check``
(tokfuzz.engines.hunt), which checks, shrinks, signs and counts them.

Subjects run in parallel worker processes (``workers``), each with its own backends.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from tokfuzz.backends.subjects import load_subject
from tokfuzz.engines.hunt import Finding, Hunt
from tokfuzz.findings.corpus import Case
from tokfuzz.oracles import PROPERTIES

__all__ = ["DEFAULT_TIMEOUT", "ENGINES", "CampaignConfig", "SubjectRun", "new_cases", "run_campaign"]

ENGINES: tuple[str, ...] = ("hypothesis", "atheris")
DEFAULT_TIMEOUT = 5.0
"""Seconds one backend call (encode, decode, …) may take before the input is a ``timeout`` finding."""


def new_cases(runs: Iterable[SubjectRun]) -> list[Case]:
    """The corpus cases of every new class found in ``runs``, in run order."""
    return [f.to_case(run.versions) for run in runs for f in run.findings if f.new]


@dataclass
class SubjectRun:
    """What one (subject, engine) job did: inputs checked, seconds spent, findings."""

    subject: str
    engine: str = "hypothesis"
    inputs: int = 0
    seconds: float = 0.0
    load_seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    versions: dict[str, dict[str, str]] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    error: str = ""

    @property
    def label(self) -> str:
        """``subject`` for a hypothesis run, ``subject/engine`` otherwise."""
        return self.subject if self.engine == "hypothesis" else f"{self.subject}/{self.engine}"

    @property
    def rate(self) -> float:
        """Inputs checked per second (0 when nothing ran)."""
        return self.inputs / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class CampaignConfig:
    """Parameters of a campaign (the ``tokfuzz fuzz`` options)."""

    subjects: tuple[str, ...]
    seconds: float
    properties: tuple[str, ...] = PROPERTIES
    extra_backends: tuple[str, ...] = ()
    engine: str = "hypothesis"  # hypothesis | atheris | all
    seed: int | None = None
    workers: int = 1
    known: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # subject -> {signature: witness}
    corpus: Path | None = None  # where atheris children write new classes as they find them
    mutator: str = "text"  # atheris: tokfuzz.inputs.mutator ("text") or libFuzzer's own ("bytes")
    timeout: float = DEFAULT_TIMEOUT  # seconds one backend call may take before it is a `timeout` finding

    @property
    def engines(self) -> tuple[str, ...]:
        """The engines to run: ``("hypothesis", "atheris")`` for ``all``."""
        return ENGINES if self.engine == "all" else (self.engine,)

    def jobs(self) -> list[tuple[str, str]]:
        """(subject, engine) pairs, subject-major: both engines of a subject run side by side."""
        return [(subject, engine) for subject in self.subjects for engine in self.engines]


def _hunt_subject(config: CampaignConfig, subject: str, engine: str, seconds: float, progress: Any) -> SubjectRun:
    """Worker: load one subject, fuzz it with ``engine`` for ``seconds``, return what was found."""
    from tokfuzz.engines.hypothesis import run_hypothesis
    from tokfuzz.inputs.seeds import seed_inputs

    if engine == "atheris":
        return _atheris_subject(config, subject, seconds, progress)
    run = SubjectRun(subject)
    t0 = time.monotonic()
    loaded = load_subject(subject, config.extra_backends)
    run.load_seconds = round(time.monotonic() - t0, 2)
    run.versions, run.unavailable = loaded.versions, loaded.unavailable
    hunt = Hunt(subject, loaded.backends, config.properties, config.known.get(subject, {}))
    last = 0.0
    found_by = "seed:unicode-data"

    def on_input(text: str) -> float:
        nonlocal last
        hunt.check(text, found_by)
        now = time.monotonic()
        if progress is not None and now - last > 0.5:
            last = now
            progress.put((subject, hunt.inputs, now - hunt.started, len(hunt.findings), sum(f.new for f in hunt.findings.values())))
        return hunt.last_novelty

    t1 = time.monotonic()
    for text in seed_inputs():  # real Unicode test data first (tokfuzz.inputs.seeds)
        if time.monotonic() >= t1 + seconds:
            break
        on_input(text)
    found_by = "hypothesis:unicode_text"
    run_hypothesis(on_input, deadline=t1 + seconds, seed=config.seed)
    run.seconds = round(time.monotonic() - t1, 2)
    run.inputs = hunt.inputs
    run.findings = list(hunt.findings.values())
    if progress is not None:
        progress.put((subject, hunt.inputs, run.seconds, len(hunt.findings), sum(f.new for f in hunt.findings.values())))
    return run


def _atheris_subject(config: CampaignConfig, subject: str, seconds: float, progress: Any) -> SubjectRun:
    """Worker: run the atheris engine on one subject in a child process (tokfuzz.engines.atheris.run_atheris)."""
    from tokfuzz.backends.models import cache_dir
    from tokfuzz.engines.atheris import run_atheris
    from tokfuzz.engines.seed_corpus import seed_texts

    label = f"{subject}/atheris"
    known = config.known.get(subject, {})

    def on_state(state: dict[str, Any]) -> None:
        if progress is not None:
            found = state.get("findings", [])
            progress.put((label, state["inputs"], state["seconds"], len(found), sum(f["new"] and f["signature"] not in known for f in found)))

    seeds = [*dict.fromkeys(w for ws in config.known.values() for w in ws.values()), *seed_texts(None)]
    state = run_atheris(subject, seconds, cache_dir() / "atheris" / subject, properties=config.properties,
                        extra_backends=config.extra_backends, corpus=config.corpus, seed=config.seed,
                        mutator=config.mutator, seeds=seeds, on_state=on_state)
    names = {f.name for f in fields(Finding)}
    findings = [Finding(**{**{k: v for k, v in f.items() if k in names}, "backends": tuple(f["backends"])})
                for f in state.get("findings", [])]
    for f in findings:  # the child's corpus may have grown during the run; new means new to the campaign
        f.new = f.new and f.signature not in known
    run = SubjectRun(subject, "atheris", int(state.get("execs", 0)), float(state.get("seconds", 0.0)),
                     float(state.get("load_seconds", 0.0)), findings, state.get("versions", {}),
                     state.get("unavailable", {}), state.get("error", ""))
    if progress is not None:
        progress.put((label, run.inputs, run.seconds, len(findings), sum(f.new for f in findings)))
    return run


def _worker(config: CampaignConfig, subject: str, engine: str, seconds: float, progress: Any, results: Any) -> None:
    from tokfuzz.backends.quiet import native_stderr_to_log

    with native_stderr_to_log():
        try:
            results.put(_hunt_subject(config, subject, engine, seconds, progress))
        except Exception as exc:  # noqa: BLE001 - reported per subject, the campaign goes on
            results.put(SubjectRun(subject, engine, error=f"{type(exc).__name__}: {exc}"))


def run_campaign(config: CampaignConfig, on_progress: Callable[[dict[str, tuple[int, float, int, int, bool]]], None] | None = None) -> list[SubjectRun]:
    """Fuzz every subject of ``config`` with every engine of ``config.engine`` for
    ``config.seconds`` of wall time in all: ``config.workers`` (subject, engine) jobs
    at a time, each given ``seconds * workers / jobs`` (model loading excluded).

    ``on_progress`` receives ``{label: (inputs, seconds, classes, new classes,
    finished)}`` about twice a second, ``label`` being ``SubjectRun.label``. Returns one
    SubjectRun per job, in ``config.jobs()`` order.
    """
    jobs = config.jobs()
    workers = max(1, min(config.workers, len(jobs)))
    per_job = config.seconds * workers / len(jobs)
    ctx = multiprocessing.get_context("spawn")
    progress, results = ctx.Queue(), ctx.Queue()
    pending = list(jobs)
    running: dict[str, Any] = {}
    done: dict[str, SubjectRun] = {}
    status: dict[str, tuple[int, float, int, int, bool]] = {}
    while pending or running:
        while pending and len(running) < workers:
            subject, engine = pending.pop(0)
            proc = ctx.Process(target=_worker, args=(config, subject, engine, per_job, progress, results), daemon=True)
            proc.start()
            running[SubjectRun(subject, engine).label] = proc
        try:
            run = results.get(timeout=0.5)
            done[run.label] = run
            if run.label in status:
                status[run.label] = (*status[run.label][:4], True)
            running.pop(run.label).join()
        except queue.Empty:
            for label, proc in list(running.items()):
                if not proc.is_alive() and proc.exitcode != 0:  # a clean exit's result is still in the queue
                    subject, _, engine = label.partition("/")
                    done[label] = SubjectRun(subject, engine or "hypothesis",
                                             error=f"worker died with exit code {proc.exitcode} (a native crash?)")
                    running.pop(label)
        while True:
            try:
                label, inputs, secs, classes, new = progress.get_nowait()
            except queue.Empty:
                break
            status[label] = (inputs, secs, classes, new, label in done)
        if on_progress is not None:
            on_progress(status)
    return [done[SubjectRun(subject, engine).label] for subject, engine in jobs]
