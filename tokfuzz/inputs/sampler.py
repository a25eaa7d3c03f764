"""A fast generation path: a hypothesis strategy's own tables, sampled with ``random.Random``.

Hypothesis spends ~1.7 ms per generated text inside a campaign (its choice sequence, its
data tree, targeting, the engine's bookkeeping), which was 36-69% of a worker's time. This
module walks a strategy once, compiles it into plain Python closures over the very same
tables (``sampled_from`` elements, ``one_of`` branches, ``text`` alphabets, list and integer
bounds, ``map``/``flatmap``/``builds``/``composite`` functions) and then draws with a seeded
``random.Random``: the same kinds of text, no per-draw engine, reproducible from the seed.
Hypothesis keeps what it is best at (targeting towards novelty) on a share of the budget
(tokfuzz.engines.campaign).

Distribution (not hypothesis' own, which is private and changes between releases): a
``one_of`` picks a branch uniformly over its flattened branches (as hypothesis does); a
``sampled_from`` an element uniformly; a collection's size is ``min_size`` plus a geometric
count with mean ``average_size - min_size``, cut at ``max_size`` (the idea of hypothesis'
``conjecture.utils.many``); an integer is uniform in its bounds (or near zero when a bound
is open); a character comes half the time from the first 256 of its alphabet (in code point
order: ASCII and Latin-1 first for the default alphabet) and otherwise uniformly from it.

The walk reads the strategy classes of ``hypothesis.strategies._internal`` (the pinned
hypothesis of ``requirements.lock``); a strategy kind it does not know is a ``TypeError``
at compile time, never a silent skip, and tests compile every public strategy of
``tokfuzz.strategies`` so that an upgrade which renames them fails in CI.
"""

from __future__ import annotations

import random
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis.strategies import SearchStrategy
from hypothesis.strategies._internal.collections import FixedDictStrategy, ListStrategy, TupleStrategy
from hypothesis.strategies._internal.core import BuildsStrategy, CompositeStrategy
from hypothesis.strategies._internal.flatmapped import FlatMapStrategy
from hypothesis.strategies._internal.lazy import LazyStrategy
from hypothesis.strategies._internal.numbers import IntegersStrategy
from hypothesis.strategies._internal.strategies import FilteredStrategy, MappedStrategy, OneOfStrategy, SampledFromStrategy
from hypothesis.strategies._internal.strings import OneCharStringStrategy, TextStrategy

__all__ = ["Draw", "Sampler", "compile_strategy"]

Draw = Callable[[random.Random], Any]
"""A compiled strategy: one value per call, drawn with the given ``random.Random``."""

_FILTER_TRIES = 100
"""Draws a filtered strategy makes before it gives up (hypothesis also gives up, after 3)."""
_SIMPLE_CHARS = 256
"""A character is drawn from the first this-many of its alphabet half the time."""
_OPEN_INTEGER_SPAN = 1 << 16
"""Width of the range an integer with an open bound is drawn from, next to its bound."""


class _Rejected(Exception):
    """A filtered strategy found no value satisfying its conditions."""


def _size(rng: random.Random, min_size: int, max_size: float, average: float) -> int:
    """``min_size`` + a geometric count with mean ``average - min_size``, at most ``max_size``."""
    if max_size == min_size:
        return min_size
    mean = max(0.0, min(average, max_size) - min_size)
    p_stop = 1.0 / (1.0 + mean)
    n = min_size
    while n < max_size and rng.random() >= p_stop:
        n += 1
    return n


def _sampled(strategy: SampledFromStrategy[Any]) -> Draw:
    elements = tuple(strategy.elements)
    steps = tuple((name, f) for name, f, *_ in strategy._transformations)  # noqa: SLF001 - see module docstring

    def draw(rng: random.Random) -> Any:
        for _ in range(_FILTER_TRIES):
            value = elements[int(rng.random() * len(elements))]
            for name, f in steps:
                if name == "map":
                    value = f(value)
                elif not f(value):
                    break
            else:
                return value
        raise _Rejected("sampled_from(...).filter(...)")

    return draw


def _characters(strategy: OneCharStringStrategy) -> Draw:
    intervals = strategy.intervals
    total = len(intervals)
    simple = min(total, _SIMPLE_CHARS)
    if total == 0:
        raise TypeError("cannot sample an empty alphabet")

    def draw(rng: random.Random) -> str:
        return chr(intervals[int(rng.random() * (simple if rng.random() < 0.5 else total))])

    return draw


def _integers(strategy: IntegersStrategy) -> Draw:
    start, end = strategy.start, strategy.end
    if start is None and end is None:
        start, end = -_OPEN_INTEGER_SPAN, _OPEN_INTEGER_SPAN
    elif start is None:
        start = end - _OPEN_INTEGER_SPAN
    elif end is None:
        end = start + _OPEN_INTEGER_SPAN
    lo, hi = int(start), int(end)
    return lambda rng: rng.randint(lo, hi)


