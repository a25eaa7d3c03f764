"""The performance benchmark's measurement logic (bench/run_all.py and its parts), on
tiny sizes and fake backends: medians, the combined-throughput formula, the growth
slope, section replacement in RESULTS.md, the 10,000-case corpus synthesizer, and small
runs that must return positive figures. Nothing here asserts on how fast anything is
(the benchmark itself is ``make bench``)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bench.inputs import digest, generate, stdlib_chunks
from bench.measure import Rate, combined_rate, median, median_rate, utf8_size
from bench.memory import descendants, fuzz_command, read_rss, slope
from bench.minimize_speed import first_failures, shrink
from bench.perf_report import Section, begin_marker, end_marker, replace_section, write_sections
from bench.replay_speed import _gaps, synthesize_cases, time_replay, write_corpus
from bench.throughput import ALL, subject_throughput
from tests.fakes import Chars, DropsZWJ
from tokfuzz.findings.corpus import STATUSES, Case, Corpus, case_id
from tokfuzz.oracles import PROPERTIES


def test_median_of_odd_and_even_counts() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    with pytest.raises(ValueError):
        median([])


def test_combined_rate_adds_per_input_times() -> None:
    assert combined_rate([1000.0, 1000.0]) == pytest.approx(500.0)
    assert combined_rate([100.0, 300.0]) == pytest.approx(75.0)  # 10 ms + 3.33 ms per input
    assert combined_rate([500.0]) == pytest.approx(500.0)
    assert combined_rate([]) == 0.0 and combined_rate([100.0, 0.0]) == 0.0


def test_rate_and_median_rate() -> None:
    rate = Rate(items=200, nbytes=2_000_000, seconds=2.0)
    assert rate.per_s == 100.0 and rate.mb_per_s == 1.0
    runs = [Rate(10, 5, 3.0), Rate(10, 5, 1.0), Rate(10, 5, 2.0)]
    assert median_rate(runs) == Rate(10, 5, 2.0)
    assert Rate(0, 0, 1.0).per_s == 0.0


def test_utf8_size_counts_lone_surrogates() -> None:
    assert utf8_size("aé👍") == 1 + 2 + 4
    assert utf8_size("\ud800") == 3


def test_slope_in_mb_per_minute() -> None:
    points = [(t, 100.0 + 0.5 * t) for t in (0.0, 10.0, 20.0, 30.0)]  # 0.5 MB/s
    assert slope(points) == pytest.approx(30.0)
    assert slope([(5.0, 1.0)]) == 0.0
    assert slope([(5.0, 1.0), (5.0, 2.0)]) == 0.0


def test_replace_section_keeps_everything_else(tmp_path: Path) -> None:
    original = "# Planted-fault benchmark\n\n| a | b |\n"
    text = replace_section(original, "x", [begin_marker("x"), "one", end_marker("x")])
    assert text.startswith(original) and text.endswith(end_marker("x") + "\n")
    again = replace_section(text + "tail\n", "x", [begin_marker("x"), "two", end_marker("x")])
    assert again == original + "\n" + "\n".join([begin_marker("x"), "two", end_marker("x")]) + "\ntail\n"
    with pytest.raises(ValueError):
        replace_section(begin_marker("x") + "\nno end\n", "x", ["y"])
    path = tmp_path / "RESULTS.md"
    path.write_text(original, encoding="utf-8")
    section = Section("t", "Title", ("note",), ("h1", "h2"), (("a|b", "1"),))
    write_sections(path, [section])
    write_sections(path, [section])
    written = path.read_text(encoding="utf-8")
    assert written.startswith(original) and written.count(begin_marker("t")) == 1 and "a\\|b" in written


def _committed(tmp: Path) -> list[Case]:
    text = "a\u200db"
    sig = "cross_backend|mistral-v1|hf,spm|ids-differ|L:Latn ZWJ L:Latn"
    case = Case(case_id("cross_backend", "mistral-v1", text, ("hf", "spm", "ids-differ")), text, "cross_backend",
                "mistral-v1", ("hf", "spm"), sig, "open", "", "test", "2025-01-01T00:00:00+00:00", {}, {})
    return [case]


def test_synthesized_corpus_is_valid_and_loads(tmp_path: Path) -> None:
    texts = [f"text {i} \u200d👍" for i in range(40)]
    names = {"mistral-v1": ["spm", "hf", "tokie", "mistral-common"], "cl100k_base": ["tiktoken", "hf"]}
    cases = synthesize_cases(300, texts, _committed(tmp_path), names)
    assert len(cases) == 300 and len({c.id for c in cases}) == 300
    assert cases[0].found_by == "test"  # committed cases come first
    assert {c.status for c in cases} <= set(STATUSES) and {"open", "fixed"} <= {c.status for c in cases}
    assert write_corpus(tmp_path, cases) == 300
    loaded = Corpus(tmp_path).load()
    assert sorted(c.id for c in loaded) == sorted(c.id for c in cases)
    assert all(c.subject in names and set(c.backends) <= set(names[c.subject]) for c in loaded)
    with pytest.raises(ValueError):
        synthesize_cases(300, ["same"], [], {"mistral-v1": ["spm"]})


def test_gaps_attribute_subject_loads_to_first_cases() -> None:
    cases = [Case(str(i), "x", "roundtrip", s, ("b",), "", "fixed", "", "", "", {}, {})
             for i, s in enumerate(["a", "a", "b", "b"])]
    gaps, first = _gaps(cases, [0.0, 5.0, 5.5, 9.0, 9.5])
    assert gaps == [5.0, 0.5, 3.5, 0.5] and first == {0, 2}


def test_tiny_replay_returns_positive_rates(tmp_path: Path) -> None:
    cases = synthesize_cases(12, ["hello", "wörld", "👍🏽", "a\u200db"], _committed(tmp_path), {"mistral-v1": ["spm", "hf"]})
    write_corpus(tmp_path, cases)
    timing = time_replay(tmp_path, repeats=2)
    assert timing.cases == 12 and timing.skipped == 0
    assert timing.net_rate > 0 and timing.total_rate > 0 and timing.load_s > 0


def test_tiny_throughput_run_returns_positive_rates() -> None:
    backends = {"chars": Chars(), "drops-zwj": DropsZWJ()}
    mix = ["hello", "a\u200db", "👨\u200d👩\u200d👧", "x" * 50]
    result = subject_throughput("custom", backends, mix, ["def f():\n    return 1\n"], repeats=2)
    assert [b.backend for b in result.backends] == ["chars", "drops-zwj"]
    assert all(b.mix.per_s > 0 and b.mix.mb_per_s > 0 and b.real.per_s > 0 for b in result.backends)
    assert result.combined_mix == pytest.approx(combined_rate(b.mix.per_s for b in result.backends))
    labels = [h.properties for h in result.hunts]
    assert labels == [ALL, *PROPERTIES]
    everything = result.hunt(ALL)
    assert everything is not None and everything.rate.per_s > 0 and everything.new >= 1  # the ZWJ fault
    assert result.ratio() > 0


def test_shrink_reaches_the_minimal_witness() -> None:
    backends = {"chars": Chars(), "drops-zwj": DropsZWJ()}
    failures = first_failures("custom", backends, ["no fault here", "abc\u200ddef"], per_subject=1)
    assert len(failures) == 1 and failures[0].text == "abc\u200ddef"
    result = shrink(failures[0], repeats=2)
    assert result.witness == "\u200d" and result.witness_cp == 1 and result.input_cp == 7
    assert 0 < result.calls < result.budget and result.seconds >= 0


def test_generation_is_reproducible_and_real_text_is_read() -> None:
    first, timing = generate(5, seed=0)
    second, _ = generate(5, seed=0)
    assert len(first) == 5 and digest(first) == digest(second) and timing.wall > 0
    chunks = stdlib_chunks(max_bytes=3000, lines_per_chunk=8)
    assert chunks and all(c.count("\n") <= 8 for c in chunks)


def test_memory_sampler_sees_this_process_and_its_children() -> None:
    rss = read_rss(os.getpid())
    assert rss is not None and rss[0] > 0 and rss[1] >= rss[0] * 0.5
    child = subprocess.Popen(["sleep", "30"])
    try:
        assert child.pid in descendants(os.getpid())
    finally:
        child.kill()
        child.wait()
    command = fuzz_command(5, ("tekken",), 2, Path("c"), Path("r.json"))
    assert command[-2:] == ["--subject", "tekken"] and "--seconds" in command and "--workers" in command


def test_a_worker_is_a_spawned_process_and_its_children_are_counted_apart() -> None:
    import multiprocessing
    import time as _time

    from bench.memory import Sample, _is_worker

    worker = multiprocessing.get_context("spawn").Process(target=_time.sleep, args=(30,), daemon=True)
    worker.start()
    port = subprocess.Popen(["sleep", "30"])
    try:
        assert _is_worker(worker.pid) and not _is_worker(port.pid)  # type: ignore[arg-type]
    finally:
        worker.kill()
        port.kill()
        port.wait()
    sample = Sample(1.0, 1, {1: (50.0, 50.0), 2: (600.0, 650.0), 3: (120.0, 120.0)}, (2,))
    assert sample.total == 770.0 and sample.children == 120.0


def test_generation_before_and_after_runs_count_unique_inputs_and_render() -> None:
    from bench.generation_speed import measure_job, subject_speeds
    from bench.perf_sections import RunInfo, generation_section
    from bench.measure import machine_summary

    backends = {"chars": Chars(), "drops-zwj": DropsZWJ()}
    with pytest.raises(ValueError, match="mode"):
        measure_job("custom", backends, {}, "sideways", seconds=0.1)
    speeds = subject_speeds("custom", backends, {}, seconds=1.0)
    assert [(s.mode, s.properties) for s in speeds] == [("before", ALL), ("after", ALL), ("after", "cross_backend")]
    for s in speeds:
        assert s.inputs > 0 and s.codepoints > 0 and s.raw_per_s > 0
        assert 0.0 <= s.generation_share <= 1.0 and s.wall_s >= 1.0
    assert abs(sum(speeds[1].property_share.values()) - 1.0) < 1e-6
    assert any(f > 0 for f in (speeds[0].classes, speeds[1].classes))  # the planted ZWJ fault is found
    info = RunInfo("python -m bench.run_all --only generation", "2026-12-03", machine_summary(), "0", 1)
    section = generation_section(info, speeds, 1.0)
    [row] = section.rows
    assert row[0] == "custom" and row[3].endswith("x") and len(row) == len(section.headers)
