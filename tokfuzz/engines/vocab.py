"""``tokfuzz vocab``: the exhaustive sweep over every id of a subject's vocabulary.

Every id ``0 .. V-1`` (``V`` the largest ``vocab_size`` a backend declares; ``limit``
cuts it) is checked with the vocab property (tokfuzz.oracles.vocab), then the ids no
tokenizer should accept (tokfuzz.oracles.bad_ids): ``V``, ``-1``, ``2**31 - 1``, the first
gap between special ids and the ``b"\\xe2"`` lead-byte piece (the last two where they
exist and lie past the swept range; inside it they are checked already).

Calls are batched: per chunk of ids, one ``token_bytes`` and one ``decode([id])`` call
list (each decode made twice in a row, for ``decode-unstable``), then one ``encode``
list for the token texts. In-process backends are called in a
forked child (tokfuzz.backends.forked: an id that segfaults a library is a ``crash:…``
finding, not the end of the sweep); ``cmd:`` backends (the JS ports) get one request per
list through the protocol's batched ops, which report an error per item (their public
``encode_batch`` raises the first one), sent with ``CmdBackend._request``.

A failing id needs no shrinking: it is minimal. Verdicts are grouped into classes by
(kind, backends, the id's class: ``text``, ``special``, ``partial-utf8``, ``negative``…),
the first id of each class its witness, and every class counts its ids.
"""

from __future__ import annotations

import base64
import re
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tokfuzz.backends.base import Backend, ConfigError
from tokfuzz.backends.cmd import CmdBackend
from tokfuzz.backends.forked import Forked
from tokfuzz.backends.isolated import DEFAULT_TIMEOUT
from tokfuzz.engines.hunt import Finding
from tokfuzz.findings.triage import signature
from tokfuzz.oracles import Raised, Verdict
from tokfuzz.oracles.bad_ids import PROPERTY, neighbours
from tokfuzz.oracles.observation import attempt
from tokfuzz.oracles.vocab import (
    IdProbe, bad_class, check_probe, max_vocab, probe_id, special_ids, token_text, witness_text)

__all__ = ["CHUNK", "BackendCounts", "VocabClass", "VocabSweep", "sweep", "vocab_findings"]

CHUNK = 2048
"""Ids per batch of calls."""
SAMPLE = 20
"""Ids kept per class beside its witness (the first ones)."""
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_GAP_SCAN = 1 << 16


@dataclass
class BackendCounts:
    """One backend's figures over the swept ids: ``bytes_disagree`` is None for a
    backend without ``token_bytes`` (and counts the ids where its bytes differ from
    the bytes reference's); ``special`` is the number of ids in its ``special_tokens``."""

    checked: int = 0
    bytes_disagree: int | None = None
    undecodable: int = 0
    unreachable: int = 0
    special: int = 0


@dataclass
class VocabClass:
    """One class: ``verdict`` of its ``witness`` id (whose corpus input is ``text``),
    how many ids fail this way (``count``), the first ones (``sample``) and when the
    first was found (seconds since the sweep started)."""

    verdict: Verdict
    witness: int
    text: str
    first_s: float
    count: int = 0
    sample: list[int] = field(default_factory=list)


@dataclass
class VocabSweep:
    """What a sweep found. ``ids``: ids ``0 .. ids-1`` swept; ``bad_ids``: the extra ids
    checked, with their role; ``unreachable``: ids the reference's encode of the token
    text does not give back; ``undecodable``: per backend, ids its decode raised on;
    ``classes`` keyed by (kind, backends, id class)."""

    subject: str
    reference: str
    vocab_size: int
    ids: int
    specials: list[int]
    counts: dict[str, BackendCounts]
    bad_ids: dict[int, str] = field(default_factory=dict)
    unreachable: list[int] = field(default_factory=list)
    undecodable: dict[str, list[int]] = field(default_factory=dict)
    classes: dict[tuple[str, tuple[str, ...], str], VocabClass] = field(default_factory=dict)
    seconds: float = 0.0


