"""A planted-fault serving stack as a ``cmd:`` port: a real tokenizer with three classic
serving bugs, for checking that a fuzz target built for OSS-Fuzz finds what it should.

It speaks tokfuzz-cmd/1 (README, "The cmd: protocol") on stdin/stdout and wraps the real
tiktoken ``cl100k_base`` (the encoding of bench.faults.reference_backend, loaded offline the
same way), exact except for:

* ``encode`` drops every U+200D ZERO WIDTH JOINER (bench.faults.DropsZWJ's fault) and
  matches special tokens in user text (``allowed_special="all"``: ``<|endoftext|>`` typed by
  a user becomes the control token) — found by roundtrip, cross_backend, split_consistency
  (the token bytes no longer cover the text) and special_tokens;
* ``decode_stream`` decodes each id's bytes on their own with ``errors="replace"``, holding
  nothing back (no prefix/read offsets), so a character split across tokens streams as
  U+FFFD — the stray replacement characters of the mission statement; found by
  streaming_decode.

Run it as a backend: ``--backend "cmd:python -m bench.fault_port"`` (from the repository
root), or ``TOKFUZZ_BACKEND`` for an atheris target. Being a separate process, it can be
added to a PyInstaller-bundled target that cannot import ``bench`` (``make oss-fuzz-check``).
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

from bench.faults import REFERENCE_SPEC, reference_backend

__all__ = ["NAME", "main", "serve"]

NAME = "planted-faults"
"""The port's backend name (in every finding's backends)."""


def _each(items: Iterable[Any], fn: Callable[[Any], Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        try:
            out.append(fn(item))
        except Exception as exc:  # noqa: BLE001 - one failed item is an error object (the protocol)
            out.append({"error": f"{type(exc).__name__}: {exc}"})
    return out


def serve(lines: Iterable[str], write: Callable[[str], None]) -> None:
    """Answer each request line of ``lines`` with one line through ``write`` (the handshake
    first), as tokfuzz-cmd/1 says."""
    real = reference_backend()
    enc = real._enc  # type: ignore[attr-defined]  # noqa: SLF001 - the tiktoken Encoding the adapter wraps
    special = dict(real.special_tokens)  # type: ignore[attr-defined]

    def encode(text: str) -> list[int]:
        return list(enc.encode(text.replace("\u200d", ""), allowed_special="all"))

    def stream(ids: list[int]) -> list[str]:
        return [enc.decode_single_token_bytes(i).decode("utf-8", "replace") for i in ids] + [""]

    def send(obj: dict[str, Any]) -> None:
        write(json.dumps(obj) + "\n")

    send({"protocol": "tokfuzz-cmd/1", "name": NAME, "library": f"tiktoken ({REFERENCE_SPEC}) with planted faults",
          "version": str(real.version), "vocab_size": int(enc.n_vocab),
          "members": ["encode", "decode", "token_bytes", "special_tokens", "decode_stream"]})
    for line in lines:
        request = json.loads(line)
        op = request.get("op")
        if op == "encode":
            response: dict[str, Any] = {"results": _each(request["texts"], encode)}
        elif op == "decode":
            response = {"results": _each(request["ids"], enc.decode)}
        elif op == "token_bytes":
            response = {"results": _each(request["ids"], lambda i: base64.b64encode(enc.decode_single_token_bytes(i)).decode())}
        elif op == "special_tokens":
            response = {"result": special}
        elif op == "decode_stream":
            response = {"results": _each(request["ids"], stream)}
        else:
            response = {"error": f"ValueError: unsupported op {op!r}"}
        if "id" in request:
            response["id"] = request["id"]
        send(response)


def main() -> None:
    """Serve stdin to stdout until stdin closes."""
    def write(line: str) -> None:
        sys.stdout.write(line)
        sys.stdout.flush()

    serve(sys.stdin, write)


if __name__ == "__main__":
    main()
