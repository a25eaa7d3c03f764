"""The performance benchmark's sections: measurements (bench.throughput,
bench.minimize_speed, bench.replay_speed, bench.memory) turned into ``Section`` tables
with the notes that make each figure reproducible (command, date, machine,
definitions). Rendering is bench.perf_report's job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.generation_speed import JobSpeed
from bench.inputs import InputMix
from bench.measure import Rate
from bench.memory import MemoryResult
from bench.minimize_speed import ShrinkResult
from bench.perf_report import Section, fmt_rate, fmt_s
from bench.replay_speed import ReplayTiming
from bench.scale_out import ScaleRun
from bench.throughput import ALL, SubjectThroughput
from tokfuzz.oracles import PROPERTIES, describe_text

__all__ = [
    "GOAL",
    "RunInfo",
    "campaign_section",
    "environment_section",
    "generation_section",
    "memory_section",
    "minimize_section",
    "replay_section",
    "throughput_section",
]

GOAL = 0.8
"""The issue's goal for checked rate / combined raw rate."""
_WITNESS_SHOWN = 12


@dataclass(frozen=True)
class RunInfo:
    """Provenance shared by every section: the ``command`` run, its ``date`` (UTC,
    ISO-8601), ``machine`` (bench.measure.machine_summary at the start) and
    ``load_after`` (load average at the end)."""

    command: str
    date: str
    machine: Mapping[str, str]
    load_after: str
    repeats: int

    def notes(self, only: str) -> tuple[str, ...]:
        """Command, refresh command, date and machine lines for section ``only``."""
        m = self.machine
        return (
            f"command: `{self.command}` (this table alone: `.venv/bin/python -m bench.run_all --only {only}`)",
            f"date: {self.date}; machine: {m['cores']} cores, {m['cpu']}, Python {m['python']}; "
            f"load average {m['load']} at start, {self.load_after} at end (the machine may have been shared)",
        )


def environment_section(info: RunInfo, mix: InputMix | None, real: tuple[int, int, str] | None, cpu_share: float) -> Section:
    """Machine, library versions, the inputs measured, and this run's CPU share."""
    m = info.machine
    rows = [
        ("date", info.date), ("command", info.command), ("cores (nproc)", m["cores"]), ("CPU", m["cpu"]),
        ("OS", m["os"]), ("Python", m["python"]), ("libraries", m["libraries"]),
        ("load average (1/5/15 min)", f"{m['load']} at start, {info.load_after} at end"),
        ("CPU share of timed blocks", f"{cpu_share:.2f} (CPU s / wall s of this process; < 0.9 means other work took the cores)"),
        ("repeats", f"{info.repeats} per figure, the median is shown"),
    ]
    if mix is not None:
        rows.append(("campaign mix", f"{len(mix.texts):,} inputs ({mix.n_seeds:,} seed inputs, then the first {mix.generated:,} "
                     f"generated with seed {mix.seed}, every {mix.stride}th kept), {mix.nbytes / 1e3:,.0f} kB UTF-8"))
    if real is not None:
        chunks, nbytes, digest = real
        rows.append(("real text", f"{chunks:,} chunks of 32 lines of the stdlib modules tokfuzz reads, "
                     f"{nbytes / 1e3:,.0f} kB UTF-8, digest {digest}"))
    notes = ("`make bench` runs `.venv/bin/python -m bench.run_all --campaign-seconds $BENCH_CAMPAIGN_SECONDS` "
             "(default 300); it replaces these sections in place (markers `<!-- bench:perf:KEY -->`).",
             "Every rate is per wall-clock second, the median of the repeats.")
    return Section("environment", "Performance benchmark: environment", notes, ("item", "value"), tuple(rows), numeric=False)


