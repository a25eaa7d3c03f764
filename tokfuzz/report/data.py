"""The triage report as data: classes of corpus cases, a summary, campaign counts.

Pure data in, pure data out: ``build_report(cases, campaign, backends_of)`` turns
corpus cases (``tokfuzz.findings.corpus.Case``) and the optional campaign JSON that
``tokfuzz fuzz --report`` writes (DESIGN §6) into a ``Report``, which
``tokfuzz.report.render`` turns into HTML or Markdown. The only side effect lives in
``subject_backends``, the default ``backends_of``: it loads a subject's backends
(cached) to show token pieces.

Shapes:

* a *class* is the set of cases sharing one signature
  ``property|subject|backends|kind|shape`` (tokfuzz.findings.triage); its status is ``open``
  if any case is open, else ``expected`` if any is, else ``fixed``;
* a class is *new* when the campaign report lists its signature with ``"new": true``,
  otherwise *known*; its raw failure count is the sum of the campaign's ``count``
  over findings with its signature, or None without a campaign (shown as ``—``);
* the summary has one row per (subject, backends, property) with class counts.

Errors: ``ReportError`` (a ConfigError: one line, exit 2) for an unreadable or
malformed campaign file, an unknown or ambiguous class key.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tokfuzz.backends.base import Backend, ConfigError
from tokfuzz.findings.corpus import Case, now_iso
from tokfuzz.backends.models import library_version
from tokfuzz.findings.rootcause import root_causes
from tokfuzz.findings.triage import signature_fields
from tokfuzz.oracles.properties import PROPERTIES
from tokfuzz.report.overview import Matrix, RootCauseView, matrices, root_cause_views
from tokfuzz.report.reproduce import Reproducer, reproducers
from tokfuzz.report.witness import CodePoint, Segment, TokenRow, codepoint, rendered, token_rows

__all__ = [
    "CampaignEntry", "CaseView", "ClassView", "Loaded", "Report", "ReportError", "SummaryRow",
    "build_report", "find_class", "load_campaign", "subject_backends",
]

_STATUS_ORDER = ("open", "expected", "fixed")
_PROPERTY_ORDER = (*PROPERTIES, "vocab")
"""Matrix columns: the campaign's properties in their order, then ``tokfuzz vocab``'s, then any other by name."""
#: a class shows this many cases in full; the others by id and witness only
MAX_CASES_SHOWN = 8
#: shortest case-id prefix ``find_class`` accepts (a typo must not triage a class)
MIN_PREFIX = 4


class ReportError(ConfigError):
    """Bad report or triage input: a one-line message, exit status 2."""


@dataclass(frozen=True)
class CampaignEntry:
    """What a campaign report says about one signature: raw failure ``count``,
    whether it was ``new`` in that campaign, ``first_found_s`` (seconds into it)."""

    count: int
    new: bool
    first_found_s: float | None


def load_campaign(path: Path) -> dict[str, CampaignEntry]:
    """Signature -> CampaignEntry from a ``tokfuzz fuzz --report`` JSON file.

    Findings with the same signature are merged (counts added, new if any is new).
    Raises ReportError when the file cannot be read, is not JSON, or its
    ``findings`` are not a list of objects with a string ``signature`` and an
    integer ``count``.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"cannot read campaign report {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"campaign report {path} is not JSON ({exc}); rerun `tokfuzz fuzz --report {path}`") from None
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list):
        raise ReportError(f"campaign report {path} has no \"findings\" list (schema: DESIGN §6)")
    out: dict[str, CampaignEntry] = {}
    for n, f in enumerate(findings):
        if not (isinstance(f, dict) and isinstance(f.get("signature"), str) and isinstance(f.get("count"), int)):
            raise ReportError(f"campaign report {path}: finding #{n} lacks a string \"signature\" or an integer \"count\"")
        first = f.get("first_found_s")
        first_s = float(first) if isinstance(first, (int, float)) else None
        old = out.get(f["signature"])
        if old is not None:
            starts = [s for s in (old.first_found_s, first_s) if s is not None]
            first_s = min(starts) if starts else None
        out[f["signature"]] = CampaignEntry((old.count if old else 0) + f["count"],
                                            bool(f.get("new")) or bool(old and old.new), first_s)
    return out


@dataclass(frozen=True)
class Loaded:
    """The backends of one subject that could load (``backends``), why the others
    could not (``missing``: name or spec -> reason), and the cached HF
    tokenizer.json path, if any (``hf_path``)."""

    backends: Mapping[str, Backend] = field(default_factory=dict)
    missing: Mapping[str, str] = field(default_factory=dict)
    hf_path: str | None = None


