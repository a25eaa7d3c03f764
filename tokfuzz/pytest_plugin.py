"""pytest plugin: replay a tokfuzz corpus as parametrized tests in any tokenizer CI.

Installed with tokfuzz (entry point ``pytest11``). Any test that takes the
``tokfuzz_case`` fixture is run once per corpus case; the corpus directory is
``--tokfuzz-corpus DIR`` or the ini option ``tokfuzz_corpus`` (default ``corpora``)::

    # test_tokenizer_regressions.py
    from tokfuzz.pytest_plugin import check_case

    def test_corpus(tokfuzz_case, tokfuzz_backends):
        check_case(tokfuzz_case, tokfuzz_backends)

Replay rules (DESIGN §5): ``open`` cases are strict xfails (an upstream fix makes the
run fail, so it gets noticed and the case is marked ``fixed``); ``expected`` cases must
still reproduce (an accepted difference that vanished needs re-triage); ``fixed`` cases
must pass. A case whose backend cannot load here is skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tokfuzz.backends.base import Backend, BackendUnavailable
from tokfuzz.findings.corpus import Case, Corpus, CorpusError
from tokfuzz.oracles import describe_text
from tokfuzz.findings.replay import replay_case
from tokfuzz.backends.subjects import load_subject

__all__ = ["check_case"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--tokfuzz-corpus`` and the ini option ``tokfuzz_corpus``."""
    parser.addoption("--tokfuzz-corpus", default=None, help="tokfuzz corpus directory to replay")
    parser.addini("tokfuzz_corpus", default="corpora", help="tokfuzz corpus directory to replay")


def _corpus_dir(config: pytest.Config) -> Path:
    given = config.getoption("--tokfuzz-corpus") or config.getini("tokfuzz_corpus")
    path = Path(given)
    return path if path.is_absolute() else Path(config.rootpath) / path


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``tokfuzz_case`` over the corpus, marking ``open`` cases xfail(strict)."""
    if "tokfuzz_case" not in metafunc.fixturenames:
        return
    try:
        cases = Corpus(_corpus_dir(metafunc.config)).load()
    except CorpusError as exc:
        raise pytest.UsageError(str(exc)) from None
    params = []
    for case in cases:
        marks = [pytest.mark.xfail(strict=True, reason=f"open: {case.note[:120]}")] if case.status == "open" else []
        params.append(pytest.param(case, id=f"{case.subject}-{case.property}-{case.id}", marks=marks))
    metafunc.parametrize("tokfuzz_case", params)


@pytest.fixture(scope="session")
def tokfuzz_backends() -> Iterator[_Subjects]:
    """Session cache: subject name -> its loaded backends (loaded on first use)."""
    yield _Subjects()


class _Subjects:
    def __init__(self) -> None:
        self._cache: dict[str, dict[str, Backend] | str] = {}

    def get(self, name: str) -> dict[str, Backend] | str:
        if name not in self._cache:
            try:
                self._cache[name] = load_subject(name).backends
            except BackendUnavailable as exc:
                self._cache[name] = str(exc)
        return self._cache[name]


def check_case(case: Case, backends: Any) -> None:
    """Assert what ``case``'s status expects; the failure message is a reproducer."""
    loaded = backends.get(case.subject)
    if isinstance(loaded, str):
        pytest.skip(f"subject {case.subject} does not load here: {loaded}")
    result = replay_case(case, loaded)
    if result.skipped:
        pytest.skip(result.reason)
    where = f"{case.property} on {case.subject} [{', '.join(case.backends)}] input {describe_text(case.input)}"
    if case.status == "expected":
        assert result.reproduced, f"accepted difference no longer reproduces, re-triage it: {where}; note: {case.note}"
    else:
        details = "; ".join(v.detail for v in result.verdicts)
        assert not result.reproduced, f"{where}: {details}"
