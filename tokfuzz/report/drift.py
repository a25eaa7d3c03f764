"""Drift: a snapshot's inputs (tokfuzz.report.snapshot) encoded again by the backends
installed now, every input whose ids changed shrunk and grouped like any finding.

Comparison. Each checked backend's outcome on each input (ids, or the error it raised,
hung with or crashed on, through tokfuzz.backends.forked) is held to the snapshot's
stored outcome. A difference is a *drift* of one kind: ``ids-changed`` (ids then, other
ids now), ``now-raises`` (ids then, an error now), ``no-longer-raises`` (an error then,
ids now) or ``error-changed`` (another error text now).

Minimization. The snapshot holds ids for its own inputs only, so shrinking a drifting
input needs an oracle for arbitrary text. The oracle is a backend loaded now that still
*agrees* with the snapshot on that input: the subject's reference as installed, or any
other checked backend (after a ``tiktoken`` upgrade, bpe-openai and hf still agree; a
port's CI may load the reference just for this, see ``reference_oracle``). With oracle
``A`` for drifting backend ``B``, the input is shrunk (tokfuzz.findings.minimize) while
``B``'s outcome differs from ``A``'s *in the same kind*; the witness is 1-minimal for that
predicate (deleting any grapheme cluster or code point makes ``B`` and ``A`` agree), and
its "then" ids are ``A``'s, standing in for the snapshot's. ``A`` agreed with the
snapshot on the whole input, not necessarily on the witness: the table names ``A``.

Localization. When no loaded backend agrees with the snapshot on an input (a port
checked against the reference's snapshot without the reference installed), it cannot
be shrunk. It is narrowed instead to the differing span (tokfuzz.report.localize): the
common prefix and suffix of the snapshot's and the new ids are dropped (where they
differ in several separate runs of tokens, the first run is taken), the run's tokens are
mapped back to characters through token bytes (``token_bytes`` of the drifting backend,
else of another loaded one), and the span is widened to extended grapheme cluster
boundaries (UAX #29, tokfuzz.findings.minimize.graphemes). Such a witness is
*localized, not minimized*, and the output says so; an error on either side, or token
bytes that do not spell the input, leave the whole input as the witness.

Grouping. A class is ``snapshot|subject|backend|kind|shape`` (DESIGN §5), the shape the
witness's code point classes (tokfuzz.findings.triage.shape, without the ``bytes`` class:
the reference may not be loaded, and a class must not depend on what is installed). As
in a campaign (tokfuzz.engines.hunt), a drifting input holding a minimized witness of its
backend and kind is counted in that class without being shrunk; inputs are taken
shortest first. Shrinking stops at ``SHRINK_CALLS`` calls or ``shrink_seconds`` per
input, and after ``shrink_budget`` seconds in all the rest is localized.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tokfuzz.backends.base import Backend, BackendUnavailable, ConfigError, reraise_control
from tokfuzz.backends.forked import Forked
from tokfuzz.backends.isolated import DEFAULT_TIMEOUT
from tokfuzz.backends.registry import load_backend
from tokfuzz.backends.subjects import CUSTOM, SUBJECTS, Subject, load_subject
from tokfuzz.backends.user_subjects import user_subjects
from tokfuzz.findings.minimize import NotFailing, minimize
from tokfuzz.findings.triage import shape
from tokfuzz.report.localize import localize
from tokfuzz.report.snapshot import Entry, Header, Outcome, Snapshot, encode_all

__all__ = [
    "KINDS", "SHRINK_BUDGET_S", "SHRINK_CALLS", "SHRINK_SECONDS", "CheckResult", "Drift", "DriftClass", "VersionChange",
    "check_snapshot", "drift_kind", "load_checked", "reference_oracle", "select_backends", "version_changes",
    "witness_text",
]

KINDS: tuple[str, ...] = ("ids-changed", "now-raises", "no-longer-raises", "error-changed")
SHRINK_CALLS = 2000
"""Predicate calls (two encodes each) one witness may cost, as a campaign's (tokfuzz.engines.hunt)."""
SHRINK_SECONDS = 10.0
"""Seconds one witness may take to shrink."""
SHRINK_BUDGET_S = 120.0
"""Seconds of shrinking per check; drifting inputs left after it are localized."""