def throughput_section(info: RunInfo, results: Sequence[SubjectThroughput]) -> Section:
    """Raw encode rate of every backend, on the campaign mix and on real text."""
    rows: list[tuple[str, ...]] = []
    styles: list[str] = []
    for r in results:
        for b in r.backends:
            rows.append((r.subject, b.backend, fmt_rate(b.mix.per_s), f"{b.mix.mb_per_s:.2f}",
                         fmt_rate(b.real.per_s), f"{b.real.mb_per_s:.2f}"))
            styles.append("")
        mix_mb = r.combined_mix * (r.backends[0].mix.nbytes / r.backends[0].mix.items) / 1e6 if r.backends else 0.0
        real_mb = r.combined_real * (r.backends[0].real.nbytes / r.backends[0].real.items) / 1e6 if r.backends else 0.0
        rows.append((r.subject, "all, one after another", fmt_rate(r.combined_mix), f"{mix_mb:.2f}",
                     fmt_rate(r.combined_real), f"{real_mb:.2f}"))
        styles.append("bold")
    notes = (
        *info.notes("throughput"),
        "raw = `Backend.encode` (tokfuzz's adapter over the library call) on each input, nothing else; "
        "'all, one after another' = 1 / Σ(1/rate_b): every backend encodes the input once.",
    )
    headers = ("subject", "backend", "mix inputs/s", "mix MB/s", "stdlib inputs/s", "stdlib MB/s")
    return Section("throughput", "Raw encode throughput per backend", notes, headers, tuple(rows), tuple(styles))


def _per_s(rate: Rate | None) -> float:
    return rate.per_s if rate is not None else 0.0


def campaign_section(info: RunInfo, results: Sequence[SubjectThroughput], generation: Rate | None) -> Section:
    """Checked inputs/s of the campaign's Hunt, per subject and property, against the
    combined raw rate; and the generation rate."""
    gen = _per_s(generation)
    headers = ("subject", "raw combined /s", "checked /s (all)", "ratio", *(f"{p} /s (ratio)" for p in PROPERTIES),
               "classes (new)", "with generation /s")
    rows: list[tuple[str, ...]] = []
    styles: list[str] = []
    for r in results:
        h = r.hunt(ALL)
        checked = _per_s(h.rate if h else None)
        singles = []
        for p in PROPERTIES:
            hp = r.hunt(p)
            singles.append(f"{fmt_rate(hp.rate.per_s)} ({r.ratio(p):.2f})" if hp else "—")
        e2e = 1 / (1 / checked + 1 / gen) if checked and gen else 0.0
        rows.append((r.subject, fmt_rate(r.combined_mix), fmt_rate(checked), f"{r.ratio():.2f}", *singles,
                     f"{h.classes} ({h.new})" if h else "—", fmt_rate(e2e)))
        styles.append("green" if r.ratio() >= GOAL else "red")
    if generation is not None:
        rows.append(("generation alone", "", fmt_rate(gen), "", *("" for _ in PROPERTIES), "", ""))
        styles.append("bold")
    notes = (
        *info.notes("throughput"),
        "checked = `Hunt.check` over the campaign mix, a fresh Hunt per run with the corpus' classes known "
        "(as `tokfuzz fuzz` runs it); classes found in the median run, (new) = not in the corpus, hence shrunk "
        "inside the timed run.",
        f"ratio = checked / raw combined (harness overhead; the issue's goal is >= {GOAL}, green when met).",
        "generation alone = `run_hypothesis` with a collecting callback over the mix's generated inputs; "
        "'with generation' = 1 / (1/checked + 1/generation), what one campaign worker can reach at its start.",
        "The mix is a campaign's cold start (short inputs); later, hypothesis' target phase steers towards long "
        "inputs (many new token ids), so a long campaign checks fewer inputs/s (its own rate is in the memory "
        "section); compare the ratio, which is about the same on long inputs, not the inputs/s.",
    )
    return Section("campaign", "Campaign checked throughput and harness overhead", notes, headers, tuple(rows), tuple(styles))


def _witness(text: str) -> str:
    return describe_text(text, limit=6) if len(text) <= _WITNESS_SHOWN else f"{text[:_WITNESS_SHOWN]!r}… ({len(text)} cp)"