@cache
def subject_backends(subject: str) -> Loaded:
    """Load ``subject`` (``tokfuzz.load_subject``) for token pieces; never raises:
    a subject that cannot load gives no backends and the reason under ``"*"``."""
    from tokfuzz.backends.models import hf_json
    from tokfuzz.backends.quiet import native_stderr_to_log
    from tokfuzz.backends.subjects import load_subject

    try:
        with native_stderr_to_log():
            loaded = load_subject(subject)
    except Exception as exc:  # noqa: BLE001 - the report falls back to ids
        return Loaded(missing={"*": str(exc).splitlines()[0] if str(exc) else type(exc).__name__})
    hf_path = None
    if "hf" in loaded.backends:
        try:
            hf_path = str(hf_json(subject))
        except Exception:  # noqa: BLE001 - only a comment in the reproducer
            hf_path = None
    return Loaded(dict(loaded.backends), dict(loaded.unavailable), hf_path)


@dataclass(frozen=True)
class CaseView:
    """One case as the report shows it: the ``case``, its witness as ``repr``,
    ``segments`` (rendered, see witness.rendered) and ``codepoints``; ``rows``
    (observed ids as pieces); ``pieces_note`` (why pieces are missing, or "");
    ``versions`` as (library, at find time, installed now); ``reproducers``."""

    case: Case
    repr: str
    segments: tuple[Segment, ...]
    codepoints: tuple[CodePoint, ...]
    rows: tuple[TokenRow, ...]
    pieces_note: str
    versions: tuple[tuple[str, str, str], ...]
    reproducers: tuple[Reproducer, ...]


@dataclass(frozen=True)
class ClassView:
    """One class (signature) and its cases, oldest first. ``anchor`` is an HTML id;
    ``count`` the campaign's raw failures (None: no campaign data); ``shown`` the
    cases shown in full, ``more`` the rest as (case, repr of its witness);
    ``triage_key`` the first case's id, which ``tokfuzz triage`` accepts; ``root_cause``
    its root cause (tokfuzz.findings.rootcause.root_causes), ``root_cause_proposed``
    when no case has one set and it is tokfuzz's proposal."""

    anchor: str
    signature: str
    property: str
    subject: str
    backends: tuple[str, ...]
    kind: str
    shape: str
    status: str
    statuses: Mapping[str, int]
    new: bool
    count: int | None
    found_at: str
    found_by: str
    note: str
    shown: tuple[CaseView, ...]
    more: tuple[tuple[Case, str], ...]
    triage_key: str
    root_cause: str = ""
    root_cause_proposed: bool = True


@dataclass(frozen=True)
class SummaryRow:
    """Class counts of one (subject, backends, property), or of all (``subject`` ``"all"``).
    ``failures`` is the campaign's raw failure count, None without campaign data."""

    subject: str
    backends: str
    property: str
    classes: int
    open: int
    expected: int
    fixed: int
    new: int
    known: int
    failures: int | None


@dataclass(frozen=True)
class Report:
    """Everything a rendered report shows. ``campaign`` is the campaign file used
    (None: none); ``unicode_version`` the UCD version of the code point names;
    ``root_causes`` and ``matrices`` the overview the report leads with
    (tokfuzz.report.overview)."""

    generated_at: str
    corpus: str
    campaign: str | None
    cases: int
    unicode_version: str
    summary: tuple[SummaryRow, ...]
    total: SummaryRow
    classes: tuple[ClassView, ...]
    root_causes: tuple[RootCauseView, ...] = ()
    matrices: tuple[Matrix, ...] = ()


def _split_signature(signature: str, case: Case) -> tuple[str, str, str, str, str]:
    fields = signature_fields(signature)
    if fields is not None:
        return fields
    return case.property, case.subject, ",".join(case.backends), "?", signature


def _class_status(statuses: Mapping[str, int]) -> str:
    return next((s for s in _STATUS_ORDER if statuses.get(s)), "open")


def _case_view(case: Case, backends_of: Callable[[str], Loaded] | None, kind: str) -> CaseView:
    loaded = backends_of(case.subject) if backends_of is not None else Loaded()
    rows = token_rows(case.observed, case.backends, loaded.backends)
    missing = [b for b in case.backends if b not in loaded.backends]
    if backends_of is None:
        note = "token pieces not computed (ids only)"
    elif missing:
        why = loaded.missing.get("*") or "; ".join(f"{k}: {v}" for k, v in loaded.missing.items()) or "not a backend of the subject"
        note = f"pieces unavailable for {', '.join(missing)} (ids only): {why}"
    else:
        note = ""
    versions = tuple((lib, v, library_version(lib)) for lib, v in sorted(case.versions.items()))
    repros = reproducers(case.backends, case.subject, case.input, case.observed, kind, loaded.hf_path)
    return CaseView(case, repr(case.input), tuple(rendered(case.input)), tuple(codepoint(c) for c in case.input),
                    tuple(rows), note, versions, tuple(repros))


