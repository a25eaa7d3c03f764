"""``tokfuzz export`` (stub: being built)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from tokfuzz.backends.base import ConfigError

__all__ = ["add_export_parser", "run_export"]


def add_export_parser(sub: Any, project: Any, default_corpus: Path) -> None:
    """Add the ``export`` subcommand to ``sub`` (argparse subparsers)."""
    sub.add_parser("export", help="(being built)")


def run_export(args: argparse.Namespace, console: Console) -> int:
    """``tokfuzz export``; the exit status."""
    raise ConfigError("tokfuzz export is not built yet")