def minimize_section(info: RunInfo, results: Sequence[ShrinkResult]) -> Section:
    """Seconds and oracle calls to shrink each failure, and the witness size."""
    rows = tuple(
        (r.label, f"{r.prop}/{r.kind}", ",".join(r.backends), str(r.input_cp), str(r.witness_cp),
         f"{r.calls}{' (budget)' if r.budget_hit else ''}", fmt_s(r.seconds), _witness(r.witness))
        for r in results
    )
    notes = (
        *info.notes("minimize"),
        "each failure is the first generated input of the campaign mix failing that way (per subject; seed inputs "
        "are a few code points already), or showing a planted fault of bench/faults.py; shrunk with `tokfuzz.findings.minimize.minimize` and the campaign's own predicate "
        "(`Hunt.fails_like`) and budget; calls = oracle calls made (cached candidates are free).",
    )
    headers = ("failure", "property/kind", "backends", "input cp", "witness cp", "oracle calls", "seconds", "witness")
    return Section("minimize", "Minimization: time to a 1-minimal witness", notes, headers, rows)


def replay_section(info: RunInfo, timing: ReplayTiming, composition: str) -> Section:
    """Cases/s of corpus replay, with and without loading the subjects."""
    rows = ((f"{timing.cases:,}", fmt_s(timing.read_s), fmt_s(timing.load_s), fmt_s(timing.replay_s),
             fmt_rate(timing.net_rate), fmt_rate(timing.total_rate), f"{timing.reproduced:,}", f"{timing.ok:,}",
             f"{timing.skipped:,}"),)
    notes = (
        *info.notes("replay"),
        f"corpus: {composition}; replayed with `tokfuzz.findings.replay.replay_cases` (each subject loaded once per run).",
        "replay /s excludes corpus reading and subject loading; end to end /s includes both.",
    )
    headers = ("cases", "read corpus", "load subjects", "replay", "replay cases/s", "end to end cases/s",
               "reproduced", "as expected", "skipped")
    return Section("replay", "Corpus replay", notes, headers, rows)


def memory_section(info: RunInfo, result: MemoryResult) -> Section:
    """Peak RSS of a real campaign and the growth of each worker's RSS."""
    rows: list[tuple[str, ...]] = []
    for i, w in enumerate(result.workers):
        rows.append((f"worker {i + 1} (pid {w.pid})", f"{w.early[1]:.0f} MB @ {w.early[0]:.0f} s",
                     f"{w.last[1]:.0f} MB @ {w.last[0]:.0f} s", f"{w.peak:.0f} MB", f"{w.slope_mb_per_min:+.2f}"))
    kids = result.children_series
    if kids is not None:
        rows.append(("workers' children (sum: isolated backends, ports)", f"{kids.early[1]:.0f} MB @ {kids.early[0]:.0f} s",
                     f"{kids.last[1]:.0f} MB @ {kids.last[0]:.0f} s", f"{kids.peak:.0f} MB", f"{kids.slope_mb_per_min:+.2f}"))
    rows.append(("all processes (sum)", "", "", f"{result.peak_total:.0f} MB", ""))
    rates = ", ".join(f"{s}: {result.inputs.get(s, 0):,} inputs, {result.rates.get(s, 0.0):.0f}/s" for s in result.inputs)
    notes = (
        *info.notes("memory"),
        f"campaign: `{result.command}` (exit {result.exit_code}), {result.wall:.0f} s of wall clock with model loading; "
        f"{len(result.samples)} samples of /proc every few seconds.",
        f"campaign throughput (its own report): {rates or 'n/a'}",
        f"slope = least-squares MB/min of the worker's RSS from {result.early_s:.0f} s to its last sample; "
        "peak = the process' own high-water mark (VmHWM); a worker restarted after a hang or a crash in a library "
        "call is a new process, a new row.",
        *((f"the campaign was still running {result.seconds + 300:g} s after its start and was stopped with SIGTERM; "
           f"its last lines: `{' | '.join(result.log_tail)[-400:]}`",) if result.overran else ()),
    )
    headers = ("process", "RSS early", "RSS at end", "peak", "slope MB/min")
    return Section("memory", "Memory of a campaign", notes, headers, tuple(rows))


_COSTLY = ("streaming_decode", "batch_consistency", "slow_input")


