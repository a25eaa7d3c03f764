"""Performance benchmark of tokfuzz itself (``make bench``).

    python -m bench.run_all [--campaign-seconds 300] [--repeats 3] [--only PART]...
                            [--subject NAME]... [--results bench/RESULTS.md]

Parts, run in this order, one after another (never concurrently, so no measurement
competes with another for the cores):

* ``throughput``: raw encode rate of each backend of each subject on the campaign mix
  and on real text, the campaign's checked rate per subject and property, the harness
  overhead ratio, and the generation rate (bench.throughput, bench.inputs);
* ``minimize``: time and oracle calls to shrink failures of the mix and planted faults,
  and witness sizes (bench.minimize_speed);
* ``replay``: cases/s of replaying a synthesized 10,000-case corpus (bench.replay_speed);
* ``generation``: step 10's before/after, unique inputs checked per second by one job as
  filed and today, per subject (bench.generation_speed), ``--job-seconds`` each;
* ``scaling``: one subject's campaign (each ``--subject``; default cl100k_base) with 1 and 2
  workers (its budget split into shards), ``--job-seconds`` each (bench.scale_out);
* ``memory``: RSS of a real ``tokfuzz fuzz`` campaign of ``--campaign-seconds`` with two
  workers, and its growth (bench.memory). It runs last and alone: its two workers take
  both cores of a two-core machine.

Prints rich tables and replaces this benchmark's sections of ``--results`` (markers
``<!-- bench:perf:KEY -->``), leaving the rest of the file as it is. With the defaults
the whole run takes about ``campaign seconds + 4 min`` on a two-core machine, plus
``generation``'s three ``--job-seconds`` runs (and a raw-rate pass) per subject, ~8 min.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import generation_speed, inputs, memory, minimize_speed, perf_sections, replay_speed, scale_out, throughput
from bench.measure import CLOCK, Rate, machine_summary, median_rate, utf8_size
from bench.perf_report import Section, print_sections, write_sections
from tokfuzz.findings.corpus import Case, Corpus
from tokfuzz.backends.quiet import native_stderr_to_log
from tokfuzz.backends.subjects import SUBJECTS, load_subject

__all__ = ["PARTS", "main"]

PARTS: tuple[str, ...] = ("throughput", "minimize", "replay", "generation", "scaling", "memory")
_ENV = "BENCH_CAMPAIGN_SECONDS"


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=(__doc__ or "").split("\n\n")[0])
    default_seconds = float(os.environ.get(_ENV, "300"))
    parser.add_argument("--campaign-seconds", type=float, default=default_seconds,
                        help=f"length of the memory campaign (default ${_ENV} or 300)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure, the median is reported (default 3)")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this part (repeatable; default all)")
    parser.add_argument("--subject", action="append", choices=list(SUBJECTS), help="subjects measured (default all six)")
    parser.add_argument("--generated", type=int, default=inputs.GENERATED, help="generated inputs drawn for the mix")
    parser.add_argument("--stride", type=int, default=inputs.STRIDE, help="keep every STRIDE-th mix input")
    parser.add_argument("--stdlib-bytes", type=int, default=inputs.STDLIB_BYTES, help="bytes of real text")
    parser.add_argument("--failures-per-subject", type=int, default=4, help="mix failures shrunk per subject")
    parser.add_argument("--replay-cases", type=int, default=replay_speed.CASES, help="size of the replayed corpus")
    parser.add_argument("--memory-subject", action="append", choices=list(SUBJECTS),
                        help=f"subjects of the memory campaign (default {' '.join(memory.SUBJECTS)})")
    parser.add_argument("--memory-workers", type=int, default=2, help="workers of the memory campaign (default 2)")
    parser.add_argument("--job-seconds", type=float, default=15.0, help="seconds of each generation run (default 15)")
    parser.add_argument("--corpus", type=Path, default=Path("corpora"), help="committed corpus (read only)")
    parser.add_argument("--results", type=Path, default=Path(__file__).with_name("RESULTS.md"), help="markdown to update")
    parser.add_argument("--no-write", action="store_true", help="print only; leave --results alone")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.campaign_seconds <= 0 or args.generated < 1 or args.stride < 1 or args.replay_cases < 1:
        parser.error("--repeats, --generated, --stride, --replay-cases must be >= 1 and --campaign-seconds > 0")
    return args


def _say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def _known(cases: Sequence[Case]) -> dict[str, dict[str, str]]:
    """subject -> {signature: witness}, as ``tokfuzz fuzz`` builds it from the corpus."""
    known: dict[str, dict[str, str]] = {}
    for case in cases:
        known.setdefault(case.subject, {}).setdefault(case.signature, case.input)
    return known


def _measure_subjects(args: argparse.Namespace, parts: set[str], mix: inputs.InputMix | None, real: list[str],
                      committed: Sequence[Case], speeds: list[generation_speed.JobSpeed]
                      ) -> tuple[list[throughput.SubjectThroughput], list[minimize_speed.Failure], dict[str, list[str]]]:
    """Load each subject once and run what needs it loaded (``speeds`` gets the generation
    runs); then let it go."""
    known = _known(committed)
    rates: list[throughput.SubjectThroughput] = []
    failures: list[minimize_speed.Failure] = []
    names: dict[str, list[str]] = {}
    for name in args.subject or list(SUBJECTS):
        _say(f"{name}: loading")
        subject = load_subject(name)
        names[name] = list(subject.backends)
        if "throughput" in parts and mix is not None:
            _say(f"{name}: throughput ({len(mix.texts):,} mix inputs, {len(real):,} real-text chunks, {args.repeats} repeats)")
            rates.append(throughput.subject_throughput(name, subject.backends, mix.texts, real, known.get(name, {}), args.repeats))
        if "minimize" in parts and mix is not None:
            generated = mix.texts[mix.n_seeds :]  # seed inputs are a few code points already
            failures += minimize_speed.first_failures(name, subject.backends, generated, args.failures_per_subject)
        if "generation" in parts:
            _say(f"{name}: generation before/after ({args.job_seconds:g} s a run, 3 runs)")
            speeds += generation_speed.subject_speeds(name, subject.backends, known.get(name, {}), args.job_seconds)
    return rates, failures, names


def _replay(args: argparse.Namespace, mix: inputs.InputMix, committed: Sequence[Case],
            names: dict[str, list[str]]) -> tuple[replay_speed.ReplayTiming, str]:
    """Synthesize the corpus into a temporary directory and time its replay."""
    cases = replay_speed.synthesize_cases(args.replay_cases, mix.texts, committed, names)
    with tempfile.TemporaryDirectory(prefix="tokfuzz-bench-replay-") as tmp:
        written = replay_speed.write_corpus(Path(tmp), cases)
        _say(f"replaying {written:,} cases ({args.repeats} repeats)")
        timing = replay_speed.time_replay(Path(tmp), args.repeats)
    return timing, replay_speed.composition(cases)


def _generation(args: argparse.Namespace, mix: inputs.InputMix) -> Rate:
    """Generation rate (inputs/s): the mix's own generation plus ``repeats - 1`` more
    runs with the same seed, median duration.

    Raises:
        RuntimeError: a run drew other inputs than the mix's (generation is not reproducible).
    """
    seconds = [mix.generation.wall]
    for _ in range(args.repeats - 1):
        texts, timing = inputs.generate(mix.generated, mix.seed)
        if inputs.digest(texts) != mix.generated_digest:
            raise RuntimeError("run_hypothesis drew different inputs with the same seed")
        seconds.append(timing.wall)
    return median_rate([Rate(mix.generated, 0, s) for s in seconds])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen parts; print and write the results. Returns 0."""
    args = _parse(argv)
    parts = set(args.only or PARTS)
    command = "python -m bench.run_all " + " ".join(sys.argv[1:] if argv is None else argv)
    machine = machine_summary()
    date = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    committed = Corpus(args.corpus).load()
    mix: inputs.InputMix | None = None
    real: list[str] = []
    generation: Rate | None = None
    rates: list[throughput.SubjectThroughput] = []
    shrinks: list[minimize_speed.ShrinkResult] = []
    replay: tuple[replay_speed.ReplayTiming, str] | None = None
    speeds: list[generation_speed.JobSpeed] = []
    with native_stderr_to_log():  # tokie's Rust panics print backtraces on fd 2
        if parts & {"throughput", "minimize", "replay"}:  # the generation part draws its own inputs
            _say(f"generating the campaign mix (seeds + {args.generated:,} generated inputs, seed 0)")
            mix = inputs.campaign_mix(args.generated, args.stride)
            real = inputs.stdlib_chunks(args.stdlib_bytes)
            if "throughput" in parts:
                generation = _generation(args, mix)
        if parts & {"throughput", "minimize", "replay", "generation"}:
            rates, failures, names = _measure_subjects(args, parts, mix, real, committed, speeds)
        if mix is not None:
            if "minimize" in parts:
                failures += minimize_speed.planted_failures(mix.texts[mix.n_seeds :])
                for failure in failures:
                    _say(f"shrinking {failure.label} {failure.verdict.property}/{failure.verdict.kind} ({len(failure.text)} cp)")
                    shrinks.append(minimize_speed.shrink(failure, args.repeats))
            if "replay" in parts:
                replay = _replay(args, mix, committed, names)
    scaling: list[scale_out.ScaleRun] = []
    if "scaling" in parts:
        for subject in args.subject or ["cl100k_base"]:
            _say(f"scaling: {subject} with 1 and 2 workers ({args.job_seconds:g} s each)")
            scaling += scale_out.measure_scaling(subject, args.job_seconds, (1, 2), _known(committed))
    mem = None
    if "memory" in parts:
        subjects = tuple(args.memory_subject or memory.SUBJECTS)
        _say(f"memory: tokfuzz fuzz --seconds {args.campaign_seconds:g} --workers {args.memory_workers} "
             f"on {' '.join(subjects)} (sampling /proc)")
        mem = memory.run_memory_campaign(args.campaign_seconds, subjects, args.memory_workers, corpus=args.corpus)
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    info = perf_sections.RunInfo(command.strip(), date, machine, load_after, args.repeats)
    real_info = (len(real), sum(utf8_size(t) for t in real), inputs.digest(real)) if real else None
    sections: list[Section] = []
    if parts == set(PARTS):  # a partial run keeps the full run's environment (its own notes say where it ran)
        sections.append(perf_sections.environment_section(info, mix, real_info, CLOCK.cpu_share))
    if "throughput" in parts:
        sections.append(perf_sections.throughput_section(info, rates))
        sections.append(perf_sections.campaign_section(info, rates, generation))
    if "minimize" in parts:
        sections.append(perf_sections.minimize_section(info, shrinks))
    if replay is not None:
        sections.append(perf_sections.replay_section(info, *replay))
    if "generation" in parts:
        sections.append(perf_sections.generation_section(info, speeds, args.job_seconds))
    if scaling:
        sections.append(perf_sections.scaling_section(info, scaling))
    if mem is not None:
        sections.append(perf_sections.memory_section(info, mem))
    print_sections(sections)
    if not args.no_write:
        write_sections(args.results, sections)
        _say(f"wrote {len(sections)} section(s) of {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
