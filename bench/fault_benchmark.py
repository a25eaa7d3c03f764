"""Which planted faults does tokfuzz find, and how fast, against a plain ``st.text()``?

    python -m bench.fault_benchmark [--seconds 60] [--seed N] [--repeats 1]
                                    [--fault NAME]... [--results bench/RESULTS.md]

For every fault of ``bench.faults`` and every generator (``tokfuzz``:
``tokfuzz.strategies.unicode_text()`` through the campaign's generation phase,
``tokfuzz.engines.generate``: the fast sampler with hypothesis on a share; ``tokfuzz,
hypothesis only``: the same strategy through hypothesis alone, as campaigns ran until
step 10; ``st.text baseline``: hypothesis' ``text()``), a trial builds a ``Hunt`` over the
subject ``custom`` = {real tiktoken cl100k_base, the faulty backend} with the ``roundtrip``
and ``cross_backend`` properties, and drives it exactly as a campaign does (same engine, same
minimizer), stopping at the first finding that shows the planted fault
(``bench.faults.is_planted``) or after ``--seconds``. It records whether the fault
was found, the wall-clock seconds to that finding (generation, oracles and shrinking
included), the inputs checked until then, and the minimal witness.

Trials run one after another in this process, so the worst case is
``faults x 2 generators x repeats x seconds``; most trials stop within seconds.
Prints a table and writes it to ``--results`` (with the command, date and machine).
Exit status: 0 when tokfuzz found every fault in every repeat, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from bench.faults import FAULTS, FaultyBackend, is_planted, reference_backend
from bench.results import Trial, print_table, write_results
from tokfuzz.engines.generate import generate
from tokfuzz.engines.hunt import Finding, Hunt
from tokfuzz.engines.hypothesis import run_hypothesis
from tokfuzz.strategies import unicode_text

__all__ = ["GENERATORS", "Trial", "main", "run_trial"]

GENERATORS: dict[str, tuple[Callable[[], SearchStrategy[str]], bool]] = {
    "tokfuzz": (unicode_text, True),
    "tokfuzz, hypothesis only": (unicode_text, False),
    "st.text baseline": (st.text, False),
}
"""Generator label -> (zero-argument strategy factory, whether it runs the campaign's generation
phase ``tokfuzz.engines.generate.generate``: the fast sampler with hypothesis on a share;
otherwise ``run_hypothesis`` alone, one text per example), tokfuzz first."""

ATHERIS: dict[str, tuple[str, bool]] = {
    "atheris + tokfuzz mutator": ("text", True),
    "atheris, bytes + dict": ("bytes", True),
    "atheris, bytes only": ("bytes", False),
}
"""atheris engine label -> (``TOKFUZZ_MUTATOR``, tokenizer dictionary or not):
tokfuzz.inputs.mutator, or libFuzzer's own byte mutations with and without
``fuzz_targets/tokenizer.dict``."""

NEUTRAL_SEEDS: tuple[str, ...] = ("Hello, world!", "x = 1\nprint(x)\n", "The quick brown fox jumps over the lazy dog.")
"""The atheris trials' seed corpus: plain ASCII, so a fault is found by mutation, not
handed over by a seed (tokfuzz's own seeds hold every ZWJ sequence)."""

_PROPERTIES = ("roundtrip", "cross_backend")
_SEED_STRIDE = 100_000  # repeats use disjoint seed ranges (run_hypothesis uses seed + batch)


class _Found(BaseException):
    """Raised from the engine callback at the first finding of the planted fault;
    a BaseException so hypothesis lets it through as it does its own deadline signal."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.signature)
        self.finding = finding


def run_trial(fault_cls: type[FaultyBackend], generator: str, seconds: float, seed: int) -> Trial:
    """Hunt ``fault_cls``'s fault with ``GENERATORS[generator]`` for at most ``seconds``."""
    real, fault = reference_backend(), fault_cls()
    hunt = Hunt("custom", {real.name: real, fault.name: fault}, properties=_PROPERTIES)
    factory, campaign = GENERATORS[generator]
    strategy = factory()

    def on_input(text: str) -> None:
        for finding in hunt.check(text, f"bench:{generator}"):
            if is_planted(finding, fault.name, real):
                raise _Found(finding)

    start = time.monotonic()
    try:
        if campaign:
            generate(lambda text, _source: on_input(text), deadline=start + seconds, strategy=strategy, seed=seed)
        else:
            run_hypothesis(on_input, deadline=start + seconds, seed=seed, strategy=strategy)
    except _Found as found:
        elapsed = time.monotonic() - start
        f = found.finding
        return Trial(fault.name, generator, seed, True, elapsed, hunt.inputs, f.input, f.property, f.kind,
                     hunt.inputs / elapsed)
    elapsed = time.monotonic() - start
    return Trial(fault.name, generator, seed, False, elapsed, hunt.inputs, exec_rate=hunt.inputs / elapsed)


def run_atheris_trial(fault_cls: type[FaultyBackend], engine: str, seconds: float, seed: int, work: Path) -> Trial:
    """Hunt ``fault_cls``'s fault with the atheris engine ``ATHERIS[engine]`` for at most
    ``seconds`` of fuzzing (model loading excluded), from ``NEUTRAL_SEEDS``. The run
    records every class and goes on (other classes, such as tiktoken refusing special
    token text, are found too), so it always takes ``seconds``; the trial's seconds are
    those to the first planted finding, and its inputs are estimated from exec/s."""
    from tokfuzz.engines.atheris import run_atheris

    name = fault_cls.__name__
    mutator, dictionary = ATHERIS[engine]
    state = run_atheris("custom", seconds, work / f"{name}-{mutator}-{dictionary}-{seed}", properties=_PROPERTIES,
                        extra_backends=("tiktoken:cl100k_base", f"python:bench.faults:{name}"), seed=seed,
                        mutator=mutator, dictionary=dictionary, seeds=NEUTRAL_SEEDS)
    rate = state.get("execs", 0) / max(state.get("seconds", 0.0), 1e-9)
    fault = fault_cls()
    for f in sorted(state.get("findings", []), key=lambda f: f["first_found_s"]):
        finding = Finding(**{**f, "backends": tuple(f["backends"])})
        if is_planted(finding, fault.name):
            t = finding.first_found_s
            return Trial(fault.name, engine, seed, True, t, round(rate * t), finding.input, finding.property,
                         finding.kind, rate)
    return Trial(fault.name, engine, seed, False, float(state.get("seconds", seconds)), int(state.get("execs", 0)),
                 exec_rate=rate)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.fault_benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="budget per trial (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed of the first repeat (default 0)")
    parser.add_argument("--repeats", type=int, default=1, help="trials per (fault, generator), seeds seed + k*%d" % _SEED_STRIDE)
    names = [f.__name__ for f in FAULTS]
    parser.add_argument("--fault", action="append", choices=names, help="run only this fault (repeatable; default all)")
    parser.add_argument("--no-atheris", dest="atheris", action="store_false",
                        help="skip the atheris trials (with and without tokfuzz's mutator)")
    parser.add_argument("--results", type=Path, default=Path(__file__).with_name("RESULTS.md"), help="markdown file to write")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.repeats < 1:
        parser.error("--seconds must be > 0 and --repeats >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print and write the results. Returns the exit status."""
    args = _parse(argv)
    faults = [f for f in FAULTS if not args.fault or f.__name__ in args.fault]
    reference_backend()  # load once, before any clock starts
    trials: list[Trial] = []
    engines = [*GENERATORS, *(ATHERIS if args.atheris else ())]
    with tempfile.TemporaryDirectory(prefix="tokfuzz-faults-") as work:
        for fault_cls in faults:
            for generator in engines:
                for k in range(args.repeats):
                    seed = args.seed + k * _SEED_STRIDE
                    trial = (run_atheris_trial(fault_cls, generator, args.seconds, seed, Path(work)) if generator in ATHERIS
                             else run_trial(fault_cls, generator, args.seconds, seed))
                    verdict = f"found in {trial.seconds:.2f} s" if trial.found else f"missed ({trial.seconds:.0f} s)"
                    print(f"{fault_cls.__name__:<24} {generator:<26} seed {trial.seed}: {verdict}, {trial.inputs} inputs",
                          flush=True)
                    trials.append(trial)
    command = "python -m bench.fault_benchmark " + " ".join(sys.argv[1:] if argv is None else argv)
    print_table(trials, args.seconds)
    write_results(args.results, trials, args.seconds, command.strip(), faults)
    print(f"wrote {args.results}")
    missed = [t for t in trials if t.generator == "tokfuzz" and not t.found]
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
