"""Subjects the user names: a name bound to backend specs, reference first (a project
config's ``[tool.tokfuzz.subjects.NAME]``, read by tokfuzz.config).

``tokfuzz.backends.subjects.load_subject`` loads a user subject as it loads an
embedded one, so a user subject is usable wherever a subject name is: ``--subject``,
the replay of corpus cases filed under it, the pytest plugin's ``tokfuzz_backends``.
The registry lives in the environment variable ``TOKFUZZ_SUBJECTS`` (JSON: name -> list
of specs), because the processes that load subjects are not the one that read the
config: campaign workers (``multiprocessing`` spawn), the atheris child and the
isolated replay child all inherit the environment. Specs are stored as given; a
caller resolves relative paths first (the config resolves them against its file).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from tokfuzz.backends.base import ConfigError

__all__ = ["ENV", "registered", "user_subjects"]

ENV = "TOKFUZZ_SUBJECTS"
"""The environment variable holding the user subjects, ``{"name": ["KIND:ARG", …]}``."""


def user_subjects() -> dict[str, tuple[str, ...]]:
    """The registered user subjects, name -> specs (reference first); ``{}`` when none.

    Raises:
        ConfigError: ``$TOKFUZZ_SUBJECTS`` is set but not a JSON object of lists of
            strings (it is meant to be set by tokfuzz, not by hand).
    """
    raw = os.environ.get(ENV)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(
        isinstance(specs, list) and specs and all(isinstance(s, str) for s in specs) for specs in data.values()
    ):
        raise ConfigError(f"${ENV} must be a JSON object mapping subject names to lists of backend specs; "
                          f"fix or unset it (got {raw[:80]!r})")
    return {str(name): tuple(specs) for name, specs in data.items()}


@contextmanager
def registered(subjects: Mapping[str, Sequence[str]]) -> Iterator[None]:
    """Register ``subjects`` (name -> specs, reference first) for this process and the
    processes it starts, replacing any registered before; the previous registry is
    restored on exit. An empty mapping leaves the registry untouched."""
    if not subjects:
        yield
        return
    saved = os.environ.get(ENV)
    os.environ[ENV] = json.dumps({name: list(specs) for name, specs in subjects.items()})
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = saved
