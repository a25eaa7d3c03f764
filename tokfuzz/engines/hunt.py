"""The engine-agnostic check of one input: oracles, then shrink, sign and count.

An engine hands inputs to ``Hunt.check``, which runs the oracles once per input, shrinks
each new failure to a 1-minimal witness (tokfuzz.findings.minimize), gives it a
signature (tokfuzz.findings.triage) and counts it in its class. A class already known
(from the corpus or earlier in the run) is counted, not re-shrunk: once a witness of a
class is a substring of a new failing input, that failure is attributed to it for free,
and a (property, backends, kind) that keeps shrinking into known classes is shrunk ever
more rarely, so the campaign's time goes to finding classes it has not seen.

Time is shared so that no one cost starves the job (step 10): the costly properties run
within ``TIME_SHARE`` of the checking time, shrinking a kind already shrunk within
``SHRINK_SHARE`` of the hunt's time and ``MIN_SECONDS`` a failure, and a backend slower
than ``SLOW_CALL_S`` on an input is left out of that input's ``REPEATING`` properties.
``prefetch`` lets ``cmd:`` ports answer a batch's calls in one round trip.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tokfuzz.backends.base import Backend, text_bytes
from tokfuzz.findings.corpus import Case, case_id, now_iso
from tokfuzz.findings.minimize import NotFailing, minimize
from tokfuzz.findings.triage import signature
from tokfuzz.oracles import PROPERTIES, Observation, Verdict, check
from tokfuzz.oracles.observation import subject_special_tokens
from tokfuzz.oracles.slow_input import SCREEN_MIN_BYTES

__all__ = ["LATE_MIN_SECONDS", "MIN_CALLS", "MIN_SECONDS", "PREFETCH_MAX_BYTES", "REPEATING", "SHRINK_SHARE",
           "SLOW_CALL_S", "TIME_SHARE", "Finding", "Hunt"]

MIN_CALLS = 2000
"""Minimizer budget per failure (oracle calls)."""
MIN_SECONDS = 10.0
"""Minimizer budget per failure (seconds): 2,000 calls of a property that drives four ports
(streaming_decode on cl100k_base: ~36 ms a call) would hold the job for over a minute.
Within ``MIN_SECONDS`` of the hunt's ``deadline`` the budget is what is left, at least
``LATE_MIN_SECONDS``: a job's last input must not hold it for minutes past its budget."""
LATE_MIN_SECONDS = 1.0
SLOW_CALL_S = 0.5
"""A backend whose encode of an input took longer (wall seconds) is left out of that input's
properties that would call it again many times (``REPEATING``); it keeps roundtrip,
cross_backend and slow_input, which records the slowness as a class. js-tiktoken takes
2.4-3.2 s to encode a 4,096-letter run (quadratic): its batch_consistency alone took 9 s,
streaming_decode 3-4 s, and shrinking them minutes, on one seed input."""
REPEATING: frozenset[str] = frozenset({"split_consistency", "special_tokens", "batch_consistency", "streaming_decode"})
"""Properties that call a backend again on the input or its parts (pieces, batches, streams)."""
PREFETCH_MAX_BYTES = SCREEN_MIN_BYTES
"""Longest text (UTF-8 bytes, exclusive) ``Hunt.prefetch`` sends ahead: slow_input's screen
judges longer texts by the time of their own encode call."""
SHRINK_SHARE = 0.5
"""Most share of a hunt's time spent shrinking failures of a (property, backends, kind)
already shrunk once; past it such failures are counted (``deferred``), not shrunk, until
checking has caught up. A failure of a kind never shrunk is always shrunk. From an empty
corpus, shrinking took 70-87% of a cl100k_base job (one shrink per 4-5 inputs)."""

