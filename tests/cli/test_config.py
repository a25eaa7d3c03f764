"""The project config on the command line: ``tokfuzz.toml`` or ``[tool.tokfuzz]`` in
``pyproject.toml`` in the current directory drives ``tokfuzz fuzz`` and ``tokfuzz
replay`` with no flags; flags override it; a bad config is one line naming the file
and the key, exit 2. Campaigns here are real (fake plugin backends, a second or two)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.helpers import fails
from tokfuzz.cli.main import _parser, main
from tokfuzz.config import find_config

PLUGINS = '["python:tests.fakes:Chars", "python:tests.fakes:DropsZWJ"]'
SETTINGS = f"""corpus = "regressions"
seconds = 2
workers = 1
properties = ["roundtrip", "cross_backend"]
[subjects.mytok]
backends = {PLUGINS}
"""

Write = Callable[[str, str], Path]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Write:
    """``project(file, text)`` writes a config file into a fresh current directory:
    ``tokfuzz.toml`` as given, ``pyproject.toml`` under ``[tool.tokfuzz]``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FUZZ_SECONDS", raising=False)

    def write(name: str, text: str) -> Path:
        if name == "pyproject.toml":
            text = '[project]\nname = "mytok"\n\n[tool.tokfuzz]\n' + text.replace("[subjects.", "[tool.tokfuzz.subjects.")
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def _cases(corpus: Path) -> list[dict[str, object]]:
    return [json.loads(line) for f in sorted(corpus.glob("*.jsonl")) for line in f.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("file", ["tokfuzz.toml", "pyproject.toml"])
def test_config_alone_drives_fuzz_then_replay(file: str, project: Write, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = project(file, SETTINGS)
    assert main(["fuzz"]) == 1
    out = capsys.readouterr().out
    assert f"settings from {path}" in out and "tokfuzz fuzz: 1 subject(s), 2 s, 1 worker(s), engine hypothesis" in out
    cases = _cases(tmp_path / "regressions")
    assert [f.name for f in (tmp_path / "regressions").iterdir()] == ["mytok.jsonl"]
    assert {c["subject"] for c in cases} == {"mytok"} and {c["property"] for c in cases} == {"roundtrip", "cross_backend"}
    assert {c["input"] for c in cases} == {"\u200d"} and not (tmp_path / "corpora").exists()
    assert main(["fuzz"]) == 0  # the same classes again: known
    assert len(_cases(tmp_path / "regressions")) == len(cases)
    capsys.readouterr()
    assert main(["replay"]) == 0
    assert f"{len(cases)} cases: {len(cases)} open, 0 expected, 0 fixed; 0 unexpected, 0 skipped" in capsys.readouterr().out


def test_flags_override_the_config(project: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    project("tokfuzz.toml", SETTINGS.replace('properties = ["roundtrip", "cross_backend"]', 'properties = ["roundtrip"]'))
    argv = ["fuzz", "--corpus", "elsewhere", "--property", "cross_backend", "--seconds", "1", "--subject", "mytok"]
    assert main(argv) == 1
    assert "1 subject(s), 1 s, 1 worker(s)" in capsys.readouterr().out
    assert {c["property"] for c in _cases(tmp_path / "elsewhere")} == {"cross_backend"}
    assert not (tmp_path / "regressions").exists()
    # --backend alone is subject custom, as without a config
    assert main(["fuzz", "--backend", "python:tests.fakes:Chars", "--backend", "python:tests.fakes:DropsZWJ"]) == 1
    assert {c["subject"] for c in _cases(tmp_path / "regressions")} == {"custom"}
    monkeypatch.setenv("FUZZ_SECONDS", "1")  # the caller's environment beats the project's file
    capsys.readouterr()
    assert main(["fuzz"]) == 1
    assert "1 subject(s), 1 s, 1 worker(s)" in capsys.readouterr().out
    assert {c["subject"] for c in _cases(tmp_path / "regressions")} == {"custom", "mytok"}


def test_engine_workers_timeout_defaults_come_from_the_config(project: Write) -> None:
    project("tokfuzz.toml", 'engine = "atheris"\nworkers = 3\ntimeout = 7\ncorpus = "c"\n')
    config = find_config(Path.cwd())
    args = _parser(config).parse_args(["fuzz"])
    assert (args.engine, args.workers, args.timeout, args.corpus) == ("atheris", 3, 7.0, Path.cwd() / "c")
    args = _parser(config).parse_args(["fuzz", "--engine", "hypothesis", "--workers", "1", "--timeout", "2", "--corpus", "d"])
    assert (args.engine, args.workers, args.timeout, args.corpus) == ("hypothesis", "1", "2", Path("d"))
    for command in ("replay", "report", "triage x --status open"):
        assert _parser(config).parse_args(command.split()).corpus == Path.cwd() / "c"


def test_replay_finds_a_config_subject_only_through_the_config(project: Write, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    project("tokfuzz.toml", SETTINGS)
    assert main(["fuzz", "--seconds", "1"]) == 1
    n = len(_cases(tmp_path / "regressions"))
    project("tokfuzz.toml", 'corpus = "regressions"\n')  # mytok is no longer named
    capsys.readouterr()
    assert main(["replay"]) == 0
    out = capsys.readouterr().out
    assert f"{n} cases: {n} open, 0 expected, 0 fixed; 0 unexpected, {n} skipped" in out and "unknown subject" in out


def test_a_config_backend_that_does_not_load_stops_fuzz_and_replay(project: Write, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "regressions").mkdir()
    (tmp_path / "regressions" / "mytok.jsonl").write_bytes(b"")
    path = project("tokfuzz.toml", SETTINGS.replace(PLUGINS, '["python:tests.fakes:Chars", "transformers:./no-such-dir"]'))
    for argv in (["fuzz"], ["replay", "--subject", "mytok"]):
        line = fails(argv, capsys)
        assert f"{path}: subjects.mytok.backends: transformers:{tmp_path / 'no-such-dir'} does not load" in line
        assert "--allow-missing" in line
    assert main(["fuzz", "--allow-missing", "--seconds", "1"]) == 0  # Chars alone is lossless
    assert "going on without it" in capsys.readouterr().out


def test_unknown_subject_names_the_config_subjects(project: Write, capsys: pytest.CaptureFixture[str]) -> None:
    project("pyproject.toml", SETTINGS)
    line = fails(["fuzz", "--subject", "yourtok"], capsys)
    assert "unknown subject 'yourtok'" in line and "the project config's: mytok" in line


def test_a_pyproject_without_tool_tokfuzz_changes_nothing(project: Write, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.pytest.ini_options]\naddopts = "-q"\n',
                                             encoding="utf-8")
    assert find_config(tmp_path) is None
    assert "corpus corpora is not a directory: nothing exists there" in fails(["replay"], capsys)


def test_tokfuzz_toml_wins_over_pyproject(project: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project("pyproject.toml", 'corpus = "from-pyproject"\n')
    path = project("tokfuzz.toml", 'corpus = "from-tokfuzz-toml"\n')
    line = fails(["replay"], capsys)
    assert f"corpus {tmp_path / 'from-tokfuzz-toml'} is not a directory" in line
    assert find_config(tmp_path).path == path  # type: ignore[union-attr]


BAD = [
    ("seconds = \n", "invalid TOML", ""),
    ("sekonds = 2\n", "is not a tokfuzz setting", "sekonds"),
    ('seconds = "fast"\n', "must be a finite number of seconds > 0, got a string 'fast'", "seconds"),
    ("seconds = -1\n", "must be a finite number of seconds > 0", "seconds"),
    ("seconds = nan\n", "must be a finite number of seconds > 0", "seconds"),
    ("timeout = 0\n", "must be a finite number of seconds > 0", "timeout"),
    ("workers = 0\n", "must be a whole number >= 1", "workers"),
    ("workers = 1.5\n", "must be a whole number >= 1", "workers"),
    ("workers = true\n", "must be a whole number >= 1, got a boolean", "workers"),
    ('engine = "afl"\n', "must be one of hypothesis, atheris, all", "engine"),
    ("corpus = 3\n", "must be a directory path", "corpus"),
    ('properties = "roundtrip"\n', "must be a non-empty array of property names", "properties"),
    ("properties = []\n", "must be a non-empty array of property names", "properties"),
    ('properties = ["vibes"]\n', "names an unknown property a string 'vibes'", "properties"),
    ("subjects = 1\n", "must be a table of named subjects", "subjects"),
    ("[subjects.mytok]\n", "must list the subject's backend specs, reference first, got nothing", "subjects.mytok.backends"),
    ("[subjects.mytok]\nbackends = []\n", "must list the subject's backend specs", "subjects.mytok.backends"),
    ('[subjects.mytok]\nbackends = "hf:x.json"\n', "must list the subject's backend specs", "subjects.mytok.backends"),
    ("[subjects.mytok]\nbackends = [1]\n", "must be a backend spec string KIND:ARG", "subjects.mytok.backends[0]"),
    ('[subjects.mytok]\nbackends = ["hf:x.json", "nope:x"]\n', "unknown backend kind 'nope'", "subjects.mytok.backends[1]"),
    ('[subjects.mytok]\nbackend = ["hf:x.json"]\n', "is not a tokfuzz setting (known keys: backends)", "subjects.mytok.backend"),
    ('[subjects.cl100k_base]\nbackends = ["hf:x.json"]\n', "is an embedded subject's name", "subjects.cl100k_base"),
    ('[subjects.custom]\nbackends = ["hf:x.json"]\n', "is the --backend subject's name", "subjects.custom"),
    ('[subjects."my|tok"]\nbackends = ["hf:x.json"]\n', "is not a usable subject name", "subjects.my|tok"),
    ('mytok = ["hf:x.json"]\n', "is not a tokfuzz setting", "mytok"),
]


@pytest.mark.parametrize("file", ["tokfuzz.toml", "pyproject.toml"])
@pytest.mark.parametrize(("text", "needle", "key"), BAD, ids=[b[2] or "syntax" for b in BAD])
def test_a_bad_config_is_one_line_naming_file_and_key(file: str, text: str, needle: str, key: str, project: Write,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = project(file, text)
    full_key = f"tool.tokfuzz.{key}" if file == "pyproject.toml" and key else key
    for argv in (["fuzz"], ["replay"], ["backends"]):
        line = fails(argv, capsys)
        assert line.startswith(f"tokfuzz: error: {path}: {full_key}") and needle in line, line


def test_a_bad_config_table_itself_is_named(project: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool]\ntokfuzz = 1\n", encoding="utf-8")
    assert "pyproject.toml: tool.tokfuzz must be a table, got an integer 1" in fails(["fuzz"], capsys)
    path = project("tokfuzz.toml", "[tool.tokfuzz]\nseconds = 1\n")
    assert f"{path}: tool is not a key of tokfuzz.toml: its settings go at the top level" in fails(["fuzz"], capsys)
    path.write_bytes(b"seconds = 1 # \xff\n")
    assert f"{path}: invalid TOML" in fails(["replay"], capsys)


def test_help_of_a_flag_still_works_with_a_good_config(project: Write, capsys: pytest.CaptureFixture[str]) -> None:
    project("tokfuzz.toml", SETTINGS)
    with pytest.raises(SystemExit) as done:
        main(["fuzz", "--help"])
    assert done.value.code == 0 and "--corpus" in capsys.readouterr().out
