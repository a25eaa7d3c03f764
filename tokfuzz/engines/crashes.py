"""Hangs and crashes as findings: a worker's last library call, shrunk, signed, stored.

When a worker dies (a signal, an unexpected exit) or a library call hangs past the time
limit, the watcher reads the worker's call record (tokfuzz.engines.guard) and makes a
``Crash``: which backend, which call, what text, and the kind (``timeout``,
``crash:SIGSEGV``, ``crash:exit-N``). ``settle`` turns it into a corpus class:

1. shrink the text with the minimizer, the predicate being "the same call on the same
   backend, made in a child process (tokfuzz.backends.isolated), ends the same way",
   with a cheaper budget than ordinary failures (each candidate may cost the time limit
   plus a reload of the subject): at most ``max_calls`` candidates and ``max_seconds``;
2. sign it like any finding (``property`` is the one the call serves,
   ``oracles.PROPERTY_OF_CALL``; the shape is read from the code points alone);
3. append it to the corpus at once (locked, atomic), one case per class.

A crash whose text already holds a known class's witness is counted in that class and
not shrunk again.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tokfuzz.backends.isolated import Isolated
from tokfuzz.backends.models import library_version
from tokfuzz.backends.subjects import DISTRIBUTIONS
from tokfuzz.engines.hunt import Finding
from tokfuzz.findings.corpus import Corpus
from tokfuzz.findings.minimize import NotFailing, minimize
from tokfuzz.findings.triage import signature
from tokfuzz.oracles import PROPERTY_OF_CALL, Verdict, describe_text

__all__ = ["Crash", "settle", "store", "versions_of"]

MAX_CALLS = 48
"""Minimizer budget for a hang or crash (candidates run in a child process)."""
MAX_SECONDS = 90.0
"""Wall-clock budget for shrinking one hang or crash."""


@dataclass(frozen=True)
class Crash:
    """A worker's last library call, which hung or killed its process."""

    subject: str
    engine: str
    kind: str  # "timeout" | "crash:SIGSEGV" | "crash:exit-N"
    backend: str
    call: str
    text: str
    found_s: float = 0.0

    @property
    def property(self) -> str:
        """The property the call serves (``roundtrip`` when the call is unknown)."""
        return PROPERTY_OF_CALL.get(self.call, "roundtrip")

    def describe(self, timeout: float) -> str:
        """One line: what happened, in which call, on which input."""
        what = f"did not return within {timeout:g} s" if self.kind == "timeout" else f"killed its process ({self.kind[6:]})"
        return f"{self.backend}.{self.call} {what} on {describe_text(self.text)}"


def versions_of(backend: str) -> dict[str, str]:
    """The library versions a finding on ``backend`` depends on (plugins: ``?``)."""
    return {d: library_version(d) for d in DISTRIBUTIONS.get(backend, ())} or {backend: "?"}


def _shrink(crash: Crash, extra_specs: Sequence[str], timeout: float, max_calls: int, max_seconds: float) -> str:
    """The smallest text found (within budget) whose call still ends as ``crash.kind``."""
    deadline = time.monotonic() + max_seconds
    with Isolated(crash.subject, extra_specs, timeout) as child:
        def fails(text: str) -> bool:
            if time.monotonic() > deadline:
                return False  # out of time: keep the smallest witness so far
            return child.outcome(crash.backend, crash.call, text) == crash.kind

        try:
            return minimize(crash.text, fails, max_calls=max_calls)
        except (NotFailing, RuntimeError):
            return crash.text  # does not reproduce in isolation (flaky, or needs the worker's state)


def settle(
    crash: Crash,
    *,
    corpus: Path | None,
    known: Mapping[str, str],
    extra_specs: Sequence[str] = (),
    timeout: float = 5.0,
    shrink: bool = True,
    max_calls: int = MAX_CALLS,
    max_seconds: float = MAX_SECONDS,
) -> Finding:
    """The finding of ``crash``: shrunk (unless ``shrink`` is false), signed, stored in
    ``corpus`` (None: not stored). ``known`` maps the subject's known signatures to their
    witnesses; a crash of a known (property, backend, kind) whose witness occurs in the
    text is attributed to that class (``new=False``) and neither shrunk nor stored.

    Raises:
        CorpusError, OSError: the corpus cannot be read or written.
    """
    prefix = f"{crash.property}|{crash.subject}|{crash.backend}|{crash.kind}|"
    detail = crash.describe(timeout)
    for sig, witness in known.items():
        if sig.startswith(prefix) and witness and witness in crash.text:
            return _finding(crash, sig, witness, detail, new=False)
    witness = _shrink(crash, extra_specs, timeout, max_calls, max_seconds) if shrink else crash.text
    detail = replace(crash, text=witness).describe(timeout)
    verdict = Verdict(crash.property, (crash.backend,), crash.kind, detail)
    finding = _finding(crash, signature(verdict, crash.subject, witness), witness, detail, new=True)
    if corpus is not None:
        store(finding, corpus)
    return finding


def store(finding: Finding, corpus: Path) -> None:
    """Append ``finding`` (a hang or crash class) to ``corpus``, one case per class.

    Raises:
        CorpusError, OSError: the corpus cannot be read or written.
    """
    backend = finding.backends[0]
    Corpus(corpus).add([finding.to_case({backend: versions_of(backend)})], one_per_signature=True)


def _finding(crash: Crash, sig: str, witness: str, detail: str, *, new: bool) -> Finding:
    observed = {crash.backend: {"error": f"{crash.kind} in {crash.call}", "call": crash.call}}
    return Finding(sig, crash.property, crash.subject, (crash.backend,), crash.kind, witness, detail, observed,
                   crash.found_s, f"{crash.engine}:watchdog", new=new)