Oracles = Callable[[], tuple[dict[str, Backend], str]]
"""Loads extra backends to serve as oracles only (not checked): (name -> backend, a note)."""


def drift_kind(then: Outcome, now: Outcome) -> str | None:
    """The kind of change from ``then`` to ``now`` (one of ``KINDS``), None when equal."""
    if then == now:
        return None
    if then.ids is not None:
        return "ids-changed" if now.ids is not None else "now-raises"
    return "no-longer-raises" if now.ids is not None else "error-changed"


@dataclass(frozen=True)
class Drift:
    """Input ``index`` of the snapshot (``entry``) changed on ``backend``: ``kind``, and
    what it gives ``now``."""

    index: int
    entry: Entry
    backend: str
    kind: str
    now: Outcome


@dataclass
class DriftClass:
    """One class of drift: its ``signature``, the drifting ``backend`` and ``kind``, the
    ``witness`` and its ``then``/``now`` outcomes, ``how`` it was made (``minimized``:
    against ``oracle``, whose outcome is ``then``; ``localized``: ``then`` and ``now`` are
    the snapshot's and the new differing tokens), a ``note``, and the ``drifts`` in it."""

    signature: str
    backend: str
    kind: str
    witness: str
    how: str
    oracle: str | None
    then: Outcome
    now: Outcome
    note: str
    drifts: list[Drift] = field(default_factory=list)

    def line(self) -> str:
        """The class in one line: signature, inputs, witness, then and now ids, how."""
        sources = ", ".join(d.entry.source for d in self.drifts[:3]) + (", …" if len(self.drifts) > 3 else "")
        then = self.then.short() + (f" (as {self.oracle})" if self.oracle else "")
        return (f"{self.signature}: {len(self.drifts)} input(s) ({sources}); witness {witness_text(self.witness)}; "
                f"snapshot ids {then}; now {self.now.short()}; {self.note}")


def witness_text(text: str, limit: int = 60) -> str:
    """A witness as its ``ascii()`` literal and code points, both cut:
    ``'a\\u200d' [U+0061 U+200D]``."""
    literal = ascii(text)
    literal = literal if len(literal) <= limit else literal[: limit - 1] + "…"
    cps = " ".join(f"U+{ord(c):04X}" for c in text[:8]) + (f" …(+{len(text) - 8})" if len(text) > 8 else "")
    return f"{literal} [{cps}]"


@dataclass(frozen=True)
class VersionChange:
    """``library`` was ``then`` when the snapshot was made and is ``now`` for ``backends``."""

    library: str
    then: str
    now: str
    backends: tuple[str, ...]


@dataclass
class CheckResult:
    """A check: the ``snapshot``, the ``backends`` checked and their ``versions`` now,
    the drift ``classes`` (by backend, then size), the ``seconds`` it took and a note
    on extra oracles (``oracle_note``, ``""`` when none were needed)."""

    snapshot: Snapshot
    backends: tuple[str, ...]
    versions: dict[str, dict[str, str]]
    classes: list[DriftClass]
    seconds: float
    oracle_note: str = ""

    @property
    def drifted_inputs(self) -> int:
        """Inputs that drifted on at least one backend."""
        return len({d.index for c in self.classes for d in c.drifts})

    def per_backend(self) -> dict[str, tuple[int, int]]:
        """Backend -> (inputs drifted, classes), for every checked backend."""
        return {name: (sum(len(c.drifts) for c in self.classes if c.backend == name),
                       sum(c.backend == name for c in self.classes)) for name in self.backends}

    def version_changes(self) -> list[VersionChange]:
        """``version_changes`` of this check."""
        return version_changes(self.snapshot.header, self.versions)


def version_changes(header: Header, now: Mapping[str, Mapping[str, str]]) -> list[VersionChange]:
    """Libraries whose version now (``now``: backend -> {library: version},
    ``Subject.versions``) differs from the snapshot's (its reference's ``versions``, over
    its table of installed ``libraries``); a library the snapshot never saw is left out."""
    then = dict(header.libraries)
    for libs in header.versions.values():
        then.update(libs)
    found: dict[tuple[str, str, str], list[str]] = {}
    for backend, libs in now.items():
        for lib, version in libs.items():
            if lib in then and then[lib] != version:
                found.setdefault((lib, then[lib], version), []).append(backend)
    return [VersionChange(lib, a, b, tuple(names)) for (lib, a, b), names in sorted(found.items())]


