"""Live campaign progress: one line with inputs/s, classes found (new/known), time left.

On a terminal it is a rich live status line, refreshed in place; when stdout is not a
terminal (CI logs) it prints one plain line every 15 s instead.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.text import Text

__all__ = ["CampaignProgress"]

_PLAIN_EVERY_S = 15.0


class CampaignProgress:
    """Context manager; pass ``update`` to ``run_campaign`` as ``on_progress``."""

    def __init__(self, console: Console, subjects: Sequence[str], seconds: float) -> None:
        self.console = console
        self.subjects = tuple(subjects)
        self.seconds = seconds
        self.started = time.monotonic()
        self._live: Live | None = None
        self._last_plain = self.started

    def __enter__(self) -> CampaignProgress:
        if self.console.is_terminal:
            self._live = Live(Text(""), console=self.console, refresh_per_second=4, transient=True)
            self._live.__enter__()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if self._live is not None:
            self._live.__exit__(et, ev, tb)

    def line(self, status: Mapping[str, tuple[int, float, int, int, bool, int]]) -> str:
        """The progress line for ``{subject: (distinct inputs, seconds, classes, new,
        finished, code points)}``; inputs/s and code points/s sum the subjects still running."""
        inputs = sum(s[0] for s in status.values())
        rate = sum(s[0] / s[1] for s in status.values() if s[1] > 0 and not s[4])
        cp_rate = sum(s[5] / s[1] for s in status.values() if s[1] > 0 and not s[4])
        classes = sum(s[2] for s in status.values())
        new = sum(s[3] for s in status.values())
        left = max(0.0, self.seconds - (time.monotonic() - self.started))
        busy = ", ".join(sorted(k for k, s in status.items() if not s[4])) or "loading models"
        return (f"{inputs:,} unique inputs  {rate:,.0f} inputs/s  {cp_rate:,.0f} code points/s  classes {classes} ({new} new, {classes - new} known)  "
                f"~{left:.0f} s left  [{busy}]")

    def update(self, status: Mapping[str, tuple[int, float, int, int, bool, int]]) -> None:
        """Refresh the live line, or print a plain one every 15 s off a terminal."""
        if self._live is not None:
            self._live.update(Text(self.line(status)))
        elif time.monotonic() - self._last_plain >= _PLAIN_EVERY_S:
            self._last_plain = time.monotonic()
            self.console.print(self.line(status), markup=False, highlight=False)
