"""Render a ``tokfuzz.report.data.Report`` as a static HTML page or as Markdown.

Templates live in ``tokfuzz/report/templates/`` (shipped as package data) and are
rendered with jinja2:

* ``report.html.j2`` — one self-contained page: inline CSS, no script, no external
  resource; autoescaping is on, so every string from the corpus (witnesses, notes,
  error messages, pieces) is HTML-escaped;
* ``report.md.j2`` — the same content as CommonMark/GitHub Markdown for CI logs
  and upstream issues; corpus strings only appear inside code spans and fenced
  blocks (``md_code``/``fence`` filters choose a backtick run longer than any in
  the content) or escaped table cells (``md_cell``).

Every value printed goes through ``_finalize``, which replaces lone surrogates by
U+FFFD (they cannot be written as UTF-8, Unicode §3.9 D92), so rendering any corpus,
lone surrogates included, gives text that encodes as strict UTF-8.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from tokfuzz.backends.base import replace_surrogates
from tokfuzz.report.data import Report, ReportError

__all__ = ["FORMATS", "format_for", "render", "write_report", "write_text"]

FORMATS = ("html", "md")
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|~&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_BACKTICKS = re.compile(r"`+")


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return replace_surrogates(value)


def md_cell(value: Any) -> str:
    """``value`` as text for a Markdown table cell: the ASCII punctuation that
    CommonMark or GFM tables treat specially (``\\ ` * [ ] < > | ~ &``, and ``_``
    not inside a word) backslash-escaped, line breaks as spaces."""
    text = " ".join(str(value).split()) if value is not None else ""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _longest_backticks(text: str) -> int:
    return max((len(m) for m in _BACKTICKS.findall(text)), default=0)


def md_code(value: Any, cell: bool = False) -> str:
    """``value`` as an inline code span (CommonMark §6.1): delimited by one more
    backtick than its longest backtick run, padded when it starts or ends with one.
    Line breaks become spaces; in a table ``cell``, ``|`` is escaped (GFM §4.10)."""
    text = " ".join(str(value).splitlines())
    ticks = "`" * (_longest_backticks(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    if cell:
        text = text.replace("|", "\\|")
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(value: Any) -> str:
    """A backtick fence for a fenced code block holding ``value``: at least three
    backticks, more than any run inside it."""
    return "`" * max(3, _longest_backticks(str(value)) + 1)


def _environment(fmt: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tokfuzz.report", "templates"),
        autoescape=fmt == "html",
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md_cell=md_cell, md_code=md_code, fence=fence)
    return env


def format_for(out: Path | None, fmt: str | None) -> str:
    """The format to write: ``fmt`` if given, else ``md`` for a ``.md``/``.markdown``
    ``out``, else ``html``. Raises ReportError for an unknown ``fmt``."""
    if fmt is None:
        return "md" if out is not None and out.suffix.lower() in (".md", ".markdown") else "html"
    if fmt not in FORMATS:
        raise ReportError(f"unknown report format {fmt!r}; formats: {', '.join(FORMATS)}")
    return fmt


def render(report: Report, fmt: str = "html") -> str:
    """``report`` as a page (``html``) or a Markdown document (``md``)."""
    template = _environment(format_for(None, fmt)).get_template(f"report.{fmt}.j2")
    return template.render(report=report)


def write_report(report: Report, out: Path, fmt: str = "html") -> None:
    """Render ``report`` and write it to ``out`` in UTF-8, atomically (a temporary
    file beside it, then ``os.replace``).

    Raises ReportError (one line) when ``out`` cannot be written.
    """
    write_text(out, render(report, fmt))


def write_text(out: Path, text: str) -> None:
    """Write ``text`` to ``out`` in UTF-8 (lone surrogates as U+FFFD), atomically (a
    temporary file beside it, then ``os.replace``).

    Raises ReportError (one line) when ``out`` cannot be written.
    """
    data = replace_surrogates(text).encode("utf-8")
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
        os.replace(tmp, out)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise ReportError(f"cannot write {out}: {exc.strerror or exc}") from None
