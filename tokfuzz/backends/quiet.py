"""Keep native libraries' stderr out of the terminal.

A Rust panic caught by pyo3 (tokie does this on some ids) still prints its message and
backtrace to file descriptor 2 every time, which floods a campaign's output. Where
tokfuzz provokes native code in bulk it points fd 2 at ``$TOKFUZZ_CACHE/native-stderr.log``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tokfuzz.backends.models import cache_dir

__all__ = ["native_stderr_to_log"]


@contextmanager
def native_stderr_to_log() -> Iterator[None]:
    """Redirect fd 2 to the cache's ``native-stderr.log`` inside the block, then
    restore it. Python's ``sys.stderr`` is flushed first so nothing of ours is lost."""
    path = cache_dir() / "native-stderr.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(fd, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(fd)
