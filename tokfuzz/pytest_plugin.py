"""pytest plugin: replay a tokfuzz corpus as parametrized tests in any tokenizer CI.

Installed with tokfuzz (entry point ``pytest11``). Any test that takes the
``tokfuzz_case`` fixture is run once per corpus case; the corpus directory is
``--tokfuzz-corpus DIR`` (relative to the directory pytest is run from), the ini
option ``tokfuzz_corpus`` (relative to the ini file's directory) or ``corpus`` of the
project config in the rootdir (tokfuzz.config: ``tokfuzz.toml`` or ``[tool.tokfuzz]``,
relative to its file), default ``corpora`` under the rootdir. The config's named
subjects are registered for the session, so ``tokfuzz_backends`` loads them::

    # test_tokenizer_regressions.py
    from tokfuzz.pytest_plugin import check_case

    def test_corpus(tokfuzz_case, tokfuzz_backends):
        check_case(tokfuzz_case, tokfuzz_backends)

Replay rules (DESIGN §5): ``open`` cases are strict xfails (an upstream fix makes the
run fail, so it gets noticed and the case is marked ``fixed``); ``expected`` cases must
still reproduce (an accepted difference that vanished needs re-triage); ``fixed`` cases
must pass. A case whose backend cannot load here is skipped with the reason.

A wrong corpus path stops the run with exit status 2 and one ``tokfuzz: error:``
line, never "0 tests" that pass: a path given with ``--tokfuzz-corpus`` or
``tokfuzz_corpus`` is checked at start-up (it must be a directory holding ``*.jsonl``
files, tokfuzz.findings.paths), the default ``corpora`` only when a collected test
takes ``tokfuzz_case``, so a project that never uses tokfuzz is not affected. A
corrupt corpus stops the run the same way.

Golden-id snapshots (``tokfuzz snapshot create``, tokfuzz.report.snapshot):
``--tokfuzz-snapshot FILE`` (repeatable, relative to the directory pytest is run from)
or the ini option ``tokfuzz_snapshot`` (one file per line, relative to the ini file's
directory) adds one test per file, ``tokfuzz-snapshot[FILE]``, collected with no test
file to write. It re-encodes the snapshot's inputs (tokfuzz.report.drift) with the
backends of ``--tokfuzz-snapshot-backend SPEC`` (repeatable) or the ini option
``tokfuzz_snapshot_backends`` (one spec per line) alone (a port's CI), else with the
snapshot's own backend as installed now (the subject's other backends only serve as
oracles for shrinking), and fails listing each drift class (its
signature, inputs, minimal or localized witness, snapshot and new ids) and the library
versions that moved. A snapshot file that is missing or corrupt, or a malformed spec,
stops the run at start-up (exit status 2, one line); a spec that does not load fails the
test; a subject none of whose backends loads here skips it with the reason. In a test of
your own, ``assert_no_drift(path, specs)`` does the same check.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tokfuzz.backends.base import Backend, BackendUnavailable, ConfigError
from tokfuzz.backends.forked import Forked
from tokfuzz.findings.corpus import Case, Corpus, CorpusError
from tokfuzz.findings.paths import existing_corpus
from tokfuzz.oracles import describe_text
from tokfuzz.findings.replay import replay_case
from tokfuzz.backends.subjects import load_subject
from tokfuzz.backends.user_subjects import registered
from tokfuzz.config import ProjectConfig, find_config

if TYPE_CHECKING:
    from tokfuzz.report.drift import CheckResult
    from tokfuzz.report.snapshot import Snapshot

__all__ = ["DEFAULT_CORPUS", "SnapshotDrift", "SnapshotItem", "assert_no_drift", "check_case"]

DEFAULT_CORPUS = "corpora"
"""The corpus directory, under the rootdir, when neither the option nor the ini sets one."""

_CASES = pytest.StashKey[list[Case]]()
_ERROR = pytest.StashKey[str]()
_PROJECT = pytest.StashKey["ProjectConfig | None"]()
_REGISTERED = pytest.StashKey[contextlib.ExitStack]()
_SNAPSHOTS = pytest.StashKey["list[tuple[Path, Snapshot]]"]()
_SNAPSHOT_SPECS = pytest.StashKey[tuple[str, ...]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--tokfuzz-corpus`` and the ini option ``tokfuzz_corpus``."""
    parser.addoption("--tokfuzz-corpus", default=None, help="tokfuzz corpus directory to replay (default: ini "
                     f"tokfuzz_corpus, else {DEFAULT_CORPUS})")
    parser.addini("tokfuzz_corpus", default=None, help=f"tokfuzz corpus directory to replay (default: {DEFAULT_CORPUS})")
    parser.addoption("--tokfuzz-snapshot", action="append", default=[], metavar="FILE",
                     help="check this golden-id snapshot (tokfuzz snapshot create) as a test; repeatable "
                     "(default: ini tokfuzz_snapshot)")
    parser.addoption("--tokfuzz-snapshot-backend", action="append", default=[], metavar="SPEC",
                     help="check the snapshots with this backend; repeatable (default: ini tokfuzz_snapshot_backends, "
                     "else the snapshot's own backend as installed now)")
    parser.addini("tokfuzz_snapshot", type="linelist", default=[], help="golden-id snapshot files to check, one per line")
    parser.addini("tokfuzz_snapshot_backends", type="linelist", default=[],
                  help="backend specs the snapshots are checked with, one per line")


