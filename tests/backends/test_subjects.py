"""Subjects: the names their backends take are known before loading them."""

from __future__ import annotations

from collections.abc import Callable

from tokfuzz.backends.subjects import CUSTOM, KIND_NAMES, SUBJECTS, Subject, backend_names


def test_backend_names_match_what_loads(subject: Callable[[str], Subject]) -> None:
    """``backend_names`` (what a ``--backend`` must not be named) is what the adapters
    really name their backends (``js:PORT`` kinds are named after the port)."""
    kinds = {kind for name in SUBJECTS for kind in SUBJECTS[name]}
    assert {k for k in kinds if not k.startswith("js:")} == set(KIND_NAMES)
    for name in ("cl100k_base", "mistral-v3"):
        assert backend_names(name) == tuple(subject(name).backends)
    assert backend_names(CUSTOM) == () and backend_names("gpt-17") == ()
