"""One backend call at a time in a child process, under a time limit.

A library that hangs or crashes the process (a segfault in native code, ``exit()``
from a plugin, an endless loop that holds the GIL) cannot be checked in the process
that must survive it. ``Isolated`` keeps one child process (``python -m
tokfuzz.backends.isolated SUBJECT [SPEC...]``) with the subject loaded, sends it one
call per request and reads the outcome:

* ``None``: the call returned (or raised a Python exception, which the oracles report
  in-process as ``encode-raises:…``);
* the ``finding_kind`` of an exception that carries one (a ``cmd:`` backend whose own
  process died or hung: tokfuzz.backends.cmd);
* ``"timeout"``: it did not answer within ``timeout`` seconds (the child is killed);
* ``"crash:SIGSEGV"`` (the signal's name) or ``"crash:exit-N"``: the child died.

After a timeout or a crash the child is started again on the next request (loading the
subject again, which is not counted in the time limit). The shrinker uses this as its
predicate for ``timeout`` and ``crash:…`` findings, and replay uses it to re-check them.

The request protocol is JSON lines on stdin/stdout: ``{"backend", "call", "text"}`` in,
``{"done": true}`` out; lone surrogates travel as JSON ``\\uXXXX`` escapes (``json``'s
default ``ensure_ascii``), so every ``str`` survives the trip.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import IO, Any

__all__ = ["CALLS", "DEFAULT_TIMEOUT", "Isolated", "crash_kind", "die_with_parent", "kill", "perform_call",
           "preexec_die_with_parent", "read_line"]

CALLS: tuple[str, ...] = ("encode", "decode", "decode_bytes", "token_bytes", "normalize", "pretokenize", "expected_bytes")
"""Backend members a call can name: those taking text, and those taking the ids of the
text (``decode``, ``decode_bytes``, ``token_bytes``: the text is encoded first)."""

DEFAULT_TIMEOUT = 5.0
"""Seconds one backend call (encode, decode, …) may take before the input is a ``timeout`` finding."""

_LOAD_TIMEOUT_S = 300.0
_PR_SET_PDEATHSIG = 1


def crash_kind(returncode: int) -> str:
    """``crash:SIGSEGV`` for a process killed by a signal (negative ``returncode`` as
    ``subprocess`` and ``multiprocessing`` report it), ``crash:exit-N`` otherwise."""
    if returncode < 0:
        try:
            return f"crash:{signal.Signals(-returncode).name}"
        except ValueError:
            return f"crash:signal-{-returncode}"
    return f"crash:exit-{returncode}"


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Make this process receive ``sig`` when its parent dies (Linux
    ``prctl(PR_SET_PDEATHSIG)``), and, everywhere, watch ``os.getppid()`` from a daemon
    thread twice a second and send ``sig`` to itself when the parent is gone (then exit
    five seconds later if ``sig`` was handled). Not for a ``preexec_fn``, which must not
    start threads: use ``preexec_die_with_parent`` there."""
    _pdeathsig(sig)
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os.kill(os.getpid(), sig)
                time.sleep(5)
                os._exit(128 + sig)

    threading.Thread(target=watch, name="tokfuzz-parent-watch", daemon=True).start()


