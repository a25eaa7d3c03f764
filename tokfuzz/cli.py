"""The ``tokfuzz`` command (DESIGN §6): ``fuzz``, ``replay``, ``backends``.

Exit status: 0 nothing new / everything as expected; 1 new findings or unexpected
replay results; 2 bad usage or configuration (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.table import Table

from tokfuzz.backends.base import ConfigError
from tokfuzz.backends.registry import KINDS, parse_spec
from tokfuzz.properties import PROPERTIES

__all__ = ["main"]

DEFAULT_CORPUS = Path("corpora")
ENGINES = ("hypothesis", "atheris", "all")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (argparse prints usage too)
        raise ConfigError(f"{self.prog}: {message} (see --help)")


def _parser() -> argparse.ArgumentParser:
    from tokfuzz.subjects import SUBJECTS

    p = _Parser(prog="tokfuzz", description="Find where tokenizers disagree; shrink; pin it in a corpus.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    f = sub.add_parser("fuzz", help="run a time-boxed fuzz campaign")
    f.add_argument("--subject", action="append", default=[], help=f"embedded subject ({', '.join(SUBJECTS)}); repeatable; default all")
    f.add_argument("--backend", action="append", default=[], help="extra backend spec KIND:ARG added to each subject (alone: subject 'custom')")
    f.add_argument("--property", action="append", default=[], choices=PROPERTIES, help="property to check; repeatable; default all")
    f.add_argument("--engine", default="hypothesis", choices=ENGINES)
    f.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", 180)), help="wall-clock budget of the whole campaign, model loading excluded (default $FUZZ_SECONDS or 180)")
    f.add_argument("--seed", type=int, default=None)
    f.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    f.add_argument("--report", type=Path, default=None, help="write the campaign report as JSON")
    f.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    r = sub.add_parser("replay", help="replay the regression corpus")
    r.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    r.add_argument("--subject", action="append", default=[])
    r.add_argument("--backend", action="append", default=[], help="backend spec added to each subject (subject 'custom' is made of these)")
    sub.add_parser("backends", help="list backend kinds and which subject backends load here")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tokfuzz`` console script; returns the exit status."""
    console = Console(stderr=False, highlight=False)
    if not console.is_terminal:  # CI logs: wide enough for the class table, no wrapping
        console = Console(stderr=False, highlight=False, width=160)
    err = Console(stderr=True, highlight=False)
    try:
        args = _parser().parse_args(argv)
        if args.command == "fuzz":
            return _fuzz(args, console)
        if args.command == "replay":
            return _replay(args, console)
        return _backends(console)
    except ConfigError as exc:
        err.print(f"tokfuzz: error: {exc}", markup=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err.print("tokfuzz: interrupted; the corpus holds everything written so far", markup=False)
        return 130


def _fuzz(args: argparse.Namespace, console: Console) -> int:
    from tokfuzz.campaign import CampaignConfig, run_campaign
    from tokfuzz.corpus import Corpus
    from tokfuzz.subjects import CUSTOM, SUBJECTS

    if args.engine == "atheris":
        raise ConfigError("--engine atheris is not available yet (it arrives with fuzz_targets/); use hypothesis")
    for spec in args.backend:
        parse_spec(spec)
    for s in args.subject:
        if s not in SUBJECTS:
            raise ConfigError(f"unknown subject {s!r}; embedded subjects: {', '.join(SUBJECTS)}")
    if args.seconds <= 0 or args.workers < 1:
        raise ConfigError("--seconds must be > 0 and --workers >= 1")
    subjects = tuple(args.subject) or ((CUSTOM,) if args.backend else tuple(SUBJECTS))
    corpus = Corpus(args.corpus)
    cases = _load_corpus(corpus)
    known: dict[str, dict[str, str]] = {}
    for case in cases:
        known.setdefault(case.subject, {}).setdefault(case.signature, case.input)
    config = CampaignConfig(subjects, args.seconds, tuple(args.property) or PROPERTIES, tuple(args.backend),
                            args.engine, args.seed, args.workers, known)
    console.print(f"tokfuzz fuzz: {len(subjects)} subject(s), {args.seconds:g} s, "
                  f"{min(config.workers, len(subjects))} worker(s), engine {args.engine}")
    from tokfuzz.progress import CampaignProgress

    with CampaignProgress(console, subjects, args.seconds) as progress:
        runs = run_campaign(config, progress.update)
    written = _store(corpus, runs)
    from tokfuzz.summary import print_summary, report_json

    print_summary(console, runs, written)
    if args.report is not None:
        args.report.write_text(json.dumps(report_json(runs, args.seconds), indent=2) + "\n", encoding="utf-8")
    failed = [r for r in runs if r.error]
    if failed and len(failed) == len(runs):
        raise ConfigError("no subject could run: " + "; ".join(f"{r.subject}: {r.error}" for r in failed))
    return 1 if any(f.new for r in runs for f in r.findings) else 0


def _load_corpus(corpus: Any) -> list[Any]:
    from tokfuzz.corpus import CorpusError

    try:
        return corpus.load()
    except CorpusError as exc:
        raise ConfigError(str(exc)) from exc


def _store(corpus: Any, runs: list[Any]) -> int:
    """Append every new class's minimal witness to the corpus; returns how many."""
    from tokfuzz.corpus import Case, case_id, now_iso

    cases = []
    for run in runs:
        for f in run.findings:
            if not f.new:
                continue
            versions = {lib: v for b in f.backends for lib, v in run.versions.get(b, {b: "?"}).items()}
            cases.append(Case(
                id=case_id(f.property, f.subject, f.input, (*f.backends, f.kind)), input=f.input, property=f.property, subject=f.subject,
                backends=tuple(f.backends), signature=f.signature, status="open",
                note=f"untriaged: {f.detail[:400]}", found_by=f.found_by, found_at=now_iso(),
                versions=versions, observed=_jsonable(f.observed),
            ))
    return len(corpus.add(cases))


def _jsonable(observed: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(observed, default=str))


def _replay(args: argparse.Namespace, console: Console) -> int:
    from tokfuzz.corpus import Corpus
    from tokfuzz.replay import replay_cases

    from tokfuzz.quiet import native_stderr_to_log

    cases = _load_corpus(Corpus(args.corpus))
    with native_stderr_to_log():
        results = replay_cases(cases, args.subject or None, tuple(args.backend))
    table = Table(title=f"replay of {args.corpus} ({len(results)} cases)")
    for col in ("subject", "property", "backends", "status", "reproduces", "verdict"):
        table.add_column(col)
    bad = 0
    for r in results:
        verdict = "skipped: " + r.reason if r.skipped else ("as expected" if r.ok else "UNEXPECTED")
        bad += not r.ok
        if not r.ok or r.skipped:
            table.add_row(r.case.subject, r.case.property, ",".join(r.case.backends), r.case.status,
                          str(r.reproduced), verdict)
    counts = {s: sum(r.case.status == s for r in results) for s in ("open", "expected", "fixed")}
    console.print(table if table.row_count else "")
    console.print(f"{len(results)} cases: {counts['open']} open, {counts['expected']} expected, {counts['fixed']} fixed; "
                  f"{bad} unexpected, {sum(r.skipped for r in results)} skipped")
    return 1 if bad else 0


def _backends(console: Console) -> int:
    from tokfuzz.backends.base import BackendUnavailable
    from tokfuzz.subjects import SUBJECTS, load_subject

    kinds = Table(title="backend kinds (spec KIND:ARG)")
    kinds.add_column("kind")
    kinds.add_column("ARG")
    for kind, (_module, arg) in KINDS.items():
        kinds.add_row(kind, arg)
    console.print(kinds)
    table = Table(title="embedded subjects")
    for col in ("subject", "backend", "loads", "version / why not"):
        table.add_column(col)
    for name in SUBJECTS:
        try:
            subject = load_subject(name)
        except BackendUnavailable as exc:
            table.add_row(name, "-", "no", str(exc))
            continue
        for bname, versions in subject.versions.items():
            table.add_row(name, bname, "yes", ", ".join(f"{lib} {v}" for lib, v in versions.items()))
        for spec, why in subject.unavailable.items():
            table.add_row(name, spec, "no", why)
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