def reference_oracle(header: Header, loaded: Iterable[str]) -> tuple[dict[str, Backend], str]:
    """The snapshot's reference loaded here, to serve as an oracle (not checked), when no
    backend in ``loaded`` bears its name: ({name: backend}, a note), or ({}, why not).

    Only a spec tokfuzz itself would name is loaded: an embedded subject's own reference
    (``tiktoken:cl100k_base``) or the first spec of a project subject registered now. A
    spec read from a file is never a module to import or a command to run (``python:``,
    ``cmd:``): the snapshot, like the corpus, is data."""
    spec = header.reference_spec
    if header.reference in set(loaded):
        return {}, ""
    own = f"{SUBJECTS[header.subject][0]}:{header.subject}" if header.subject in SUBJECTS else None
    if spec != own and user_subjects().get(header.subject, ())[:1] != (spec,):
        return {}, f"the snapshot's reference {spec} is not loaded as an oracle (only a subject's own reference is)"
    try:
        backend = load_backend(spec)
    except BaseException as exc:  # noqa: BLE001 - a library that cannot load here is a note, not an error
        reraise_control(exc)
        return {}, f"the snapshot's reference {spec} does not load here ({exc}): drifting inputs are localized"
    if backend.name != header.reference:
        return {}, f"the snapshot's reference {spec} loads as {backend.name!r}, not {header.reference!r}"
    return {backend.name: backend}, f"the snapshot's reference {spec} was loaded as an oracle for shrinking"


def load_checked(subject: str | None, specs: Sequence[str]) -> tuple[dict[str, Backend], dict[str, str]]:
    """(the backends a check re-encodes with, name -> backend; the subject's backends
    that did not load here, spec -> why): the backends of ``specs`` alone when
    ``subject`` is None or ``custom``, else ``subject``'s installed backends (reference
    first) followed by those of ``specs``.

    Raises:
        ConfigError: a spec does not load (naming it), two backends share a name, or no
            backend of the subject loads.
    """
    given: dict[str, Backend] = {}
    for spec in specs:
        try:
            backend = load_backend(spec)
        except BackendUnavailable as exc:
            raise ConfigError(f"--backend {spec} does not load: {exc}") from exc
        if backend.name in given:
            raise ConfigError(f"two --backend specs make a backend named {backend.name!r}; give them distinct names")
        given[backend.name] = backend
    if subject is None or subject == CUSTOM:
        return given, {}
    loaded = load_subject(subject)
    clash = sorted(given.keys() & loaded.backends.keys())
    if clash:
        raise ConfigError(f"--backend makes a backend named {clash[0]!r}, like subject {subject}'s own; "
                          "the backends of a subject need distinct names")
    return {**loaded.backends, **given}, loaded.unavailable


def select_backends(header: Header, subject: str | None, specs: Sequence[str],
                    label: str) -> tuple[dict[str, Backend], dict[str, str], Oracles]:
    """What a check re-encodes with, given the ``--subject`` and ``--backend`` asked for:
    (checked backends, name -> backend; the subject's backends that did not load, spec ->
    why; the oracles for shrinking).

    * neither given: the snapshot's own backend as installed now (``header.reference`` of
      ``header.subject``: the check a library upgrade needs, clean when nothing moved), with
      the subject's other installed backends as oracles only (never checked);
    * ``specs`` alone: those backends (a port's CI), with the snapshot's reference as an
      oracle where tokfuzz may load it (``reference_oracle``);
    * ``subject``: every installed backend of it, plus ``specs``: each held to the
      snapshot's ids, so standing differences from the reference show too.

    Raises:
        ConfigError: the snapshot is of subject ``custom`` and no spec is given; its own
            backend does not load here; or as ``load_checked``.
    """
    chosen = subject if subject is not None else (None if specs else header.subject)
    if chosen == CUSTOM and not specs:
        raise ConfigError(f"snapshot {label} is of subject {CUSTOM!r} (ids of {header.reference_spec}): give the "
                          "--backend SPEC to check")
    backends, unavailable = load_checked(chosen, specs)
    if subject is not None or specs:
        return backends, unavailable, lambda: reference_oracle(header, backends)
    if header.reference not in backends:
        why = unavailable.get(header.reference_spec) or "not a backend of the subject here"
        raise ConfigError(f"snapshot {label}: its backend {header.reference} ({header.reference_spec}) does not load "
                          f"here: {why}; give --backend SPEC to check another one")
    others = {n: b for n, b in backends.items() if n != header.reference}
    note = f"the subject's other backends ({', '.join(others)}) were loaded as oracles for shrinking" if others else ""
    return {header.reference: backends[header.reference]}, unavailable, lambda: (others, note)


