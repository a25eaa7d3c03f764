"""A campaign's jobs as data: its configuration, what a job did, where a restarted job
picks up, and how the runs of a job's restarts merge. Shared by the worker bodies
(tokfuzz.engines.campaign) and the supervisor (tokfuzz.engines.supervise).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from tokfuzz.backends.isolated import DEFAULT_TIMEOUT
from tokfuzz.engines.crashes import Crash
from tokfuzz.engines.hunt import Finding
from tokfuzz.findings.corpus import Case
from tokfuzz.oracles import PROPERTIES

T = TypeVar("T")

__all__ = ["DEFAULT_TIMEOUT", "ENGINES", "CampaignConfig", "Job", "ProgressStatus", "Resume", "SubjectRun", "job_label",
           "job_seconds", "merge_findings", "merged_run", "new_cases"]

ENGINES: tuple[str, ...] = ("hypothesis", "atheris")


def job_label(subject: str, engine: str, shard: int = 0) -> str:
    """``subject``, ``subject/engine`` for an engine other than hypothesis, ``#shard`` after
    it when the job is one of several workers of that (subject, engine)."""
    label = subject if engine == "hypothesis" else f"{subject}/{engine}"
    return f"{label}#{shard}" if shard else label


@dataclass(frozen=True)
class Job:
    """One worker's share of a campaign: a subject, an engine and, when that (subject,
    engine) budget is split across several workers, which of ``shards`` it is (1-based;
    0 when it is not split)."""

    subject: str
    engine: str = "hypothesis"
    shard: int = 0
    shards: int = 1

    @property
    def label(self) -> str:
        """tokfuzz.engines.jobs.job_label of this job."""
        return job_label(self.subject, self.engine, self.shard)

    def share(self, items: Sequence[T]) -> list[T]:
        """This shard's items of ``items`` (every ``shards``-th, from its own offset), so
        shards of one job check the seed inputs once between them; all of them when the
        job is not split."""
        return list(items) if self.shards <= 1 else list(items[self.shard - 1::self.shards])

    def seed(self, seed: int | None) -> int | None:
        """The campaign's ``seed`` for this shard: shards draw different inputs (None stays
        None: every worker draws from its own OS entropy)."""
        return seed if seed is None else seed + 100_003 * self.shard


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
    crashes: list[Crash] = field(default_factory=list)  # hangs and crashes an engine saw and survived (atheris)
    repeats: int = 0  # inputs handed again and not re-checked (tokfuzz.engines.hunt.Hunt.check)
    codepoints: int = 0  # code points of the distinct inputs checked
    generate_seconds: float = 0.0  # seconds spent generating inputs, not checking them (tokfuzz.engines.generate)
    long_skipped: int = 0  # long texts generated and not checked: long inputs had had their share of the time
    shard: int = 0  # which of the workers sharing this (subject, engine) budget (tokfuzz.engines.jobs.Job); 0: alone

    @property
    def label(self) -> str:
        """``subject`` for a hypothesis run, ``subject/engine`` otherwise, ``#shard`` after
        either when several workers shared the job (tokfuzz.engines.jobs.job_label)."""
        return job_label(self.subject, self.engine, self.shard)

    @property
    def rate(self) -> float:
        """Distinct inputs checked per second (0 when nothing ran)."""
        return self.inputs / self.seconds if self.seconds else 0.0

    @property
    def codepoint_rate(self) -> float:
        """Code points of distinct inputs checked per second (0 when nothing ran)."""
        return self.codepoints / self.seconds if self.seconds else 0.0


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
    corpus: Path | None = None  # where workers append new classes the moment they find them (None: not stored)
    mutator: str = "text"  # atheris: tokfuzz.inputs.mutator ("text") or libFuzzer's own ("bytes")
    timeout: float = DEFAULT_TIMEOUT  # seconds one backend call may take before it is a `timeout` finding
    assigned_only: bool = False  # generate only code points assigned in Python's unicodedata (unicode_text)

    @property
    def engines(self) -> tuple[str, ...]:
        """The engines to run: ``("hypothesis", "atheris")`` for ``all``."""
        return ENGINES if self.engine == "all" else (self.engine,)

    def jobs(self) -> list[Job]:
        """The campaign's jobs, subject-major (both engines of a subject run side by side).

        With more workers than (subject, engine) pairs, each pair's budget is split across
        several workers so every core fuzzes: ``workers // pairs`` shards each, the first
        ``workers % pairs`` pairs one more (64 workers, 18 pairs: ten pairs of 4 shards,
        eight of 3). Shards draw with different seeds, take every n-th seed input, share
        atheris' libFuzzer queue and append to the one corpus.
        """
        pairs = [(subject, engine) for subject in self.subjects for engine in self.engines]
        if self.workers <= len(pairs):
            return [Job(subject, engine) for subject, engine in pairs]
        out = []
        for i, (subject, engine) in enumerate(pairs):
            n = self.workers // len(pairs) + (i < self.workers % len(pairs))
            out.extend(Job(subject, engine, k if n > 1 else 0, n) for k in range(1, n + 1))
        return out


@dataclass(frozen=True)
class Resume:
    """Where a restarted job picks up: texts not to check again (the calls that hung or
    crashed), witnesses of hangs and crashes already shrunk (a text holding one is not
    checked: it would only take the worker down again), how many seed inputs are done,
    how many times it was restarted."""

    skip: frozenset[str] = frozenset()
    skip_containing: frozenset[str] = frozenset()
    seeds_done: int = 0
    restarts: int = 0

    def skips(self, text: str) -> bool:
        """Whether a restarted worker leaves ``text`` alone."""
        return text in self.skip or any(w in text for w in self.skip_containing)


ProgressStatus = Mapping[str, tuple[int, float, int, int, bool, int]]
"""label -> (distinct inputs, fuzzing seconds, classes, new classes, finished, code points)."""


def job_seconds(config: CampaignConfig) -> float:
    """Fuzzing seconds each job gets: ``seconds * workers / jobs``."""
    jobs = config.jobs()
    return config.seconds * max(1, min(config.workers, len(jobs))) / len(jobs)


def merged_run(runs: Sequence[SubjectRun], extra: Iterable[Finding] = (), inputs: int | None = None,
               seconds: float | None = None) -> SubjectRun:
    """One SubjectRun out of the runs of a job's restarts (inputs and seconds add up,
    unless given: a killed worker returns no run) plus ``extra`` findings (hangs,
    crashes); findings merge per signature, counts added."""
    first = runs[0]
    out = SubjectRun(first.subject, first.engine, shard=first.shard)
    for r in runs:
        out.inputs += r.inputs
        out.repeats += r.repeats
        out.codepoints += r.codepoints
        out.generate_seconds = round(out.generate_seconds + r.generate_seconds, 3)
        out.long_skipped += r.long_skipped
        out.seconds = round(out.seconds + r.seconds, 2)
        out.load_seconds = out.load_seconds or r.load_seconds
        out.versions = out.versions or r.versions
        out.unavailable = {**r.unavailable, **out.unavailable}
        out.crashes.extend(r.crashes)
    out.findings = merge_findings([*(f for r in runs for f in r.findings), *extra])
    out.error = runs[-1].error
    out.inputs = out.inputs if inputs is None else inputs
    out.seconds = out.seconds if seconds is None else round(seconds, 2)
    return out


def merge_findings(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (subject, signature) (over engines, or a job's restarts): the
    first keeps its witness, counts add up, ``first_found_s`` is the earliest and
    ``new`` holds if any found the class new. The inputs are not changed."""
    merged: dict[tuple[str, str], Finding] = {}
    for f in findings:
        key = (f.subject, f.signature)
        if key not in merged:
            merged[key] = replace(f)
            continue
        m = merged[key]
        m.count += f.count
        m.new = m.new or f.new
        if f.first_found_s < m.first_found_s:
            m.first_found_s, m.found_by = f.first_found_s, f.found_by
    return list(merged.values())
