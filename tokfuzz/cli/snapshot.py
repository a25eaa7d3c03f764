"""``tokfuzz snapshot create|check``: golden ids of a subject's reference, kept in a
file (tokfuzz.report.snapshot), and the check that re-encodes them with the backends
installed now (tokfuzz.report.drift).

``create --subject S [--backend SPEC] --out FILE [--stress N] [--seed S] [--corpus DIR
| --no-corpus] [--timeout S]`` stores the ids of S's reference (or of the one
``--backend`` given) for the stress set and every corpus input of S.

``check --snapshot FILE [--subject S] [--backend SPEC]... [--timeout S]
[--shrink-seconds S]`` re-encodes every input with the ``--backend`` specs alone (a port),
with S's installed backends (plus any ``--backend``), or, with neither, with the
snapshot's own backend as installed now (the subject's other backends serve as
oracles for shrinking; tokfuzz.report.drift.select_backends), and prints one row per drift class, the
library versions that moved, one row per backend and a summary line.

Exit status (DESIGN §6): 0 clean (create: written), 1 drift, 2 bad usage (a missing or
corrupt snapshot file, a backend that does not load: one line).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tokfuzz.backends.base import BackendUnavailable, ConfigError
from tokfuzz.backends.registry import load_backend, parse_spec

if TYPE_CHECKING:
    from tokfuzz.findings.corpus import Case
    from tokfuzz.report.drift import CheckResult

__all__ = ["add_snapshot_parser", "run_snapshot"]


def add_snapshot_parser(sub: Any, project: Any, default_corpus: Path) -> None:
    """Add ``snapshot create`` and ``snapshot check`` to ``sub`` (argparse subparsers);
    the project config's ``corpus`` (tokfuzz.config) is the corpus ``create`` reads."""
    from tokfuzz.report.snapshot import DEFAULT_SEED, DEFAULT_STRESS

    s = sub.add_parser("snapshot", help="golden ids: store a subject's reference ids, check them after an upgrade or in a port")
    ss = s.add_subparsers(dest="snapshot_command", required=True, metavar="create|check")
    c = ss.add_parser("create", help="store the reference ids of the stress set and the corpus inputs")
    c.add_argument("--subject", required=True, help="embedded subject, a subject of the project config, or custom")
    c.add_argument("--backend", action="append", default=[], metavar="SPEC",
                   help="store this backend's ids instead of the subject's reference (at most one)")
    c.add_argument("--out", type=Path, required=True, metavar="FILE", help="the snapshot file to write (JSON Lines)")
    c.add_argument("--stress", default=str(DEFAULT_STRESS), metavar="N",
                   help=f"stress inputs per category (default {DEFAULT_STRESS})")
    c.add_argument("--seed", default=str(DEFAULT_SEED), metavar="S", help=f"stress set seed (default {DEFAULT_SEED})")
    c.add_argument("--corpus", type=Path, default=None, metavar="DIR",
                   help=f"corpus whose inputs of the subject to add (default: the project's, else {default_corpus} "
                   "if it holds one)")
    c.add_argument("--no-corpus", action="store_true", help="the stress set only")
    c.add_argument("--timeout", default=None, metavar="S", help="seconds one encode may take (default 5)")
    k = ss.add_parser("check", help="re-encode a snapshot's inputs with the installed (or given) backends; exit 1 on drift")
    k.add_argument("--snapshot", type=Path, required=True, metavar="FILE")
    k.add_argument("--subject", default=None, help="check every installed backend of this subject against the snapshot's "
                   "ids (default: only the snapshot's own backend as installed now, or the --backend given)")
    k.add_argument("--backend", action="append", default=[], metavar="SPEC", help="check this backend (repeatable)")
    k.add_argument("--timeout", default=None, metavar="S", help="seconds one encode may take (default 5)")
    k.add_argument("--shrink-seconds", default=None, metavar="S", help="seconds to shrink one drifting input (default 10)")
    s.set_defaults(snapshot_corpus=(getattr(project, "corpus", None), getattr(project, "path", None), default_corpus))


def run_snapshot(args: argparse.Namespace, console: Console) -> int:
    """``tokfuzz snapshot create|check``; the exit status.

    Raises:
        ConfigError: bad usage (one line, exit status 2).
    """
    from tokfuzz.cli.checks import seconds_value
    from tokfuzz.backends.isolated import DEFAULT_TIMEOUT

    for spec in args.backend:
        parse_spec(spec)
    args.timeout = DEFAULT_TIMEOUT if args.timeout is None else seconds_value(args.timeout, "--timeout")
    if args.snapshot_command == "create":
        return _create(args, console)
    return _check(args, console)