def sweep(subject: str, backends: Mapping[str, Backend], *, limit: int | None = None, chunk: int = CHUNK,
          timeout: float = DEFAULT_TIMEOUT, progress: Callable[[int, int], None] | None = None,
          clock: Callable[[], float] = time.monotonic) -> VocabSweep:
    """Check every id of ``backends`` (a subject's, reference first); ``progress(done,
    total)`` is called after each chunk. Wall time: 30–60 µs per id and backend on 2 cores
    (cl100k_base, 100,277 ids and 11 backends: 35–70 s).

    Raises:
        ConfigError: no backend declares a ``vocab_size``.
    """
    vocab = max_vocab(backends)
    if vocab is None:
        raise ConfigError(f"no backend of {subject!r} declares vocab_size: the sweep needs one")
    started, total = clock(), vocab if limit is None else min(limit, vocab)
    specials = special_ids(backends)
    result = VocabSweep(subject, next(iter(backends)), vocab, total, sorted(specials),
                        {n: BackendCounts(special=len(set((getattr(b, "special_tokens", None) or {}).values())),
                                          bytes_disagree=0 if callable(getattr(b, "token_bytes", None)) else None)
                         for n, b in backends.items()})
    with Forked(backends, timeout) as forked:
        forked.start()  # fork before any thread of _run exists
        around = neighbours(forked.backends)
        for start in range(0, total, chunk):
            for probe in _probe_chunk(forked, range(start, min(total, start + chunk))):
                _account(result, probe, check_probe(forked.backends, probe, specials, around), clock() - started)
            if progress is not None:
                progress(min(total, start + chunk), total)
        for token, role in _extra_bad_ids(forked, result, specials).items():
            result.bad_ids[token] = role
            if not 0 <= token < total:
                probe = probe_id(forked.backends, token)
                _account(result, probe, check_probe(forked.backends, probe, specials, around), clock() - started, count=False)
    result.seconds = clock() - started
    return result


def _run(forked: Forked, calls: Sequence[tuple[str, str, Any]]) -> list[Any]:
    """Outcomes (value or ``Raised``) of ``calls``: each ``cmd:`` backend one batched
    request per op, from a thread of its own (a port answers while the forked child and
    the other ports work), the other backends through ``forked`` in one list."""
    out: list[Any] = [None] * len(calls)
    remote: dict[str, list[int]] = {}
    for i, (name, _, _) in enumerate(calls):
        if isinstance(forked.backends[name], CmdBackend):
            remote.setdefault(name, []).append(i)

    def port(name: str) -> None:  # its requests in turn: a CmdBackend is not thread-safe
        for op in dict.fromkeys(calls[i][1] for i in remote[name]):
            where = [i for i in remote[name] if calls[i][1] == op]
            for i, got in zip(where, _cmd_batch(forked.backends[name], op, [calls[i][2] for i in where])):  # type: ignore[arg-type]
                out[i] = got

    with ThreadPoolExecutor(max_workers=max(1, len(remote)), thread_name_prefix="tokfuzz-vocab") as pool:
        ports = [pool.submit(port, name) for name in remote]
        local = [i for i, c in enumerate(calls) if c[0] not in remote and not isinstance(forked.backends[c[0]], CmdBackend)]
        for i, got in zip(local, forked.run([calls[i] for i in local])):
            out[i] = Raised.of(got) if isinstance(got, BaseException) else got
        for done in ports:
            done.result()
    return out


def _cmd_batch(backend: CmdBackend, op: str, args: list[Any]) -> list[Any]:
    """One batched request of the cmd: protocol, an outcome per item; item by item
    (``attempt`` of the public member) when the request as a whole fails."""
    call: Callable[[Any], Any] = {"decode": backend.decode, "encode": backend.encode,
                                  "token_bytes": getattr(backend, "token_bytes", backend.decode)}[op]
    try:
        if op == "encode" and any(_SURROGATE.search(a) for a in args):
            raise ValueError("a surrogate pair cannot travel as JSON: the public encode says so, item by item")
        results = backend._request({"op": op, ("texts" if op == "encode" else "ids"): args})["results"]
        if len(results) != len(args):
            raise ValueError("one result per item expected")
    except BaseException as exc:  # noqa: BLE001 - a dead child, a request error: find the item
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return [attempt(call, a) for a in args]
    out: list[Any] = []
    for r in results:
        if isinstance(r, dict) and "error" in r:
            name, sep, message = str(r["error"]).partition(": ")
            out.append(Raised(name if sep and name.isidentifier() else "PortError", message if sep else name))
        else:
            out.append(base64.b64decode(r) if op == "token_bytes" else [int(i) for i in r] if op == "encode" else r)
    return out