TIME_SHARE: dict[str, float] = {"streaming_decode": 0.2, "batch_consistency": 0.1, "slow_input": 0.15}
"""Properties a campaign checks within a share of its checking time (the others on every
input): an input is checked for such a property while the property's seconds so far are
within its share of all properties' seconds. Their cost per input varies 100x between
subjects: streaming_decode runs five id sources through three or four detokenizers, each
step a ``decode`` (a pipe round trip on a port: 36-68 ms an input on cl100k_base's four
ports, 0.3 ms on a subject without ports); batch_consistency encodes the input's batch
again and from four threads; slow_input's scaling test costs 0.05-1 s on a candidate.
A fixed 1-in-8 sample (until step 10) let them take 35-45% of a port-heavy job and left
cheap subjects under-checked. Minimizing and replaying a failure always run them, and so
does a hunt of these properties alone (``Hunt._due``)."""

MIN_CALLS_OF: dict[str, int] = {"slow_input": 40}
"""Minimizer budgets per property where one oracle call costs far more (slow_input
times the input at three sizes: 0.1-1 s per call; 14 calls shrink a run to "a")."""


@dataclass
class Finding:
    """One class of failures found in a campaign, with its minimal witness."""

    signature: str
    property: str
    subject: str
    backends: tuple[str, ...]
    kind: str
    input: str
    detail: str
    observed: dict[str, Any]
    first_found_s: float
    found_by: str
    count: int = 1
    new: bool = True

    def to_case(self, versions: Mapping[str, Mapping[str, str]]) -> Case:
        """This class as an ``open``, untriaged corpus case (DESIGN §5). ``versions``
        maps backend name to {library: version} (``Subject.versions``)."""
        libs = {lib: v for b in self.backends for lib, v in versions.get(b, {b: "?"}).items()}
        observed = json.loads(json.dumps(self.observed, default=str))
        return Case(
            id=case_id(self.property, self.subject, self.input, (*self.backends, self.kind)), input=self.input,
            property=self.property, subject=self.subject, backends=tuple(self.backends), signature=self.signature,
            status="open", note=f"untriaged: {self.detail[:400]}", found_by=self.found_by, found_at=now_iso(),
            versions=libs, observed=observed,
        )


def _verdict_key(v: Verdict) -> tuple[str, tuple[str, ...], str]:
    return (v.property, v.backends, v.kind)


