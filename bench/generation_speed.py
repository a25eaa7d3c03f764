"""Step 10's before/after: unique inputs checked per second by one job, as filed and today.

Per subject, in this process, on the loaded subject with the corpus' classes known, the same
``seconds`` each, generated inputs only (the seed inputs are the same fixed data in both):

* **before** — the generation path as step 10 found it: hypothesis alone
  (``run_hypothesis``), eight texts per example, each text checked by ``Hunt.check`` with no
  prefetch. It already gains what cannot be switched off (a repeat is not re-checked, the
  costly properties run within their time shares, a shrink waits past its share), so the
  ratio is a lower bound of the gain over the code as filed;
* **after** — ``tokfuzz.engines.generate.generate`` as a campaign job runs it: the fast
  sampler with hypothesis on its share, one text per example, ports prefetched per batch.

Figures per run: unique inputs checked per wall second and per CPU second of this process
(ports' own processes are not in it), unique code points per second, the generation share
(seconds outside ``Hunt.check`` and ``Hunt.prefetch`` over the run's seconds), and each
property's share of the checking time. **raw** is the combined raw encode rate of the subject's backends (every
backend's ``encode`` one after another, call by call, ``bench.throughput.encode_rate``) on the
very inputs the after run checked; ``ratio`` = after's unique inputs/s over raw.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bench.measure import combined_rate
from bench.throughput import encode_rate
from tokfuzz.backends.base import Backend
from tokfuzz.engines.generate import generate
from tokfuzz.engines.hunt import Hunt
from tokfuzz.engines.hypothesis import run_hypothesis
from tokfuzz.oracles import PROPERTIES
from tokfuzz.oracles.observation import subject_special_strings
from tokfuzz.strategies import unicode_text

__all__ = ["MODES", "JobSpeed", "measure_job", "subject_speeds"]

MODES: tuple[str, ...] = ("before", "after")
_RAW_SAMPLE = 2000
"""Inputs of the after run timed for the raw rate (the first this many it checked)."""


@dataclass(frozen=True)
class JobSpeed:
    """One timed job: ``mode`` (before/after), ``properties`` ("all" or one name)."""

    subject: str
    mode: str
    properties: str
    wall_s: float
    cpu_s: float
    inputs: int
    codepoints: int
    repeats: int
    generate_s: float
    classes: int
    new: int
    property_share: dict[str, float] = field(default_factory=dict)
    raw_per_s: float = 0.0

    @property
    def per_s(self) -> float:
        """Unique inputs checked per wall second."""
        return self.inputs / self.wall_s if self.wall_s else 0.0

    @property
    def per_cpu_s(self) -> float:
        """Unique inputs checked per CPU second of this process."""
        return self.inputs / self.cpu_s if self.cpu_s else 0.0

    @property
    def codepoints_per_s(self) -> float:
        """Unique code points checked per wall second."""
        return self.codepoints / self.wall_s if self.wall_s else 0.0

    @property
    def generation_share(self) -> float:
        """Share of the run's wall time spent outside ``Hunt.check`` and ``Hunt.prefetch``."""
        return self.generate_s / self.wall_s if self.wall_s else 0.0


def measure_job(subject: str, backends: Mapping[str, Backend], known: Mapping[str, str], mode: str,
                properties: Sequence[str] = PROPERTIES, seconds: float = 20.0, seed: int = 0) -> tuple[JobSpeed, list[str]]:
    """Run one job's generation phase for ``seconds`` (wall) in ``mode``; return its figures
    and the texts it checked, in order.

    Raises:
        ValueError: ``mode`` is not one of ``MODES``.
    """
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {MODES}")
    hunt = Hunt(subject, backends, properties, known)
    strategy = unicode_text(special_tokens=subject_special_strings(backends))
    checked: list[str] = []
    inside = [0.0]

    def on_input(text: str, _source: str = "") -> float:
        t0 = time.perf_counter()
        before = hunt.inputs
        hunt.check(text, f"bench:{mode}")
        if hunt.inputs > before:
            checked.append(text)
        inside[0] += time.perf_counter() - t0
        return hunt.last_novelty

    wall0, cpu0 = time.perf_counter(), time.process_time()
    deadline = time.monotonic() + seconds
    hunt.deadline = deadline
    if mode == "before":
        run_hypothesis(on_input, deadline=deadline, seed=seed, strategy=strategy, texts_per_example=8)
    else:
        def prefetch(texts: Sequence[str]) -> None:  # the ports' calls, made ahead: checking time
            t0 = time.perf_counter()
            hunt.prefetch(texts)
            inside[0] += time.perf_counter() - t0

        generate(on_input, deadline=deadline, strategy=strategy, seed=seed, prefetch=prefetch)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    spent = sum(hunt.property_seconds.values()) or 1.0
    findings = hunt.findings.values()
    label = "all" if tuple(properties) == PROPERTIES else ",".join(properties)
    speed = JobSpeed(subject, mode, label, wall, cpu, hunt.inputs, hunt.codepoints, hunt.repeats, max(0.0, wall - inside[0]),
                     len(findings), sum(f.new for f in findings),
                     {p: s / spent for p, s in hunt.property_seconds.items()})
    return speed, checked


def subject_speeds(subject: str, backends: Mapping[str, Backend], known: Mapping[str, str],
                   seconds: float = 20.0, seed: int = 0) -> list[JobSpeed]:
    """Before and after with all properties, and after with cross_backend alone, each with the
    raw combined encode rate of ``backends`` on the inputs that run checked."""
    out: list[JobSpeed] = []
    for mode, properties in (("before", PROPERTIES), ("after", PROPERTIES), ("after", ("cross_backend",))):
        speed, texts = measure_job(subject, backends, known, mode, properties, seconds, seed)
        sample = texts[:_RAW_SAMPLE]
        raw = combined_rate(encode_rate(b, sample, repeats=1).per_s for b in backends.values()) if sample else 0.0
        out.append(JobSpeed(**{**speed.__dict__, "raw_per_s": raw}))
    return out
