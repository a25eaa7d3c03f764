"""``tokfuzz vocab``: the count table, classes stored once (exit 1, then 0), the stored
cases replay, one-line usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokfuzz.cli.main import main
from tokfuzz.cli.vocab import id_ranges
from tokfuzz.findings.corpus import Corpus
from tokfuzz.findings.replay import replay_cases

PLUGINS = ["--backend", "python:tests.fakes_vocab:ByteVocab", "--backend", "python:tests.fakes_vocab:DropsUnknown"]


def test_vocab_stores_new_classes_once_and_they_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["vocab", "custom", *PLUGINS, "--limit", "64", "--corpus", str(tmp_path)]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "ids 0..63 of 257" in out and "bytes (ref)" in out and "bad-id-dropped" in out
    assert "special ids (bytes): 256" in out and "unreachable by bytes (0): none" in out
    cases = Corpus(tmp_path).load()
    assert [(c.property, c.backends, c.observed["id"]) for c in cases] == [("vocab", ("drops-unknown",), 257)]
    assert main(argv) == 0  # the same class again: known, nothing stored
    assert len(Corpus(tmp_path).load()) == 1
    capsys.readouterr()
    assert main(["replay", "--corpus", str(tmp_path), *PLUGINS]) == 0
    assert "1 open, 0 expected, 0 fixed; 0 unexpected, 0 skipped" in capsys.readouterr().out


def test_vocab_on_a_real_subject_replays_what_it_stored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vocab", "mistral-v1", "--limit", "40", "--corpus", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "spm (ref)" in out and "32000 (vocab size)" in out
    cases = Corpus(tmp_path).load()
    kinds = {(c.observed["id"], c.backends, c.signature.split("|")[3]) for c in cases}
    assert (32000, ("hf",), "bad-id-dropped") in kinds  # HF tokenizers drops an id >= its vocabulary size
    results = replay_cases(cases)
    assert all(r.reproduced and r.ok for r in results if not r.skipped) and not all(r.skipped for r in results)


@pytest.mark.parametrize(("argv", "needle"), [
    (["vocab", "mistral-v1", "--limit", "0"], "--limit must be a whole number >= 1"),
    (["vocab", "gpt-17"], "unknown subject 'gpt-17'"),
    (["vocab"], "the following arguments are required: SUBJECT"),
])
def test_vocab_bad_usage_is_one_line_and_exit_2(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tokfuzz: error: ") and needle in err and "\n" not in err


def test_id_ranges() -> None:
    assert id_ranges([5, 0, 1, 2, 100261, 100262]) == "0-2, 5, 100261-100262"
    assert id_ranges([]) == "none"
    assert id_ranges(range(0, 40, 2), limit=2) == "0, 2 … (+18 ids)"
