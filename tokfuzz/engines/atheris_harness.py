"""The atheris harness: what runs inside libFuzzer, for every file in ``fuzz_targets/``.

A target is ``main(argv, properties, surrogates)``: it loads one subject, builds the
same ``Hunt`` a hypothesis campaign uses (same oracles, minimizer and signatures), and
hands libFuzzer a ``TestOneInput`` that decodes the input bytes to text
(``tokfuzz.inputs.mutator.decode_input``) and checks it. A failure of a class the corpus does
not hold yet is shrunk, signed and appended to the JSON Lines corpus at once (under the
corpus lock, one case per class), and fuzzing goes on: a campaign does not stop at its
first finding. Set ``TOKFUZZ_ON_FINDING=raise`` to make a new class a crash instead, as
OSS-Fuzz / ClusterFuzzLite expect (``fuzz_targets/build.sh`` does).

Configuration comes from the environment, since libFuzzer owns the command line:

=====================  ==========================================================
``TOKFUZZ_SUBJECT``     embedded subject (default ``cl100k_base``; ``custom`` when
                        only ``TOKFUZZ_BACKEND`` is set)
``TOKFUZZ_BACKEND``     extra backend specs, ``;``-separated (``python:pkg.mod:Cls``)
``TOKFUZZ_CORPUS``      corpus directory new classes go to (default ``corpora``;
                        empty: do not write)
``TOKFUZZ_KNOWN``       corpus directory whose classes count as known (default
                        ``TOKFUZZ_CORPUS``; OSS-Fuzz bundles a read-only copy)
``TOKFUZZ_MUTATOR``     ``text`` (default: ``tokfuzz.inputs.mutator.TextMutator``) or
                        ``bytes`` (libFuzzer's own byte mutations only)
``TOKFUZZ_STATE``       file the target rewrites (atomically, at most once a second
                        and on every new class) with inputs checked and findings,
                        for ``tokfuzz fuzz --engine atheris``
``TOKFUZZ_ON_FINDING``  ``record`` (default) or ``raise``
``TOKFUZZ_RECORD``      file recording each library call (tokfuzz.engines.guard), for
                        the parent to find the witness of a hang or a crash
``TOKFUZZ_SKIP``        JSON list of texts not to check (earlier hangs and crashes)
``TOKFUZZ_SECONDS``     fuzz this long after the subject has loaded, then write the
                        state and exit 0 (libFuzzer's ``-max_total_time`` counts from
                        process start, model loading included: 20 s on cl100k_base)
``TOKFUZZ_PROPERTIES``  (``python -m tokfuzz.engines.atheris_harness`` only) ``,``-separated
                        properties, default all; ``TOKFUZZ_SURROGATES=1`` allows
                        lone surrogates
=====================  ==========================================================

Coverage: the targets instrument tokfuzz's own code (oracles, adapters, minimizer,
triage) and the pure-Python backend packages (``PYTHON_BACKENDS``). The encoders of
tiktoken, HF tokenizers, tokie and bpe-openai's core are Rust, sentencepiece is C++:
coverage sees their Python wrappers only, not their branches.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tokfuzz.engines.hunt import Finding, Hunt

__all__ = ["DEFAULT_FLAGS", "PYTHON_BACKENDS", "NewClassFound", "TargetConfig", "main"]

PYTHON_BACKENDS: tuple[str, ...] = ("tiktoken", "tokenizers", "sentencepiece", "tokie", "bpe_openai", "mistral_common")
"""Backend packages imported under instrumentation: their Python code is visible to
coverage (all of mistral-common's and bpe-openai's Python layers; only the thin Python
wrappers of the native ones)."""

_HARNESS = ("tokfuzz.backends", "tokfuzz.oracles", "tokfuzz.engines.hunt", "tokfuzz.findings.minimize", "tokfuzz.findings.triage",
            "tokfuzz.findings.corpus", "tokfuzz.backends.subjects", "tokfuzz.backends.models")

DEFAULT_FLAGS: tuple[str, ...] = ("-max_len=16384", "-rss_limit_mb=6144", "-timeout=600")
"""libFuzzer flags added unless given: room for long inputs, for four loaded tokenizers
(about 1.5 GB for o200k_base) and for the minimizer's work on a new class."""

_STATE_EVERY_S = 1.0


