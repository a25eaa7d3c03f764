"""The project configuration: ``tokfuzz.toml``, or ``[tool.tokfuzz]`` in ``pyproject.toml``.

A tokenizer repository commits its settings once, and its CI runs ``tokfuzz fuzz``,
``tokfuzz replay`` and pytest with no flags (DESIGN §6)::

    # pyproject.toml (in tokfuzz.toml the same keys go at the top level)
    [tool.tokfuzz]
    corpus = "tests/tokenizer-corpus"
    seconds = 120
    properties = ["roundtrip", "cross_backend"]

    [tool.tokfuzz.subjects.mytok]
    backends = ["transformers:./tokenizer", "hf:./tokenizer/tokenizer.json"]

Keys: ``corpus`` (a directory), ``seconds`` (> 0), ``properties`` (names of
tokfuzz.oracles.PROPERTIES), ``engine`` (``hypothesis``, ``atheris`` or ``all``),
``workers`` (a whole number >= 1), ``timeout`` (seconds > 0) and ``subjects``: one
table per named subject, ``backends`` listing its specs, reference first. Any other key
is an error. The file is read from one directory (the command line's current directory,
pytest's rootdir), never searched for upwards; when both files exist there,
``tokfuzz.toml`` wins and ``pyproject.toml`` is not read. A ``pyproject.toml`` without
``[tool.tokfuzz]`` is no configuration.

Relative paths resolve against the config file's directory: ``corpus``, and a spec's
ARG for the kinds whose ARG is a file or directory (``_PATH_KINDS``) when it holds a
``/``, starts with ``.`` or names something in that directory (``hf:cl100k_base`` stays
a subject name). ``python:`` modules import from ``sys.path`` and ``cmd:`` command
lines run in the current directory, as written.

Every problem (a TOML syntax error, an unknown key, a wrong type or value, an unknown
property or backend kind, a subject with no backends, a name that is an embedded
subject's) is one ``ConfigError`` naming the file and the key.

Stage: read by the command line and the pytest plugin, after the engines whose
settings it names; nothing before it imports it.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokfuzz.backends.base import BackendUnavailable, ConfigError
from tokfuzz.backends.registry import parse_spec
from tokfuzz.backends.subjects import CUSTOM, SUBJECTS, Subject, load_subject
from tokfuzz.engines.jobs import ENGINES
from tokfuzz.oracles import PROPERTIES

__all__ = ["CONFIG_FILE", "ENGINE_CHOICES", "PYPROJECT", "ProjectConfig", "find_config", "read_config"]

CONFIG_FILE = "tokfuzz.toml"
"""tokfuzz's own config file (settings at the top level); wins over ``pyproject.toml``."""
PYPROJECT = "pyproject.toml"
"""Read for its ``[tool.tokfuzz]`` table when there is no ``tokfuzz.toml``."""
ENGINE_CHOICES: tuple[str, ...] = (*ENGINES, "all")
"""Values of ``engine`` (those of ``tokfuzz fuzz --engine``)."""

_SUBJECT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
"""A subject name: it names a corpus file (``<corpus>/<name>.jsonl``) and is a part of
every signature, so no ``/``, ``|``, ``,`` or spaces."""

#: backend kind -> how many ``:``-separated fields of ARG come before its path
#: (``js:PORT:path``); kinds not listed take no path
_PATH_KINDS: dict[str, int] = {"tiktoken": 0, "hf": 0, "spm": 0, "tokie": 0, "mistral": 0, "transformers": 0, "js": 1}