def _call(backend: Backend, text: str) -> Outcome:
    try:
        return Outcome(ids=tuple(int(i) for i in backend.encode(text)))
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        reraise_control(exc)
        return Outcome.of(exc)


def check_snapshot(snapshot: Snapshot, backends: Mapping[str, Backend], *, oracles: Oracles | None = None,
                   timeout: float = DEFAULT_TIMEOUT, shrink_seconds: float = SHRINK_SECONDS,
                   shrink_budget: float = SHRINK_BUDGET_S, progress: Callable[[str], None] | None = None) -> CheckResult:
    """Encode every input of ``snapshot`` with each of ``backends`` (in a forked child,
    ``timeout`` seconds a call), compare with the stored outcomes, and shrink and group
    the drift (module docstring). ``oracles`` is called at most once, only when some
    drifting input has no checked backend agreeing with the snapshot on it.
    ``progress`` gets a line per stage."""
    started = time.monotonic()
    say = progress or (lambda line: None)
    texts = [e.input for e in snapshot.entries]
    outcomes: dict[str, list[Outcome]] = {}
    with Forked(backends, timeout) as forked:
        for name in backends:
            say(f"encoding {len(texts)} inputs with {name}")
            outcomes[name] = encode_all(forked, name, texts)
    drifts = [Drift(i, e, name, kind, outcomes[name][i]) for name in backends for i, e in enumerate(snapshot.entries)
              if (kind := drift_kind(e.outcome, outcomes[name][i])) is not None]
    versions = Subject("", dict(backends)).versions
    if not drifts:
        return CheckResult(snapshot, tuple(backends), versions, [], time.monotonic() - started)
    pool: dict[str, Backend] = dict(backends)
    note = ""
    if oracles is not None and any(not _agreeing(d, outcomes, snapshot.header.reference) for d in drifts):
        extra, note = oracles()
        extra = {n: b for n, b in extra.items() if n not in pool}
        pool.update(extra)
    with Forked(pool, timeout) as forked:
        for name in pool.keys() - outcomes.keys():  # an extra oracle: only the drifting inputs
            index = sorted({d.index for d in drifts})
            got = dict(zip(index, encode_all(forked, name, [texts[i] for i in index])))
            outcomes[name] = [got.get(i, Outcome(error="not encoded")) for i in range(len(texts))]
        say(f"{len(drifts)} drifting (input, backend) pairs: shrinking and grouping")
        classes = _group(snapshot.header, drifts, outcomes, forked, shrink_seconds, shrink_budget)
    order = list(backends)
    classes.sort(key=lambda c: (order.index(c.backend), -len(c.drifts), c.signature))
    return CheckResult(snapshot, tuple(backends), versions, classes, time.monotonic() - started, note)


def _agreeing(drift: Drift, outcomes: Mapping[str, Sequence[Outcome]], reference: str) -> str | None:
    """A backend other than the drifting one whose outcome on the input equals the
    snapshot's: the one named like the reference first, then in order; None if none."""
    names = sorted((n for n in outcomes if n != drift.backend), key=lambda n: n != reference)
    return next((n for n in names if outcomes[n][drift.index] == drift.entry.outcome), None)


