"""``make oss-fuzz-check``: the OSS-Fuzz / ClusterFuzzLite path, run for real on this machine.

1. **Build** as OSS-Fuzz does: ``fuzz_targets/build.sh`` with a local
   ``compile_python_fuzzer`` on ``PATH`` (fuzz_targets/oss-fuzz-local/: the same PyInstaller
   one-file bundle, ``<target>.pkg``, and execution wrapper, ``<target>``, as OSS-Fuzz's
   base-builder script), the HF conversions and the known corpus bundled beside them.
2. **Fuzz** each bundled target as ClusterFuzz runs one: its seed corpus unpacked into a
   fresh queue directory, the flags of its ``.options`` file, ``-max_total_time=SECONDS``
   (60), ``-artifact_prefix`` — against a planted fault: ``TOKFUZZ_BACKEND`` adds
   bench.fault_port (a cmd: port, a separate process, so nothing is added to the bundle)
   to the ``cl100k_base`` subject.
3. **Reproduce**: the target must stop on a new class (``NewClassFound``, the bundles'
   ``TOKFUZZ_ON_FINDING=raise``) and write a crash artifact, and running the bundle on that
   artifact alone (what ClusterFuzz does to confirm a crash) must fail again with the same
   signature.

The check fails (exit 1) when a target finds nothing, writes no artifact, or its artifact
does not reproduce; it says whether each class involves the planted port. Results go to
``OUT/oss-fuzz-check.json``.

    python -m bench.oss_fuzz_check [--out DIR] [--seconds 60] [--no-build] [--target NAME]...
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench.fault_port import NAME as PLANTED

__all__ = ["TargetCheck", "build", "check_target", "fault_env", "found_signature", "involves_planted", "main", "options_flags"]

ROOT = Path(__file__).resolve().parents[1]
SHIM = ROOT / "fuzz_targets" / "oss-fuzz-local"
_FOUND = re.compile(r"^NewClassFound: (\S+)", re.MULTILINE)


@dataclass(frozen=True)
class TargetCheck:
    """One bundled target's check: the class it stopped on (``signature``; "" when none),
    its artifact, whether running the bundle on the artifact alone failed with the same
    signature, whether the class involves the planted port, the run's seconds and exit
    code, and why it failed ("" when it passed)."""

    target: str
    signature: str
    artifact: str
    reproduced: bool
    planted: bool
    seconds: float
    exit_code: int
    problem: str = ""

    @property
    def ok(self) -> bool:
        """Found a class, wrote an artifact, and the artifact reproduces it."""
        return not self.problem


def found_signature(output: str) -> str:
    """The signature of the first ``NewClassFound: SIGNATURE: witness`` line of a target's
    output (tokfuzz.engines.atheris_harness.NewClassFound), "" when there is none."""
    match = _FOUND.search(output)
    return match[1].rstrip(":") if match else ""


def involves_planted(signature: str) -> bool:
    """Whether a signature (``property|subject|backends|kind|…``, backends comma-separated)
    names the planted-fault port among its backends."""
    fields = signature.split("|")
    return len(fields) > 2 and PLANTED in fields[2].split(",")


def options_flags(options: Path) -> list[str]:
    """libFuzzer flags of a ``.options`` file's ``[libfuzzer]`` section (``key = value`` ->
    ``-key=value``; a ``dict`` names a file beside it), as ClusterFuzz passes them."""
    flags: list[str] = []
    section = ""
    for line in options.read_text(encoding="utf-8").splitlines() if options.exists() else []:
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]")
        elif "=" in line and section == "libfuzzer":
            key, value = (part.strip() for part in line.split("=", 1))
            flags.append(f"-{key}={options.parent / value if key == 'dict' else value}")
    return flags


def fault_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a target runs in: ``cl100k_base`` plus the planted-fault port
    (bench.fault_port, started with this interpreter from the repository root), and none of
    this shell's tokfuzz settings (the bundle's own cache and known corpus apply)."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith("TOKFUZZ_")}
    env["TOKFUZZ_SUBJECT"] = "cl100k_base"
    env["TOKFUZZ_BACKEND"] = f"cmd:{sys.executable} -m bench.fault_port"
    env["RUST_BACKTRACE"] = "0"
    return env


def build(out: Path) -> None:
    """``fuzz_targets/build.sh`` into ``out`` with the local ``compile_python_fuzzer``.

    Raises:
        RuntimeError: the build failed (its output's last lines in the message).
    """
    env = {**os.environ, "OUT": str(out), "PATH": f"{SHIM}{os.pathsep}{os.environ.get('PATH', '')}", "TOKFUZZ_INSTALL": "0",
           "PYTHON": sys.executable, "PYINSTALLER": str(Path(sys.executable).with_name("pyinstaller")),
           "PYFUZZ_WORKPATH": str(out / ".pyinstaller-work")}
    env.pop("TOKFUZZ_CACHE", None)
    done = subprocess.run(["bash", str(ROOT / "fuzz_targets" / "build.sh")], env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode:
        raise RuntimeError(f"fuzz_targets/build.sh failed ({done.returncode}): {(done.stdout + done.stderr)[-2000:]}")


def check_target(command: Sequence[str], name: str, seconds: float, work: Path, seeds: Path | None = None,
                 flags: Sequence[str] = (), env: Mapping[str, str] | None = None) -> TargetCheck:
    """Fuzz with ``command`` (a bundled target's wrapper, or any libFuzzer target command)
    for ``seconds`` in ``work`` (queue/, artifacts/, fuzz.log, repro.log), seeded from the
    ``seeds`` zip, with ``flags``; then run it on the crash artifact alone. ``env`` defaults
    to fault_env()."""
    env = dict(fault_env() if env is None else env)
    queue, artifacts = work / "queue", work / "artifacts"
    shutil.rmtree(work, ignore_errors=True)
    queue.mkdir(parents=True)
    artifacts.mkdir()
    if seeds is not None and seeds.exists():
        with zipfile.ZipFile(seeds) as z:
            z.extractall(queue)
    started = time.monotonic()
    fuzz = subprocess.run([*command, str(queue), *flags, f"-max_total_time={round(seconds)}", f"-artifact_prefix={artifacts}/"],
                          env=env, cwd=ROOT, capture_output=True, text=True, errors="replace", check=False,
                          timeout=seconds + 600)
    took = round(time.monotonic() - started, 1)
    (work / "fuzz.log").write_text(fuzz.stdout + fuzz.stderr, encoding="utf-8")
    signature = found_signature(fuzz.stdout + fuzz.stderr)
    crashes = sorted(artifacts.glob("crash-*"))
    base = TargetCheck(name, signature, str(crashes[0]) if crashes else "", False, involves_planted(signature), took,
                       fuzz.returncode)
    if not signature:
        return replace(base, problem=f"no new class in {took:g} s (exit {fuzz.returncode}; log {work / 'fuzz.log'})")
    if not crashes:
        return replace(base, problem=f"found {signature} but wrote no crash artifact")
    repro = subprocess.run([*command, str(crashes[0])], env=env, cwd=ROOT, capture_output=True, text=True, errors="replace",
                           check=False, timeout=600)
    (work / "repro.log").write_text(repro.stdout + repro.stderr, encoding="utf-8")
    again = found_signature(repro.stdout + repro.stderr)
    if repro.returncode == 0 or again != signature:
        return replace(base, problem=f"the artifact did not reproduce: exit {repro.returncode}, {again or 'no class'}")
    return replace(base, reproduced=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Build (unless ``--no-build``), fuzz and reproduce each target; print one line each.
    Returns 0 when every target passed, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m bench.oss_fuzz_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "tokfuzz-oss-fuzz",
                        help="build directory, OSS-Fuzz's $OUT (default: $TMPDIR/tokfuzz-oss-fuzz)")
    parser.add_argument("--seconds", type=float, default=60.0, help="fuzzing seconds per target (default 60)")
    parser.add_argument("--no-build", action="store_true", help="check the bundles already in --out")
    parser.add_argument("--target", action="append", help="only this target (fuzz_roundtrip, ...; repeatable)")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    if not args.no_build:
        print(f"building the targets into {out} (PyInstaller one-file bundles; ~3 min each)", flush=True)
        try:
            build(out)
        except RuntimeError as exc:
            print(f"oss-fuzz-check: {exc}", file=sys.stderr)
            return 1
    names = args.target or sorted(p.stem for p in (ROOT / "fuzz_targets").glob("fuzz_*.py"))
    results: list[TargetCheck] = []
    for name in names:
        wrapper = out / name
        if not (out / f"{name}.pkg").exists():
            results.append(TargetCheck(name, "", "", False, False, 0.0, -1, f"no bundle {out / name}.pkg: build first"))
        else:
            results.append(check_target([str(wrapper)], name, args.seconds, out / "check" / name,
                                        out / f"{name}_seed_corpus.zip", options_flags(out / f"{name}.options")))
        r = results[-1]
        verdict = "ok" if r.ok else f"FAILED: {r.problem}"
        print(f"{name}: {verdict}; {r.signature or '-'} after {r.seconds:g} s"
              f"{' (the planted fault)' if r.planted else ''}{'; artifact reproduces' if r.reproduced else ''}", flush=True)
    (out / "oss-fuzz-check.json").write_text(json.dumps([asdict(r) for r in results], indent=1), encoding="utf-8")
    return 0 if results and all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
