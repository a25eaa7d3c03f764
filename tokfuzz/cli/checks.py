"""Checks of the ``tokfuzz`` command line made before any work starts.

A wrong setting fails before a campaign, not after it: numbers, paths and every
``--backend`` the user named are checked here, and each problem is one
``ConfigError`` line (exit status 2, DESIGN §6). What can only fail at the end (the
``--report`` write on a full disk) is one line too, saying where the findings are.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tokfuzz.backends.base import BackendUnavailable, ConfigError
from tokfuzz.backends.registry import load_backend
from tokfuzz.backends.subjects import CUSTOM, SUBJECTS, backend_names
from tokfuzz.backends.user_subjects import user_subjects
from tokfuzz.findings.corpus import atomic_write
from tokfuzz.findings.paths import writable_corpus, writable_file

__all__ = [
    "DEFAULT_SECONDS", "SECONDS_ENV", "check_fuzz_args", "check_subjects", "load_named_backends", "seconds_value",
    "whole_number", "write_campaign_json",
]

DEFAULT_SECONDS = 180.0
"""The campaign budget when neither ``--seconds`` nor ``$FUZZ_SECONDS`` sets one."""
SECONDS_ENV = "FUZZ_SECONDS"
"""The environment variable holding the default of ``tokfuzz fuzz --seconds``."""


def seconds_value(raw: str, name: str, todo: str = "") -> float:
    """``raw`` as a finite number of seconds > 0. Raises ConfigError naming ``name``
    (``"--seconds"``) otherwise: ``abc``, ``nan``, ``inf``, ``0`` and ``-1`` all fail."""
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{name} must be > 0 (a finite number of seconds), got {raw!r}{todo}")
    return value


def whole_number(raw: str, name: str, minimum: int) -> int:
    """``raw`` as an int >= ``minimum``. Raises ConfigError naming ``name`` otherwise."""
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ConfigError(f"{name} must be a whole number >= {minimum}, got {raw!r}")
    return value


def check_fuzz_args(args: argparse.Namespace, default_timeout: float) -> None:
    """Turn ``tokfuzz fuzz``'s ``--seconds`` (default ``$FUZZ_SECONDS``, else 180),
    ``--workers`` (default one per core), ``--seed`` and ``--timeout`` (default
    ``default_timeout``) into numbers in ``args``, and check that ``--corpus`` and
    ``--report`` can be written.

    Raises:
        ConfigError: a number is malformed or out of range (``FUZZ_SECONDS`` is named
            when it is the culprit), or a path cannot be written (tokfuzz.findings.paths).
    """
    if args.seconds is not None:
        args.seconds = seconds_value(args.seconds, "--seconds")
    elif (env := os.environ.get(SECONDS_ENV)) is not None:
        args.seconds = seconds_value(env, SECONDS_ENV, f"; it sets the default of --seconds: fix or unset {SECONDS_ENV}")
    else:
        args.seconds = DEFAULT_SECONDS
    args.workers = (os.cpu_count() or 1) if args.workers is None else whole_number(args.workers, "--workers", 1)
    args.seed = None if args.seed is None else whole_number(args.seed, "--seed", 0)
    args.timeout = default_timeout if args.timeout is None else seconds_value(args.timeout, "--timeout")
    writable_corpus(args.corpus, "--corpus")
    if args.report is not None:
        writable_file(args.report, "--report")


def check_subjects(subjects: Iterable[str], backends: Sequence[str]) -> None:
    """Every name in ``subjects`` is an embedded subject, a subject of the project config
    (tokfuzz.backends.user_subjects), or ``custom`` given ``backends``.

    Raises:
        ConfigError: naming the unknown subject and what is available.
    """
    user = user_subjects()
    for name in subjects:
        if name == CUSTOM and not backends:
            raise ConfigError(f"subject {CUSTOM!r} is made of --backend specs: give at least one --backend SPEC")
        if name not in SUBJECTS and name != CUSTOM and name not in user:
            also = f", the project config's: {', '.join(user)}" if user else ""
            raise ConfigError(f"unknown subject {name!r}; embedded subjects: {', '.join(SUBJECTS)}{also} "
                              f"(or {CUSTOM!r}, made of the --backend specs)")


def load_named_backends(specs: Sequence[str], subjects: Iterable[str], *, allow_missing: bool,
                        warn: Callable[[str], None]) -> list[str]:
    """Load every backend spec the user named, once, in this process, before any
    worker starts: a spec that does not load fails the command now, not after the
    campaign (a worker would only record it). Returns the specs that loaded.

    With ``allow_missing`` a spec that does not load is reported through ``warn``
    and left out (the workers record it again, as today). Each loaded backend's name
    must differ from the others' and from the names of the ``subjects``' own backends
    (tokfuzz.backends.subjects.backend_names), as ``load_subject`` demands later.

    Raises:
        ConfigError: a spec does not load (without ``allow_missing``), no spec loads
            though they alone make subject ``custom``, or two backends of one
            subject would share a name.
    """
    subjects = tuple(subjects)
    named: dict[str, str] = {}  # backend name -> the spec that made it
    loaded: list[str] = []
    for spec in specs:
        try:
            name = str(load_backend(spec).name)
        except BackendUnavailable as exc:
            why = str(exc)
        except Exception as exc:  # noqa: BLE001 - an adapter that breaks on this input is still a spec that does not load
            why = f"{type(exc).__name__}: {exc}"
        else:
            if name in named:
                raise ConfigError(f"--backend {named[name]} and --backend {spec} both make a backend named {name!r}; "
                                  "the backends of a subject need distinct names")
            for subject in subjects:
                if name in backend_names(subject):
                    raise ConfigError(f"--backend {spec} makes a backend named {name!r}, like subject {subject}'s own; "
                                      "the backends of a subject need distinct names (a plugin sets its own `name`)")
            named[name] = spec
            loaded.append(spec)
            continue
        if not allow_missing:
            raise ConfigError(f"--backend {spec} does not load: {why} (pass --allow-missing to go on without it)")
        warn(f"--backend {spec} does not load, going on without it: {why}")
    if specs and not loaded and CUSTOM in subjects:
        raise ConfigError(f"no --backend spec loads, and subject {CUSTOM!r} is made of them alone")
    return loaded


def write_campaign_json(path: Path, data: Mapping[str, Any], *, stored: int, corpus: Path) -> None:
    """Write the campaign JSON ``data`` to ``path`` atomically (``atomic_write``: a
    full disk leaves an older report whole, never a truncated one); a symlink's
    target is replaced, not the link.

    Raises:
        ConfigError: the write failed (``OSError``); the message says that the
            ``stored`` new classes are in ``corpus`` all the same.
    """
    try:
        atomic_write(Path(path).resolve(), [json.dumps(data, indent=2).encode("utf-8")])
    except OSError as exc:
        raise ConfigError(f"cannot write the report {path} ({exc.strerror or exc}); "
                          f"the {stored} new class(es) are stored in {corpus}") from exc
