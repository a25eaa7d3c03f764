"""Real Python source lines, from the standard library of the running interpreter.

Template lines (``_code.py``) cover the syntax of string literals; real lines add what
templates do not have: real indentation, real identifiers and call shapes, real
neighbours of a literal (``%`` formatting, ``.join``, dict displays, keyword
arguments). The standard library is always there, offline, so every machine generates
the same kind of lines (the exact lines follow the interpreter's version).

Lines are read lazily, on the first draw, from a fixed list of modules under
``sysconfig.get_paths()["stdlib"]``, and cut with ``tokenize`` (not a regex), so a
quote inside a docstring or a comment is never taken for a literal.
"""

from __future__ import annotations

import functools
import io
import os
import sysconfig
import tokenize
from dataclasses import dataclass

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

__all__ = ["LiteralSite", "real_python_lines", "stdlib_sites"]

STDLIB_MODULES: tuple[str, ...] = (
    "argparse", "ast", "calendar", "cmd", "codecs", "configparser", "csv", "dataclasses", "difflib",
    "enum", "fractions", "ftplib", "getopt", "gettext", "gzip", "html/__init__", "http/client",
    "json/encoder", "locale", "logging/__init__", "mimetypes", "optparse", "pathlib", "platform",
    "pprint", "shlex", "smtplib", "string", "textwrap", "urllib/parse", "uuid", "zipfile",
)
"""Modules read, as paths relative to the stdlib directory without ``.py``; a missing one
(a trimmed distribution) is skipped."""

_PER_MODULE = 100
"""Literal sites kept per module: the first ones, so tokenizing stops early (~0.3 s in all)."""
_MAX_SITES = 3000
_MAX_LINE = 100
"""Longest line kept, in code points (long lines are ``long_inputs``' business)."""


@dataclass(frozen=True)
class LiteralSite:
    """One single-line string literal in one real source line."""

    line: str
    """The physical line, without its line break."""
    start: int
    """Index in ``line`` of the literal's first content character (after prefix and quote)."""
    end: int
    """Index in ``line`` of the closing quote."""
    origin: str
    """``module:line number``, for reports."""

    def substitute(self, payload: str) -> str:
        """The line with the literal's content replaced by ``payload``."""
        return self.line[: self.start] + payload + self.line[self.end :]


_FALLBACK: tuple[LiteralSite, ...] = (
    LiteralSite('    raise ValueError("bad value")', 22, 31, "fallback:1"),
    LiteralSite("print('hello', end='')", 7, 12, "fallback:2"),
)
"""Used only when no module of ``STDLIB_MODULES`` can be read."""


def _sites_in(module: str, source: str) -> list[LiteralSite]:
    """Single-line, non-bytes, non-triple-quoted literals of ``source``, in order."""
    sites: list[LiteralSite] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type != tokenize.STRING or tok.start[0] != tok.end[0]:
                continue
            prefix = tok.string[: len(tok.string) - len(tok.string.lstrip("rRbBuUfF"))]
            body = tok.string[len(prefix) :]
            line = tok.line.rstrip("\r\n")
            if "b" in prefix.lower() or body[:3] in ('"""', "'''") or len(line) > _MAX_LINE:
                continue
            start = tok.start[1] + len(prefix) + 1
            sites.append(LiteralSite(line, start, tok.end[1] - 1, f"{module}:{tok.start[0]}"))
            if len(sites) >= _PER_MODULE:
                break
    except (tokenize.TokenError, SyntaxError):
        pass  # a module this tokenizer cannot read (a newer grammar): keep what was cut
    return sites


@functools.cache
def stdlib_sites() -> tuple[LiteralSite, ...]:
    """Literal sites of ``STDLIB_MODULES``, at most 100 per module and 3000 in all, shortest
    line first (so examples shrink toward short lines). Read once per process."""
    root = sysconfig.get_paths()["stdlib"]
    sites: list[LiteralSite] = []
    for module in STDLIB_MODULES:
        try:
            with open(os.path.join(root, module + ".py"), encoding="utf-8") as file:
                source = file.read()
        except OSError:
            continue
        sites.extend(_sites_in(module, source))
    ordered = sorted(sites, key=lambda s: (len(s.line), s.line, s.start))[:_MAX_SITES]
    return tuple(ordered) or _FALLBACK


def _substitute(args: tuple[LiteralSite, str]) -> str:
    site, payload = args
    return site.substitute(payload)


def _sites() -> SearchStrategy[LiteralSite]:
    return st.sampled_from(stdlib_sites())


def real_python_lines(payload: SearchStrategy[str]) -> SearchStrategy[str]:
    """A real standard-library line whose string literal's content is a ``payload`` example.

    The content between the quotes (after any ``r``/``u``/``f`` prefix) is replaced
    whole, so the payload must not contain the quote, a backslash or a line break for the
    line to stay valid Python; prefixes and the surrounding code are kept as they are.
    The stdlib is read on the first draw, not when the strategy is built.

    Shrinking: toward the shortest real line, and the payload as it shrinks.
    """
    return st.tuples(st.deferred(_sites), payload).map(_substitute)
