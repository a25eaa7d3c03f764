"""Shrinking of failing inputs to 1-minimal witnesses (DESIGN §5).

A failure found by any engine (hypothesis, atheris, a seed) is shrunk before it is
triaged and stored, so that its signature names the cause rather than the noise
around it. The result is *1-minimal*: it still fails, and deleting any single
extended grapheme cluster or any single code point makes it pass.

Grapheme clusters are the extended grapheme clusters of UAX #29 ("Unicode Text
Segmentation", §3), as the ``regex`` package's ``\\X`` computes them. Shrinking by
clusters first keeps an emoji ZWJ sequence, a flag or a base letter with its marks
together while the noise around them goes; shrinking by code points then takes
clusters apart where the failure lives inside one.

Algorithm:

1. delta debugging (ddmin; Zeller and Hildebrandt, "Simplifying and Isolating
   Failure-Inducing Input", TSE 2002) over grapheme clusters, then over code points,
   repeated until neither pass removes anything; ddmin ends by trying every single
   deletion, so the fixpoint is 1-minimal for both units;
2. simplification: each code point is replaced, where the result still fails, by a
   simpler one (``"a"``, then ``"0"``, then ``" "``); a witness of the same length
   that reads as ``"a\\u200d"`` is easier to triage than ``"ꙮ\\u200d"``. After any
   replacement step 1 runs again (a replacement can change the cluster boundaries).

Each candidate string is tested at most once (results are cached by string), and
only real calls of ``fails`` count against the budget. Strings holding lone
surrogates or NUL (not valid UTF-8) are handled like any other ``str``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import regex

__all__ = ["NotFailing", "graphemes", "is_one_minimal", "minimize"]


class NotFailing(ValueError):
    """The input handed to ``minimize`` does not fail (any more): nothing to shrink."""

_GRAPHEME = regex.compile(r"\X")
# Replacement code points, simplest first; a code point is only ever replaced by a
# simpler one (lower rank), so the simplification pass terminates.
_SIMPLE = ("a", "0", " ")
_RANK = {c: rank for rank, c in enumerate(_SIMPLE)}


def graphemes(text: str) -> list[str]:
    """``text`` split into extended grapheme clusters (UAX #29 §3, via ``regex`` ``\\X``).

    ``graphemes("e\\u0301👍🏽") == ["e\\u0301", "👍🏽"]``; ``"".join`` of the result is
    ``text``.
    """
    clusters: list[str] = _GRAPHEME.findall(text)
    return clusters


def _deletions(text: str) -> set[str]:
    """Every string made by deleting one grapheme cluster or one code point of ``text``."""
    clusters = graphemes(text)
    out = {"".join(clusters[:i] + clusters[i + 1 :]) for i in range(len(clusters))}
    out.update(text[:i] + text[i + 1 :] for i in range(len(text)))
    return out


def is_one_minimal(text: str, fails: Callable[[str], bool]) -> bool:
    """True when ``fails(text)`` and every single-grapheme-cluster (UAX #29) and every
    single-code-point deletion of ``text`` passes.

    Calls ``fails`` at most ``2 * len(text) + 1`` times; exceptions from it propagate.
    """
    return bool(fails(text)) and not any(fails(candidate) for candidate in _deletions(text))


class _OutOfBudget(Exception):
    """Raised inside the shrinker when ``fails`` would be called more than allowed."""


class _Shrinker:
    """State of one minimization: the current witness (always failing) and the cache."""

    def __init__(self, text: str, fails: Callable[[str], bool], max_calls: int, deadline: float = float("inf")) -> None:
        self.current = text
        self.calls = 0
        self._fails = fails
        self._max_calls = max_calls
        self._deadline = deadline
        self._cache: dict[str, bool] = {}

    def test(self, candidate: str) -> bool:
        """Cached ``fails(candidate)``; raises _OutOfBudget when a real call is due
        and the budget is spent."""
        known = self._cache.get(candidate)
        if known is not None:
            return known
        if self.calls >= self._max_calls or (self.calls and time.monotonic() >= self._deadline):
            raise _OutOfBudget
        self.calls += 1
        result = bool(self._fails(candidate))
        self._cache[candidate] = result
        return result

    def ddmin(self, units: Sequence[str]) -> None:
        """ddmin over ``units`` (whose concatenation is ``self.current``).

        Tests each of ``n`` chunks alone, then each complement; adopts the first
        failing one (``self.current`` is updated at once, so running out of budget
        keeps the progress). Without success the granularity doubles, up to single
        units; at that granularity the complements are exactly the single deletions.
        """
        items = list(units)
        n = 2
        while items:
            n = min(n, len(items))
            size, extra = divmod(len(items), n)
            bounds = [i * size + min(i, extra) for i in range(n + 1)]
            chunks = [items[bounds[i] : bounds[i + 1]] for i in range(n)]
            subsets = chunks if n > 2 else []  # with n == 2 the subsets are the complements
            complements = [items[: bounds[i]] + items[bounds[i + 1] :] for i in range(n)]
            adopted = next((c for c in subsets if self.test("".join(c))), None)
            if adopted is not None:
                n = 2
            else:
                adopted = next((c for c in complements if self.test("".join(c))), None)
                if adopted is not None:
                    n = max(n - 1, 2)
                elif n >= len(items):
                    return
                else:
                    n = min(2 * n, len(items))
                    continue
            items = adopted
            self.current = "".join(items)

    def shrink(self) -> None:
        """ddmin over grapheme clusters, then code points, until neither removes anything."""
        while True:
            before = self.current
            self.ddmin(graphemes(self.current))
            self.ddmin(list(self.current))
            if self.current == before:
                return

    def simplify(self) -> bool:
        """One pass replacing code points by simpler ones where it still fails; True
        if anything was replaced."""
        changed = False
        for i in range(len(self.current)):
            rank = _RANK.get(self.current[i], len(_SIMPLE))
            for simple in _SIMPLE[:rank]:
                candidate = self.current[:i] + simple + self.current[i + 1 :]
                if self.test(candidate):
                    self.current = candidate
                    changed = True
                    break
        return changed


def minimize(text: str, fails: Callable[[str], bool], *, max_calls: int = 3000, max_seconds: float | None = None) -> str:
    """Shrink the failing ``text`` to a 1-minimal witness of ``fails``.

    The result ``r`` satisfies ``fails(r)``, ``len(r) <= len(text)`` and (unless the
    budget ran out) ``is_one_minimal(r, fails)``: deleting any one extended grapheme
    cluster (UAX #29) or any one code point makes it pass. When ``max_calls`` real
    calls of ``fails`` (the precondition check included; cached repeats are free) are
    spent, or ``max_seconds`` of ``time.monotonic`` have passed (checked before each call
    after the first), the smallest failing string found so far is returned.

    ``fails`` should be deterministic; exceptions it raises propagate unchanged (wrap
    it if an exception should count as a failure).

    Raises:
        ValueError: ``max_calls < 1``.
        NotFailing: ``fails(text)`` is false ("input does not fail: nothing to
            minimize"): the failure did not come back (flaky, timing, a race).
    """
    if max_calls < 1:
        raise ValueError(f"max_calls must be >= 1, got {max_calls}")
    deadline = float("inf") if max_seconds is None else time.monotonic() + max_seconds
    shrinker = _Shrinker(text, fails, max_calls, deadline)
    if not shrinker.test(text):
        raise NotFailing("input does not fail: nothing to minimize")
    try:
        shrinker.shrink()
        while shrinker.simplify():
            shrinker.shrink()
    except _OutOfBudget:
        pass
    return shrinker.current
