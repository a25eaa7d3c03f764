"""End-of-campaign output: the summary table and the ``--report`` JSON (DESIGN §6)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from tokfuzz.campaign import SubjectRun
from tokfuzz.properties import describe_text

__all__ = ["print_summary", "report_json"]


def print_summary(console: Console, runs: Sequence[SubjectRun], written: int) -> None:
    """Per-subject throughput, then one row per class with its minimal witness."""
    subjects = Table(title="subjects")
    for col in ("subject", "backends", "load s", "inputs", "inputs/s", "classes", "new"):
        subjects.add_column(col, justify="right" if col not in ("subject", "backends") else "left")
    for r in runs:
        if r.error:
            subjects.add_row(r.subject, f"[red]failed: {r.error}[/red]", "", "", "", "", "")
            continue
        subjects.add_row(r.subject, ", ".join(r.versions), f"{r.load_seconds:.1f}", f"{r.inputs:,}", f"{r.rate:,.0f}",
                         str(len(r.findings)), str(sum(f.new for f in r.findings)))
    console.print(subjects)
    classes = Table(title="new classes", show_lines=True)
    for col in ("subject", "property", "backends", "kind", "count", "status", "minimal witness"):
        classes.add_column(col, overflow="fold")
    for r in runs:
        for f in sorted(r.findings, key=lambda f: (f.property, f.backends, f.kind)):
            if f.new:
                classes.add_row(r.subject, f.property, " vs ".join(f.backends), f.kind, str(f.count),
                                "new", describe_text(f.input, limit=12))
    if classes.row_count:
        console.print(classes)
    known = [f for r in runs for f in r.findings if not f.new]
    console.print(f"{len(known)} known class(es) seen again ({sum(f.count for f in known):,} failures), "
                  f"{sum(f.new for r in runs for f in r.findings)} new")
    for r in runs:
        for spec, why in r.unavailable.items():
            console.print(f"[yellow]{r.subject}: {spec} did not load: {why}[/yellow]")
    console.print(f"{written} new minimal witness(es) appended to the corpus")


def report_json(runs: Sequence[SubjectRun], seconds: float) -> dict[str, Any]:
    """``{"seconds", "inputs", "subjects", "findings": [...]}`` as DESIGN §6 fixes it,
    plus per-subject throughput under ``"subject_runs"``."""
    return {
        "seconds": seconds,
        "inputs": sum(r.inputs for r in runs),
        "subjects": [r.subject for r in runs],
        "findings": [
            {"signature": f.signature, "property": f.property, "subject": f.subject, "backends": list(f.backends),
             "input": f.input, "first_found_s": f.first_found_s, "count": f.count, "new": f.new}
            for r in runs for f in r.findings
        ],
        "subject_runs": [
            {"subject": r.subject, "inputs": r.inputs, "seconds": r.seconds, "inputs_per_s": round(r.rate, 1),
             "load_seconds": r.load_seconds, "versions": r.versions, "error": r.error}
            for r in runs
        ],
    }