def _anchor(signature: str) -> str:
    return "c-" + hashlib.sha256(signature.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def build_report(cases: Sequence[Case], campaign: Mapping[str, CampaignEntry] | None = None, *,
                 backends_of: Callable[[str], Loaded] | None = None, corpus: str = "",
                 campaign_path: str | None = None, subject_order: Sequence[str] = ()) -> Report:
    """The Report of ``cases``.

    ``campaign`` maps signature to CampaignEntry (``load_campaign``); None means no
    campaign data (counts unknown, every class known). ``backends_of(subject)``
    gives the loaded backends for token pieces (``subject_backends`` for the real
    ones); None shows ids only. Classes are ordered by subject (``subject_order``
    first, then by name), status (open, expected, fixed), property, backends, kind.
    """
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.signature, []).append(case)
    order = {s: i for i, s in enumerate(subject_order)}
    classes: list[ClassView] = []
    causes = root_causes(cases)
    cause_of = {signature: r.name for r in causes for signature in r.classes}
    for signature, members in groups.items():
        members = sorted(members, key=lambda c: (c.found_at, c.id))
        first = members[0]
        prop, subject, backends, kind, shape = _split_signature(signature, first)
        statuses = {s: sum(c.status == s for c in members) for s in _STATUS_ORDER}
        entry = campaign.get(signature) if campaign is not None else None
        count = entry.count if entry is not None else (0 if campaign is not None else None)
        shown = tuple(_case_view(c, backends_of, kind) for c in members[:MAX_CASES_SHOWN])
        cause, proposed = cause_of[signature], not any(c.root_cause for c in members)
        classes.append(ClassView(
            _anchor(signature), signature, prop, subject, tuple(backends.split(",")), kind, shape,
            _class_status(statuses), statuses, bool(entry and entry.new), count, first.found_at, first.found_by,
            first.note, shown, tuple((c, repr(c.input)) for c in members[MAX_CASES_SHOWN:]), first.id,
            cause, proposed,
        ))
    classes.sort(key=lambda k: (order.get(k.subject, len(order)), k.subject, _STATUS_ORDER.index(k.status),
                                k.property, k.backends, k.kind, k.shape))
    summary = _summary(classes, campaign is not None)
    return Report(now_iso(), corpus, campaign_path, len(cases), unicodedata.unidata_version, tuple(summary),
                  _row("all", "", "", classes, campaign is not None), tuple(classes),
                  tuple(root_cause_views(classes, {r.name: r.suspect for r in causes})),
                  tuple(matrices(classes, subject_order, _PROPERTY_ORDER)))


def _row(subject: str, backends: str, prop: str, classes: Iterable[ClassView], counted: bool) -> SummaryRow:
    group = list(classes)
    new = sum(k.new for k in group)
    open_, expected, fixed = (sum(k.status == s for k in group) for s in _STATUS_ORDER)
    return SummaryRow(subject, backends, prop, len(group), open_, expected, fixed,
                      new, len(group) - new, sum(k.count or 0 for k in group) if counted else None)


def _summary(classes: Sequence[ClassView], counted: bool) -> list[SummaryRow]:
    keys: dict[tuple[str, str, str], list[ClassView]] = {}
    for k in classes:
        keys.setdefault((k.subject, " vs ".join(k.backends), k.property), []).append(k)
    first: dict[str, int] = {}
    for n, k in enumerate(classes):
        first.setdefault(k.subject, n)
    ordered = sorted(keys.items(), key=lambda item: (first[item[0][0]], item[0][2], item[0][1]))
    return [_row(s, b, p, group, counted) for (s, b, p), group in ordered]


def find_class(cases: Sequence[Case], key: str) -> list[Case]:
    """The cases of the class ``key`` names: a signature, a case id, or a unique
    prefix (at least ``MIN_PREFIX`` characters) of case ids all in one class.

    Raises ReportError: empty key, nothing matches, a prefix shorter than
    ``MIN_PREFIX``, or a prefix matching cases of several classes.
    """
    if not key:
        raise ReportError("CLASS is empty: give a signature, a case id or a case id prefix")
    by_sig = [c for c in cases if c.signature == key]
    if by_sig:
        return by_sig
    exact = [c for c in cases if c.id == key]
    if not exact:
        exact = [c for c in cases if c.id.startswith(key)]
        if exact and len(key) < MIN_PREFIX:
            raise ReportError(f"case id prefix {key!r} is too short: give at least {MIN_PREFIX} characters")
    signatures = sorted({c.signature for c in exact})
    if not signatures:
        raise ReportError(f"no class matches {key!r}: give a signature, a case id or a unique case id prefix "
                          f"({len(cases)} cases in the corpus; `tokfuzz report` lists them)")
    if len(signatures) > 1:
        ids = ", ".join(sorted(c.id for c in exact)[:6])
        raise ReportError(f"case id prefix {key!r} is ambiguous: it matches {len(exact)} cases of "
                          f"{len(signatures)} classes ({ids}{', …' if len(exact) > 6 else ''}); give more characters")
    return [c for c in cases if c.signature == signatures[0]]