@dataclass(frozen=True)
class ProjectConfig:
    """Settings read from ``path``; None where the file does not set a key.

    ``subjects`` maps each named subject to its backend specs (reference first),
    with paths resolved. ``table`` is the dotted prefix of the keys in ``path``
    (``"tool.tokfuzz"`` in ``pyproject.toml``, ``""`` in ``tokfuzz.toml``).
    """

    path: Path
    table: str = ""
    corpus: Path | None = None
    seconds: float | None = None
    properties: tuple[str, ...] = ()
    engine: str | None = None
    workers: int | None = None
    timeout: float | None = None
    subjects: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def key(self, *parts: str) -> str:
        """The dotted key of ``parts`` as the file spells it: ``tool.tokfuzz.seconds``."""
        return ".".join((self.table, *parts) if self.table else parts)

    def error(self, key: str, problem: str) -> ConfigError:
        """One line naming the file and the key: ``/x/pyproject.toml: tool.tokfuzz.seconds …``."""
        return ConfigError(f"{self.path}: {key} {problem}")

    def load_subject(self, name: str, extra_specs: Sequence[str] = ()) -> tuple[Subject, list[str]]:
        """Load named subject ``name`` (one of ``subjects``) with ``extra_specs``:
        (the Subject, one line per backend it lists that does not load, naming the
        file and the key). Callers decide whether such a backend is fatal.

        Raises:
            ConfigError: none of its backends loads, or two share a name (one line
                naming the file and the key).
        """
        key = f"{self.path}: {self.key('subjects', name, 'backends')}:"
        try:
            subject = load_subject(name, tuple(extra_specs))
        except BackendUnavailable as exc:
            raise ConfigError(f"{key} {exc}") from exc
        own = self.subjects.get(name, ())
        return subject, [f"{key} {spec} does not load: {why}" for spec, why in subject.unavailable.items() if spec in own]


def find_config(directory: Path) -> ProjectConfig | None:
    """The configuration in ``directory``: ``tokfuzz.toml`` if it exists, else the
    ``[tool.tokfuzz]`` table of ``pyproject.toml``; None when neither sets one.

    Raises:
        ConfigError: the file cannot be read or parsed, or a setting is wrong (one
            line naming the file and the key).
    """
    own = directory / CONFIG_FILE
    if own.is_file():
        return read_config(own)
    pyproject = directory / PYPROJECT
    return read_config(pyproject) if pyproject.is_file() else None