def _corpus_setting(config: pytest.Config) -> tuple[Path, str, bool]:
    """(the corpus directory, how the user sets it, whether they set it)."""
    given = config.getoption("--tokfuzz-corpus")
    if given:
        return Path(config.invocation_params.dir) / given, "--tokfuzz-corpus DIR", True
    ini = config.getini("tokfuzz_corpus")  # None (pytest >= 8) or "" (older) when unset
    if ini:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return Path(base) / str(ini), "ini tokfuzz_corpus", True
    project = config.stash.get(_PROJECT, None)
    if project is not None and project.corpus is not None:  # resolved against the config file's directory
        return project.corpus, f"{project.key('corpus')} in {project.path}", True
    return Path(config.rootpath) / DEFAULT_CORPUS, "--tokfuzz-corpus DIR or ini tokfuzz_corpus", False


def pytest_configure(config: pytest.Config) -> None:
    """Read the project config (``tokfuzz.toml`` or ``[tool.tokfuzz]`` in the rootdir),
    register its subjects for the session, and check a corpus path the user set,
    before anything runs (exit status 2)."""
    if getattr(config.option, "help", False) or getattr(config.option, "version", False):
        return
    try:
        project = config.stash[_PROJECT] = find_config(Path(config.rootpath))
        config.stash[_REGISTERED] = contextlib.ExitStack()
        config.stash[_REGISTERED].enter_context(registered(project.subjects if project else {}))
        path, option, explicit = _corpus_setting(config)
        if explicit:
            existing_corpus(path, option)
        _read_snapshots(config)
    except ConfigError as exc:
        pytest.exit(f"tokfuzz: error: {exc}", returncode=2)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Unregister the project config's subjects."""
    if _REGISTERED in config.stash:
        config.stash[_REGISTERED].close()