def _probe_chunk(forked: Forked, tokens: range) -> list[IdProbe]:
    """``IdProbe`` of each id of ``tokens``, their ``encoded`` filled for ordinary ids."""
    names = list(forked.backends)
    with_bytes = [n for n in names if callable(getattr(forked.backends[n], "token_bytes", None))]
    calls = [(n, "token_bytes", t) for n in with_bytes for t in tokens]
    calls += [(n, "decode", [t]) for n in names for t in tokens for _ in range(2)]  # twice: a stateful decode shows
    got = iter(_run(forked, calls))
    raw = {n: [next(got) for _ in tokens] for n in with_bytes}
    text = {n: [(next(got), next(got)) for _ in tokens] for n in names}
    probes = [IdProbe(t, {n: raw[n][i] for n in with_bytes}, {n: text[n][i][0] for n in names},
                      again={n: text[n][i][1] for n in names}) for i, t in enumerate(tokens)]
    vocab = max_vocab(forked.backends)
    todo = [(p, s) for p in probes if (s := token_text(p)) and bad_class(p, vocab) is None]
    encoded = iter(_run(forked, [(n, "encode", s) for n in names for _, s in todo]))
    for n in names:
        for p, _ in todo:
            p.encoded[n] = next(encoded)
    return probes


def _account(result: VocabSweep, probe: IdProbe, verdicts: list[Verdict], now: float, *, count: bool = True) -> None:
    """Add ``probe``'s id to the counts (``count``: it is one of the swept ids) and its
    verdicts to their classes."""
    token = probe.token
    if count:
        bytes_ref = next(iter(probe.bytes), None)
        for name, counts in result.counts.items():
            counts.checked += 1
            if isinstance(probe.text.get(name), Raised):
                counts.undecodable += 1
                result.undecodable.setdefault(name, []).append(token)
            if probe.encoded.get(name) != [token]:
                counts.unreachable += 1
                if name == result.reference:
                    result.unreachable.append(token)
        for name in {n for v in verdicts if v.kind == "bytes-differ" for n in v.backends}:
            bc = result.counts[name]
            if name != bytes_ref and bc.bytes_disagree is not None:
                bc.bytes_disagree += 1
    for v in verdicts:
        cls = str(v.observed.get("class", ""))
        found = result.classes.get((v.kind, v.backends, cls))
        if found is None:
            found = result.classes[(v.kind, v.backends, cls)] = VocabClass(v, token, witness_text(probe, cls), round(now, 3))
        found.count += 1
        if len(found.sample) < SAMPLE:
            found.sample.append(token)


def _extra_bad_ids(forked: Forked, result: VocabSweep, specials: frozenset[int]) -> dict[int, str]:
    """The ids no tokenizer should accept, with their role (module docstring)."""
    out = {result.vocab_size: "vocab size", -1: "negative", 2**31 - 1: "int32 max"}
    reference = result.reference
    if len(specials) > 1:
        span = range(min(specials) + 1, max(specials))
        swept = [t for t in result.undecodable.get(reference, []) if t in span and t not in specials]
        rest = [t for t in span if t >= result.ids and t not in specials][:_MAX_GAP_SCAN]
        holes = swept or [t for t, got in zip(rest, forked.run([(reference, "decode", [t]) for t in rest])) if isinstance(got, BaseException)]
        if holes:
            out[holes[0]] = "gap between special ids"
    bytes_ref = next((n for n, b in forked.backends.items() if callable(getattr(b, "token_bytes", None))), None)
    if bytes_ref is not None:
        first = range(min(result.vocab_size, 4096))
        found = [t for t, got in zip(first, forked.run([(bytes_ref, "token_bytes", t) for t in first])) if got == b"\xe2"]
        if found:
            out[found[0]] = "lone byte piece 0xE2"
    return out


def vocab_findings(result: VocabSweep, known: set[str] | frozenset[str], reference: Backend | None = None) -> list[Finding]:
    """The classes of ``result`` as findings (property ``vocab``, ``found_by`` ``vocab``),
    ``new`` unless their signature is in ``known``. The witness' ``observed`` gains the
    class' ``count`` and its first ids as a string (``"sample": "[257, 2147483647]"``: a
    list of ints would be shown as token pieces by the report, calling the library on
    bad ids). ``reference`` (the subject's reference backend)
    lets the signature's shape mark out-of-vocabulary characters (tokfuzz.findings.triage)."""
    out = []
    for c in result.classes.values():
        v = c.verdict
        sig = signature(v, result.subject, c.text, reference)
        out.append(Finding(sig, PROPERTY, result.subject, v.backends, v.kind, c.text, v.detail,
                           {**v.observed, "count": c.count, "sample": str(c.sample)}, c.first_s, "vocab",
                           count=c.count, new=sig not in known))
    return out
