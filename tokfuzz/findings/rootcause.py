"""Root causes: classes across subjects and properties that share one cause in one library.

A class (signature, ``tokfuzz.findings.triage``) is one property failing one way on one
subject's backend pair. Many classes have one cause: HF ``tokenizers`` raising on a lone
surrogate fails ``roundtrip`` on every subject it loads; tokie's own pre-tokenizer splits
``cl100k_base``, ``o200k_base`` and ``tekken`` text apart from the regex their files
declare. A *root cause* is a short name on the cases of all those classes
(``Case.root_cause``, DESIGN §5), set by triage (``tokfuzz triage CLASS --root-cause
NAME``) and read by the report, ``tokfuzz summary`` and ``tokfuzz report --upstream``.

``propose`` names the root cause a class most likely has, from the corpus alone, as
``<library>/<kind>/<character class>``:

* *library*: the suspect backend (``suspect``): a one-backend failure's backend; of a pair,
  the one later in its subject's backend order (the reference, the library the model was
  published for, comes first; ports and conversions after it);
* *kind*: the verdict kind, with the parts that name *where* a failure showed rather than
  *what* failed folded together: ``scaled-`` (slow_input's re-check) dropped; a stream
  decoder that raises (``vllm-tgi:raises:X``) is the backend's ``decode`` raising
  (``decode-raises:X``), as ``vocab`` and ``roundtrip`` name it;
* *character class*: the class of the witness' characters that most likely caused it
  (``character_family``), e.g. ``lone-surrogate`` or ``emoji``; a ``vocab`` failure's id
  class (``partial-utf8``, ``out-of-range``); a stream's position (``partial-utf8`` when it
  is at or after a character split across tokens).

Classes with the same three parts get the same proposal, whatever their subject or
property. A proposal is a starting point: two proposals that triage finds to share one
cause are merged by setting one name on both (``--root-cause``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tokfuzz.backends.subjects import backend_names
from tokfuzz.findings.corpus import STATUSES, Case
from tokfuzz.findings.triage import signature_fields

__all__ = ["RootCause", "character_family", "class_status", "kind_family", "propose", "root_cause_of", "root_causes", "suspect"]

_FAMILY_ORDER: tuple[str, ...] = (
    "lone-surrogate", "unassigned", "nul", "control", "byte-fallback", "emoji", "format", "private-use",
    "marks", "whitespace", "digits", "symbols", "punctuation", "letters",
)
"""Character families, most telling first: a witness holding a lone surrogate and letters
fails because of the surrogate (every tokenizer handles letters); one holding emoji and
spaces, because of the emoji."""

_NAMED_FAMILY: dict[str, str] = {
    "Cs": "lone-surrogate", "Cn": "unassigned", "bytes": "byte-fallback", "Co": "private-use",
    "ZWJ": "emoji", "VS16": "emoji", "VS15": "emoji", "So": "emoji", "Sk": "emoji",
    "ZWNJ": "format", "BOM": "format", "Cf": "format",
    "sp": "whitespace", "TAB": "whitespace", "LF": "whitespace", "CR": "whitespace",
    "Zs": "whitespace", "Zl": "whitespace", "Zp": "whitespace", "Cc": "control",
    "M": "marks", "Sm": "symbols", "Sc": "symbols", "LOWER-1/8-BLOCK": "symbols",
}

_STREAM_POSITION: dict[str, str] = {
    "at-multibyte": "partial-utf8", "tail-FFFD": "partial-utf8", "at-FFFD": "replacement-char",
    "at-ascii": "ascii", "at-space": "whitespace",
}
"""streaming_decode shapes (where in the stream a difference showed) -> family: a stream
difference at or after a character split across tokens is partial UTF-8 (UTF-8 is
self-synchronizing, RFC 3629 §3, and a detokenizer must hold an incomplete sequence)."""


def character_family(shape: str) -> str:
    """The most telling character family of a signature ``shape`` (runs of
    ``codepoint_class`` separated by spaces, e.g. ``"L:Latn sp N:ascii"``): the first of
    ``_FAMILY_ORDER`` present; ``"empty"`` for an empty witness; the shape itself,
    lower-cased, when it names no code point class (a verdict's own shape).

    Families: General Categories per UAX #44 (``Cs`` surrogate, ``Cn`` unassigned, ``Co``
    private use, ``Cc`` control, ``Cf`` format, ``M*`` marks, ``Z*`` and the ASCII
    whitespace controls whitespace, ``N*`` digits, ``P*`` punctuation, ``S*`` symbols with
    ``So``/``Sk`` and the emoji joiners ZWJ/VS15/VS16 as ``emoji`` (UTS #51 §1.4.5 builds
    emoji sequences from them), ``L*`` letters); ``bytes`` (held only as bytes by the
    reference, ``tokfuzz.findings.triage.shape``) as ``byte-fallback``; the
    ``Cn:unicode-…`` skew shapes as ``unassigned``.
    """
    runs = shape.split()
    if not runs or shape == "empty":
        return "empty"
    found: set[str] = set()
    for run in runs:
        if run.startswith("Cn"):
            found.add("unassigned")
        elif run in _NAMED_FAMILY:
            found.add(_NAMED_FAMILY[run])
        elif run.startswith("L:"):
            found.add("letters")
        elif run.startswith("N:"):
            found.add("digits")
        elif run.startswith("P"):
            found.add("punctuation")
        elif run.startswith("S"):
            found.add("symbols")
        elif run.startswith("Z"):
            found.add("whitespace")
    if not found:
        return shape.lower()
    return next(f for f in _FAMILY_ORDER if f in found)


def kind_family(kind: str) -> str:
    """``kind`` with where-it-showed folded away (module docstring): ``scaled-`` dropped,
    a stream decoder's ``<decoder>:raises:X`` as ``decode-raises:X``."""
    if kind.startswith("scaled-"):
        kind = kind[len("scaled-"):]
    decoder, sep, rest = kind.partition(":raises:")
    if sep and ":" not in decoder:
        return f"decode-raises:{rest}"
    return kind


