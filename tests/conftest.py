"""Shared fixtures: real subjects are loaded once per session (conversions cached)."""

from __future__ import annotations

from functools import cache

import pytest

from tokfuzz.backends.subjects import Subject, load_subject


@cache
def _subject(name: str) -> Subject:
    return load_subject(name)


@pytest.fixture(scope="session")
def subject() -> object:
    """``subject(name)`` -> the real, loaded Subject (cached for the session)."""
    return _subject
