"""The roundtrip property (DESIGN §4): ``decode(encode(x)) == target(x)``."""

from __future__ import annotations

import difflib
import os
import unicodedata
from collections import Counter
from collections.abc import Callable

from tokfuzz.backends.base import replace_surrogates, token_pieces
from tokfuzz.oracles.observation import Observation, Raised, Verdict, describe_text, raised_verdict, verdict_of_raise

__all__ = ["roundtrip"]


def _cp_name(c: str) -> str:
    return f"U+{ord(c):04X} {unicodedata.name(c, '<unnamed>')}"


_DIFF_LIMIT = 256
"""Longest differing middle (code points) aligned with difflib, which is quadratic
(a 7,000-code-point input took 100 s); longer ones are compared as multisets."""


def _diff_codepoints(want: str, got: str) -> tuple[str, str]:
    """(kind, explanation) of how ``got`` differs from ``want``, code point by code
    point: the common prefix and suffix are set aside, a short differing middle is
    aligned (difflib), a long one is compared as multisets of code points."""
    start = len(os.path.commonprefix([want, got]))
    end = len(os.path.commonprefix([want[start:][::-1], got[start:][::-1]]))
    a, b = want[start:len(want) - end], got[start:len(got) - end]
    lost: list[str] = []
    added: list[str] = []
    if len(a) + len(b) <= _DIFF_LIMIT:
        for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op in ("delete", "replace"):
                lost.extend(a[a1:a2])
            if op in ("insert", "replace"):
                added.extend(b[b1:b2])
    else:
        lost, added = list((Counter(a) - Counter(b)).elements()), list((Counter(b) - Counter(a)).elements())
        if not lost and not added:  # the same code points, reordered
            lost, added = list(a[:8]), list(b[:8])
    kind = "changed" if lost and added else ("lost" if lost else "added")
    parts = []
    if lost:
        parts.append("lost " + ", ".join(_cp_name(c) for c in lost[:8]))
    if added:
        parts.append("added " + ", ".join(_cp_name(c) for c in added[:8]))
    return kind, "; ".join(parts)


def roundtrip(obs: Observation, name: str) -> list[Verdict]:
    """``decode(encode(x)) == target(x)``: ``x``, or the backend's ``normalize(x)``
    where it declares one; a lone surrogate counts as U+FFFD on both sides (Unicode §3.9 D91: lone
    surrogates are not scalar values and cannot be encoded). An exception from encode
    or decode is a failure of kind ``encode-raises:Type`` / ``decode-raises:Type``.
    """
    backend = obs.backends[name]
    ids = obs.ids(name)
    if isinstance(ids, Raised):
        return [verdict_of_raise("roundtrip", name, "encode", ids, {name: ids.to_json()})] if ids.applies else []
    normalize: Callable[[str], str] | None = getattr(backend, "normalize", None)
    try:
        target = replace_surrogates(normalize(obs.text) if normalize else obs.text)
        decoded = replace_surrogates(backend.decode(ids))
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        return [raised_verdict("roundtrip", name, "decode", exc, ids)]
    if decoded == target:
        return []
    kind, how = _diff_codepoints(target, decoded)
    def detail() -> str:
        return f"{name}: decode(encode(x)) != target: {how}; decoded {describe_text(decoded)}; pieces {token_pieces(backend, ids)}"
    return [Verdict("roundtrip", (name,), kind, detail, {name: ids, "decoded": decoded})]
