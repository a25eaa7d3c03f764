"""Backends in another process, in any language: the ``cmd:`` protocol (tokfuzz-cmd/1).

A ``cmd:`` backend is a long-lived child process speaking JSON lines on stdin/stdout
(README, "The cmd: protocol"): it first writes a handshake
``{"protocol": "tokfuzz-cmd/1", "name", "library", "version", "members": [...]}``
(optionally ``"normalize": "NFKC"`` and ``"vocab_size"``), then answers each request line
with one response line:

=====================================  ============================================
request                                response
=====================================  ============================================
``{"op": "encode", "texts": [...]}``   ``{"results": [[ids...] | {"error"}, ...]}``
``{"op": "decode", "ids": [[...]]}``   ``{"results": ["text" | {"error"}, ...]}``
``{"op": "token_bytes", "ids": [..]}`` ``{"results": ["<base64>" | {"error"}, ...]}``
``{"op": "special_tokens"}``           ``{"result": {"<s>": 1, ...}}``
=====================================  ============================================

and, when the handshake lists ``decode_stream``, ``{"op": "decode_stream", "ids": [[...]]}``
-> ``{"results": [[piece per id..., flush] | {"error"}, ...]}``: each id list is streamed
through a fresh incremental detokenizer of the port's serving stack, and ``n`` ids give
``n + 1`` strings, the text each id completed ("" if none), then what the detokenizer
still held at the end (its flush). See ``CmdStreamDecoder``.

A request may carry an ``"id"``, echoed in its response. One failed item is one
``{"error": "Type: message"}`` in ``results``, raised here as an exception of that type
name (a library's exception stays a finding). Strings are JSON strings: NUL and lone
surrogates travel as ``\\u0000`` / ``\\uD800`` escapes (Python's ``json`` writes every
non-ASCII character escaped; a JavaScript string holds lone surrogates as they are).
A Python ``str`` holding a high surrogate followed by a low one arrives as the astral
character the pair spells: JSON (RFC 8259 §7) cannot tell them apart, nor can UTF-16.

A child that dies in a call raises ``ProcessDied`` with ``finding_kind``
``crash:SIGSEGV`` / ``crash:exit-N``; one that does not answer within ``timeout``
seconds is killed and raises ``ProcessDied`` with ``finding_kind`` ``timeout``. The
oracles report those kinds as they are, and the next call starts the child again.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import subprocess
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tokfuzz.backends.base import NOT_APPLICABLE, BackendUnavailable
from tokfuzz.backends.isolated import DEFAULT_TIMEOUT, crash_kind, kill, preexec_die_with_parent, read_line

__all__ = ["PROTOCOL", "CmdBackend", "CmdStreamDecoder", "NotTransmittable", "PortError", "ProcessDied", "load"]

PROTOCOL = "tokfuzz-cmd/1"
_LOAD_TIMEOUT_S = 120.0
_NORMAL_FORMS = ("NFC", "NFD", "NFKC", "NFKD")
_errors: dict[str, type[PortError]] = {}


class PortError(Exception):
    """An error a ``cmd:`` backend reported for one item; subclasses carry the
    library's own exception type name (``TypeError``, ``RangeError``…)."""


class NotTransmittable(Exception):
    """A text holding a high surrogate directly followed by a low one: JSON (and a
    UTF-16 string at the other end) reads the pair as one astral character, so the
    port would be given another text than the reference. No property applies to it."""

    finding_kind = NOT_APPLICABLE