def generation_section(info: RunInfo, speeds: Sequence[JobSpeed], seconds: float) -> Section:
    """Step 10's before/after table (bench.generation_speed): unique inputs checked per second
    per subject, as filed and today, the ratios, the generation share, the property shares."""
    headers = ("subject", "before /s", "after /s", "after / before", "after cp/s", "after /CPU-s", "generation share",
               "raw combined /s", "ratio (all)", "cross_backend alone /s (ratio)",
               *(f"{p} share" for p in _COSTLY), "classes (new)")
    rows: list[tuple[str, ...]] = []
    styles: list[str] = []
    for subject in dict.fromkeys(s.subject for s in speeds):
        mine = {(s.mode, s.properties): s for s in speeds if s.subject == subject}
        before, after, alone = mine.get(("before", "all")), mine.get(("after", "all")), mine.get(("after", "cross_backend"))
        if before is None or after is None:
            continue
        gain = after.per_s / before.per_s if before.per_s else float("inf")
        ratio = after.per_s / after.raw_per_s if after.raw_per_s else 0.0
        alone_cell = f"{fmt_rate(alone.per_s)} ({alone.per_s / alone.raw_per_s:.2f})" if alone and alone.raw_per_s else "—"
        rows.append((subject, fmt_rate(before.per_s), fmt_rate(after.per_s), f"{gain:.1f}x", fmt_rate(after.codepoints_per_s),
                     fmt_rate(after.per_cpu_s), f"{before.generation_share:.0%} -> {after.generation_share:.0%}",
                     fmt_rate(after.raw_per_s), f"{ratio:.2f}", alone_cell,
                     *(f"{after.property_share.get(p, 0.0):.0%}" for p in _COSTLY), f"{after.classes} ({after.new})"))
        styles.append("green" if gain >= 10 else "red")
    notes = (
        *info.notes("generation"),
        f"each run: one job's generation phase for {seconds:g} s (wall) in this process, the subject loaded, the "
        "corpus' classes known, all seven properties unless named, seed 0 (bench/generation_speed.py).",
        "before = hypothesis alone, 8 texts per example, no prefetch (the path as step 10 found it, with what cannot "
        "be switched off: repeats skipped, time shares, shrink share; a lower bound of the gain); after = "
        "`tokfuzz.engines.generate` as a campaign runs it (fast sampler, hypothesis on 15%, ports prefetched).",
        "/s = unique inputs checked per wall second; /CPU-s per CPU second of this process (ports run in their own); "
        "generation share = wall time outside `Hunt.check` and `Hunt.prefetch` / the run's; green when after / before >= 10.",
        "raw combined = every backend's `encode` one after another, call by call, on the inputs the run checked "
        "(its first 2,000); ratio = checked /s over raw combined (wall).",
        "property shares = each costly property's seconds over all properties' seconds in the after run "
        "(`TIME_SHARE` caps: streaming_decode 20%, batch_consistency 10%, slow_input 15%).",
    )
    return Section("generation", "Step 10: unique inputs checked per second, before and after", notes, headers,
                   tuple(rows), tuple(styles))


def scaling_section(info: RunInfo, runs: Sequence[ScaleRun]) -> Section:
    """Scale-out (bench.scale_out): one subject's unique inputs/s with 1 and N workers."""
    headers = ("subject", "workers", "unique inputs", "unique inputs /s", "speed-up", "code points", "classes", "wall s")
    rows: list[tuple[str, ...]] = []
    for run in runs:
        one = next((r for r in runs if r.subject == run.subject and r.workers == 1), None)
        gain = f"{run.per_s / one.per_s:.2f}x" if one is not None and one.per_s else "—"
        rows.append((run.subject, str(run.workers), f"{run.inputs:,}", fmt_rate(run.per_s), gain, f"{run.codepoints:,}",
                     str(run.classes), f"{run.wall_s:.0f}" + (f" ({'; '.join(run.errors)})" if run.errors else "")))
    notes = (
        *info.notes("scaling"),
        "each row: `tokfuzz fuzz --subject S --workers N --seed 0` as a real campaign (worker processes, hypothesis "
        "engine, the committed corpus' classes known, nothing written), for the same seconds; with N workers the "
        "subject's budget is split into N shards (own seed, every N-th seed input), bench/scale_out.py.",
        "unique inputs /s = unique inputs checked by all shards / the fuzzing budget; wall s includes model loading "
        "(each worker loads its own copy) and shrinking past the budget.",
    )
    return Section("scaling", "Step 10: one subject on 1 and 2 workers", notes, headers, tuple(rows))
