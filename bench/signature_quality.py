"""Are signatures good enough that one root cause is one class?

    python -m bench.signature_quality [--per-class 32] [--seed 0] [--subject NAME]...
                                      [--max-calls 2000] [--results bench/SIGNATURES.md]

For every class of the committed corpus (``corpora/*.jsonl``, one case per signature
``property|subject|backends|kind|shape``), this benchmark makes *fresh* failing inputs
that should share the class's root cause, and files each one exactly as a campaign
does: shrink with ``tokfuzz.findings.minimize.minimize`` under the predicate of
``tokfuzz.engines.hunt.Hunt.fails_like`` (same property, same backends, same ``kind``),
then sign the 1-minimal witness with ``tokfuzz.findings.triage.signature`` against the subject's
reference backend. ``Hunt._attribute``'s shortcut (a failing input that contains a known
witness verbatim is filed under it unshrunk) is left out on purpose: it would file
every ``embed`` and ``repeat`` variant for free, and the question is what the
minimizer and the signature do. Fresh inputs come from four generators:

* ``embed``: the witness between a prefix and a suffix (0..24 code points each) drawn
  from ``tokfuzz.strategies.unicode_text`` (seeded hypothesis, via
  ``tokfuzz.engines.hypothesis.run_hypothesis``), plain ASCII words or letters of other scripts;
  kept only when prefix + suffix alone passes, so the failure needs the witness. The
  minimizer often gives the witness back: a weak test, kept as a baseline.
* ``substitute``: 1..all code points of the witness replaced by other code points of
  the same ``substitution_class`` (triage's ``codepoint_class``, refined so a
  substitute is "of the same kind": high/low surrogate, white-space control, format
  block, UTS #51 emoji status). Such a variant has the witness's shape up to
  vocabulary (a substitute may be held only as bytes where the original was a token).
* ``repeat``: the witness two or three times, or one of its grapheme clusters
  (UAX #29) or code points doubled in place.
* ``substitute+embed``: a substituted witness in random context, the freshest input:
  the minimizer gives the stored witness back only through its simplification pass.

A candidate is kept only when it differs from the witness and still fails with the
class's (property, backends, kind). Each kept input then *lands* in the class's own
signature, in another corpus class's signature (a merge candidate) or in a signature
the corpus does not hold (a split). Totals: fraction landing in the right class,
classes that split (their variants reach two or more signatures), merges (signatures
reached from two or more corpus classes, each class's own witness counting for its
own signature). A class is skipped when a backend of it is unavailable or its
witness no longer fails. The run is sequential in this process; each subject loads
once. Native panic backtraces go to the cache's log (``tokfuzz.backends.quiet``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeAlias

import emoji
from fontTools import unicodedata as ft_unicodedata

from tokfuzz.backends.base import Backend
from tokfuzz.engines.hunt import MIN_CALLS, Hunt
from tokfuzz.findings.corpus import Case, Corpus
from tokfuzz.findings.minimize import graphemes, minimize
from tokfuzz.backends.models import library_version
from tokfuzz.oracles import Verdict
from tokfuzz.backends.quiet import native_stderr_to_log
from tokfuzz.backends.subjects import SUBJECTS, load_subject
from tokfuzz.findings.triage import codepoint_class, held_as_bytes, shape, signature

__all__ = [
    "GENERATORS", "SCHEMES", "ClassResult", "Landing", "Totals", "draw_contexts", "embedding", "emoji_kind", "fresh_failures",
    "main", "measure_class", "oov_code_points", "repetition", "substitution", "substitution_class", "totals",
    "witness_pools",
]

_ROOT = Path(__file__).resolve().parent.parent
_CONTEXT_CP = 24  # longest prefix/suffix, code points
_ATTEMPTS = 12  # candidates tried per wanted fresh failure, per generator
_WHITE_SPACE = frozenset("\t\n\x0b\x0c\r\x85")
"""The controls (Cc) with White_Space=Yes, PropList.txt (UAX #44): U+0009..U+000D, U+0085."""
_ASCII_WORDS = ("the", "Hello", "world", "x", "42", "foo_bar", "(a)", "don't", "=", ",", ".", "I", "print")
_OTHER_SCRIPTS = ("L:Cyrl", "L:Grek", "L:Arab", "L:Hebr", "L:Deva", "L:Thai", "L:Hani", "L:Hang", "L:Kana")
_DISTRIBUTIONS = ("tiktoken", "tokenizers", "transformers", "sentencepiece", "bpe-openai", "tokie", "mistral-common",
                  "hypothesis", "regex", "fonttools", "emoji")
_EMOJI_FQ = emoji.STATUS["fully_qualified"]
_EMOJI_COMPONENT = emoji.STATUS["component"]


# ---------------------------------------------------------------- code point classes

def emoji_kind(c: str) -> str:
    """UTS #51 kind of the single code point ``c``: ``"emoji"`` (fully-qualified alone:
    default emoji presentation, ED-6), ``"text-emoji"`` (fully-qualified only followed by
    VS16, ED-9a), ``"component"`` (Emoji_Component, e.g. hair styles), ``"ri"`` (regional
    indicator U+1F1E6..U+1F1FF, half a flag, UTS #51 ED-14) or ``""`` (none). Statuses are
    those of emoji-test.txt as bundled in the ``emoji`` package."""
    if 0x1F1E6 <= ord(c) <= 0x1F1FF:
        return "ri"
    status = emoji.EMOJI_DATA.get(c, {}).get("status")
    if status == _EMOJI_FQ:
        return "emoji"
    if emoji.EMOJI_DATA.get(c + "\ufe0f", {}).get("status") == _EMOJI_FQ:
        return "text-emoji"
    return "component" if status == _EMOJI_COMPONENT else ""


def substitution_class(c: str) -> str:
    """``tokfuzz.findings.triage.codepoint_class(c)`` refined so that members are "of the same
    kind": surrogates by half (``Cs:high`` U+D800..U+DBFF / ``Cs:low``, Unicode §3.8 D71,
    D73); controls by White_Space (``Cc:ws``, PropList.txt); format characters by block
    (``Cf:Tags``, Blocks.txt); anything else by UTS #51 emoji kind (``So:emoji``,
    ``So:text-emoji``...). A substitute from the same class never changes the witness's
    triage shape except through the vocabulary (``bytes``)."""
    return _refine(c, codepoint_class(c))


def _refine(c: str, cls: str) -> str:
    if cls == "Cs":
        return "Cs:high" if ord(c) < 0xDC00 else "Cs:low"
    if cls == "Cc":
        return "Cc:ws" if c in _WHITE_SPACE else "Cc"
    if cls == "Cf":
        return f"Cf:{ft_unicodedata.block(c)}"
    kind = emoji_kind(c) if cls[0] in "SMPN" or cls == "Cn" else ""
    return f"{cls}:{kind}" if kind else cls


@cache
def _pools() -> dict[str, tuple[int, ...]]:
    """substitution_class -> its code points, over planes 0-3 and 14-16 (planes 4-13 are
    unassigned, Cn, and add nothing but more Cn). About two seconds, once; bypasses
    ``codepoint_class``'s bounded cache so as not to flush it."""
    pools: dict[str, list[int]] = defaultdict(list)
    classify: Callable[[str], str] = codepoint_class.__wrapped__  # type: ignore[attr-defined]
    for cp in (*range(0x40000), *range(0xE0000, 0x110000)):
        c = chr(cp)
        pools[_refine(c, classify(c))].append(cp)
    return {k: tuple(v) for k, v in pools.items()}


def pool(c: str) -> tuple[int, ...]:
    """Code points of ``c``'s substitution class (``c`` included), ascending."""
    return _pools().get(substitution_class(c), (ord(c),))


# ---------------------------------------------------------------- variant generators

def oov_code_points(reference: Backend, n: int = 300, seed: int = 0) -> tuple[int, ...]:
    """Up to ``n`` code points that ``reference`` holds only as bytes (triage's ``bytes``
    class: ``triage.shape(c, reference) == "bytes"``), drawn at random from the letters,
    marks, numbers, punctuation and symbols of ``_pools`` (4000 probes at most)."""
    rng = random.Random(seed)
    candidates = [cp for cls, cps in _pools().items() if cls[0] in "LMNPS" for cp in cps]
    found: set[int] = set()
    for cp in rng.sample(candidates, min(4000, len(candidates))):
        if shape(chr(cp), reference) == "bytes":
            found.add(cp)
            if len(found) >= n:
                break
    return tuple(sorted(found))


def witness_pools(witness: str, reference: Backend | None = None, oov: Sequence[int] = ()) -> list[tuple[int, ...]]:
    """Per code point of ``witness``, the code points that may replace it: its
    substitution class (``pool``), or, where triage reads it as ``bytes`` (held only as
    bytes by ``reference`` inside ``witness``), ``oov``: any other byte-held code point,
    whatever its script, since that is triage's class for it."""
    held = {i for i, c in enumerate(witness) if held_as_bytes(c, reference)} if reference is not None and oov else set()
    return [tuple(oov) if i in held else pool(c) for i, c in enumerate(witness)]


def substitution(witness: str, rng: random.Random, pools: Sequence[tuple[int, ...]] | None = None) -> str | None:
    """``witness`` with 1..all of its substitutable code points replaced, each by a random
    other member of its pool (``pools[i]``; default ``pool(c)``: the substitution class).
    A code point is substitutable when its pool has another member. None when none is
    (``" "``, ``"\\n \\n"``: singleton classes)."""
    pools = [pool(c) for c in witness] if pools is None else pools
    spots = [i for i, c in enumerate(witness) if any(cp != ord(c) for cp in pools[i][:2])]
    if not spots:
        return None
    chars = list(witness)
    for i in rng.sample(spots, rng.randint(1, len(spots))):
        while (sub := chr(rng.choice(pools[i]))) == witness[i]:
            pass
        chars[i] = sub
    return "".join(chars)


def repetition(witness: str, rng: random.Random) -> str:
    """``witness`` repeated 2-3 times, or one grapheme cluster (UAX #29) or one code
    point of it doubled in place (so ``"0000"`` may become ``"00000"``)."""
    how = rng.randrange(3)
    if how == 0 or not witness:
        return witness * rng.randint(2, 3)
    units = graphemes(witness) if how == 1 else list(witness)
    i = rng.randrange(len(units))
    return "".join(units[: i + 1] + units[i:])


def _other_script_text(rng: random.Random) -> str:
    letters = _pools()[rng.choice(_OTHER_SCRIPTS)]
    words = ("".join(chr(rng.choice(letters)) for _ in range(rng.randint(1, 5))) for _ in range(rng.randint(1, 3)))
    return " ".join(words)


class _Enough(BaseException):
    """Stops run_hypothesis once enough contexts are drawn (a BaseException, as hypothesis
    lets those through)."""


def _cut(text: str) -> str:
    """``text`` cut to at most ``_CONTEXT_CP`` code points on a grapheme boundary."""
    out = ""
    for cluster in graphemes(text):
        if len(out) + len(cluster) > _CONTEXT_CP:
            break
        out += cluster
    return out


def draw_contexts(n: int, seed: int) -> list[str]:
    """``n`` distinct non-empty contexts of at most 24 code points, cut from seeded draws of
    ``tokfuzz.strategies.unicode_text(max_pieces=3)`` (the campaign's generator)."""
    from tokfuzz.engines.hypothesis import run_hypothesis
    from tokfuzz.strategies import unicode_text

    out: list[str] = []
    seen: set[str] = set()

    def take(text: str) -> None:
        if (cut := _cut(text)) and cut not in seen:
            seen.add(cut)
            out.append(cut)
        if len(out) >= n:
            raise _Enough

    try:
        run_hypothesis(take, deadline=time.monotonic() + 30, seed=seed, strategy=unicode_text(max_pieces=3), texts_per_example=8)
    except _Enough:
        pass
    return out


def _context(rng: random.Random, contexts: Sequence[str]) -> str:
    """One side of an embedding: empty, a drawn context, ASCII words or other-script letters."""
    pick = rng.randrange(4)
    if pick == 0:
        return ""
    if pick == 1 and contexts:
        return rng.choice(contexts)
    if pick == 2:
        return " ".join(rng.choice(_ASCII_WORDS) for _ in range(rng.randint(1, 4))) + rng.choice(("", " "))
    return _other_script_text(rng) + rng.choice(("", " "))


def embedding(core: str, rng: random.Random, contexts: Sequence[str]) -> tuple[str, str]:
    """``(prefix + core + suffix, prefix + suffix)``: ``core`` in random context (each side
    empty, one of ``contexts``, ASCII words or letters of another script; never both
    empty), and the context alone, which must pass for the embedding to count."""
    prefix, suffix = _context(rng, contexts), _context(rng, contexts)
    if not prefix and not suffix:
        suffix = " " + rng.choice(_ASCII_WORDS)
    return prefix + core + suffix, prefix + suffix


Made: TypeAlias = tuple[str, str | None] | None
"""A generator's candidate: (input, control that must pass or None), or None: cannot vary."""

GENERATORS: tuple[str, ...] = ("embed", "substitute", "repeat", "substitute+embed")
"""The variant generators, in turn order (see the module docstring)."""


def _makers(witness: str, rng: random.Random, contexts: Sequence[str],
            pools: Sequence[tuple[int, ...]] | None) -> dict[str, Callable[[], Made]]:
    def substitute() -> Made:
        sub = substitution(witness, rng, pools)
        return None if sub is None else (sub, None)

    def substitute_embed() -> Made:
        sub = substitution(witness, rng, pools)
        return None if sub is None else embedding(sub, rng, contexts)

    return {
        "embed": lambda: embedding(witness, rng, contexts),
        "substitute": substitute,
        "repeat": lambda: (repetition(witness, rng), None),
        "substitute+embed": substitute_embed,
    }


def fresh_failures(witness: str, fails: Callable[[str], bool], n: int, rng: random.Random,
                   contexts: Sequence[str], pools: Sequence[tuple[int, ...]] | None = None,
                   ) -> tuple[list[tuple[str, str]], int]:
    """Up to ``n`` distinct (generator, input) pairs whose inputs differ from ``witness``
    and ``fails``. Generators (``GENERATORS``) take turns, each aiming at an equal share
    of ``n``; one that has its share waits while others can still try, and fills in
    for them at the end. Each generator tries at most ``12 * n`` candidates and is
    dropped when it cannot vary the witness. An embedding counts only when its context
    alone passes; ``pools`` are the substitutes per code point (``witness_pools``).
    Returns the pairs and the number of candidates tried."""
    makers = _makers(witness, rng, contexts, pools)
    share = -(-n // len(makers))
    tries, got = Counter[str](), Counter[str]()
    seen = {witness}
    out: list[tuple[str, str]] = []
    while len(out) < n and makers:
        for name in [m for m in makers if got[m] < share] or list(makers):
            if len(out) >= n:
                break
            made = makers[name]()
            tries[name] += 1
            if made is None or tries[name] >= _ATTEMPTS * n:
                del makers[name]
            if made is None or made[0] in seen:
                continue
            seen.add(made[0])
            text, control = made
            if fails(text) and (control is None or not fails(control)):
                out.append((name, text))
                got[name] += 1
    return out, sum(tries.values())


# ---------------------------------------------------------------- measuring a class

Signer: TypeAlias = Callable[[Verdict, str, str, Backend, Callable[[str], bool]], str]
"""(verdict, subject, minimal witness, reference backend, failure predicate) -> signature."""
_PROBES = ("a", "H", "0", " ", "(")
"""Stand-ins of other classes tried in place of a run by the ``generalized`` scheme:
L:Latn lower and upper case, N:ascii, sp, P:ascii (all held as tokens by every subject)."""


def _sign(v: Verdict, subject: str, runs: Sequence[str]) -> str:
    """``triage.signature``'s layout with the given shape runs (repeats collapsed)."""
    out: list[str] = []
    for cls in runs:
        if not out or out[-1] != cls:
            out.append(cls)
    return "|".join((v.property, subject, ",".join(v.backends), v.kind, " ".join(out) or "empty"))


def _per_code_point(v: Verdict, subject: str, witness: str, reference: Backend, _fails: Callable[[str], bool]) -> str:
    """``triage.signature`` with ``bytes`` decided per code point alone (``triage.shape(c,
    reference)``: is ``c`` held as whole-character tokens when encoded by itself) rather
    than inside the witness, where a BPE merge such as ``" \\xf0\\x9f"`` marks an ASCII
    space as ``bytes``."""
    return _sign(v, subject, [shape(c, reference) for c in witness])


def _generalized(v: Verdict, subject: str, witness: str, reference: Backend, fails: Callable[[str], bool]) -> str:
    """``bytes per code point``, in which every run that can be replaced by a stand-in of
    another class (``_PROBES``) with the failure kept is written ``*``: the minimal
    witness needs *a* neighbour there, not that class. Up to 5 oracle calls per run."""
    runs: list[tuple[str, int, int]] = []  # (class, start, end) of each run
    for i, c in enumerate(witness):
        cls = shape(c, reference)
        if runs and runs[-1][0] == cls:
            runs[-1] = (cls, runs[-1][1], i + 1)
        else:
            runs.append((cls, i, i + 1))
    return _sign(v, subject, ["*" if any(codepoint_class(p) != cls and fails(witness[:i] + p + witness[j:]) for p in _PROBES)
                              else cls for cls, i, j in runs])


SCHEMES: dict[str, Signer] = {
    "triage": lambda v, subject, witness, reference, _fails: signature(v, subject, witness, reference),
    "bytes per code point": _per_code_point,
    "no bytes": lambda v, subject, witness, _reference, _fails: signature(v, subject, witness, None),
    "generalized": _generalized,
}
"""Signature schemes compared on the same minimal witnesses: ``triage`` (tokfuzz's,
what a campaign files under) and three counterfactual shapes. The minimizer does not
read signatures, so each scheme's figures are exact for the same fresh failures."""


@dataclass(frozen=True)
class Landing:
    """Where one fresh failing input of a class ended up: its generator, the input, its
    1-minimal witness, that witness's signature under each of ``SCHEMES``, and whether
    the minimizer spent its whole budget (the witness may then not be 1-minimal)."""

    how: str
    variant: str
    witness: str
    signatures: dict[str, str]
    budget_spent: bool

    @property
    def signature(self) -> str:
        """The ``triage`` signature: the class a campaign files this failure under."""
        return self.signatures["triage"]


@dataclass
class ClassResult:
    """One corpus class: its case, why it was skipped (``""``: measured), its stored
    witness re-signed under each of ``SCHEMES``, candidates tried, seconds and landings."""

    case: Case
    skipped: str = ""
    resigned: dict[str, str] = field(default_factory=dict)
    tried: int = 0
    seconds: float = 0.0
    landings: list[Landing] = field(default_factory=list)

    def own(self, scheme: str = "triage") -> str:
        """The class's signature under ``scheme``: the stored one for ``triage`` (what a
        campaign compares against), the re-signed stored witness otherwise."""
        return self.case.signature if scheme == "triage" else self.resigned.get(scheme, "")

    def where(self, corpus_sigs: Iterable[str], scheme: str = "triage") -> Counter[str]:
        """Count of landings per outcome: ``own``, ``merge`` (another corpus class), ``split``."""
        known, own = set(corpus_sigs), self.own(scheme)
        sigs = (l.signatures[scheme] for l in self.landings)
        return Counter("own" if s == own else "merge" if s in known else "split" for s in sigs)


def _verdict(case: Case) -> Verdict:
    """A verdict with the (property, backends, kind) of ``case``'s signature: all that
    ``Hunt.fails_like`` and ``triage.signature`` read (a campaign re-checks the shrunk
    witness for its verdict, which has the same three fields)."""
    prop, _subject, names, kind, _shape = case.signature.split("|", 4)
    return Verdict(prop, tuple(names.split(",")) if names else (), kind, "")


def measure_class(hunt: Hunt, case: Case, n: int, seed: int, contexts: Sequence[str], max_calls: int,
                  oov: Sequence[int] = ()) -> ClassResult:
    """Make up to ``n`` fresh failures of ``case``'s class on ``hunt``'s backends and file
    each as a campaign does (minimize under ``Hunt.fails_like``, ``triage.signature``
    against the reference backend). ``oov`` (``oov_code_points`` of the reference) are
    the substitutes of the witness's ``bytes`` code points. The generators' randomness
    is seeded by ``seed`` and the case's signature, so a class's variants do not depend
    on the other classes run."""
    start = time.monotonic()
    result = ClassResult(case)
    v = _verdict(case)
    if not set(v.backends) <= set(hunt.backends):
        result.skipped = "backend unavailable: " + ", ".join(sorted(set(v.backends) - set(hunt.backends)))
        return result
    fails = hunt.fails_like(v)  # the campaign's own predicate, on purpose
    reference = hunt.backends[hunt.reference]
    if not fails(case.input):
        result.skipped = "witness no longer fails"
        return result
    result.resigned = {name: sign(v, hunt.subject, case.input, reference, fails) for name, sign in SCHEMES.items()}
    rng = random.Random(seed * 1_000_003 + zlib.crc32(case.signature.encode("utf-8", "surrogatepass")))
    pools = witness_pools(case.input, reference, oov)
    variants, result.tried = fresh_failures(case.input, fails, n, rng, contexts, pools)
    for how, text in variants:
        calls = 0

        def counted(s: str) -> bool:
            nonlocal calls
            calls += 1
            return fails(s)

        witness = minimize(text, counted, max_calls=max_calls)
        sigs = {name: sign(v, hunt.subject, witness, reference, fails) for name, sign in SCHEMES.items()}
        result.landings.append(Landing(how, text, witness, sigs, calls >= max_calls))
    result.seconds = time.monotonic() - start
    return result


# ---------------------------------------------------------------- totals and report

@dataclass(frozen=True)
class Totals:
    """Figures over all classes under one scheme. ``merges`` maps each signature reached
    from two or more corpus classes (a class's stored witness counts for its own
    signature) to those classes' stored signatures; ``groups`` is the number of
    root-cause groups the measured classes form when every merge is accepted;
    ``corpus_signatures`` the number of distinct signatures of the stored witnesses."""

    classes: int
    measured: int
    fresh: int
    own: int
    merge: int
    split: int
    split_classes: int
    moved_classes: int
    merges: dict[str, tuple[str, ...]]
    groups: int
    corpus_signatures: int
    budget_spent: int

    @property
    def right(self) -> float:
        """Fraction of fresh failures landing in their own class (0 when none)."""
        return self.own / self.fresh if self.fresh else 0.0


def totals(results: Sequence[ClassResult], scheme: str = "triage") -> Totals:
    """Sum ``results`` under ``scheme`` (one of ``SCHEMES``; see ``Totals``)."""
    measured = [r for r in results if not r.skipped]
    sigs = [r.own(scheme) for r in measured]
    origins: dict[str, set[str]] = defaultdict(set)
    where = Counter[str]()
    for r in measured:
        where += r.where(sigs, scheme)
        origins[r.own(scheme)].add(r.case.signature)
        for l in r.landings:
            origins[l.signatures[scheme]].add(r.case.signature)
    parent = {r.case.signature: r.case.signature for r in measured}  # union-find over classes

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = x = parent[parent[x]]
        return x

    for members in origins.values():
        first, *rest = sorted(members)
        for other in rest:
            parent[root(other)] = root(first)
    return Totals(
        classes=len(results), measured=len(measured), fresh=sum(len(r.landings) for r in results),
        own=where["own"], merge=where["merge"], split=where["split"],
        split_classes=sum(len({l.signatures[scheme] for l in r.landings}) >= 2 for r in measured),
        moved_classes=sum(any(l.signatures[scheme] != r.own(scheme) for l in r.landings) for r in measured),
        merges={s: tuple(sorted(o)) for s, o in origins.items() if len(o) >= 2},
        groups=len({root(x) for x in parent}), corpus_signatures=len(set(sigs)),
        budget_spent=sum(l.budget_spent for r in results for l in r.landings),
    )


def _shape(sig: str) -> str:
    """The shape, last field of a signature."""
    return sig.rsplit("|", 1)[1]


def _tail(sig: str) -> str:
    """``backends|kind|shape`` of a signature (property and subject are in other columns)."""
    return sig.split("|", 2)[2]


def _esc(text: str, limit: int = 48) -> str:
    """Escaped repr (``ascii``), cut to ``limit`` characters, safe in a markdown cell."""
    s = ascii(text)
    s = s if len(s) <= limit else s[: limit - 1] + "…"
    return "`" + s.replace("|", "\\|").replace("`", "'") + "`"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def _offenders(results: Sequence[ClassResult], k: int = 10) -> list[ClassResult]:
    """The ``k`` measured classes with the smallest own fraction, then most signatures."""
    bad = [r for r in results if r.landings and any(l.signature != r.case.signature for l in r.landings)]
    bad.sort(key=lambda r: (sum(l.signature == r.case.signature for l in r.landings) / len(r.landings),
                            -len({l.signature for l in r.landings})))
    return bad[:k]


def render(results: Sequence[ClassResult], command: str, seconds: float, args: argparse.Namespace) -> str:
    """The markdown report: run metadata, totals, schemes, offenders, merges, per-class table."""
    t = totals(results)
    sigs = [r.case.signature for r in results if not r.skipped]
    owner = {r.case.signature: r.case for r in results}
    landed = [(l, r) for r in results for l in r.landings]
    lines = [
        "# Signature quality: is one root cause one class?",
        "",
        "Generated by `bench/signature_quality.py` (method in its docstring); re-run to refresh (this file is overwritten).",
        "",
        f"- command: `{command}`",
        f"- date: {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}",
        f"- machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "- versions: " + ", ".join(f"{d} {library_version(d)}" for d in _DISTRIBUTIONS),
        f"- run time: {seconds:.0f} s (subject loading included); fresh failures per class: up to {args.per_class}; "
        f"minimizer budget {args.max_calls} calls; seed {args.seed}",
        "",
        "## Totals",
        "",
        f"- classes: {t.classes} ({t.measured} measured, {t.classes - t.measured} skipped); fresh failures: {t.fresh}",
        f"- **in the right class: {t.own}/{t.fresh} = {_pct(t.own, t.fresh)}**; in another corpus class (merge candidates): "
        f"{t.merge} ({_pct(t.merge, t.fresh)}); in a signature not in the corpus (splits): {t.split} ({_pct(t.split, t.fresh)})",
        f"- classes that split (variants reach ≥ 2 signatures): {t.split_classes}",
        f"- merges (signatures reached from ≥ 2 corpus classes): {len(t.merges)}; accepting every merge, the "
        f"{t.measured} measured classes form {t.groups} root-cause groups",
        f"- minimizations that spent the whole budget: {t.budget_spent}",
        "",
        "By generator (fresh failures, fraction in the right class):",
        "",
    ]
    by_how: dict[str, list[bool]] = defaultdict(list)
    for l, r in landed:
        by_how[l.how].append(l.signature == r.case.signature)
    lines += [f"- {how}: {len(by_how[how])}, {_pct(sum(by_how[how]), len(by_how[how]))}" for how in GENERATORS if how in by_how]
    other = [(l, r) for l, r in landed if l.witness != r.case.input]
    right = sum(l.signature == r.case.signature for l, r in other)
    lines += ["", f"The minimizer gave the stored witness itself back for {t.fresh - len(other)} of {t.fresh} fresh "
              f"failures ({_pct(t.fresh - len(other), t.fresh)}); those land in their own class by construction. "
              f"Of the {len(other)} others (a different minimal witness), {right} ({_pct(right, len(other))}) "
              "land in the right class."]
    lines += ["", "## Counterfactual shapes", "",
              "The same minimal witnesses signed under other shapes (``SCHEMES``; the corpus's stored witnesses "
              "re-signed likewise):", "",
              "| scheme | right class | merge | split | classes split | merges | groups | distinct corpus signatures |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name in SCHEMES:
        u = totals(results, name)
        lines.append(f"| {name} | {_pct(u.own, u.fresh)} | {u.merge} | {u.split} | {u.split_classes} | {len(u.merges)} "
                     f"| {u.groups} | {u.corpus_signatures} |")
    lines += ["", "## Worst offenders", ""]
    for r in _offenders(results):
        own = sum(l.signature == r.case.signature for l in r.landings)
        lines.append(f"- `{r.case.signature}` ({r.case.status}), witness {_esc(r.case.input, 80)}: "
                     f"{own}/{len(r.landings)} in own class")
        counts = Counter(l.signature for l in r.landings)
        examples: dict[str, Landing] = {}
        for l in r.landings:
            examples.setdefault(l.signature, l)
        for sig, l in examples.items():
            if sig != r.case.signature:
                tag = f"merge with witness {_esc(owner[sig].input)}" if sig in owner else "split"
                lines.append(f"  - {counts[sig]}× shape `{_shape(sig)}` ({tag}); e.g. {l.how} "
                             f"{_esc(l.variant, 60)} → {_esc(l.witness, 60)}")
    lines += ["", "## Merges", ""]
    lines += [f"- `{sig}` ← " + "; ".join(f"`{_shape(c)}` {_esc(owner[c].input)}" for c in classes)
              for sig, classes in sorted(t.merges.items())] or ["None."]
    lines += ["", "## Per class", "",
              "| subject | property | backends\\|kind\\|shape | status | witness | fresh | own | merge | split | signatures reached |",
              "| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        c = r.case
        head = f"| {c.subject} | {c.property} | `{_tail(c.signature).replace('|', chr(92) + '|')}` | {c.status} | {_esc(c.input, 28)} |"
        if r.skipped:
            lines.append(f"{head} — | — | — | — | skipped: {r.skipped} |")
            continue
        w = r.where(sigs)
        reached = Counter(_shape(l.signature) for l in r.landings if l.signature != c.signature)
        note = ", ".join(f"`{shape}`×{k}" for shape, k in reached.most_common()) or "—"
        if r.resigned["triage"] != c.signature:
            note += f" (stored witness now signs as `{_shape(r.resigned['triage'])}`)"
        lines.append(f"{head} {len(r.landings)} | {_pct(w['own'], len(r.landings))} | {w['merge']} | {w['split']} | {note} |")
    return "\n".join(lines) + "\n"


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.signature_quality", description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-class", type=int, default=32, help="fresh failing inputs per class (default 32)")
    parser.add_argument("--seed", type=int, default=0, help="seed of contexts and variants (default 0)")
    parser.add_argument("--subject", action="append", choices=list(SUBJECTS),
                        help="only this subject's classes (repeatable; default all)")
    parser.add_argument("--max-calls", type=int, default=MIN_CALLS,
                        help=f"minimizer budget per input, oracle calls (default {MIN_CALLS}, the campaign's)")
    parser.add_argument("--corpus", type=Path, default=_ROOT / "corpora", help="corpus directory (default corpora/)")
    parser.add_argument("--results", type=Path, default=Path(__file__).with_name("SIGNATURES.md"), help="markdown file to write")
    args = parser.parse_args(argv)
    if args.per_class < 1 or args.max_calls < 1:
        parser.error("--per-class and --max-calls must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print progress and totals, write the report. Returns 0."""
    args = _parse(argv)
    start = time.monotonic()
    cases = [c for c in Corpus(args.corpus).load() if not args.subject or c.subject in args.subject]
    by_subject: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_subject[case.subject].append(case)
    contexts = draw_contexts(300, args.seed)
    _pools()
    results: list[ClassResult] = []
    with native_stderr_to_log():
        for name, group in by_subject.items():
            loaded = load_subject(name)
            hunt = Hunt(name, loaded.backends)
            oov = oov_code_points(hunt.backends[hunt.reference], seed=args.seed)
            for case in group:
                r = measure_class(hunt, case, args.per_class, args.seed, contexts, args.max_calls, oov)
                results.append(r)
                w = r.where(c.signature for c in cases)
                status = r.skipped or f"{len(r.landings)} fresh: {w['own']} own, {w['merge']} merge, {w['split']} split"
                print(f"{r.seconds:6.2f}s {case.signature[:90]:<90} {status}", flush=True)
    seconds = time.monotonic() - start
    t = totals(results)
    print(f"right class {t.own}/{t.fresh} ({_pct(t.own, t.fresh)}), merge {t.merge}, split {t.split}; "
          f"classes split {t.split_classes}, merges {len(t.merges)}; {seconds:.0f} s")
    command = "python -m bench.signature_quality " + " ".join(sys.argv[1:] if argv is None else argv)
    args.results.write_text(render(results, command.strip(), seconds, args), encoding="utf-8")
    print(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
