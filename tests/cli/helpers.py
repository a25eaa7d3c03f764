"""Helpers of the command-line tests: run ``main`` and read its one-line error."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tokfuzz.cli.main import main


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    """The single ``tokfuzz: error:`` line on stderr (asserted to be one line)."""
    err = capsys.readouterr().err
    assert err.startswith("tokfuzz: error: ") and err.endswith("\n"), err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


def fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``tokfuzz ARGV``: it must exit 2 (before any work); returns the error line."""
    assert main(argv) == 2
    return one_line_error(capsys)


def empty_corpus(root: Path) -> Path:
    """A corpus directory holding one corpus file with no case."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "custom.jsonl").write_bytes(b"")
    return root


def deny_access(monkeypatch: pytest.MonkeyPatch, *denied: Path) -> None:
    """``os.access`` says no for ``denied`` (tests run as root, where chmod is no test)."""
    real = os.access

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        return Path(path) not in denied and real(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)
