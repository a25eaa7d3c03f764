"""The scaling table: speed-up is against the one-worker run of the same subject."""

from __future__ import annotations

from bench.perf_sections import RunInfo, scaling_section
from bench.scale_out import ScaleRun


def test_the_speed_up_is_over_one_worker_of_the_same_subject() -> None:
    info = RunInfo("python -m bench.run_all --only scaling", "2026-12-03", {"cores": "2", "cpu": "x", "python": "3.11",
                                                                              "load": "0"}, "0", 1)
    runs = [ScaleRun("cl100k_base", 1, 30, 3000, 90_000, 10, 40), ScaleRun("cl100k_base", 2, 30, 5400, 160_000, 12, 41)]
    section = scaling_section(info, runs)
    assert [row[3:5] for row in section.rows] == [("100", "1.00x"), ("180", "1.80x")]
    assert runs[1].per_s == 180
