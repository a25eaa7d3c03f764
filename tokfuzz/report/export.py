"""The corpus, and a stress sample, as a dataset evaluation teams load (``tokfuzz export``).

``export_dataset`` writes one directory, laid out as the dataset hubs lay out a dataset:

```
OUT/README.md                 the dataset card: YAML header (configs, features, license), then prose
OUT/data/<subject>.parquet    one config per subject, one split ("test"); or .jsonl with --format jsonl
```

Rows. Each config holds, in this order, every corpus case of its subject (corpus order:
files by name, lines in file order; ``source`` ``"corpus"``) and, with ``stress > 0``,
the stress set ``tokfuzz.inputs.stress.stress_set(stress, seed)`` (``source``
``"stress"``; ``stress`` inputs per category, the same inputs in every config). Each
row has the input, its categories (tokfuzz.report.categories), the case's triage
columns (null for stress rows) and, for each backend of the subject that loads here,
the ids it encodes the input to now, their count, and the error it raised instead
(``COLUMNS`` and ``BACKEND_COLUMNS`` are the schema, the card shows it as a table).

Why flat ``ids_<backend>`` / ``n_tokens_<backend>`` / ``error_<backend>`` columns and not
a struct or a map: every reader the card names (``datasets``, pandas, polars, DuckDB)
reads a flat column of ``list<int32>``, ``int32`` or ``string`` as itself, selects it by
name without unnesting, and SQL needs no quoting for it (backend names are lower-cased,
and every character outside ``[a-z0-9]`` becomes ``_``: ``bpe-openai`` ->
``ids_bpe_openai``); Arrow maps do not survive ``datasets``' features, and a struct per
row is a dict in pandas. The backends (and so the columns) are fixed within a config.

Exact inputs. Parquet and JSON strings must be valid UTF-8, which a lone surrogate
(U+D800..U+DFFF, not a Unicode scalar value, Unicode §3.9 D76) is not. So ``input``
holds the text with each lone surrogate replaced by U+FFFD (every other code point, NUL
included, as itself) and ``has_lone_surrogate`` says when it differs; the exact text is
``input_codepoints`` (``"".join(map(chr, row["input_codepoints"]))``), in both formats.
JSON Lines writes ``input`` the same way: pyarrow's JSON reader (and so ``datasets``')
rejects a ``\\udXXX`` escape that is not half of a pair. Every other string column gets
the same replacement; ``observed_json`` is ASCII JSON, so it is exact as it is.

Errors. Backends are called through ``tokfuzz.backends.forked.Forked`` (the guard
``tokfuzz vocab`` and replay use): a library that raises (a Rust panic included),
segfaults or runs past ``timeout`` seconds gives that row null ids and token count and
an ``error_<backend>`` string (``"<ExceptionType>: <first line>"``; ``CallDied: … (timeout)``
for a hang, ``CallDied: … (crash:SIGSEGV)`` for a crash); the export goes on. ``cmd:``
ports run in their own processes (each called from a thread of its own, while the child
works) and keep their own time limit, ``TOKFUZZ_TIMEOUT``, which ``export_dataset`` sets
to ``timeout`` while it loads subjects (one loaded earlier in this process, through the
cached ``subject_backends``, keeps the limit it was loaded with).

Reproducible. The same corpus, ``stress``, ``seed``, subjects, tokfuzz version and
library versions give byte-identical data files, and a card that differs only in its
``Exported at`` line, with one exception: a row whose call ran into the time limit
depends on the machine's speed (the card counts errors per backend). Nothing of the run
(the date, timings, paths other than those on the command line) enters the data files.

Atomic. Everything is written into a hidden directory beside ``OUT``
(``.<name>.<hex>.tmp``), fsynced, then renamed to ``OUT``; an older export there is
renamed away first and removed after. A reader sees the old dataset, briefly none, or
the new one, never a mix; a run that fails or is stopped leaves ``OUT`` as it was (one
killed by SIGKILL leaves its hidden directory beside ``OUT``, to delete by hand).
``OUT`` must be absent, empty, or an earlier export (``check_out_dir``): a directory
holding anything else is never replaced.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tokfuzz.backends.base import Backend, ConfigError, replace_surrogates
from tokfuzz.backends.cmd import CmdBackend
from tokfuzz.backends.forked import Forked
from tokfuzz.backends.isolated import DEFAULT_TIMEOUT
from tokfuzz.backends.quiet import native_stderr_to_log
from tokfuzz.backends.subjects import Subject
from tokfuzz.findings.corpus import Case, now_iso
from tokfuzz.inputs.stress import StressInput, stress_set
from tokfuzz.oracles.observation import Raised
from tokfuzz.report.categories import TextCategories, categorize
from tokfuzz.report.data import Loaded, subject_backends
from tokfuzz.report.dataset_card import (BACKEND_COLUMNS, COLUMNS, MARKER, SPLIT, ConfigInfo, ExportResult,
                                         dataset_card)

__all__ = [
    "BACKEND_COLUMNS", "COLUMNS", "FORMATS", "MARKER", "SPLIT", "ConfigInfo", "ExportError", "ExportResult",
    "backend_columns", "check_out_dir", "encode_texts", "export_dataset", "subject_table",
]

FORMATS: tuple[str, ...] = ("parquet", "jsonl")
_CORPUS_FIELDS = ("property", "status", "signature", "root_cause", "note", "found_by", "found_at")
_INT32 = range(-(2**31), 2**31)
_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")


class ExportError(ConfigError):
    """Bad export input or an output that cannot be written: one line, exit status 2."""


def check_out_dir(out: Path) -> Path:
    """``out`` if an export may be written there: absent (its nearest existing ancestor a
    writable directory), an empty directory, or an earlier export (``README.md`` holding
    ``MARKER`` and a ``data`` directory, nothing else).

    Raises:
        ExportError: ``out`` is a file, a directory holding anything else, or cannot be
            created or replaced (permission denied).
    """
    out = Path(out)
    if out.is_symlink():
        raise ExportError(f"--out {out} is a symbolic link; give the directory itself, or a new one")
    if out.exists():
        if not out.is_dir():
            raise ExportError(f"--out {out} is a file, not a directory; give a new directory for the dataset")
        entries = {p.name for p in out.iterdir()}
        if entries and not (entries <= {"README.md", "data"} and _is_export(out)):
            raise ExportError(f"--out {out} is a directory holding other files (not an earlier `tokfuzz export`); "
                              "give a new or empty directory")
        parent = out.resolve().parent
    else:
        parent = next((a for a in out.absolute().parents if a.exists()), Path("."))
        if not parent.is_dir():
            raise ExportError(f"--out {out} cannot be created: {parent} is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"--out {out}: {parent} is not writable (permission denied); give a directory you can write")
    return out


def _is_export(out: Path) -> bool:
    try:
        return MARKER in (out / "README.md").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def backend_columns(names: Sequence[str]) -> dict[str, str]:
    """Backend name -> column suffix: lower-cased, runs outside ``[a-z0-9]`` as ``_``
    (``"bpe-openai"`` -> ``"bpe_openai"``); a clash gets ``_2``, ``_3``… in order."""
    out: dict[str, str] = {}
    for name in names:
        base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "backend"
        suffix, n = base, 1
        while suffix in out.values():
            n += 1
            suffix = f"{base}_{n}"
        out[name] = suffix
    return out


def _error_text(exc: BaseException) -> str:
    """The corpus' error form of an exception (``Raised``: ``"<type>: <first line>"``, the
    line cut to 200 characters), lone surrogates replaced (Parquet strings are UTF-8)."""
    return replace_surrogates(Raised.of(exc).to_json()["error"])


def _ids(got: Any) -> list[int] | str:
    ids = [int(i) for i in got]
    bad = next((i for i in ids if i not in _INT32), None)
    return ids if bad is None else f"ValueError: id {bad} does not fit int32"


def encode_texts(backends: Mapping[str, Backend], texts: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT,
                 progress: Callable[[str], None] | None = None) -> dict[str, list[list[int] | str]]:
    """Per backend (in ``backends`` order), per text, the ids ``encode`` returns, or the
    error text when it raised, crashed or ran past ``timeout`` seconds (see the module
    docstring). One ``encode`` call per text (no batching: the adapters are called as
    their users call them).

    In-process backends run one after the other in one ``Forked`` child; each ``cmd:``
    port (its own process, called directly by ``Forked.run``) from a thread of its own
    meanwhile, as ``tokfuzz vocab`` does: the ports and the child work at once.
    ``progress(name)`` is called as each backend finishes (from that thread). Never
    raises for what a library does (only for interpreter control flow: KeyboardInterrupt…).
    """
    out: dict[str, list[list[int] | str]] = {}

    def encode(forked: Forked, name: str) -> None:
        got = forked.run([(name, "encode", text) for text in texts])
        out[name] = [_error_text(g) if isinstance(g, BaseException) else _ids(g) for g in got]
        if progress is not None:
            progress(name)

    ports = [n for n, b in backends.items() if isinstance(b, CmdBackend)]
    with native_stderr_to_log(), Forked(backends, timeout) as forked:
        forked.start()  # fork before any thread exists
        with ThreadPoolExecutor(max_workers=max(1, len(ports)), thread_name_prefix="tokfuzz-export") as pool:
            remote = [pool.submit(encode, forked, name) for name in ports]
            for name in backends:
                if name not in ports:
                    encode(forked, name)
            for done in remote:
                done.result()
    return {name: out[name] for name in backends}


def _optional(text: str | None) -> str | None:
    return None if text is None else replace_surrogates(text)


def subject_table(cases: Sequence[Case], stress: Sequence[StressInput], names: Mapping[str, str],
                  encoded: Mapping[str, Sequence[list[int] | str]],
                  categories: Callable[[str, str | None], TextCategories] = categorize,
                  metadata: Mapping[str, str] | None = None) -> pa.Table:
    """The rows of one config as an Arrow table (schema: ``COLUMNS``, then
    ``BACKEND_COLUMNS`` per backend of ``names``, backend name -> column suffix).

    ``encoded[name]`` holds one outcome per row (``cases`` first, then ``stress``): ids,
    or an error text. ``categories(text, stress_category)`` gives a row's categories;
    ``metadata`` becomes the schema's key-value metadata.
    """
    rows: list[tuple[str, Case | None, str | None]] = [(c.input, c, None) for c in cases]
    rows += [(s.text, None, s.category) for s in stress]
    data: dict[str, list[Any]] = {name: [] for name, _, _ in COLUMNS}
    for text, case, category in rows:
        cats = categories(text, category)
        shown = replace_surrogates(text)
        data["source"].append("corpus" if case else "stress")
        data["id"].append(case.id if case else None)
        data["input"].append(shown)
        data["input_codepoints"].append([ord(c) for c in text])
        data["has_lone_surrogate"].append(shown != text)
        data["category"].append(category)
        data["scripts"].append(list(cats.scripts))
        data["emoji_kinds"].append(list(cats.emoji_kinds))
        data["code_language"].append(cats.code_language)
        data["length_bucket"].append(cats.length_bucket)
        data["n_codepoints"].append(cats.n_codepoints)
        data["n_graphemes"].append(cats.n_graphemes)
        data["n_bytes"].append(len(shown.encode("utf-8")))
        for name in _CORPUS_FIELDS:
            data[name].append(_optional(getattr(case, name) or None) if case else None)
        data["backends"].append([replace_surrogates(b) for b in case.backends] if case else None)
        data["observed_json"].append(json.dumps(case.observed, sort_keys=True) if case else None)
    fields = [pa.field(name, kind) for name, kind, _ in COLUMNS]
    for backend, suffix in names.items():
        outcomes = list(encoded[backend])
        data[f"ids_{suffix}"] = [o if isinstance(o, list) else None for o in outcomes]
        data[f"n_tokens_{suffix}"] = [len(o) if isinstance(o, list) else None for o in outcomes]
        data[f"error_{suffix}"] = [o if isinstance(o, str) else None for o in outcomes]
        fields += [pa.field(pattern.format(suffix), kind) for pattern, kind, _ in BACKEND_COLUMNS]
    schema = pa.schema(fields, metadata=metadata)
    return pa.table({f.name: pa.array(data[f.name], type=f.type) for f in schema}, schema=schema)


def _json_line(row: Mapping[str, Any]) -> bytes:
    """One JSON Lines row: keys in schema order, UTF-8, U+0085/U+2028/U+2029 escaped (as
    the corpus writes them, so every line splitter sees one row per line)."""
    text = json.dumps(row, ensure_ascii=False, allow_nan=False, separators=(", ", ": "))
    return _LINE_BREAKS.sub(lambda m: f"\\u{ord(m[0]):04x}", text).encode("utf-8") + b"\n"


def _write_data(table: pa.Table, path: Path, fmt: str) -> None:
    """Write ``table`` to ``path`` (Parquet: zstd, one row group, statistics; JSONL), fsynced."""
    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd", row_group_size=max(1, table.num_rows))
    else:
        with open(path, "xb") as f:
            f.writelines(_json_line(row) for row in table.to_pylist())
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def export_dataset(cases: Sequence[Case], *, out: Path, fmt: str, stress: int = 0, seed: int = 0,
                   subjects: Sequence[str] | None = None, timeout: float = DEFAULT_TIMEOUT, command: str = "",
                   corpus: str = "", backends_of: Callable[[str], Loaded] = subject_backends,
                   progress: Callable[[str, str], None] | None = None, now: Callable[[], str] = now_iso) -> ExportResult:
    """Write the dataset of ``cases`` (and ``stress`` inputs per stress category, drawn
    with ``seed``) to ``out`` in ``fmt`` (one of ``FORMATS``), one config per subject of
    ``subjects`` (default: the cases' subjects, sorted), atomically; see the module
    docstring. ``backends_of(subject)`` loads a subject's backends (a subject that does
    not load gets no backend columns, and the card says why). ``command`` and ``corpus``
    are shown in the card; ``progress(subject, event)`` is called as work proceeds
    (``event``: ``"loading"``, ``"encoded <backend>"``, ``"written"``). The environment
    variable ``TOKFUZZ_TIMEOUT`` is ``timeout`` while it runs (then restored), so that
    the ``cmd:`` ports it loads keep that limit.

    Raises:
        ExportError: bad ``fmt``, ``stress`` or ``seed``; no subject to export; ``out``
            not usable (``check_out_dir``) or not writable (disk full).
    """
    started = time.monotonic()
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if stress < 0 or seed < 0:
        raise ExportError(f"--stress and --seed must be whole numbers >= 0, got {stress} and {seed}")
    chosen = list(dict.fromkeys(subjects)) if subjects else sorted({c.subject for c in cases})
    if not chosen:
        raise ExportError("nothing to export: the corpus holds no case (give --subject NAME with --stress N "
                          "to export a stress sample alone)")
    empty = [s for s in chosen if not stress and not any(c.subject == s for c in cases)]
    if empty:
        raise ExportError(f"subject {empty[0]!r}: the corpus holds no case of it and --stress is 0: nothing to "
                          "export for it")
    check_out_dir(out)
    sample = stress_set(stress, seed) if stress else []
    cats: dict[tuple[str, str | None], TextCategories] = {(s.text, s.category): categorize(s.text, s.category)
                                                          for s in sample}
    say = progress or (lambda subject, event: None)
    tmp = out.absolute().parent / f".{out.name}.{secrets.token_hex(6)}.tmp"
    configs: list[ConfigInfo] = []
    saved = os.environ.get("TOKFUZZ_TIMEOUT")
    os.environ["TOKFUZZ_TIMEOUT"] = str(timeout)  # the per-call limit of the cmd: ports loaded meanwhile
    try:
        (tmp / "data").mkdir(parents=True)
        for subject in chosen:
            own = [c for c in cases if c.subject == subject]
            say(subject, "loading")
            loaded = backends_of(subject)
            clock = time.monotonic()
            texts = [c.input for c in own] + [s.text for s in sample]
            encoded = encode_texts(loaded.backends, texts, timeout=timeout,
                                   progress=lambda name: say(subject, f"encoded {name}"))  # noqa: B023 - called now
            seconds = time.monotonic() - clock
            names = backend_columns(list(loaded.backends))
            meta = {"tokfuzz": json.dumps({"subject": subject, "reference": next(iter(names), None), "columns": names,
                                           "split": SPLIT}, sort_keys=True)}
            table = subject_table(own, sample, names, encoded,
                                  lambda text, category: cats.get((text, category)) or categorize(text, category), meta)
            path = f"data/{subject}.{fmt}"
            _write_data(table, tmp / path, fmt)
            configs.append(ConfigInfo(
                subject, path, table.num_rows, len(own), len(sample), tuple(names.items()), dict(loaded.missing),
                Subject(subject, dict(loaded.backends)).versions,
                {n: sum(isinstance(o, str) for o in encoded[n]) for n in names}, (tmp / path).stat().st_size,
                table.nbytes, seconds, table.schema))
            say(subject, "written")
        per_category = {s.category: sum(x.category == s.category for x in sample) for s in sample}
        result = ExportResult(out, fmt, stress, seed, per_category, timeout, tuple(configs), time.monotonic() - started)
        card = dataset_card(result, command=command, corpus=corpus, cases=len(cases), exported_at=now())
        (tmp / "README.md").write_bytes(card.encode("utf-8"))
        _replace_dir(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExportError(f"cannot write the dataset to {out}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if saved is None:
            os.environ.pop("TOKFUZZ_TIMEOUT", None)
        else:
            os.environ["TOKFUZZ_TIMEOUT"] = saved
    return result


def _replace_dir(tmp: Path, out: Path) -> None:
    """Move the finished ``tmp`` to ``out``, an earlier export there renamed away first
    and removed after; the parent directory is fsynced so the renames are durable."""
    old = None
    if out.exists():
        old = tmp.with_name(f".{out.name}.{secrets.token_hex(6)}.old")
        os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        if old is not None:
            os.rename(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    fd = os.open(out.absolute().parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
