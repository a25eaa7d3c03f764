"""In-process backends called from a forked child, so that a library that kills the
process on an odd id (a segfault reading past its table: rs-bpe on ``2**31 - 1``) or
hangs cannot take the caller with it.

``Forked(backends)`` forks once, on first use: the child shares the loaded tokenizers
copy-on-write (nothing is loaded again) and answers lists of calls ``(backend name, op,
argument)``, ``op`` one of ``decode`` (ids), ``token_bytes`` (one id), ``encode`` (text),
over two pipes, in length-prefixed pickle frames (our own data between our own
processes; nothing from a corpus is unpickled). Results stream back in batches of up to
64; when the child dies or stops answering for ``timeout`` seconds, the calls not
answered are sent again one flush at a time, so the call in flight is known: its outcome
is a ``CallDied`` exception (``finding_kind`` ``crash:SIGSEGV``, ``crash:exit-N`` or
``timeout``, as tokfuzz.backends.isolated names them) and a new child goes on with the
rest. An exception a library raised comes back as an exception of the same type name and
first message line (a Rust panic as ``PanicException``). ``cmd:`` backends already run in
their own process and are called directly. Where ``os.fork`` is missing, calls run here.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import pickle
import select
import signal
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from tokfuzz.backends.base import Backend, reraise_control
from tokfuzz.backends.cmd import CmdBackend
from tokfuzz.backends.isolated import DEFAULT_TIMEOUT, crash_kind, preexec_die_with_parent

__all__ = ["OPS", "CallDied", "Forked"]

OPS: tuple[str, ...] = ("decode", "token_bytes", "encode")
_FRAME = struct.Struct("<I")
_BATCH = 64
_COPIED = ("vocab_size", "special_tokens", "version", "library", "unicode_version")
_errors: dict[str, type[Exception]] = {}


class CallDied(Exception):
    """The call in flight when the child died or hung; ``finding_kind`` says which."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.finding_kind = kind


def _rebuilt(type_name: str, message: str, kind: str | None) -> Exception:
    """An exception of class ``type_name`` (made once per name) with ``message``."""
    cls = _errors.get(type_name)
    if cls is None:
        cls = _errors[type_name] = type(type_name if type_name.isidentifier() else "Error", (Exception,), {"__module__": __name__})
    exc = cls(message)
    if kind is not None:
        exc.finding_kind = kind  # type: ignore[attr-defined]
    return exc


def _perform(backend: Backend, op: str, arg: Any) -> Any:
    if op == "encode":
        return [int(i) for i in backend.encode(arg)]
    if op == "token_bytes":
        return bytes(backend.token_bytes(arg))  # type: ignore[attr-defined]
    if op == "decode":
        return backend.decode(arg)
    raise ValueError(f"unknown op {op!r}; ops: {', '.join(OPS)}")


def _outcome(backend: Backend, op: str, arg: Any) -> tuple[Any, ...]:
    try:
        return ("ok", _perform(backend, op, arg))
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        reraise_control(exc)
        kind = getattr(exc, "finding_kind", None)
        return ("err", type(exc).__name__, (str(exc).strip().splitlines() or [""])[0][:300], kind if isinstance(kind, str) else None)


