"""Replay of the committed regression corpus (DESIGN §5 replay rules), through the
same pytest plugin any tokenizer CI uses: ``open`` cases are strict xfails,
``expected`` cases must still reproduce, ``fixed`` cases must pass."""

from __future__ import annotations

from tokfuzz.findings.corpus import Case
from tokfuzz.pytest_plugin import check_case


def test_corpus(tokfuzz_case: Case, tokfuzz_backends: object) -> None:
    check_case(tokfuzz_case, tokfuzz_backends)
