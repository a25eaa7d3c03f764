"""The oracles (DESIGN §4): pure functions from (backends, input) to verdicts.

Every property returns the list of its *failing* verdicts (empty: the input passes).
A verdict carries what reproduces it: the input, the backend(s), a short ``kind``
(what went wrong, used by triage), a self-contained ``detail`` message and the
``observed`` ids or errors.

Encodings are computed once per (backend, input) by an ``Observation`` and shared by
all oracles, so checking three properties costs one encode per backend.
"""

from __future__ import annotations

import builtins
import difflib
import functools
import os
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import regex

from tokfuzz.backends.base import (
    Backend,
    backend_memo,
    literal_pattern,
    replace_surrogates,
    reraise_control,
    text_bytes,
    token_pieces,
)

__all__ = [
    "PROPERTIES",
    "Observation",
    "Raised",
    "Verdict",
    "check",
    "cross_backend",
    "describe_text",
    "roundtrip",
    "split_consistency",
]


@dataclass(frozen=True)
class Raised:
    """An exception a library raised: its type name and first message line."""

    type: str
    message: str

    @classmethod
    def of(cls, exc: BaseException) -> Raised:
        """Summary of ``exc`` (message cut to 200 characters)."""
        first = (str(exc).strip().splitlines() or [""])[0]
        return cls(type(exc).__name__, first[:200])

    def to_json(self) -> dict[str, str]:
        """``{"error": "Type: message"}``, the corpus' ``observed`` form."""
        return {"error": f"{self.type}: {self.message}"}


@dataclass(frozen=True)
class Verdict:
    """One failing check. ``backends`` is one name (single-backend properties) or a
    sorted pair (cross_backend); ``kind`` is a short tag such as ``ids-differ``.

    ``explain`` is the human-readable detail or a function making it: token pieces
    cost library calls, and most failures of a campaign belong to known classes and
    are never shown, so ``detail`` is computed on first use (and kept).
    """

    property: str
    backends: tuple[str, ...]
    kind: str
    explain: str | Callable[[], str] = field(repr=False, compare=False)
    observed: dict[str, Any] = field(default_factory=dict)

    @builtins.property  # ``property`` is a field here
    def detail(self) -> str:
        """The explanation: what differs, with token pieces."""
        explain = self.explain
        if not isinstance(explain, str):
            explain = explain()
            object.__setattr__(self, "explain", explain)
        return explain


class Observation:
    """Lazily computed encodings of one input by several backends (each at most once)."""

    def __init__(self, text: str, backends: Mapping[str, Backend]) -> None:
        self.text = text
        self.backends = backends
        self._ids: dict[str, list[int] | Raised] = {}

    def ids(self, name: str) -> list[int] | Raised:
        """Ids of the input by backend ``name``, or the exception it raised."""
        if name not in self._ids:
            try:
                self._ids[name] = list(self.backends[name].encode(self.text))
            except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
                reraise_control(exc)
                self._ids[name] = Raised.of(exc)
        return self._ids[name]

    def observed(self, name: str) -> list[int] | dict[str, str]:
        """JSON form of ``ids(name)``."""
        got = self.ids(name)
        return got.to_json() if isinstance(got, Raised) else got


def describe_text(text: str, limit: int = 24) -> str:
    """``repr(text)`` and its code points (``U+200D``), cut after ``limit`` of them."""
    cps = " ".join(f"U+{ord(c):04X}" for c in text[:limit])
    more = f" …(+{len(text) - limit})" if len(text) > limit else ""
    return f"{text!r} [{cps}{more}]"


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


def _verdict_of_raise(prop: str, name: str, step: str, raised: Raised, observed: dict[str, Any]) -> Verdict:
    detail = f"{name}.{step} raised {raised.type}: {raised.message}"
    return Verdict(prop, (name,), f"{step}-raises:{raised.type}", detail, observed)


def _raised(prop: str, name: str, step: str, exc: BaseException, ids: list[int]) -> Verdict:
    """The verdict for a library call (``step``) that raised ``exc``; control-flow
    exceptions are re-raised instead."""
    reraise_control(exc)
    return _verdict_of_raise(prop, name, step, Raised.of(exc), {name: ids})