def _group(header: Header, drifts: list[Drift], outcomes: Mapping[str, Sequence[Outcome]], forked: Forked,
           shrink_seconds: float, shrink_budget: float) -> list[DriftClass]:
    """Shrink or localize each drift not covered by a known witness, and group by
    signature; every library call goes through ``forked``."""
    pool = forked.backends
    classes: dict[str, DriftClass] = {}
    spent = 0.0
    for drift in sorted(drifts, key=lambda d: (d.backend, d.kind, len(d.entry.input), d.entry.input)):
        known = next((c for c in classes.values() if c.backend == drift.backend and c.kind == drift.kind
                      and c.how == "minimized" and c.witness in drift.entry.input), None)
        if known is not None:
            known.drifts.append(drift)
            continue
        oracle = _agreeing(drift, outcomes, header.reference)
        made: DriftClass | None = None
        why = "no loaded backend agrees with the snapshot on it"
        if oracle is not None and spent >= shrink_budget:
            why = f"the check's shrink budget ({shrink_budget:g} s) is spent"
        elif oracle is not None:
            clock = time.monotonic()
            made = _minimized(header.subject, drift, oracle, pool, min(shrink_seconds, shrink_budget - spent))
            spent += time.monotonic() - clock
            why = f"it does not reproduce between {drift.backend} and {oracle} (flaky)"
        if made is None:
            made = _localized(header.subject, drift, forked, why)
        cls = classes.setdefault(made.signature, made)
        if cls is not made and (made.how, len(made.witness)) < (cls.how, len(cls.witness)):  # "minimized" < "localized"
            made.drifts = cls.drifts
            classes[made.signature] = cls = made
        cls.drifts.append(drift)
    return list(classes.values())


def _signature(subject: str, backend: str, kind: str, witness: str) -> str:
    return "|".join(("snapshot", subject, backend, kind, shape(witness, None, kind)))


def _minimized(subject: str, drift: Drift, oracle: str, pool: Mapping[str, Backend], seconds: float) -> DriftClass | None:
    """The drift shrunk against ``oracle`` (module docstring); None when it does not
    reproduce between the two (a flaky backend)."""
    calls = 0

    def fails(text: str) -> bool:
        nonlocal calls
        calls += 1
        return drift_kind(_call(pool[oracle], text), _call(pool[drift.backend], text)) == drift.kind

    clock = time.monotonic()
    try:
        witness = minimize(drift.entry.input, fails, max_calls=SHRINK_CALLS, max_seconds=seconds)
    except NotFailing:
        return None
    spent = calls >= SHRINK_CALLS or time.monotonic() - clock >= seconds
    note = f"minimized against {oracle}" + (" (budget spent: may not be 1-minimal)" if spent else ", 1-minimal")
    return DriftClass(_signature(subject, drift.backend, drift.kind, witness), drift.backend, drift.kind, witness,
                      "minimized", oracle, _call(pool[oracle], witness), _call(pool[drift.backend], witness), note)


def _localized(subject: str, drift: Drift, forked: Forked, why: str) -> DriftClass:
    """The drift narrowed to its differing span (module docstring); ``why`` it was not
    shrunk. The token bytes of its ids come from the drifting backend, else the first
    loaded one that has ``token_bytes``, in one batch through ``forked`` (an id a library
    does not hold may crash it: rs-bpe reads past its table)."""
    order = [drift.backend, *(n for n in forked.backends if n != drift.backend)]
    name = next((n for n in order if callable(getattr(forked.backends[n], "token_bytes", None))), None)
    token_bytes: Callable[[int], bytes] | None = None
    if name is not None:
        ids = sorted({*(drift.entry.outcome.ids or ()), *(drift.now.ids or ())})
        got = forked.run([(name, "token_bytes", i) for i in ids])
        table = {i: b for i, b in zip(ids, got) if isinstance(b, bytes)}
        token_bytes = table.__getitem__  # an id it could not show: KeyError, and the input stays whole
    witness, then, now, note = localize(drift.entry.input, drift.entry.outcome, drift.now, token_bytes)
    return DriftClass(_signature(subject, drift.backend, drift.kind, witness), drift.backend, drift.kind, witness,
                      "localized", None, then, now, f"{note}; {why}")
