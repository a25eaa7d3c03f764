"""The batch_consistency property (DESIGN §4): a batch, or several threads, give the
serial per-text ids.

Serving stacks rarely call ``encode`` once: they batch requests (``encode_batch``, a
Rust or C++ thread pool behind one call) and call one tokenizer object from several
request threads. Both must give each text exactly the ids ``encode`` gives it alone.

The batch made from an input ``x`` is ``batch_of(x)``: ``[x, first half, second half,
x]`` (halves split at a code point), so items of different lengths sit next to each
other and ``x`` appears twice; it is a pure function of ``x``, so a failure shrinks and
replays like any other.

Verdict kinds (backends ``(name,)``):

* ``batch-differs``: ``encode_batch(batch)[i] != encode(batch[i])`` for some ``i``;
* ``batch-raises:{Type}``: ``encode_batch`` raised where every ``encode`` returned;
* ``threads-differ``: the batch's texts encoded by ``THREADS`` threads at once, on one
  backend object, differ from the serial ids;
* ``threads-raise:{Type}``: a thread's ``encode`` raised where the serial one returned.

Threads are only used on backends that declare ``thread_safe = True``: libraries that
call one object from several threads themselves (tiktoken's ``encode_batch`` uses a
ThreadPoolExecutor; HF ``tokenizers`` and tokie run one ``Tokenizer`` on a Rust thread
pool; SentencePiece's ``encode(list, num_threads=…)``). A library that does not claim
it is not held to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from tokfuzz.backends.base import reraise_control
from tokfuzz.oracles.observation import Observation, Raised, Verdict, attempt, describe_text

__all__ = ["THREADS", "batch_consistency", "batch_of"]

THREADS = 4
"""Threads encoding at once; each encodes every text of the batch, in its own order."""


_POOL: ThreadPoolExecutor | None = None  # one per process, made on first use


def batch_of(text: str) -> list[str]:
    """The batch checked for ``text``: ``[text, text[:h], text[h:], text]``, ``h = len(text) // 2``."""
    half = len(text) // 2
    return [text, text[:half], text[half:], text]


def _serial(obs: Observation, name: str, batch: Sequence[str]) -> list[list[int]] | None:
    """Per-text ids of the batch (the input's from the observation); None if one raised."""
    encode = obs.backends[name].encode
    first = obs.ids(name)
    if isinstance(first, Raised):
        return None
    out = [first]
    for text in batch[1:]:
        try:
            out.append(first if text == obs.text else list(encode(text)))
        except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
            reraise_control(exc)
            return None
    return out


def _call(fn: Callable[[], Sequence[Sequence[int]]]) -> list[list[int]] | Raised:
    return attempt(lambda: [list(ids) for ids in fn()])


def _threaded(encode: Callable[[str], Sequence[int]], batch: Sequence[str]) -> list[list[int]] | Raised:
    """Every text of ``batch`` encoded by ``THREADS`` threads started together; the
    first result that differs between threads wins, else thread 0's."""
    def worker(k: int) -> list[list[int]]:
        order = list(range(len(batch)))
        order = order[k % len(order):] + order[: k % len(order)]
        got: dict[int, list[int]] = {i: list(encode(batch[i])) for i in order}
        return [got[i] for i in range(len(batch))]

    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(THREADS, thread_name_prefix="tokfuzz-batch")
    futures = [_POOL.submit(worker, k) for k in range(THREADS)]
    results = [_call(f.result) for f in futures]
    for result in results:
        if isinstance(result, Raised):
            return result
    return next((r for r in results if r != results[0]), results[0])


def _verdict(obs: Observation, name: str, kind: str, batch: Sequence[str], serial: list[list[int]],
             got: list[list[int]] | Raised, how: str) -> Verdict:
    observed: dict[str, object] = {name: serial[0], "serial": serial}
    if isinstance(got, Raised):
        observed["error"] = got.to_json()["error"]

        def detail() -> str:
            return f"{name}.{how} raised {got.type}: {got.message} on {describe_text(obs.text)}; serial encode returned"
    else:
        observed["batch" if how == "encode_batch" else "threads"] = got
        rows = [i for i in range(len(batch)) if i >= len(got) or got[i] != serial[i]]

        def detail() -> str:
            shown = "; ".join(
                f"item {i} {describe_text(batch[i])}: serial {serial[i]}, {how} {got[i] if i < len(got) else '<missing>'}"
                for i in rows[:3])
            return f"{name}.{how} != per-text encode: {shown}"
    return Verdict("batch_consistency", (name,), kind, detail, observed)


def batch_consistency(obs: Observation, name: str) -> list[Verdict]:
    """Failing verdicts of backend ``name`` on ``batch_of(obs.text)`` (see the module
    docstring for the kinds). [] when the backend has neither ``encode_batch`` nor
    ``thread_safe``, or when a serial encode raised (that is roundtrip's finding)."""
    backend = obs.backends[name]
    encode_batch = getattr(backend, "encode_batch", None)
    threaded = getattr(backend, "thread_safe", False) is True
    if encode_batch is None and not threaded:
        return []
    batch = batch_of(obs.text)
    serial = _serial(obs, name, batch)
    if serial is None:
        return []
    out: list[Verdict] = []
    if encode_batch is not None:
        got = _call(lambda: encode_batch(list(batch)))
        if isinstance(got, Raised):
            out.append(_verdict(obs, name, got.finding_kind or f"batch-raises:{got.type}", batch, serial, got, "encode_batch"))
        elif got != serial:
            out.append(_verdict(obs, name, "batch-differs", batch, serial, got, "encode_batch"))
    if threaded:
        got = _threaded(backend.encode, batch)
        if isinstance(got, Raised):
            out.append(_verdict(obs, name, got.finding_kind or f"threads-raise:{got.type}", batch, serial, got, "encode(threads)"))
        elif got != serial:
            out.append(_verdict(obs, name, "threads-differ", batch, serial, got, "encode(threads)"))
    return out
