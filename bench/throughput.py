"""Throughput: how fast the backends encode, and how fast the campaign checks.

Three figures per subject, each the median over ``repeats`` runs on the same inputs:

* **raw encode rate** of each backend: ``Backend.encode`` (tokfuzz's thin adapter over
  the library's own call) on every input, nothing else; an input the library refuses
  (tiktoken raises on ``<|endoftext|>``) counts, with the time it took to raise.
* **combined raw rate**: inputs/s of encoding each input once with every backend of
  the subject, ``1 / sum_b(1 / rate_b)`` (``bench.measure.combined_rate``): the floor of
  what any differential check over those backends must cost.
* **checked rate**: inputs/s of ``tokfuzz.engines.campaign.Hunt.check`` over the mix, as a
  campaign worker calls it: a fresh Hunt per run, the classes already in the corpus
  passed as ``known`` (as ``tokfuzz fuzz`` does), so a failure of a known class is
  counted and a new class is shrunk. Measured for all properties together and for
  each property alone.

``overhead ratio = checked rate / combined raw rate``: 1.0 would mean the harness costs
nothing beyond one encode per backend; the issue's goal is >= 0.8. Generation is
measured separately (``bench.inputs.generate``), since in a campaign it runs in the
same process, in series with the checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bench.measure import Rate, combined_rate, median_rate, timed, utf8_size
from tokfuzz.backends.base import Backend, reraise_control
from tokfuzz.engines.hunt import Hunt
from tokfuzz.oracles import PROPERTIES

__all__ = ["BackendRate", "HuntRate", "SubjectThroughput", "encode_rate", "hunt_rate", "subject_throughput"]

ALL = "all"
"""Label of the run that checks every property together."""


def encode_rate(backend: Backend, texts: Sequence[str], repeats: int = 3) -> Rate:
    """Median-duration Rate of ``backend.encode`` over ``texts`` (each once per run);
    exceptions raised by the library are swallowed (control flow re-raised).

    Raises:
        ValueError: ``repeats`` < 1.
    """
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    encode = backend.encode

    def run() -> None:
        for text in texts:
            try:
                encode(text)
            except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
                reraise_control(exc)

    nbytes = sum(utf8_size(t) for t in texts)
    runs = [Rate(len(texts), nbytes, timed(run)[1].wall) for _ in range(repeats)]
    return median_rate(runs)


@dataclass(frozen=True)
class BackendRate:
    """Raw encode rates of one backend on the campaign mix and on real text."""

    subject: str
    backend: str
    mix: Rate
    real: Rate


@dataclass(frozen=True)
class HuntRate:
    """Checked rate of a Hunt with ``properties`` (``"all"`` or one property name):
    the median run, and what that run found (``classes`` distinct signatures, ``new``
    of them not in the corpus, so shrunk during the timed run)."""

    properties: str
    rate: Rate
    classes: int
    new: int


def hunt_rate(
    subject: str,
    backends: Mapping[str, Backend],
    texts: Sequence[str],
    properties: Sequence[str] = PROPERTIES,
    known: Mapping[str, str] | None = None,
    repeats: int = 3,
) -> HuntRate:
    """Median-duration rate of ``Hunt.check`` over ``texts``, a fresh Hunt per run.

    Raises:
        ValueError: ``repeats`` < 1.
    """
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    nbytes = sum(utf8_size(t) for t in texts)
    runs: list[tuple[Rate, Hunt]] = []
    for _ in range(repeats):
        hunt = Hunt(subject, backends, properties, known)

        def run(hunt: Hunt = hunt) -> None:
            for text in texts:
                hunt.check(text, "bench:throughput")

        runs.append((Rate(len(texts), nbytes, timed(run)[1].wall), hunt))
    runs.sort(key=lambda r: r[0].seconds)
    _, hunt = runs[len(runs) // 2]
    label = ALL if tuple(properties) == PROPERTIES else ",".join(properties)
    findings = hunt.findings.values()
    return HuntRate(label, median_rate([r for r, _ in runs]), len(findings), sum(f.new for f in findings))


@dataclass(frozen=True)
class SubjectThroughput:
    """Every throughput figure of one subject."""

    subject: str
    backends: tuple[BackendRate, ...]
    hunts: tuple[HuntRate, ...] = field(default=())

    @property
    def combined_mix(self) -> float:
        """Combined raw rate (inputs/s) of all backends on the campaign mix."""
        return combined_rate(b.mix.per_s for b in self.backends)

    @property
    def combined_real(self) -> float:
        """Combined raw rate (inputs/s) of all backends on real text."""
        return combined_rate(b.real.per_s for b in self.backends)

    def hunt(self, properties: str) -> HuntRate | None:
        """The HuntRate labelled ``properties`` (``"all"`` or a property name), if measured."""
        return next((h for h in self.hunts if h.properties == properties), None)

    def ratio(self, properties: str = ALL) -> float:
        """Checked rate / combined raw rate on the mix (the harness overhead ratio)."""
        h = self.hunt(properties)
        combined = self.combined_mix
        return h.rate.per_s / combined if h is not None and combined else 0.0


def subject_throughput(
    subject: str,
    backends: Mapping[str, Backend],
    mix: Sequence[str],
    real: Sequence[str],
    known: Mapping[str, str] | None = None,
    repeats: int = 3,
    properties: Sequence[str] = PROPERTIES,
) -> SubjectThroughput:
    """Raw rates of every backend on ``mix`` and ``real``, then Hunt rates on ``mix``
    for all ``properties`` together and for each alone (each alone only when there
    are several)."""
    rates = tuple(
        BackendRate(subject, name, encode_rate(b, mix, repeats), encode_rate(b, real, repeats))
        for name, b in backends.items()
    )
    configs: list[tuple[str, ...]] = [tuple(properties)]
    if len(properties) > 1:
        configs += [(p,) for p in properties]
    hunts = tuple(hunt_rate(subject, backends, mix, c, known, repeats) for c in configs)
    return SubjectThroughput(subject, rates, hunts)