def _corpus_cases(args: argparse.Namespace) -> tuple[list[Case], str | None]:
    """(the corpus cases of ``args.subject``, the corpus directory read or None)."""
    from tokfuzz.findings.corpus import Corpus, CorpusError
    from tokfuzz.findings.paths import existing_corpus

    project_corpus, project_path, default = args.snapshot_corpus
    if args.no_corpus:
        return [], None
    if args.corpus is not None:
        root = existing_corpus(args.corpus, "--corpus DIR")
    elif project_corpus is not None:
        root = existing_corpus(project_corpus, f"corpus in {project_path}")
    elif Path(default).is_dir() and any(Path(default).glob("*.jsonl")):
        root = Path(default)
    else:
        return [], None
    try:
        cases = Corpus(root).load()
    except CorpusError as exc:
        raise ConfigError(str(exc)) from exc
    return [c for c in cases if c.subject == args.subject], str(root)


def _create(args: argparse.Namespace, console: Console) -> int:
    """``snapshot create``: check the arguments, encode, write ``--out``; 0.

    Raises:
        ConfigError: more than one ``--backend``, an unknown subject, a bad ``--stress``
            or ``--seed``, an ``--out`` that cannot be written or ends in ``.gz``, a
            corpus that is not one, or a reference that does not load.
    """
    from tokfuzz.backends.quiet import native_stderr_to_log
    from tokfuzz.cli.checks import check_subjects, whole_number
    from tokfuzz.findings.paths import writable_file
    from tokfuzz.report.snapshot import create_snapshot, reference_spec, write_snapshot

    if len(args.backend) > 1:
        raise ConfigError(f"snapshot create stores one backend's ids: give at most one --backend, not {len(args.backend)}")
    check_subjects([args.subject], args.backend)
    stress = whole_number(args.stress, "--stress", 0)
    seed = whole_number(args.seed, "--seed", 0)
    if args.out.name.endswith(".gz"):
        raise ConfigError(f"--out {args.out}: snapshots are written as plain JSON Lines (they diff well; git compresses "
                          "them); drop .gz (check also reads a file you gzip yourself)")
    writable_file(args.out, "--out")
    cases, corpus = _corpus_cases(args)
    spec, chosen = reference_spec(args.subject, args.backend)
    try:
        backend = load_backend(spec)
    except BackendUnavailable as exc:
        raise ConfigError(f"the backend whose ids to store, {spec}, does not load: {exc}") from exc
    read = f"{len(cases)} corpus case(s)" + (f" from {corpus}" if corpus else " (no corpus)")
    _say(console, f"tokfuzz snapshot create: {args.subject}, ids of {backend.name} ({spec}, {chosen}); stress n={stress} "
                  f"seed={seed}, {read}")
    started = time.monotonic()
    with native_stderr_to_log():
        snap = create_snapshot(args.subject, args.backend, stress=stress, seed=seed, cases=cases, corpus=corpus,
                               timeout=args.timeout, reference=backend)
    try:
        write_snapshot(snap, args.out)
    except OSError as exc:
        raise ConfigError(f"cannot write --out {args.out}: {exc.strerror or exc}") from exc
    raised = sum(e.outcome.error is not None for e in snap.entries)
    from_stress = sum(e.source.startswith("stress:") for e in snap.entries)
    libs = ", ".join(f"{lib} {v}" for libs in snap.header.versions.values() for lib, v in libs.items())
    _say(console, f"wrote {args.out}: {len(snap.entries)} inputs ({from_stress} stress, {len(snap.entries) - from_stress} "
                  f"corpus), ids of {backend.name} ({libs}); {raised} raised; {time.monotonic() - started:.1f} s")
    return 0


