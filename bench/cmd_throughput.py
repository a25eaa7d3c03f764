"""What the cmd: protocol costs: inputs/s of a JavaScript port through ``cmd:`` (one
request per input, and batches of 64) against Python tiktoken on the same inputs.

    .venv/bin/python -m bench.cmd_throughput [--inputs 2000] [--encoding cl100k_base]

Inputs are the first ``--inputs`` of ``tokfuzz.inputs.seeds.seed_inputs()``; an input
a library refuses (a special token) counts as checked. Best of three wall-clock runs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

from tokfuzz import Backend, load_backend
from tokfuzz.inputs.seeds import seed_inputs


def _rate(texts: Sequence[str], run: Callable[[], None], repeats: int = 3) -> float:
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = max(best, len(texts) / (time.perf_counter() - started))
    return best


def _one_by_one(backend: Backend, texts: Sequence[str]) -> Callable[[], None]:
    def run() -> None:
        for text in texts:
            try:
                backend.encode(text)
            except Exception:  # noqa: BLE001, S112 - a refused input still costs its round trip
                continue
    return run


def _batched(backend: Backend, texts: Sequence[str], size: int = 64) -> Callable[[], None]:
    def run() -> None:
        for start in range(0, len(texts), size):
            chunk = texts[start:start + size]
            try:
                backend.encode_batch(chunk)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - one refused item fails the batch: fall back to one by one
                _one_by_one(backend, chunk)()
    return run


def main(argv: Sequence[str] | None = None) -> int:
    """Print inputs/s per backend and mode."""
    parser = argparse.ArgumentParser(prog="python -m bench.cmd_throughput", description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=2000)
    parser.add_argument("--encoding", default="cl100k_base")
    args = parser.parse_args(argv)
    texts = list(seed_inputs())[:args.inputs]
    python = load_backend(f"tiktoken:{args.encoding}")
    print(f"{len(texts)} inputs, {args.encoding}")
    print(f"  python tiktoken, in process: {_rate(texts, _one_by_one(python, texts)):>9,.0f} inputs/s")
    for port in ("js-tiktoken", "tiktoken-wasm", "gpt-tokenizer"):
        js = load_backend(f"js:{port}:{args.encoding}")
        print(f"  {port} via cmd:, one per request: {_rate(texts, _one_by_one(js, texts)):>9,.0f} inputs/s")
        print(f"  {port} via cmd:, batches of 64:   {_rate(texts, _batched(js, texts)):>9,.0f} inputs/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
