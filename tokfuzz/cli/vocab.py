"""``tokfuzz vocab SUBJECT``: every id of a subject's vocabulary across its backends
(tokfuzz.engines.vocab) on the command line.

Prints one row of counts per backend (ids checked, ids whose token bytes disagree with
the bytes reference's, ids its ``decode([id])`` raises on, ids its ``encode`` of the
token text does not give back, special ids it declares), the special, undecodable and
unreachable ids of the reference as ranges, the bad ids checked, then one row per class.
New classes are stored in the corpus (property ``vocab``, one witness each). Exit status
(DESIGN §6): 1 when a new class was stored, 0 otherwise, 2 for bad usage.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tokfuzz.backends.base import ConfigError
from tokfuzz.backends.registry import parse_spec

__all__ = ["add_vocab_parser", "id_ranges", "run_vocab"]


def add_vocab_parser(sub: Any, project: Any, default_corpus: Path) -> None:
    """Add the ``vocab`` subcommand to ``sub`` (argparse subparsers); the project
    config's ``corpus`` (tokfuzz.config) is the default of ``--corpus``."""
    v = sub.add_parser("vocab", help="check every id of a subject's vocabulary across its backends")
    v.add_argument("subject", metavar="SUBJECT", help="embedded subject, a subject of the project config, or custom")
    v.add_argument("--backend", action="append", default=[], help="extra backend spec KIND:ARG (alone: subject 'custom')")
    corpus = getattr(project, "corpus", None)
    v.add_argument("--corpus", type=Path, default=corpus if corpus is not None else default_corpus)
    v.add_argument("--limit", default=None, help="check ids 0..N-1 only (the bad ids are checked all the same)")


def id_ranges(ids: Sequence[int], limit: int = 12) -> str:
    """Sorted ``ids`` as ranges, ``"0-2, 5, 100261-100275"``, cut after ``limit`` ranges
    (``… (+N ids)``); ``"none"`` when empty."""
    runs: list[list[int]] = []
    for i in sorted(set(ids)):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    shown = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs[:limit])
    rest = sum(b - a + 1 for a, b in runs[limit:])
    return (shown + (f" … (+{rest:,} ids)" if rest else "")) or "none"


def run_vocab(args: argparse.Namespace, console: Console) -> int:
    """``tokfuzz vocab``: sweep, store new classes, print the tables; the exit status.

    Raises:
        ConfigError: bad usage (unknown subject, bad ``--limit`` or ``--backend``, a
            corpus that cannot be read or written).
    """
    from tokfuzz.backends.quiet import native_stderr_to_log
    from tokfuzz.backends.subjects import load_subject
    from tokfuzz.cli.checks import check_subjects, load_named_backends, whole_number
    from tokfuzz.cli.project import check_project_subjects
    from tokfuzz.engines.vocab import sweep, vocab_findings
    from tokfuzz.findings.corpus import Corpus, CorpusError
    from tokfuzz.findings.paths import writable_corpus

    for spec in args.backend:
        parse_spec(spec)
    check_subjects([args.subject], args.backend)
    limit = None if args.limit is None else whole_number(args.limit, "--limit", 1)
    writable_corpus(args.corpus, "--corpus")
    corpus = Corpus(args.corpus)
    try:
        known = {c.signature for c in corpus.load() if c.subject == args.subject}
    except CorpusError as exc:
        raise ConfigError(str(exc)) from exc
    warn = lambda line: console.print(f"tokfuzz: warning: {line}", style="yellow", markup=False)  # noqa: E731
    load_named_backends(args.backend, [args.subject], allow_missing=False, warn=warn)
    check_project_subjects(args.project, [args.subject], args.backend, allow_missing=False, warn=warn)
    subject = load_subject(args.subject, tuple(args.backend))
    console.print(f"tokfuzz vocab: {subject.name}, {len(subject.backends)} backend(s): {', '.join(subject.backends)}",
                  markup=False)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with native_stderr_to_log(), Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"{subject.name} ids", total=None)
        result = sweep(subject.name, subject.backends, limit=limit,
                       progress=lambda done, total: bar.update(task, completed=done, total=total))
    findings = vocab_findings(result, known, subject.backends[result.reference])
    try:
        added = corpus.add([f.to_case(subject.versions) for f in findings if f.new], one_per_signature=True)
    except (OSError, CorpusError) as exc:
        raise ConfigError(f"cannot write the corpus {args.corpus}: {exc}") from exc
    _print(console, result, findings, {c.signature for c in added}, subject.backends)
    console.print(f"{len(findings)} class(es), {sum(f.new for f in findings)} new; {len(added)} stored in "
                  f"{args.corpus}; {result.seconds:.1f} s", markup=False)
    for spec, why in subject.unavailable.items():
        console.print(f"[yellow]{escape(spec)} did not load: {escape(why)}[/yellow]")
    return 1 if added else 0


def _print(console: Console, result: Any, findings: list[Any], stored: set[str], backends: Any) -> None:
    bytes_ref = next((n for n, b in backends.items() if callable(getattr(b, "token_bytes", None))), None)
    counts = Table(title=f"vocab of {result.subject}: ids 0..{result.ids - 1:,} of {result.vocab_size:,}")
    for col in ("backend", "vocab_size", "ids checked", "bytes disagree", "undecodable", "unreachable", "special"):
        counts.add_column(col, justify="left" if col == "backend" else "right")
    for name, c in result.counts.items():
        disagree = "ref" if name == bytes_ref else "-" if c.bytes_disagree is None else f"{c.bytes_disagree:,}"
        size = getattr(backends[name], "vocab_size", None)
        counts.add_row(name + (" (ref)" if name == result.reference else ""), f"{size:,}" if isinstance(size, int) else "-",
                       f"{c.checked:,}", disagree, f"{c.undecodable:,}", f"{c.unreachable:,}", f"{c.special:,}")
    console.print(counts)
    ref = result.reference
    console.print(f"special ids ({ref}): {id_ranges(result.specials)}", markup=False)
    console.print(f"undecodable by {ref}: {id_ranges(result.undecodable.get(ref, []))}", markup=False)
    console.print(f"unreachable by {ref} ({len(result.unreachable):,}): {id_ranges(result.unreachable)}", markup=False)
    console.print("bad ids checked: " + ", ".join(f"{t} ({role})" for t, role in result.bad_ids.items()), markup=False)
    if not findings:
        return
    classes = Table(title="classes (one witness id each)")
    for col in ("kind", "backends", "id class", "ids", "witness id", "witness", "status"):
        classes.add_column(col, overflow="fold", justify="right" if col in ("ids", "witness id") else "left")
    for f in sorted(findings, key=lambda f: (f.kind, f.backends, f.observed.get("class", ""))):
        status = "stored" if f.signature in stored else ("new" if f.new else "known")
        classes.add_row(escape(f.kind), " vs ".join(f.backends), str(f.observed.get("class", "")), f"{f.count:,}",
                        str(f.observed.get("id")), escape(ascii(f.input) if not f.input.isprintable() else repr(f.input)), status)
    console.print(classes)
