"""Source lines whose string literals, comments and identifiers carry non-ASCII text.

Code is where tokenizers meet Unicode next to backslashes, quotes and escapes: the
same character appears raw (``"😀"``), escaped the language's way (``"\\u{1F600}"``,
``"\\uD83D\\uDE00"``, ``"\\N{GRINNING FACE}"``, ``"\\xf0\\x9f\\x98\\x80"``) and inside
interpolations. Escapes are spelled as each language's lexical grammar defines them;
lines are code-shaped, not guaranteed to compile (identifiers may carry invisible
characters no compiler accepts, see ``mixed_script_identifiers``).
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from tokfuzz.strategies._emoji import emoji_sequences
from tokfuzz.strategies._scripts import mixed_script_identifiers
from tokfuzz.strategies._stdlib import real_python_lines

__all__ = ["CODE_LANGUAGES", "CODE_LINE", "STRING_DELIMITERS", "code_with_string_literals"]

Escape = Callable[[int], str]
"""Spells one Unicode scalar value as an escape sequence inside a string literal."""


def _hex_bytes(cp: int) -> str:
    """UTF-8 bytes as ``\\xHH`` each: a byte in Go, C and bash, a code point in Python/JS."""
    return "".join(f"\\x{b:02x}" for b in chr(cp).encode("utf-8"))


def _utf16_u(cp: int) -> str:
    """``\\uXXXX`` per UTF-16 code unit, a surrogate pair above U+FFFF (JSON, JavaScript)."""
    if cp < 0x10000:
        return f"\\u{cp:04X}"
    cp -= 0x10000
    return f"\\u{0xD800 + (cp >> 10):04X}\\u{0xDC00 + (cp & 0x3FF):04X}"


def _ucs_u(cp: int) -> str:
    """``\\uXXXX`` in the BMP, ``\\UXXXXXXXX`` beyond (Python, Go, C, bash, PostgreSQL E'')."""
    return f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"


def _ucs_big_u(cp: int) -> str:
    """Always ``\\UXXXXXXXX`` (Python, Go, C, bash)."""
    return f"\\U{cp:08X}"


def _braced_u(cp: int) -> str:
    """``\\u{X...}`` with 1-6 hex digits (JavaScript ES2015, Rust)."""
    return f"\\u{{{cp:X}}}"


def _named(cp: int) -> str:
    """Python's ``\\N{NAME}``; code points without a name fall back to ``\\U``."""
    name = unicodedata.name(chr(cp), "")
    return f"\\N{{{name}}}" if name else _ucs_big_u(cp)


def _rust_x(cp: int) -> str:
    """Rust ``\\xHH`` exists only up to 0x7F; other code points use ``\\u{...}``."""
    return f"\\x{cp:02x}" if cp < 0x80 else _braced_u(cp)


def _c_ucn(cp: int) -> str:
    """A C universal character name, not allowed below U+00A0 (C11 §6.4.3): bytes there."""
    return _ucs_u(cp) if cp >= 0xA0 else _hex_bytes(cp)


def _sql_unicode(cp: int) -> str:
    """PostgreSQL ``U&'...'`` escapes: ``\\XXXX`` or ``\\+XXXXXX``."""
    return f"\\{cp:04X}" if cp < 0x10000 else f"\\+{cp:06X}"


@dataclass(frozen=True)
class _Literal:
    """One string-literal form of a language."""

    open: str
    close: str
    escapes: tuple[Escape, ...] = ()
    """Escapes valid inside; empty for raw strings."""
    quote: str = ""
    """How the closing delimiter is written inside the literal; empty if it cannot be."""
    hole: str = ""
    """Interpolation of a name, ``{}`` marking the name (f-strings, template literals)."""
    ascii_only: bool = False
    """The payload must be spelled as UTF-8 byte escapes (bytes literals)."""


@dataclass(frozen=True)
class _Language:
    """The literal forms and line templates of one language."""

    literals: tuple[_Literal, ...]
    lines: tuple[str, ...]
    """Line templates with ``{name}``, ``{lit}`` and ``{note}`` (comment text) fields."""
    unicode_names: bool = True


_PY = (_hex_bytes, _ucs_u, _ucs_big_u, _named)
_JS = (_hex_bytes, _utf16_u, _braced_u)
_GO = (_hex_bytes, _ucs_u, _ucs_big_u)
_C = (_hex_bytes, _c_ucn)
_BASH = (_hex_bytes, _ucs_u, _ucs_big_u)

