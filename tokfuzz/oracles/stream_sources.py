"""The id streams the streaming_decode property checks, each a pure function of the
input text and the backend, so that a failure shrinks and replays as text.

What a model emits need not be what ``encode`` produces, so besides the input's own
ids the streams include ids a sampler can produce and ``encode`` never does. Sources,
in this order (a stream equal to an earlier one is left out):

* ``encode``: the input's ids;
* ``prompt``: the ids cut in two at ``clean_cut``, the first part as the prompt
  context, the second streamed; expected text ``decode(all)`` minus ``decode(prompt)``;
* ``bytes``: the input's UTF-8 bytes, each as the vocabulary's lowest single-byte
  token (byte-level BPE byte tokens, SentencePiece ``<0xNN>`` pieces): every character
  split over byte tokens; only where every byte has one (``token_bytes`` needed);
* ``split``: the input's ids without the first token that continues a character begun
  by an earlier token, so the partial character stands alone (a byte-fallback piece
  alone, split UTF-8 followed by other text; ``token_bytes`` needed);
* ``control``: the input's ids with the backend's lowest special id that is not an
  unknown token (``special_tokens``) inserted at the clean cut.

Every stream's expected text is ``decode`` of its ids unless said otherwise, with the
library's defaults (special tokens as ``decode`` treats them).
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tokfuzz.backends.base import Backend, backend_memo, is_unknown_token, text_bytes
from tokfuzz.oracles.observation import Raised, attempt

__all__ = ["BYTE_SCAN", "CUT_TRIES", "IdSource", "clean_cut", "dummy_prefix", "id_sources"]

BYTE_SCAN = 4096
"""Ids scanned (``token_bytes``, once per backend) for single-byte tokens: byte-level
BPE puts its 256 byte tokens first (tekken after 1000 specials), SentencePiece its
``<0xNN>`` pieces at 3..258."""

CUT_TRIES = 6
"""Cuts tried for the prompt and control streams, nearest the middle first."""


@dataclass(frozen=True)
class IdSource:
    """One stream: ``ids`` streamed after the ``prompt`` context (often empty), and the
    text it must give where already known (else ``decode(ids)``)."""

    name: str
    prompt: list[int]
    ids: list[int]
    expected: str | None = None


def _call(fn: Callable[[], Any], default: Any) -> Any:
    got = attempt(fn)
    return default if isinstance(got, Raised) else got


def _tables(backend: Backend) -> dict[str, Any]:
    """Memoized per backend: ``bytes`` (byte value -> lowest single-byte token id; None
    without ``token_bytes``), ``control`` (the special id inserted, or None) and
    ``dummy_prefix`` (see ``dummy_prefix``)."""
    memo = backend_memo(backend, "stream_sources")
    if not memo:
        specials: dict[str, int] = dict(getattr(backend, "special_tokens", None) or {})
        ids = sorted(i for s, i in specials.items() if not is_unknown_token(s))
        memo["control"] = ids[0] if ids else None
        token_bytes: Callable[[int], bytes] | None = getattr(backend, "token_bytes", None)
        table: dict[int, int] | None = None
        if token_bytes is not None:
            table = {}
            skip = set(specials.values())
            for token in range(min(getattr(backend, "vocab_size", BYTE_SCAN), BYTE_SCAN)):
                got = b"" if token in skip else _call(functools.partial(token_bytes, token), b"")
                if len(got) == 1:
                    table.setdefault(got[0], token)
        memo["bytes"] = table
        memo["dummy_prefix"] = token_bytes is not None and _call(functools.partial(_dummy_prefix, backend, token_bytes), False)
    return memo


def _dummy_prefix(backend: Backend, token_bytes: Callable[[int], bytes]) -> bool:
    ids = backend.encode("a")
    return b"".join(token_bytes(i) for i in ids) == b" a" and backend.decode(ids) == "a"


def dummy_prefix(backend: Backend) -> bool:
    """Whether the model prepends a space that its ``decode`` strips again
    (SentencePiece's ``add_dummy_prefix``, HF's Metaspace ``prepend_scheme``): the token
    bytes of ``encode("a")`` are ``b" a"`` while its decode is ``"a"``. Memoized."""
    return bool(_tables(backend)["dummy_prefix"])


def clean_cut(decode: Callable[[Sequence[int]], str], ids: list[int], full: str) -> tuple[int, str] | None:
    """``(k, decode(ids[:k]))`` for the cut nearest ``len(ids) // 2`` (``CUT_TRIES``
    tried, ``0 < k < len(ids)``) whose head is a non-empty prefix of ``full`` (the
    decode of all ``ids``) not ending in U+FFFD; None if none is.

    Passed over: a cut inside a character (its bytes split over two tokens: the head
    ends in U+FFFD), a cut after a real U+FFFD (no detokenizer can tell it from a split
    character; the encode stream shows that one) and a head with no text (control
    tokens alone are no context). Raises what ``decode`` raises."""
    half = len(ids) // 2
    for step in range(CUT_TRIES):
        k = half + (step + 1) // 2 * (1 if step % 2 else -1)
        if 0 < k < len(ids):
            head = decode(ids[:k])
            if head and full.startswith(head) and not head.endswith("\ufffd"):
                return k, head
    return None


def _split_character(token_bytes: Callable[[int], bytes], ids: list[int]) -> int | None:
    """Index of the first token that continues a character begun by an earlier token
    (its UTF-8 bytes spread over several tokens), or None."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    for index, token in enumerate(ids):
        if index and decoder.getstate()[0]:
            return index
        decoder.decode(token_bytes(token))
    return None


def id_sources(backend: Backend, text: str, ids: list[int]) -> list[IdSource]:
    """The streams checked for ``text``, encoded as ``ids`` by ``backend`` (module
    docstring); [] when ``ids`` is empty.

    Cost: one ``decode`` of ``ids`` and at most ``CUT_TRIES`` of prefixes of them, one
    ``token_bytes`` per id; the byte table is built once per backend.

    Raises:
        what ``backend.decode`` raises on ``ids`` or a prefix of them.
    """
    if not ids:
        return []
    full = backend.decode(ids)
    out = [IdSource("encode", [], ids, full)]
    cut = clean_cut(backend.decode, ids, full) if len(ids) >= 2 else None
    if cut is not None:
        out.append(IdSource("prompt", ids[:cut[0]], ids[cut[0]:], full[len(cut[1]):]))
    tables = _tables(backend)
    table: dict[int, int] | None = tables["bytes"]
    data = text_bytes(text)
    if table and all(b in table for b in set(data)):
        out.append(IdSource("bytes", [], [table[b] for b in data]))
    token_bytes: Callable[[int], bytes] | None = getattr(backend, "token_bytes", None)
    split = _call(functools.partial(_split_character, token_bytes, ids), None) if token_bytes is not None else None
    if split is not None:
        out.append(IdSource("split", [], [*ids[:split], *ids[split + 1:]]))
    control: int | None = tables["control"]
    if control is not None and cut is not None:
        out.append(IdSource("control", [], [*ids[:cut[0]], control, *ids[cut[0]:]]))
    unique: list[IdSource] = []
    for source in out:
        if not any(s.prompt == source.prompt and s.ids == source.ids for s in unique):
            unique.append(source)
    return unique
