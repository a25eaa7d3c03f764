"""The project configuration (tokfuzz.config) on the command line: its settings are
the defaults under the flags, and a flag always wins.

``tokfuzz`` reads ``tokfuzz.toml`` or ``pyproject.toml``'s ``[tool.tokfuzz]`` from the
current directory (``find_config``), registers its named subjects for the command
(tokfuzz.backends.user_subjects, inherited by workers and children) and fills what no
flag set:

* ``corpus`` — the default of ``--corpus`` (``fuzz``, ``replay``, ``report``, ``triage``);
* ``engine``, ``workers``, ``timeout`` — the defaults of those ``fuzz`` flags;
* ``seconds`` — when neither ``--seconds`` nor ``$FUZZ_SECONDS`` is set (the
  environment is the caller's choice for this run, the file the project's);
* ``properties`` — when no ``--property`` is given;
* ``subjects`` — what ``fuzz`` runs when no ``--subject`` and no ``--backend`` is given
  (``--backend`` alone still makes subject ``custom``).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tokfuzz.backends.base import ConfigError
from tokfuzz.cli.checks import SECONDS_ENV
from tokfuzz.config import ProjectConfig

__all__ = ["apply_fuzz_settings", "check_project_subjects", "parser_defaults"]

_CORPUS_COMMANDS = ("fuzz", "replay", "report", "triage", "summary")


def parser_defaults(project: ProjectConfig | None, command: str) -> dict[str, Any]:
    """The argparse defaults ``project`` sets for ``command``'s scalar options
    (``corpus``; for ``fuzz`` also ``engine``, ``workers``, ``timeout``); ``{}`` without
    a project. Repeatable options are filled after parsing (``apply_fuzz_settings``):
    an ``append`` default would be added to, not replaced by, the flags."""
    if project is None:
        return {}
    out: dict[str, Any] = {}
    if project.corpus is not None and command in _CORPUS_COMMANDS:
        out["corpus"] = project.corpus
    if command == "fuzz":
        given = {"engine": project.engine, "workers": project.workers, "timeout": project.timeout}
        out.update({k: v for k, v in given.items() if v is not None})
    return out


def apply_fuzz_settings(args: argparse.Namespace, project: ProjectConfig | None) -> None:
    """Fill ``tokfuzz fuzz``'s ``--property``, ``--subject`` and ``--seconds`` from
    ``project`` where no flag (and, for seconds, no ``$FUZZ_SECONDS``) set them."""
    if project is None:
        return
    if not args.property:
        args.property = list(project.properties)
    if not args.subject and not args.backend:
        args.subject = list(project.subjects)
    if args.seconds is None and os.environ.get(SECONDS_ENV) is None and project.seconds is not None:
        args.seconds = project.seconds


def check_project_subjects(project: ProjectConfig | None, subjects: Iterable[str], extra_specs: Sequence[str], *,
                           allow_missing: bool, warn: Callable[[str], None]) -> None:
    """Load each of ``subjects`` that the project names, with ``extra_specs``, once and
    before any work: a backend the project lists that does not load fails the command
    now (not as skipped cases, or a worker's note, later); with ``allow_missing`` it is
    a ``warn``-ing and the subject goes on without it.

    Raises:
        ConfigError: naming the file and the subject's ``backends`` key: a listed
            backend does not load (without ``allow_missing``), none of them loads, or
            two backends of the subject share a name.
    """
    if project is None:
        return
    for name in dict.fromkeys(s for s in subjects if s in project.subjects):
        for line in project.load_subject(name, extra_specs)[1]:
            if not allow_missing:
                raise ConfigError(f"{line} (pass --allow-missing to go on without it)")
            warn(f"{line}; going on without it")
