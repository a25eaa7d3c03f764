"""Rendering of the performance benchmark: one ``Section`` per measurement, printed as
a rich table and written into ``bench/RESULTS.md`` between its own markers.

A section ``KEY`` occupies the lines from ``<!-- bench:perf:KEY -->`` to
``<!-- /bench:perf:KEY -->``; writing it replaces exactly those lines (or appends the
section at the end of the file when it is not there yet), so the rest of the file (the
planted-fault benchmark's results, other sections) is kept byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

__all__ = ["Section", "begin_marker", "end_marker", "fmt_rate", "fmt_s", "print_sections", "replace_section", "write_sections"]


@dataclass(frozen=True)
class Section:
    """One measurement's results: a ``key`` (marker name), ``title``, ``notes`` (markdown
    bullet lines: command, date, machine, definitions), and a table. ``styles`` may hold
    one rich style per row (``""`` for none); ``numeric`` right-aligns every column but
    the first."""

    key: str
    title: str
    notes: tuple[str, ...]
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    styles: tuple[str, ...] = field(default=())
    numeric: bool = True


def begin_marker(key: str) -> str:
    """The line that opens section ``key`` in RESULTS.md."""
    return f"<!-- bench:perf:{key} -->"


def end_marker(key: str) -> str:
    """The line that closes section ``key`` in RESULTS.md."""
    return f"<!-- /bench:perf:{key} -->"


def fmt_rate(value: float) -> str:
    """A rate for a table: thousands separated, 3 significant digits below 100."""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.3g}"
    return f"{value:.2g}"


def fmt_s(seconds: float) -> str:
    """Seconds for a table (ms below 1 s)."""
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def print_sections(sections: Sequence[Section], console: Console | None = None) -> None:
    """Print each section as a rich table with its notes below it."""
    if console is None:
        console = Console()
        if not console.is_terminal:  # a log or a pipe: wide enough not to fold every cell
            console = Console(width=180)
    for section in sections:
        table = Table(title=section.title, title_justify="left")
        for i, header in enumerate(section.headers):
            table.add_column(header, overflow="fold", justify="right" if i and section.numeric else "left")
        for i, row in enumerate(section.rows):
            style = section.styles[i] if i < len(section.styles) else ""
            table.add_row(*row, style=style or None)
        console.print(table)
        for note in section.notes:
            console.print(f"  {note}", markup=False, highlight=False, soft_wrap=True)
        console.print()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(section: Section) -> list[str]:
    """The section as markdown lines, markers included."""
    lines = [begin_marker(section.key), f"## {section.title}", ""]
    lines += [f"- {note}" for note in section.notes]
    lines += ["", "| " + " | ".join(section.headers) + " |",
              "| " + " | ".join(["---"] + ["---:" if section.numeric else "---"] * (len(section.headers) - 1)) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in section.rows]
    lines.append(end_marker(section.key))
    return lines


def replace_section(text: str, key: str, lines: Sequence[str]) -> str:
    """``text`` with section ``key`` replaced by ``lines`` (markers included), or with
    ``lines`` appended after one blank line when the section is absent.

    Raises:
        ValueError: the section's begin marker is present without its end marker
            after it (a hand-edited file); nothing is guessed.
    """
    begin, end = begin_marker(key), end_marker(key)
    body = text.split("\n")
    if begin not in body:
        head = text.rstrip("\n")
        return (head + "\n\n" if head else "") + "\n".join(lines) + "\n"
    start = body.index(begin)
    try:
        stop = body.index(end, start)
    except ValueError:
        raise ValueError(f"{begin} has no {end} after it: fix the file by hand") from None
    return "\n".join([*body[:start], *lines, *body[stop + 1 :]])


def write_sections(path: Path, sections: Sequence[Section]) -> None:
    """Replace (or append) each section in the markdown file at ``path`` (created if
    missing); everything outside the sections' markers is kept."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for section in sections:
        text = replace_section(text, section.key, markdown(section))
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text, encoding="utf-8")
