"""Views of one minimal witness for the report: rendered, escaped, code point by
code point, and each backend's token pieces aligned on byte spans.

Unicode sources. Character names and General Categories come from Python's
``unicodedata`` (the UCD of ``unicodedata.unidata_version``; properties as UAX #44
defines them). A code point without a Name property gets its *code point label*
(The Unicode Standard §4.8, "Name Derivation", Table 4-8: ``<control-0000>``,
``<surrogate-D800>``, ``<private-use-E000>``, ``<noncharacter-FFFE>``,
``<reserved-0378>``); a control also shows its formal alias from the UCD's
``NameAliases.txt`` (type ``control``), which ``unicodedata.lookup`` accepts too.

Every function here accepts any ``str``: lone surrogates (which cannot be encoded
as UTF-8, Unicode §3.9 D91/D92), NUL, unassigned code points. No output string holds
a lone surrogate, so a view can always be written as UTF-8.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tokfuzz.backends.base import Backend, replace_surrogates, reraise_control, token_pieces

__all__ = ["CodePoint", "Segment", "TokenCell", "TokenRow", "codepoint", "codepoint_name", "rendered", "token_rows", "visible"]

#: NameAliases.txt, type "control", for C0, DEL and C1 (the UCD gives them no Name)
_C0 = ("NULL|START OF HEADING|START OF TEXT|END OF TEXT|END OF TRANSMISSION|ENQUIRY|ACKNOWLEDGE|ALERT|"
       "BACKSPACE|CHARACTER TABULATION|LINE FEED|LINE TABULATION|FORM FEED|CARRIAGE RETURN|SHIFT OUT|"
       "SHIFT IN|DATA LINK ESCAPE|DEVICE CONTROL ONE|DEVICE CONTROL TWO|DEVICE CONTROL THREE|"
       "DEVICE CONTROL FOUR|NEGATIVE ACKNOWLEDGE|SYNCHRONOUS IDLE|END OF TRANSMISSION BLOCK|CANCEL|"
       "END OF MEDIUM|SUBSTITUTE|ESCAPE|INFORMATION SEPARATOR FOUR|INFORMATION SEPARATOR THREE|"
       "INFORMATION SEPARATOR TWO|INFORMATION SEPARATOR ONE")
_C1 = ("||BREAK PERMITTED HERE|NO BREAK HERE||NEXT LINE|START OF SELECTED AREA|END OF SELECTED AREA|"
       "CHARACTER TABULATION SET|CHARACTER TABULATION WITH JUSTIFICATION|LINE TABULATION SET|"
       "PARTIAL LINE FORWARD|PARTIAL LINE BACKWARD|REVERSE LINE FEED|SINGLE SHIFT TWO|SINGLE SHIFT THREE|"
       "DEVICE CONTROL STRING|PRIVATE USE ONE|PRIVATE USE TWO|SET TRANSMIT STATE|CANCEL CHARACTER|"
       "MESSAGE WAITING|START OF GUARDED AREA|END OF GUARDED AREA|START OF STRING||"
       "SINGLE CHARACTER INTRODUCER|CONTROL SEQUENCE INTRODUCER|STRING TERMINATOR|OPERATING SYSTEM COMMAND|"
       "PRIVACY MESSAGE|APPLICATION PROGRAM COMMAND")
CONTROL_ALIASES: dict[int, str] = {
    **dict(enumerate(_C0.split("|"))),
    0x7F: "DELETE",
    **{0x80 + i: a for i, a in enumerate(_C1.split("|")) if a},
}
#: characters a piece or a rendered witness shows as an escape, not as themselves
_INVISIBLE = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs", "Mn", "Me"))
_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def codepoint_name(c: str) -> str:
    """The Name of code point ``c`` (one-character ``str``), or its code point label
    (Unicode §4.8) with the control alias where NameAliases.txt has one:
    ``"LATIN SMALL LETTER A"``, ``"<control-0000> NULL"``, ``"<surrogate-D854>"``."""
    cp = ord(c)
    name = unicodedata.name(c, "")
    if name:
        return name
    category = unicodedata.category(c)
    if category == "Cc":
        alias = CONTROL_ALIASES.get(cp)
        return f"<control-{cp:04X}>" + (f" {alias}" if alias else "")
    if category == "Cs":
        return f"<surrogate-{cp:04X}>"
    if category == "Co":
        return f"<private-use-{cp:04X}>"
    if 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE:
        return f"<noncharacter-{cp:04X}>"
    return f"<reserved-{cp:04X}>"


@dataclass(frozen=True)
class CodePoint:
    """One row of the code point table: ``label`` ``"U+1F600"``, ``name`` (see
    ``codepoint_name``), ``category`` (General Category, UAX #44), ``glyph`` (the
    character itself where it is visible, else ``""``; a mark on U+25CC), ``utf8``
    (hex bytes ``"F0 9F 98 80"``, or ``"—"`` for a lone surrogate)."""

    label: str
    name: str
    category: str
    glyph: str
    utf8: str


def codepoint(c: str) -> CodePoint:
    """The code point table row of one character."""
    category = unicodedata.category(c)
    if category in ("Mn", "Mc", "Me"):
        glyph = "\u25cc" + c
    elif category in _INVISIBLE:
        glyph = ""
    else:
        glyph = c
    try:
        utf8 = c.encode("utf-8").hex(" ").upper()
    except UnicodeEncodeError:
        utf8 = "—"
    return CodePoint(f"U+{ord(c):04X}", codepoint_name(c), category, glyph, utf8)


@dataclass(frozen=True)
class Segment:
    """A run of the rendered witness: ``text`` to show, and whether it is a
    ``stand_in`` for what cannot be shown (a lone surrogate as U+FFFD, a C0 control
    or DEL as its Control Pictures symbol U+2400..U+2421)."""

    text: str
    stand_in: bool


def rendered(text: str) -> list[Segment]:
    """``text`` as a page can show it: itself, except that lone surrogates become
    U+FFFD and C0 controls other than TAB/LF, and DEL, become Control Pictures, each
    marked as a stand-in. Adjacent runs of the same kind are merged."""
    out: list[Segment] = []
    for c in text:
        cp = ord(c)
        if 0xD800 <= cp <= 0xDFFF:
            seg = Segment("\ufffd", True)
        elif (cp < 0x20 and c not in "\t\n") or cp == 0x7F:
            seg = Segment(chr(0x2400 + cp) if cp < 0x20 else "\u2421", True)
        else:
            seg = Segment(c, False)
        if out and out[-1].stand_in == seg.stand_in:
            out[-1] = Segment(out[-1].text + seg.text, seg.stand_in)
        else:
            out.append(seg)
    return out


def visible(piece: str) -> str:
    """A token piece made readable: space as ``␣`` (U+2423), TAB/LF/CR as ``\\t``
    ``\\n`` ``\\r``, other invisible code points (controls, format characters,
    separators, lone surrogates, combining marks standing alone) as ``\\xNN`` /
    ``\\uNNNN`` / ``\\UNNNNNNNN`` escapes; the empty piece as ``∅``. U+FFFD (a piece
    holding part of a UTF-8 sequence) stays as it is."""
    if not piece:
        return "\u2205"
    out = []
    for c in piece:
        if c == " ":
            out.append("\u2423")
        elif c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif unicodedata.category(c) in _INVISIBLE and not (unicodedata.category(c) in ("Mn", "Me") and out):
            out.append(ascii(c)[1:-1])
        else:
            out.append(c)
    return "".join(out)


@dataclass(frozen=True)
class TokenCell:
    """One token of a row: its ``id`` (None for a bare pre-token piece), the
    ``piece`` as shown (``visible``; ``""`` when pieces are unknown), a ``title``
    (the exact bytes or string, for a tooltip) and whether it ``differs``: its byte
    span (or, without pieces, its id) is not shared by every other row."""

    id: int | None
    piece: str
    title: str
    differs: bool


@dataclass(frozen=True)
class TokenRow:
    """What one ``observed`` entry shows. ``label`` is the observed key (a backend
    name, ``regex``, ``pieces``, ``split``, ``decoded``), ``backend`` the backend the
    ids belong to (or None); ``kind`` is ``"tokens"`` (``cells``), ``"error"`` or
    ``"text"`` (``text``: a message, a decoded string as its repr, or JSON)."""

    label: str
    backend: str | None
    kind: str
    cells: tuple[TokenCell, ...] = ()
    text: str = ""


def _spans(lengths: Sequence[int]) -> list[tuple[int, int]]:
    out, start = [], 0
    for n in lengths:
        out.append((start, start + n))
        start += n
    return out


def _shown(piece: str, raw: bytes) -> str:
    """The piece to show: ``piece``, except that a token holding part of a UTF-8
    sequence shows those bytes as ``\\xNN`` (``raw.decode(errors="backslashreplace")``)."""
    if "\ufffd" not in piece:
        return piece
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")
    return piece


def _piece(backend: Backend, token: int) -> tuple[str, bytes]:
    """(piece, bytes) of one token; ``<id?>`` and its text for a token the backend
    cannot show, Rust panics included (pyo3's PanicException is a BaseException,
    which ``token_pieces`` lets through)."""
    try:
        piece = token_pieces(backend, [token])[0]
    except BaseException as exc:  # noqa: BLE001 - display only
        reraise_control(exc)
        piece = f"<{token}?>"
    get = getattr(backend, "token_bytes", None)
    try:
        return piece, bytes(get(token)) if get is not None else piece.encode("utf-8", "replace")
    except BaseException as exc:  # noqa: BLE001 - display only
        reraise_control(exc)
        return piece, piece.encode("utf-8", "replace")


def token_rows(observed: Mapping[str, Any], case_backends: Sequence[str], backends: Mapping[str, Backend]) -> list[TokenRow]:
    """One TokenRow per ``observed`` entry (corpus schema, DESIGN §5): the case's
    backends first, in ``case_backends`` order, then the other keys in their order.

    ``backends`` are the loaded backends of the case's subject (possibly empty: then
    ids are shown without pieces). Id lists under a non-backend key (``pieces``,
    ``split``) belong to the case's single backend. Token rows are compared with
    each other: by byte spans where every row has pieces, else by ids (difflib).
    Never raises on odd data: unknown shapes become ``text`` rows holding JSON.
    """
    rows: list[TokenRow] = []
    spans: list[list[tuple[int, int]] | None] = []
    ids_of: list[list[int] | None] = []
    keys = [*(b for b in case_backends if b in observed), *(k for k in observed if k not in case_backends)]
    for key in keys:
        value = observed[key]
        owner = key if key in backends or key in case_backends else (case_backends[0] if len(case_backends) == 1 else None)
        if isinstance(value, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in value):
            backend = backends.get(owner or "")
            if backend is not None:
                shown = [_piece(backend, i) for i in value]
                pieces, raw = [p for p, _ in shown], [b for _, b in shown]
                cells = [TokenCell(i, visible(_shown(p, b)), f"id {i}: {b!r}", False) for i, p, b in zip(value, pieces, raw)]
                spans.append(_spans([len(b) for b in raw]))
            else:
                cells = [TokenCell(i, "", f"id {i}", False) for i in value]
                spans.append(None)
            ids_of.append(list(value))
            rows.append(TokenRow(key, owner, "tokens", tuple(cells)))
        elif isinstance(value, list) and all(isinstance(p, str) for p in value):
            cells = [TokenCell(None, visible(replace_surrogates(p)), ascii(p), False) for p in value]
            spans.append(_spans([len(replace_surrogates(p).encode("utf-8")) for p in value]))
            ids_of.append(None)
            rows.append(TokenRow(key, key if key in case_backends else None, "tokens", tuple(cells)))
        elif isinstance(value, Mapping) and isinstance(value.get("error"), str):
            rows.append(TokenRow(key, owner, "error", text=replace_surrogates(value["error"])))
        elif isinstance(value, str):
            rows.append(TokenRow(key, owner, "text", text=ascii(value) if not value.isprintable() else repr(value)))
        else:
            import json

            rows.append(TokenRow(key, owner, "text", text=json.dumps(value, ensure_ascii=True, default=str)))
    return _mark_differences(rows, spans, ids_of)


def _mark_differences(rows: list[TokenRow], spans: list[list[tuple[int, int]] | None],
                      ids_of: list[list[int] | None]) -> list[TokenRow]:
    token_indices = [i for i, r in enumerate(rows) if r.kind == "tokens"]
    if len(token_indices) < 2:
        return rows
    out = list(rows)
    if all(s is not None for s in spans):
        sets = [set(s or ()) for s in spans]
        for n, i in enumerate(token_indices):
            others = [sets[m] for m in range(len(sets)) if m != n]
            cells = rows[i].cells
            marked = [_mark(c, any(span not in o for o in others)) for c, span in zip(cells, spans[n] or ())]
            out[i] = TokenRow(rows[i].label, rows[i].backend, "tokens", tuple(marked), rows[i].text)
        return out
    id_rows = [(n, i) for n, i in enumerate(token_indices) if ids_of[n] is not None]
    for n, i in id_rows:
        mine = ids_of[n] or []
        same = [True] * len(mine)
        for m, _ in id_rows:
            if m == n:
                continue
            matched = [False] * len(mine)
            matcher = difflib.SequenceMatcher(None, mine, ids_of[m] or [], autojunk=False)
            for block in matcher.get_matching_blocks():
                for k in range(block.a, block.a + block.size):
                    matched[k] = True
            same = [s and t for s, t in zip(same, matched)]
        out[i] = TokenRow(rows[i].label, rows[i].backend, "tokens",
                          tuple(_mark(c, not s) for c, s in zip(rows[i].cells, same)), rows[i].text)
    return out


def _mark(cell: TokenCell, differs: bool) -> TokenCell:
    return TokenCell(cell.id, cell.piece, cell.title, differs)
