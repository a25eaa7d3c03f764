"""The split_consistency property (DESIGN §4): coverage, pre-token independence,
dialect agreement and concatenation."""

from __future__ import annotations

import functools
from collections.abc import Callable

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
from tokfuzz.oracles.observation import Observation, Raised, Verdict, raised_verdict

__all__ = ["split_consistency"]


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
        return [*out, raised_verdict("split_consistency", name, "pretokenize", exc, ids)]
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
        return [raised_verdict("split_consistency", name, "token-bytes", exc, ids)]
    if got == want or (getattr(backend, "prefix_space", False) and got == b" " + want):
        return []
    def detail() -> str:
        return f"{name}: tokens cover {got!r}, input is {want!r}; pieces {token_pieces(backend, ids)}"
    return [Verdict("split_consistency", (name,), "coverage", detail, {name: ids})]


_PIECE_CACHE_LIMIT = 20_000
"""Most pre-token pieces memoized per backend (the table is emptied when it is full). A
campaign meets the same pieces over and over (20,503 piece encodes were 1,082 distinct
pieces in bench/'s input mix), and encoding is deterministic, so each is encoded once.
At 200,000 the tables were the largest Python allocation of a long cl100k_base campaign
(tracemalloc: ~1.1 KB an input, several backends) while its worker grew ~19 MB/min."""


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
        return [raised_verdict("split_consistency", name, "piece-encode", exc, ids)]
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
