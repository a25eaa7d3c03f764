"""Where a corpus and the files written beside it may live, checked before any work.

A wrong path must fail before a campaign, not after it (and never pass a CI gate
quietly): every command and the pytest plugin check the paths they were given here,
and each problem is one ``ConfigError`` line saying what is wrong and what to do.

The rule for reading: a directory is a corpus when it holds at least one ``*.jsonl``
file. A corpus whose files hold no case is empty, and fine; a directory with no
``*.jsonl`` file is a wrong path (``replay``, ``report``, ``triage``, pytest).
The rule for writing (``fuzz``): the corpus directory need not exist, it is created
with its parents on the first write, so the nearest existing ancestor must be a
directory this process may write.

Permissions are tested with ``os.access`` (the real uid): a check made before the
work, which the write itself may still contradict (a full disk, a race).
"""

from __future__ import annotations

import os
from pathlib import Path

from tokfuzz.backends.base import ConfigError

__all__ = ["existing_corpus", "writable_corpus", "writable_file"]

_WRITABLE = "give a path in a directory you can write"


def existing_corpus(root: Path, option: str) -> Path:
    """``root`` if it is a readable directory holding at least one ``*.jsonl`` file.

    ``option`` says how the user sets the path, for the hint (``"--corpus DIR"``,
    ``"--tokfuzz-corpus DIR"``, ``"ini tokfuzz_corpus"``).

    Raises:
        ConfigError: ``root`` does not exist, is not a directory, cannot be read, or
            holds no ``*.jsonl`` file.
    """
    root = Path(root)
    where = f"the directory holding the corpus' *.jsonl files (set {option})"
    if not root.exists():
        raise ConfigError(f"corpus {root} is not a directory: nothing exists there; give {where}")
    if not root.is_dir():
        parent = f", e.g. {root.parent}" if root.suffix == ".jsonl" else ""
        raise ConfigError(f"corpus {root} is not a directory: it is a file; give {where}{parent}")
    if not os.access(root, os.R_OK | os.X_OK):
        raise ConfigError(f"corpus {root} cannot be read (permission denied); give {where}")
    if not any(root.glob("*.jsonl")):
        raise ConfigError(f"corpus {root} holds no corpus: no *.jsonl file in it; check {option} "
                          f"(`tokfuzz fuzz --corpus {root}` starts one)")
    return root


def writable_corpus(root: Path, option: str = "--corpus") -> Path:
    """``root`` if a corpus can be written there: a writable directory, or an absent
    path whose nearest existing ancestor is a writable directory (``root`` is then
    created, with its parents, on the first write).

    Raises:
        ConfigError: ``root`` (or an ancestor) is a file, or the directory that would
            hold it is not writable.
    """
    root = Path(root)
    if root.exists():
        if not root.is_dir():
            raise ConfigError(f"{option} {root} is a file, not a directory; give the directory that holds "
                              "(or will hold) the corpus' *.jsonl files")
        if not _writable_dir(root):
            raise ConfigError(f"{option} {root} is not writable (permission denied); {_WRITABLE}")
        return root
    ancestor = _nearest_existing(root)
    if not ancestor.is_dir():
        raise ConfigError(f"{option} {root} cannot be created: {ancestor} is a file, not a directory")
    if not _writable_dir(ancestor):
        raise ConfigError(f"{option} {root} cannot be created: {ancestor} is not writable (permission denied); {_WRITABLE}")
    return root


def writable_file(path: Path, option: str) -> Path:
    """``path`` if a file can be (re)written there: its parent is an existing,
    writable directory, and ``path`` is absent or a writable regular file.

    Raises:
        ConfigError: the parent is missing, not a directory or not writable;
            ``path`` is a directory, a special file (``/dev/null``) or read-only.
    """
    path = Path(path)
    parent = path.parent
    if path.is_dir():
        raise ConfigError(f"{option} {path} is a directory; give a file name, e.g. {path / 'fuzz-report.json'}")
    if not parent.exists():
        raise ConfigError(f"{option} {path}: the directory {parent} does not exist; create it first")
    if not parent.is_dir():
        raise ConfigError(f"{option} {path}: {parent} is not a directory")
    if not _writable_dir(parent):
        raise ConfigError(f"{option} {path}: the directory {parent} is not writable (permission denied); {_WRITABLE}")
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise ConfigError(f"{option} {path} exists and is not a regular file; give a file name")
        if not os.access(path, os.W_OK):
            raise ConfigError(f"{option} {path} is not writable (permission denied); give another file name")
    return path


def _nearest_existing(path: Path) -> Path:
    """The closest of ``path``'s ancestors that exists (at worst the root or ``.``)."""
    for ancestor in path.parents:
        if ancestor.exists():
            return ancestor
    return Path(".")


def _writable_dir(directory: Path) -> bool:
    """May this process create and rename files in ``directory``?"""
    return os.access(directory, os.W_OK | os.X_OK)
