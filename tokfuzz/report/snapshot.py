"""Golden-id snapshots: one subject's reference ids for a fixed set of inputs, kept in a
file, so that a library upgrade or a port that changes any of them is caught
(``tokfuzz snapshot create``; the check is tokfuzz.report.drift).

Inputs. The stress set (tokfuzz.inputs.stress: ``n`` inputs per category, ``seed``),
then every corpus input of the subject (tokfuzz.findings.corpus), then inputs an API
caller gives; an input occurs once (the first source is kept). The file stores the
inputs themselves, so a check never regenerates them: a newer tokfuzz whose strategies
draw other text still checks the same inputs.

File format (``tokfuzz-snapshot/1``): UTF-8 JSON Lines, one object per line, keys in
the order below, no spaces, strings written with the corpus' rules
(tokfuzz.findings.corpus: a lone surrogate and U+0085/U+2028/U+2029 as ``\\uXXXX``,
every other character as itself; each ``\\uD800``..``\\uDFFF`` escape read back as one
code point), so every input survives exactly, NUL and lone surrogates included, and
``git diff`` shows one changed line, starting with the input, per changed input.

* line 1, the header: ``format`` (``"tokfuzz-snapshot/1"``), ``subject``,
  ``reference`` (``{"name", "spec", "chosen"}``: the backend whose ids are stored, its
  spec, and ``"subject reference"`` or ``"first --backend"``), ``versions``
  (``Subject.versions`` of that backend: ``{backend: {library: version}}``),
  ``libraries`` (the installed version of every library an embedded backend depends on,
  ``"absent"`` when not installed: what a check diffs against), ``tokfuzz``,
  ``python``, ``unicode`` (``unicodedata.unidata_version``), ``stress``
  (``{"n", "seed"}``), ``corpus`` (the directory read, or null), ``inputs`` (the number
  of entry lines: a cut file is refused), ``created_at`` (ISO-8601, UTC);
* every other line, one entry: ``input``, ``source`` (``stress:<category>``,
  ``corpus:<case id>`` or ``given``), ``sha256`` (64 hex digits of the input in UTF-8
  with ``surrogatepass``: its identity, checked on reading, so an edit or a
  re-encoding that alters an input is refused) and exactly one of ``ids`` (a list of
  int) or ``error`` (``"Type: first message line"``: the reference raised, hung or
  killed its process, tokfuzz.backends.forked).

Files are written plain (``atomic_write``: a temporary file renamed over the target;
its line framing cannot carry a gzip stream), which git, diffs and the hub's JSON
viewers read as they are; a file compressed afterwards (``gzip -k``) is read as well.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import platform
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokfuzz.backends.base import Backend, ConfigError
from tokfuzz.backends.forked import Forked
from tokfuzz.backends.isolated import DEFAULT_TIMEOUT
from tokfuzz.backends.models import library_version
from tokfuzz.backends.registry import load_backend
from tokfuzz.backends.subjects import CUSTOM, DISTRIBUTIONS, SUBJECTS, Subject
from tokfuzz.backends.user_subjects import user_subjects
from tokfuzz.findings.corpus import Case, atomic_write, escape_line, now_iso, unescape_line  # the corpus' exact-string JSON
from tokfuzz.inputs.stress import stress_set
from tokfuzz.oracles import Raised

__all__ = [
    "DEFAULT_SEED", "DEFAULT_STRESS", "FORMAT", "Entry", "Header", "Outcome", "Snapshot", "SnapshotError", "create_snapshot",
    "encode_all", "input_sha256", "installed_libraries", "read_snapshot", "reference_spec", "snapshot_inputs", "write_snapshot",
]

FORMAT = "tokfuzz-snapshot/1"
DEFAULT_STRESS = 50
"""Stress inputs per category by default: 300 inputs (about 246,000 code points, the
``long`` ones 2,000-8,000 each), a 1.3 MB file for cl100k_base with its corpus."""
DEFAULT_SEED = 0
_HEADER_KEYS = frozenset(("format", "subject", "reference", "versions", "libraries", "tokfuzz", "python", "unicode",
                          "stress", "corpus", "inputs", "created_at"))
_RECREATE = "recreate it with `tokfuzz snapshot create`"


class SnapshotError(ConfigError):
    """A snapshot file that cannot be used: ``str()`` is one line,
    ``"snapshot <file>[:<line>]: <what is wrong> — <what to do>"`` (exit status 2)."""

    def __init__(self, path: Path, line: int, problem: str, todo: str = _RECREATE) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(" ".join(f"snapshot {where}: {problem} — {todo}".split()))
        self.path = path
        self.line = line


@dataclass(frozen=True)
class Outcome:
    """What one encode gave: ``ids`` (a tuple of int) or ``error`` (``"Type: message"``),
    exactly one of them set. Compared by value: the same ids, or the same error text."""

    ids: tuple[int, ...] | None = None
    error: str | None = None

    @classmethod
    def of(cls, result: Any) -> Outcome:
        """From a ``Forked.run`` result: a list of ids, or an exception instance (its
        type name and first message line, cut to 200 characters: ``Raised.of``)."""
        if isinstance(result, BaseException):
            return cls(error=Raised.of(result).to_json()["error"])
        return cls(ids=tuple(int(i) for i in result))

    def to_json(self) -> dict[str, Any]:
        """``{"ids": [...]}`` or ``{"error": "..."}``."""
        return {"ids": list(self.ids)} if self.ids is not None else {"error": self.error}

    def short(self, limit: int = 12) -> str:
        """``[1, 2, 3 … (+40)]`` or ``error: Type: message``, for a table cell."""
        if self.ids is None:
            return f"error: {self.error}"
        more = f" … (+{len(self.ids) - limit})" if len(self.ids) > limit else ""
        return "[" + ", ".join(map(str, self.ids[:limit])) + more + "]"


def input_sha256(text: str) -> str:
    """64 hex digits of SHA-256 over ``text`` in UTF-8, lone surrogates encoded with
    ``surrogatepass`` (so every ``str`` has one, and two inputs differing only in a lone
    surrogate differ)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One input of a snapshot: ``input`` (exact), its ``source`` and the reference's
    ``outcome``; ``sha256`` is ``input_sha256(input)``."""

    input: str
    source: str
    outcome: Outcome

    @property
    def sha256(self) -> str:
        """``input_sha256(self.input)``."""
        return input_sha256(self.input)


@dataclass(frozen=True)
class Header:
    """The first line of a snapshot file (fields as the module docstring lists them)."""

    subject: str
    reference: str
    reference_spec: str
    reference_chosen: str
    versions: dict[str, dict[str, str]]
    libraries: dict[str, str]
    stress_n: int
    stress_seed: int
    corpus: str | None
    inputs: int
    created_at: str
    tokfuzz: str = field(default_factory=lambda: library_version("tokfuzz"))
    python: str = field(default_factory=platform.python_version)
    unicode: str = unicodedata.unidata_version

    def to_json(self) -> dict[str, Any]:
        """The header object of the file."""
        return {
            "format": FORMAT, "subject": self.subject,
            "reference": {"name": self.reference, "spec": self.reference_spec, "chosen": self.reference_chosen},
            "versions": self.versions, "libraries": self.libraries, "tokfuzz": self.tokfuzz, "python": self.python,
            "unicode": self.unicode, "stress": {"n": self.stress_n, "seed": self.stress_seed}, "corpus": self.corpus,
            "inputs": self.inputs, "created_at": self.created_at,
        }

    @classmethod
    def from_json(cls, data: Any) -> Header:
        """Parse a header object. Raises ValueError saying what is wrong."""
        if not isinstance(data, dict) or "format" not in data:
            raise ValueError("the first line is not a snapshot header (no 'format'): not a tokfuzz snapshot")
        if data["format"] != FORMAT:
            raise ValueError(f"format {data['format']!r} is not {FORMAT!r} (written by another tokfuzz version)")
        missing = sorted(_HEADER_KEYS - data.keys())
        if missing:
            raise ValueError(f"header lacks {', '.join(missing)}")
        ref, stress = data["reference"], data["stress"]
        try:
            return cls(str(data["subject"]), str(ref["name"]), str(ref["spec"]), str(ref["chosen"]),
                       {str(b): {str(k): str(v) for k, v in libs.items()} for b, libs in data["versions"].items()},
                       {str(k): str(v) for k, v in data["libraries"].items()}, _whole(stress["n"]), _whole(stress["seed"]),
                       None if data["corpus"] is None else str(data["corpus"]), _whole(data["inputs"]),
                       str(data["created_at"]), str(data["tokfuzz"]), str(data["python"]), str(data["unicode"]))
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"header field has the wrong shape ({type(exc).__name__}: {exc})") from None


def _whole(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"expected a whole number, got {value!r}")
    return value


@dataclass(frozen=True)
class Snapshot:
    """A header and its entries (in file order)."""

    header: Header
    entries: tuple[Entry, ...]


def _dumps(data: Mapping[str, Any]) -> bytes:
    """One line: keys in ``data``'s order, the corpus' escapes (tokfuzz.findings.corpus), strict UTF-8."""
    dumped = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return escape_line(dumped).encode("utf-8")


def _loads(line: str) -> Any:
    """One line, each ``\\uD800``..``\\uDFFF`` escape read as one code point (never a pair)."""
    return json.loads(unescape_line(line))


def write_snapshot(snapshot: Snapshot, path: Path) -> None:
    """Write ``snapshot`` to ``path`` atomically (tokfuzz.findings.corpus.atomic_write).

    Raises:
        OSError: the directory cannot be written.
    """
    lines = [_dumps(snapshot.header.to_json())]
    lines += [_dumps({"input": e.input, "source": e.source, "sha256": e.sha256, **e.outcome.to_json()})
              for e in snapshot.entries]
    atomic_write(Path(path), lines)


def read_snapshot(path: Path) -> Snapshot:
    """Read a snapshot file (plain, or gzip-compressed: recognised by its magic bytes).

    Raises:
        SnapshotError: the file is missing or unreadable, not UTF-8, not a snapshot, of
            another format version, cut short, or a line is malformed, an input does not
            match its ``sha256``, or an input occurs twice (one line, naming the file
            and line and what to do).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SnapshotError(path, 0, "no such file", f"give the file `tokfuzz snapshot create --out {path}` wrote") from None
    except OSError as exc:
        raise SnapshotError(path, 0, f"cannot be read ({exc.strerror})", "give a readable snapshot file") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise SnapshotError(path, 0, f"gzip data is corrupt ({exc})") from None
    raws = data.split(b"\n")
    header: Header | None = None
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(raws, start=1):
        if not raw.strip():
            continue
        try:
            obj = _loads(raw.decode("utf-8"))
            if header is None:
                header = Header.from_json(obj)
                continue
            entry = _entry(obj)
        except UnicodeDecodeError as exc:
            raise SnapshotError(path, number, f"not valid UTF-8 (byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise SnapshotError(path, number, f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        except ValueError as exc:
            raise SnapshotError(path, number, str(exc)) from None
        if entry.sha256 in seen:
            raise SnapshotError(path, number, f"input repeated (first on line {seen[entry.sha256]})")
        seen[entry.sha256] = number
        entries.append(entry)
    if header is None:
        raise SnapshotError(path, 0, "empty file: no snapshot header")
    if len(entries) != header.inputs:
        raise SnapshotError(path, 0, f"holds {len(entries)} entries, its header says {header.inputs}: the file is cut "
                                     "short or lines were added")
    return Snapshot(header, tuple(entries))


def _entry(obj: Any) -> Entry:
    """Parse one entry object. Raises ValueError saying what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    keys = set(obj)
    if not ({"input", "sha256", "source"} <= keys and len(keys & {"ids", "error"}) == 1 and len(keys) == 4):
        raise ValueError(f"an entry has input, source, sha256 and one of ids or error; this one has "
                         f"{', '.join(sorted(keys))}")
    text, digest, source = obj["input"], obj["sha256"], obj["source"]
    if not (isinstance(text, str) and isinstance(digest, str) and isinstance(source, str)):
        raise ValueError("input, sha256 and source must be strings")
    if input_sha256(text) != digest:
        raise ValueError(f"the input does not match its sha256 {digest[:16]}…: it was edited or re-encoded")
    if "error" in obj:
        if not isinstance(obj["error"], str):
            raise ValueError("error must be a string")
        return Entry(text, source, Outcome(error=obj["error"]))
    ids = obj["ids"]
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ValueError("ids must be a list of integers")
    return Entry(text, source, Outcome(ids=tuple(ids)))


def reference_spec(subject: str, specs: Sequence[str] = ()) -> tuple[str, str]:
    """(the spec of the backend whose ids a snapshot of ``subject`` stores, why): the
    first of ``specs`` (``"first --backend"``), else the subject's reference, the first
    of its backends (``"subject reference"``: ``tiktoken:cl100k_base``, or a project
    subject's first spec).

    Raises:
        ConfigError: ``subject`` is ``custom`` or unknown and no spec is given.
    """
    if specs:
        return specs[0], "first --backend"
    if subject in SUBJECTS:
        return f"{SUBJECTS[subject][0]}:{subject}", "subject reference"
    own = user_subjects().get(subject)
    if own:
        return own[0], "subject reference"
    if subject == CUSTOM:
        raise ConfigError(f"subject {CUSTOM!r} is made of --backend specs: give the --backend whose ids to store")
    raise ConfigError(f"unknown subject {subject!r}; embedded subjects: {', '.join(SUBJECTS)}")


def snapshot_inputs(stress: int, seed: int, cases: Iterable[Case] = (), given: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(text, source) of a snapshot: ``stress_set(stress, seed)``, then ``cases``'
    inputs (``corpus:<id>``), then ``given`` (``given``); each text once, first source
    kept. Raises ValueError for a negative ``stress`` or ``seed``."""
    out: dict[str, str] = {}
    for item in stress_set(stress, seed):
        out.setdefault(item.text, f"stress:{item.category}")
    for case in cases:
        out.setdefault(case.input, f"corpus:{case.id}")
    for text in given:
        out.setdefault(text, "given")
    return list(out.items())


def encode_all(forked: Forked, name: str, texts: Sequence[str]) -> list[Outcome]:
    """``Outcome`` of backend ``name``'s encode of each of ``texts``, in order, called
    through ``forked`` (tokfuzz.backends.forked: a call that kills the child or hangs
    past its timeout is an error ``CallDied: … (crash:SIGSEGV)`` / ``(timeout)``)."""
    return [Outcome.of(r) for r in forked.run([(name, "encode", t) for t in texts])]


def installed_libraries() -> dict[str, str]:
    """The installed version of every library an embedded backend depends on
    (tokfuzz.backends.subjects.DISTRIBUTIONS), ``"absent"`` when not installed."""
    names = sorted({d for dists in DISTRIBUTIONS.values() for d in dists})
    return {d: library_version(d) for d in names}


def create_snapshot(subject: str, specs: Sequence[str] = (), *, stress: int = DEFAULT_STRESS, seed: int = DEFAULT_SEED,
                    cases: Iterable[Case] = (), corpus: str | None = None, given: Iterable[str] = (),
                    timeout: float = DEFAULT_TIMEOUT, reference: Backend | None = None) -> Snapshot:
    """Encode the snapshot inputs (``snapshot_inputs``) with the reference of
    ``subject`` (``reference_spec(subject, specs)``; ``reference`` when already loaded)
    in a forked child (``timeout`` seconds a call) and return the snapshot.
    ``cases`` are the corpus cases whose inputs to add (the caller picks the subject's);
    ``corpus`` is recorded as the directory they came from.

    Raises:
        ConfigError: no reference can be named or loaded (BackendUnavailable).
        ValueError: ``stress`` or ``seed`` is negative.
    """
    spec, chosen = reference_spec(subject, specs)
    backend = reference if reference is not None else load_backend(spec)
    inputs = snapshot_inputs(stress, seed, cases, given)
    with Forked({backend.name: backend}, timeout) as forked:
        outcomes = encode_all(forked, backend.name, [text for text, _ in inputs])
    entries = tuple(Entry(text, source, outcome) for (text, source), outcome in zip(inputs, outcomes))
    header = Header(subject, backend.name, spec, chosen, Subject(subject, {backend.name: backend}).versions,
                    installed_libraries(), stress, seed, corpus, len(entries), now_iso())
    return Snapshot(header, entries)
