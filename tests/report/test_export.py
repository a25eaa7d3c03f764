"""``tokfuzz export`` (tokfuzz.report.export, tokfuzz.cli.export): the committed corpus read
back from the dataset with pyarrow, the stress sample's strata and reproducibility, the
guard around backends that raise, hang or crash, the out directory's safety, bad usage."""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.json as pj
import pyarrow.parquet as pq
import pytest
import yaml

from tokfuzz.backends.base import ConfigError, replace_surrogates
from tokfuzz.cli.main import main
from tokfuzz.findings.corpus import Case, Corpus, case_id
from tokfuzz.inputs.stress import stress_set
from tokfuzz.report.data import Loaded, subject_backends
from tokfuzz.report.export import COLUMNS, MARKER, ExportError, backend_columns, export_dataset

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpora"


class CodePoints:
    """A fake backend: the ids of a text are its code points (so the exact input shows
    in the ids); it raises, hangs or kills its process on marker words."""

    def __init__(self, name: str) -> None:
        self.name = name

    def encode(self, text: str) -> list[int]:
        if "PANIC" in text:
            raise BaseException("panicked at src/lib.rs:1:1")  # noqa: TRY002 - as pyo3's PanicException
        if "VALUE" in text:
            raise ValueError("no ids for that\nsecond line")
        if "HANG" in text:
            time.sleep(60)
        if "KILL" in text:
            os.kill(os.getpid(), signal.SIGSEGV)
        return [ord(c) for c in text]

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(map(chr, ids))


def _fake(subject: str) -> Loaded:
    return Loaded({"code-points": CodePoints("code-points"), "Twin": CodePoints("Twin")}, {"spm:x": "not installed"})


def _case(text: str, subject: str = "s", note: str = "why") -> Case:
    return Case(id=case_id("roundtrip", subject, text), input=text, property="roundtrip", subject=subject,
                backends=("code-points",), signature=f"roundtrip|{subject}|code-points|lost|L:Latn", status="open",
                note=note, found_by="hypothesis:test", found_at="2025-01-01T00:00:00+00:00", versions={},
                observed={"code-points": [1, 2]})


