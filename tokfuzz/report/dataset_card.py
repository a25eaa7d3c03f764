"""The dataset card and schema of an export (``tokfuzz export``, tokfuzz.report.export).

``COLUMNS`` and ``BACKEND_COLUMNS`` are the schema of every config; ``dataset_card``
writes the ``README.md`` the dataset hubs read: a YAML header (Hugging Face dataset card
metadata: license, configs with their data files, features in ``datasets`` syntax,
splits), then how the export was made, its configs, the schema, how to load it and its
caveats.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from tokfuzz.backends.models import library_version

__all__ = ["BACKEND_COLUMNS", "COLUMNS", "MARKER", "SPLIT", "ConfigInfo", "ExportResult", "dataset_card"]

SPLIT = "test"
"""The one split of every config: the rows are evaluation data, not training data."""
MARKER = "<!-- written by `tokfuzz export`: this directory is replaced whole by the next export -->"
"""The line of the card that marks a directory ``tokfuzz export`` may replace."""

_STR, _I32, _BOOL = pa.string(), pa.int32(), pa.bool_()
_I32S, _STRS = pa.list_(pa.int32()), pa.list_(pa.string())

COLUMNS: tuple[tuple[str, pa.DataType, str], ...] = (
    ("source", _STR, '`"corpus"` (a corpus case) or `"stress"` (a generated stress input)'),
    ("id", _STR, "the case id (corpus); null for stress rows"),
    ("input", _STR, "the input as UTF-8 text, each lone surrogate replaced by U+FFFD"),
    ("input_codepoints", _I32S, "the exact input, one code point per item (lone surrogates and NUL included)"),
    ("has_lone_surrogate", _BOOL, "true when the input holds a lone surrogate, so `input` is not exact"),
    ("category", _STR, "the stress category (`emoji`, `mixed_script`, `code:<lang>`, `whitespace`, `long`, "
                       "`special`); null for corpus rows"),
    ("scripts", _STRS, "ISO 15924 scripts of the letters and non-ASCII digits (UAX #24), sorted"),
    ("emoji_kinds", _STRS, "UTS #51 emoji sequence kinds found: single, presentation_selector, modifier_sequence, "
                           "flag_sequence, keycap_sequence, tag_sequence, zwj_sequence, not_rgi"),
    ("code_language", _STR, "the language of a `code:<lang>` stress input; null otherwise (never guessed)"),
    ("length_bucket", _STR, "length in code points: `0`, `1-8`, `9-64`, `65-512`, `513-4096`, `4097+`"),
    ("n_codepoints", _I32, "length in code points"),
    ("n_graphemes", _I32, "length in extended grapheme clusters (UAX #29)"),
    ("n_bytes", _I32, "length of `input` in UTF-8 bytes"),
    ("property", _STR, "the property the case fails (corpus); null for stress rows"),
    ("status", _STR, "`open`, `expected` or `fixed` (corpus); null for stress rows"),
    ("signature", _STR, "the class: `property|subject|backends|kind|shape` (corpus); null for stress rows"),
    ("root_cause", _STR, "the root cause name shared across classes; null when unset and for stress rows"),
    ("note", _STR, "why (triage note, upstream link) (corpus); null for stress rows"),
    ("backends", _STRS, "the backends the case compares (corpus); null for stress rows"),
    ("found_by", _STR, "the engine and strategy that found the case (corpus); null for stress rows"),
    ("found_at", _STR, "when the case was found, ISO-8601 (corpus); null for stress rows"),
    ("observed_json", _STR, "what the backends returned when the case was found, as ASCII JSON (corpus; vocab "
                            "cases hold their token id under `id`); null for stress rows"),
)
"""(name, Arrow type, meaning) of the columns every config has, in order."""

BACKEND_COLUMNS: tuple[tuple[str, pa.DataType, str], ...] = (
    ("ids_{}", _I32S, "the ids the backend encodes `input_codepoints` to now (no BOS/EOS); null on error"),
    ("n_tokens_{}", _I32, "the number of those ids; null on error"),
    ("error_{}", _STR, "`<ExceptionType>: <message>` when the call raised, crashed or hung; null otherwise"),
)
"""(name pattern, Arrow type, meaning) of the three columns of each backend, in order."""


@dataclass(frozen=True)
class ConfigInfo:
    """One written config: ``subject``, its data file (``path``, relative to the out
    directory), row counts, the backends as (name, column suffix) in column order, the
    specs that did not load with the reason (``unavailable``), library ``versions`` per
    backend, rows with an error per backend (``errors``), the file's size and the table's
    size in memory (``arrow_bytes``, what the card's ``num_bytes`` says), in bytes, the
    seconds spent encoding, and the Arrow schema."""

    subject: str
    path: str
    rows: int
    corpus_rows: int
    stress_rows: int
    backends: tuple[tuple[str, str], ...]
    unavailable: Mapping[str, str]
    versions: Mapping[str, Mapping[str, str]]
    errors: Mapping[str, int]
    size: int
    arrow_bytes: int
    seconds: float
    schema: pa.Schema = field(repr=False)


@dataclass(frozen=True)
class ExportResult:
    """What ``export_dataset`` wrote: the out directory, format, stress size and seed,
    stress inputs per category, the time limit of one call (seconds), the configs in card
    order, and the wall time in seconds."""

    out: Path
    fmt: str
    stress: int
    seed: int
    stress_categories: Mapping[str, int]
    timeout: float
    configs: tuple[ConfigInfo, ...]
    seconds: float


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax, which YAML 1.2 reads as is)."""
    return json.dumps(value, ensure_ascii=False)


def _feature(name: str, kind: pa.DataType) -> list[str]:
    """The ``datasets`` feature of one column, as YAML lines (``dtype: int32``, or
    ``sequence: string`` for a list)."""
    if pa.types.is_list(kind):
        return [f"  - name: {name}", f"    sequence: {kind.value_type}"]
    return [f"  - name: {name}", f"    dtype: {'bool' if pa.types.is_boolean(kind) else kind}"]


def _size_category(rows: int) -> str:
    """The hubs' ``size_categories`` value of a dataset of ``rows`` rows."""
    for bound, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if rows < bound:
            return name
    return "n>1M"


def _header(result: ExportResult) -> list[str]:
    """The card's YAML header (Hugging Face dataset card metadata): license, name, tags,
    size, one config per subject with its data file, and each config's features."""
    lines = ["---", "license: apache-2.0", f"pretty_name: {_q('tokfuzz corpus and stress set')}",
             "tags:", "- tokenization", "- unicode", "- fuzzing", "- tokfuzz",
             "size_categories:", f"- {_q(_size_category(sum(c.rows for c in result.configs)))}", "configs:"]
    for c in result.configs:
        lines += [f"- config_name: {_q(c.subject)}", "  data_files:", f"  - split: {SPLIT}", f"    path: {_q(c.path)}"]
    lines.append("dataset_info:")
    for c in result.configs:
        lines += [f"- config_name: {_q(c.subject)}", "  features:"]
        for f in c.schema:
            lines += _feature(f.name, f.type)
        lines += ["  splits:", f"  - name: {SPLIT}", f"    num_bytes: {c.arrow_bytes}", f"    num_examples: {c.rows}"]
    return [*lines, "---"]


def _type_name(kind: pa.DataType) -> str:
    """``list<int32>``, ``int32``, ``string``, ``bool``: the Arrow type as the card shows it."""
    return f"list<{kind.value_type}>" if pa.types.is_list(kind) else str(kind)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def dataset_card(result: ExportResult, *, command: str, corpus: str, cases: int, exported_at: str) -> str:
    """The ``README.md`` of an export: YAML header, then how it was made (command, corpus,
    stress size and seed, tokfuzz and library versions per backend, the date), the
    configs, the schema, how to load it, and its caveats. Only the ``Exported at`` line
    depends on when it was written."""
    ext = result.fmt
    first = result.configs[0]
    stress = (f"{result.stress} generated inputs per category (code: spread over its languages), seed {result.seed}: "
              + ", ".join(f"{k} {v}" for k, v in result.stress_categories.items())) if result.stress else "none"
    lines = [*_header(result), MARKER, "", "# tokfuzz corpus and stress set", "",
             "Inputs that break tokenizers, with the ids each tokenizer library gives them. Every **corpus** row is a "
             "minimal witness that tokfuzz (a tokenizer fuzzing harness) found and triaged (a property that fails, its class, "
             "status and note); every **stress** row is generated text that no tokenizer *needs* to fail on (emoji "
             "sequences, mixed-script identifiers, code with non-ASCII string literals, odd whitespace, long inputs, "
             "control-token lookalikes). One config per tokenizer model (subject), one split (`test`).", "",
             "## How it was made", "",
             f"* Command: `{command}`" if command else "* Command: `tokfuzz export` (Python API)",
             f"* Corpus: `{corpus or '-'}`, {cases} case(s), {sum(c.corpus_rows for c in result.configs)} of them "
             "(the configs' subjects') as rows",
             f"* Stress sample: {stress}",
             f"* tokfuzz {library_version('tokfuzz')}; categories from regex {library_version('regex')}, "
             f"emoji {library_version('emoji')}, fonttools {library_version('fonttools')}, pyarrow {pa.__version__}",
             "* Each backend encoded each input once, as its library is called by default (no special tokens "
             f"added), in a guarded child process, at most {result.timeout:g} s per call; a call that raised, "
             "crashed or hung has null ids and an error.",
             "* The same corpus, stress size, seed and library versions give byte-identical data files and this "
             "card but for the next line (except rows whose call hit the time limit).",
             f"* Exported at: {exported_at}", "", "## Configs", "",
             "| config | rows | corpus | stress | backends (reference first) |", "| --- | ---: | ---: | ---: | --- |"]
    lines += [f"| `{c.subject}` | {c.rows} | {c.corpus_rows} | {c.stress_rows} | "
              f"{', '.join(name for name, _ in c.backends) or '(none loaded)'} |" for c in result.configs]
    for c in result.configs:
        lines += ["", f"### `{c.subject}` (`{c.path}`)", "", "| backend | columns | libraries | rows with an error |",
                  "| --- | --- | --- | ---: |"]
        for i, (name, suffix) in enumerate(c.backends):
            libs = ", ".join(f"{lib} {v}" for lib, v in c.versions.get(name, {}).items())
            role = " (reference)" if i == 0 else ""
            lines.append(f"| {name}{role} | `ids_{suffix}`, `n_tokens_{suffix}`, `error_{suffix}` | {_cell(libs)} | "
                         f"{c.errors.get(name, 0)} |")
        lines += [f"* not loaded: `{spec}`: {_cell(why)}" for spec, why in c.unavailable.items()]
    lines += ["", "## Schema", "", "| column | type | meaning |", "| --- | --- | --- |"]
    lines += [f"| `{name}` | {_type_name(kind)} | {_cell(meaning)} |" for name, kind, meaning in COLUMNS]
    lines += [f"| `{pattern.format('<backend>')}` | {_type_name(kind)} | {_cell(meaning)} |"
              for pattern, kind, meaning in BACKEND_COLUMNS]
    lines += ["", "Backend columns: the backend name lower-cased, every run of other characters than `a-z0-9` as "
              "`_` (`bpe-openai` -> `ids_bpe_openai`). Emoji kinds follow UTS #51 (`not_rgi`: a sequence the emoji "
              "data does not list); scripts are UAX #24 Script values without Common, Inherited and Unknown; "
              "`code_language` comes from the stress category, never from guessing.", "",
              "## Loading", "", "```python",
              "from datasets import load_dataset",
              f"ds = load_dataset(\"path/to/this/directory\", \"{first.subject}\", split=\"{SPLIT}\")",
              "import pandas as pd  # dtype_backend=\"pyarrow\" keeps int32 columns with nulls as int32",
              f"df = pd.read_parquet(\"{first.path}\", dtype_backend=\"pyarrow\")" if ext == "parquet"
              else f"df = pd.read_json(\"{first.path}\", lines=True, dtype_backend=\"pyarrow\")",
              "import polars as pl",
              f"pl.read_parquet(\"{first.path}\")" if ext == "parquet"
              else f"pl.read_ndjson(\"{first.path}\", infer_schema_length=None)  # a column may be null for 100 rows",
              "exact = \"\".join(map(chr, df.input_codepoints[0]))  # the exact input, lone surrogates included",
              "```", "", "```sql", "-- DuckDB",
              f"SELECT category, avg(n_tokens_{first.backends[0][1] if first.backends else 'x'}) "
              f"FROM '{first.path}' WHERE source = 'stress' GROUP BY category;", "```", "",
              "## Caveats", "",
              "* **Lone surrogates.** Parquet and JSON strings are UTF-8, which a lone surrogate (U+D800..U+DFFF) "
              "cannot be. `input` holds each as U+FFFD (`has_lone_surrogate` is then true); `input_codepoints` is "
              "always exact, and the ids were computed from the exact input.",
              "* **Corpus rows are known failures.** An `open` case is an unfixed difference between the backends, "
              "an `expected` one an accepted difference (see `note`); the ids of a corpus row are not ground truth. "
              "`observed_json` is what was seen when the case was found; the `ids_*` columns are today's.",
              "* **Time limit.** A call that ran past the time limit is an error (`CallDied: … (timeout)`, or "
              "`ProcessDied: …` for a port in its own process); whether a slow call makes it depends on the machine.",
              "* **License.** The rows are Apache-2.0 like tokfuzz; the token ids are outputs of the tokenizers "
              "named above, whose model files keep their own licenses.", ""]
    return "\n".join(lines)
