"""``tokfuzz snapshot`` (stub: being built)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from tokfuzz.backends.base import ConfigError

__all__ = ["add_snapshot_parser", "run_snapshot"]


def add_snapshot_parser(sub: Any, project: Any, default_corpus: Path) -> None:
    """Add the ``snapshot`` subcommand to ``sub`` (argparse subparsers)."""
    sub.add_parser("snapshot", help="(being built)")


def run_snapshot(args: argparse.Namespace, console: Console) -> int:
    """``tokfuzz snapshot``; the exit status."""
    raise ConfigError("tokfuzz snapshot is not built yet")
