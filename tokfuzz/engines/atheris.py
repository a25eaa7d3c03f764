"""The atheris (libFuzzer) engine, in a child process.

``run_atheris`` runs ``python -m tokfuzz.engines.atheris_harness`` (the harness every
``fuzz_targets/`` file uses) for one subject and reads back what it found; the
child checks inputs with the same ``Hunt`` and writes new classes to the corpus itself.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["run_atheris"]

_MAX_RESTARTS = 10
_LOAD_ALLOWANCE_S = 300
"""libFuzzer's own ``-max_total_time`` is a backstop this far past the budget: the child
stops itself ``TOKFUZZ_SECONDS`` after loading the subject."""
_OWN_SIGNALS = ("-handle_segv=0", "-handle_bus=0", "-handle_abrt=0", "-handle_ill=0", "-handle_fpe=0")
"""libFuzzer leaves deadly signals to the process, so a crash shows as the signal itself."""


def run_atheris(
    subject: str,
    seconds: float,
    work_dir: Path,
    *,
    queue: Path | None = None,
    properties: Sequence[str] = (),
    extra_backends: Sequence[str] = (),
    corpus: Path | None = None,
    seed: int | None = None,
    mutator: str = "text",
    dictionary: bool = True,
    seeds: Sequence[str] = (),
    on_state: Callable[[dict[str, Any]], None] | None = None,
    timeout: float = 5.0,
    record: Path | None = None,
) -> dict[str, Any]:
    """Fuzz ``subject`` with atheris for ``seconds`` (``TOKFUZZ_SECONDS``: counted from the
    end of model loading, which libFuzzer's ``-max_total_time`` would count), in a child process running
    ``python -m tokfuzz.engines.atheris_harness`` (see tokfuzz/engines/atheris_harness.py), and return its
    final state: ``{"inputs", "seconds", "load_seconds", "versions", "unavailable",
    "findings": [Finding fields...], "crashes": [{"kind", "backend", "call", "text",
    "found_s"}...], "execs", "exit_code", "error"}``.

    ``work_dir`` keeps the libFuzzer corpus (``queue/``, or ``queue`` when given: several
    runs at once share it, as libFuzzer's ``-jobs`` workers do, reading each other's
    inputs as they reload it; reused by the next run so coverage accumulates), the seed inputs (``seeds/``, rewritten from ``seeds``), the
    state file, crash artifacts and the child's output (``fuzz.log``). New classes go
    to ``corpus`` as they are found (None: not written). ``mutator`` is ``"text"``
    (tokfuzz.inputs.mutator) or ``"bytes"`` (libFuzzer's own); ``dictionary`` passes
    ``fuzz_targets/tokenizer.dict``'s tokens (``-dict=``). ``on_state`` gets each state
    read while the child runs (about twice a second).

    The child records each library call (tokfuzz.engines.guard, in ``record`` or
    ``work_dir/call.record``). A call busy for more than ``timeout`` seconds gets the
    child killed; a child that dies in a call (libFuzzer's own handlers for deadly
    signals are off, so the signal shows) or exits in one: either way the call is
    returned under ``crashes`` and libFuzzer starts again for the rest of ``seconds``
    (at most ten times), skipping those texts. The child dies with this process.
    """
    from tokfuzz.backends.isolated import crash_kind, preexec_die_with_parent
    from tokfuzz.engines.guard import HANG_GRACE_S, read_call
    from tokfuzz.inputs.seed_files import write_dict, write_dir

    queue_dir, seed_dir = queue or work_dir / "queue", work_dir / "seeds"
    for d in (queue_dir, seed_dir):
        d.mkdir(parents=True, exist_ok=True)
    for old in seed_dir.iterdir():
        old.unlink()
    write_dir(seed_dir, seeds)
    write_dict(work_dir / "tokenizer.dict")
    state_path, log_path, skip_path = work_dir / "state.json", work_dir / "fuzz.log", work_dir / "skip.json"
    record = record or work_dir / "call.record"
    env = {**os.environ, "TOKFUZZ_SUBJECT": subject, "TOKFUZZ_BACKEND": ";".join(extra_backends),
           "TOKFUZZ_CORPUS": str(corpus) if corpus is not None else "", "TOKFUZZ_STATE": str(state_path),
           "TOKFUZZ_MUTATOR": mutator, "TOKFUZZ_PROPERTIES": ",".join(properties), "TOKFUZZ_ON_FINDING": "record",
           "TOKFUZZ_RECORD": str(record), "TOKFUZZ_SKIP": str(skip_path), "TOKFUZZ_TIMEOUT": str(timeout),
           "TOKFUZZ_SECONDS": ""}
    total: dict[str, Any] = {"inputs": 0, "repeats": 0, "codepoints": 0, "seconds": 0.0, "execs": 0, "findings": [],
                             "crashes": []}
    skip: list[str] = []
    for attempt in range(_MAX_RESTARTS + 1):
        left = seconds - total["seconds"]
        if attempt and left < 1.0:
            break
        skip_path.write_text(json.dumps(skip), encoding="utf-8")
        state_path.unlink(missing_ok=True)
        record.unlink(missing_ok=True)
        env["TOKFUZZ_SECONDS"] = f"{left:.3f}"
        args = [sys.executable, "-m", "tokfuzz.engines.atheris_harness", str(queue_dir), str(seed_dir),
                f"-max_total_time={round(left) + _LOAD_ALLOWANCE_S}", f"-artifact_prefix={work_dir}/",
                "-print_final_stats=1",
                *_OWN_SIGNALS]
        if dictionary:
            args.append(f"-dict={work_dir / 'tokenizer.dict'}")
        if seed is not None:
            args.append(f"-seed={seed + 1 + 1000 * attempt}")  # libFuzzer reads -seed=0 as "pick one"
        state: dict[str, Any] = {}
        killed = False
        with open(log_path, "wb") as log:
            child = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     preexec_fn=preexec_die_with_parent)
            limit = time.monotonic() + left + 600
            while child.poll() is None:
                call = read_call(record)
                if time.monotonic() > limit or (call is not None and call.hung(timeout + HANG_GRACE_S)):
                    killed = True
                    child.kill()
                    child.wait()
                    break
                time.sleep(0.25)
                state = _read_state(state_path) or state
                if on_state is not None and state:
                    on_state(_combined(total, state))
        state = _read_state(state_path) or state
        tail = log_path.read_bytes()[-20_000:].decode("utf-8", "replace")
        execs = re.search(r"stat::number_of_executed_units:\s*(\d+)", tail)
        total = _combined(total, state, int(execs[1]) if execs else int(state.get("inputs", 0)))
        total["exit_code"] = child.returncode
        call = read_call(record)
        if call is not None and call.busy:  # it hung or died inside a library call
            kind = "timeout" if killed else crash_kind(child.returncode)
            total["crashes"].append({"kind": kind, "backend": call.backend, "call": call.call, "text": call.text,
                                     "found_s": round(total["seconds"], 3)})
            skip.append(call.text)
            continue
        total["error"] = "" if child.returncode == 0 else _last_error(tail, child.returncode, log_path)
        break
    return total


def _combined(total: dict[str, Any], state: dict[str, Any], execs: int | None = None) -> dict[str, Any]:
    """``total`` (ended children) plus one child's ``state``: inputs and seconds add up,
    findings merge per signature (counts added)."""
    out = {**state, **{k: total[k] for k in ("crashes",)}}
    for key in ("inputs", "repeats", "codepoints"):
        out[key] = total.get(key, 0) + int(state.get(key, 0))
    out["seconds"] = round(total["seconds"] + float(state.get("seconds", 0.0)), 3)
    if execs is not None:
        out["execs"] = total["execs"] + execs
    merged = {f["signature"]: dict(f) for f in total["findings"]}
    for f in state.get("findings", []):
        if f["signature"] in merged:
            merged[f["signature"]]["count"] += f["count"]
        else:
            merged[f["signature"]] = dict(f)
    out["findings"] = list(merged.values())
    out.setdefault("versions", total.get("versions", {}))
    out.setdefault("unavailable", total.get("unavailable", {}))
    out.setdefault("load_seconds", total.get("load_seconds", 0.0))
    return out


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def _last_error(tail: str, code: int, log: Path) -> str:
    lines = [line for line in tail.splitlines() if line.strip() and not line.startswith(("#", "INFO", "stat::"))]
    why = lines[-1].strip() if lines else "no output"
    return f"atheris exited with status {code}: {why[:300]} (log: {log})"