class ProcessDied(Exception):
    """The backend's process died or stopped answering in a call; ``finding_kind`` is
    ``timeout``, ``crash:SIGSEGV`` or ``crash:exit-N``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.finding_kind = kind


def _port_error(text: str) -> PortError:
    """``"TypeError: message"`` as an exception of class ``TypeError`` (a PortError)."""
    name, sep, message = text.partition(": ")
    if not sep or not name.isidentifier():
        name, message = "PortError", text
    cls = _errors.get(name)
    if cls is None:
        cls = _errors[name] = type(name, (PortError,), {"__module__": __name__})
    return cls(message)


class CmdBackend:
    """A backend served by the process ``argv`` (see the module docstring).

    Optional members (``token_bytes``, ``special_tokens``, ``normalize``,
    ``vocab_size``) exist on the instance only when the handshake lists them, so the
    oracles' ``getattr(backend, member, None)`` sees what the port offers.

    Raises:
        BackendUnavailable: the process cannot start, or its handshake is not
            tokfuzz-cmd/1 (the reason in one line).
    """

    def __init__(self, argv: Sequence[str], *, timeout: float | None = None, env: Mapping[str, str] | None = None,
                 cwd: Path | None = None, label: str = "") -> None:
        self.argv = list(argv)
        self.label = label or shlex.join(self.argv)
        self.timeout = timeout if timeout is not None else float(os.environ.get("TOKFUZZ_TIMEOUT", DEFAULT_TIMEOUT))
        self._env = dict(env) if env is not None else None
        self._cwd = cwd
        self._child: subprocess.Popen[bytes] | None = None
        self._ahead: dict[str, Any] = {}  # text -> its encode result (ids or {"error"}), sent ahead
        self._ahead_decode: dict[tuple[int, ...], Any] = {}  # ids -> its decode result, sent ahead
        hello = self._start()
        self.name: str = str(hello["name"])
        self.library: str = str(hello.get("library", self.name))
        self.version: str = str(hello.get("version", "?"))
        self.members: tuple[str, ...] = tuple(hello.get("members", ()))
        if "token_bytes" in self.members:
            self._bytes: dict[int, bytes] = {}
            self.token_bytes = self._token_bytes
        if "special_tokens" in self.members:
            self.special_tokens: Mapping[str, int] = dict(self._request({"op": "special_tokens"})["result"])
        form = hello.get("normalize")
        if form in _NORMAL_FORMS:
            self.normalize = lambda text, form=form: unicodedata.normalize(form, text)
        if isinstance(hello.get("vocab_size"), int):
            self.vocab_size: int = hello["vocab_size"]
        if isinstance(hello.get("unicode"), str):  # the Unicode version of the port's own tables
            self.unicode_version: str = hello["unicode"]

    def _start(self) -> dict[str, Any]:
        try:
            child = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=self._env, cwd=self._cwd,
                                     preexec_fn=preexec_die_with_parent)
        except OSError as exc:
            raise BackendUnavailable(f"{self.label}: cannot start: {exc.strerror or exc}") from None
        line, _ = read_line(child, _LOAD_TIMEOUT_S)
        try:
            hello = json.loads(line) if line else {}
        except ValueError:
            hello = {"error": f"handshake is not JSON: {line[:120]!r}"}
        if hello.get("protocol") != PROTOCOL or "name" not in hello:
            kill(child)
            why = hello.get("error") or (f"speaks {hello.get('protocol')!r}, not {PROTOCOL}" if hello else "no handshake (it exited?)")
            raise BackendUnavailable(f"{self.label}: {why}")
        self._child = child
        return dict(hello)

    def _request(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send one request line, read one response line.

        Raises:
            ProcessDied: the child died or did not answer within ``timeout``.
            PortError: the whole request failed.
        """
        if self._child is None or self._child.poll() is not None:
            self._start()
        child = self._child
        assert child is not None and child.stdin is not None
        try:
            child.stdin.write(json.dumps(request).encode("ascii") + b"\n")
            child.stdin.flush()
        except BrokenPipeError:
            pass
        line, timed_out = read_line(child, self.timeout)
        if not line:
            self._child = None
            if timed_out:
                kill(child)
                raise ProcessDied("timeout", f"{self.name} did not answer {request['op']} within {self.timeout:g} s")
            try:
                code = child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                kill(child)
                raise ProcessDied("timeout", f"{self.name} stopped answering {request['op']}") from None
            raise ProcessDied(crash_kind(code), f"{self.name} died in {request['op']} ({crash_kind(code)})")
        response = json.loads(line)
        if "error" in response:
            raise _port_error(str(response["error"]))
        return dict(response)

    def _items(self, op: str, key: str, items: list[Any]) -> list[Any]:
        results = self._request({"op": op, key: items})["results"]
        for r in results:
            if isinstance(r, dict) and "error" in r:
                raise _port_error(str(r["error"]))
        return list(results)

    def prefetch(self, texts: Sequence[str]) -> None:
        """Send the ``encode`` of every text, then the ``decode`` of every id list it got, as
        two requests, and keep the answers for the next ``encode(text)`` / ``decode(ids)``
        of each (used once, then dropped; a new prefetch drops what is left). The port sees
        the same per-text calls, only carried together: a pipe round trip costs 0.3-1 ms,
        ~20x a short text's encode in the port, so a campaign's checks were mostly waiting
        (tokfuzz.engines.hunt.Hunt.prefetch). Never raises: a batch that fails (the process
        died, timed out, or refused the request) is dropped, and each text's own call then
        finds the failure and reports it as its own."""
        self._ahead, self._ahead_decode = {}, {}
        sendable = [t for t in dict.fromkeys(texts) if not _SURROGATE_PAIR.search(t)]
        if not sendable:
            return
        try:
            encoded = self._request({"op": "encode", "texts": sendable})["results"]
            ids = [tuple(r) for r in encoded if isinstance(r, list)]
            unique = list(dict.fromkeys(ids))
            decoded = self._request({"op": "decode", "ids": [list(i) for i in unique]})["results"] if unique else []
        except (ProcessDied, PortError, ValueError, KeyError, TypeError):
            return
        if len(encoded) == len(sendable) and len(decoded) == len(unique):
            self._ahead = dict(zip(sendable, encoded))
            self._ahead_decode = dict(zip(unique, decoded))

    def encode(self, text: str) -> list[int]:
        """Ids of ``text`` (one request, or the answer ``prefetch`` got).

        Raises:
            NotTransmittable: ``text`` holds a surrogate pair (see the class).
        """
        _check_transmittable(text)
        got = self._ahead.pop(text, None) if self._ahead else None
        if got is None:
            got = self._items("encode", "texts", [text])[0]
        elif isinstance(got, dict) and "error" in got:
            raise _port_error(str(got["error"]))
        return list(got)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of each text, in one request. Raises the first item's error."""
        for text in texts:
            _check_transmittable(text)
        return [list(ids) for ids in self._items("encode", "texts", list(texts))]

    def decode(self, ids: Sequence[int]) -> str:
        """Text of ``ids`` (one request, or the answer ``prefetch`` got)."""
        got = self._ahead_decode.pop(tuple(ids), None) if self._ahead_decode else None
        if got is None:
            return str(self._items("decode", "ids", [list(ids)])[0])
        if isinstance(got, dict) and "error" in got:
            raise _port_error(str(got["error"]))
        return str(got)

    def decode_batch(self, ids: Sequence[Sequence[int]]) -> list[str]:
        """Text of each id list, in one request. Raises the first item's error."""
        return [str(text) for text in self._items("decode", "ids", [[int(i) for i in one] for one in ids])]

    @property
    def decode_stream(self) -> Callable[[], CmdStreamDecoder]:
        """A factory of fresh ``CmdStreamDecoder`` over the port's ``decode_stream`` op;
        an AttributeError (so ``getattr(backend, "decode_stream", None)`` is None) when
        the handshake does not list ``decode_stream``."""
        if "decode_stream" not in self.members:
            raise AttributeError(f"{self.name} has no decode_stream (its handshake does not list it)")
        return lambda: CmdStreamDecoder(self)

    def _decode_stream(self, ids: Sequence[int]) -> list[str]:
        """The port's pieces for one stream of ``ids``: ``len(ids) + 1`` strings.

        Raises:
            PortError: the port's error for the stream, or an answer of another shape.
        """
        pieces = self._items("decode_stream", "ids", [[int(i) for i in ids]])[0]
        if not isinstance(pieces, list) or len(pieces) != len(ids) + 1 or not all(isinstance(p, str) for p in pieces):
            raise PortError(f"decode_stream answered {str(pieces)[:80]} for {len(ids)} ids, expected {len(ids) + 1} strings")
        return pieces

    def _token_bytes(self, token: int) -> bytes:
        """Bytes of one token, memoized (bounded by the vocabulary)."""
        got = self._bytes.get(token)
        if got is None:
            got = self._bytes[token] = base64.b64decode(self._items("token_bytes", "ids", [int(token)])[0])
        return got

    def close(self) -> None:
        """Stop the child."""
        if self._child is not None:
            kill(self._child)
            self._child = None