_LANGUAGES: dict[str, _Language] = {
    "python": _Language(
        literals=(
            _Literal('"', '"', _PY, '\\"'),
            _Literal("'", "'", _PY, "\\'"),
            _Literal('f"', '"', _PY, '\\"', hole="{{{}}}"),
            _Literal('r"', '"'),
            _Literal('b"', '"', (_hex_bytes,), '\\"', ascii_only=True),
        ),
        lines=("{name} = {lit}", "print({lit})  # {note}", "def {name}(x):\n    return {lit}", "# {note}"),
    ),
    "javascript": _Language(
        literals=(
            _Literal('"', '"', _JS, '\\"'),
            _Literal("'", "'", _JS, "\\'"),
            _Literal("`", "`", _JS, "\\`", hole="${{{}}}"),
        ),
        lines=(
            "const {name} = {lit};",
            "console.log({lit}); // {note}",
            "let {name} = {{ label: {lit} }};",
            "/* {note} */ export default {lit};",
        ),
    ),
    "rust": _Language(
        literals=(_Literal('"', '"', (_braced_u, _rust_x), '\\"'), _Literal('r#"', '"#', quote='"')),
        lines=(
            "let {name} = {lit};",
            'println!("{{}}", {lit}); // {note}',
            "/// {note}\nfn {name}() -> &'static str {{ {lit} }}",
        ),
    ),
    "go": _Language(
        literals=(_Literal('"', '"', _GO, '\\"'), _Literal("`", "`")),
        lines=("{name} := {lit}", "fmt.Println({lit}) // {note}", "var {name} string = {lit}"),
    ),
    "c": _Language(
        literals=tuple(_Literal(prefix + '"', '"', _C, '\\"') for prefix in ("", "u8", "L", "u", "U")),
        lines=("const char *{name} = {lit};", 'printf("%s\\n", {lit}); /* {note} */', "#define {name} {lit} // {note}"),
    ),
    "json": _Language(
        literals=(_Literal('"', '"', (_utf16_u,), '\\"'),),
        lines=('{{"{name}": {lit}}}', '{{"id": 7, "{name}": [{lit}, null]}}'),
    ),
    "sql": _Language(
        literals=(
            _Literal("'", "'", quote="''"),
            _Literal("N'", "'", quote="''"),
            _Literal("U&'", "'", (_sql_unicode,), "''"),
            _Literal("E'", "'", (_hex_bytes, _ucs_u), "\\'"),
        ),
        lines=(
            'SELECT {lit} AS "{name}"; -- {note}',
            'INSERT INTO t ("{name}") VALUES ({lit});',
            "SELECT * FROM t WHERE {name} = {lit};",
        ),
    ),
    "shell": _Language(
        literals=(
            _Literal('"', '"', quote='\\"', hole="${{{}}}"),
            _Literal("'", "'"),
            _Literal("$'", "'", _BASH, "\\'"),
        ),
        lines=("echo {lit}  # {note}", "{name}={lit}", "export {name}={lit}", "printf '%s\\n' {lit}"),
        unicode_names=False,
    ),
}

CODE_LANGUAGES: tuple[str, ...] = tuple(sorted(_LANGUAGES))
"""The languages ``code_with_string_literals`` accepts."""

_ESCAPED_CODE_POINTS: tuple[int, ...] = (
    0x41, 0xE9, 0x0, 0xA0, 0x301, 0x4E2D, 0x200D, 0x200B,
    0xFEFF, 0x2028, 0xFFFD, 0x1F600, 0x1F3FD, 0x1F1FA, 0x1D11E, 0x10FFFF,
)
"""Code points to escape: ASCII, Latin-1, NUL, NBSP, a combining mark, CJK, ZWJ, ZWSP, BOM,
LINE SEPARATOR, U+FFFD, an emoji, a skin tone, a regional indicator, an astral symbol and
the last code point."""

_PHRASES: tuple[str, ...] = (
    "naïve café", "Привет, мир", "こんにちは世界", "你好，世界", "안녕하세요", "مرحبا بالعالم", "שלום עולם",
    "नमस्ते दुनिया", "สวัสดีชาวโลก", "Γειά σου Κόσμε", "Grüß Gott", "cafe\u0301", "½ ≠ ∞",
)
_WORDS: tuple[str, ...] = ("hello", " world", "id=", " ok", ": ", "A-Z")
_ASCII_NAMES: tuple[str, ...] = ("x", "msg", "name", "label", "greeting", "value_2")
_SHELL_NAMES: tuple[str, ...] = ("X", "MSG", "NAME", "LABEL", "GREETING")

_PAYLOAD = st.one_of(st.sampled_from(_PHRASES), emoji_sequences(max_size=2), mixed_script_identifiers())
"""Raw non-ASCII text; never contains a quote, backslash, brace or line break."""
_NOTE = st.tuples(st.sampled_from(("TODO", "note:", "fix")), _PAYLOAD).map(" ".join)


def _apply(escape: Escape, cp: int) -> str:
    return escape(cp)


def _enclose(form: _Literal, parts: tuple[str, str, list[str]]) -> str:
    payload, escape, fragments = parts
    if form.ascii_only:
        payload = "".join(map(_hex_bytes, map(ord, payload)))
    return form.open + payload + escape + "".join(fragments) + form.close