def _pdeathsig(sig: int = signal.SIGTERM) -> None:
    """``prctl(PR_SET_PDEATHSIG, sig)`` where Linux offers it; a no-op elsewhere."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)


def preexec_die_with_parent() -> None:
    """``preexec_fn`` for ``subprocess.Popen``: the child gets SIGTERM when its parent dies."""
    _pdeathsig(signal.SIGTERM)


def perform_call(backend: Any, call: str, text: str) -> Any:
    """Make one ``call`` (a name in ``CALLS``) of ``backend`` on ``text``: text calls get
    ``text``; id calls get ``backend.encode(text)`` (``token_bytes`` once per id).

    Raises:
        ValueError: ``call`` is not in ``CALLS``.
        whatever the library raises.
    """
    if call not in CALLS:
        raise ValueError(f"unknown backend call {call!r}; calls: {', '.join(CALLS)}")
    if call in ("decode", "decode_bytes"):
        return getattr(backend, call)(backend.encode(text))
    if call == "token_bytes":
        return [backend.token_bytes(i) for i in backend.encode(text)]
    return getattr(backend, call)(text)


class Isolated:
    """A subject loaded in a child process, asked for one call at a time.

    ``subject`` is an embedded subject name or ``custom``; ``extra_specs`` are backend
    specs added to it (as ``load_subject`` takes them). Use as a context manager or call
    ``close()``.
    """

    def __init__(self, subject: str, extra_specs: Sequence[str] = (), timeout: float = DEFAULT_TIMEOUT) -> None:
        self.subject = subject
        self.extra_specs = tuple(extra_specs)
        self.timeout = timeout
        self._child: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Isolated:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> subprocess.Popen[bytes]:
        """Start the child and wait for its handshake.

        Raises:
            RuntimeError: the child could not load the subject (the reason in one line).
        """
        args = [sys.executable, "-m", "tokfuzz.backends.isolated", self.subject, *self.extra_specs]
        child = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 preexec_fn=preexec_die_with_parent)
        line, _ = read_line(child, _LOAD_TIMEOUT_S)
        hello = json.loads(line) if line else {}
        if not hello.get("ready"):
            kill(child)
            raise RuntimeError(f"isolated {self.subject}: {hello.get('error') or 'child died while loading'}")
        self._child = child
        return child

    def outcome(self, backend: str, call: str, text: str) -> str | None:
        """Make ``call`` of ``backend`` on ``text`` in the child: None when it returned
        (or raised), ``"timeout"`` or ``"crash:…"`` otherwise.

        Raises:
            RuntimeError: the child cannot load the subject.
        """
        child = self._child if self._child is not None and self._child.poll() is None else self._start()
        assert child.stdin is not None
        try:
            child.stdin.write(json.dumps({"backend": backend, "call": call, "text": text}).encode("ascii") + b"\n")
            child.stdin.flush()
        except BrokenPipeError:
            pass
        line, timed_out = read_line(child, self.timeout)
        if line:
            kind = json.loads(line).get("kind")
            return str(kind) if kind else None
        self._child = None
        if timed_out:  # still running: it hangs
            kill(child)
            return "timeout"
        try:  # end of its output: it is dying
            return crash_kind(child.wait(timeout=10))
        except subprocess.TimeoutExpired:
            kill(child)
            return "timeout"

    def close(self) -> None:
        """Stop the child (if any)."""
        if self._child is not None:
            kill(self._child)
            self._child = None


def read_line(child: subprocess.Popen[bytes], timeout: float) -> tuple[bytes, bool]:
    """(line, timed out): one line from the child's stdout within ``timeout`` seconds;
    an empty line at the end of its output or when the time is up. (The child must
    write whole lines: a partial line blocks until it ends.)"""
    out: IO[bytes] | None = child.stdout
    assert out is not None
    ready, _, _ = select.select([out], [], [], timeout)
    if not ready:
        return b"", True
    return out.readline(), False


def kill(child: subprocess.Popen[bytes]) -> None:
    """Kill ``child`` (if still running) and reap it."""
    with contextlib.suppress(ProcessLookupError):
        child.kill()
    child.wait()


def _serve(argv: Sequence[str]) -> int:
    """The child: load the subject, answer calls until stdin closes."""
    from tokfuzz.backends.base import ConfigError
    from tokfuzz.backends.subjects import load_subject

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    die_with_parent()
    os.environ.setdefault("RUST_BACKTRACE", "0")
    out = sys.stdout.buffer
    try:
        backends = load_subject(argv[0], tuple(argv[1:])).backends
    except (ConfigError, Exception) as exc:  # noqa: BLE001 - reported to the parent in one line
        out.write(json.dumps({"ready": False, "error": f"{type(exc).__name__}: {exc}"}).encode("ascii") + b"\n")
        out.flush()
        return 2
    out.write(b'{"ready": true}\n')
    out.flush()
    for line in sys.stdin.buffer:
        request = json.loads(line)
        answer: dict[str, Any] = {"done": True}
        try:
            perform_call(backends[request["backend"]], request["call"], request["text"])
        except BaseException as exc:  # noqa: BLE001 - an exception is not a crash: the call returned
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            if isinstance(getattr(exc, "finding_kind", None), str):  # a backend's own process died or hung
                answer["kind"] = exc.finding_kind  # type: ignore[attr-defined]
        out.write(json.dumps(answer).encode("ascii") + b"\n")
        out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_serve(sys.argv[1:]))