class CmdStreamDecoder:
    """A ``cmd:`` port's incremental detokenizer (tokfuzz.backends.detokenizers.StreamDecoder).

    ``run(ids)`` sends the whole stream in one ``decode_stream`` request and returns the
    port's ``len(ids) + 1`` pieces (the oracles use it). ``step``/``flush`` buffer
    instead: ``step`` returns "" and keeps the id, ``flush`` sends the buffered stream
    and returns everything the port emitted, joined (which id completed which text
    is seen only through ``run``).
    """

    def __init__(self, backend: CmdBackend) -> None:
        self._backend = backend
        self._ids: list[int] = []

    def run(self, ids: Sequence[int]) -> list[str]:
        """One piece per id, then the flush, from one request."""
        return self._backend._decode_stream(ids)

    def step(self, token_id: int) -> str:
        """Buffer ``token_id``; always ""."""
        self._ids.append(int(token_id))
        return ""

    def flush(self) -> str:
        """The buffered stream's pieces, joined (one request); the buffer is emptied."""
        ids, self._ids = self._ids, []
        return "".join(self.run(ids))


_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def _check_transmittable(text: str) -> None:
    if _SURROGATE_PAIR.search(text):
        raise NotTransmittable("a high surrogate followed by a low one reaches the port as one astral character")


def load(arg: str) -> CmdBackend:
    """Backend for spec ``cmd:COMMAND LINE`` (split like a POSIX shell, run without one).

    Raises:
        BackendUnavailable: an empty command, a program that cannot start, or a child
            that does not speak tokfuzz-cmd/1.
    """
    argv = shlex.split(arg)
    if not argv:
        raise BackendUnavailable("cmd: spec needs a command line, e.g. cmd:./my-port --model m.json")
    return CmdBackend(argv, label=f"cmd:{arg}")
