"""A time-boxed fuzz campaign: inputs in, classes of minimal failures out.

The loop is engine-agnostic: an engine (hypothesis here; atheris in step 3) hands
inputs to ``Hunt.check``, which runs the oracles once per input, shrinks each new
failure to a 1-minimal witness (tokfuzz.minimize), gives it a signature
(tokfuzz.triage) and counts it in its class. A class already known (from the corpus
or earlier in the run) is counted, not re-shrunk: once a witness of a class is a
substring of a new failing input, that failure is attributed to it for free, and a
(property, backends, kind) that keeps shrinking into known classes is shrunk ever
more rarely, so the campaign's time goes to finding classes it has not seen.

Subjects run in parallel worker processes (``workers``), each with its own backends.
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from tokfuzz.backends.base import Backend
from tokfuzz.corpus import Case, case_id, now_iso
from tokfuzz.minimize import minimize
from tokfuzz.properties import PROPERTIES, Observation, Verdict, check
from tokfuzz.subjects import load_subject
from tokfuzz.triage import signature

__all__ = ["CampaignConfig", "Finding", "Hunt", "SubjectRun", "new_cases", "run_campaign"]

_MIN_CALLS = 2000  # minimizer budget per failure (oracle calls)
ENGINES: tuple[str, ...] = ("hypothesis", "atheris")


@dataclass
class Finding:
    """One class of failures found in a campaign, with its minimal witness."""

    signature: str
    property: str
    subject: str
    backends: tuple[str, ...]
    kind: str
    input: str
    detail: str
    observed: dict[str, Any]
    first_found_s: float
    found_by: str
    count: int = 1
    new: bool = True

    def to_case(self, versions: Mapping[str, Mapping[str, str]]) -> Case:
        """This class as an ``open``, untriaged corpus case (DESIGN §5). ``versions``
        maps backend name to {library: version} (``Subject.versions``)."""
        libs = {lib: v for b in self.backends for lib, v in versions.get(b, {b: "?"}).items()}
        observed = json.loads(json.dumps(self.observed, default=str))
        return Case(
            id=case_id(self.property, self.subject, self.input, (*self.backends, self.kind)), input=self.input,
            property=self.property, subject=self.subject, backends=tuple(self.backends), signature=self.signature,
            status="open", note=f"untriaged: {self.detail[:400]}", found_by=self.found_by, found_at=now_iso(),
            versions=libs, observed=observed,
        )


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


def _verdict_key(v: Verdict) -> tuple[str, tuple[str, ...], str]:
    return (v.property, v.backends, v.kind)


class Hunt:
    """Checks inputs against one subject's backends and keeps classes of failures.

    ``known`` maps signatures already in the corpus to their witnesses; failures in
    those classes are counted with ``new=False``.
    """

    def __init__(
        self,
        subject: str,
        backends: Mapping[str, Backend],
        properties: Iterable[str] = PROPERTIES,
        known: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.subject = subject
        self.backends = dict(backends)
        self.reference = next(iter(self.backends))
        self.properties = tuple(properties)
        self.clock = clock
        self.started = clock()
        self.inputs = 0
        self.last_novelty = 0.0
        self.findings: dict[str, Finding] = {}
        self._known = dict(known or {})
        self._witnesses: dict[tuple[str, tuple[str, ...], str], list[tuple[str, str]]] = {}
        for sig, witness in self._known.items():
            prop, _subject, names, kind, _shape = sig.split("|", 4)
            self._witnesses.setdefault((prop, tuple(names.split(",")) if names else (), kind), []).append((witness, sig))
        self._streak: dict[tuple[str, tuple[str, ...], str], int] = {}
        self._seen_ids: set[int] = set()  # reference token ids seen so far (bounded by the vocabulary)
        self._seen: dict[tuple[str, tuple[str, ...], str], int] = {}

    def _fails_like(self, v: Verdict) -> Callable[[str], bool]:
        """Predicate: does a candidate input fail the same way as ``v``?"""
        names = v.backends if v.property != "cross_backend" else (self.reference, *(n for n in v.backends if n != self.reference))
        sub = {n: self.backends[n] for n in names}
        key = _verdict_key(v)

        def fails(text: str) -> bool:
            obs = Observation(text, sub)
            return any(_verdict_key(w) == key for w in check(obs, (v.property,)))

        return fails

    def _attribute(self, v: Verdict, text: str) -> str | None:
        """Signature of a known class whose witness occurs in ``text``, if any."""
        for witness, sig in self._witnesses.get(_verdict_key(v), ()):
            if witness and witness in text:
                return sig
        return None

    def _should_shrink(self, key: tuple[str, tuple[str, ...], str]) -> bool:
        """Shrink every failure of a key at first; after k shrinks in a row that only
        re-found known classes, shrink one failure in 2**min(k, 8)."""
        self._seen[key] = self._seen.get(key, 0) + 1
        return self._seen[key] % (1 << min(self._streak.get(key, 0), 8)) == 0

    def novelty(self, obs: Observation, fresh: list[Finding]) -> float:
        """How much new behaviour ``obs`` reached: reference token ids never seen
        before in this run, plus 10 per new class. The engines steer towards it."""
        ids = obs.ids(self.reference)
        new_ids = 0
        if isinstance(ids, list):
            before = len(self._seen_ids)
            self._seen_ids.update(ids)
            new_ids = len(self._seen_ids) - before
        return float(new_ids + 10 * len(fresh))

    def check(self, text: str, found_by: str) -> list[Finding]:
        """Run the oracles on ``text``; return the findings of classes new to the
        corpus and to this run. Known classes are counted in ``findings`` too, with
        ``new=False`` and the corpus' witness. ``last_novelty`` is set for the engine."""
        self.inputs += 1
        fresh: list[Finding] = []
        obs = Observation(text, self.backends)
        try:
            self._check(obs, text, found_by, fresh)
        finally:
            self.last_novelty = self.novelty(obs, fresh)
        return fresh

    def _check(self, obs: Observation, text: str, found_by: str, fresh: list[Finding]) -> None:
        for v in check(obs, self.properties):
            key = _verdict_key(v)
            sig = self._attribute(v, text)
            witness = self._known.get(sig, text) if sig is not None else text
            if sig is None and self._should_shrink(key):
                witness = minimize(text, self._fails_like(v), max_calls=_MIN_CALLS)
                shrunk = [w for w in check(Observation(witness, self.backends), (v.property,)) if _verdict_key(w) == key]
                v = shrunk[0] if shrunk else v
                sig = signature(v, self.subject, witness, self.backends[self.reference])
                known = sig in self.findings or sig in self._known
                self._streak[key] = self._streak.get(key, 0) + 1 if known else 0
                if not known:
                    self._witnesses.setdefault(key, []).append((witness, sig))
                witness = self._known.get(sig, witness)
            if sig is None:
                continue
            if sig in self.findings:
                self.findings[sig].count += 1
                continue
            finding = Finding(sig, v.property, self.subject, v.backends, v.kind, witness, v.detail, v.observed,
                              round(self.clock() - self.started, 3), found_by, new=sig not in self._known)
            self.findings[sig] = finding
            if finding.new:
                fresh.append(finding)


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
    mutator: str = "text"  # atheris: tokfuzz.mutator ("text") or libFuzzer's own ("bytes")

    @property
    def engines(self) -> tuple[str, ...]:
        """The engines to run: ``("hypothesis", "atheris")`` for ``all``."""
        return ENGINES if self.engine == "all" else (self.engine,)

    def jobs(self) -> list[tuple[str, str]]:
        """(subject, engine) pairs, subject-major: both engines of a subject run side by side."""
        return [(subject, engine) for subject in self.subjects for engine in self.engines]


def _hunt_subject(config: CampaignConfig, subject: str, engine: str, seconds: float, progress: Any) -> SubjectRun:
    """Worker: load one subject, fuzz it with ``engine`` for ``seconds``, return what was found."""
    from tokfuzz.engines import run_hypothesis
    from tokfuzz.seeds import seed_inputs

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
    for text in seed_inputs():  # real Unicode test data first (tokfuzz.seeds)
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
    """Worker: run the atheris engine on one subject in a child process (engines.run_atheris)."""
    from tokfuzz.engines import run_atheris
    from tokfuzz.fuzz_seeds import seed_texts
    from tokfuzz.models import cache_dir

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
    from tokfuzz.quiet import native_stderr_to_log

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
