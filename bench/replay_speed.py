"""Corpus replay: cases/s of ``tokfuzz.findings.replay.replay_cases`` over a 10,000-case corpus.

The corpus is synthesized into a temporary directory through ``tokfuzz.findings.corpus.Corpus``
(so every line is a valid case that ``Corpus.load`` reads back), from three sources:

* every case of the committed corpus (``corpora/``), as it is (``open`` / ``expected``);
* one case in ``FAILING_EVERY``: a committed case's failing input followed by an input
  of the campaign mix, with that case's property, backends, signature and status (a
  longer input that usually still fails the same way, so replay pays for failing
  verdicts, whose messages show token pieces, as it does on a real corpus);
* the rest: inputs of the campaign mix as ``fixed`` cases (must pass) of every subject
  and property in turn, with backends taken from the loaded subjects.

``time_replay`` reads the corpus and replays it ``repeats`` times. ``replay_cases``
loads each subject once per call; the time spent loading is separated from the time
spent replaying by timestamping each case as ``replay_cases`` takes it (the gap after
a subject's first case holds that subject's load). The repeats run in one call, so the
subjects load once; the figure for loading is that one load, the replay figure the
median over the repeats (a replay of 10,000 cases costs a fraction of loading six
subjects).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.measure import median, timed
from tokfuzz.findings.corpus import Case, Corpus, case_id, now_iso
from tokfuzz.oracles import PROPERTIES, Verdict
from tokfuzz.findings.replay import replay_cases
from tokfuzz.findings.triage import signature

__all__ = ["ReplayTiming", "composition", "synthesize_cases", "time_replay", "write_corpus"]

CASES = 10_000
FAILING_EVERY = 10
"""One synthesized case in this many is a committed failing input plus a mix input."""
_KIND = {"roundtrip": "changed", "split_consistency": "coverage", "cross_backend": "ids-differ"}
"""Kind written into a synthesized passing case's signature (replay matches on it)."""


def _passing_case(text: str, subject: str, prop: str, names: Sequence[str], k: int, found_at: str) -> Case:
    """A ``fixed`` case of ``prop`` on ``subject``: one backend, or the reference and
    another for cross_backend; ``k`` chooses which."""
    if prop == "cross_backend" and len(names) > 1:
        backends = tuple(sorted((names[0], names[1 + k % (len(names) - 1)])))
    else:
        backends = (names[k % len(names)],)
    kind = _KIND.get(prop, "ids-differ")
    sig = signature(Verdict(prop, backends, kind, ""), subject, text)
    return Case(case_id(prop, subject, text, (*backends, kind)), text, prop, subject, backends, sig, "fixed",
                "synthetic (bench.replay_speed)", "bench:synthetic", found_at, {}, {})


def _failing_case(real: Case, text: str, found_at: str) -> Case:
    """``real``'s failing input followed by ``text``, with ``real``'s triage."""
    kind = real.signature.split("|")[3] if real.signature.count("|") >= 4 else ""
    joined = real.input + text
    return real.replace(id=case_id(real.property, real.subject, joined, (*real.backends, kind)), input=joined,
                        found_by="bench:synthetic", found_at=found_at)