def _cases(config: pytest.Config) -> list[Case]:
    """The corpus' cases, read once per session; a problem is kept for
    ``pytest_collection_modifyitems`` (an exit from collection is shown as a
    collection error with a traceback) and the corpus counts as empty."""
    if _CASES not in config.stash:
        path, option, _ = _corpus_setting(config)
        try:
            config.stash[_CASES] = Corpus(existing_corpus(path, option)).load()
        except (ConfigError, CorpusError) as exc:
            config.stash[_ERROR] = f"tokfuzz: error: {exc}"
            config.stash[_CASES] = []
    return config.stash[_CASES]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Stop the run (exit status 2, one line) when a test takes ``tokfuzz_case`` and
    the corpus is missing, not a corpus, or corrupt; add one ``SnapshotItem`` per
    snapshot file given (before keyword and mark selection, which then apply to it)."""
    if _ERROR in config.stash:
        pytest.exit(config.stash[_ERROR], returncode=2)
    for path, snapshot in config.stash.get(_SNAPSHOTS, []):
        try:
            shown = path.relative_to(config.rootpath)
        except ValueError:
            shown = path
        name = f"tokfuzz-snapshot[{shown}]"
        items.append(SnapshotItem.from_parent(session, name=name, nodeid=name, file=path, snapshot=snapshot,
                                              specs=config.stash[_SNAPSHOT_SPECS]))


def _read_snapshots(config: pytest.Config) -> None:
    """Read and check every snapshot file and backend spec given (tokfuzz.report.snapshot).

    Raises:
        ConfigError: a file is missing or corrupt, or a spec is malformed (one line).
    """
    from tokfuzz.backends.registry import parse_spec
    from tokfuzz.report.snapshot import read_snapshot

    given = config.getoption("--tokfuzz-snapshot")
    if given:
        files = [Path(config.invocation_params.dir) / name for name in given]
    else:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        files = [Path(base) / str(name) for name in config.getini("tokfuzz_snapshot") or []]
    specs = tuple(config.getoption("--tokfuzz-snapshot-backend") or config.getini("tokfuzz_snapshot_backends") or ())
    for spec in specs:
        parse_spec(str(spec))
    config.stash[_SNAPSHOT_SPECS] = tuple(str(spec) for spec in specs)
    config.stash[_SNAPSHOTS] = [(path, read_snapshot(path)) for path in files]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``tokfuzz_case`` over the corpus, marking ``open`` cases xfail(strict)."""
    if "tokfuzz_case" not in metafunc.fixturenames:
        return
    cases = _cases(metafunc.config)
    params = []
    for case in cases:
        marks = [pytest.mark.xfail(strict=True, reason=f"open: {case.note[:120]}")] if case.status == "open" else []
        params.append(pytest.param(case, id=f"{case.subject}-{case.property}-{case.id}", marks=marks))
    metafunc.parametrize("tokfuzz_case", params)


@pytest.fixture(scope="session")
def tokfuzz_backends(pytestconfig: pytest.Config) -> Iterator[_Subjects]:
    """Session cache: subject name -> its loaded backends (loaded on first use)."""
    subjects = _Subjects(pytestconfig.stash.get(_PROJECT, None))
    try:
        yield subjects
    finally:
        subjects.close()


class _Subjects:
    """Loaded subjects. An embedded subject that does not load here skips its cases; a
    subject of the project config whose listed backend does not load fails them (the
    project named that backend: a wrong path must not turn its CI green)."""

    def __init__(self, project: ProjectConfig | None = None) -> None:
        self._project = project
        self._cache: dict[str, dict[str, Backend] | str | ConfigError] = {}
        self._forks: dict[str, Forked] = {}

    def forked(self, name: str) -> Forked:
        """One ``Forked`` child over subject ``name``'s loaded backends, shared by its
        ``vocab`` cases (tokfuzz.findings.replay.replay_case)."""
        if name not in self._forks:
            loaded = self.get(name)
            assert not isinstance(loaded, str), name
            self._forks[name] = Forked(loaded)
        return self._forks[name]

    def close(self) -> None:
        """Stop the forked children."""
        for forked in self._forks.values():
            forked.close()
        self._forks.clear()

    def get(self, name: str) -> dict[str, Backend] | str:
        if name not in self._cache:
            self._cache[name] = self._load(name)
        found = self._cache[name]
        if isinstance(found, ConfigError):
            pytest.fail(f"tokfuzz: error: {found}", pytrace=False)
        return found

    def _load(self, name: str) -> dict[str, Backend] | str | ConfigError:
        try:
            if self._project is None or name not in self._project.subjects:
                return load_subject(name).backends
            subject, missing = self._project.load_subject(name)
        except BackendUnavailable as exc:
            return str(exc)
        except ConfigError as exc:
            return exc
        return ConfigError(missing[0]) if missing else subject.backends


