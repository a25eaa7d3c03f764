"""User subjects (tokfuzz.backends.user_subjects): a name bound to backend specs is
loaded by ``load_subject`` like an embedded subject, here and in the processes started
from here (campaign workers, the atheris and isolated children)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tokfuzz.backends.base import BackendUnavailable, ConfigError
from tokfuzz.backends.subjects import load_subject
from tokfuzz.backends.user_subjects import ENV, registered, user_subjects

MYTOK = {"mytok": ("python:tests.fakes:Chars", "python:tests.fakes:DropsZWJ")}
ROOT = Path(__file__).resolve().parents[2]


def test_a_registered_subject_loads_reference_first_then_extra_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    with pytest.raises(BackendUnavailable, match="unknown subject 'mytok'; embedded subjects: cl100k_base"):
        load_subject("mytok")
    with registered(MYTOK):
        assert user_subjects() == MYTOK
        subject = load_subject("mytok", ("python:tests.fakes:RaisesOnDigits",))
        assert list(subject.backends) == ["chars", "drops-zwj", "raises-digits"] and subject.name == "mytok"
        with pytest.raises(BackendUnavailable, match="subjects of the project config: mytok"):
            load_subject("yourtok")
    assert ENV not in os.environ and user_subjects() == {}


def test_registered_restores_what_was_there(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, '{"old": ["python:tests.fakes:Chars"]}')
    with registered(MYTOK):
        assert list(user_subjects()) == ["mytok"]
    assert user_subjects() == {"old": ("python:tests.fakes:Chars",)}
    with registered({}):
        assert list(user_subjects()) == ["old"]


def test_child_processes_inherit_the_registry() -> None:
    code = "from tokfuzz.backends.subjects import load_subject; print(list(load_subject('mytok').backends))"
    with registered(MYTOK):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0 and done.stdout.strip() == "['chars', 'drops-zwj']", done.stderr


@pytest.mark.parametrize("raw", ["not json", "[]", '{"x": "hf:a.json"}', '{"x": []}', '{"x": [1]}'])
def test_a_malformed_registry_is_a_config_error(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, raw)
    with pytest.raises(ConfigError, match=f"^\\${ENV} must be a JSON object"):
        user_subjects()
