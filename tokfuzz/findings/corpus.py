"""The regression corpus: minimal witnesses as JSON Lines under ``corpora/`` (DESIGN §5).

One case per line, one file per subject (``<root>/<subject>.jsonl``), UTF-8, keys
sorted, de-duplicated by ``id``. The corpus is data, never code: it is read with
``json`` only, nothing in it is executed or unpickled.

Exactness. Every string (inputs above all) survives a write and a load exactly,
lone surrogates and NUL included:

* NUL and the other C0 controls are escaped by ``json`` itself;
* a lone surrogate (U+D800..U+DFFF) cannot be encoded as UTF-8, so the writer
  escapes it as ``\\udXXX``; NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR (U+0085,
  U+2028, U+2029) are escaped as well, so that tools which also break lines there
  (``str.splitlines``, some editors) still see one case per line;
* every other character is written as itself (``ensure_ascii=False``), so a
  corpus file never spells an astral character as an escaped surrogate pair. The
  reader therefore takes each ``\\uD800``..``\\uDFFF`` escape as one code point and
  never joins a high and a low escape into one character, which JSON's UTF-16 rule
  (RFC 8259 §7) would do. A generic JSON reader agrees with this one on every
  string except one holding a high surrogate directly followed by a low one, which
  it reads as the astral character the pair encodes. Hand-edited lines should write
  emoji as themselves, not as ``\\ud83d\\udc4d``.

Atomicity. Every write rewrites its target file whole: a temporary file in the same
directory is written, flushed and fsynced, then moved over the target with
``os.replace``, so a crash leaves either the old file or the new one, never a
half-written line. Unchanged lines are kept byte for byte; new lines are appended in order.
SIGINT and SIGTERM arriving during a write (in the main thread) are held until the
file is replaced, so a stopped campaign does not leave its last finding half-stored; a
write cut by SIGKILL leaves at most a hidden ``.<file>.<hex>.tmp``, which
``Corpus.remove_stale_temp_files`` removes (under the lock) on the next run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, get_args

__all__ = ["Case", "Corpus", "CorpusError", "STATUSES", "Status", "atomic_write", "case_id", "escape_line", "now_iso",
           "unescape_line"]

Status = Literal["open", "expected", "fixed"]
STATUSES: tuple[str, ...] = get_args(Status)

_STR_FIELDS = ("id", "input", "property", "subject", "signature", "status", "note", "found_by", "found_at", "root_cause")
_OPTIONAL_FIELDS = ("root_cause",)
"""Fields a line may omit (read as ``""``) and that ``to_json`` omits when empty, so a
corpus written before they existed stays byte for byte what it was."""
# Characters the writer escapes: lone surrogates (not encodable as UTF-8) and the
# line breaks that JSON leaves raw.
_ESCAPE = re.compile("[\ud800-\udfff\x85\u2028\u2029]")
# A JSON backslash escape; scanning them left to right keeps ``\\\\`` apart from ``\\u``.
_JSON_ESCAPE = re.compile(r"\\(?:u([dD][89a-fA-F][0-9a-fA-F]{2})|.)", re.DOTALL)
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_HINT = "fix or delete that line (one JSON object per line, schema in DESIGN §5)"


def escape_line(dumped: str) -> str:
    """A ``json.dumps(..., ensure_ascii=False)`` line made exact and one line (module
    docstring): each lone surrogate and U+0085/U+2028/U+2029 written as ``\\uXXXX``; the
    result always encodes as strict UTF-8."""
    return _ESCAPE.sub(lambda m: f"\\u{ord(m[0]):04x}", dumped)


def unescape_line(line: str) -> str:
    """``line`` with each ``\\uD800``..``\\uDFFF`` escape replaced by that one code point, so
    that ``json.loads`` never joins a high and a low escape into one character (module
    docstring); other escapes are left for ``json``."""
    return _JSON_ESCAPE.sub(lambda m: chr(int(m[1], 16)) if m[1] else m[0], line)


def case_id(property: str, subject: str, text: str, qualifiers: Sequence[str] = ()) -> str:
    """Corpus id of a failure: the first 16 hex digits of the SHA-256 of
    ``property + "\\x00" + subject + "\\x00" + text`` in UTF-8 (lone surrogates
    encoded with ``surrogatepass``, so every ``str`` has an id), followed by
    ``"\\x00" + ",".join(qualifiers)`` when qualifiers are given.

    The qualifiers (tokfuzz passes the backends and the failure kind) extend
    DESIGN §5's id: the same minimal witness often fails two backend pairs (``hf`` and
    ``tokie`` both against ``tiktoken``) or two parts of one property (coverage and
    dialect), and those are different findings that must both be stored."""
    parts = (property, subject, text, ",".join(qualifiers)) if qualifiers else (property, subject, text)
    data = "\x00".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:16]


def now_iso() -> str:
    """The current UTC time, ISO-8601 to the second: ``"2025-01-31T12:00:00+00:00"``."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Case:
    """One corpus case (DESIGN §5): a minimal failing ``input`` of ``property`` on
    ``subject``'s ``backends``, its triage ``status`` and ``note``, and provenance.

    ``versions`` maps library name to version; ``observed`` maps backend name to what
    it returned (ids list, or ``{"error": "..."}``) and must be JSON-able.
    ``root_cause`` (optional, DESIGN §5, step 11) is a short name shared by the classes
    of one cause across subjects and properties (``tokfuzz.findings.rootcause``); ``""``
    when not set, and then left out of the JSON line.

    Raises:
        ValueError: a field has the wrong type, ``id`` is empty or ``status`` is not
            one of ``STATUSES``.
    """

    id: str
    input: str
    property: str
    subject: str
    backends: tuple[str, ...]
    signature: str
    status: Status
    note: str
    found_by: str
    found_at: str
    versions: Mapping[str, str]
    observed: Mapping[str, Any]
    root_cause: str = ""

    def __post_init__(self) -> None:
        for name in _STR_FIELDS:
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"field {name!r} must be a string, got {type(getattr(self, name)).__name__}")
        if not self.id:
            raise ValueError("field 'id' must not be empty")
        if self.status not in STATUSES:
            raise ValueError(f"field 'status' is {self.status!r}, expected one of {', '.join(STATUSES)}")
        if not isinstance(self.backends, tuple) or not all(isinstance(b, str) for b in self.backends):
            raise ValueError("field 'backends' must be a list of strings")
        if not isinstance(self.versions, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.versions.items()
        ):
            raise ValueError("field 'versions' must map strings to strings")
        if not isinstance(self.observed, Mapping) or not all(isinstance(k, str) for k in self.observed):
            raise ValueError("field 'observed' must be an object with string keys")

    def replace(self, **changes: Any) -> Case:
        """A copy with ``changes`` applied (``dataclasses.replace``; validated again)."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> str:
        """The case as one corpus line (no trailing newline): keys sorted, non-ASCII
        written as itself, lone surrogates and U+0085/U+2028/U+2029 as ``\\uXXXX``.
        The result always encodes as strict UTF-8.

        Raises:
            TypeError, ValueError: ``observed`` is not JSON-able (NaN included).
        """
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["backends"] = list(self.backends)
        data["versions"] = dict(self.versions)
        data["observed"] = dict(self.observed)
        for name in _OPTIONAL_FIELDS:
            if not data[name]:
                del data[name]
        dumped = json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False)
        return escape_line(dumped)

    @classmethod
    def from_json(cls, line: str) -> Case:
        """Parse one corpus line (surrounding whitespace allowed).

        Escaped surrogates are read as single code points (see the module docstring).

        Raises:
            ValueError: the line is not JSON, not an object, lacks a field, has an
                unknown one, or a field has the wrong type or value.
        """
        # Raw surrogates are copied by json verbatim, so an escaped pair is not joined.
        unescaped = unescape_line(line)
        try:
            data = json.loads(unescaped)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        missing = sorted(names - data.keys() - set(_OPTIONAL_FIELDS))
        unknown = sorted(data.keys() - names)
        if missing:
            raise ValueError(f"missing key(s) {', '.join(map(repr, missing))}")
        if unknown:
            raise ValueError(f"unknown key(s) {', '.join(map(repr, unknown))}")
        if not isinstance(data["backends"], list):
            raise ValueError("field 'backends' must be a list of strings")
        data["backends"] = tuple(data["backends"])
        return cls(**data)


class CorpusError(Exception):
    """A corpus file that cannot be read: ``path``, 1-based ``line`` (0 for the whole
    file), what is wrong and what to do. ``str()`` is one line:
    ``"<file>:<line>: <what is wrong> — <what to do>"``."""

    def __init__(self, path: Path, line: int, problem: str, todo: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(" ".join(f"{where}: {problem} — {todo}".split()))
        self.path = path
        self.line = line


@dataclass(frozen=True)
class _Line:
    """One line of a corpus file: its exact bytes (without ``\\n``) and its case, if any."""

    raw: bytes
    case: Case | None


def _read_lines(path: Path) -> list[_Line]:
    """The lines of one corpus file; blank lines have no case.

    Raises:
        CorpusError: the file cannot be read, or a line is not valid UTF-8 or not a case.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = f"cannot read the file ({exc.strerror})"
        raise CorpusError(path, 0, problem, "check that it is a readable file") from None
    raws = data.split(b"\n")
    if raws[-1] == b"":
        raws.pop()
    lines: list[_Line] = []
    for number, raw in enumerate(raws, start=1):
        if not raw.strip():
            lines.append(_Line(raw, None))
            continue
        try:
            case = Case.from_json(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise CorpusError(path, number, f"not valid UTF-8 (byte {exc.start})", _HINT) from None
        except ValueError as exc:
            raise CorpusError(path, number, str(exc), _HINT) from None
        lines.append(_Line(raw, case))
    return lines


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then deliver them (main thread
    only; a handler installed outside Python, such as libFuzzer's, is left alone)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    old: dict[int, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if handler is None:  # not installed from Python: cannot be restored, leave it
            continue
        old[sig] = handler
        signal.signal(sig, lambda signum, _frame: held.append(signum))
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(held):
            signal.raise_signal(sig)


def atomic_write(path: Path, lines: Iterable[bytes]) -> None:
    """Replace ``path`` with ``lines``, each ended by ``\\n``: write a temporary file
    beside it (``.<name>.<hex>.tmp``), fsync it, ``os.replace`` it over ``path``, fsync
    the directory. A failure (``OSError``: disk full, no permission) leaves ``path`` as
    it was and removes the temporary file.

    Raises:
        OSError: the directory cannot be created or written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    with _signals_held():
        _replace_with(path, tmp, lines)


def _replace_with(path: Path, tmp: Path, lines: Iterable[bytes]) -> None:
    try:
        with open(tmp, "xb") as f:
            f.writelines(line + b"\n" for line in lines)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # POSIX: make the rename itself durable
        fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class Corpus:
    """The corpus under ``root`` (e.g. ``corpora/``): every ``*.jsonl`` file in it.

    ``root`` need not exist: an absent corpus is empty, and the directory is created
    on the first write.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _read(self) -> list[tuple[Path, list[_Line]]]:
        """Every ``*.jsonl`` file in name order with its lines.

        Raises:
            CorpusError: a file cannot be read, a line is corrupt, or an id occurs twice.
        """
        files = sorted(self.root.glob("*.jsonl")) if self.root.is_dir() else []
        out = [(path, _read_lines(path)) for path in files]
        first: dict[str, tuple[Path, int]] = {}
        for path, lines in out:
            for number, line in enumerate(lines, start=1):
                if line.case is None:
                    continue
                seen = first.setdefault(line.case.id, (path, number))
                if seen != (path, number):
                    raise CorpusError(path, number, f"duplicate id {line.case.id} (first at {seen[0]}:{seen[1]})",
                                      "delete one of the two lines")
        return out

    def load(self) -> list[Case]:
        """Every case, files in name order, lines in file order.

        Raises:
            CorpusError: a file cannot be read, a line is corrupt (bad JSON or UTF-8,
                not an object, a bad field) or an id occurs twice.
        """
        return [line.case for _, lines in self._read() for line in lines if line.case is not None]

    def remove_stale_temp_files(self, min_age_s: float = 0.0) -> list[Path]:
        """Remove the hidden temporary files (``.<name>.jsonl.<hex>.tmp``) that a write
        killed by SIGKILL or a power cut left behind, holding the corpus lock (so no
        write in progress is touched); returns the paths removed. Files younger than
        ``min_age_s`` seconds are kept."""
        if not self.root.is_dir():
            return []
        removed: list[Path] = []
        with self._locked():
            for tmp in sorted(self.root.glob(".*.jsonl.*.tmp")):
                with contextlib.suppress(OSError):
                    if time.time() - tmp.stat().st_mtime >= min_age_s:
                        tmp.unlink()
                        removed.append(tmp)
        return removed

    def ids(self) -> set[str]:
        """The ids of all cases. Raises CorpusError like ``load``."""
        return {case.id for case in self.load()}

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold an exclusive ``fcntl.flock`` on the corpus directory itself (no lock
        file) so that writers in several processes (campaign workers, atheris
        targets) read, merge and replace a file one at a time and never lose each
        other's cases."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def add(self, cases: Iterable[Case], *, one_per_signature: bool = False) -> list[Case]:
        """Append ``cases`` to ``<root>/<subject>.jsonl``, skipping ids already in the
        corpus (any file) or earlier in ``cases``; returns the cases added, in order.

        With ``one_per_signature``, a case is also skipped when a case of the same
        subject and signature is already stored: the first witness of a class is kept
        (two engines or processes that find one class store it once).

        Each file is rewritten atomically under an exclusive lock on the directory, so
        concurrent writers in several processes never lose each other's lines; a batch
        spanning several subjects is atomic per file, not across files.

        Raises:
            CorpusError: the corpus is corrupt.
            ValueError: a subject is not usable as a file name
                (``[A-Za-z0-9][A-Za-z0-9._+-]*``).
            TypeError, ValueError: a case's ``observed`` is not JSON-able.
        Nothing is written when any of these is raised.
        """
        cases = list(cases)
        if not cases:
            return []
        with self._locked():
            existing = self._read()
            stored = [line.case for _, lines in existing for line in lines if line.case is not None]
            seen = {case.id for case in stored}
            classes = {(case.subject, case.signature) for case in stored}
            new_lines: dict[str, list[bytes]] = {}
            added: list[Case] = []
            for case in cases:
                if case.id in seen or (one_per_signature and (case.subject, case.signature) in classes):
                    continue
                if not _FILE_NAME.fullmatch(case.subject):
                    raise ValueError(f"subject {case.subject!r} cannot name a corpus file")
                seen.add(case.id)
                classes.add((case.subject, case.signature))
                new_lines.setdefault(case.subject, []).append(case.to_json().encode("utf-8"))
                added.append(case)
            old_lines = {path: [line.raw for line in lines] for path, lines in existing}
            for subject, lines in new_lines.items():
                path = self.root / f"{subject}.jsonl"
                atomic_write(path, [*old_lines.get(path, []), *lines])
        return added

    def update(self, case_id: str, *, status: Status, note: str, root_cause: str | None = None) -> Case:
        """Set one case's ``status`` and ``note`` (and ``root_cause`` unless None),
        rewriting its line in place (atomically; every other line unchanged); returns
        the updated case.

        Raises:
            KeyError: no case has ``case_id``.
            ValueError: ``status`` is not one of ``STATUSES``.
            CorpusError: the corpus is corrupt.
        """
        changes: dict[str, Any] = {"status": status, "note": note}
        if root_cause is not None:
            changes["root_cause"] = root_cause
        return self.update_many({case_id: changes})[0]

    def update_many(self, changes: Mapping[str, Mapping[str, Any]]) -> list[Case]:
        """Apply ``changes`` (case id -> field -> new value; ``status``, ``note``,
        ``root_cause``) to their cases, rewriting each file touched once, atomically,
        every other line unchanged; returns the updated cases in corpus order.

        Raises:
            KeyError: an id in ``changes`` is not in the corpus (nothing is written).
            ValueError: a field is unknown or a value is invalid (nothing is written).
            CorpusError: the corpus is corrupt.
        """
        allowed = {"status", "note", "root_cause"}
        for fields in changes.values():
            if set(fields) - allowed:
                raise ValueError(f"cannot change field(s) {', '.join(sorted(set(fields) - allowed))}")
        with self._locked():
            rewrites: list[tuple[Path, list[bytes]]] = []
            updated: list[Case] = []
            for path, lines in self._read():
                raws = [line.raw for line in lines]
                touched = False
                for index, line in enumerate(lines):
                    if line.case is not None and line.case.id in changes:
                        case = line.case.replace(**changes[line.case.id])
                        raws[index] = case.to_json().encode("utf-8")
                        updated.append(case)
                        touched = True
                if touched:
                    rewrites.append((path, raws))
            missing = set(changes) - {case.id for case in updated}
            if missing:
                raise KeyError(", ".join(sorted(missing)))
            for path, raws in rewrites:
                atomic_write(path, raws)
        return updated
