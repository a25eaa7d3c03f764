"""Golden-id snapshots (tokfuzz.report.snapshot) and their check (tokfuzz.report.drift,
tokfuzz.report.localize): inputs kept exactly, a damaged file refused, a planted drift in
the real cl100k_base reported in one class with a 1-minimal witness, localized when no
backend agrees, errors and crashes recorded as outcomes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.drift_plugin import ZWJ, ZwjDrift
from tests.fakes import Chars, RaisesOnDigits
from tokfuzz.backends.base import ConfigError
from tokfuzz.backends.registry import load_backend
from tokfuzz.findings.minimize import graphemes, is_one_minimal
from tokfuzz.report.drift import check_snapshot, drift_kind, reference_oracle, version_changes
from tokfuzz.report.localize import localize
from tokfuzz.report.snapshot import (
    FORMAT, Outcome, SnapshotError, create_snapshot, input_sha256, read_snapshot, snapshot_inputs, write_snapshot,
)
from tokfuzz.inputs.stress import stress_set

HARD = ["a\x00b", "\ud800", "x\udfffy", "\ud83d\ude00", "\U0001f600", "\u2028\x85\u2029", "\\ud800 literal", "e\u0301",
        "\ufeff", "", "tab\there\nnew line"]
"""Inputs a file must keep exactly: NUL, lone surrogates (a high then a low one is two
code points, never the astral character they would encode), the line breaks JSON leaves
raw, an escape spelled out, combining marks, BOM, the empty string."""


@pytest.fixture(scope="module")
def cl100k() -> object:
    return load_backend("tiktoken:cl100k_base")


@pytest.fixture(scope="module")
def cl100k_snapshot(cl100k: object) -> object:
    """cl100k_base's snapshot of the stress set (n=3) plus texts holding ZWJ or not."""
    given = ["a\u200db", "👨\u200d👩\u200d👧 family", "no joiner here", "x" * 300 + ZWJ + "y" * 300]
    return create_snapshot("cl100k_base", stress=3, given=given, reference=cl100k)  # type: ignore[arg-type]


def test_every_input_survives_the_file_exactly(tmp_path: Path) -> None:
    snap = create_snapshot("custom", ["python:tests.fakes:Chars"], stress=0, given=HARD)
    path = tmp_path / "s.jsonl"
    write_snapshot(snap, path)
    back = read_snapshot(path)
    assert back == snap
    assert [e.input for e in back.entries] == HARD and [e.outcome.ids for e in back.entries] == [
        tuple(ord(c) for c in t) for t in HARD]
    raw = path.read_bytes()
    raw.decode("utf-8")  # strict UTF-8: no raw surrogate in the file
    assert raw.count(b"\n") == len(HARD) + 1 and b"\\ud83d" in raw and "😀".encode() in raw
    header = json.loads(raw.split(b"\n")[0])
    assert header["format"] == FORMAT and header["reference"] == {
        "name": "chars", "spec": "python:tests.fakes:Chars", "chosen": "first --backend"}
    assert header["inputs"] == len(HARD) and header["stress"] == {"n": 0, "seed": 0}
    assert [json.loads(line)["sha256"] for line in raw.split(b"\n")[1:-1]] == [input_sha256(t) for t in HARD]
    gz = tmp_path / "s.jsonl.gz"
    gz.write_bytes(gzip.compress(raw))
    assert read_snapshot(gz) == snap


def test_inputs_are_the_stress_set_then_the_corpus_each_once() -> None:
    stress = stress_set(2, 7)
    inputs = snapshot_inputs(2, 7, given=[stress[0].text, "fresh"])
    assert [t for t, _ in inputs] == [s.text for s in stress] + ["fresh"]
    assert inputs[0][1] == f"stress:{stress[0].category}" and inputs[-1][1] == "given"


@pytest.mark.parametrize(("damage", "needle"), [
    (lambda lines: lines[:-1], "holds 2 entries, its header says 3: the file is cut short"),
    (lambda lines: [*lines[:2], lines[2].replace(b'"input":"b"', b'"input":"B"'), *lines[3:]], ":3: the input does not match its sha256"),
    (lambda lines: [lines[0], lines[1][:20], *lines[2:]], ":2: not valid JSON"),
    (lambda lines: [lines[0].replace(FORMAT.encode(), b"tokfuzz-snapshot/9"), *lines[1:]], ":1: format 'tokfuzz-snapshot/9'"),
    (lambda lines: [b'{"id": "x", "input": "a"}', *lines[1:]], ":1: the first line is not a snapshot header"),
    (lambda lines: [lines[0], lines[1] + b"\xff", *lines[2:]], ":2: not valid UTF-8"),
    (lambda lines: [lines[0], lines[1], lines[1], *lines[3:]], ":3: input repeated (first on line 2)"),
    (lambda lines: [], "empty file"),
])
def test_a_damaged_file_is_refused_in_one_line(damage: object, needle: str, tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_snapshot(create_snapshot("custom", ["python:tests.fakes:Chars"], stress=0, given=["a", "b", "c"]), path)
    lines = path.read_bytes().split(b"\n")[:-1]
    path.write_bytes(b"".join(line + b"\n" for line in damage(lines)))  # type: ignore[operator]
    with pytest.raises(SnapshotError) as caught:
        read_snapshot(path)
    assert needle in str(caught.value) and "\n" not in str(caught.value) and str(caught.value).startswith(f"snapshot {path}")
    assert isinstance(caught.value, ConfigError)


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="no such file — give the file `tokfuzz snapshot create --out"):
        read_snapshot(tmp_path / "absent.jsonl")


