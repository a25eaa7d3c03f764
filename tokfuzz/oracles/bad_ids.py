"""Ids no tokenizer should accept, for the vocab property (tokfuzz.oracles.vocab).

A *bad id* is negative, at or above the largest ``vocab_size`` of the subject, one the
reference backend cannot decode (a gap between special ids: cl100k has none at 100256
and 100261..100275), or, checked on top of the ordinary per-id checks, a lone UTF-8
lead-byte piece (SentencePiece's ``<0xE2>``, a byte-level BPE's ``b"\\xe2"``). Decoding one
must raise a clear error or give the same text in every backend; it must never vanish
or turn into another token without a word. For each backend, ``decode`` is called on
``[bad]`` alone and on ``a + [bad] + b`` (``a``, ``b``: the reference's ids of ``"a"``
and ``"b"``, ``neighbours``), against ``decode(a + b)``:

* ``bad-id-dropped`` (one backend): ``decode(a + [bad] + b) == decode(a + b)``, silently
  (HF ``tokenizers`` does this for any id at or above its vocabulary size);
* ``bad-id-wraps`` (one backend): ``decode([bad])`` is the non-empty text of another id
  of the same backend, ``bad`` taken modulo a vocabulary size, ``2**16`` or ``2**32``
  (bpe-openai decodes ``-1`` as its last token, a Python negative index);
* ``bad-id-panics`` (one backend): a Rust panic (pyo3's ``PanicException``, or a
  WebAssembly trap, ``RuntimeError: unreachable``) rather than an error;
* ``bad-id-differs`` (sorted pair with the reference): the two disagree on ``[bad]``
  alone, one raising and the other returning text, or two different texts (backends
  already reported above are left out of this comparison);
* ``bad-id-bytes`` (one backend): ``token_bytes(bad)`` returns bytes where the bytes
  reference (the first backend with ``token_bytes``) raises;
* ``crash:…`` / ``timeout``: a backend's process died or hung (tokfuzz.backends.cmd,
  tokfuzz.backends.forked).

A lone byte piece is a real token, so only ``bad-id-dropped`` and ``bad-id-panics``
apply to it (its ``decode([id])`` is compared by the ordinary checks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tokfuzz.backends.base import Backend
from tokfuzz.oracles.observation import Raised, Verdict, attempt

__all__ = ["PROPERTY", "bad_id_verdicts", "is_panic", "neighbours", "shown", "wrap_candidates"]

PROPERTY = "vocab"


def shown(value: object) -> Any:
    """JSON form of one outcome: bytes as a hex string, a ``Raised`` as ``{"error": …}``,
    texts and id lists as they are."""
    if isinstance(value, Raised):
        return value.to_json()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    return value


def is_panic(raised: Raised) -> bool:
    """A Rust panic rather than an error: pyo3's ``PanicException``, or the WebAssembly
    trap a panic compiles to (``RuntimeError: unreachable``)."""
    return raised.type == "PanicException" or (raised.type == "RuntimeError" and raised.message == "unreachable")


def neighbours(backends: Mapping[str, Backend]) -> tuple[list[int], list[int]]:
    """The ordinary ids put around a bad id: the reference's (first backend's) ids of
    ``"a"`` and of ``"b"``; ``[]`` for one it cannot encode."""
    reference = next(iter(backends.values()))
    out: list[list[int]] = []
    for text in ("a", "b"):
        got = attempt(lambda t: [int(i) for i in reference.encode(t)], text)
        out.append(got if isinstance(got, list) else [])
    return out[0], out[1]


def wrap_candidates(token: int, sizes: Sequence[int]) -> list[int]:
    """The ids ``token`` becomes when wrapped: modulo each vocabulary size in ``sizes``,
    ``2**16`` and ``2**32``; ``token`` itself left out. Sorted."""
    out = {token % n for n in sizes if n > 0} | {token % (1 << 16), token % (1 << 32)}
    out.discard(token)
    return sorted(out)


def _single(kind: str, name: str, token: int, cls: str, detail: str, observed: dict[str, Any]) -> Verdict:
    return Verdict(PROPERTY, (name,), kind, detail, {"id": token, "class": cls, **observed})


def bad_id_verdicts(backends: Mapping[str, Backend], token: int, cls: str, alone: Mapping[str, str | Raised],
                    token_bytes: Mapping[str, bytes | Raised], around: tuple[list[int], list[int]],
                    sizes: Sequence[int] = ()) -> list[Verdict]:
    """The failing verdicts of bad id ``token`` (see the module docstring).

    ``alone`` maps every backend to its ``decode([token])`` (or what it raised),
    ``token_bytes`` each backend having that member to ``token_bytes(token)`` (bytes
    reference first), ``around`` is ``neighbours(backends)``, ``sizes`` the vocabulary
    sizes the backends declare (for ``bad-id-wraps``). ``cls`` is the id's class
    (``negative``, ``out-of-range``, ``unassigned`` or ``byte-piece``), kept in each
    verdict's ``observed``, with the ids decoded as a string (``"ids": "[64, -1, 65]"``:
    a list of ints there would be shown as token pieces, which calls the library on the
    bad id again). Makes 2 ``decode`` calls per backend (more for wrap checks).
    """
    before, after = around
    ids = [*before, token, *after]
    only_drop = cls == "byte-piece"
    reference = next(iter(backends))
    flagged: set[str] = set()
    out: list[Verdict] = []
    for name, backend in backends.items():
        between, without = attempt(backend.decode, ids), attempt(backend.decode, [*before, *after])
        observed = {"call": "decode", "ids": str(ids), name: shown(between), "alone": shown(alone[name]), "without": shown(without)}
        kind = _failure_kind(alone[name], between)
        detail = f"{name}.decode({ids}) gave {shown(between)!r}; decode([{token}]) gave {shown(alone[name])!r}"
        if kind is None and isinstance(between, str) and between == without:
            kind, detail = "bad-id-dropped", f"{name}.decode({ids}) == decode({[*before, *after]}) == {between!r}: id {token} dropped silently"
        text = alone[name]
        if kind is None and not only_drop and isinstance(text, str) and text:
            wrapped = next((c for c in wrap_candidates(token, sizes) if attempt(backend.decode, [c]) == text), None)
            if wrapped is not None:
                kind, detail = "bad-id-wraps", f"{name}.decode([{token}]) == decode([{wrapped}]) == {text!r}"
                observed["wraps_to"] = wrapped
        if kind is not None:
            flagged.add(name)
            out.append(_single(kind, name, token, cls, f"id {token} ({cls}): {detail}", observed))
    if only_drop:
        return out
    out.extend(_differs(reference, token, cls, alone, flagged))
    out.extend(_has_bytes(token, cls, token_bytes))
    return out


def _failure_kind(*outcomes: object) -> str | None:
    """``crash:…``/``timeout`` or ``bad-id-panics`` when one of ``outcomes`` is one."""
    raised = [o for o in outcomes if isinstance(o, Raised) and o.applies]
    for r in raised:
        if r.finding_kind:
            return r.finding_kind
    return "bad-id-panics" if any(is_panic(r) for r in raised) else None


def _differs(reference: str, token: int, cls: str, alone: Mapping[str, str | Raised], flagged: set[str]) -> list[Verdict]:
    """``bad-id-differs`` for each backend whose ``decode([token])`` disagrees with the reference's."""
    if reference in flagged:
        return []
    ref = alone[reference]
    out: list[Verdict] = []
    for name, got in alone.items():
        if name == reference or name in flagged or (isinstance(got, Raised) and not got.applies):
            continue
        if (isinstance(ref, Raised) and isinstance(got, Raised)) or ref == got:
            continue
        detail = f"id {token} ({cls}): {reference}.decode([{token}]) gave {shown(ref)!r}, {name} gave {shown(got)!r}"
        out.append(Verdict(PROPERTY, tuple(sorted((reference, name))), "bad-id-differs", detail,
                           {"id": token, "class": cls, "call": "decode", reference: shown(ref), name: shown(got)}))
    return out


def _has_bytes(token: int, cls: str, token_bytes: Mapping[str, bytes | Raised]) -> list[Verdict]:
    """``bad-id-bytes`` for each backend giving bytes where the bytes reference raises."""
    names = list(token_bytes)
    if not names or not isinstance(token_bytes[names[0]], Raised):
        return []
    ref = token_bytes[names[0]]
    return [_single("bad-id-bytes", name, token, cls,
                    f"id {token} ({cls}): {name}.token_bytes gave {got!r} where {names[0]} raised {shown(ref)['error']}",
                    {"call": "token_bytes", names[0]: shown(ref), name: shown(got)})
            for name, got in token_bytes.items() if isinstance(got, (bytes, bytearray))]
