"""The last call a worker made into a library, kept on disk so that a hang or a crash
leaves its witness behind (as libFuzzer keeps its crash artifact).

A worker wraps each backend in a ``GuardedBackend``: before every library call it
writes, into a small memory-mapped file (``CallRecord``), which backend, which call,
when it started (``time.monotonic()``, comparable across processes on one machine) and
the text it was given; after the call it marks the record idle. The process watching
the worker (the campaign for hypothesis jobs, ``run_atheris`` for the libFuzzer child)
reads the record with ``read_call``:

* a call busy for longer than the time limit is a hang: the watcher kills the worker
  and the record's text is the witness of a ``timeout`` finding;
* a worker that died (a signal, ``exit()``) leaves the record of the call it died in:
  the witness of a ``crash:SIGSEGV`` / ``crash:exit-N`` finding.

The record costs a few microseconds per call (struct writes into the mapping; the text
is copied only when it changes). Calls taking ids (``decode``, ``token_bytes``) keep
the text of the last text call, the input being checked.
"""

from __future__ import annotations

import mmap
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokfuzz.backends.base import Backend

__all__ = ["HANG_GRACE_S", "CallRecord", "CallState", "GuardedBackend", "guard_backends", "read_call"]

HANG_GRACE_S = 2.0
"""Seconds past the time limit before a busy call counts as a hang: a backend that keeps
its own per-call limit (a ``cmd:`` port) gets the first word, with its process' fate."""

_HEADER = struct.Struct("<BxxxdII64s24s")  # busy, started (monotonic s), sequence, text length, backend, call
_STAMP = struct.Struct("<BxxxdI")  # the part written on every call
_NAMES = struct.Struct("<64s24s")
_NAMES_AT = 20
_HEADER_SIZE = 128
_MAX_TEXT = 4 << 20  # bytes of text kept; longer texts are cut (the cut is a valid prefix)
_TEXT_CALLS = frozenset({"encode", "normalize", "pretokenize", "expected_bytes"})
_ID_CALLS = frozenset({"decode", "decode_bytes", "encode_batch"})
# ``token_bytes`` is not recorded: it is called once per id (most of a check's calls),
# is a table look-up in every library, and a crash in it shows as the encode before it.


@dataclass(frozen=True)
class CallState:
    """A worker's last library call: ``busy`` while it runs, ``started`` (monotonic
    seconds), ``backend`` and ``call`` names, and ``text``, the input it was given
    (empty before the first call)."""

    busy: bool
    started: float
    sequence: int
    backend: str
    call: str
    text: str

    def hung(self, timeout: float, now: float | None = None) -> bool:
        """Busy in one call for more than ``timeout`` seconds."""
        return self.busy and (time.monotonic() if now is None else now) - self.started > timeout


class CallRecord:
    """The writer side: a memory-mapped file ``path`` (created, sparse, 4 MiB + header).

    Raises:
        OSError: the file cannot be created or mapped.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.ftruncate(fd, _HEADER_SIZE + _MAX_TEXT)
            self._map = mmap.mmap(fd, _HEADER_SIZE + _MAX_TEXT)
        finally:
            os.close(fd)
        self._text: str | None = None
        self._names: tuple[str, str] = ("", "")
        self._sequence = 0

    def begin(self, backend: str, call: str, text: str | None) -> None:
        """Mark a call of ``backend.call`` as running, on ``text`` when it takes text."""
        if text is not None and text is not self._text:
            data = text.encode("utf-8", "surrogatepass")[:_MAX_TEXT]
            self._map[_HEADER_SIZE:_HEADER_SIZE + len(data)] = data
            self._map[16:20] = len(data).to_bytes(4, "little")
            self._text = text
        if (backend, call) != self._names:
            _NAMES.pack_into(self._map, _NAMES_AT, backend.encode()[:64], call.encode()[:24])
            self._names = (backend, call)
        self._sequence += 1
        _STAMP.pack_into(self._map, 0, 1, time.monotonic(), self._sequence)

    def end(self) -> None:
        """Mark the call as returned."""
        self._map[0] = 0

    def close(self) -> None:
        """Unmap the file (it stays on disk for the watcher)."""
        self._map.close()


def read_call(path: Path) -> CallState | None:
    """The record at ``path`` as the watcher sees it; None when there is none yet."""
    try:
        with open(path, "rb") as f:
            header = f.read(_HEADER_SIZE)
            if len(header) < _HEADER.size:
                return None
            busy, started, sequence, length, backend, call = _HEADER.unpack_from(header)
            data = f.read(min(length, _MAX_TEXT))
    except OSError:
        return None
    if sequence == 0:
        return None
    text = data.decode("utf-8", "surrogatepass") if _valid(data) else data.decode("utf-8", "replace")
    return CallState(bool(busy), started, sequence, backend.rstrip(b"\0").decode(), call.rstrip(b"\0").decode(), text)


def _valid(data: bytes) -> bool:
    try:
        data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return False
    return True


class GuardedBackend:
    """``backend`` with every library call recorded in ``record`` (see the module
    docstring). Attributes it lacks stay absent (``getattr(g, "normalize", None)``
    works as on the backend itself), so the oracles see the same optional members."""

    def __init__(self, backend: Backend, record: CallRecord) -> None:
        self._backend = backend
        self._record = record
        self.name = backend.name

    @property
    def wrapped(self) -> Backend:
        """The backend itself."""
        return self._backend

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._backend, attr)
        if callable(value) and (attr in _TEXT_CALLS or attr in _ID_CALLS):
            value = self._guarded(attr, value)
            setattr(self, attr, value)  # later lookups skip __getattr__
        return value

    def _guarded(self, call: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        record, name, takes_text = self._record, self.name, call in _TEXT_CALLS

        def guarded(arg: Any, *args: Any, **kwargs: Any) -> Any:
            record.begin(name, call, arg if takes_text and isinstance(arg, str) else None)
            try:
                return fn(arg, *args, **kwargs)
            finally:
                record.end()

        guarded.__name__ = call
        guarded.__doc__ = fn.__doc__
        return guarded

    def encode(self, text: str) -> list[int]:
        """``backend.encode(text)``, recorded."""
        return self.__getattr__("encode")(text)  # type: ignore[no-any-return]

    def decode(self, ids: Any) -> str:
        """``backend.decode(ids)``, recorded."""
        return self.__getattr__("decode")(ids)  # type: ignore[no-any-return]


def guard_backends(backends: dict[str, Backend], record: CallRecord) -> dict[str, Backend]:
    """Each backend of a subject wrapped in a ``GuardedBackend`` sharing ``record``
    (same names, same order)."""
    return {name: GuardedBackend(b, record) for name, b in backends.items()}  # type: ignore[misc]
