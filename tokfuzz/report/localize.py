"""Localization of a drifting input that cannot be shrunk: the input narrowed to where
the snapshot's ids and the new ids first differ (tokfuzz.report.drift uses it when no
loaded backend agrees with the snapshot on the input, so there is no oracle to shrink
against).

The common prefix and suffix of the two id sequences are dropped and the rest
aligned; the first run of tokens where they differ is mapped back to characters through
token bytes (the bytes of the tokens before the run, and of those up to its end, must
spell a start of the input, after a SentencePiece dummy-prefix space if any), and the
span is widened to extended grapheme cluster boundaries (UAX #29 "Unicode Text
Segmentation" §3, as tokfuzz.findings.minimize.graphemes computes them), so that an
emoji ZWJ sequence or a letter with its marks is never cut. A lone surrogate counts as
the three bytes of U+FFFD (tokfuzz.backends.base.text_bytes, Unicode §3.9 D92).
The result is localized, not minimized: nothing says that the span alone still drifts.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Callable, Sequence

from tokfuzz.backends.base import reraise_control, text_bytes
from tokfuzz.findings.minimize import graphemes
from tokfuzz.report.snapshot import Outcome

__all__ = ["localize"]


def localize(text: str, then: Outcome, now: Outcome,
             token_bytes: Callable[[int], bytes] | None) -> tuple[str, Outcome, Outcome, str]:
    """(span of ``text``, the ``then`` tokens of it, the ``now`` tokens of it, a note):
    ``text`` narrowed to where ``then`` and ``now`` first differ (module docstring,
    Localization). Never raises: what cannot be narrowed stays whole.

    The common prefix and suffix of the two id sequences are dropped; what is left is
    aligned (``difflib.SequenceMatcher``, no junk heuristic, up to ``_ALIGN_MAX_IDS``
    ids), and where it differs in several separate runs of tokens the first run is
    taken (the note says how many there are).
    The run's tokens then give the span through ``token_bytes`` of the ``then`` ids
    (the snapshot's, which spell the input), else of the ``now`` ids."""
    if then.ids is None or now.ids is None:
        return text, then, now, "localized, not minimized: whole input (an error has no tokens to align)"
    old, new = then.ids, now.ids
    shortest = min(len(old), len(new))
    p = 0
    while p < shortest and old[p] == new[p]:
        p += 1
    s = 0
    while s < shortest - p and old[-1 - s] == new[-1 - s]:
        s += 1
    runs = [(p, len(old) - s, p, len(new) - s)]  # between the common prefix and suffix
    if len(old) + len(new) - 2 * (p + s) <= _ALIGN_MAX_IDS:  # align the middle: several runs, or one
        matcher = difflib.SequenceMatcher(None, old[p:len(old) - s], new[p:len(new) - s], autojunk=False)
        runs = [(i1 + p, i2 + p, j1 + p, j2 + p) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"] or runs
    i1, i2, j1, j2 = runs[0]
    parts = Outcome(ids=old[i1:i2]), Outcome(ids=new[j1:j2])
    which = f"the first of {len(runs)} differing token runs" if len(runs) > 1 else "the differing tokens"
    span = _char_span(text, old, i1, i2, token_bytes) or _char_span(text, new, j1, j2, token_bytes)
    if span is None:
        return text, *parts, "localized, not minimized: whole input (token bytes do not spell it)"
    start, end = _widen(text, *span)
    return text[start:end], *parts, f"localized, not minimized: {which}, widened to grapheme clusters"


_ALIGN_MAX_IDS = 1_000
"""Most ids (both sides, between the common prefix and suffix) ``localize`` aligns with
difflib, whose matching is quadratic in the worst case, which repetitive long inputs hit
(two 2,000-id sequences of one repeated token: 3 s); longer middles are one run."""


def _char_span(text: str, ids: Sequence[int], a: int, b: int,
               token_bytes: Callable[[int], bytes] | None) -> tuple[int, int] | None:
    """Characters of ``text`` that tokens ``ids[a:b]`` cover (a character split between
    tokens counts whole), or None when the bytes of ``ids[:a]`` and ``ids[:b]`` do not
    both spell a start of ``text`` (after a SentencePiece dummy-prefix space, if any)."""
    if token_bytes is None:
        return None
    try:
        pre = b"".join(bytes(token_bytes(i)) for i in ids[:a])
        upto = pre + b"".join(bytes(token_bytes(i)) for i in ids[a:b])
    except BaseException as exc:  # noqa: BLE001 - a library that cannot show a token leaves the input whole
        reraise_control(exc)
        return None
    data = text_bytes(text)  # a lone surrogate as U+FFFD's 3 bytes, as every library takes it
    offsets = [0]
    for c in text:
        offsets.append(offsets[-1] + len(text_bytes(c)))
    for lead in (b"", b" "):  # b" ": SentencePiece's dummy prefix, covered by the first piece
        if (lead + data).startswith(upto):
            start_b, end_b = max(len(pre) - len(lead), 0), max(len(upto) - len(lead), 0)
            return bisect.bisect_right(offsets, start_b) - 1, bisect.bisect_left(offsets, end_b)
    return None


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened to extended grapheme cluster boundaries (UAX #29); an empty
    span takes the cluster after it (or before it, at the end)."""
    bounds = [0]
    for cluster in graphemes(text):
        bounds.append(bounds[-1] + len(cluster))
    lo = bounds[bisect.bisect_right(bounds, start) - 1]
    hi = bounds[min(bisect.bisect_left(bounds, end), len(bounds) - 1)]
    if lo == hi:
        at = bounds.index(lo)
        lo, hi = (lo, bounds[at + 1]) if at + 1 < len(bounds) else (bounds[max(at - 1, 0)], hi)
    return lo, hi
