"""The ``tokfuzz`` command (DESIGN §6): ``fuzz``, ``replay``, ``backends``, ``report`` (and
``report --upstream ROOT``), ``triage``, ``summary`` (tokfuzz.cli.corpus_summary), ``vocab``
(tokfuzz.cli.vocab), ``export`` (tokfuzz.cli.export), ``snapshot`` (tokfuzz.cli.snapshot).

Exit status: 0 nothing new / everything as expected; 1 new findings or unexpected
replay results; 2 bad usage or configuration (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.table import Table

from tokfuzz.backends.base import ConfigError
from tokfuzz.backends.registry import KINDS, parse_spec
from tokfuzz.backends.user_subjects import registered, user_subjects
from tokfuzz.cli.project import apply_fuzz_settings, check_project_subjects, parser_defaults
from tokfuzz.config import ProjectConfig, find_config
from tokfuzz.oracles import PROPERTIES

__all__ = ["main"]

DEFAULT_CORPUS = Path("corpora")
ENGINES = ("hypothesis", "atheris", "all")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (argparse prints usage too)
        raise ConfigError(f"{self.prog}: {message} (see --help)")


def _parser(project: ProjectConfig | None = None) -> argparse.ArgumentParser:
    from tokfuzz.backends.subjects import SUBJECTS
    from tokfuzz.engines.campaign import DEFAULT_TIMEOUT

    p = _Parser(prog="tokfuzz", description="Find where tokenizers disagree; shrink; pin it in a corpus.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    f = sub.add_parser("fuzz", help="run a time-boxed fuzz campaign")
    f.add_argument("--subject", action="append", default=[], help=f"embedded subject ({', '.join(SUBJECTS)}); repeatable; default all")
    f.add_argument("--backend", action="append", default=[], help="extra backend spec KIND:ARG added to each subject (alone: subject 'custom')")
    f.add_argument("--property", action="append", default=[], choices=PROPERTIES, help="property to check; repeatable; default all")
    f.add_argument("--engine", default="hypothesis", choices=ENGINES)
    f.add_argument("--seconds", metavar="N", help="wall-clock budget of the whole campaign, model loading excluded (default $FUZZ_SECONDS or 180)")
    f.add_argument("--seed", metavar="N", help="hypothesis/atheris seed, a whole number >= 0 (default: random)")
    f.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus directory (created on the first write)")
    f.add_argument("--report", type=Path, default=None, help="write the campaign report as JSON")
    f.add_argument("--workers", metavar="N", help="jobs run at a time (default: one per core)")
    f.add_argument("--timeout", metavar="S", help="seconds one backend call may take before the input is a `timeout` "
                   f"finding (default {DEFAULT_TIMEOUT:g})")
    f.add_argument("--allow-missing", action="store_true", help="a --backend that does not load is a warning, not an error")
    f.add_argument("--assigned-only", action="store_true", help="generate only code points assigned in Python's "
                   "unicodedata, the oldest Unicode table here, so ports on newer tables are compared without version skew")
    r = sub.add_parser("replay", help="replay the regression corpus")
    r.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    r.add_argument("--subject", action="append", default=[])
    r.add_argument("--backend", action="append", default=[], help="backend spec added to each subject (subject 'custom' is made of these)")
    r.add_argument("--allow-missing", action="store_true", help="a --backend that does not load is a warning (its cases are skipped)")
    sub.add_parser("backends", help="list backend kinds and which subject backends load here")
    rep = sub.add_parser("report", help="write an HTML or Markdown triage report of the corpus")
    rep.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    rep.add_argument("--campaign", type=Path, default=None, help="campaign JSON of `tokfuzz fuzz --report` (default ./fuzz-report.json if it exists)")
    rep.add_argument("--out", type=Path, default=None, help="output file (default report.html, or report.md for --format md)")
    rep.add_argument("--format", choices=("html", "md"), default=None, help="default: md for a .md --out, else html")
    rep.add_argument("--ids-only", action="store_true", help="do not load the subjects' backends: ids without pieces")
    rep.add_argument("--upstream", default=None, metavar="ROOT", help="instead of the report, write a ready-to-file "
                     "upstream issue (Markdown) for root cause ROOT (`tokfuzz summary` lists them); default --out upstream-ROOT.md")
    tri = sub.add_parser("triage", help="set the status, note or root cause of every case of a class (or of a root cause)")
    tri.add_argument("cls", metavar="CLASS", help="a signature, a case id, a unique prefix of a case id, "
                     "or a root cause name (every class it groups, as `tokfuzz summary` lists them)")
    tri.add_argument("--status", default=None, choices=("open", "expected", "fixed"), help="default: keep each case's")
    tri.add_argument("--note", default=None, help="why (required for expected); default: keep each case's note")
    tri.add_argument("--root-cause", default=None, metavar="NAME", help="the root cause its classes share "
                     "(LIBRARY/KIND/CHARACTERS by convention; 'proposed' takes tokfuzz's proposal, '' clears it)")
    tri.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    sm = sub.add_parser("summary", help="the corpus by root cause, then by class")
    sm.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    sm.add_argument("--status", action="append", default=[], choices=("open", "expected", "fixed"),
                    help="only root causes with classes of this status; repeatable")
    from tokfuzz.cli.vocab import add_vocab_parser

    add_vocab_parser(sub, project, DEFAULT_CORPUS)  # tokfuzz vocab SUBJECT (tokfuzz.cli.vocab)
    from tokfuzz.cli.export import add_export_parser
    from tokfuzz.cli.snapshot import add_snapshot_parser

    add_export_parser(sub, project, DEFAULT_CORPUS)  # tokfuzz export (tokfuzz.cli.export)
    add_snapshot_parser(sub, project, DEFAULT_CORPUS)  # tokfuzz snapshot create|check (tokfuzz.cli.snapshot)
    for command, sub_parser in (("fuzz", f), ("replay", r), ("report", rep), ("triage", tri), ("summary", sm)):
        sub_parser.set_defaults(**parser_defaults(project, command))  # the project config, under the flags
    p.set_defaults(project=project)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tokfuzz`` console script; returns the exit status."""
    console = Console(stderr=False, highlight=False, emoji=False)
    if not console.is_terminal:  # CI logs: wide enough for the class table, no wrapping
        console = Console(stderr=False, highlight=False, width=160, emoji=False)
    err = Console(stderr=True, highlight=False, emoji=False)
    project_subjects = contextlib.ExitStack()
    try:
        args = _parser(find_config(Path.cwd())).parse_args(argv)  # tokfuzz.toml / [tool.tokfuzz], under the flags
        project_subjects.enter_context(registered(args.project.subjects if args.project else {}))
        if args.project is not None:
            console.print(f"tokfuzz: settings from {args.project.path} (flags override them)", markup=False)
        if args.command == "fuzz":
            return _fuzz(args, console)
        if args.command == "replay":
            return _replay(args, console)
        if args.command == "report":
            return _report(args, console)
        if args.command == "triage":
            return _triage(args, console)
        if args.command == "summary":
            from tokfuzz.cli.corpus_summary import print_corpus_summary

            return print_corpus_summary(console, _report_cases(args.corpus), str(args.corpus), tuple(args.status))
        if args.command == "vocab":
            from tokfuzz.cli.vocab import run_vocab

            return run_vocab(args, console)
        if args.command == "export":
            from tokfuzz.cli.export import run_export

            return run_export(args, console)
        if args.command == "snapshot":
            from tokfuzz.cli.snapshot import run_snapshot

            return run_snapshot(args, console)
        return _backends(console)
    except ConfigError as exc:
        err.print(f"tokfuzz: error: {exc}", markup=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err.print("tokfuzz: interrupted; the corpus holds everything written so far", markup=False)
        return 130
    finally:
        project_subjects.close()


def _fuzz(args: argparse.Namespace, console: Console) -> int:
    from tokfuzz.engines.campaign import DEFAULT_TIMEOUT, CampaignConfig, run_campaign
    from tokfuzz.findings.corpus import Corpus
    from tokfuzz.backends.subjects import CUSTOM, SUBJECTS
    from tokfuzz.cli.checks import check_fuzz_args, check_subjects, load_named_backends, write_campaign_json

    for spec in args.backend:
        parse_spec(spec)
    apply_fuzz_settings(args, args.project)  # subjects, properties, seconds no flag set
    check_subjects(args.subject, args.backend)
    check_fuzz_args(args, DEFAULT_TIMEOUT)  # numbers, FUZZ_SECONDS, --corpus and --report paths
    subjects = tuple(dict.fromkeys(args.subject)) or ((CUSTOM,) if args.backend else tuple(SUBJECTS))
    corpus = Corpus(args.corpus)
    cases = _load_corpus(corpus)
    known: dict[str, dict[str, str]] = {}
    for case in cases:
        known.setdefault(case.subject, {}).setdefault(case.signature, case.input)
    load_named_backends(args.backend, subjects, allow_missing=args.allow_missing, warn=lambda line: _warn(console, line))
    check_project_subjects(args.project, subjects, args.backend, allow_missing=args.allow_missing,
                           warn=lambda line: _warn(console, line))
    config = CampaignConfig(subjects, args.seconds, tuple(args.property) or PROPERTIES, tuple(args.backend),
                            args.engine, args.seed, args.workers, known, corpus=args.corpus, timeout=args.timeout,
                            assigned_only=args.assigned_only)
    console.print(f"tokfuzz fuzz: {len(subjects)} subject(s), {args.seconds:g} s, "
                  f"{min(config.workers, len(config.jobs()))} worker(s), engine {args.engine}")
    from tokfuzz.cli.progress import CampaignProgress
    from tokfuzz.cli.summary import print_stored, print_summary, report_json
    from tokfuzz.engines.supervise import CampaignInterrupted

    for tmp in corpus.remove_stale_temp_files():
        console.print(f"removed {tmp}, left by a write that was killed (the corpus file itself is whole)", markup=False)
    before = {case.id for case in cases}
    try:
        with CampaignProgress(console, subjects, args.seconds) as progress:
            runs = run_campaign(config, progress.update)
    except CampaignInterrupted as stop:  # workers stopped, every finding stored: say what is on disk
        print_stored(console, _stored_since(corpus, before), f"campaign {stop}")
        return 128 + stop.signum
    stored, store_error = _store(corpus, runs, before)
    print_summary(console, runs, stored)
    report_error = ""
    if args.report is not None:
        try:
            write_campaign_json(args.report, report_json(runs, args.seconds), stored=len(stored), corpus=args.corpus)
        except ConfigError as exc:
            report_error = str(exc)
    unstored = store_error or next((r.error for r in runs if r.error.startswith("cannot write the corpus")), "")
    if unstored:
        also = f"; {report_error.split(';')[0]}" if report_error else ""
        raise ConfigError(f"{unstored}; the classes it could not store are listed above, "
                          f"{len({(c.subject, c.signature) for c in stored})} are stored{also}")
    if report_error:
        raise ConfigError(report_error)
    failed = [r for r in runs if r.error]
    if failed and len(failed) == len(runs) and not stored and not any(r.findings for r in runs):
        raise ConfigError("no subject could run: " + "; ".join(f"{r.subject}: {r.error}" for r in failed))
    return 1 if stored or any(f.new for r in runs for f in r.findings) else 0


def _warn(console: Console, line: str) -> None:
    """One yellow ``tokfuzz: warning: …`` line (the command goes on)."""
    console.print(f"tokfuzz: warning: {line}", style="yellow", markup=False, soft_wrap=True)


def _load_corpus(corpus: Any) -> list[Any]:
    from tokfuzz.findings.corpus import CorpusError

    try:
        return corpus.load()
    except CorpusError as exc:
        raise ConfigError(str(exc)) from exc


def _store(corpus: Any, runs: list[Any], before: set[str]) -> tuple[list[Any], str]:
    """(the cases this campaign added to the corpus, why some could not be stored).
    Workers store each new class the moment they find it; this appends any new class
    not stored yet (one case per class, ids de-duplicated, so nothing is written twice)
    and reads back what is new on disk since ``before`` (the ids held at the start).
    A corpus that cannot be written (disk full) is reported, not raised: the summary
    then shows the classes it could not store."""
    from tokfuzz.engines.campaign import new_cases

    try:
        corpus.add(new_cases(runs), one_per_signature=True)
        error = ""
    except OSError as exc:
        error = f"cannot write the corpus {corpus.root}: {exc.strerror or exc}"
    return _stored_since(corpus, before), error


def _stored_since(corpus: Any, before: set[str]) -> list[Any]:
    """The corpus' cases whose ids are not in ``before``, in file order."""
    return [case for case in _load_corpus(corpus) if case.id not in before]


def _replay(args: argparse.Namespace, console: Console) -> int:
    from tokfuzz.findings.replay import replay_cases
    from tokfuzz.cli.checks import check_subjects, load_named_backends

    from tokfuzz.backends.quiet import native_stderr_to_log

    for spec in args.backend:
        parse_spec(spec)
    check_subjects(args.subject, args.backend)
    cases = _report_cases(args.corpus)
    load_named_backends(args.backend, args.subject or sorted({c.subject for c in cases}),
                        allow_missing=args.allow_missing, warn=lambda line: _warn(console, line))
    check_project_subjects(args.project, args.subject or sorted({c.subject for c in cases}), args.backend,
                           allow_missing=args.allow_missing, warn=lambda line: _warn(console, line))
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
    table = Table(title="embedded subjects, then the project config's")
    for col in ("subject", "backend", "loads", "version / why not"):
        table.add_column(col)
    for name in (*SUBJECTS, *user_subjects()):
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
    """The cases of the corpus ``replay``, ``report`` and ``triage`` read: a path that
    does not exist, is a file or holds no ``*.jsonl`` is a ConfigError (a wrong path
    must not replay "0 cases" and pass); corpus files holding no case are fine."""
    from tokfuzz.findings.corpus import Corpus
    from tokfuzz.findings.paths import existing_corpus

    return _load_corpus(Corpus(existing_corpus(corpus_dir, "--corpus DIR")))


def _report(args: argparse.Namespace, console: Console) -> int:
    """``tokfuzz report``: the triage report (tokfuzz.report.data, tokfuzz.report.render)."""
    from tokfuzz.report.render import format_for, write_report
    from tokfuzz.report.data import build_report, load_campaign, subject_backends
    from tokfuzz.backends.subjects import SUBJECTS

    cases = _report_cases(args.corpus)
    if args.upstream is not None:
        return _upstream(args, cases, console)
    fmt = format_for(args.out, args.format)
    out = args.out or Path(f"report.{fmt}")
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


def _upstream(args: argparse.Namespace, cases: list[Any], console: Console) -> int:
    """``tokfuzz report --upstream ROOT``: the upstream issue text of one root cause."""
    import re

    from tokfuzz.backends.quiet import native_stderr_to_log
    from tokfuzz.findings.rootcause import root_causes
    from tokfuzz.report.data import subject_backends
    from tokfuzz.report.render import write_text

    causes = root_causes(cases)
    cause = next((r for r in causes if r.name == args.upstream), None)
    if cause is None:
        near = [r.name for r in causes if args.upstream.lower() in r.name.lower()][:5]
        hint = f"; did you mean {', '.join(near)}" if near else "; `tokfuzz summary` lists them"
        raise ConfigError(f"no root cause named {args.upstream!r} in {args.corpus}{hint}")
    from tokfuzz.report.upstream import upstream_issue

    out = args.out or Path("upstream-" + re.sub(r"[^A-Za-z0-9._-]+", "-", cause.name).strip("-") + ".md")
    with native_stderr_to_log():
        text = upstream_issue(cause.cases, cause.name, cause.suspect, None if args.ids_only else subject_backends)
    write_text(out, text)
    console.print(f"wrote {out}: upstream issue for {cause.name} ({len(cause.classes)} class(es), "
                  f"{', '.join(cause.subjects)})", markup=False)
    return 0


def _triage(args: argparse.Namespace, console: Console) -> int:
    """``tokfuzz triage CLASS``: set status, note and root cause of every case of the class
    (or of every class of a root cause); say the proposed root cause when none is set."""
    from tokfuzz.findings.corpus import Corpus, CorpusError
    from tokfuzz.findings.rootcause import propose, root_cause_of, root_causes
    from tokfuzz.report.data import ReportError, find_class

    note: str | None = args.note
    if args.status is None and note is None and args.root_cause is None:
        raise ConfigError("triage needs --status, --note or --root-cause (what to set)")
    if args.status == "expected" and not (note and note.strip()):
        raise ConfigError("--status expected needs --note saying why the difference is accepted")
    if args.root_cause and (args.root_cause != args.root_cause.strip() or "|" in args.root_cause):
        raise ConfigError(f"--root-cause {args.root_cause!r}: a name has no surrounding spaces and no '|'")
    cases = _report_cases(args.corpus)
    try:
        members = find_class(cases, args.cls)
    except ReportError:
        group = next((r for r in root_causes(cases) if r.name == args.cls), None)
        if group is None:
            raise
        members = group.cases
    changes: dict[str, dict[str, str]] = {}
    for case in members:
        change = {"status": args.status or case.status, "note": case.note if note is None else note}
        if args.root_cause is not None:
            change["root_cause"] = propose(case) if args.root_cause == "proposed" else args.root_cause
        changes[case.id] = change
    try:
        updated = Corpus(args.corpus).update_many(changes)
    except (CorpusError, KeyError, OSError, ValueError) as exc:
        raise ConfigError(f"cannot update {args.corpus}: {exc}") from exc
    signatures = list(dict.fromkeys(c.signature for c in members))
    what = signatures[0] if len(signatures) == 1 else f"{args.cls}: {len(signatures)} classes"
    before = ", ".join(sorted({c.status for c in members}))
    line = f"{what}: {len(members)} case(s) {before} -> {args.status or 'status kept'}"
    causes = sorted({c.root_cause for c in updated if c.root_cause})
    if causes:
        line += f"; root cause {', '.join(causes)}"
    console.print(line, markup=False)
    if not causes:
        proposal, _ = root_cause_of(updated)
        shared = next((len(r.classes) - 1 for r in root_causes(cases) if r.name == proposal), 0)
        console.print(f"no root cause set; proposed: {proposal} (shared with {shared} other class(es)); "
                      f"set it with --root-cause proposed, or name one with --root-cause NAME", markup=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