def test_errors_and_crashes_are_outcomes_and_a_changed_one_is_drift() -> None:
    snap = create_snapshot("custom", ["python:tests.fakes:RaisesOnDigits"], stress=0, given=["abc", "a1", "~"])
    assert [e.outcome for e in snap.entries] == [Outcome(ids=(97, 98, 99)), Outcome(error="ValueError: digits are not supported"),
                                                 Outcome(ids=(126,))]
    crashing = load_backend("python:tests.drift_plugin:ExitsOnTilde")
    reference = RaisesOnDigits()  # the snapshot's reference, unchanged: the oracle the others are shrunk against
    result = check_snapshot(snap, {reference.name: reference, "chars": Chars(), crashing.name: crashing}, timeout=5)
    assert result.per_backend()[reference.name] == (0, 0)
    kinds = {(c.backend, c.kind, c.witness) for c in result.classes}
    assert ("chars", "no-longer-raises", "0") in kinds  # Chars does not raise on digits; "a1" shrinks to "1", simplified to "0"
    crash = next(c for c in result.classes if c.backend == "chars-exits" and c.kind == "now-raises" and c.witness == "~")
    assert crash.now.error is not None and "crash:exit-3" in crash.now.error and crash.how == "minimized"


def test_a_hang_is_an_outcome_and_its_witness_is_shrunk() -> None:
    snap = create_snapshot("custom", ["python:tests.fakes:Chars"], stress=0, given=["ab~c", "plain"])
    hangs = load_backend("python:tests.drift_plugin:HangsOnTilde")
    result = check_snapshot(snap, {"chars": Chars(), hangs.name: hangs}, timeout=0.25)  # each hang costs 2 timeouts (Forked)
    assert [(c.backend, c.kind, c.witness, len(c.drifts)) for c in result.classes] == [("chars-hangs", "now-raises", "~", 1)]
    assert result.classes[0].now.error is not None and "(timeout)" in result.classes[0].now.error


def test_drift_kinds() -> None:
    ids, other, err, err2 = Outcome(ids=(1,)), Outcome(ids=(2,)), Outcome(error="E: x"), Outcome(error="E: y")
    assert [drift_kind(ids, ids), drift_kind(ids, other), drift_kind(ids, err), drift_kind(err, ids), drift_kind(err, err2)] == [
        None, "ids-changed", "now-raises", "no-longer-raises", "error-changed"]


def test_planted_drift_is_one_class_with_a_one_minimal_witness(cl100k_snapshot: object, cl100k: object) -> None:
    snap = cl100k_snapshot
    drifted = ZwjDrift()
    result = check_snapshot(snap, {drifted.name: drifted},  # type: ignore[arg-type]
                            oracles=lambda: reference_oracle(snap.header, [drifted.name]))  # type: ignore[attr-defined]
    with_zwj = {e.sha256 for e in snap.entries if ZWJ in e.input and e.outcome.ids is not None}  # type: ignore[attr-defined]
    assert len(with_zwj) >= 5
    assert [c.signature for c in result.classes] == ["snapshot|cl100k_base|tiktoken-next|ids-changed|ZWJ"]
    cls = result.classes[0]
    assert {d.entry.sha256 for d in cls.drifts} == with_zwj and result.drifted_inputs == len(with_zwj)
    assert cls.witness == ZWJ and cls.how == "minimized" and cls.oracle == "tiktoken" and "1-minimal" in cls.note
    assert cls.then == Outcome(ids=tuple(cl100k.encode(ZWJ))) and cls.now == Outcome(ids=())  # type: ignore[attr-defined]
    assert is_one_minimal(cls.witness, lambda t: cl100k.encode(t) != drifted.encode(t))  # type: ignore[attr-defined]
    assert "loaded as an oracle" in result.oracle_note
    assert [(v.library, v.now, v.backends) for v in result.version_changes()] == [("tiktoken", "0.99.0", ("tiktoken-next",))]


