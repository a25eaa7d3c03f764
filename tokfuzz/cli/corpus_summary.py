"""``tokfuzz summary``: the corpus by root cause first, then by class.

Root causes come from ``tokfuzz.findings.rootcause``: the name set by triage, or the
proposed one (marked ``proposed``) for classes that have none. The first table is what
to fix or report upstream (one row per cause, most open classes first); the second,
one row per class under its root cause, is what to triage.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tokfuzz.findings.corpus import STATUSES, Case
from tokfuzz.findings.rootcause import RootCause, class_status, root_causes
from tokfuzz.findings.triage import signature_fields
from tokfuzz.oracles import describe_text

__all__ = ["print_corpus_summary"]


def _counts(cause: RootCause) -> str:
    return ", ".join(f"{n} {s}" for s, n in cause.statuses.items() if n) or "-"


def print_corpus_summary(console: Console, cases: Sequence[Case], corpus: str, statuses: Sequence[str] = ()) -> int:
    """Print the root-cause table, then the class table, then one count line; returns 0.

    ``statuses`` (a subset of ``STATUSES``) keeps the root causes with at least one class
    of those statuses, and only such classes in the second table; empty keeps all."""
    keep = tuple(statuses) or STATUSES
    causes = [r for r in root_causes(cases) if any(r.statuses.get(s) for s in keep)]
    table = Table(title=f"root causes in {corpus}", show_lines=False)
    for col in ("root cause", "library", "classes", "status", "subjects", "properties"):
        table.add_column(col, overflow="fold", justify="right" if col == "classes" else "left")
    for cause in causes:
        name = escape(cause.name) + (" [dim](proposed)[/dim]" if cause.proposed else "")
        table.add_row(name, escape(cause.suspect), str(len(cause.classes)), _counts(cause),
                      escape(", ".join(cause.subjects)), escape(", ".join(cause.properties)))
    console.print(table)
    classes = Table(title="classes by root cause", show_lines=False)
    for col in ("root cause", "subject", "property", "backends", "kind", "status", "cases", "witness"):
        classes.add_column(col, overflow="fold")
    shown = 0
    for cause in causes:
        for signature, members in cause.classes.items():
            status = class_status(members)
            if status not in keep:
                continue
            fields = signature_fields(signature)
            kind = fields[3] if fields is not None else "?"
            first = members[0]
            shown += 1
            classes.add_row(escape(cause.name), first.subject, first.property, " vs ".join(first.backends), escape(kind),
                            status, str(len(members)), escape(describe_text(first.input, limit=12)))
    console.print(classes)
    proposed = sum(r.proposed for r in causes)
    console.print(f"{len(causes)} root cause(s) ({proposed} proposed, not yet set by triage) over {shown} class(es) "
                  f"({len(cases)} case(s) in the corpus); set one with `tokfuzz triage CLASS --root-cause NAME`", markup=False)
    return 0
