"""What the oracles share: one input's encodings (``Observation``) and failing verdicts.

Every property (one module each beside this one) returns the list of its *failing*
verdicts (empty: the input passes). A verdict carries what reproduces it: the input,
the backend(s), a short ``kind`` (what went wrong, used by triage), a self-contained
``detail`` message and the ``observed`` ids or errors.

Encodings are computed once per (backend, input) by an ``Observation`` and shared by
all oracles, so checking three properties costs one encode per backend.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tokfuzz.backends.base import NOT_APPLICABLE, Backend, reraise_control

_T = TypeVar("_T")

__all__ = [
    "NOT_APPLICABLE", "Observation", "Raised", "Verdict", "attempt", "describe_text", "raised_verdict", "subject_special_strings",
    "subject_special_tokens", "verdict_of_raise",
]


@dataclass(frozen=True)
class Raised:
    """An exception a library raised: its type name and first message line, and the
    finding kind it stands for when it is not an ordinary exception (``finding_kind``
    of a backend whose process died, ``crash:SIGSEGV``, or stopped answering,
    ``timeout``: tokfuzz.backends.cmd)."""

    type: str
    message: str
    finding_kind: str | None = None

    @property
    def applies(self) -> bool:
        """False for an input the backend could not be given at all (``finding_kind``
        ``not-applicable``, a transport limit such as a surrogate pair sent as JSON):
        no property holds or fails on it."""
        return self.finding_kind != NOT_APPLICABLE

    @classmethod
    def of(cls, exc: BaseException) -> Raised:
        """Summary of ``exc`` (message cut to 200 characters)."""
        first = (str(exc).strip().splitlines() or [""])[0]
        kind = getattr(exc, "finding_kind", None)
        return cls(type(exc).__name__, first[:200], kind if isinstance(kind, str) else None)

    def to_json(self) -> dict[str, str]:
        """``{"error": "Type: message"}``, the corpus' ``observed`` form."""
        return {"error": f"{self.type}: {self.message}"}


@dataclass(frozen=True)
class Verdict:
    """One failing check. ``backends`` is one name (single-backend properties) or a
    sorted pair (cross_backend); ``kind`` is a short tag such as ``ids-differ``.

    ``explain`` is the human-readable detail or a function making it: token pieces
    cost library calls, and most failures of a campaign belong to known classes and
    are never shown, so ``detail`` is computed on first use (and kept).

    ``shape``, when set, is the last field of the class signature in place of the
    witness's code point classes (tokfuzz.findings.triage.signature): for properties
    whose cause is not the witness's characters (where a stream leaves the full
    decode; how a text spells a special token).
    """

    property: str
    backends: tuple[str, ...]
    kind: str
    explain: str | Callable[[], str] = field(repr=False, compare=False)
    observed: dict[str, Any] = field(default_factory=dict)
    shape: str | None = None

    @builtins.property  # ``property`` is a field here
    def detail(self) -> str:
        """The explanation: what differs, with token pieces."""
        explain = self.explain
        if not isinstance(explain, str):
            explain = explain()
            object.__setattr__(self, "explain", explain)
        return explain


class Observation:
    """Lazily computed encodings of one input by several backends (each at most once)."""

    def __init__(self, text: str, backends: Mapping[str, Backend], specials: Mapping[str, int] | None = None) -> None:
        self.text = text
        self.backends = backends
        self.specials: Mapping[str, int] = subject_special_tokens(backends) if specials is None else specials
        """The subject's special-token table (``subject_special_tokens`` of all its
        backends): what the special_tokens property holds a backend without its own
        ``special_tokens`` to. Pass it when ``backends`` is a subset of the subject's."""
        self._ids: dict[str, list[int] | Raised] = {}
        self.seconds: dict[str, float] = {}
        """Wall-clock seconds (``time.perf_counter``) each backend's encode of the input took."""

    def ids(self, name: str) -> list[int] | Raised:
        """Ids of the input by backend ``name``, or the exception it raised."""
        if name not in self._ids:
            started = time.perf_counter()
            try:
                self._ids[name] = list(self.backends[name].encode(self.text))
            except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
                reraise_control(exc)
                self._ids[name] = Raised.of(exc)
            self.seconds[name] = time.perf_counter() - started
        return self._ids[name]

    def without(self, names: Iterable[str]) -> Observation:
        """This observation without the backends ``names``: the others' encodings (and
        their seconds) computed so far are shared, not repeated."""
        drop = set(names)
        view = Observation(self.text, {n: b for n, b in self.backends.items() if n not in drop}, self.specials)
        view._ids, view.seconds = self._ids, self.seconds
        return view

    def observed(self, name: str) -> list[int] | dict[str, str]:
        """JSON form of ``ids(name)``."""
        got = self.ids(name)
        return got.to_json() if isinstance(got, Raised) else got


def subject_special_tokens(backends: Mapping[str, Backend]) -> Mapping[str, int]:
    """The special-token table of a subject: ``special_tokens`` (string -> id) of the
    first of ``backends`` that declares one (the reference, where it does), else ``{}``.

    One backend's table and not a union: backends disagree on ids (transformers'
    conversion of cl100k_base numbers ``<|endoftext|>`` 100256, tiktoken 100257) and
    some carry another model's table (kitoken on Llama 3's file holds cl100k_base's),
    so a union would mark ordinary ids of the model as special.
    """
    for backend in backends.values():
        table = getattr(backend, "special_tokens", None)
        if isinstance(table, Mapping) and table:
            return table
    return {}


def subject_special_strings(backends: Mapping[str, Backend]) -> tuple[str, ...]:
    """Every special-token string any of ``backends`` declares, each once: the
    reference's (first declaring backend's) in id order, then the others' in theirs.
    What the generators learn to spell (``unicode_text(special_tokens=…)``)."""
    out: dict[str, None] = {}
    for backend in backends.values():
        table = getattr(backend, "special_tokens", None)
        if isinstance(table, Mapping):
            out.update((s, None) for s, _ in sorted(table.items(), key=lambda kv: kv[1]) if isinstance(s, str) and s)
    return tuple(out)


def describe_text(text: str, limit: int = 24) -> str:
    """``repr(text)`` and its code points (``U+200D``), cut after ``limit`` of them."""
    cps = " ".join(f"U+{ord(c):04X}" for c in text[:limit])
    more = f" …(+{len(text) - limit})" if len(text) > limit else ""
    return f"{text!r} [{cps}{more}]"


def attempt(call: Callable[..., _T], *args: Any) -> _T | Raised:
    """``call(*args)``, or the exception it raised as a ``Raised`` (a pyo3
    ``PanicException``, a BaseException, too); interpreter control flow is re-raised."""
    try:
        return call(*args)
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        reraise_control(exc)
        return Raised.of(exc)


def verdict_of_raise(prop: str, name: str, step: str, raised: Raised, observed: dict[str, Any]) -> Verdict:
    """The verdict of kind ``{step}-raises:{Type}`` for a library call that raised, or
    of the exception's ``finding_kind`` (``timeout``, ``crash:…``) where it has one."""
    detail = f"{name}.{step} raised {raised.type}: {raised.message}"
    return Verdict(prop, (name,), raised.finding_kind or f"{step}-raises:{raised.type}", detail, observed)


def raised_verdict(prop: str, name: str, step: str, exc: BaseException, ids: list[int]) -> Verdict:
    """The verdict for a library call (``step``) that raised ``exc``; control-flow
    exceptions are re-raised instead."""
    reraise_control(exc)
    return verdict_of_raise(prop, name, step, Raised.of(exc), {name: ids})
