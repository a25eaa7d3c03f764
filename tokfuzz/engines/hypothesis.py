"""The hypothesis engine, in this process.

``run_hypothesis`` drives hypothesis as a generator: ``@given`` over
``tokfuzz.strategies.unicode_text()`` with the generate and target phases, steered by
a novelty score the campaign reports per input (``hypothesis.target``), and no shrink
phase (tokfuzz shrinks
with its own grapheme-aware minimizer), no example database (the corpus is the
database), one text per example by default (with eight, 72% of the texts repeated one of
the example before: hypothesis mutates one choice at a time), and batches of examples so
hypothesis' per-run bookkeeping stays bounded however long the campaign runs. The callback never raises on a finding: the engine
keeps generating after every failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hypothesis import HealthCheck, Phase, Verbosity, given, settings, target
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

__all__ = ["TEXTS_PER_EXAMPLE", "run_hypothesis"]

_BATCH = 500  # hypothesis examples per @given run
TEXTS_PER_EXAMPLE = 1
"""Texts drawn per example. Eight amortized hypothesis' per-example cost (1.7x texts/s, step 6)
but made ~80% of a campaign's texts repeats (step 10); the fast sampler
(tokfuzz.inputs.sampler) now makes volume, hypothesis the targeted share."""


class _TimeUp(BaseException):
    """Raised inside the test body at the deadline; BaseException so hypothesis does
    not treat it as a failing example to replay or report."""


def run_hypothesis(
    on_input: Callable[[str], float | None],
    deadline: float,
    seed: int | None = None,
    strategy: SearchStrategy[str] | None = None,
    texts_per_example: int = TEXTS_PER_EXAMPLE,
) -> int:
    """Feed generated strings to ``on_input`` until ``time.monotonic() >= deadline``.

    ``on_input`` may return a novelty score (new token ids, new classes: higher is
    more novel); the scores of an example's texts are summed and passed to
    ``hypothesis.target``, so hypothesis' targeted phase mutates towards inputs that
    reach new behaviour. ``seed`` makes the sequence of inputs reproducible (batch
    ``i`` uses ``seed + i``). ``texts_per_example`` (>= 1) texts are drawn per hypothesis
    example. Returns the number of inputs generated. Exceptions from ``on_input`` propagate.
    """
    if strategy is None:
        from tokfuzz.strategies import unicode_text

        strategy = unicode_text()
    count = 0

    def body(texts: list[str]) -> None:
        nonlocal count
        novelty = 0.0
        for text in texts:
            if time.monotonic() >= deadline:
                raise _TimeUp
            count += 1
            novelty += on_input(text) or 0.0
        target(novelty, label="novelty")

    batch = 0
    while time.monotonic() < deadline:
        test = settings(
            max_examples=_BATCH,
            database=None,
            deadline=None,
            phases=[Phase.generate, Phase.target],
            suppress_health_check=list(HealthCheck),
            derandomize=False,
            verbosity=Verbosity.quiet,
        )(given(st.lists(strategy, min_size=texts_per_example, max_size=texts_per_example))(body))
        if seed is not None:
            test = hypothesis_seed(seed + batch)(test)
        try:
            test()
        except _TimeUp:
            break
        batch += 1
    return count
