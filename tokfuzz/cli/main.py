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
from tokfuzz.oracles import PROPERTIES

__all__ = ["main"]

DEFAULT_CORPUS = Path("corpora")
ENGINES = ("hypothesis", "atheris", "all")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (argparse prints usage too)
        raise ConfigError(f"{self.prog}: {message} (see --help)")


def _parser() -> argparse.ArgumentParser:
    from tokfuzz.backends.subjects import SUBJECTS

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
    rep = sub.add_parser("report", help="write an HTML or Markdown triage report of the corpus")
    rep.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    rep.add_argument("--campaign", type=Path, default=None, help="campaign JSON of `tokfuzz fuzz --report` (default ./fuzz-report.json if it exists)")
    rep.add_argument("--out", type=Path, default=None, help="output file (default report.html, or report.md for --format md)")
    rep.add_argument("--format", choices=("html", "md"), default=None, help="default: md for a .md --out, else html")
    rep.add_argument("--ids-only", action="store_true", help="do not load the subjects' backends: ids without pieces")
    tri = sub.add_parser("triage", help="set the status and note of every case of a class")
    tri.add_argument("cls", metavar="CLASS", help="a signature, a case id, or a unique prefix of a case id")
    tri.add_argument("--status", required=True, choices=("open", "expected", "fixed"))
    tri.add_argument("--note", default=None, help="why (required for expected); default: keep each case's note")
    tri.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
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
        if args.command == "report":
            return _report(args, console)
        if args.command == "triage":
            return _triage(args, console)
        return _backends(console)
    except ConfigError as exc:
        err.print(f"tokfuzz: error: {exc}", markup=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err.print("tokfuzz: interrupted; the corpus holds everything written so far", markup=False)
        return 130


def _fuzz(args: argparse.Namespace, console: Console) -> int:
    from tokfuzz.engines.campaign import CampaignConfig, run_campaign
    from tokfuzz.findings.corpus import Corpus
    from tokfuzz.backends.subjects import CUSTOM, SUBJECTS

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
                            args.engine, args.seed, args.workers, known, corpus=args.corpus)
    console.print(f"tokfuzz fuzz: {len(subjects)} subject(s), {args.seconds:g} s, "
                  f"{min(config.workers, len(config.jobs()))} worker(s), engine {args.engine}")
    from tokfuzz.cli.progress import CampaignProgress

    with CampaignProgress(console, subjects, args.seconds) as progress:
        runs = run_campaign(config, progress.update)
    written = _store(corpus, runs)
    from tokfuzz.cli.summary import print_summary, report_json

    print_summary(console, runs, written)
    if args.report is not None:
        args.report.write_text(json.dumps(report_json(runs, args.seconds), indent=2) + "\n", encoding="utf-8")
    failed = [r for r in runs if r.error]
    if failed and len(failed) == len(runs):
        raise ConfigError("no subject could run: " + "; ".join(f"{r.subject}: {r.error}" for r in failed))
    return 1 if any(f.new for r in runs for f in r.findings) else 0


def _load_corpus(corpus: Any) -> list[Any]:
    from tokfuzz.findings.corpus import CorpusError

    try:
        return corpus.load()
    except CorpusError as exc:
        raise ConfigError(str(exc)) from exc


def _store(corpus: Any, runs: list[Any]) -> int:
    """Append every new class's minimal witness to the corpus, one case per class;
    returns how many new classes the corpus now holds (atheris children store theirs
    as they find them, so those are counted, not written twice)."""
    from tokfuzz.engines.campaign import new_cases

    cases = new_cases(runs)
    corpus.add(cases, one_per_signature=True)
    stored = {(c.subject, c.signature) for c in _load_corpus(corpus)}
    return len({(c.subject, c.signature) for c in cases} & stored)


def _replay(args: argparse.Namespace, console: Console) -> int:
    from tokfuzz.findings.corpus import Corpus
    from tokfuzz.findings.replay import replay_cases

    from tokfuzz.backends.quiet import native_stderr_to_log

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
    from tokfuzz.backends.subjects import SUBJECTS, load_subject

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


def _report_cases(corpus_dir: Path) -> list[Any]:
    """The corpus' cases for ``report``/``triage``: a missing directory is an error here."""
    from tokfuzz.findings.corpus import Corpus

    if not corpus_dir.is_dir():
        raise ConfigError(f"corpus {corpus_dir} is not a directory (give --corpus DIR holding *.jsonl files)")
    return _load_corpus(Corpus(corpus_dir))


def _report(args: argparse.Namespace, console: Console) -> int:
    """``tokfuzz report``: the triage report (tokfuzz.report.data, tokfuzz.report.render)."""
    from tokfuzz.report.render import format_for, write_report
    from tokfuzz.report.data import build_report, load_campaign, subject_backends
    from tokfuzz.backends.subjects import SUBJECTS

    fmt = format_for(args.out, args.format)
    out = args.out or Path(f"report.{fmt}")
    cases = _report_cases(args.corpus)
    campaign_path = args.campaign
    if campaign_path is None and Path("fuzz-report.json").is_file():
        campaign_path = Path("fuzz-report.json")
    campaign = load_campaign(campaign_path) if campaign_path is not None else None
    if not args.ids_only and cases:
        console.print(f"loading {len({c.subject for c in cases})} subject(s) for token pieces…")
    from tokfuzz.backends.quiet import native_stderr_to_log

    with native_stderr_to_log():  # a Rust panic showing an odd id prints a backtrace on fd 2
        report = build_report(cases, campaign, backends_of=None if args.ids_only else subject_backends,
                              corpus=str(args.corpus), campaign_path=str(campaign_path) if campaign_path else None,
                              subject_order=tuple(SUBJECTS))
    write_report(report, out, fmt)
    t = report.total
    console.print(f"wrote {out}: {report.cases} case(s) in {t.classes} class(es): {t.open} open, "
                  f"{t.expected} expected, {t.fixed} fixed; {t.new} new", markup=False)
    return 0


def _triage(args: argparse.Namespace, console: Console) -> int:
    """``tokfuzz triage CLASS``: set status (and note) of every case of the class."""
    from tokfuzz.findings.corpus import Corpus, CorpusError
    from tokfuzz.report.data import find_class

    note: str | None = args.note
    if args.status == "expected" and not (note and note.strip()):
        raise ConfigError("--status expected needs --note saying why the difference is accepted")
    corpus = Corpus(args.corpus)
    members = find_class(_report_cases(args.corpus), args.cls)
    try:
        for case in members:
            corpus.update(case.id, status=args.status, note=case.note if note is None else note)
    except (CorpusError, KeyError, OSError) as exc:
        raise ConfigError(f"cannot update {args.corpus}: {exc}") from exc
    before = ", ".join(sorted({c.status for c in members}))
    console.print(f"{members[0].signature}: {len(members)} case(s) {before} -> {args.status}", markup=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