def _header(out: Path) -> dict[str, Any]:
    text = (out / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    header: dict[str, Any] = yaml.safe_load(text.split("\n---\n", 1)[0][4:])
    return header


def _exact(row: dict[str, Any]) -> str:
    return "".join(map(chr, row["input_codepoints"]))


def test_committed_corpus_every_case_is_a_row_with_its_exact_input_and_triage(tmp_path: Path) -> None:
    cases = Corpus(CORPUS).load()
    assert any(any("\ud800" <= c <= "\udfff" for c in case.input) for case in cases)  # the hard part is there
    out = tmp_path / "ds"
    result = export_dataset(cases, out=out, fmt="parquet", backends_of=_fake, command="tokfuzz export …")
    header = _header(out)
    subjects = sorted({c.subject for c in cases})
    assert [c["config_name"] for c in header["configs"]] == subjects == [c.subject for c in result.configs]
    seen: list[str] = []
    for config, info in zip(header["configs"], header["dataset_info"]):
        path = out / config["data_files"][0]["path"]
        table = pq.read_table(path)
        assert [f["name"] for f in info["features"]] == table.schema.names
        assert info["splits"][0]["num_examples"] == table.num_rows
        assert config["data_files"][0]["split"] == info["splits"][0]["name"] == "test"
        rows = table.to_pylist()
        own = [c for c in cases if c.subject == config["config_name"]]
        assert len(rows) == len(own)
        for case, row in zip(own, rows):
            assert _exact(row) == case.input  # exact: lone surrogates and NUL included
            assert row["input"] == replace_surrogates(case.input)
            assert row["has_lone_surrogate"] == (row["input"] != case.input)
            assert row["ids_code_points"] == row["input_codepoints"] == [ord(c) for c in case.input]
            assert row["n_tokens_code_points"] == len(case.input) and row["error_code_points"] is None
            assert (row["source"], row["id"], row["property"], row["status"], row["signature"]) == (
                "corpus", case.id, case.property, case.status, case.signature)
            assert (row["root_cause"], row["note"], row["backends"], row["found_by"], row["found_at"]) == (
                case.root_cause or None, case.note, list(case.backends), case.found_by, case.found_at)
            assert json.loads(row["observed_json"]) == dict(case.observed)
            assert row["category"] is None and row["code_language"] is None
            seen.append(row["id"])
    assert sorted(seen) == sorted(c.id for c in cases) and len(seen) == len(set(seen))


def test_jsonl_holds_the_same_rows_and_every_line_is_utf8(tmp_path: Path) -> None:
    cases = [_case("ok"), _case("lone \ud800 surrogate"), _case("nul \x00 and \u2028 break", note="n\u2029")]
    export_dataset(cases, out=tmp_path / "p", fmt="parquet", stress=1, backends_of=_fake)
    export_dataset(cases, out=tmp_path / "j", fmt="jsonl", stress=1, backends_of=_fake)
    table = pq.read_table(tmp_path / "p" / "data" / "s.parquet")
    raw = (tmp_path / "j" / "data" / "s.jsonl").read_bytes()
    lines = raw.decode("utf-8").split("\n")  # strict UTF-8: no surrogate escape can break a reader
    assert lines[-1] == "" and len(lines) - 1 == table.num_rows
    assert [json.loads(line) for line in lines[:-1]] == table.to_pylist()
    again = pj.read_json(tmp_path / "j" / "data" / "s.jsonl", parse_options=pj.ParseOptions(explicit_schema=table.schema))
    assert again.to_pylist() == table.to_pylist()
    assert [_exact(r) for r in table.to_pylist()[:3]] == [c.input for c in cases]
    assert table.column("root_cause").to_pylist()[:3] == [None] * 3  # unset, not ""
    assert _header(tmp_path / "j")["configs"][0]["data_files"][0]["path"] == "data/s.jsonl"


def test_committed_corpus_with_the_real_backends_of_two_subjects(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    argv = ["export", "--corpus", str(CORPUS), "--subject", "mistral-v3", "--subject", "claude", "--stress", "1",
            "--format", "parquet", "--out", str(out)]
    assert main(argv) == 0
    cases = Corpus(CORPUS).load()
    header = _header(out)
    assert [c["config_name"] for c in header["configs"]] == ["mistral-v3", "claude"]
    for subject in ("mistral-v3", "claude"):
        loaded = subject_backends(subject)
        names = backend_columns(list(loaded.backends))
        table = pq.read_table(out / "data" / f"{subject}.parquet")
        assert json.loads(table.schema.metadata[b"tokfuzz"])["columns"] == names
        rows = table.to_pylist()
        own = [c for c in cases if c.subject == subject]
        assert [r["id"] for r in rows if r["source"] == "corpus"] == [c.id for c in own]
        assert [_exact(r) for r in rows] == [c.input for c in own] + [s.text for s in stress_set(1, 0)]
        reference = next(iter(loaded.backends))
        for row in rows:
            for suffix in names.values():
                ids, n, error = row[f"ids_{suffix}"], row[f"n_tokens_{suffix}"], row[f"error_{suffix}"]
                assert (ids is None) == (n is None) == (error is not None)
                assert ids is None or n == len(ids)
            try:
                want: Any = loaded.backends[reference].encode(_exact(row))
            except BaseException as exc:  # noqa: BLE001 - a library error is a row's error
                if isinstance(exc, KeyboardInterrupt):
                    raise
                want = None
            assert row[f"ids_{names[reference]}"] == want
        surrogates = [r for r in rows if r["has_lone_surrogate"]]
        assert surrogates and all(r["error_hf"].startswith("TypeError") for r in surrogates)  # HF takes no lone surrogate
        assert sum(r["ids_hf"] is not None for r in rows) > len(rows) // 2


def test_stress_rows_are_reproducible_and_stratified(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    export_dataset([], out=a, fmt="parquet", stress=3, seed=7, subjects=["s"], backends_of=_fake, now=lambda: "monday")
    export_dataset([], out=b, fmt="parquet", stress=3, seed=7, subjects=["s"], backends_of=_fake, now=lambda: "tuesday")
    export_dataset([], out=c, fmt="parquet", stress=3, seed=8, subjects=["s"], backends_of=_fake)
    data = (a / "data" / "s.parquet").read_bytes()
    assert data == (b / "data" / "s.parquet").read_bytes()
    card_a, card_b = ((d / "README.md").read_text(encoding="utf-8").splitlines() for d in (a, b))
    assert [i for i, (x, y) in enumerate(zip(card_a, card_b)) if x != y] == [card_a.index("* Exported at: monday")]
    rows = pq.read_table(a / "data" / "s.parquet").to_pylist()
    other = pq.read_table(c / "data" / "s.parquet").to_pylist()
    assert [r["input"] for r in rows] != [r["input"] for r in other]
    assert [(r["input"], r["category"]) for r in rows] == [(s.text, s.category) for s in stress_set(3, 7)]
    per = Counter(r["category"] for r in rows)
    assert {k: per[k] for k in ("emoji", "mixed_script", "whitespace", "long", "special")} == dict.fromkeys(
        ("emoji", "mixed_script", "whitespace", "long", "special"), 3)
    assert sum(v for k, v in per.items() if k.startswith("code:")) == 3
    assert all(r["source"] == "stress" and r["id"] is None and r["property"] is None and r["backends"] is None
               for r in rows)
    assert all(r["code_language"] == r["category"][5:] for r in rows if r["category"].startswith("code:"))


def test_a_backend_that_raises_hangs_or_crashes_gives_errors_not_a_failed_export(tmp_path: Path) -> None:
    texts = ["ok", "PANIC", "VALUE", "HANG", "KILL", "after"]
    out = tmp_path / "ds"
    result = export_dataset([_case(t) for t in texts], out=out, fmt="parquet", timeout=1.0, backends_of=_fake)
    rows = pq.read_table(out / "data" / "s.parquet").to_pylist()
    errors = [r["error_code_points"] for r in rows]
    assert errors[0] is None and errors[5] is None and rows[5]["ids_code_points"] == [ord(c) for c in "after"]
    assert errors[1] == "BaseException: panicked at src/lib.rs:1:1"
    assert errors[2] == "ValueError: no ids for that"
    assert errors[3].startswith("CallDied") and errors[3].endswith("(timeout)")
    assert errors[4].startswith("CallDied") and errors[4].endswith("(crash:SIGSEGV)")
    assert all(r["ids_code_points"] is None and r["n_tokens_code_points"] is None for r in rows[1:5])
    assert result.configs[0].errors == {"code-points": 4, "Twin": 4}
    assert result.configs[0].backends == (("code-points", "code_points"), ("Twin", "twin"))
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "| code-points (reference) |" in card and "`spm:x`: not installed" in card
    assert os.environ.get("TOKFUZZ_TIMEOUT") != "1.0"  # the ports' limit was set for the export only


def test_out_directory_is_replaced_whole_or_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    export_dataset([_case("one")], out=out, fmt="parquet", backends_of=_fake)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert MARKER in (out / "README.md").read_text(encoding="utf-8")

    def breaks(subject: str) -> Loaded:
        if subject == "t":
            raise RuntimeError("the machine caught fire")
        return _fake(subject)

    with pytest.raises(RuntimeError):
        export_dataset([_case("two"), _case("x", subject="t")], out=out, fmt="parquet", backends_of=breaks)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]  # no temporary directory left
    export_dataset([_case("two")], out=out, fmt="jsonl", backends_of=_fake)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["README.md", "data", "data/s.jsonl"]
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(ExportError, match="other files"):
        export_dataset([_case("two")], out=other, fmt="parquet", backends_of=_fake)
    assert (other / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize(("args", "message"), [
    (["--stress", "-1"], "--stress must be a whole number >= 0"),
    (["--seed", "x"], "--seed must be a whole number >= 0"),
    (["--format", "csv"], "invalid choice: 'csv'"),
    (["--subject", "nosuch"], "unknown subject 'nosuch'"),
    (["--timeout", "0"], "--timeout must be > 0"),
    (["--out", "FILE"], "is a file, not a directory"),
    (["--out", "OTHER"], "holding other files"),
    (["--corpus", "EMPTY"], "holds no corpus"),
    (["--corpus", "MISSING"], "nothing exists there"),
])
def test_bad_usage_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                          message: str) -> None:
    corpus = tmp_path / "corpus"
    Corpus(corpus).add([_case("ok")])
    (tmp_path / "FILE").write_text("x")
    (tmp_path / "OTHER").mkdir()
    (tmp_path / "OTHER" / "x.txt").write_text("x")
    (tmp_path / "EMPTY").mkdir()
    paths = {"FILE", "OTHER", "EMPTY", "MISSING"}
    args = [str(tmp_path / a) if a in paths else a for a in args]
    base = {"--corpus": str(corpus), "--format": "parquet", "--out": str(tmp_path / "ds")}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    assert main(["export", *(x for kv in base.items() for x in kv)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tokfuzz: error:") and message in err and "\n" not in err and "Traceback" not in err
    assert not (tmp_path / "ds").exists()


def test_format_and_out_are_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--corpus", str(CORPUS)]) == 2
    assert "required" in capsys.readouterr().err


def test_export_dataset_refuses_what_the_cli_would(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown format"):
        export_dataset([_case("a")], out=tmp_path / "x", fmt="csv", backends_of=_fake)
    with pytest.raises(ExportError, match=">= 0"):
        export_dataset([_case("a")], out=tmp_path / "x", fmt="parquet", stress=-1, backends_of=_fake)
    with pytest.raises(ExportError, match="nothing to export"):
        export_dataset([], out=tmp_path / "x", fmt="parquet", backends_of=_fake)
    with pytest.raises(ExportError, match="no case of it and --stress is 0"):
        export_dataset([_case("a")], out=tmp_path / "x", fmt="parquet", subjects=["t"], backends_of=_fake)
    assert issubclass(ExportError, ConfigError)
    assert not (tmp_path / "x").exists()


def test_backend_columns_are_sql_names_without_clashes() -> None:
    assert backend_columns(["tiktoken", "bpe-openai", "js-tiktoken", "BPE_openai", "@scope/x"]) == {
        "tiktoken": "tiktoken", "bpe-openai": "bpe_openai", "js-tiktoken": "js_tiktoken", "BPE_openai": "bpe_openai_2",
        "@scope/x": "scope_x"}
    assert {name for name, _, _ in COLUMNS}.isdisjoint({f"{p}_{s}" for p in ("ids", "n_tokens", "error")
                                                        for s in ("tiktoken", "hf")})
