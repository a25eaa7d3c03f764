"""Replay of the regression corpus (DESIGN §5 replay rules).

A case *reproduces* when its property, run on its input with its backends, fails
again with the same kind. What is expected of it depends on its status:

* ``open``: a known, unfixed difference: it must still reproduce (pytest: strict
  xfail, so an upstream fix turns the run red and gets noticed);
* ``expected``: an accepted difference with a written reason: it must still reproduce;
  if it stops, the note is stale and the case must be re-triaged;
* ``fixed``: it must not reproduce (a regression test).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tokfuzz.backends.base import Backend, BackendUnavailable
from tokfuzz.backends.forked import Forked
from tokfuzz.backends.isolated import DEFAULT_TIMEOUT, Isolated
from tokfuzz.findings.corpus import Case
from tokfuzz.findings.triage import signature_fields
from tokfuzz.oracles import Observation, Verdict, check
from tokfuzz.oracles.vocab import vocab_id
from tokfuzz.oracles.observation import subject_special_tokens
from tokfuzz.backends.subjects import Subject, load_subject

__all__ = ["ReplayResult", "replay_case", "replay_cases"]


@dataclass(frozen=True)
class ReplayResult:
    """Outcome of one case: ``reproduced``, ``ok`` (matches what its status expects),
    ``skipped`` (a backend could not load: ``reason`` says why) and the verdicts."""

    case: Case
    reproduced: bool
    ok: bool
    skipped: bool = False
    reason: str = ""
    verdicts: tuple[Verdict, ...] = ()


def replay_case(case: Case, backends: Mapping[str, Backend], *, extra_specs: Sequence[str] = (),
                timeout: float = DEFAULT_TIMEOUT, forked: Forked | None = None) -> ReplayResult:
    """Re-run ``case`` with ``backends`` (its subject's, reference first).

    A ``timeout`` or ``crash:…`` case is re-run in a child process
    (tokfuzz.backends.isolated) loading ``case.subject`` with ``extra_specs``: it
    reproduces when the recorded call on the witness still hangs past ``timeout``
    seconds, or still kills the process the same way. A ``vocab`` case runs in
    ``forked`` (a ``Forked`` over these ``backends``, shared by a subject's cases: one
    fork instead of one per case, 10.8 s -> 0.8 s for cl100k_base's 35), else in a
    fork of its own.
    """
    missing = [b for b in case.backends if b not in backends]
    if missing:
        return ReplayResult(case, False, True, skipped=True, reason=f"backend(s) {', '.join(missing)} not loaded")
    if case.property == "vocab":  # one id of `tokfuzz vocab`, crash and hang kinds included
        if forked is not None:
            return _replay_vocab(case, forked)
        with Forked(backends, timeout) as own:
            return _replay_vocab(case, own)
    kind = _kind(case)
    if kind == "timeout" or kind.startswith("crash:"):
        return _replay_isolated(case, kind, extra_specs, timeout)
    names = [n for n in backends if n in case.backends]
    if case.property == "cross_backend":
        names = [next(iter(backends)), *(n for n in names if n != next(iter(backends)))]
    obs = Observation(case.input, {n: backends[n] for n in names}, subject_special_tokens(backends))
    verdicts = tuple(
        v for v in check(obs, (case.property,)) if v.backends == tuple(case.backends) and (not kind or v.kind == kind)
    )
    reproduced = bool(verdicts)
    return ReplayResult(case, reproduced, reproduced == (case.status != "fixed"), verdicts=verdicts)


def _kind(case: Case) -> str:
    """The verdict kind a case's signature records (``property|subject|backends|kind|shape``), "" if none."""
    fields = signature_fields(case.signature)
    return fields[3] if fields is not None else ""


def _replay_vocab(case: Case, forked: Forked) -> ReplayResult:
    """A ``vocab`` case: ``vocab_id`` (tokfuzz.oracles.vocab) on ``observed["id"]`` with
    the subject's backends, the in-process ones in the forked child (tokfuzz.backends.forked:
    an id that kills a library comes back as a ``crash:…`` verdict, as the sweep saw it, and
    a new child serves the next case). Reproduces when a verdict of the case's kind and
    backends comes back."""
    token = case.observed.get("id")
    if not isinstance(token, int) or isinstance(token, bool):
        return ReplayResult(case, False, True, skipped=True, reason="a vocab case needs an integer observed['id']")
    kind = _kind(case)
    found = vocab_id(forked.backends, token)
    verdicts = tuple(v for v in found if v.backends == tuple(case.backends) and (not kind or v.kind == kind))
    return ReplayResult(case, bool(verdicts), bool(verdicts) == (case.status != "fixed"), verdicts=verdicts)


def _replay_isolated(case: Case, kind: str, extra_specs: Sequence[str], timeout: float) -> ReplayResult:
    backend = case.backends[0]
    observed = case.observed.get(backend)
    call = observed.get("call", "encode") if isinstance(observed, Mapping) else "encode"
    try:
        with Isolated(case.subject, extra_specs, timeout) as child:
            outcome = child.outcome(backend, call, case.input)
    except RuntimeError as exc:
        return ReplayResult(case, False, True, skipped=True, reason=str(exc))
    reproduced = outcome == kind
    detail = f"{backend}.{call} on the witness: {outcome or 'returned'} (recorded: {kind})"
    verdicts = (Verdict(case.property, (backend,), outcome, detail),) if outcome else ()
    return ReplayResult(case, reproduced, reproduced == (case.status != "fixed"), verdicts=verdicts)


def replay_cases(cases: Iterable[Case], subjects: Iterable[str] | None = None, extra_specs: tuple[str, ...] = ()) -> list[ReplayResult]:
    """Replay ``cases`` (only those of ``subjects`` when given), loading each subject
    once, with ``extra_specs`` added (they make up subject ``custom``). A subject that
    cannot load skips its cases with the reason."""
    wanted = set(subjects) if subjects is not None else None
    loaded: dict[str, Subject | str] = {}
    forks: dict[str, Forked] = {}
    out: list[ReplayResult] = []
    try:
        for case in cases:
            if wanted is not None and case.subject not in wanted:
                continue
            if case.subject not in loaded:
                try:
                    loaded[case.subject] = load_subject(case.subject, extra_specs)
                except BackendUnavailable as exc:
                    loaded[case.subject] = str(exc)
            subject = loaded[case.subject]
            if isinstance(subject, str):
                out.append(ReplayResult(case, False, True, skipped=True, reason=subject))
                continue
            forked = forks.setdefault(case.subject, Forked(subject.backends)) if case.property == "vocab" else None
            out.append(replay_case(case, subject.backends, extra_specs=extra_specs, forked=forked))
    finally:
        for forked in forks.values():
            forked.close()
    return out