class Hunt:
    """Checks inputs against one subject's backends and keeps classes of failures.

    ``known`` maps signatures already in the corpus to their witnesses; failures in
    those classes are counted with ``new=False``.
    """

    def __init__(
        self,
        subject: str,
        backends: Mapping[str, Backend],
        properties: Iterable[str] = PROPERTIES,
        known: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.subject = subject
        self.backends = dict(backends)
        self.reference = next(iter(self.backends))
        self.specials = subject_special_tokens(self.backends)
        self.properties = tuple(properties)
        self._shared = not all(p in TIME_SHARE for p in self.properties)  # shares apply (Hunt._due)
        self.clock = clock
        self.started = clock()
        self.deadline: float | None = None
        """When the job that checks inputs ends (``clock`` seconds), if it has a budget: the
        minimizer's time budget shrinks towards it (``MIN_SECONDS``)."""
        self.inputs = 0
        """Distinct inputs checked: a text handed again in the run is not re-checked."""
        self.repeats = 0
        """Inputs handed again and skipped (hypothesis draws several texts per example and
        mutates one choice at a time: ~80% of its texts repeat one of the run)."""
        self.codepoints = 0
        """Code points of the distinct inputs checked."""
        self._checked: set[int] = set()  # hash() of every text checked: ~60 B per distinct input
        self.last_novelty = 0.0
        self.findings: dict[str, Finding] = {}
        self._known = dict(known or {})
        self._witnesses: dict[tuple[str, tuple[str, ...], str], list[tuple[str, str]]] = {}
        for sig, witness in self._known.items():
            prop, _subject, names, kind, _shape = sig.split("|", 4)
            self._witnesses.setdefault((prop, tuple(names.split(",")) if names else (), kind), []).append((witness, sig))
        self._streak: dict[tuple[str, tuple[str, ...], str], int] = {}
        self.property_seconds: dict[str, float] = dict.fromkeys(self.properties, 0.0)
        """Seconds each property's checks took (shrinking excluded)."""
        self.slow_skips: dict[str, int] = {}
        """Per backend, inputs whose repeating properties left it out (``SLOW_CALL_S``)."""
        self.shrink_seconds = 0.0
        """Seconds spent shrinking failures (and re-checking their witnesses)."""
        self.deferred = 0
        """Failures of an already-shrunk kind left unshrunk because shrinking had its share."""
        self._seen_ids: set[int] = set()  # reference token ids seen so far (bounded by the vocabulary)
        self._seen: dict[tuple[str, tuple[str, ...], str], int] = {}

    def fails_like(self, v: Verdict) -> Callable[[str], bool]:
        """Predicate: does a candidate input fail the same way as ``v``?"""
        names = v.backends if v.property != "cross_backend" else (self.reference, *(n for n in v.backends if n != self.reference))
        sub = {n: self.backends[n] for n in names}
        key = _verdict_key(v)

        def fails(text: str) -> bool:
            obs = Observation(text, sub, self.specials)
            return any(_verdict_key(w) == key for w in check(obs, (v.property,)))

        return fails

    def _unicode_versions(self, v: Verdict) -> dict[str, str]:
        """The Unicode versions the verdict's backends declare for their own tables."""
        out = {}
        for name in v.backends:
            version = getattr(self.backends[name], "unicode_version", None)
            if isinstance(version, str):
                out[name] = version
        return out

    def _attribute(self, v: Verdict, text: str) -> str | None:
        """Signature of a known class whose witness occurs in ``text``, if any."""
        for witness, sig in self._witnesses.get(_verdict_key(v), ()):
            if witness and witness in text:
                return sig
        return None

    def _should_shrink(self, key: tuple[str, tuple[str, ...], str]) -> bool:
        """Shrink every failure of a key at first; after k shrinks in a row that only
        re-found known classes, shrink one failure in 2**min(k, 8); a key already shrunk
        waits while shrinking is over ``SHRINK_SHARE`` of the hunt's time."""
        self._seen[key] = self._seen.get(key, 0) + 1
        if key in self._streak and self.shrink_seconds > SHRINK_SHARE * (self.clock() - self.started):
            self.deferred += 1
            return False
        return self._seen[key] % (1 << min(self._streak.get(key, 0), 8)) == 0

    def novelty(self, obs: Observation, fresh: list[Finding]) -> float:
        """How much new behaviour ``obs`` reached: reference token ids never seen
        before in this run, plus 10 per new class. The engines steer towards it."""
        ids = obs.ids(self.reference)
        new_ids = 0
        if isinstance(ids, list):
            before = len(self._seen_ids)
            self._seen_ids.update(ids)
            new_ids = len(self._seen_ids) - before
        return float(new_ids + 10 * len(fresh))

    def prefetch(self, texts: Iterable[str]) -> None:
        """Let every backend that can (a ``cmd:`` port's ``prefetch``) compute ahead, in one
        round trip, the encode and decode that checking each of ``texts`` will ask of it.
        Only texts not checked yet and under ``PREFETCH_MAX_BYTES`` (slow_input's screen
        times longer ones call by call). Checking stays text by text, and its results do
        not change: the same calls, carried together. Never raises."""
        todo = [t for t in texts if hash(t) not in self._checked
                and (4 * len(t) < PREFETCH_MAX_BYTES or len(text_bytes(t)) < PREFETCH_MAX_BYTES)]
        if not todo:
            return
        for backend in self.backends.values():
            ahead = getattr(backend, "prefetch", None)
            if callable(ahead):
                ahead(todo)

    def check(self, text: str, found_by: str) -> list[Finding]:
        """Run the oracles on ``text``; return the findings of classes new to the
        corpus and to this run. Known classes are counted in ``findings`` too, with
        ``new=False`` and the corpus' witness. ``last_novelty`` is set for the engine.
        A text already checked in this run is not checked again (``repeats``; novelty 0):
        the oracles are pure functions of the text."""
        key = hash(text)
        if key in self._checked:
            self.repeats += 1
            self.last_novelty = 0.0
            return []
        self._checked.add(key)
        self.inputs += 1
        self.codepoints += len(text)
        fresh: list[Finding] = []
        obs = Observation(text, self.backends, self.specials)
        properties = self._due()
        try:
            self._check(obs, text, found_by, fresh, properties)
        finally:
            self.last_novelty = self.novelty(obs, fresh)
        return fresh

    def _due(self) -> tuple[str, ...]:
        """The properties to check on the next input: every one, except a ``TIME_SHARE``
        property whose seconds are past its share of all properties' seconds. Shares are of
        the time the other properties leave: a hunt of share-limited properties alone
        (``--property streaming_decode``, the streaming_decode fuzz target) checks each of
        them on every input."""
        if not self._shared:
            return self.properties
        spent = sum(self.property_seconds.values())
        return tuple(p for p in self.properties if self.property_seconds[p] <= TIME_SHARE.get(p, 1.0) * spent)

    def _check(self, obs: Observation, text: str, found_by: str, fresh: list[Finding], properties: tuple[str, ...]) -> None:
        view: Observation | None = None  # what the REPEATING properties see: obs less its slow backends
        for prop in properties:
            started = self.clock()
            if prop in REPEATING and view is None:  # once, inside the first one's time (the encodes
                for name in obs.backends:  # are roundtrip's, which runs first, unless it is not checked)
                    obs.ids(name)
                slow = [n for n in obs.backends if obs.seconds.get(n, 0.0) > SLOW_CALL_S]
                for name in slow:
                    self.slow_skips[name] = self.slow_skips.get(name, 0) + 1
                view = obs.without(slow) if slow else obs
            verdicts = check(view if view is not None and prop in REPEATING else obs, (prop,), screen=True)
            self.property_seconds[prop] += self.clock() - started
            for v in verdicts:
                self._verdict(v, text, found_by, fresh)

    def _verdict(self, v: Verdict, text: str, found_by: str, fresh: list[Finding]) -> None:
        """Attribute, shrink, sign and count one failing verdict of ``text``."""
        key = _verdict_key(v)
        sig = self._attribute(v, text)
        witness = self._known.get(sig, text) if sig is not None else text
        if sig is None and self._should_shrink(key):
            started = self.clock()
            budget = MIN_SECONDS if self.deadline is None else max(LATE_MIN_SECONDS, min(MIN_SECONDS, self.deadline - started))
            try:
                witness = minimize(text, self.fails_like(v), max_calls=MIN_CALLS_OF.get(v.property, MIN_CALLS),
                                   max_seconds=budget)
            except NotFailing:  # flaky (a race, a timing): the input that failed is the witness
                witness = text
            shrunk = [w for w in check(Observation(witness, self.backends, self.specials), (v.property,)) if _verdict_key(w) == key]
            self.shrink_seconds += self.clock() - started
            v = shrunk[0] if shrunk else v
            sig = signature(v, self.subject, witness, self.backends[self.reference], self._unicode_versions(v))
            known = sig in self.findings or sig in self._known
            self._streak[key] = self._streak.get(key, 0) + 1 if known else 0
            if not known:
                self._witnesses.setdefault(key, []).append((witness, sig))
            witness = self._known.get(sig, witness)
        if sig is None:
            return
        if sig in self.findings:
            self.findings[sig].count += 1
            return
        finding = Finding(sig, v.property, self.subject, v.backends, v.kind, witness, v.detail, v.observed,
                          round(self.clock() - self.started, 3), found_by, new=sig not in self._known)
        self.findings[sig] = finding
        if finding.new:
            fresh.append(finding)