class _Compiler:
    """Compiles strategies into ``Draw`` closures, each strategy object once."""

    def __init__(self) -> None:
        # Weak keys: a flatmap or composite makes strategies per draw (a sampled_from of a
        # token's near misses); they are compiled, used and dropped, never accumulated.
        # Strategies hash by identity. No Draw holds its own strategy, or it would never go.
        self._cache: weakref.WeakKeyDictionary[SearchStrategy[Any], Draw] = weakref.WeakKeyDictionary()

    def __call__(self, strategy: SearchStrategy[Any]) -> Draw:
        draw = self._cache.get(strategy)
        if draw is None:
            draw = self._cache[strategy] = self._compile(strategy)
        return draw

    def _compile(self, s: SearchStrategy[Any]) -> Draw:  # noqa: C901 - one case per strategy kind
        while isinstance(s, LazyStrategy):
            s = s.wrapped_strategy
        if isinstance(s, SampledFromStrategy):  # also st.just
            return _sampled(s)
        if isinstance(s, OneOfStrategy):
            branches = tuple(self(b) for b in s.element_strategies)
            return lambda rng: branches[int(rng.random() * len(branches))](rng)
        if isinstance(s, MappedStrategy):
            inner, pack = self(s.mapped_strategy), s.pack
            return lambda rng: pack(inner(rng))
        if isinstance(s, FlatMapStrategy):
            base, expand = self(s.base), s.expand
            return lambda rng: self(expand(base(rng)))(rng)
        if isinstance(s, FilteredStrategy):
            inner, conditions = self(s.filtered_strategy), s.flat_conditions
            return self._filtered(inner, conditions, f"{type(s.filtered_strategy).__name__}.filter(...)")
        if isinstance(s, OneCharStringStrategy):
            return _characters(s)
        if isinstance(s, TextStrategy):  # before ListStrategy: it is one
            char = self(s.element_strategy)
            lo, hi, avg = s.min_size, s.max_size, s.average_size
            return lambda rng: "".join([char(rng) for _ in range(_size(rng, lo, hi, avg))])
        if isinstance(s, ListStrategy):
            elem = self(s.element_strategy)
            lo, hi, avg = s.min_size, s.max_size, s.average_size
            return lambda rng: [elem(rng) for _ in range(_size(rng, lo, hi, avg))]
        if isinstance(s, TupleStrategy):
            parts = tuple(self(e) for e in s.element_strategies)
            return lambda rng: tuple(p(rng) for p in parts)
        if isinstance(s, IntegersStrategy):
            return _integers(s)
        if isinstance(s, BuildsStrategy):
            target, args = s.target, tuple(self(a) for a in s.args)
            kwargs = {k: self(v) for k, v in s.kwargs.items()}
            return lambda rng: target(*(a(rng) for a in args), **{k: v(rng) for k, v in kwargs.items()})
        if isinstance(s, CompositeStrategy):
            definition, cargs, ckwargs = s.definition, s.args, s.kwargs
            return lambda rng: definition(lambda sub: self(sub)(rng), *cargs, **ckwargs)
        if isinstance(s, FixedDictStrategy) and s.optional is None:
            fields = {k: self(v) for k, v in s.mapping.items()}
            return lambda rng: {k: v(rng) for k, v in fields.items()}
        raise TypeError(f"the fast sampler cannot draw from {type(s).__name__} ({repr(s)[:60]}); "
                        "add a case to tokfuzz.inputs.sampler or generate with hypothesis")

    @staticmethod
    def _filtered(inner: Draw, conditions: tuple[Callable[[Any], Any], ...], name: str) -> Draw:
        def draw(rng: random.Random) -> Any:
            for _ in range(_FILTER_TRIES):
                value = inner(rng)
                if all(c(value) for c in conditions):
                    return value
            raise _Rejected(name)

        return draw


def compile_strategy(strategy: SearchStrategy[Any]) -> Draw:
    """``strategy`` compiled into a function ``draw(rng) -> value`` (see the module docstring
    for the distribution).

    Raises:
        TypeError: the strategy, or one it is built from, is of a kind the sampler does not
            know (a new hypothesis strategy class, ``st.data()``, recursive strategies).
    """
    return _Compiler()(strategy)


class Sampler:
    """Texts drawn from a strategy with a seeded ``random.Random``: ``iter(Sampler(s, seed))``
    yields one value per ``next``, forever; the same seed gives the same sequence.

    A draw whose filter finds no value is skipped (hypothesis would mark it invalid).

    Raises:
        TypeError: at construction, as ``compile_strategy``.
    """

    def __init__(self, strategy: SearchStrategy[Any], seed: int | None = None) -> None:
        self.draw = compile_strategy(strategy)
        self.rng = random.Random(seed)

    def __iter__(self) -> Iterator[Any]:
        draw, rng = self.draw, self.rng
        while True:
            try:
                yield draw(rng)
            except _Rejected:
                continue