class NewClassFound(Exception):
    """Raised by a target with ``TOKFUZZ_ON_FINDING=raise`` on a class new to the corpus;
    its message is the signature and the minimal witness."""


class TargetConfig:
    """A target's configuration, read from the environment (see the module docstring).

    Raises:
        ConfigError: an unknown ``TOKFUZZ_MUTATOR`` or ``TOKFUZZ_ON_FINDING`` value.
    """

    def __init__(self, env: dict[str, str] | os._Environ[str] = os.environ) -> None:
        from tokfuzz.backends.base import ConfigError

        self.backends = tuple(s.strip() for s in env.get("TOKFUZZ_BACKEND", "").split(";") if s.strip())
        self.subject = env.get("TOKFUZZ_SUBJECT") or ("custom" if self.backends else "cl100k_base")
        corpus = env.get("TOKFUZZ_CORPUS", "corpora")
        self.corpus = Path(corpus) if corpus else None
        known = env.get("TOKFUZZ_KNOWN")
        self.known = Path(known) if known else self.corpus
        self.state = Path(env["TOKFUZZ_STATE"]) if env.get("TOKFUZZ_STATE") else None
        self.record = Path(env["TOKFUZZ_RECORD"]) if env.get("TOKFUZZ_RECORD") else None
        self.skip: frozenset[str] = frozenset()
        if env.get("TOKFUZZ_SKIP"):
            try:
                self.skip = frozenset(json.loads(Path(env["TOKFUZZ_SKIP"]).read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                raise ConfigError(f"TOKFUZZ_SKIP {env['TOKFUZZ_SKIP']}: {exc}") from exc
        try:
            self.seconds = float(env["TOKFUZZ_SECONDS"]) if env.get("TOKFUZZ_SECONDS") else None
        except ValueError as exc:
            raise ConfigError(f"TOKFUZZ_SECONDS is {env['TOKFUZZ_SECONDS']!r}; give a number of seconds") from exc
        self.mutator = env.get("TOKFUZZ_MUTATOR", "text")
        self.on_finding = env.get("TOKFUZZ_ON_FINDING", "record")
        if self.mutator not in ("text", "bytes"):
            raise ConfigError(f"TOKFUZZ_MUTATOR is {self.mutator!r}; use 'text' or 'bytes'")
        if self.on_finding not in ("record", "raise"):
            raise ConfigError(f"TOKFUZZ_ON_FINDING is {self.on_finding!r}; use 'record' or 'raise'")


class _Target:
    """One loaded subject and its Hunt; ``test_one_input`` is libFuzzer's callback."""

    def __init__(self, config: TargetConfig, properties: Sequence[str] | None, surrogates: bool, name: str) -> None:
        from tokfuzz.engines.hunt import Hunt
        from tokfuzz.findings.corpus import Corpus
        from tokfuzz.inputs.mutator import decode_input
        from tokfuzz.oracles import PROPERTIES
        from tokfuzz.backends.subjects import load_subject

        self.config, self.surrogates, self.name = config, surrogates, name
        self.decode = decode_input
        started = time.monotonic()
        subject = load_subject(config.subject, config.backends)
        self.versions, self.unavailable = subject.versions, subject.unavailable
        self.load_seconds = round(time.monotonic() - started, 2)
        self.corpus = Corpus(config.corpus) if config.corpus is not None else None
        known_cases = Corpus(config.known).load() if config.known is not None else []
        known = {c.signature: c.input for c in known_cases if c.subject == config.subject}
        backends = subject.backends
        if config.record is not None:
            from tokfuzz.engines.guard import CallRecord, guard_backends

            backends = guard_backends(backends, CallRecord(config.record))
        self.hunt: Hunt = Hunt(config.subject, backends, properties or PROPERTIES, known)
        if config.seconds is not None:
            self.hunt.deadline = self.hunt.started + config.seconds
        self._last_state = 0.0

    def test_one_input(self, data: bytes) -> None:
        """Check one input; record (or raise on) classes new to the corpus."""
        if self.config.seconds is not None and self.hunt.clock() - self.hunt.started >= self.config.seconds:
            self.write_state()
            os._exit(0)  # TOKFUZZ_SECONDS after loading; every finding is on disk already
        text = self.decode(data, self.surrogates)
        if text in self.config.skip:
            return
        fresh = self.hunt.check(text, f"atheris:{self.name}")
        if fresh and self.corpus is not None:
            self.corpus.add([f.to_case(self.versions) for f in fresh], one_per_signature=True)
        if fresh or time.monotonic() - self._last_state >= _STATE_EVERY_S:
            self.write_state()
        if fresh and self.config.on_finding == "raise":
            from tokfuzz.oracles import describe_text

            raise NewClassFound("; ".join(f"{f.signature}: {describe_text(f.input)}" for f in fresh))

    def write_state(self) -> None:
        """Rewrite ``TOKFUZZ_STATE`` (temp file + ``os.replace``) with inputs, seconds,
        versions and every finding so far; a no-op without it."""
        self._last_state = time.monotonic()
        if self.config.state is None:
            return
        state: dict[str, Any] = {
            "subject": self.config.subject, "inputs": self.hunt.inputs, "repeats": self.hunt.repeats,
            "codepoints": self.hunt.codepoints,
            "seconds": round(self._last_state - self.hunt.started, 3), "load_seconds": self.load_seconds,
            "versions": self.versions, "unavailable": self.unavailable,
            "findings": [_finding_json(f) for f in self.hunt.findings.values()],
        }
        tmp = self.config.state.with_name(self.config.state.name + ".tmp")
        tmp.write_text(json.dumps(state, default=str), encoding="utf-8")
        os.replace(tmp, self.config.state)


def _finding_json(f: Finding) -> dict[str, Any]:
    data = asdict(f)
    data["backends"] = list(f.backends)
    return data


def _with_defaults(argv: Sequence[str]) -> list[str]:
    given = {a.split("=", 1)[0] for a in argv[1:] if a.startswith("-")}
    return [*argv, *(flag for flag in DEFAULT_FLAGS if flag.split("=", 1)[0] not in given)]


def main(argv: Sequence[str], properties: Sequence[str] | None = None, surrogates: bool = False,
         name: str | None = None) -> None:
    """Run one atheris target: ``argv`` is libFuzzer's command line (corpus
    directories and ``-flag=value`` options, see ``-help=1``), ``properties`` the
    oracles it checks (default all), ``name`` its name in ``found_by``, ``surrogates`` whether inputs may hold lone surrogates.
    Never returns: libFuzzer exits at ``-max_total_time``/``-runs`` (status 0), on a
    crash, or on a configuration error (status 2, one line on stderr).
    """
    from tokfuzz.backends.base import ConfigError

    name = name or ("_".join(properties) if properties else "all")
    try:
        import atheris
    except ImportError:
        _die("atheris is not installed; `make install` installs it (Linux x86-64, CPython 3.11)")
    from tokfuzz.inputs.mutator import TextMutator

    os.environ.setdefault("RUST_BACKTRACE", "0")  # a panicking backend prints one line, not a backtrace, per input
    try:
        config = TargetConfig()
        with atheris.instrument_imports(include=[*_HARNESS, *PYTHON_BACKENDS]):
            target = _Target(config, properties, surrogates, name)
    except ConfigError as exc:
        _die(str(exc))
    except Exception as exc:  # noqa: BLE001 - a target that cannot load says why in one line
        _die(f"cannot load subject: {type(exc).__name__}: {exc}")
    target.write_state()
    # atheris.Setup rebinds atheris.Mutate to libFuzzer's: look it up at call time
    from tokfuzz.oracles.observation import subject_special_strings
    from tokfuzz.strategies import near_misses

    own = subject_special_strings(target.hunt.backends)[:64]  # the subject's own control tokens and near misses
    pieces = [s for token in own for s in (token, *near_misses(token))]
    mutator = TextMutator(surrogates, lambda data, max_size: atheris.Mutate(data, max_size), pieces)
    hooks: dict[str, Any] = {} if config.mutator == "bytes" else {"custom_mutator": mutator, "custom_crossover": mutator.cross}
    atheris.Setup(_with_defaults(argv), target.test_one_input, **hooks)
    atheris.Fuzz()


def _die(message: str) -> Any:
    print(f"tokfuzz fuzz target: error: {message}", file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":  # every property at once: what `tokfuzz fuzz --engine atheris` runs
    main(sys.argv, tuple(p for p in os.environ.get("TOKFUZZ_PROPERTIES", "").split(",") if p) or None,
         surrogates=os.environ.get("TOKFUZZ_SURROGATES") == "1", name="campaign")