def test_a_checked_backend_that_still_agrees_is_the_oracle(cl100k_snapshot: object, cl100k: object) -> None:
    drifted = ZwjDrift()
    result = check_snapshot(cl100k_snapshot, {"tiktoken": cl100k, drifted.name: drifted},  # type: ignore[arg-type,dict-item]
                            oracles=lambda: pytest.fail("no extra oracle is needed"))  # type: ignore[arg-type,return-value]
    assert [(c.backend, c.witness, c.oracle) for c in result.classes] == [("tiktoken-next", ZWJ, "tiktoken")]
    assert result.per_backend() == {"tiktoken": (0, 0), "tiktoken-next": (len(result.classes[0].drifts), 1)}


def test_without_an_agreeing_backend_the_drift_is_localized(cl100k_snapshot: object) -> None:
    snap = cl100k_snapshot
    drifted = ZwjDrift()
    result = check_snapshot(snap, {drifted.name: drifted})  # type: ignore[arg-type]
    assert result.classes and all(c.how == "localized" and c.oracle is None for c in result.classes)
    for cls in result.classes:
        assert "localized, not minimized" in cls.note and "no loaded backend agrees" in cls.note
        assert ZWJ in cls.witness
        # the witness is whole grapheme clusters of an input of the class, its ids runs of that input's ids
        source = next(d for d in cls.drifts if cls.witness in d.entry.input
                      and _run_of(cls.then.ids, d.entry.outcome.ids) and _run_of(cls.now.ids, d.now.ids))
        start = source.entry.input.index(cls.witness)
        bounds, at = {0}, 0
        for cluster in graphemes(source.entry.input):
            at += len(cluster)
            bounds.add(at)
        assert start in bounds and start + len(cls.witness) in bounds
    long_one = next(c for c in result.classes if any(d.entry.input.startswith("x" * 300) for d in c.drifts))
    assert ZWJ in long_one.witness and len(long_one.witness) < 100  # the run around the joiner, not 601 characters


def _run_of(part: tuple[int, ...] | None, whole: tuple[int, ...] | None) -> bool:
    """Is ``part`` a contiguous run of ``whole``?"""
    assert part is not None and whole is not None
    return any(whole[i:i + len(part)] == part for i in range(len(whole) - len(part) + 1))


def test_localize_spans() -> None:
    tb = lambda i: chr(i).encode("utf-8", "surrogatepass")  # noqa: E731 - one id per code point, as tests.fakes.Chars
    text = "ab👨\u200d👩cd"
    then = Outcome(ids=tuple(map(ord, text)))
    now = Outcome(ids=tuple(ord(c) for c in text if c != ZWJ))
    assert localize(text, then, now, tb)[:3] == ("👨\u200d👩", Outcome(ids=(0x200D,)), Outcome(ids=()))
    assert localize(text, then, Outcome(error="E: x"), tb)[0] == text  # an error has no tokens to align
    assert localize(text, then, now, None)[0] == text  # no token bytes
    assert localize(text, then, now, lambda i: b"?")[0] == text  # token bytes that do not spell it
    two = "a-b-c"
    note = localize(two, Outcome(ids=tuple(map(ord, two))), Outcome(ids=(97, 0, 98, 0, 99)), tb)
    assert note[0] == "-" and "the first of 2 differing token runs" in note[3]
    spm = lambda i: b" " + tb(i) if i == ord("h") else tb(i)  # noqa: E731 - a SentencePiece dummy prefix on the first piece
    assert localize("hi!", Outcome(ids=(104, 105, 33)), Outcome(ids=(104, 105, 34)), spm)[0] == "!"


def test_a_spec_from_a_file_is_never_run(tmp_path: Path) -> None:
    snap = create_snapshot("custom", ["python:tests.fakes:Chars"], stress=0, given=["a"])
    marker = tmp_path / "ran"
    header = snap.header.__class__(**{**snap.header.__dict__, "reference": "x", "reference_spec": f"cmd:touch {marker}"})
    assert reference_oracle(header, []) [0] == {} and not marker.exists()
    assert reference_oracle(snap.header, [])[0] == {}  # python: specs are not imported from a header either


def test_version_changes_name_the_library_and_backends(cl100k_snapshot: object) -> None:
    head = cl100k_snapshot.header  # type: ignore[attr-defined]
    installed = head.versions["tiktoken"]["tiktoken"]
    assert version_changes(head, {"tiktoken": {"tiktoken": installed}, "hf": {"tokenizers": head.libraries["tokenizers"]}}) == []
    moved = version_changes(head, {"a": {"tiktoken": "9"}, "b": {"tiktoken": "9"}, "port": {"someport": "1"}})
    assert [(m.library, m.then, m.now, m.backends) for m in moved] == [("tiktoken", installed, "9", ("a", "b"))]
