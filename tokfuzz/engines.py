"""Input engines: hypothesis in this process, atheris (libFuzzer) in a child process.

``run_atheris`` runs ``python -m tokfuzz.fuzz_target`` (the harness every
``fuzz_targets/`` file uses) for one subject and reads back what it found; the
child checks inputs with the same ``Hunt`` and writes new classes to the corpus itself.

``run_hypothesis`` drives hypothesis as a generator: ``@given`` over
``tokfuzz.strategies.unicode_text()`` with the generate and target phases, steered by
a novelty score the campaign reports per input (``hypothesis.target``), and no shrink
phase (tokfuzz shrinks
with its own grapheme-aware minimizer), no example database (the corpus is the
database), eight texts per example (hypothesis' per-example overhead dominates
otherwise), and batches of examples so hypothesis' per-run bookkeeping stays bounded
however long the campaign runs. The callback never raises on a finding: the engine
keeps generating after every failure.
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

from hypothesis import HealthCheck, Phase, Verbosity, given, settings, target
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

__all__ = ["run_atheris", "run_hypothesis"]

_BATCH = 500  # hypothesis examples per @given run
_TEXTS_PER_EXAMPLE = 8  # texts drawn per example: amortizes hypothesis' per-example cost (1.7x)


class _TimeUp(BaseException):
    """Raised inside the test body at the deadline; BaseException so hypothesis does
    not treat it as a failing example to replay or report."""


def run_hypothesis(
    on_input: Callable[[str], float | None],
    deadline: float,
    seed: int | None = None,
    strategy: SearchStrategy[str] | None = None,
) -> int:
    """Feed generated strings to ``on_input`` until ``time.monotonic() >= deadline``.

    ``on_input`` may return a novelty score (new token ids, new classes: higher is
    more novel); the scores of an example's texts are summed and passed to
    ``hypothesis.target``, so hypothesis' targeted phase mutates towards inputs that
    reach new behaviour. ``seed`` makes the sequence of inputs reproducible (batch
    ``i`` uses ``seed + i``). Returns the number of inputs generated. Exceptions from
    ``on_input`` propagate.
    """
    if strategy is None:
        from tokfuzz.strategies import unicode_text

        strategy = unicode_text()
    count = 0

    def body(texts: list[str]) -> None:
        nonlocal count
        novelty = 0.0
        for text in texts:
            if time.monotonic() >= deadline:
                raise _TimeUp
            count += 1
            novelty += on_input(text) or 0.0
        target(novelty, label="novelty")

    batch = 0
    while time.monotonic() < deadline:
        test = settings(
            max_examples=_BATCH,
            database=None,
            deadline=None,
            phases=[Phase.generate, Phase.target],
            suppress_health_check=list(HealthCheck),
            derandomize=False,
            verbosity=Verbosity.quiet,
        )(given(st.lists(strategy, min_size=_TEXTS_PER_EXAMPLE, max_size=_TEXTS_PER_EXAMPLE))(body))
        if seed is not None:
            test = hypothesis_seed(seed + batch)(test)
        try:
            test()
        except _TimeUp:
            break
        batch += 1
    return count


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
    ``python -m tokfuzz.fuzz_target`` (see tokfuzz/fuzz_target.py), and return its
    final state: ``{"inputs", "seconds", "load_seconds", "versions", "unavailable",
    "findings": [Finding fields...], "execs", "exit_code", "error"}``.

    ``work_dir`` keeps the libFuzzer corpus (``queue/``, reused by the next run so
    coverage accumulates), the seed inputs (``seeds/``, rewritten from ``seeds``), the
    state file, crash artifacts and the child's output (``fuzz.log``). New classes go
    to ``corpus`` as they are found (None: not written). ``mutator`` is ``"text"``
    (tokfuzz.mutator) or ``"bytes"`` (libFuzzer's own); ``dictionary`` passes
    ``fuzz_targets/tokenizer.dict``'s tokens (``-dict=``). ``on_state`` gets each state
    read while the child runs (about twice a second). The child is killed if it
    overruns ``seconds`` by more than ten minutes (model loading included).
    """
    from tokfuzz.fuzz_seeds import write_dict, write_dir

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
    args = [sys.executable, "-m", "tokfuzz.fuzz_target", str(queue_dir), str(seed_dir),
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
