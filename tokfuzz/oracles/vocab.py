"""The vocab property (DESIGN §4, ``tokfuzz vocab``): every id of a vocabulary, checked
across a subject's backends. Not a fuzz property: the sweep over all ids is exhaustive
(tokfuzz.engines.vocab); these per-id functions are what it and replay share.

For one id ``t`` the reference backend (the first) decodes, with the optional members
``token_bytes``, ``vocab_size`` and ``special_tokens`` used where a backend has them:

* ``bytes-differ`` (sorted pair: the *bytes reference*, the first backend with
  ``token_bytes``, and another): ``token_bytes(t)`` differ, or one raises and the other
  does not. On a special id an empty ``b""`` is not compared: SentencePiece adapters give
  control pieces no bytes (they cover no text), HF adapters give them their content.
* ``decode-differs`` (sorted pair with the reference): ``decode([t])`` gives two texts.
* ``decode-raises:{Type}`` (one backend): it raises where the reference decodes ``t``.
* ``decode-unstable`` (one backend): ``decode([t])`` called twice in a row gives two
  outcomes: the decoder keeps state between calls (gpt-tokenizer holds a partial UTF-8
  sequence back and prefixes the next call's text with it). Such a backend's other
  decode findings depend on the calls before them and may not replay.
* ``reencode-differs`` (sorted pair): the reference encodes the token's text back to
  ``[t]`` and the other does not (or raises). Where the reference does not, ``t`` is
  *unreachable*: listed by the sweep, not a finding (a SentencePiece piece without ``▁``
  is reached only inside a word).
* ``crash:…`` / ``timeout``: a backend's process died or hung.

Ids no tokenizer should accept (negative, at or above the largest ``vocab_size``, or not
decoded by the reference) get tokfuzz.oracles.bad_ids' checks instead; a lone UTF-8
lead-byte piece gets both.

Every verdict's ``observed`` is JSON-able: ``{"id": t, "class": …, "call": …, <backend>:
bytes as hex | text | ids | {"error": "Type: message"}}``; ``class`` says what ``t`` is to
the reference: ``text``, ``special``, ``partial-utf8`` (bytes that are not UTF-8 alone),
or ``negative``, ``out-of-range``, ``unassigned``, ``byte-piece`` for bad ids. Replay
needs ``observed["id"]`` alone. A finding's corpus ``input`` is ``witness_text``: the
token's text, or for a bad id a marker such as ``<id -1: negative>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tokfuzz.backends.base import Backend
from tokfuzz.oracles.bad_ids import PROPERTY, bad_id_verdicts, neighbours, shown
from tokfuzz.oracles.observation import Raised, Verdict, attempt

__all__ = [
    "BAD_CLASSES", "PROPERTY", "IdProbe", "bad_class", "check_probe", "id_class", "id_verdicts", "is_byte_piece",
    "max_vocab", "probe_id", "special_ids", "token_text", "vocab_id", "vocab_sizes", "witness_text",
]

BAD_CLASSES: tuple[str, ...] = ("negative", "out-of-range", "unassigned", "byte-piece")
"""The classes of bad ids (tokfuzz.oracles.bad_ids)."""


@dataclass
class IdProbe:
    """What each backend gave for one id: ``bytes`` (``token_bytes(token)``, backends
    with that member, bytes reference first), ``text`` (``decode([token])``, every
    backend, reference first), ``again`` (``decode([token])`` called a second time right
    after; empty when not computed) and ``encoded`` (``encode(token_text)``; empty when
    not computed), each value the result or the ``Raised`` exception."""

    token: int
    bytes: dict[str, bytes | Raised]
    text: dict[str, str | Raised]
    encoded: dict[str, list[int] | Raised] = field(default_factory=dict)
    again: dict[str, str | Raised] = field(default_factory=dict)


def vocab_sizes(backends: Mapping[str, Backend]) -> list[int]:
    """The distinct ``vocab_size`` values the backends declare, ascending."""
    return sorted({v for b in backends.values() if isinstance(v := getattr(b, "vocab_size", None), int) and v > 0})


def max_vocab(backends: Mapping[str, Backend]) -> int | None:
    """The largest declared ``vocab_size`` (ids ``0 .. max-1`` are swept); None if none declares one."""
    sizes = vocab_sizes(backends)
    return sizes[-1] if sizes else None


def special_ids(backends: Mapping[str, Backend]) -> frozenset[int]:
    """The special ids: the reference's ``special_tokens`` values, or where the
    reference holds none, those of every backend; only ids below ``max_vocab``."""
    tables = [getattr(b, "special_tokens", None) or {} for b in backends.values()]
    chosen = tables[:1] if tables and tables[0] else tables
    top = max_vocab(backends)
    return frozenset(i for table in chosen for i in table.values()
                     if isinstance(i, int) and 0 <= i and (top is None or i < top))


def probe_id(backends: Mapping[str, Backend], token: int) -> IdProbe:
    """Call every backend on ``token``, one call at a time (the sweep batches instead):
    ``token_bytes``, ``decode([token])`` twice, then ``encode`` of its ``token_text``."""
    raw: dict[str, bytes | Raised] = {}
    for name, backend in backends.items():
        get = getattr(backend, "token_bytes", None)
        if callable(get):
            raw[name] = attempt(lambda t, get=get: bytes(get(t)), token)
    text, again = {}, {}
    for name, backend in backends.items():
        text[name], again[name] = attempt(backend.decode, [token]), attempt(backend.decode, [token])
    probe = IdProbe(token, raw, text, again=again)
    text = token_text(probe)
    if text and bad_class(probe, max_vocab(backends)) is None:
        probe.encoded = {n: attempt(lambda s, b=b: [int(i) for i in b.encode(s)], text) for n, b in backends.items()}
    return probe


def token_text(probe: IdProbe) -> str:
    """The token's text: the first non-empty ``decode([id])`` (reference first), else
    the first non-empty ``token_bytes`` read as UTF-8 (U+FFFD for partial sequences); ""
    when no backend shows any."""
    for text in probe.text.values():
        if isinstance(text, str) and text:
            return text
    for raw in probe.bytes.values():
        if isinstance(raw, bytes) and raw:
            return raw.decode("utf-8", errors="replace")
    return ""


def bad_class(probe: IdProbe, vocab: int | None) -> str | None:
    """``negative``, ``out-of-range`` (at or above ``vocab``), ``unassigned`` (the
    reference's decode raises) or None for an id the reference holds."""
    if probe.token < 0:
        return "negative"
    if vocab is not None and probe.token >= vocab:
        return "out-of-range"
    return "unassigned" if isinstance(next(iter(probe.text.values())), Raised) else None


def _ref_bytes(probe: IdProbe) -> bytes | None:
    first = next(iter(probe.bytes.values()), None)
    return first if isinstance(first, bytes) else None


def is_byte_piece(probe: IdProbe) -> bool:
    """The bytes reference holds the id as one UTF-8 lead byte (0xC2..0xF4) alone."""
    raw = _ref_bytes(probe)
    return raw is not None and len(raw) == 1 and 0xC2 <= raw[0] <= 0xF4


def id_class(probe: IdProbe, specials: frozenset[int]) -> str:
    """``special``, ``partial-utf8`` (the reference bytes are not UTF-8 alone) or ``text``."""
    if probe.token in specials:
        return "special"
    try:
        (_ref_bytes(probe) or b"").decode("utf-8")
    except UnicodeDecodeError:
        return "partial-utf8"
    return "text"


def witness_text(probe: IdProbe, cls: str) -> str:
    """The corpus ``input`` of a verdict about ``probe``'s id: ``token_text``, or for a
    bad id (``cls`` in ``BAD_CLASSES``) the marker ``<id T: CLASS>``."""
    return f"<id {probe.token}: {cls}>" if cls in BAD_CLASSES else token_text(probe)


def id_verdicts(probe: IdProbe, specials: frozenset[int] = frozenset()) -> list[Verdict]:
    """The failing verdicts of an id the reference (``probe.text``'s first key) decodes:
    ``bytes-differ``, ``decode-differs``, ``decode-raises:{Type}``, ``decode-unstable``,
    ``reencode-differs`` (module docstring). Pure: reads ``probe`` only."""
    token, cls = probe.token, id_class(probe, specials)
    out: list[Verdict] = []

    def fail(names: tuple[str, ...], kind: str, got: object, who: str, detail: str, observed: dict[str, object]) -> None:
        if isinstance(got, Raised) and got.finding_kind:  # its process died or hung: that is the finding
            names, kind = (who,), got.finding_kind
        out.append(Verdict(PROPERTY, names, kind, f"id {token} ({cls}): {detail}", {"id": token, "class": cls, **observed}))

    names = list(probe.bytes)
    for other in names[1:]:
        ref, got = probe.bytes[names[0]], probe.bytes[other]
        if (isinstance(got, Raised) and not got.applies) or (isinstance(ref, Raised) and isinstance(got, Raised)) or ref == got:
            continue
        if cls == "special" and b"" in (ref, got):
            continue
        fail(tuple(sorted((names[0], other))), "bytes-differ", got, other, f"{names[0]}.token_bytes {shown(ref)!r} != "
             f"{other} {shown(got)!r}", {"call": "token_bytes", names[0]: shown(ref), other: shown(got)})
    reference, ref_text = next(iter(probe.text.items()))
    for other, got in probe.text.items():
        if other == reference or got == ref_text or (isinstance(got, Raised) and not got.applies):
            continue
        observed = {"call": "decode", reference: shown(ref_text), other: shown(got)}
        if isinstance(got, Raised):
            fail((other,), f"decode-raises:{got.type}", got, other, f"{other}.decode([{token}]) raised {got.type}: "
                 f"{got.message}; {reference} gave {ref_text!r}", observed)
        else:
            fail(tuple(sorted((reference, other))), "decode-differs", got, other, f"{reference}.decode([{token}]) "
                 f"{ref_text!r} != {other} {got!r}", observed)
    for name, second in probe.again.items():
        first = probe.text[name]
        if first != second and not (isinstance(first, Raised) and isinstance(second, Raised)):
            fail((name,), "decode-unstable", second, name, f"{name}.decode([{token}]) gave {shown(first)!r}, then "
                 f"{shown(second)!r}", {"call": "decode", name: shown(first), "again": shown(second)})
    if probe.encoded.get(reference) == [token]:
        text = token_text(probe)
        for other, got in probe.encoded.items():
            if other == reference or got == [token] or (isinstance(got, Raised) and not got.applies):
                continue
            fail(tuple(sorted((reference, other))), "reencode-differs", got, other, f"{reference}.encode({text!r}) == "
                 f"[{token}], {other} gave {shown(got)}", {"call": "encode", "text": text, reference: [token], other: shown(got)})
    return out


def check_probe(backends: Mapping[str, Backend], probe: IdProbe, specials: frozenset[int],
                around: tuple[list[int], list[int]]) -> list[Verdict]:
    """All failing verdicts of ``probe``'s id: the bad-id checks (tokfuzz.oracles.bad_ids)
    for a bad id, else ``id_verdicts``, plus the drop checks for a lone byte piece.
    ``around`` is ``bad_ids.neighbours(backends)``; makes library calls for bad ids only."""
    sizes = vocab_sizes(backends)
    cls = bad_class(probe, sizes[-1] if sizes else None)
    if cls is not None:
        return bad_id_verdicts(backends, probe.token, cls, probe.text, probe.bytes, around, sizes)
    out = id_verdicts(probe, specials)
    if is_byte_piece(probe):
        out.extend(bad_id_verdicts(backends, probe.token, "byte-piece", probe.text, probe.bytes, around, sizes))
    return out


def vocab_id(backends: Mapping[str, Backend], token: int) -> list[Verdict]:
    """The failing verdicts (property ``vocab``) of one id ``token`` across ``backends``
    (a subject's, reference first). Any int is accepted: a negative or huge ``token`` is
    a bad id. Library exceptions (Rust panics too) become verdicts, never propagate; a
    library that kills the process on an id takes the caller with it: pass the
    backends of a ``tokfuzz.backends.forked.Forked`` to survive that."""
    return check_probe(backends, probe_id(backends, token), special_ids(backends), neighbours(backends))