def synthesize_cases(
    n: int,
    texts: Sequence[str],
    committed: Sequence[Case],
    backend_names: Mapping[str, Sequence[str]],
) -> list[Case]:
    """``n`` cases with distinct ids (see the module docstring): ``committed`` first,
    then synthesized ones. ``backend_names`` maps each subject to its backend names,
    reference first; committed cases of other subjects are left out.

    Raises:
        ValueError: ``texts`` or ``backend_names`` is empty, or ``texts`` has too few
            distinct inputs to make ``n`` distinct cases.
    """
    if not texts or not backend_names:
        raise ValueError("need texts and at least one subject")
    found_at = now_iso()
    subjects = list(backend_names)
    real = [c for c in committed if c.subject in backend_names]
    out: dict[str, Case] = {c.id: c for c in real[:n]}
    limit = 4 * n + len(texts)
    for i in range(limit):
        if len(out) >= n:
            break
        if real and i % FAILING_EVERY == 0:
            f = i // FAILING_EVERY  # mixed radix: every committed case with every text
            case = _failing_case(real[f % len(real)], texts[(f // len(real)) % len(texts)], found_at)
        else:
            text, rest = texts[i % len(texts)], i // len(texts)  # every text, then every subject, property, backend
            subject, rest = subjects[rest % len(subjects)], rest // len(subjects)
            prop, k = PROPERTIES[rest % len(PROPERTIES)], rest // len(PROPERTIES)
            case = _passing_case(text, subject, prop, backend_names[subject], k, found_at)
        out.setdefault(case.id, case)
    if len(out) < n:
        raise ValueError(f"only {len(out)} distinct cases from {len(texts)} inputs; need {n}")
    return list(out.values())


def composition(cases: Sequence[Case]) -> str:
    """One line saying what ``cases`` are made of (committed, failing, fixed)."""
    synthetic = [c for c in cases if c.found_by == "bench:synthetic"]
    fixed = sum(c.status == "fixed" for c in synthetic)
    return (f"{len(cases):,} cases: {len(cases) - len(synthetic):,} committed, {len(synthetic) - fixed:,} committed "
            f"failing inputs followed by a mix input, {fixed:,} mix inputs as `fixed` cases")


def write_corpus(root: Path, cases: Sequence[Case]) -> int:
    """Write ``cases`` into a corpus at ``root`` (one file per subject); returns how
    many were added."""
    return len(Corpus(root).add(cases))


@dataclass(frozen=True)
class ReplayTiming:
    """Figures of replaying one corpus: ``cases``; ``read_s`` (median ``Corpus.load``),
    ``load_s`` (loading its subjects, once), ``replay_s`` (median replay of all cases,
    subjects loaded); ``reproduced``, ``ok`` and ``skipped`` counts of the last repeat."""

    cases: int
    read_s: float
    load_s: float
    replay_s: float
    reproduced: int
    ok: int
    skipped: int

    @property
    def total_s(self) -> float:
        """Seconds from reading the corpus to the last verdict."""
        return self.read_s + self.load_s + self.replay_s

    @property
    def net_rate(self) -> float:
        """Cases/s of replay alone (subjects already loaded)."""
        return self.cases / self.replay_s if self.replay_s else 0.0

    @property
    def total_rate(self) -> float:
        """Cases/s end to end, corpus reading and subject loading included."""
        return self.cases / self.total_s if self.total_s else 0.0


def _stamped(cases: Sequence[Case], stamps: list[float]) -> Iterator[Case]:
    """Yield ``cases``, appending ``perf_counter()`` as each is taken and once at the end."""
    for case in cases:
        stamps.append(time.perf_counter())
        yield case
    stamps.append(time.perf_counter())


def _gaps(cases: Sequence[Case], stamps: Sequence[float]) -> tuple[list[float], set[int]]:
    """Seconds spent on each case (the gap until the next one is taken), and the
    indices of each subject's first case, whose gap also holds that subject's load."""
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    first: set[int] = set()
    seen: set[str] = set()
    for i, case in enumerate(cases):
        if case.subject not in seen:
            seen.add(case.subject)
            first.add(i)
    return gaps, first


def time_replay(root: Path, repeats: int = 3) -> ReplayTiming:
    """Read the corpus at ``root`` ``repeats`` times, and replay it ``repeats`` times in
    one ``replay_cases`` call (the corpus' cases over and over), so the subjects load
    once and each repeat's replay time is read from the timestamps; medians.

    Raises:
        ValueError: ``repeats`` < 1.
    """
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    reads: list[float] = []
    cases: list[Case] = []
    for _ in range(repeats):
        cases, read = timed(Corpus(root).load)
        reads.append(read.wall)
    stream = list(cases) * repeats
    stamps: list[float] = []
    results, _ = timed(lambda: replay_cases(_stamped(stream, stamps)))
    gaps, first = _gaps(stream, stamps)
    n = len(cases)
    load = sum(gaps[i] for i in first)
    replays = [sum(g for i, g in enumerate(gaps[r * n : (r + 1) * n], start=r * n) if i not in first) for r in range(repeats)]
    last = results[-n:] if n else []
    return ReplayTiming(
        n, median(reads), load, median(replays),
        sum(r.reproduced for r in last), sum(r.ok for r in last), sum(r.skipped for r in last),
    )
