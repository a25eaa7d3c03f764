"""The streaming_decode property (DESIGN §4): an incremental detokenizer fed ids one at
a time, then flushed, emits exactly ``decode(ids)``; after a prompt context, exactly
``decode(prompt + ids)`` minus ``decode(prompt)``.

Detokenizers under test on backend ``name`` (tokfuzz.backends.detokenizers):

* the backend's own ``decode_stream()`` (HF ``DecodeStream``, a ``cmd:`` port's
  ``decode_stream`` op, a plugin's serving-stack detokenizer), labelled by the backend's
  ``stream_label`` or ``decode_stream``; the protocol takes no prompt, so a prompt is
  streamed through it first and what it emits for the prompt is dropped (priming it
  the way serving code wrapping ``DecodeStream`` does);
* ``vllm-tgi``: TGI's and vLLM's prefix/read offsets, over the backend's ``decode``
  (on a backend with ``decode_batch``, a ``cmd:`` port, the windows it will likely
  decode are fetched in one request: ``_Windows``);
* ``llama.cpp``: llama.cpp server's hold-partial-UTF-8, over ``token_bytes`` (where the
  backend has it). Token pieces cannot tell where a text starts, so on a model with a
  dummy prefix (``stream_sources.dummy_prefix``: SentencePiece) it is checked on the
  prompt stream only: at the start of a text its first piece's space is the one
  ``decode`` strips, and llama.cpp's server always streams after a prompt.

Id streams (``stream_sources``): ``encode``, ``prompt``, ``bytes``, ``split``, ``control``,
each a pure function of the input text, so the corpus stays text.

A failing detokenizer is one verdict per input of kind ``{label}:{what}`` (the first
failing stream's; its name in ``observed["source"]``), ``what`` the first that holds:

* ``raises:{Type}``: a step or the flush raised (a ``cmd:`` port that died or hung is
  a ``timeout`` / ``crash:…`` verdict, as every oracle reports those);
* ``replacement-char``: more U+FFFD emitted than the full decode has;
* ``duplicated``: text emitted again (got = expected[:k] + expected[i:], i < k);
* ``dropped``: got is a shorter subsequence of expected (no flush, held text lost);
* ``differs``: anything else.

Its ``shape`` (the class signature's last field, ``stream_shape``) is the character
where the stream leaves the full decode, not the witness's characters: one cause (a
strict ``decode`` of ids that end inside a character, a genuine U+FFFD held as if
partial, a SentencePiece space) is one class whatever script the minimizer kept.

A stream whose full decode raises is skipped: that is roundtrip's finding.
``observed``: ``{name: streamed ids, "source": stream name, "prompt": ids (if any),
"emitted": [piece per id..., flush], "error": "Type: message" (if raised)}``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from tokfuzz.backends.base import Backend, reraise_control, token_pieces
from tokfuzz.backends.detokenizers import INITIAL_OFFSET, HoldPartialUtf8, PrefixReadOffsets, StreamDecoder, emitted
from tokfuzz.oracles.observation import Observation, Raised, Verdict, describe_text
from tokfuzz.oracles.stream_sources import IdSource, dummy_prefix, id_sources

__all__ = ["classify", "detokenizers", "every_stream", "stream_shape", "streaming_decode"]

Make = Callable[[Sequence[int], Sequence[int]], StreamDecoder]
"""A detokenizer factory: ``make(prompt, ids)`` is a fresh decoder for streaming ``ids``
after ``prompt`` (it may fetch ahead what it will need for ``ids``)."""


def detokenizers(backend: Backend) -> list[tuple[str, Make, bool]]:
    """``(label, make, primed)`` for each detokenizer that applies to ``backend`` (module
    docstring); ``primed``: the prompt is streamed through it first (the backend's own)."""
    out: list[tuple[str, Make, bool]] = []
    own: Callable[[], StreamDecoder] | None = getattr(backend, "decode_stream", None)
    if own is not None:
        out.append((str(getattr(backend, "stream_label", None) or "decode_stream"), lambda prompt, ids: own(), True))
    batches = getattr(backend, "decode_batch", None) is not None
    out.append((PrefixReadOffsets.label,
                lambda prompt, ids: PrefixReadOffsets(_Windows(backend, prompt, ids) if batches else backend, prompt), False))
    if getattr(backend, "token_bytes", None) is not None:
        out.append((HoldPartialUtf8.label, lambda prompt, ids: HoldPartialUtf8(backend, prompt), False))
    return out


class _Windows:
    """The ``decode`` of a backend with ``decode_batch`` (a ``cmd:`` port: one round trip
    per call otherwise) for one vllm-tgi stream: the windows the algorithm decodes when
    every id completes text are fetched in one request first, the others (a held
    character widens the window) one by one; memoized."""

    def __init__(self, backend: Backend, prompt: Sequence[int], ids: Sequence[int]) -> None:
        self._decode = backend.decode
        self._memo: dict[tuple[int, ...], str] = {}
        batch: Callable[[list[list[int]]], list[str]] = backend.decode_batch  # type: ignore[attr-defined]
        if not ids:
            return
        seq = list(prompt)[-(INITIAL_OFFSET + 2):]  # PrefixReadOffsets' first window, then one id per step
        read, wanted = len(seq), []
        prefix = max(read - INITIAL_OFFSET, 0)
        for token in ids:
            seq.append(token)
            wanted += [tuple(seq[prefix:read]), tuple(seq[prefix:])]
            prefix, read = read, len(seq)
        wanted = list(dict.fromkeys(wanted))
        try:
            self._memo.update(zip(wanted, batch([list(w) for w in wanted]), strict=True))
        except BaseException as exc:  # noqa: BLE001 - an item raised: the stream meets it one by one
            reraise_control(exc)

    def decode(self, ids: Sequence[int]) -> str:
        """``backend.decode(ids)``, memoized."""
        key = tuple(ids)
        got = self._memo.get(key)
        if got is None:
            got = self._memo[key] = self._decode(ids)
        return got


def _is_subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


def classify(expected: str, got: str) -> str | None:
    """How ``got`` (what a stream emitted, joined) fails ``expected``: None when equal,
    else ``replacement-char``, ``duplicated``, ``dropped`` or ``differs`` (module docstring)."""
    if got == expected:
        return None
    if got.count("\ufffd") > expected.count("\ufffd"):
        return "replacement-char"
    k = len(os.path.commonprefix([expected, got]))
    if len(got) > len(expected) and expected.endswith(got[k:]):
        return "duplicated"
    if len(got) < len(expected) and _is_subsequence(got, expected):
        return "dropped"
    return "differs"


def _char_class(c: str, fffd: bool = True) -> str:
    """``FFFD`` (if ``fffd``), ``multibyte`` (any non-ASCII character: two or more UTF-8
    bytes, what a token boundary can fall inside), ``space`` (ASCII whitespace) or
    ``ascii``."""
    if c == "\ufffd" and fffd:
        return "FFFD"
    if not c.isascii():
        return "multibyte"
    return "space" if c.isspace() else "ascii"


def stream_shape(expected: str, got: str, what: str) -> str:
    """Where a stream that emitted ``got`` (joined) leaves ``expected`` (the full decode).

    * ``tail-FFFD``: ``dropped`` of a tail ending in U+FFFD (``got`` a prefix of
      ``expected``): a detokenizer that takes a trailing U+FFFD for an incomplete
      character holds it for ever, whatever precedes it;
    * ``at-{class}`` (``_char_class``): the first character it lost (``dropped``,
      ``raises:…``: a U+FFFD counts as ``multibyte`` there, the window ended inside it)
      or emitted wrongly (the other kinds);
    * ``at-end``: past the shorter text.

    ``stream_shape("a\u20ac", "a", "dropped") == "at-multibyte"``.
    """
    if what == "dropped" and expected.endswith("\ufffd") and expected.startswith(got):
        return "tail-FFFD"
    k = len(os.path.commonprefix([expected, got]))
    raises = what.startswith("raises:")
    side = expected if what == "dropped" or raises else got
    return f"at-{_char_class(side[k], fffd=not raises)}" if k < len(side) else "at-end"


def _stream(make: Make, primed: bool, source: IdSource, pieces: list[str]) -> None:
    """Fill ``pieces`` with what the detokenizer emits for ``source.ids``, then its flush.
    Raises what the detokenizer raises (``pieces`` keeps what came before)."""
    if not primed or not source.prompt:
        emitted(make(source.prompt, source.ids), source.ids, pieces)
        return
    every: list[str] = []
    try:
        emitted(make(source.prompt, source.ids), source.prompt + source.ids, every)
    finally:
        pieces.extend(every[len(source.prompt):])


def streaming_decode(obs: Observation, name: str) -> list[Verdict]:
    """Failing verdicts of every detokenizer of backend ``name`` over the id streams of
    ``obs.text``, at most one per kind: the first stream's (``every_stream``).
    """
    out: dict[str, Verdict] = {}
    for v in every_stream(obs, name):
        out.setdefault(v.kind, v)
    return list(out.values())


def every_stream(obs: Observation, name: str) -> list[Verdict]:
    """Failing verdicts of every detokenizer of backend ``name`` over every id stream of
    ``obs.text``, one per failing (detokenizer, stream) pair, in the order of
    ``stream_sources.id_sources`` (module docstring); [] when encode raised (roundtrip's
    finding).

    Cost per input: for ``n`` ids, five streams of about ``n`` ids (``bytes``: one per
    UTF-8 byte); per stream one full decode, then per id two ``decode`` calls of short
    windows (vllm-tgi), one ``token_bytes`` (llama.cpp) and one step of the backend's own.
    """
    backend = obs.backends[name]
    ids = obs.ids(name)
    if isinstance(ids, Raised):
        return []
    try:
        sources = id_sources(backend, obs.text, ids)
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        reraise_control(exc)
        return []
    out: list[Verdict] = []
    tested = detokenizers(backend)
    for source in sources:
        try:
            expected = source.expected if source.expected is not None else backend.decode(source.ids)
        except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
            reraise_control(exc)
            continue
        for label, make, primed in tested:
            if label == HoldPartialUtf8.label and not source.prompt and dummy_prefix(backend):
                continue
            pieces: list[str] = []
            raised: Raised | None = None
            try:
                _stream(make, primed, source, pieces)
            except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
                reraise_control(exc)
                raised = Raised.of(exc)
            what = (raised.finding_kind or f"raises:{raised.type}") if raised else classify(expected, "".join(pieces))
            if what is not None:
                out.append(_verdict(obs, name, label, source, what, expected, pieces, raised))
    return out


def _verdict(obs: Observation, name: str, label: str, source: IdSource, what: str, expected: str,
             pieces: list[str], raised: Raised | None) -> Verdict:
    observed: dict[str, Any] = {name: source.ids, "source": source.name, "emitted": pieces}
    if source.prompt:
        observed["prompt"] = source.prompt
    if raised is not None:
        observed["error"] = raised.to_json()["error"]
    isolated = what == "timeout" or what.startswith("crash:")
    kind = what if isolated else f"{label}:{what}"
    shape = None if isolated else stream_shape(expected, "".join(pieces), what)

    def detail() -> str:
        context = f" after prompt {source.prompt}" if source.prompt else ""
        how = (f"raised {raised.type}: {raised.message} after {len(pieces)} pieces" if raised
               else f"expected {describe_text(expected)}, got {describe_text(''.join(pieces))}")
        return (f"{name} {label} streaming the {source.name} ids of {describe_text(obs.text)}: {what}; "
                f"ids {source.ids}{context}, pieces {token_pieces(obs.backends[name], source.ids)}; "
                f"emitted {pieces!r}; {how}")
    return Verdict("streaming_decode", (name,), kind, detail, observed, shape)