def check_case(case: Case, backends: Any) -> None:
    """Assert what ``case``'s status expects; the failure message is a reproducer."""
    loaded = backends.get(case.subject)
    if isinstance(loaded, str):
        pytest.skip(f"subject {case.subject} does not load here: {loaded}")
    forked = backends.forked(case.subject) if case.property == "vocab" and hasattr(backends, "forked") else None
    result = replay_case(case, loaded, forked=forked)
    if result.skipped:
        pytest.skip(result.reason)
    where = f"{case.property} on {case.subject} [{', '.join(case.backends)}] input {describe_text(case.input)}"
    if case.status == "expected":
        assert result.reproduced, f"accepted difference no longer reproduces, re-triage it: {where}; note: {case.note}"
    else:
        details = "; ".join(v.detail for v in result.verdicts)
        assert not result.reproduced, f"{where}: {details}"


class SnapshotDrift(AssertionError):
    """A snapshot check found drift; ``str()`` lists the classes, one per line."""


def assert_no_drift(snapshot: Path | str | Snapshot, specs: Sequence[str] = (), subject: str | None = None, *,
                    label: str = "") -> CheckResult:
    """Check a golden-id snapshot (a path, or a ``Snapshot`` read already) the way
    ``tokfuzz snapshot check`` does: with the backends of ``specs`` alone, or
    ``subject``'s installed backends plus ``specs``, or with neither the snapshot's own
    backend (tokfuzz.report.drift.select_backends). Returns
    the ``CheckResult`` (tokfuzz.report.drift) when nothing drifted.

    Raises:
        SnapshotDrift: inputs drifted (the message lists each class and the library
            versions that moved).
        pytest.fail.Exception: the file is missing or corrupt, a spec does not load, or
            the snapshot's subject is ``custom`` and no spec is given (one line).
        pytest.skip.Exception: no backend of the subject loads here.
    """
    from tokfuzz.report.drift import check_snapshot, select_backends
    from tokfuzz.report.snapshot import Snapshot, read_snapshot

    try:
        snap = snapshot if isinstance(snapshot, Snapshot) else read_snapshot(Path(snapshot))
        label = label or (str(snapshot) if not isinstance(snapshot, Snapshot) else snap.header.subject)
        backends, _, oracles = select_backends(snap.header, subject, list(specs), label)
    except BackendUnavailable as exc:  # the subject's own backends: not installed here
        pytest.skip(f"snapshot {label}: {exc}")
    except ConfigError as exc:
        pytest.fail(f"tokfuzz: error: {exc}", pytrace=False)
    result = check_snapshot(snap, backends, oracles=oracles)
    if result.classes:
        raise SnapshotDrift("\n".join(_drift_lines(result, label)))
    return result


def _drift_lines(result: CheckResult, label: str) -> list[str]:
    """The failure message of a drifted snapshot, one line each."""
    head = result.snapshot.header
    lines = [f"tokfuzz snapshot {label} ({head.subject}, ids of {head.reference_spec}, created {head.created_at}): "
             f"{result.drifted_inputs} of {len(result.snapshot.entries)} input(s) drifted in {len(result.classes)} "
             f"class(es) on {', '.join(sorted({c.backend for c in result.classes}))}"]
    changes = result.version_changes()
    if changes:
        lines.append("library versions that differ from the snapshot's: " + "; ".join(
            f"{c.library} {c.then} -> {c.now} ({', '.join(c.backends)})" for c in changes))
    if result.oracle_note:
        lines.append(result.oracle_note)
    lines += [f"- {c.line()}" for c in result.classes]
    return lines


class SnapshotItem(pytest.Item):
    """The test of one snapshot file (``--tokfuzz-snapshot``): ``assert_no_drift``."""

    def __init__(self, *, file: Path, snapshot: Snapshot, specs: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.file, self.snapshot, self.specs = file, snapshot, specs

    def runtest(self) -> None:
        """Check the snapshot; raises SnapshotDrift on drift."""
        assert_no_drift(self.snapshot, self.specs, label=str(self.file))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """The drift classes, without a traceback."""
        if isinstance(excinfo.value, SnapshotDrift):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the test comes from: the snapshot file."""
        return self.file, None, f"tokfuzz snapshot {self.file}"
