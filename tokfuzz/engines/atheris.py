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


def run_atheris(
    subject: str,
    seconds: float,
    work_dir: Path,
    *,
    properties: Sequence[str] = (),
    extra_backends: Sequence[str] = (),
    corpus: Path | None = None,
    seed: int | None = None,
    mutator: str = "text",
    dictionary: bool = True,
    seeds: Sequence[str] = (),
    on_state: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Fuzz ``subject`` with atheris for ``seconds`` (libFuzzer's ``-max_total_time``;
    model loading comes before and is not counted), in a child process running
    ``python -m tokfuzz.engines.atheris_harness`` (see tokfuzz/engines/atheris_harness.py), and return its
    final state: ``{"inputs", "seconds", "load_seconds", "versions", "unavailable",
    "findings": [Finding fields...], "execs", "exit_code", "error"}``.

    ``work_dir`` keeps the libFuzzer corpus (``queue/``, reused by the next run so
    coverage accumulates), the seed inputs (``seeds/``, rewritten from ``seeds``), the
    state file, crash artifacts and the child's output (``fuzz.log``). New classes go
    to ``corpus`` as they are found (None: not written). ``mutator`` is ``"text"``
    (tokfuzz.inputs.mutator) or ``"bytes"`` (libFuzzer's own); ``dictionary`` passes
    ``fuzz_targets/tokenizer.dict``'s tokens (``-dict=``). ``on_state`` gets each state
    read while the child runs (about twice a second). The child is killed if it
    overruns ``seconds`` by more than ten minutes (model loading included).
    """
    from tokfuzz.inputs.seed_files import write_dict, write_dir

    queue_dir, seed_dir = work_dir / "queue", work_dir / "seeds"
    for d in (queue_dir, seed_dir):
        d.mkdir(parents=True, exist_ok=True)
    for old in seed_dir.iterdir():
        old.unlink()
    write_dir(seed_dir, seeds)
    write_dict(work_dir / "tokenizer.dict")
    state_path, log_path = work_dir / "state.json", work_dir / "fuzz.log"
    state_path.unlink(missing_ok=True)
    env = {**os.environ, "TOKFUZZ_SUBJECT": subject, "TOKFUZZ_BACKEND": ";".join(extra_backends),
           "TOKFUZZ_CORPUS": str(corpus) if corpus is not None else "", "TOKFUZZ_STATE": str(state_path),
           "TOKFUZZ_MUTATOR": mutator, "TOKFUZZ_PROPERTIES": ",".join(properties), "TOKFUZZ_ON_FINDING": "record"}
    args = [sys.executable, "-m", "tokfuzz.engines.atheris_harness", str(queue_dir), str(seed_dir),
            f"-max_total_time={max(1, round(seconds))}", f"-artifact_prefix={work_dir}/", "-print_final_stats=1"]
    if dictionary:
        args.append(f"-dict={work_dir / 'tokenizer.dict'}")
    if seed is not None:
        args.append(f"-seed={seed + 1}")  # libFuzzer reads -seed=0 as "pick one"
    state: dict[str, Any] = {}
    with open(log_path, "wb") as log:
        child = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        limit = time.monotonic() + seconds + 600
        while child.poll() is None:
            if time.monotonic() > limit:
                child.kill()
            time.sleep(0.5)
            state = _read_state(state_path) or state
            if on_state is not None and state:
                on_state(state)
    state = _read_state(state_path) or state
    tail = log_path.read_bytes()[-20_000:].decode("utf-8", "replace")
    execs = re.search(r"stat::number_of_executed_units:\s*(\d+)", tail)
    state["execs"] = int(execs[1]) if execs else state.get("inputs", 0)
    state["exit_code"] = child.returncode
    state["error"] = "" if child.returncode == 0 else _last_error(tail, child.returncode, log_path)
    return state


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def _last_error(tail: str, code: int, log: Path) -> str:
    lines = [line for line in tail.splitlines() if line.strip() and not line.startswith(("#", "INFO", "stat::"))]
    why = lines[-1].strip() if lines else "no output"
    return f"atheris exited with status {code}: {why[:300]} (log: {log})"
