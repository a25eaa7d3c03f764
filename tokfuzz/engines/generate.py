"""The generation phase of a hypothesis-engine job: the fast sampler, with hypothesis on a share.

Two generators take turns over the same strategy until the deadline:

- the fast sampler (tokfuzz.inputs.sampler) draws from the strategy's own tables with a
  seeded ``random.Random``: ~0.06 ms per text against ~1.7 ms inside hypothesis, 88% unique;
  it makes the volume;
- hypothesis (tokfuzz.engines.hypothesis) gets ``HYPOTHESIS_SHARE`` of every slice, one text
  per example, steered by the novelty score ``on_input`` returns (``hypothesis.target``).

Long inputs cost a bounded share: a text of ``LONG_CODEPOINTS`` or more is skipped while the
time already spent checking long texts is above ``LONG_SHARE`` of the time spent checking
(about 3% of draws are 2000-8000 code points, ~80% of the code points: unbounded, they took
most of the checking time). Both generators are reproducible from ``seed``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hypothesis.strategies import SearchStrategy

from tokfuzz.engines.hypothesis import run_hypothesis
from tokfuzz.inputs.sampler import Sampler

__all__ = ["BATCH", "HYPOTHESIS_SHARE", "LONG_CODEPOINTS", "LONG_SHARE", "SLICE_SECONDS", "Generated", "generate"]

HYPOTHESIS_SHARE = 0.15
"""Share of each slice's wall time given to hypothesis (the rest to the fast sampler)."""
SLICE_SECONDS = 10.0
"""Length of one sampler + hypothesis turn; a shorter budget is split in the same ratio."""
LONG_CODEPOINTS = 1000
"""A text this long or longer counts as long for ``LONG_SHARE``."""
LONG_SHARE = 0.3
"""Most share of the checking time long texts may take."""
BATCH = 32
"""Texts the sampler draws at once, handed to ``prefetch`` before they are checked one by one."""

OnInput = Callable[[str, str], "float | None"]
"""``on_input(text, source) -> novelty``: checks one text; ``source`` is ``sampler``,
``hypothesis`` or ``seed``; the novelty steers hypothesis (None counts as 0)."""


@dataclass
class Generated:
    """What ``generate`` handed out: texts per source, long texts skipped, and the seconds
    spent checking (inside ``on_input`` and ``prefetch``) and generating (the rest)."""

    sampler: int = 0
    hypothesis: int = 0
    seed: int = 0
    long_skipped: int = 0
    check_seconds: float = 0.0
    generate_seconds: float = 0.0


class _Meter:
    """Times every ``on_input`` call and applies the long-input share."""

    def __init__(self, on_input: OnInput, counts: Generated, clock: Callable[[], float], long_seeds: Sequence[str]) -> None:
        self.on_input, self.counts, self.clock = on_input, counts, clock
        self.long_seconds = 0.0
        self.long_seeds = list(reversed(long_seeds))  # popped from the end: first given, first checked

    def __call__(self, text: str, source: str) -> float | None:
        is_long = len(text) >= LONG_CODEPOINTS
        if is_long and self.long_seconds > LONG_SHARE * self.counts.check_seconds:
            self.counts.long_skipped += 1
            return 0.0
        if is_long and self.long_seeds:  # a long seed input waiting for its turn takes this one
            text, source = self.long_seeds.pop(), "seed"
        t0 = self.clock()
        try:
            return self.on_input(text, source)
        finally:
            spent = self.clock() - t0
            self.counts.check_seconds += spent
            if is_long:
                self.long_seconds += spent
            setattr(self.counts, source, getattr(self.counts, source) + 1)


def generate(
    on_input: OnInput,
    deadline: float,
    strategy: SearchStrategy[str],
    seed: int | None = None,
    hypothesis_share: float = HYPOTHESIS_SHARE,
    prefetch: Callable[[Sequence[str]], None] | None = None,
    long_seeds: Sequence[str] = (),
) -> Generated:
    """Hand texts of ``strategy`` to ``on_input`` until ``time.monotonic() >= deadline``:
    slices of ``SLICE_SECONDS``, ``hypothesis_share`` (0..1) of each to hypothesis, the rest
    to the fast sampler. The sampler draws ``BATCH`` texts at a
    time and hands them to ``prefetch`` (tokfuzz.engines.hunt.Hunt.prefetch) first, if given.
    ``long_seeds`` (long seed inputs, in order) take the place of generated long texts, one
    for one, so that they too stay within ``LONG_SHARE`` (``on_input`` gets them with source
    ``seed``). Returns the counts.

    Raises:
        TypeError: ``strategy`` holds a kind the fast sampler cannot draw (see
            tokfuzz.inputs.sampler); before anything is generated.
        ValueError: ``hypothesis_share`` is outside 0..1.
        Exception: whatever ``on_input`` raises propagates.
    """
    if not 0.0 <= hypothesis_share <= 1.0:
        raise ValueError(f"hypothesis_share={hypothesis_share!r} must be within 0..1")
    draws = iter(Sampler(strategy, seed))
    counts = Generated()
    clock = time.monotonic
    meter = _Meter(on_input, counts, clock, long_seeds)
    started = clock()
    turn = 0
    while clock() < deadline:
        now = clock()
        length = min(SLICE_SECONDS, deadline - now)
        sampler_until = now + length * (1.0 - hypothesis_share)
        while clock() < sampler_until:
            batch = [next(draws) for _ in range(BATCH)]
            if prefetch is not None:  # the batch's port calls, made ahead: checking time, not generating
                t0 = clock()
                prefetch(batch)
                counts.check_seconds += clock() - t0
            for text in batch:
                if clock() >= sampler_until:
                    break
                meter(text, "sampler")
        if hypothesis_share > 0.0 and clock() < deadline:
            run_hypothesis(lambda text: meter(text, "hypothesis"), deadline=min(deadline, now + length),
                           seed=None if seed is None else seed + 7919 * turn, strategy=strategy)
        turn += 1
    counts.generate_seconds = max(0.0, clock() - started - counts.check_seconds)
    return counts
