"""The ``tokfuzz`` command (DESIGN §6): argument parsing (``main``), the live progress
line (``progress``) and the end-of-campaign summary (``summary``).

Takes in: everything before it. Hands on: exit statuses (0 nothing new, 1 new findings
or unexpected replay results, 2 bad usage) and files (corpus, campaign JSON, report).
"""

from tokfuzz.cli.main import main

__all__ = ["main"]
