"""Ready-to-file upstream issue text for one root cause (``tokfuzz report --upstream ROOT``).

``upstream_issue(cases, root_cause, suspect, backends_of)`` writes GitHub Markdown:

1. a title: the suspect library and its version, and what fails on what
   (``tokfuzz.report.upstream_words``), e.g. "`tokenizers` 0.23.3: encode raises
   TypeError on a lone surrogate (U+D800..U+DFFF)";
2. a summary: the breadth in one sentence, and the triage note of the case shown;
3. the environment: every library version recorded with the case (and the one
   installed where the text was written), Python, Node.js when a JavaScript port is
   involved, the OS;
4. the minimal input of the *representative* case (``representative``: the shortest
   witness among the open cases that involve the suspect, ties by subject order) as a
   Python ``ascii()`` literal, a JSON literal and a code point table;
5. expected versus actual (``tokfuzz.report.upstream_words.expectation``), each
   backend's ids and token pieces (``tokfuzz.report.witness.token_rows``; pieces only
   where ``backends_of`` loads the subject) and the recorded observation as JSON;
6. the reproducer: a standalone program using only the upstream library
   (``tokfuzz.report.recipes.recipe``), with its install line and the output the corpus
   recorded; for a pair, the reference library's program in a collapsed block. A
   backend without a recipe (a plugin, a project subject) gets a plain statement and
   the tokfuzz replay command instead;
7. the other classes of the root cause, one table row each.

Markdown safety: corpus strings (witnesses, notes, errors, pieces) appear only as
``ascii()``/JSON literals, inside code spans or fences sized by
``tokfuzz.report.render`` (``md_code``, ``fence``), or as escaped table cells
(``md_cell``); lone surrogates become U+FFFD, so the text is always valid UTF-8.
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tokfuzz.backends.base import replace_surrogates
from tokfuzz.backends.models import library_version
from tokfuzz.backends.subjects import SUBJECTS
from tokfuzz.findings.corpus import Case
from tokfuzz.report.data import Loaded
from tokfuzz.report.recipes import JS_BACKENDS, Recipe
from tokfuzz.report.standalone import recipe
from tokfuzz.report.render import fence, md_cell, md_code
from tokfuzz.report.upstream_words import expectation, headline, kind_of, library_of, reference_of, shape_of
from tokfuzz.report.witness import TokenRow, codepoint, token_rows

__all__ = ["representative", "upstream_issue"]

#: code points listed in the table before "… and N more"
MAX_CODEPOINTS = 40
#: characters of a witness literal shown in the table of other classes
MAX_LITERAL = 60
_STATUS_RANK = {"open": 0, "expected": 1, "fixed": 2}


def representative(cases: Sequence[Case], suspect: str) -> Case:
    """The case an issue shows in full: among the cases whose backends include
    ``suspect`` (all cases when none does), open first, then the shortest witness, then
    subject order (``SUBJECTS``, embedded subjects first), property, found_at, id.
    Raises ValueError for no cases."""
    if not cases:
        raise ValueError("a root cause has at least one case")
    pool = [c for c in cases if suspect in c.backends] or list(cases)
    order = {name: i for i, name in enumerate(SUBJECTS)}
    return min(pool, key=lambda c: (_STATUS_RANK.get(c.status, 3), len(c.input), order.get(c.subject, len(order)),
                                    c.subject, c.property, c.found_at, c.id))


def upstream_issue(cases: Sequence[Case], root_cause: str, suspect: str,
                   backends_of: Callable[[str], Loaded] | None = None) -> str:
    """Markdown issue text for the root cause ``root_cause`` whose cases are ``cases``
    (all classes of it, any subjects and properties), blaming backend ``suspect`` (a
    tokfuzz backend name such as ``"hf"``, ``"tokie"``, ``"js-tiktoken"``).

    ``backends_of(subject)`` gives loaded backends for token pieces
    (``tokfuzz.report.data.subject_backends``); None shows ids only. The text ends with
    a newline, holds no lone surrogate, and its reproducer never imports tokfuzz.
    Raises ValueError for an empty ``cases``.
    """
    rep = representative(cases, suspect)
    loaded = backends_of(rep.subject) if backends_of is not None else Loaded()
    library = library_of(suspect)
    version = _version(library, rep, cases)
    reference = reference_of(rep, suspect)
    title = f"{md_code(library)} {version}: {headline(rep, suspect, reference)}".replace("  ", " ")
    lines = [f"# {title}", "", *_summary(cases, rep, suspect), "", *_environment(rep, cases), "",
             *_input(rep), "", *_expected_actual(rep, suspect, reference, loaded), "",
             *_reproducer(rep, suspect, reference), "", *_breadth(cases, rep), "",
             f"<sub>Found by differential fuzzing with tokfuzz (root cause {md_code(root_cause)}, case "
             f"{md_code(rep.id)}, found {md_cell(rep.found_at)} by {md_code(rep.found_by)}).</sub>"]
    return replace_surrogates("\n".join(lines).rstrip("\n") + "\n")


def _safe(text: str) -> str:
    """``text`` for prose or a code span: lone surrogates as U+FFFD, line breaks as
    spaces, and control and format characters (NUL, bidi overrides, ZWJ…: General
    Category Cc/Cf, UAX #44) as ``\\xNN``/``\\uNNNN`` escapes, so nothing invisible
    reaches the issue."""
    out = []
    for c in replace_surrogates(text):
        if c in "\n\r\t":
            out.append(" ")
        elif unicodedata.category(c) in ("Cc", "Cf"):
            out.append(ascii(c)[1:-1])
        else:
            out.append(c)
    return "".join(out)


def _version(library: str, rep: Case, cases: Sequence[Case]) -> str:
    found = rep.versions.get(library) or next((c.versions[library] for c in cases if library in c.versions), "")
    return found or (library_version(library) if library_version(library) != "absent" else "")


def _classes(cases: Sequence[Case]) -> dict[str, list[Case]]:
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.signature, []).append(case)
    return groups


def _summary(cases: Sequence[Case], rep: Case, suspect: str) -> list[str]:
    subjects = sorted({c.subject for c in cases}, key=lambda s: (list(SUBJECTS).index(s) if s in SUBJECTS else 99, s))
    props = sorted({c.property for c in cases})
    n = len(_classes(cases))
    lines = [f"A tokenizer fuzzer found {n} minimal failing input class{'es' if n != 1 else ''} with this one cause in "
             f"{md_code(library_of(suspect))} (backend {md_code(suspect)}), on "
             f"{len(subjects)} tokenizer model{'s' if len(subjects) != 1 else ''} "
             f"({', '.join(md_code(s) for s in subjects)}) and {len(props)} propert{'ies' if len(props) != 1 else 'y'} "
             f"({', '.join(md_code(p) for p in props)}). The shortest one is shown in full; the others are listed at the end."]
    if rep.note:
        lines += ["", "> " + md_cell(_safe(rep.note))]
    return lines


def _node_version() -> str:
    node = shutil.which("node")
    if node is None:
        return "not installed"
    try:
        return subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def _environment(rep: Case, cases: Sequence[Case]) -> list[str]:
    lines = ["## Environment", "", "| | recorded with the case | installed where this text was written |", "| --- | --- | --- |"]
    for lib, version in sorted(rep.versions.items()):
        now = library_version(lib)
        lines.append(f"| {md_code(lib, cell=True)} | {md_cell(version)} | {md_cell(now if now != 'absent' else '—')} |")
    lines.append(f"| Python | | {md_cell(platform.python_implementation() + ' ' + platform.python_version())} |")
    if any(b in JS_BACKENDS for c in cases for b in c.backends):
        lines.append(f"| Node.js | | {md_cell(_node_version())} |")
    lines.append(f"| OS | | {md_cell(platform.platform())} |")
    return lines


def _vocab_ids(rep: Case) -> list[int] | None:
    """The ids a vocab case decodes (``observed["ids"]``, else ``[observed["id"]]``), or
    None for a re-encoding case (``call == "encode"``) or odd data."""
    observed = rep.observed
    if observed.get("call") == "encode":
        return None
    raw = observed.get("ids")
    try:
        ids = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        ids = None
    if isinstance(ids, list) and all(isinstance(i, int) for i in ids):
        return ids
    one = observed.get("id")
    return [one] if isinstance(one, int) else None


def _text_of(rep: Case) -> str:
    """The text the reproducer encodes: a vocab re-encoding case's token text, a
    scaled slow_input case's unit repeated as often as it was, else the witness."""
    if rep.property == "vocab" and isinstance(rep.observed.get("text"), str):
        return str(rep.observed["text"])
    if rep.property == "slow_input" and not rep.observed.get("sizes"):
        size, unit = rep.observed.get("bytes"), rep.observed.get("unit_bytes")
        if isinstance(size, int) and isinstance(unit, int) and unit > 0:
            return rep.input * max(1, size // unit)
    return rep.input


def _input(rep: Case) -> list[str]:
    lines = ["## Minimal input", ""]
    ids = _vocab_ids(rep) if rep.property == "vocab" else None
    if ids is not None:
        return [*lines, f"Token id {md_code(rep.observed.get('id'))} (class {md_code(rep.observed.get('class', '?'))}), "
                f"decoded as {md_code(json.dumps(ids))}; the fuzzer labels it {md_code(ascii(rep.input))}."]
    text = _text_of(rep)
    if text != rep.input:
        lines += [f"The token text {md_code(ascii(text))} (the fuzzer's witness is {md_code(ascii(rep.input))}).", ""]
    lines += [f"Python literal (`ascii()`): {md_code(ascii(text))}  ", f"JSON / JavaScript literal: {md_code(json.dumps(text))}  ",
              f"{len(text)} code point{'s' if len(text) != 1 else ''}:", "",
              "| # | code point | name | category | UTF-8 |", "| --- | --- | --- | --- | --- |"]
    for n, c in enumerate(text[:MAX_CODEPOINTS]):
        cp = codepoint(c)
        lines.append(f"| {n} | {cp.label} | {md_cell(cp.name)} | {cp.category} | {md_cell(cp.utf8)} |")
    if len(text) > MAX_CODEPOINTS:
        lines.append(f"| … | and {len(text) - MAX_CODEPOINTS} more | | | |")
    return lines


def _ids_cell(row: TokenRow) -> str:
    ids = [c.id for c in row.cells]
    return md_code(json.dumps(ids), cell=True) if all(i is not None for i in ids) else "—"


def _pieces_cell(row: TokenRow) -> str:
    if not row.cells or not any(c.piece for c in row.cells):
        return "(pieces not loaded)" if row.cells else "∅"
    return " ".join(("**" + md_code(c.piece, cell=True) + "**") if c.differs else md_code(c.piece, cell=True)
                    for c in row.cells)


#: observed keys that describe a check rather than show an output: left to the JSON block
_METADATA = frozenset(("call", "class", "count", "id", "ids", "sample", "clock", "exponent", "seconds", "sizes",
                       "unit_bytes", "source", "bytes", "error", "wraps_to", "text"))


def _rows(rep: Case, suspect: str, reference: str | None, loaded: Loaded) -> list[str]:
    """A table of what each backend returned (ids and pieces, an error, a value) and the
    other outputs the check recorded (``decoded``, ``emitted``, ``regex``…)."""
    shown = {k: v for k, v in rep.observed.items() if k in rep.backends or k not in _METADATA}
    rows = token_rows(shown, rep.backends, loaded.backends)
    out = []
    for row in rows:
        mine = row.label in rep.backends
        role = ("actual" if row.label == suspect else "expected" if row.label == reference else "") if mine else ""
        what = md_code(row.label, cell=True)
        if mine:
            version = rep.versions.get(library_of(row.label), "")
            what += " " + md_cell(f"({library_of(row.label)} {version})".replace(" )", ")"))
        if row.kind == "tokens":
            out.append(f"| {role} | {what} | {_ids_cell(row)} | {_pieces_cell(row)} |")
        elif row.kind == "error":
            out.append(f"| {role} | {what} | — | raises {md_code(_safe(row.text), cell=True)} |")
        else:
            out.append(f"| {role} | {what} | — | {md_code(_safe(row.text), cell=True)} |")
    return ["| | what | ids | pieces (differing in bold) |", "| --- | --- | --- | --- |", *out] if out else []


def _expected_actual(rep: Case, suspect: str, reference: str | None, loaded: Loaded) -> list[str]:
    expected, actual = expectation(rep, suspect, reference)
    lines = ["## Expected vs actual", "", f"**Expected:** {expected}", "", f"**Actual:** {actual}", ""]
    decoded = rep.observed.get("decoded")
    if rep.property == "roundtrip" and isinstance(decoded, str):
        lines += _codepoint_diff(rep.input, decoded)
    lines += _rows(rep, suspect, reference, loaded)
    if not any(b in loaded.backends for b in rep.backends):
        lines += ["", "(ids only: token pieces need the tokenizer loaded)"]
    recorded = "{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=True, sort_keys=True, default=str)}"
                                  for k, v in sorted(rep.observed.items())) + "\n}"
    return [*lines, "", "<details><summary>Recorded observation (JSON)</summary>", "",
            fence(recorded) + "json", recorded, fence(recorded), "", "</details>"]


def _codepoint_diff(source: str, decoded: str) -> list[str]:
    """A table of the code points lost, added or changed from ``source`` to ``decoded``."""
    import difflib

    matcher = difflib.SequenceMatcher(None, source, decoded, autojunk=False)
    rows = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        before = " ".join(f"{codepoint(c).label} {codepoint(c).name}" for c in source[a0:a1]) or "—"
        after = " ".join(f"{codepoint(c).label} {codepoint(c).name}" for c in decoded[b0:b1]) or "—"
        what = {"delete": "lost", "insert": "added", "replace": "changed"}[op]
        rows.append(f"| {what} | {a0} | {md_cell(before)} | {md_cell(after)} |")
    if not rows:
        return []
    return ["| | at | input | decoded |", "| --- | --- | --- | --- |", *rows[:MAX_CODEPOINTS], ""]


def _recipe_for(rep: Case, backend: str) -> Recipe | None:
    """The recipe reproducing ``backend``'s part of ``rep`` (see the module docstring)."""
    kind, versions, text = kind_of(rep), rep.versions, _text_of(rep)
    if rep.property == "vocab":
        ids = _vocab_ids(rep)
        if ids is not None:
            return recipe(backend, rep.subject, text, versions, ids=ids)
    if rep.property == "streaming_decode":
        observed_ids = rep.observed.get(backend)
        if isinstance(observed_ids, list) and all(isinstance(i, int) for i in observed_ids):
            stream = kind.startswith("DecodeStream:")
            found = recipe(backend, rep.subject, text, versions, ids=observed_ids, stream=stream)
            return found or recipe(backend, rep.subject, text, versions, ids=observed_ids)
    if rep.property == "slow_input":
        sizes = rep.observed.get("sizes")
        if isinstance(sizes, list) and sizes and all(isinstance(n, int) for n in sizes):
            return recipe(backend, rep.subject, text, versions, repeat=sizes) or recipe(backend, rep.subject, text, versions)
    return recipe(backend, rep.subject, text, versions)


def _recorded(rep: Case, backend: str) -> str:
    value: Any = rep.observed.get(backend)
    if isinstance(value, Mapping) and isinstance(value.get("error"), str):
        return f"It raised {md_code(_safe(value['error']))} when the case was recorded."
    if isinstance(value, list) and all(isinstance(i, int) for i in value):
        return f"When the case was recorded, the ids were {md_code(json.dumps(value))}."
    if rep.property == "slow_input":
        return (f"Recorded: sizes {md_code(rep.observed.get('sizes'))} took {md_code(rep.observed.get('seconds'))} s "
                f"({md_cell(rep.observed.get('clock', '?'))} clock), growth exponent {md_code(rep.observed.get('exponent'))}.")
    return ""


def _recipe_block(found: Recipe) -> list[str]:
    lang = "python" if found.language == "python" else "js"
    return [fence(found.install) + "sh", found.install, fence(found.install), "",
            fence(found.code) + lang, found.code.rstrip("\n"), fence(found.code)]


def _reproducer(rep: Case, suspect: str, reference: str | None) -> list[str]:
    lines = ["## Reproducer", ""]
    found = _recipe_for(rep, suspect)
    if found is None:
        replay = f"tokfuzz replay --subject {rep.subject}"
        lines += [f"There is no standalone reproducer for {md_code(suspect)} on {md_code(rep.subject)}: it is not a "
                  "library with a known recipe (a plugin backend or a project's own subject). The fuzzer replays "
                  "the case with:", "", "```sh", replay, "```"]
    else:
        lines += [f"A standalone {found.language.capitalize()} program: it loads the model as users of {md_code(found.library)} "
                  "do (making the model file with the same calls, where it is a conversion) and prints the ids, "
                  "the pieces and the decoded text.", "", *_recipe_block(found)]
        recorded = _recorded(rep, suspect)
        if recorded:
            lines += ["", recorded]
        if rep.property in ("streaming_decode", "split_consistency") and not kind_of(rep).startswith("DecodeStream:"):
            lines += ["", f"(The program shows the ids and {md_code('decode')}; the {md_code(rep.property)} check "
                      "itself is described above.)"]
    if reference is not None and reference != suspect:
        ref = _recipe_for(rep, reference)
        if ref is not None:
            lines += ["", f"<details><summary>Expected output, with {md_code(ref.library)}</summary>", "",
                      *_recipe_block(ref), "", _recorded(rep, reference), "", "</details>"]
    return lines


def _breadth(cases: Sequence[Case], rep: Case) -> list[str]:
    groups = _classes(cases)
    order = {name: i for i, name in enumerate(SUBJECTS)}
    lines = [f"## All {len(groups)} classes of this cause", "",
             "| subject | property | backends | kind | input shape | witness | status |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    ranked = sorted(groups.values(), key=lambda m: (order.get(m[0].subject, len(order)), m[0].subject, m[0].property,
                                                    m[0].signature))
    for members in ranked:
        first = min(members, key=lambda c: (len(c.input), c.id))
        literal = ascii(first.input)
        literal = literal if len(literal) <= MAX_LITERAL else literal[:MAX_LITERAL - 1] + "…"
        shown = " (shown above)" if rep in members else ""
        status = "/".join(sorted({c.status for c in members}, key=lambda s: _STATUS_RANK.get(s, 3)))
        lines.append(f"| {md_cell(first.subject)} | {md_cell(first.property)} | {md_code(','.join(first.backends), cell=True)} "
                     f"| {md_code(kind_of(first), cell=True)} | {md_code(shape_of(first), cell=True)} "
                     f"| {md_code(literal, cell=True)}{shown} | {status} |")
    return lines
