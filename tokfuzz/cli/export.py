"""``tokfuzz export``: the corpus, and a stress sample, as a dataset directory
(tokfuzz.report.export) that ``datasets``, pandas, polars and DuckDB load as it is.

``tokfuzz export [--corpus DIR] [--stress N] [--seed S] [--subject NAME]... [--timeout S]
--format parquet|jsonl --out DIR`` writes ``DIR/README.md`` (the dataset card) and
``DIR/data/<subject>.<format>``, one config per subject: every corpus case of the subject
(``--subject`` restricts the subjects; default: every subject of the corpus) and, with
``--stress N``, ``N`` stress inputs per category (seed ``S``, default 0), each encoded by
every backend of the subject that loads here. Prints one row per config.

Exit status (DESIGN §6): 0 written, 2 bad usage (no corpus, a negative ``--stress``, an
``--out`` that is a file or a directory holding other files, an unknown format or
subject: one line).
"""

from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tokfuzz.backends.base import ConfigError

__all__ = ["add_export_parser", "run_export"]


def add_export_parser(sub: Any, project: Any, default_corpus: Path) -> None:
    """Add the ``export`` subcommand to ``sub`` (argparse subparsers); the project
    config's ``corpus`` (tokfuzz.config) is the default of ``--corpus``."""
    e = sub.add_parser("export", help="write the corpus (and a stress sample) as a dataset: Parquet or JSON Lines "
                       "with a dataset card")
    corpus = getattr(project, "corpus", None)
    e.add_argument("--corpus", type=Path, default=corpus if corpus is not None else default_corpus, metavar="DIR",
                   help=f"the corpus to export (default: the project config's, else {default_corpus})")
    e.add_argument("--stress", default="0", metavar="N", help="also N generated inputs per stress category (default 0)")
    e.add_argument("--seed", default="0", metavar="S", help="seed of the stress sample, a whole number >= 0 (default 0)")
    e.add_argument("--subject", action="append", default=[], metavar="NAME",
                   help="export this subject only; repeatable (default: every subject of the corpus)")
    e.add_argument("--timeout", default=None, metavar="S", help="seconds one encode may take before it is an error (default 5)")
    e.add_argument("--format", required=True, choices=("parquet", "jsonl"), help="data file format")
    e.add_argument("--out", type=Path, required=True, metavar="DIR", help="the dataset directory to write (replaced whole)")


def run_export(args: argparse.Namespace, console: Console) -> int:
    """``tokfuzz export``: check the arguments, export, print one row per config; the
    exit status (0).

    Raises:
        ConfigError: bad usage (see the module docstring), or the dataset cannot be written.
    """
    from tokfuzz.backends.isolated import DEFAULT_TIMEOUT
    from tokfuzz.cli.checks import check_subjects, seconds_value, whole_number
    from tokfuzz.findings.corpus import Corpus, CorpusError
    from tokfuzz.findings.paths import existing_corpus
    from tokfuzz.report.export import check_out_dir, export_dataset

    stress = whole_number(args.stress, "--stress", 0)
    seed = whole_number(args.seed, "--seed", 0)
    timeout = DEFAULT_TIMEOUT if args.timeout is None else seconds_value(args.timeout, "--timeout")
    existing_corpus(args.corpus, "--corpus DIR")
    check_out_dir(args.out)
    try:
        cases = Corpus(args.corpus).load()
    except CorpusError as exc:
        raise ConfigError(str(exc)) from exc
    in_corpus = {c.subject for c in cases}
    check_subjects([s for s in args.subject if s not in in_corpus], [])
    command = ["tokfuzz", "export", "--corpus", str(args.corpus), "--stress", str(stress), "--seed", str(seed)]
    for subject in args.subject:
        command += ["--subject", subject]
    if args.timeout is not None:
        command += ["--timeout", f"{timeout:g}"]
    command += ["--format", args.format, "--out", str(args.out)]
    subjects = list(dict.fromkeys(args.subject)) or sorted(in_corpus)
    console.print(f"tokfuzz export: {len(cases)} corpus case(s), {len(subjects)} subject(s), stress {stress} per "
                  f"category (seed {seed}), {args.format} -> {args.out}", markup=False)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    started = time.monotonic()
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("loading", total=len(subjects))

        def progress(subject: str, event: str) -> None:
            bar.update(task, description=f"{subject}: {event}", advance=1 if event == "written" else 0)

        result = export_dataset(cases, out=args.out, fmt=args.format, stress=stress, seed=seed,
                                subjects=args.subject or None, timeout=timeout, command=shlex.join(command),
                                corpus=str(args.corpus), progress=progress)
    table = Table(title=f"{args.out} ({args.format})")
    for col in ("config", "rows", "corpus", "stress", "backends", "errors", "not loaded", "encode s", "size"):
        table.add_column(col, justify="left" if col in ("config", "not loaded") else "right")
    for c in result.configs:
        errors = sum(c.errors.values())
        table.add_row(escape(c.subject), f"{c.rows:,}", f"{c.corpus_rows:,}", f"{c.stress_rows:,}", str(len(c.backends)),
                      f"{errors:,}", escape(", ".join(c.unavailable) or "-"), f"{c.seconds:.1f}", _size(c.size))
    console.print(table)
    for c in result.configs:
        for spec, why in c.unavailable.items():
            console.print(f"[yellow]{escape(c.subject)}: {escape(spec)} did not load: {escape(why)}[/yellow]")
    total = sum(c.rows for c in result.configs)
    console.print(f"wrote {total:,} rows in {len(result.configs)} config(s) to {args.out} "
                  f"(card: {args.out / 'README.md'}); {time.monotonic() - started:.1f} s", markup=False)
    return 0


def _size(n: int) -> str:
    """``n`` bytes as ``"812 B"``, ``"41.3 kB"``, ``"1.4 MB"``."""
    return f"{n:,} B" if n < 1000 else f"{n / 1000:.1f} kB" if n < 1_000_000 else f"{n / 1_000_000:.1f} MB"