def suspect(case: Case) -> str:
    """The backend a case blames: its only backend, or of several the one latest in
    the subject's backend order (``tokfuzz.backends.subjects.backend_names``: reference
    first); for a subject tokfuzz does not embed (``custom``, a project subject), the
    last of ``case.backends``. ``""`` for a case without backends."""
    if not case.backends:
        return ""
    order = {name: i for i, name in enumerate(backend_names(case.subject))}
    if not order:
        return case.backends[-1]
    return max(case.backends, key=lambda b: (order.get(b, len(order)), case.backends.index(b)))


def _parts(case: Case) -> tuple[str, str]:
    """(kind, shape) of a case's signature (``property|subject|backends|kind|shape``)."""
    fields = signature_fields(case.signature)
    return (fields[3], fields[4]) if fields is not None else ("", case.signature)


def propose(case: Case) -> str:
    """The proposed root cause of ``case``'s class: ``<suspect>/<kind family>/<family>``
    (module docstring), e.g. ``"hf/encode-raises:TypeError/lone-surrogate"``."""
    kind, shape = _parts(case)
    if case.property == "vocab":
        id_class = case.observed.get("class") if isinstance(case.observed, Mapping) else None
        family = str(id_class) if isinstance(id_class, str) and id_class else "ids"
    elif case.property == "streaming_decode":
        family = _STREAM_POSITION.get(shape, character_family(shape))
    elif case.property == "special_tokens":
        family = "special-tokens"
    else:
        family = character_family(shape)
    return f"{suspect(case)}/{kind_family(kind)}/{family}"


def root_cause_of(members: Sequence[Case]) -> tuple[str, bool]:
    """(root cause, proposed?) of one class given its cases: the first root cause set
    on any of them, else ``propose`` of the first case (``True``).

    Raises:
        ValueError: ``members`` is empty.
    """
    if not members:
        raise ValueError("a class has at least one case")
    named = next((c.root_cause for c in members if c.root_cause), "")
    return (named, False) if named else (propose(members[0]), True)


@dataclass(frozen=True)
class RootCause:
    """One root cause: its ``name``; ``suspect`` (the backend its classes blame most);
    ``classes`` (signature -> its cases, corpus order); ``proposed`` (no class has it set:
    it is ``propose``'s name); ``statuses`` (classes per status, a class counted by its
    most open case); ``subjects`` and ``properties`` its classes span, sorted."""

    name: str
    suspect: str
    classes: Mapping[str, tuple[Case, ...]]
    proposed: bool
    statuses: Mapping[str, int] = field(default_factory=dict)
    subjects: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()

    @property
    def cases(self) -> list[Case]:
        """Every case of every class, class by class."""
        return [case for members in self.classes.values() for case in members]


def class_status(members: Sequence[Case]) -> str:
    """A class's status: ``open`` if any of its cases is, else ``expected`` if any is,
    else ``fixed``."""
    return next(s for s in STATUSES if any(c.status == s for c in members))


def root_causes(cases: Iterable[Case]) -> list[RootCause]:
    """Group ``cases`` into classes (subject + signature) and classes into root causes
    (``root_cause_of``). Order: most open classes first, then most classes, then name.

    Shape: every case is in exactly one class of exactly one RootCause."""
    classes: dict[tuple[str, str], list[Case]] = {}
    for case in cases:
        classes.setdefault((case.subject, case.signature), []).append(case)
    groups: dict[str, dict[str, tuple[Case, ...]]] = {}
    proposed: dict[str, bool] = {}
    for (_subject, signature), members in classes.items():
        name, guess = root_cause_of(members)
        groups.setdefault(name, {})[signature] = tuple(members)
        proposed[name] = proposed.get(name, True) and guess
    out: list[RootCause] = []
    for name, group in groups.items():
        statuses = {s: sum(class_status(m) == s for m in group.values()) for s in STATUSES}
        blamed: dict[str, int] = {}
        for members in group.values():
            blamed[suspect(members[0])] = blamed.get(suspect(members[0]), 0) + 1
        out.append(RootCause(
            name, max(blamed, key=lambda b: (blamed[b], b)), group, proposed[name], statuses,
            tuple(sorted({m[0].subject for m in group.values()})),
            tuple(sorted({m[0].property for m in group.values()})),
        ))
    out.sort(key=lambda r: (-r.statuses.get("open", 0), -len(r.classes), r.name))
    return out