def roundtrip(obs: Observation, name: str) -> list[Verdict]:
    """``decode(encode(x)) == target(x)``: ``x``, or the backend's ``normalize(x)``
    where it declares one; a lone surrogate counts as U+FFFD on both sides (Unicode §3.9 D91: lone
    surrogates are not scalar values and cannot be encoded). An exception from encode
    or decode is a failure of kind ``encode-raises:Type`` / ``decode-raises:Type``.
    """
    backend = obs.backends[name]
    ids = obs.ids(name)
    if isinstance(ids, Raised):
        return [_verdict_of_raise("roundtrip", name, "encode", ids, {name: ids.to_json()})]
    normalize: Callable[[str], str] | None = getattr(backend, "normalize", None)
    try:
        target = replace_surrogates(normalize(obs.text) if normalize else obs.text)
        decoded = replace_surrogates(backend.decode(ids))
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        return [_raised("roundtrip", name, "decode", exc, ids)]
    if decoded == target:
        return []
    kind, how = _diff_codepoints(target, decoded)
    def detail() -> str:
        return f"{name}: decode(encode(x)) != target: {how}; decoded {describe_text(decoded)}; pieces {token_pieces(backend, ids)}"
    return [Verdict("roundtrip", (name,), kind, detail, {name: ids, "decoded": decoded})]


_compiled = functools.lru_cache(maxsize=64)(regex.compile)


def _regex_split(pattern: str, text: str) -> list[str]:
    return [m.group() for m in _compiled(pattern).finditer(text)]


def split_consistency(obs: Observation, name: str) -> list[Verdict]:
    """The split of ``x`` into tokens is consistent (DESIGN §4):

    1. ``coverage``: the tokens' bytes concatenated equal the bytes the backend must
       cover (``expected_bytes``, else the normalized input in UTF-8, after one
       prepended space where the backend declares ``prefix_space``);
    2. ``pretoken-independence``: ``encode(x)`` equals the concatenation of
       ``encode(piece)`` over the backend's own pre-tokenizer pieces;
    3. ``dialect``: the backend's pre-tokenizer split equals the ``regex`` package's
       split with the pattern the model declares (skipped when ``x`` spells an added
       token, which the library splits out before its pre-tokenizer runs);
    4. ``concatenation``: ``encode(a) + encode(b) == encode(a + b)`` at the middle
       pre-token boundary ``a | b``, where the pre-tokenizer splits ``a`` and ``b``
       alone exactly as it splits them inside ``a + b``.

    Parts a backend cannot support (no ``token_bytes``, no ``pretokenize``) are skipped;
    an input the backend cannot encode is roundtrip's finding, not this one's.
    """
    backend = obs.backends[name]
    ids = obs.ids(name)
    if isinstance(ids, Raised):
        return []
    out: list[Verdict] = []
    token_bytes: Callable[[int], bytes] | None = getattr(backend, "token_bytes", None)
    if token_bytes is not None:
        out.extend(_coverage(obs, name, backend, ids, token_bytes))
    pretokenize: Callable[[str], list[str]] | None = getattr(backend, "pretokenize", None)
    if pretokenize is None:
        return out
    try:
        pieces = list(pretokenize(obs.text))
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        return [*out, _raised("split_consistency", name, "pretokenize", exc, ids)]
    out.extend(_independence(obs, name, backend, ids, pieces))
    pattern: str | None = getattr(backend, "pattern", None)
    specials = literal_pattern(tuple(getattr(backend, "special_strings", ())))
    if pattern is not None and (specials is None or specials.search(obs.text) is None):
        expected = _regex_split(pattern, replace_surrogates(obs.text))
        if expected != pieces:
            detail = f"{name}: library pre-tokenizer {pieces!r} != regex package split {expected!r} of pattern {pattern!r}"
            out.append(Verdict("split_consistency", (name,), "dialect", detail, {name: pieces, "regex": expected}))
    out.extend(_concatenation(obs, name, backend, ids, pieces, pretokenize))
    return out


def _coverage(obs: Observation, name: str, backend: Backend, ids: list[int], token_bytes: Callable[[int], bytes]) -> list[Verdict]:
    expected_bytes: Callable[[str], bytes] | None = getattr(backend, "expected_bytes", None)
    normalize: Callable[[str], str] | None = getattr(backend, "normalize", None)
    try:
        want = expected_bytes(obs.text) if expected_bytes else text_bytes(normalize(obs.text) if normalize else obs.text)
        got = b"".join(token_bytes(i) for i in ids)
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        return [_raised("split_consistency", name, "token-bytes", exc, ids)]
    if got == want or (getattr(backend, "prefix_space", False) and got == b" " + want):
        return []
    def detail() -> str:
        return f"{name}: tokens cover {got!r}, input is {want!r}; pieces {token_pieces(backend, ids)}"
    return [Verdict("split_consistency", (name,), "coverage", detail, {name: ids})]


