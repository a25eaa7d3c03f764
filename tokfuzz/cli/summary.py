"""End-of-campaign output: the summary table and the ``--report`` JSON (DESIGN §6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rich.console import Console
from rich.table import Table

from tokfuzz.engines.campaign import SubjectRun
from tokfuzz.engines.hunt import Finding
from tokfuzz.oracles import describe_text

__all__ = ["merge_findings", "print_summary", "report_json"]


def merge_findings(runs: Sequence[SubjectRun]) -> list[Finding]:
    """One finding per (subject, signature) over all runs (engines): the first found
    keeps its witness, counts add up, ``first_found_s`` is the earliest and ``new``
    holds if any engine found the class new."""
    merged: dict[tuple[str, str], Finding] = {}
    for r in runs:
        for f in r.findings:
            key = (f.subject, f.signature)
            if key not in merged:
                merged[key] = replace(f)
                continue
            m = merged[key]
            m.count += f.count
            m.new = m.new or f.new
            if f.first_found_s < m.first_found_s:
                m.first_found_s, m.found_by = f.first_found_s, f.found_by
    return list(merged.values())


def print_summary(console: Console, runs: Sequence[SubjectRun], written: int) -> None:
    """Per-subject throughput, then one row per class with its minimal witness."""
    subjects = Table(title="subjects")
    for col in ("subject", "backends", "load s", "inputs", "inputs/s", "classes", "new"):
        subjects.add_column(col, justify="right" if col not in ("subject", "backends") else "left")
    for r in runs:
        if r.error:
            subjects.add_row(r.label, f"[red]failed: {r.error}[/red]", "", "", "", "", "")
            continue
        subjects.add_row(r.label, ", ".join(r.versions), f"{r.load_seconds:.1f}", f"{r.inputs:,}", f"{r.rate:,.0f}",
                         str(len(r.findings)), str(sum(f.new for f in r.findings)))
    console.print(subjects)
    classes = Table(title="new classes", show_lines=True)
    for col in ("subject", "property", "backends", "kind", "count", "status", "minimal witness"):
        classes.add_column(col, overflow="fold")
    merged = merge_findings(runs)
    for f in sorted(merged, key=lambda f: (f.subject, f.property, f.backends, f.kind)):
        if f.new:
            classes.add_row(f.subject, f.property, " vs ".join(f.backends), f.kind, str(f.count),
                            f"new ({f.found_by})", describe_text(f.input, limit=12))
    if classes.row_count:
        console.print(classes)
    known = [f for f in merged if not f.new]
    console.print(f"{len(known)} known class(es) seen again ({sum(f.count for f in known):,} failures), "
                  f"{sum(f.new for f in merged)} new")
    for r in runs:
        for spec, why in r.unavailable.items():
            console.print(f"[yellow]{r.subject}: {spec} did not load: {why}[/yellow]")
    console.print(f"{written} new class(es) stored in the corpus, one minimal witness each")


def report_json(runs: Sequence[SubjectRun], seconds: float) -> dict[str, Any]:
    """``{"seconds", "inputs", "subjects", "findings": [...]}`` as DESIGN §6 fixes it,
    plus per-subject throughput under ``"subject_runs"``."""
    return {
        "seconds": seconds,
        "inputs": sum(r.inputs for r in runs),
        "subjects": [r.subject for r in runs],
        "findings": [
            {"signature": f.signature, "property": f.property, "subject": f.subject, "backends": list(f.backends),
             "input": f.input, "first_found_s": f.first_found_s, "count": f.count, "new": f.new, "found_by": f.found_by}
            for f in merge_findings(runs)
        ],
        "subject_runs": [
            {"subject": r.subject, "engine": r.engine, "inputs": r.inputs, "seconds": r.seconds, "inputs_per_s": round(r.rate, 1),
             "load_seconds": r.load_seconds, "versions": r.versions, "error": r.error}
            for r in runs
        ],
    }
