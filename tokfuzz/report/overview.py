"""The report's overview: root causes first, then a matrix per subject.

Both are read faster than the class list they lead to:

* ``RootCauseView`` — one row per root cause (``tokfuzz.findings.rootcause``): the
  library it blames, how many classes of which status it groups, the subjects and
  properties it spans, links to its classes and the command that writes its upstream
  issue;
* ``Matrix`` — per subject, backend pairs (rows: one backend alone, or two compared) ×
  properties (columns); a cell counts the classes of that pair and property by status
  and links to them, and its colour says the worst status (open, else expected, else
  fixed; none: empty).

Built from the report's classes (anything with the ``ClassLike`` attributes), so this
module needs nothing of ``tokfuzz.report.data`` but the shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["CellLink", "ClassLike", "Matrix", "MatrixCell", "RootCauseView", "matrices", "root_cause_views"]

_STATUS_ORDER = ("open", "expected", "fixed")


class ClassLike(Protocol):
    """What the overview reads of a class (``tokfuzz.report.data.ClassView``)."""

    anchor: str
    subject: str
    property: str
    backends: tuple[str, ...]
    kind: str
    shape: str
    status: str
    root_cause: str
    root_cause_proposed: bool


@dataclass(frozen=True)
class CellLink:
    """A link to one class: its HTML ``anchor``, a short ``label`` and its ``status``."""

    anchor: str
    label: str
    status: str


@dataclass(frozen=True)
class RootCauseView:
    """One root cause as the report shows it. ``statuses``: classes per status;
    ``classes``: links to them (open first); ``upstream``: the command that writes its
    upstream issue."""

    name: str
    proposed: bool
    suspect: str
    statuses: Mapping[str, int]
    subjects: tuple[str, ...]
    properties: tuple[str, ...]
    classes: tuple[CellLink, ...]
    upstream: str

    @property
    def status(self) -> str:
        """The worst status of its classes."""
        return next((s for s in _STATUS_ORDER if self.statuses.get(s)), "fixed")


@dataclass(frozen=True)
class MatrixCell:
    """Classes of one (backend pair, property) of a subject: counts per status, links,
    and ``status`` (the worst, ``""`` for an empty cell)."""

    statuses: Mapping[str, int]
    links: tuple[CellLink, ...]

    @property
    def status(self) -> str:
        """``open`` if any class is open, else ``expected``, else ``fixed``; ``""`` when empty."""
        return next((s for s in _STATUS_ORDER if self.statuses.get(s)), "")

    @property
    def total(self) -> int:
        """Number of classes in the cell."""
        return sum(self.statuses.values())


_EMPTY = MatrixCell({}, ())


@dataclass(frozen=True)
class Matrix:
    """One subject's matrix: ``rows`` (backend pairs as ``"a vs b"`` or one name),
    ``columns`` (properties), and ``cells[(row, column)]`` (absent: no class)."""

    subject: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: Mapping[tuple[str, str], MatrixCell]

    def cell(self, row: str, column: str) -> MatrixCell:
        """The cell at ``(row, column)``; an empty cell where there is no class."""
        return self.cells.get((row, column), _EMPTY)


def _link(k: ClassLike, label: str) -> CellLink:
    return CellLink(k.anchor, label, k.status)


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rank(status: str) -> int:
    return _STATUS_ORDER.index(status) if status in _STATUS_ORDER else len(_STATUS_ORDER)


def root_cause_views(classes: Sequence[ClassLike], suspects: Mapping[str, str]) -> list[RootCauseView]:
    """The root causes of ``classes`` (each class names its own ``root_cause``),
    most open classes first, then most classes, then by name. ``suspects`` maps a root
    cause name to the library (backend name) it blames."""
    groups: dict[str, list[ClassLike]] = {}
    for k in classes:
        groups.setdefault(k.root_cause, []).append(k)
    out: list[RootCauseView] = []
    for name, members in groups.items():
        statuses = {s: sum(k.status == s for k in members) for s in _STATUS_ORDER}
        ordered = sorted(members, key=lambda k: (_rank(k.status), k.subject, k.property))
        links = tuple(_link(k, f"{k.subject} · {k.property} · {k.kind}") for k in ordered)
        out.append(RootCauseView(
            name, all(k.root_cause_proposed for k in members), suspects.get(name, ""), statuses,
            tuple(sorted({k.subject for k in members})), tuple(sorted({k.property for k in members})), links,
            f"tokfuzz report --upstream {name}",
        ))
    out.sort(key=lambda r: (-r.statuses["open"], -len(r.classes), r.name))
    return out


def matrices(classes: Sequence[ClassLike], subject_order: Sequence[str] = (),
             property_order: Sequence[str] = ()) -> list[Matrix]:
    """One Matrix per subject of ``classes`` (``subject_order`` first, then by name).
    Columns: the properties present, in ``property_order`` then by name; rows: the
    backend pairs present, pairs of two or more first, then single backends, by name."""
    by_subject: dict[str, list[ClassLike]] = {}
    for k in classes:
        by_subject.setdefault(k.subject, []).append(k)
    rank = {s: i for i, s in enumerate(subject_order)}
    prop_rank = {p: i for i, p in enumerate(property_order)}
    out: list[Matrix] = []
    for subject in sorted(by_subject, key=lambda s: (rank.get(s, len(rank)), s)):
        cells: dict[tuple[str, str], list[ClassLike]] = {}
        for k in by_subject[subject]:
            cells.setdefault((" vs ".join(k.backends), k.property), []).append(k)
        rows = sorted({r for r, _ in cells}, key=lambda r: (" vs " not in r, r))
        columns = sorted({c for _, c in cells}, key=lambda p: (prop_rank.get(p, len(prop_rank)), p))
        built = {
            key: MatrixCell({s: sum(k.status == s for k in members) for s in _STATUS_ORDER},
                            tuple(_link(k, _short(f"{k.kind} {k.shape}")) for k in sorted(members, key=lambda k: (_rank(k.status), k.kind))))
            for key, members in cells.items()
        }
        out.append(Matrix(subject, tuple(rows), tuple(columns), built))
    return out
