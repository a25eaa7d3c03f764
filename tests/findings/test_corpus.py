"""The corpus store: exact round trips (surrogates, NUL), one sorted-key UTF-8 line per
case, de-duplication, byte-stable appends, atomic writes, one-line errors."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokfuzz.findings.corpus import Case, Corpus, CorpusError, case_id, now_iso

# st.text() leaves surrogates out; mix lone ones (and adjacent high+low pairs) and NUL in.
_SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
_TEXTS = st.one_of(
    st.text(),
    st.lists(st.one_of(st.text(max_size=4), _SURROGATE, st.just("\x00"), st.sampled_from("\x85\u2028\u2029\\\"\n")))
    .map("".join),
)


def _case(text: str = "a\u200db", *, subject: str = "cl100k_base", status: str = "open", **changes: Any) -> Case:
    fields: dict[str, Any] = dict(
        id=case_id("cross_backend", subject, text), input=text, property="cross_backend", subject=subject,
        backends=("hf", "tiktoken"), signature="cross_backend|cl100k_base|hf,tiktoken|ids-differ|L:Latn ZWJ L:Latn",
        status=status, note="", found_by="hypothesis:emoji", found_at="2025-01-31T12:00:00+00:00",
        versions={"tokenizers": "0.21.0", "tiktoken": "0.9.0"}, observed={"hf": [64, 102], "tiktoken": [64, 200]},
    )
    fields.update(changes)
    return Case(**fields)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TEXTS)
def test_any_string_survives_json_and_disk_exactly(tmp_path: Path, text: str) -> None:
    case = _case(text, note=text, observed={"hf": {"error": text}, text: [1]})
    line = case.to_json()
    assert "\n" not in line and len(line.splitlines()) == 1
    assert Case.from_json(line) == case
    root = Path(tempfile.mkdtemp(dir=tmp_path))  # tmp_path is shared by all examples
    assert Corpus(root).add([case]) == [case]
    assert Corpus(root).load() == [case]
    (path,) = root.iterdir()
    data = path.read_bytes()
    data.decode("utf-8")  # strict: the file is valid UTF-8
    assert data == line.encode("utf-8") + b"\n"


def test_a_line_has_sorted_keys_and_non_ascii_as_itself() -> None:
    line = _case("👨\u200d👩\u200d👧 é\ud800\x00").to_json()
    keys = list(json.loads(line))
    assert keys == sorted(keys)
    assert "👨" in line and "é" in line
    assert "\\ud800" in line and "\\u0000" in line
    assert json.loads(line)["backends"] == ["hf", "tiktoken"]


def test_adjacent_high_and_low_surrogates_stay_two_code_points() -> None:
    case = _case("\ud83d\ude00")
    assert Case.from_json(case.to_json()).input == "\ud83d\ude00"
    # an escaped backslash before "u" is not an escape
    assert Case.from_json(_case("\\ud800").to_json()).input == "\\ud800"


def test_case_id_is_16_hex_and_covers_surrogates() -> None:
    a = case_id("roundtrip", "cl100k_base", "\ud800")
    assert len(a) == 16 and int(a, 16) >= 0
    assert a != case_id("roundtrip", "cl100k_base", "\udc00")
    assert a != case_id("roundtrip", "o200k_base", "\ud800")
    assert case_id("cross_backend", "s", "x", ("hf", "tiktoken")) != case_id("cross_backend", "s", "x", ("tiktoken", "tokie"))


def test_now_iso_is_utc_seconds() -> None:
    stamp = now_iso()
    assert stamp.endswith("+00:00") and "." not in stamp


def test_add_deduplicates_by_id_across_files_and_within_a_batch(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path / "corpora")
    first, other = _case("x"), _case("y", subject="o200k_base")
    assert corpus.add([first, other, first]) == [first, other]
    assert corpus.add([first.replace(note="again"), other]) == []
    assert corpus.ids() == {first.id, other.id}
    assert sorted(p.name for p in corpus.root.iterdir()) == ["cl100k_base.jsonl", "o200k_base.jsonl"]


def test_add_keeps_earlier_lines_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "cl100k_base.jsonl"
    # hand-written earlier lines: other spacing, key order, a blank line, no final newline
    earlier = json.dumps(json.loads(_case("x").to_json()), indent=None, separators=(",", ":"))
    path.write_bytes(earlier.encode("utf-8") + b"\n\n" + _case("y").to_json().encode("utf-8"))
    before = path.read_bytes()
    Corpus(tmp_path).add([_case("z"), _case("w")])
    after = path.read_bytes()
    assert after.startswith(before + b"\n")
    assert after.endswith(b"\n")
    assert [c.input for c in Corpus(tmp_path).load()] == ["x", "y", "z", "w"]


def test_an_absent_root_is_an_empty_corpus_created_on_first_write(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path / "a" / "b")
    assert corpus.load() == [] and corpus.ids() == set()
    corpus.add([_case()])
    assert (tmp_path / "a" / "b" / "cl100k_base.jsonl").is_file()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": "abc", "input": "x"', "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (_case().to_json().replace('"status": "open"', '"status": "closed"'), "'status' is 'closed'"),
        (_case().to_json().replace('"note": ""', '"nope": ""'), "missing key(s) 'note'"),
        (_case().to_json().replace('"note": ""', '"note": 3'), "'note' must be a string"),
        (_case().to_json().replace('"backends": ["hf", "tiktoken"]', '"backends": "hf"'), "'backends'"),
        (_case().to_json()[:-1] + ', "extra": 1}', "unknown key(s) 'extra'"),
    ],
)
def test_a_corrupt_line_names_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "cl100k_base.jsonl"
    path.write_text(_case("ok").to_json() + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        Corpus(tmp_path).load()
    message = str(info.value)
    assert info.value.path == path and info.value.line == 3
    assert message.startswith(f"{path}:3: ") and problem in message and " — " in message
    assert "\n" not in message


def test_invalid_utf8_and_duplicate_ids_are_corpus_errors(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": "\xff"}\n')
    with pytest.raises(CorpusError, match=r"a\.jsonl:1: not valid UTF-8"):
        Corpus(tmp_path).load()
    path.write_text(_case().to_json() + "\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(_case().to_json() + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"b\.jsonl:1: duplicate id .* — delete one"):
        Corpus(tmp_path).ids()


def test_a_failed_write_leaves_the_previous_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = Corpus(tmp_path)
    corpus.add([_case("x")])
    path = tmp_path / "cl100k_base.jsonl"
    before = path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk on fire"):
        corpus.add([_case("y")])
    with pytest.raises(OSError, match="disk on fire"):
        corpus.update(_case("x").id, status="fixed", note="n")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["cl100k_base.jsonl"]  # no temporary file left


def test_update_changes_status_and_note_and_keeps_other_lines(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    x, y, z = _case("x"), _case("y"), _case("z")
    corpus.add([x, y, z])
    path = tmp_path / "cl100k_base.jsonl"
    lines = path.read_bytes().split(b"\n")
    updated = corpus.update(y.id, status="expected", note="HF splits ZWJ: https://example.org/issue/1")
    assert updated == y.replace(status="expected", note="HF splits ZWJ: https://example.org/issue/1")
    new_lines = path.read_bytes().split(b"\n")
    assert new_lines[0] == lines[0] and new_lines[2] == lines[2] and new_lines[1] != lines[1]
    assert corpus.load() == [x, updated, z]
    with pytest.raises(KeyError):
        corpus.update("0000000000000000", status="fixed", note="")
    with pytest.raises(ValueError, match="status"):
        corpus.update(x.id, status="done", note="")  # type: ignore[arg-type]


def test_bad_cases_are_refused_before_they_reach_a_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="status"):
        _case(status="wontfix")
    with pytest.raises(ValueError, match="cannot name a corpus file"):
        Corpus(tmp_path).add([_case(subject="../evil")])
    assert list(tmp_path.iterdir()) == []


def _add_many(root: str, worker: int) -> None:
    for i in range(15):
        Corpus(Path(root)).add([_case(f"w{worker}-{i}", id=f"{worker:02d}{i:014d}", signature=f"sig-{worker}-{i}")])


def test_concurrent_writers_in_several_processes_lose_nothing(tmp_path: Path) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_add_many, args=(str(tmp_path), w)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert len(Corpus(tmp_path).ids()) == 60


def test_one_per_signature_keeps_the_first_witness_of_a_class(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    first, second = _case("a\u200db", id="1" * 16), _case("x\u200dy", id="2" * 16)
    assert corpus.add([first]) == [first]
    assert corpus.add([second], one_per_signature=True) == []
    assert corpus.add([second]) == [second]  # without it, only ids de-duplicate


def test_root_cause_is_optional_and_omitted_when_empty(tmp_path: Path) -> None:
    plain = _case("x")
    assert "root_cause" not in json.loads(plain.to_json())  # corpora written before step 11 stay as they are
    named = plain.replace(root_cause="hf:surrogate-raises")
    assert json.loads(named.to_json())["root_cause"] == "hf:surrogate-raises"
    assert Case.from_json(named.to_json()) == named and Case.from_json(plain.to_json()).root_cause == ""
    with pytest.raises(ValueError, match="root_cause"):
        plain.replace(root_cause=3)


def test_update_many_rewrites_each_file_once_and_is_all_or_nothing(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    x, y, z = _case("x"), _case("y"), _case("z", subject="o200k_base")
    corpus.add([x, y, z])
    before = (tmp_path / "cl100k_base.jsonl").read_bytes()
    with pytest.raises(KeyError):
        corpus.update_many({x.id: {"root_cause": "a"}, "0000000000000000": {"root_cause": "a"}})
    with pytest.raises(ValueError, match="cannot change"):
        corpus.update_many({x.id: {"input": "q"}})
    assert (tmp_path / "cl100k_base.jsonl").read_bytes() == before
    updated = corpus.update_many({x.id: {"root_cause": "a"}, z.id: {"root_cause": "b", "status": "expected"}})
    assert [c.id for c in updated] == [x.id, z.id]
    assert corpus.load() == [x.replace(root_cause="a"), y, z.replace(root_cause="b", status="expected")]