_PIECE_CACHE_LIMIT = 200_000
"""Most pre-token pieces memoized per backend. A campaign meets the same pieces over and
over (20,503 piece encodes were 1,082 distinct pieces in bench/'s input mix), and
encoding is deterministic, so each is encoded once."""


def _encode_pieces(backend: Backend, pieces: list[str]) -> list[list[int]]:
    """``encode`` of each piece, from the per-backend cache where it holds it."""
    table: dict[str, list[int]] = backend_memo(backend, "piece-ids")
    missing = [p for p in dict.fromkeys(pieces) if p not in table]
    if missing:
        if len(table) > _PIECE_CACHE_LIMIT:
            table.clear()
        table.update(zip(missing, (list(backend.encode(p)) for p in missing)))
    return [table[p] for p in pieces]


def _independence(obs: Observation, name: str, backend: Backend, ids: list[int], pieces: list[str]) -> list[Verdict]:
    try:
        joined = [i for piece_ids in _encode_pieces(backend, pieces) for i in piece_ids]
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        return [_raised("split_consistency", name, "piece-encode", exc, ids)]
    if joined == ids:
        return []
    def detail() -> str:
        return f"{name}: encode(x) {token_pieces(backend, ids)} != encode over pre-tokens {pieces!r}: {token_pieces(backend, joined)}"
    return [Verdict("split_consistency", (name,), "pretoken-independence", detail, {name: ids, "pieces": joined})]


def _concatenation(obs: Observation, name: str, backend: Backend, ids: list[int], pieces: list[str], pretokenize: Callable[[str], list[str]]) -> list[Verdict]:
    if len(pieces) < 2:
        return []
    k = len(pieces) // 2
    a, b = "".join(pieces[:k]), "".join(pieces[k:])
    try:
        if list(pretokenize(a)) + list(pretokenize(b)) != pieces:
            return []  # the boundary is not a boundary of a and b alone: not an invariant
        split_ids = list(backend.encode(a)) + list(backend.encode(b))
    except BaseException as exc:  # noqa: BLE001 - reported by the other parts
        reraise_control(exc)
        return []
    if split_ids == ids:
        return []
    def detail() -> str:
        return f"{name}: encode({a!r}) + encode({b!r}) = {token_pieces(backend, split_ids)} != encode(a+b) = {token_pieces(backend, ids)}"
    return [Verdict("split_consistency", (name,), "concatenation", detail, {name: ids, "split": split_ids})]


def cross_backend(obs: Observation, reference: str | None = None) -> list[Verdict]:
    """Every backend returns the ids of the reference backend (the first one by
    default). A failure names the sorted pair and shows both token sequences as
    pieces. A pair where either side raised is skipped: that is roundtrip's finding.
    """
    names = list(obs.backends)
    ref = reference or names[0]
    ref_ids = obs.ids(ref)
    if isinstance(ref_ids, Raised):
        return []
    out: list[Verdict] = []
    for other in names:
        if other == ref:
            continue
        got = obs.ids(other)
        if isinstance(got, Raised) or got == ref_ids:
            continue
        pair = tuple(sorted((ref, other)))

        def detail(ref_ids: list[int] = ref_ids, other: str = other, got: list[int] = got) -> str:
            return (f"{ref} {token_pieces(obs.backends[ref], ref_ids)} {ref_ids} != "
                    f"{other} {token_pieces(obs.backends[other], got)} {got}")

        out.append(Verdict("cross_backend", pair, "ids-differ", detail, {ref: ref_ids, other: got}))
    return out


PROPERTIES: tuple[str, ...] = ("roundtrip", "split_consistency", "cross_backend")


def check(obs: Observation, properties: Sequence[str] = PROPERTIES) -> list[Verdict]:
    """All failing verdicts of ``properties`` on one observation (every backend)."""
    out: list[Verdict] = []
    for name in obs.backends:
        if "roundtrip" in properties:
            out.extend(roundtrip(obs, name))
        if "split_consistency" in properties:
            out.extend(split_consistency(obs, name))
    if "cross_backend" in properties and len(obs.backends) > 1:
        out.extend(cross_backend(obs))
    return out
