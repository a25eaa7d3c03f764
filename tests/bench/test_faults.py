"""The planted-fault benchmark's harness logic (bench/): the fault plugins load, are
exact on clean text, show their fault on a hand-made trigger, and a finding is
attributed to the fault only when the real backend does not share it. Fast: no
fuzzing here (the benchmark itself is ``make bench-faults``)."""

from __future__ import annotations

import pytest

import bench.faults
from bench.faults import FAULTS, FaultyBackend, is_planted, reference_backend, string_literal_spans
from bench.results import Trial, summarize
from tokfuzz import load_backend
from tokfuzz.engines.hunt import Hunt

CLEAN = [
    "Hello, world! The quick brown fox jumps over 13 lazy dogs.",
    'def f(x):\n    return "plain ascii" + x  # no quotes with non-ASCII\n',
    "naïve café 東京 😀 — prose outside quotes",
]

TRIGGERS: dict[str, str] = {
    "DropsZWJ": "a\u200db",
    "NFCNormalizes": "e\u0301",
    "TruncatesLong": "ab " * 1500,
    "BreaksInStringLiterals": 'x = "café"',
    "DropsVS16": "\u2764\ufe0f",
}


def _fault(name: str) -> FaultyBackend:
    backend = load_backend(f"python:bench.faults:{name}")
    assert isinstance(backend, FaultyBackend)
    return backend


def test_bench_is_importable_from_the_repo_root() -> None:
    assert bench.faults.REFERENCE_SPEC == "tiktoken:cl100k_base"
    assert set(TRIGGERS) == {f.__name__ for f in FAULTS}


def test_fault_names_are_distinct_and_documented() -> None:
    names = [f.name for f in FAULTS]
    assert len(set(names)) == len(names) and reference_backend().name not in names
    assert all(f.__doc__ and f.__doc__.startswith("Fault:") for f in FAULTS)


@pytest.mark.parametrize("name", sorted(TRIGGERS))
def test_fault_is_exact_on_clean_text(name: str) -> None:
    fault, real = _fault(name), reference_backend()
    for text in CLEAN:
        assert fault.encode(text) == real.encode(text), text
    ids = real.encode(CLEAN[0])
    assert fault.decode(ids) == real.decode(ids)
    assert fault.token_bytes(ids[0]) == real.token_bytes(ids[0])  # type: ignore[attr-defined]
    assert fault.version == real.version  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(TRIGGERS))
def test_fault_shows_on_its_trigger(name: str) -> None:
    text = TRIGGERS[name]
    assert _fault(name).encode(text) != reference_backend().encode(text)


def test_string_literal_fault_keeps_the_bytes_and_ascii_literals() -> None:
    fault, real = _fault("BreaksInStringLiterals"), reference_backend()
    text = 'x = "café" + \'ok\''
    assert fault.decode(fault.encode(text)) == text
    assert fault.encode("print('ascii only')") == real.encode("print('ascii only')")
    with pytest.raises(ValueError):  # raising on special-token text is the real backend's
        fault.encode("<|endoftext|> 'é'")


def test_string_literal_spans() -> None:
    assert string_literal_spans('a "é" b \'c\' "d" \'ü\'') == [(2, 5), (16, 19)]
    assert string_literal_spans('"é\nx"') == []


def _findings(name: str, text: str) -> list[tuple[str, bool]]:
    real, fault = reference_backend(), _fault(name)
    hunt = Hunt("custom", {real.name: real, fault.name: fault}, properties=("roundtrip", "cross_backend"))
    return [(f.property, is_planted(f, fault.name)) for f in hunt.check(text, "test")]


def test_is_planted_on_the_fault_s_own_findings() -> None:
    assert ("cross_backend", True) in _findings("DropsZWJ", "a\u200db")
    assert ("roundtrip", True) in _findings("DropsZWJ", "a\u200db")
    assert _findings("BreaksInStringLiterals", 'x = "café"') == [("cross_backend", True)]


def test_is_planted_ignores_failures_the_real_backend_shares() -> None:
    # tiktoken itself raises on special-token text and joins a surrogate pair: the
    # wrapper inherits both roundtrip failures, which are not the planted fault.
    for text in ("<|endoftext|>", "\ud83d\ude00"):
        found = _findings("DropsZWJ", text)
        assert ("roundtrip", False) in found and all(not planted for _, planted in found), text


def test_summarize_counts_repeats() -> None:
    trials = [
        Trial("f", "tokfuzz", 0, True, 1.0, 10, "a", "roundtrip", "lost"),
        Trial("f", "tokfuzz", 1, True, 3.0, 30, "b", "roundtrip", "lost"),
        Trial("f", "st.text baseline", 0, False, 60.0, 999),
    ]
    hit, miss = summarize(trials, 60)
    assert (hit.found, hit.seconds, hit.inputs) == ("2/2", "2.00", "20")
    assert (miss.found, miss.seconds, miss.witness) == ("no", "> 60", "—")
