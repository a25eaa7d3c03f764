"""The vocabulary sweep (tokfuzz.engines.vocab): every id, counts per backend, classes
with one witness and the number of ids each, the bad ids past the swept range."""

from __future__ import annotations

from tests.fakes_vocab import VOCAB, ByteVocab, DropsUnknown, OtherBytes, Segfaults, WrapsNegative
from tokfuzz.backends.base import Backend
from tokfuzz.engines.vocab import sweep, vocab_findings
from tokfuzz.findings.corpus import Case


def _backends(*backends: Backend) -> dict[str, Backend]:
    return {b.name: b for b in backends}


def test_sweep_counts_every_id_and_groups_classes() -> None:
    seen: list[tuple[int, int]] = []
    backends = _backends(ByteVocab(), DropsUnknown(), OtherBytes(), WrapsNegative())
    result = sweep("custom", backends, chunk=100, progress=lambda done, total: seen.append((done, total)))
    assert result.ids == VOCAB and result.vocab_size == VOCAB and seen[-1] == (VOCAB, VOCAB) and len(seen) == 3
    assert result.specials == [256]
    assert result.bad_ids == {257: "vocab size", -1: "negative", 2**31 - 1: "int32 max", 0xE2: "lone byte piece 0xE2"}
    counts = result.counts
    assert [counts[n].checked for n in backends] == [VOCAB] * 4
    assert counts["other-bytes"].bytes_disagree == 1 and counts["drops-unknown"].bytes_disagree == 0
    assert all(c.undecodable == 0 and c.special == 1 for c in counts.values())
    assert result.unreachable == list(range(128, 257))  # partial UTF-8 bytes and the special token
    classes = {key: (c.witness, c.count) for key, c in result.classes.items()}
    assert classes == {
        ("bytes-differ", ("bytes", "other-bytes"), "text"): (65, 1),
        ("bad-id-dropped", ("drops-unknown",), "out-of-range"): (257, 2),  # 257 and 2**31 - 1: one class
        ("bad-id-wraps", ("wraps-negative",), "negative"): (-1, 1),
        ("bad-id-bytes", ("wraps-negative",), "negative"): (-1, 1),
    }


def test_findings_are_new_once_then_known_and_store_as_cases() -> None:
    backends = _backends(ByteVocab(), DropsUnknown())
    result = sweep("custom", backends, limit=16)
    assert result.ids == 16 and 0xE2 in result.bad_ids  # bad ids past the range are checked all the same
    found = vocab_findings(result, set(), backends["bytes"])
    assert [f.kind for f in found] == ["bad-id-dropped"] and found[0].new and found[0].count == 2
    f = found[0]
    assert f.signature.startswith("vocab|custom|drops-unknown|bad-id-dropped|") and f.input == "<id 257: out-of-range>"
    case = f.to_case({"drops-unknown": {"fakes": "1"}})
    assert Case.from_json(case.to_json()) == case
    assert case.observed["id"] == 257 and case.observed["count"] == 2 and case.observed["sample"] == "[257, 2147483647]"
    assert not any(g.new for g in vocab_findings(result, {f.signature}, backends["bytes"]))


def test_a_library_killing_the_process_on_an_id_is_a_class_not_the_end() -> None:
    result = sweep("custom", _backends(ByteVocab(), Segfaults()), limit=8)
    crash = result.classes[("crash:SIGSEGV", ("segfaults",), "out-of-range")]
    assert crash.witness == 2**31 - 1 and crash.text == "<id 2147483647: out-of-range>"
