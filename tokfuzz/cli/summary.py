"""End-of-campaign output: the summary table and the ``--report`` JSON (DESIGN §6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tokfuzz.engines.jobs import SubjectRun, merge_findings
from tokfuzz.findings.corpus import Case
from tokfuzz.findings.triage import signature_fields
from tokfuzz.oracles import describe_text

__all__ = ["print_stored", "print_summary", "report_json"]


def print_summary(console: Console, runs: Sequence[SubjectRun], stored: Sequence[Case]) -> None:
    """Per-subject throughput, then one row per new class as the corpus now stores it
    (``stored``: the cases this campaign added), with its minimal witness."""
    subjects = Table(title="subjects")
    for col in ("subject", "backends", "load s", "unique inputs", "inputs/s", "code points/s", "repeats", "classes", "new"):
        subjects.add_column(col, justify="right" if col not in ("subject", "backends") else "left")
    for r in runs:
        if r.error and not r.findings:
            subjects.add_row(r.label, f"[red]failed: {escape(r.error)}[/red]", "", "", "", "", "", "", "")
            continue
        subjects.add_row(r.label, ", ".join(r.versions), f"{r.load_seconds:.1f}", f"{r.inputs:,}", f"{r.rate:,.0f}",
                         f"{r.codepoint_rate:,.0f}", f"{r.repeats:,}", str(len(r.findings)), str(sum(f.new for f in r.findings)))
    console.print(subjects)
    merged = merge_findings(f for r in runs for f in r.findings)
    counts = {(f.subject, f.signature): f.count for f in merged}
    _print_cases(console, stored, counts)
    on_disk = {(c.subject, c.signature) for c in stored}
    lost = [f for f in merged if f.new and (f.subject, f.signature) not in on_disk]
    if lost:  # a corpus that could not be written: show them, the screen is all there is
        table = Table(title="[red]new classes NOT stored (the corpus could not be written)[/red]", show_lines=True)
        for col in ("subject", "property", "backends", "kind", "count", "minimal witness"):
            table.add_column(col, overflow="fold")
        for f in lost:
            table.add_row(f.subject, f.property, " vs ".join(f.backends), f.kind, str(f.count),
                          escape(describe_text(f.input, limit=24)))
        console.print(table)
    known = [f for f in merged if not f.new]
    console.print(f"{len(known)} known class(es) seen again ({sum(f.count for f in known):,} failures), "
                  f"{sum(f.new for f in merged)} new")
    for r in runs:
        for spec, why in r.unavailable.items():
            console.print(f"[yellow]{r.subject}: {spec} did not load: {escape(why)}[/yellow]")
    console.print(f"{len({(c.subject, c.signature) for c in stored})} new class(es) stored in the corpus, one minimal witness each")


def print_stored(console: Console, stored: Sequence[Case], why: str) -> None:
    """What a stopped campaign leaves: the classes it stored, read back from the corpus."""
    console.print(f"{why}; every class found so far is stored", markup=False)
    _print_cases(console, stored, {})
    console.print(f"{len({(c.subject, c.signature) for c in stored})} new class(es) stored in the corpus, one minimal witness each")


def _print_cases(console: Console, stored: Sequence[Case], counts: Mapping[tuple[str, str], int]) -> None:
    classes = Table(title="new classes", show_lines=True)
    for col in ("subject", "property", "backends", "kind", "count", "status", "minimal witness"):
        classes.add_column(col, overflow="fold")
    for case in sorted(stored, key=lambda c: (c.subject, c.property, c.backends, c.signature)):
        fields = signature_fields(case.signature)
        kind = fields[3] if fields is not None else "?"
        classes.add_row(case.subject, case.property, " vs ".join(case.backends), kind,
                        str(counts.get((case.subject, case.signature), 1)), f"new ({case.found_by})",
                        escape(describe_text(case.input, limit=12)))
    if classes.row_count:
        console.print(classes)


def report_json(runs: Sequence[SubjectRun], seconds: float) -> dict[str, Any]:
    """``{"seconds", "inputs", "subjects", "findings": [...]}`` as DESIGN §6 fixes it
    (``inputs``: distinct inputs checked), plus ``repeats`` (inputs handed again, not
    re-checked), ``codepoints`` (of the distinct inputs) and per-subject throughput
    under ``"subject_runs"`` (with ``generate_seconds``, the seconds spent generating rather
    than checking, ``long_skipped``, long texts left unchecked past their time share, and
    ``shard``, which of the workers sharing a (subject, engine) budget made the run, 0 when one
    worker had it all: tokfuzz.engines.jobs.Job)."""
    return {
        "seconds": seconds,
        "inputs": sum(r.inputs for r in runs),
        "repeats": sum(r.repeats for r in runs),
        "codepoints": sum(r.codepoints for r in runs),
        "subjects": [r.subject for r in runs],
        "findings": [
            {"signature": f.signature, "property": f.property, "subject": f.subject, "backends": list(f.backends),
             "input": f.input, "first_found_s": f.first_found_s, "count": f.count, "new": f.new, "found_by": f.found_by}
            for f in merge_findings(f for r in runs for f in r.findings)
        ],
        "subject_runs": [
            {"subject": r.subject, "engine": r.engine, "shard": r.shard, "inputs": r.inputs, "seconds": r.seconds, "inputs_per_s": round(r.rate, 1),
             "repeats": r.repeats, "codepoints": r.codepoints, "codepoints_per_s": round(r.codepoint_rate, 1),
             "generate_seconds": r.generate_seconds, "long_skipped": r.long_skipped,
             "load_seconds": r.load_seconds, "versions": r.versions, "error": r.error}
            for r in runs
        ],
    }