def _check(args: argparse.Namespace, console: Console) -> int:
    """``snapshot check``: read the snapshot, load the backends, check, print; 1 on
    drift, else 0.

    Raises:
        ConfigError: a missing or corrupt snapshot file (SnapshotError), a bad
            ``--shrink-seconds``, an unknown subject, a ``--backend`` that does not load,
            or a ``custom`` snapshot checked without ``--backend``.
    """
    from tokfuzz.backends.quiet import native_stderr_to_log
    from tokfuzz.cli.checks import check_subjects, seconds_value
    from tokfuzz.report.drift import SHRINK_SECONDS, check_snapshot, select_backends
    from tokfuzz.report.snapshot import read_snapshot

    shrink = SHRINK_SECONDS if args.shrink_seconds is None else seconds_value(args.shrink_seconds, "--shrink-seconds")
    snap = read_snapshot(args.snapshot)
    head = snap.header
    if args.subject is not None:
        check_subjects([args.subject], args.backend)
    backends, unavailable, oracles = select_backends(head, args.subject, args.backend, str(args.snapshot))
    libs = ", ".join(f"{lib} {v}" for libs in head.versions.values() for lib, v in libs.items())
    _say(console, f"tokfuzz snapshot check: {args.snapshot}: {head.subject}, {len(snap.entries)} inputs, ids of "
                  f"{head.reference} ({head.reference_spec}; {libs}), created {head.created_at} by tokfuzz {head.tokfuzz}")
    if args.subject is not None and args.subject != head.subject:
        _say(console, f"checking subject {args.subject}'s backends against a snapshot of {head.subject}")
    _say(console, f"checking {len(backends)} backend(s): {', '.join(backends)}")
    for spec, why in unavailable.items():
        _say(console, f"tokfuzz: warning: not checked: {spec} does not load here: {why}", style="yellow")
    with native_stderr_to_log():
        result = check_snapshot(snap, backends, oracles=oracles, timeout=args.timeout,
                                shrink_seconds=shrink)
    _print(console, result)
    return 1 if result.classes else 0


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _say(console: Console, line: str, style: str | None = None) -> None:
    """Print one plain line: no markup, no ``:name:`` emoji codes (a spec such as
    ``python:x:y`` or a witness holding ``:x:`` is printed as it is), never hard-wrapped."""
    console.print(line, style=style, markup=False, emoji=False, soft_wrap=True)


def _print(console: Console, result: CheckResult) -> None:
    """The version changes, the class table, the backend table and the summary line."""
    from tokfuzz.report.drift import witness_text

    changes = result.version_changes()
    if changes:
        _say(console, "library versions that differ from the snapshot's: " + "; ".join(
            f"{c.library} {c.then} -> {c.now} ({', '.join(c.backends)})" for c in changes))
    else:
        _say(console, "library versions: none of the checked backends' differs from the snapshot's")
    if result.oracle_note:
        _say(console, result.oracle_note)
    if result.classes:
        table = Table(title="drift classes; snapshot ids \"(as X)\": X's, which agrees with the snapshot on the drifting input")
        table.add_column("class", no_wrap=True)  # whole, so that a CI log can be searched for it
        for col in ("inputs", "witness", "snapshot ids", "now ids", "how"):
            table.add_column(col, overflow="fold")
        for c in result.classes:
            sources = ", ".join(d.entry.source for d in c.drifts[:2]) + (" …" if len(c.drifts) > 2 else "")
            then = c.then.short() + (f"\n(as {c.oracle})" if c.oracle else "")
            table.add_row(Text(_cut(c.signature, 72)), Text(f"{len(c.drifts)}\n{sources}"), Text(witness_text(c.witness)),
                          Text(then), Text(c.now.short()), Text(c.note))
        console.print(table)
    backends = Table(title="backends checked")
    for col in ("backend", "libraries now", "inputs drifted", "classes"):
        backends.add_column(col, justify="right" if col in ("inputs drifted", "classes") else "left")
    for name, (inputs, classes) in result.per_backend().items():
        libs = ", ".join(f"{lib} {v}" for lib, v in result.versions.get(name, {}).items())
        backends.add_row(Text(name), Text(libs), str(inputs), str(classes))
    console.print(backends)
    n, names = len(result.snapshot.entries), len(result.backends)
    if result.classes:
        drifting = sum(1 for inputs, _ in result.per_backend().values() if inputs)
        _say(console, f"DRIFT: {result.drifted_inputs} of {n} input(s) drifted in {len(result.classes)} class(es) on "
                      f"{drifting} of {names} backend(s); {result.seconds:.1f} s")
    else:
        _say(console, f"clean: all {n} inputs give the snapshot's ids on {names} backend(s); {result.seconds:.1f} s")