def _read_exact(fd: int, n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            return b""
        data += chunk
    return bytes(data)


def _serve(requests: int, results: int, backends: Mapping[str, Backend]) -> None:
    """The child: answer requests until the request pipe closes, then ``os._exit``."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
        faulthandler.disable()  # a crash here is a finding the parent reports, not a traceback on stderr
        preexec_die_with_parent()  # SIGTERM when the parent dies
        os.environ["RUST_BACKTRACE"] = "0"
        while header := _read_exact(requests, _FRAME.size):
            careful, calls = pickle.loads(_read_exact(requests, _FRAME.unpack(header)[0]))
            buf, pending = bytearray(), 0
            for name, op, arg in calls:
                frame = pickle.dumps(_outcome(backends[name], op, arg), protocol=pickle.HIGHEST_PROTOCOL)
                buf += _FRAME.pack(len(frame)) + frame
                pending += 1
                if careful or pending >= _BATCH or len(buf) >= 1 << 15:
                    _write_all(results, buf)
                    buf, pending = bytearray(), 0
            if buf:
                _write_all(results, buf)
    finally:
        os._exit(0)


class Forked:
    """``backends`` (a subject's, in order) with their in-process members called in a
    forked child. ``backends`` attribute: the same names, in-process ones replaced by
    proxies whose ``decode``/``encode``/``token_bytes`` go through ``run``. A context
    manager; ``close`` stops the child."""

    def __init__(self, backends: Mapping[str, Backend], timeout: float = DEFAULT_TIMEOUT) -> None:
        self._own = dict(backends)
        self.timeout = timeout
        self._pid: int | None = None
        self._fds = (-1, -1)
        local = not hasattr(os, "fork")
        self.backends: dict[str, Backend] = {
            n: b if local or isinstance(b, CmdBackend) else _Proxy(self, n, b) for n, b in backends.items()}  # type: ignore[misc]
        self._direct = {n for n, b in self.backends.items() if b is self._own[n]}

    def __enter__(self) -> Forked:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, calls: Sequence[tuple[str, str, Any]]) -> list[Any]:
        """Outcomes of ``calls`` in order: each the value returned (``decode``: str,
        ``encode``: list of int, ``token_bytes``: bytes) or the exception raised (an
        instance, not raised; ``CallDied`` for the call that killed or hung the child)."""
        out: list[Any] = []
        careful = False
        while len(out) < len(calls):
            rest = list(calls[len(out):])
            if rest[0][0] in self._direct:  # a cmd: backend, or no fork here
                out.append(_rebuild(_outcome(self._own[rest[0][0]], rest[0][1], rest[0][2])))
                continue
            rest = rest[: next((i for i, c in enumerate(rest) if c[0] in self._direct), len(rest))]
            got, fate = self._exchange(rest, careful)
            out.extend(got)
            if fate is not None and careful:
                name, op, _ = rest[len(got)]
                out.append(CallDied(fate, f"{name}.{op} {'hung' if fate == 'timeout' else 'killed the process'} ({fate})"))
            careful = fate is not None and not careful
        return out

    def start(self) -> None:
        """Fork the child now (it is otherwise forked on first use): a caller about to
        start threads forks first, so that the child inherits no thread mid-call. A
        child that dies is forked again on the next call, threads or not."""
        if self._pid is None and hasattr(os, "fork") and set(self.backends) - self._direct:
            self._start()

    def _start(self) -> None:
        req_r, req_w = os.pipe()
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(req_w)
            os.close(res_r)
            _serve(req_r, res_w, self._own)
        os.close(req_r)
        os.close(res_w)
        self._pid, self._fds = pid, (req_w, res_r)

    def _exchange(self, calls: list[tuple[str, str, Any]], careful: bool) -> tuple[list[Any], str | None]:
        """(outcomes received, None or how the child ended: ``crash:…``/``timeout``)."""
        if self._pid is None:
            self._start()
        request = pickle.dumps((careful, calls), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _write_all(self._fds[0], _FRAME.pack(len(request)) + request)
        except BrokenPipeError:
            return [], self._reap()
        got: list[Any] = []
        buf = bytearray()
        while len(got) < len(calls):
            ready, _, _ = select.select([self._fds[1]], [], [], self.timeout)
            data = os.read(self._fds[1], 1 << 16) if ready else b""
            if not data:
                return got, self._reap(kill=not ready)
            buf += data
            while len(buf) >= _FRAME.size and len(buf) >= _FRAME.size + (n := _FRAME.unpack_from(buf)[0]):
                got.append(_rebuild(pickle.loads(bytes(buf[_FRAME.size:_FRAME.size + n]))))
                del buf[:_FRAME.size + n]
        return got, None

    def _reap(self, *, kill: bool = False) -> str:
        """Stop and reap the child; ``timeout`` when it was killed for hanging, else how it died."""
        assert self._pid is not None
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
        _, status = os.waitpid(self._pid, 0)
        for fd in self._fds:
            os.close(fd)
        self._pid, self._fds = None, (-1, -1)
        return "timeout" if kill else crash_kind(os.waitstatus_to_exitcode(status))

    def close(self) -> None:
        """Stop the child, if one runs."""
        if self._pid is not None:
            self._reap(kill=True)


def _write_all(fd: int, data: bytes | bytearray) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _rebuild(outcome: tuple[Any, ...]) -> Any:
    return outcome[1] if outcome[0] == "ok" else _rebuilt(*outcome[1:])


class _Proxy:
    """A backend whose calls run in a ``Forked`` child; other members copied."""

    def __init__(self, forked: Forked, name: str, backend: Backend) -> None:
        self.name = backend.name
        self._forked, self._key = forked, name
        for member in _COPIED:
            if hasattr(backend, member):
                setattr(self, member, getattr(backend, member))
        if callable(getattr(backend, "token_bytes", None)):
            self.token_bytes = lambda token: self._call("token_bytes", token)

    def _call(self, op: str, arg: Any) -> Any:
        got = self._forked.run([(self._key, op, arg)])[0]
        if isinstance(got, BaseException):
            raise got
        return got

    def encode(self, text: str) -> list[int]:
        """``encode`` in the child."""
        return self._call("encode", text)  # type: ignore[no-any-return]

    def decode(self, ids: Sequence[int]) -> str:
        """``decode`` in the child."""
        return self._call("decode", [int(i) for i in ids])  # type: ignore[no-any-return]