def _literal(form: _Literal) -> SearchStrategy[str]:
    """The payload; an escape, about half of the time where the form has escapes; then 0-2
    fragments: an ASCII word, the escaped closing quote, an interpolation."""
    escape: SearchStrategy[str] = st.just("")
    if form.escapes:
        escape |= st.builds(_apply, st.sampled_from(form.escapes), st.sampled_from(_ESCAPED_CODE_POINTS))
    fragments: list[SearchStrategy[str]] = [st.sampled_from(_WORDS)]
    if form.quote:
        fragments.append(st.just(form.quote))
    if form.hole:
        fragments.append(st.sampled_from(tuple(map(form.hole.format, _ASCII_NAMES))))
    return st.tuples(_PAYLOAD, escape, st.lists(st.one_of(fragments), max_size=2)).map(partial(_enclose, form))


def _line(language: _Language) -> SearchStrategy[str]:
    """One filled template of ``language``; only the fields a template uses are drawn."""
    if language.unicode_names:
        names = st.one_of(st.sampled_from(_ASCII_NAMES), mixed_script_identifiers())
    else:
        names = st.sampled_from(_SHELL_NAMES)
    fields = {"name": names, "lit": st.one_of([_literal(form) for form in language.literals]), "note": _NOTE}
    filled = []
    for line in language.lines:
        used = {field: fields[field] for _, field, _, _ in string.Formatter().parse(line) if field}
        filled.append(st.fixed_dictionaries(used).map(line.format_map))
    return st.one_of(filled)


_LINES: dict[str, SearchStrategy[str]] = {name: _line(_LANGUAGES[name]) for name in CODE_LANGUAGES}
# Half of Python's lines are real stdlib lines with a payload in their literal (_stdlib.py):
# as many real branches as templates, as separate objects, because one_of flattens nested
# one_of and drops a branch that is the same object as an earlier one.
_LINES["python"] = st.one_of(
    _LINES["python"], *(real_python_lines(_PAYLOAD) for _ in _LANGUAGES["python"].lines)
)
_CODE: dict[str, SearchStrategy[str]] = {
    name: st.lists(line, min_size=1, max_size=3).map("\n".join) for name, line in _LINES.items()
}
_REAL_SLOTS = 4
"""Extra branches of ``code_with_string_literals()`` that are real lines only, next to the
eight languages: with the real half of Python's lines, about a third of all draws."""
_ANY_CODE = st.one_of([
    *_CODE.values(),
    *(st.lists(real_python_lines(_PAYLOAD), min_size=1, max_size=3).map("\n".join) for _ in range(_REAL_SLOTS)),
])
CODE_LINE: SearchStrategy[str] = st.one_of(list(_LINES.values()))
"""One line of any language: each template of each language, and a real Python line (4 of 30
branches), equally likely."""


def code_with_string_literals(language: str | None = None) -> SearchStrategy[str]:
    """One to three source lines of ``language`` carrying non-ASCII text.

    Each line fills a template of the language (an assignment, a print call, a function,
    a comment, a JSON object, an SQL statement, a shell command) with an identifier, a
    string literal and comment text. Identifiers are ASCII or ``mixed_script_identifiers``
    (ASCII only in shell). A literal holds a raw payload (a phrase in some script, 1-2
    emoji items of ``emoji_sequences``, or a mixed-script identifier); about half of the
    time an escape of a notable code point in the language's own syntax (``\\xHH``
    UTF-8 bytes, ``\\uXXXX`` with surrogate pairs, ``\\U0001F600``, ``\\u{1F600}``,
    ``\\N{NAME}``, PostgreSQL ``U&'\\+01F600'``); then up to two fragments: an ASCII
    word, the closing quote escaped (``\\"``, ``''``) or an interpolation (f-string
    ``{x}``, template literal ``${x}``, shell ``${X}``). Literal forms include raw
    strings (``r"..."``, ``r#"..."#``, Go backquotes, shell single quotes), prefixed
    strings (``b"..."`` spelled in byte escapes, C ``u8"..."``/``L"..."``/``u"..."``/
    ``U"..."``, SQL ``N'...'``/``E'...'``/``U&'...'``) and bash ``$'...'``.

    Python lines are half of the time a real line of the standard library (read from
    the running interpreter's stdlib on the first draw) whose string literal's content is
    replaced by the raw payload, keeping its real indentation and surrounding code; with
    ``language=None`` about a third of the draws are such real lines (measured 30-40%).

    Args:
        language: one of ``CODE_LANGUAGES`` (c, go, javascript, json, python, rust,
            shell, sql), or None for any of them (one language per example).

    Raises:
        InvalidArgument: ``language`` is not None and not one of ``CODE_LANGUAGES``.

    Shrinking: toward a single line with the fewest choices (a template with few
    fields, often the comment-only one; for ``language=None`` often JSON, whose one literal
    form needs no choice), an ASCII identifier, a phrase and no extra fragment.
    """
    if language is None:
        return _ANY_CODE
    if not isinstance(language, str) or language not in _CODE:
        raise InvalidArgument(f"language={language!r} is not one of: {', '.join(CODE_LANGUAGES)}")
    return _CODE[language]


STRING_DELIMITERS: tuple[tuple[str, str], ...] = tuple(sorted({
    (form.open, form.close) for language in _LANGUAGES.values() for form in language.literals
}))
"""(opening, closing) delimiter of every string-literal form above, e.g. ``('r#"', '"#')``:
what a mutator wraps text in to put it inside a literal."""
