"""make oss-fuzz-check's own logic: reading a target's output and options, and the whole
fuzz-then-reproduce loop on a real atheris target (unbundled here: bundling takes
minutes a target and belongs to ``make oss-fuzz-check``) against the planted-fault port."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.fault_port import NAME
from bench.faults import reference_backend
from bench.oss_fuzz_check import ROOT, check_target, fault_env, found_signature, involves_planted, options_flags


def test_the_first_new_class_line_gives_the_signature() -> None:
    out = "INFO: Seed: 1\n\nNewClassFound: roundtrip|cl100k_base|planted-faults|lost|ZWJ: '\\u200d' [U+200D]\nTraceback\n"
    assert found_signature(out) == "roundtrip|cl100k_base|planted-faults|lost|ZWJ"
    assert found_signature("==1== ERROR: libFuzzer: deadly signal\n") == ""
    assert involves_planted("cross_backend|cl100k_base|tiktoken,planted-faults|ids|x")
    assert not involves_planted("cross_backend|cl100k_base|tiktoken,tokie|ids|planted-faults")


def test_options_become_libfuzzer_flags_with_the_dict_beside_them(tmp_path: Path) -> None:
    options = tmp_path / "fuzz_x.options"
    options.write_text("[libfuzzer]\nmax_len = 16384\ndict = fuzz_x.dict\n[asan]\ndetect_leaks = 0\n", encoding="utf-8")
    assert options_flags(options) == ["-max_len=16384", f"-dict={tmp_path / 'fuzz_x.dict'}"]
    assert options_flags(tmp_path / "missing.options") == []


def test_the_planted_fault_port_speaks_the_protocol_with_its_faults() -> None:
    requests = [{"op": "encode", "texts": ["a\u200db"]}, {"op": "decode_stream", "ids": [[226, 130, 172]]}]
    done = subprocess.run([sys.executable, "-m", "bench.fault_port"], input="".join(json.dumps(r) + "\n" for r in requests),
                          capture_output=True, text=True, cwd=ROOT, check=True, timeout=120)
    hello, encoded, streamed = (json.loads(line) for line in done.stdout.splitlines())
    assert hello["protocol"] == "tokfuzz-cmd/1" and hello["name"] == NAME
    assert encoded["results"] == [reference_backend().encode("ab")]  # the ZWJ is gone
    assert streamed["results"] == [["\ufffd", "\ufffd", "\ufffd", ""]]  # "€" split over three byte tokens


def test_a_real_target_stops_on_the_planted_fault_and_its_artifact_reproduces(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    env = {**fault_env(), "TOKFUZZ_ON_FINDING": "raise", "TOKFUZZ_CORPUS": "", "TOKFUZZ_KNOWN": str(ROOT / "corpora")}
    # tiktoken and the planted port alone: cl100k_base's other backends hold real classes the
    # committed corpus does not have yet (kitoken cuts '<|im_end|>' out of ' <|im_end|>' too),
    # and a target stops on whichever new class it meets first
    env.update(TOKFUZZ_SUBJECT="custom", TOKFUZZ_BACKEND=f"tiktoken:cl100k_base;{env['TOKFUZZ_BACKEND']}")
    target = [sys.executable, str(ROOT / "fuzz_targets" / "fuzz_cross_backend.py")]
    result = check_target(target, "fuzz_cross_backend", 30, tmp_path / "work", env=env)
    assert result.ok, result.problem
    assert result.reproduced and result.planted and result.signature.startswith("cross_backend|custom|")
    assert Path(result.artifact).read_bytes()  # the input libFuzzer saved
