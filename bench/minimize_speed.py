"""Minimization: how long shrinking one failure takes, and how small the witness gets.

Failures come from two places, both run through the campaign's own shrinking path:

* **real**: for each subject, the first input of the given texts (the generated part
  of the campaign mix: seed inputs are a few code points already) that fails each
  distinct (property, backends, kind), up to ``per_subject`` of them, in order (the
  failures a fresh campaign would shrink first);
* **planted**: for each fault of ``bench.faults`` (a correct tiktoken cl100k_base with
  one bug), the first of those inputs whose failure shows the planted fault
  (``bench.faults.is_planted``), with subject ``custom`` = {real, faulty}.

Each failure is shrunk exactly as ``tokfuzz.engines.campaign.Hunt`` shrinks a new class:
``tokfuzz.findings.minimize.minimize`` with the Hunt's own "fails the same way" predicate and
its budget of oracle calls. Reported: input and witness length in code points, the
oracle calls spent, whether the budget ran out, and the median wall time of
``repeats`` shrinks (each from scratch: minimize caches only within one call).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bench.faults import FAULTS, is_planted, reference_backend
from bench.measure import median, timed
from tokfuzz.backends.base import Backend
from tokfuzz.engines.hunt import MIN_CALLS, Finding, Hunt
from tokfuzz.findings.minimize import minimize
from tokfuzz.oracles import PROPERTIES, Observation, Verdict, check

__all__ = ["Failure", "ShrinkResult", "first_failures", "planted_failures", "shrink"]

PLANTED_PROPERTIES: tuple[str, ...] = ("roundtrip", "cross_backend")
"""The properties the planted-fault benchmark hunts with (bench.fault_benchmark)."""


@dataclass(frozen=True)
class Failure:
    """One failing input to shrink: ``label`` (a subject, or ``planted:<fault>``), the
    subject and backends it fails on, and the failing verdict."""

    label: str
    subject: str
    backends: Mapping[str, Backend]
    text: str
    verdict: Verdict


def _key(v: Verdict) -> tuple[str, tuple[str, ...], str]:
    return (v.property, v.backends, v.kind)


def first_failures(
    subject: str,
    backends: Mapping[str, Backend],
    texts: Sequence[str],
    per_subject: int = 4,
    properties: Sequence[str] = PROPERTIES,
) -> list[Failure]:
    """The first failing input of each distinct (property, backends, kind) in ``texts``,
    at most ``per_subject`` failures, in the order the inputs come."""
    out: list[Failure] = []
    seen: set[tuple[str, tuple[str, ...], str]] = set()
    for text in texts:
        for v in check(Observation(text, backends), properties):
            if _key(v) not in seen:
                seen.add(_key(v))
                out.append(Failure(subject, subject, backends, text, v))
                if len(out) >= per_subject:
                    return out
    return out


def _as_finding(subject: str, text: str, v: Verdict) -> Finding:
    return Finding("", v.property, subject, v.backends, v.kind, text, v.detail, v.observed, 0.0, "bench")


def planted_failures(texts: Sequence[str]) -> list[Failure]:
    """For each planted fault, the first input of ``texts`` whose failure shows it (a
    fault no input shows is left out)."""
    real = reference_backend()
    out: list[Failure] = []
    for fault_cls in FAULTS:
        fault = fault_cls()
        backends: dict[str, Backend] = {real.name: real, fault.name: fault}
        for text in texts:
            hit = next(
                (v for v in check(Observation(text, backends), PLANTED_PROPERTIES)
                 if is_planted(_as_finding("custom", text, v), fault.name, real)),
                None,
            )
            if hit is not None:
                out.append(Failure(f"planted:{fault.name}", "custom", backends, text, hit))
                break
    return out


@dataclass(frozen=True)
class ShrinkResult:
    """One failure shrunk: sizes in code points, oracle ``calls`` (real calls of the
    predicate, cached repeats excluded), ``budget_hit`` when ``calls`` reached the
    campaign's budget (the witness may then not be 1-minimal), median ``seconds``;
    ``prop`` is the property that failed."""

    label: str
    prop: str
    kind: str
    backends: tuple[str, ...]
    input_cp: int
    witness: str
    calls: int
    budget: int
    seconds: float

    @property
    def witness_cp(self) -> int:
        """Witness length in code points."""
        return len(self.witness)

    @property
    def budget_hit(self) -> bool:
        """True when the shrink spent its whole budget of oracle calls."""
        return self.calls >= self.budget


def _counting(fails: Callable[[str], bool]) -> tuple[Callable[[str], bool], list[int]]:
    calls = [0]

    def counted(text: str) -> bool:
        calls[0] += 1
        return fails(text)

    return counted, calls


def shrink(failure: Failure, repeats: int = 3, budget: int = MIN_CALLS) -> ShrinkResult:
    """Shrink ``failure`` ``repeats`` times as a campaign would; the median time.

    Raises:
        ValueError: ``repeats`` < 1.
    """
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    hunt = Hunt(failure.subject, failure.backends)
    times: list[float] = []
    witness, calls = failure.text, 0
    for _ in range(repeats):
        # Hunt.fails_like is the campaign's own predicate ("fails the same way"),
        # used as is so the figure is the campaign's shrinking cost, not a copy's.
        fails, counter = _counting(hunt.fails_like(failure.verdict))
        witness, timing = timed(lambda: minimize(failure.text, fails, max_calls=budget))
        times.append(timing.wall)
        calls = counter[0]
    v = failure.verdict
    return ShrinkResult(failure.label, v.property, v.kind, v.backends, len(failure.text), witness, calls, budget, median(times))