def read_config(path: Path) -> ProjectConfig | None:
    """The configuration in ``path`` (a ``tokfuzz.toml``, or a ``pyproject.toml`` whose
    ``[tool.tokfuzz]`` is read; None when it has none). Raises ConfigError (see
    ``find_config``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    if path.name == CONFIG_FILE:
        blank = ProjectConfig(path)
        if "tool" in data:
            raise blank.error("tool", f"is not a key of {CONFIG_FILE}: its settings go at the top level, "
                              "without [tool.tokfuzz]")
        return _parse(blank, data)
    tool = data.get("tool", {})
    if not isinstance(tool, dict) or "tokfuzz" not in tool:
        return None
    blank = ProjectConfig(path, "tool.tokfuzz")
    table = tool["tokfuzz"]
    if not isinstance(table, dict):
        raise blank.error("tool.tokfuzz", f"must be a table, got {_shown(table)}")
    return _parse(blank, table)


def _parse(blank: ProjectConfig, table: Mapping[str, Any]) -> ProjectConfig:
    """Check every key of ``table`` and return the settings, paths resolved."""
    _known_keys(blank, table, (), _READERS.keys() | {"subjects"})
    values = {name: read(blank, blank.key(name), table[name]) for name, read in _READERS.items() if name in table}
    if isinstance(values.get("corpus"), Path):
        values["corpus"] = blank.path.parent / values["corpus"]
    subjects = _subjects(blank, table["subjects"]) if "subjects" in table else {}
    return ProjectConfig(blank.path, blank.table, subjects=subjects, **values)


def _known_keys(config: ProjectConfig, table: Mapping[str, Any], where: tuple[str, ...], known: Collection[str]) -> None:
    for name in table:
        if name not in known:
            key = config.key(*where, name)
            raise config.error(key, f"is not a tokfuzz setting (known keys: {', '.join(sorted(known))})")


def _shown(value: object) -> str:
    kind = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array",
            dict: "a table"}.get(type(value), type(value).__name__)
    text = repr(value)
    return f"{kind} {text if len(text) <= 60 else text[:59] + '…'}"


def _number(config: ProjectConfig, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise config.error(key, f"must be a finite number of seconds > 0, got {_shown(value)}")
    return float(value)


def _workers(config: ProjectConfig, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise config.error(key, f"must be a whole number >= 1, got {_shown(value)}")
    return value


def _corpus(config: ProjectConfig, key: str, value: Any) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise config.error(key, f"must be a directory path (a non-empty string), got {_shown(value)}")
    return Path(value).expanduser()


def _engine(config: ProjectConfig, key: str, value: Any) -> str:
    if value not in ENGINE_CHOICES:
        raise config.error(key, f"must be one of {', '.join(ENGINE_CHOICES)}, got {_shown(value)}")
    return str(value)


def _properties(config: ProjectConfig, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise config.error(key, f"must be a non-empty array of property names ({', '.join(PROPERTIES)}), "
                           f"got {_shown(value)}")
    for item in value:
        if item not in PROPERTIES:
            raise config.error(key, f"names an unknown property {_shown(item)}; properties: {', '.join(PROPERTIES)}")
    return tuple(dict.fromkeys(value))


_READERS: dict[str, Callable[[ProjectConfig, str, Any], Any]] = {
    "corpus": _corpus, "seconds": _number, "properties": _properties, "engine": _engine, "workers": _workers,
    "timeout": _number,
}
"""Top-level key -> the function checking its value (subjects are read apart)."""


def _subjects(config: ProjectConfig, table: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise config.error(config.key("subjects"), f"must be a table of named subjects, got {_shown(table)}")
    out: dict[str, tuple[str, ...]] = {}
    for name, subject in table.items():
        key = config.key("subjects", name)
        if not _SUBJECT_NAME.fullmatch(name):
            raise config.error(key, "is not a usable subject name: letters, digits and . _ + - only "
                               "(it names the corpus file), starting with a letter or digit")
        if name in SUBJECTS or name == CUSTOM:
            raise config.error(key, f"is {'an embedded subject' if name in SUBJECTS else 'the --backend subject'}'s "
                               "name: choose another name for your subject")
        if not isinstance(subject, dict):
            raise config.error(key, f"must be a table with a `backends` array, got {_shown(subject)}")
        _known_keys(config, subject, ("subjects", name), {"backends"})
        specs = subject.get("backends")
        key = config.key("subjects", name, "backends")
        if not isinstance(specs, list) or not specs:
            shown = "nothing" if specs is None else _shown(specs)
            raise config.error(key, f"must list the subject's backend specs, reference first, got {shown}")
        resolved = []
        for index, spec in enumerate(specs):
            if not isinstance(spec, str):
                raise config.error(f"{key}[{index}]", f"must be a backend spec string KIND:ARG, got {_shown(spec)}")
            try:
                parse_spec(spec)
            except ConfigError as exc:
                raise config.error(f"{key}[{index}]", f"is wrong: {exc}") from None
            resolved.append(_resolved(spec, config.path.parent))
        out[name] = tuple(resolved)
    return out


def _resolved(spec: str, base: Path) -> str:
    """``spec`` with its path (if its kind takes one, and ARG is one) made absolute
    against ``base``: ``transformers:./tok`` -> ``transformers:/repo/tok``."""
    kind, _, arg = spec.partition(":")
    if kind not in _PATH_KINDS:
        return spec
    fields = arg.split(":", _PATH_KINDS[kind])
    if len(fields) <= _PATH_KINDS[kind]:
        return spec
    path = Path(fields[-1]).expanduser()
    if fields[-1] and ("/" in fields[-1] or fields[-1].startswith((".", "~")) or (base / path).exists()):
        fields[-1] = str(path if path.is_absolute() else (base / path).resolve())
    return f"{kind}:{':'.join(fields)}"
