"""A campaign's jobs: every worker gets one, whatever the number of subjects, and the
shards of one (subject, engine) split its seed inputs and draw different texts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tokfuzz.engines.campaign import run_campaign
from tokfuzz.engines.jobs import CampaignConfig, Job, job_seconds
from tokfuzz.findings.corpus import Corpus

CHARS, DROPS = "python:tests.fakes:Chars", "python:tests.fakes:DropsZWJ"


def _config(subjects: int, workers: int, engine: str = "all") -> CampaignConfig:
    return CampaignConfig(tuple(f"s{i}" for i in range(subjects)), 60, engine=engine, workers=workers)


def test_fewer_workers_than_pairs_keeps_one_job_per_pair() -> None:
    jobs = _config(9, 2).jobs()
    assert len(jobs) == 18 and all(j.shard == 0 and j.shards == 1 for j in jobs)
    assert [j.label for j in jobs[:2]] == ["s0", "s0/atheris"]


@pytest.mark.parametrize(("subjects", "engine", "workers"), [(1, "hypothesis", 2), (9, "all", 64), (2, "hypothesis", 3),
                                                             (1, "all", 5)])
def test_more_workers_than_pairs_gives_every_worker_a_shard(subjects: int, engine: str, workers: int) -> None:
    config = _config(subjects, workers, engine)
    jobs = config.jobs()
    assert len(jobs) == workers  # every core fuzzes, none waits for a second wave
    assert job_seconds(config) == config.seconds  # each shard runs the whole wall time
    per_pair = Counter((j.subject, j.engine) for j in jobs)
    assert max(per_pair.values()) - min(per_pair.values()) <= 1  # split as evenly as integers allow
    assert len({j.label for j in jobs}) == workers
    for (subject, engine), n in per_pair.items():
        shards = sorted(j.shard for j in jobs if (j.subject, j.engine) == (subject, engine))
        assert shards == ([0] if n == 1 else list(range(1, n + 1)))


def test_shards_split_the_seed_inputs_and_draw_with_their_own_seeds() -> None:
    shards = [Job("s", "hypothesis", k, 3) for k in (1, 2, 3)]
    items = list(range(100))
    parts = [s.share(items) for s in shards]
    assert sorted(x for p in parts for x in p) == items  # each seed input once, between them
    assert len({s.seed(7) for s in shards}) == 3 and Job("s").seed(7) == 7
    assert all(s.seed(None) is None for s in shards)
    assert Job("s").share(items) == items


def test_two_workers_on_one_subject_both_fuzz_and_store_each_class_once(tmp_path: Path) -> None:
    config = CampaignConfig(("custom",), 6, extra_backends=(CHARS, DROPS), workers=2, corpus=tmp_path / "corpus", seed=5)
    runs = run_campaign(config)
    assert [r.label for r in runs] == ["custom#1", "custom#2"]
    for run in runs:
        assert not run.error and run.inputs > 100 and run.seconds > 4  # both ran their whole budget
    assert {f.signature for f in runs[0].findings} & {f.signature for f in runs[1].findings}  # both found the fault
    cases = Corpus(tmp_path / "corpus").load()
    signatures = [c.signature for c in cases]
    assert signatures and len(signatures) == len(set(signatures))  # one witness a class, whoever found it first
