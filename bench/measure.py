"""Measurement primitives of the performance benchmark: clocks, rates, medians, and
the machine a figure was measured on.

Every timed block is measured twice: wall-clock seconds (``time.perf_counter``, what a
user waits for; every rate in the report is per wall-clock second) and this process'
CPU seconds (``time.process_time``). On a shared machine the ratio CPU/wall falls below
1 when other processes take the cores; the report prints it so a reader can tell a slow
library from a busy machine.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tokfuzz.backends.models import library_version

__all__ = [
    "CLOCK",
    "LIBRARIES",
    "Clock",
    "Rate",
    "Timing",
    "combined_rate",
    "cpu_model",
    "machine_summary",
    "median",
    "median_rate",
    "timed",
    "utf8_size",
]

T = TypeVar("T")

LIBRARIES: tuple[str, ...] = (
    "tiktoken", "tokenizers", "transformers", "sentencepiece", "bpe-openai", "tokie", "mistral-common",
    "hypothesis", "regex",
)
"""PyPI distributions whose versions shape the figures (the backends' libraries, the
engine, the regex engine of the oracles)."""


@dataclass(frozen=True)
class Timing:
    """One timed block: ``wall`` and ``cpu`` seconds (CPU of this process only)."""

    wall: float
    cpu: float


class Clock:
    """Accumulates the wall and CPU seconds of every block timed through it, for the
    CPU share of the whole run (``cpu / wall``; 1.0 = this process ran undisturbed on
    one core)."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def add(self, timing: Timing) -> Timing:
        """Count ``timing``; return it unchanged."""
        self.wall += timing.wall
        self.cpu += timing.cpu
        return timing

    @property
    def cpu_share(self) -> float:
        """CPU seconds per wall second over all blocks (0.0 when nothing was timed)."""
        return self.cpu / self.wall if self.wall else 0.0


CLOCK = Clock()
"""The process-wide accumulator ``timed`` reports to."""


def timed(fn: Callable[[], T]) -> tuple[T, Timing]:
    """Run ``fn()`` once; return its result and its Timing (also added to ``CLOCK``)."""
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    timing = Timing(time.perf_counter() - w0, time.process_time() - c0)
    CLOCK.add(timing)
    return result, timing


def median(values: Iterable[float]) -> float:
    """Median of ``values`` (the mean of the middle two for an even count).

    Raises:
        ValueError: ``values`` is empty.
    """
    items = list(values)
    if not items:
        raise ValueError("median of no values")
    return float(statistics.median(items))


@dataclass(frozen=True)
class Rate:
    """Work done in one timed run: ``items`` (inputs, cases), ``nbytes`` (UTF-8 bytes
    of those inputs, 0 where not meaningful) in ``seconds`` of wall clock."""

    items: int
    nbytes: int
    seconds: float

    @property
    def per_s(self) -> float:
        """Items per wall-clock second (``inf`` for a run too fast to time, 0.0 for no items)."""
        if not self.items:
            return 0.0
        return self.items / self.seconds if self.seconds > 0 else float("inf")

    @property
    def mb_per_s(self) -> float:
        """Megabytes (10**6 bytes) of UTF-8 per wall-clock second."""
        return self.nbytes / self.seconds / 1e6 if self.seconds > 0 else 0.0


def median_rate(runs: Sequence[Rate]) -> Rate:
    """The run of median duration among ``runs`` (all over the same work), as a Rate
    whose ``seconds`` is the median; items and bytes are those of the first run.

    Raises:
        ValueError: ``runs`` is empty.
    """
    if not runs:
        raise ValueError("median_rate of no runs")
    return Rate(runs[0].items, runs[0].nbytes, median(r.seconds for r in runs))


def combined_rate(rates: Iterable[float]) -> float:
    """Inputs/s of encoding each input once with *every* backend, one after another:
    ``1 / sum(1 / rate_b)`` (the per-input times add up). 0.0 when a rate is 0 or there
    are none.

    ``combined_rate([1000, 1000]) == 500``.
    """
    values = list(rates)
    if not values or any(r <= 0 for r in values):
        return 0.0
    return 1.0 / sum(1.0 / r for r in values)


def utf8_size(text: str) -> int:
    """Length of ``text`` in UTF-8 bytes; a lone surrogate counts 3 bytes (as
    ``surrogatepass`` writes it, the size of the U+FFFD libraries put in its place)."""
    return len(text.encode("utf-8", "surrogatepass"))


def cpu_model() -> str:
    """The CPU's ``model name`` from ``/proc/cpuinfo`` (``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_summary() -> dict[str, str]:
    """Where and with what the figures were measured: ``cores`` (``nproc``: the CPUs this
    process may use), ``cpu``, ``os``, ``python``, ``load`` (1/5/15-minute load average
    at call time) and ``libraries`` (``name version`` pairs)."""
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0
    return {
        "cores": str(cores),
        "cpu": cpu_model(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "load": load,
        "libraries": ", ".join(f"{name} {library_version(name)}" for name in LIBRARIES),
    }
