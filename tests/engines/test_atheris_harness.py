"""The atheris engine: every target in fuzz_targets/ runs standalone under libFuzzer,
finds a planted fault (bench.faults, a real tiktoken with one bug), and the finding
arrives in a corpus directory minimized and signed; the campaign runs it too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.faults import DropsZWJ, reference_backend
from tokfuzz.cli.main import main
from tokfuzz.findings.corpus import Case, Corpus
from tokfuzz.inputs.seed_files import dictionary_text
from tokfuzz.findings.minimize import is_one_minimal
from tokfuzz.inputs.mutator import encode_input
from tokfuzz.oracles import Observation, check

pytest.importorskip("atheris")

ROOT = Path(__file__).resolve().parents[2]
TARGETS = sorted((ROOT / "fuzz_targets").glob("fuzz_*.py"))
ZWJ_TARGETS = [t for t in TARGETS if t.stem in ("fuzz_roundtrip", "fuzz_split_consistency", "fuzz_cross_backend")]
"""The targets whose property a dropped ZWJ breaks (the planted fault below)."""
FAULT = "python:bench.faults:DropsZWJ"
SEED = "family: 👨 👩 👧, end"
"""No ZWJ in the seed: the mutator must put one in (emoji ZWJ sequences, joiner toggles)."""


def test_there_is_one_target_per_property() -> None:
    assert {t.stem for t in TARGETS} == {"fuzz_roundtrip", "fuzz_split_consistency", "fuzz_cross_backend",
                                         "fuzz_special_tokens", "fuzz_streaming_decode"}


@pytest.mark.parametrize("target", ZWJ_TARGETS, ids=lambda p: p.stem)
def test_target_finds_planted_fault_minimizes_signs_and_goes_on(target: Path, tmp_path: Path) -> None:
    queue, corpus, state = tmp_path / "queue", tmp_path / "corpus", tmp_path / "state.json"
    queue.mkdir()
    (queue / "seed").write_bytes(encode_input(SEED))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TOKFUZZ_BACKEND": f"tiktoken:cl100k_base;{FAULT}",
           "TOKFUZZ_CORPUS": str(corpus), "TOKFUZZ_STATE": str(state)}
    env.pop("TOKFUZZ_SUBJECT", None)
    done = subprocess.run([sys.executable, str(target), str(queue), "-runs=1500", "-seed=7",
                           f"-dict={ROOT / 'fuzz_targets' / 'tokenizer.dict'}", f"-artifact_prefix={tmp_path}/"],
                          env=env, cwd=tmp_path, capture_output=True, timeout=300)
    log = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0, log[-3000:]
    assert "Done 1500 runs" in log  # did not stop at its finding
    prop = target.stem.removeprefix("fuzz_")
    real, fault = reference_backend(), DropsZWJ()
    cases = [c for c in Corpus(corpus).load()  # the real tiktoken's own roundtrip classes (surrogates) aside
             if DropsZWJ.name in c.backends and not check(Observation(c.input, {real.name: real}), (prop,))]
    assert cases, f"no {prop} finding of the planted fault in {corpus}"
    for case in cases:
        assert case.property == prop and case.subject == "custom" and case.found_by == f"atheris:{prop}"
        assert case.signature.startswith(f"{prop}|custom|") and case.status == "open"
        assert "\u200d" in case.input

        def fails(text: str, case: Case = case) -> bool:  # fails the way the campaign's minimizer tested
            backends = {n: b for n, b in ((real.name, real), (fault.name, fault)) if n in case.backends}
            kind = case.signature.split("|")[3]
            return any(v.backends == case.backends and v.kind == kind for v in check(Observation(text, backends), (prop,)))

        assert is_one_minimal(case.input, fails), case.input
    progress = json.loads(state.read_text(encoding="utf-8"))  # rewritten on every new class
    assert {f["signature"] for f in progress["findings"]} >= {c.signature for c in cases}


def test_campaign_atheris_engine_stores_findings_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, report = tmp_path / "corpus", tmp_path / "report.json"
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    argv = ["fuzz", "--engine", "atheris", "--backend", "tiktoken:cl100k_base", "--backend", FAULT,
            "--property", "cross_backend", "--seconds", "8", "--seed", "3", "--corpus", str(corpus), "--report", str(report)]
    assert main(argv) == 1, capsys.readouterr()
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["subject_runs"][0]["engine"] == "atheris" and data["subject_runs"][0]["inputs"] > 0
    new = [f for f in data["findings"] if f["new"]]
    assert new and all(f["found_by"] == "atheris:campaign" for f in new)
    stored = Corpus(corpus).load()
    assert {(c.subject, c.signature) for c in stored} == {("custom", f["signature"]) for f in new}
    main(argv)  # again: the stored classes are known now, counted but not stored twice
    again = json.loads(report.read_text(encoding="utf-8"))["findings"]
    assert not [f for f in again if f["new"] and ("custom", f["signature"]) in {(c.subject, c.signature) for c in stored}]
    assert len({c.signature for c in Corpus(corpus).load()}) == len(Corpus(corpus).load())


def test_committed_dictionary_is_the_generated_one() -> None:
    assert (ROOT / "fuzz_targets" / "tokenizer.dict").read_text(encoding="ascii") == dictionary_text()
