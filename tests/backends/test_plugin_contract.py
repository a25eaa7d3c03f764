"""The Backend contract is checked once, when a plugin loads (base.check_contract):
wrong types fail with one line naming the spec, the call and what it returned;
every fake and planted fault of this repository still loads."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re

import pytest

import tests.fakes
import tests.misbehaving
from tokfuzz.backends.base import CONTRACT_PROBE, BackendUnavailable, check_contract
from tokfuzz.backends.registry import load_backend

PROBE = repr(CONTRACT_PROBE)


@pytest.mark.parametrize(("cls", "needle"), [
    ("EncodeReturnsStr", f"encode({PROBE}) returned str 'tokfuzz probe', expected a list of int ids"),
    ("EncodeReturnsNone", f"encode({PROBE}) returned None, expected a list of int ids"),
    ("EncodeReturnsBytes", f"encode({PROBE}) returned bytes b'tokfuzz probe', expected a list of int ids"),
    ("EncodeReturnsBools", f"encode({PROBE}) returned list [False, False, "),
    ("EncodeReturnsBools", "…, expected a list of int ids (item 0 is a bool)"),
    ("EncodeReturnsFloats", "expected a list of int ids (item 0 is float 116.0)"),
    ("EncodeReturnsGenerator", "returned generator <generator object"),
    ("DecodeReturnsBytes", "decode([116, 111, 107, 102, "),
    ("DecodeReturnsBytes", "…) returned bytes b'tokfuzz probe', expected a str"),
    ("RaisesOnProbe", f"encode({PROBE}) raised RuntimeError: tokenizer not initialised"),
    ("DecodeRaises", "raised KeyError: 116"),
    ("NameIsNotStr", "name is int 7, expected a non-empty str without '|' or ','"),
    ("NameHasBar", "name is str 'a|b', expected a non-empty str without '|' or ','"),
])
def test_contract_breakers_do_not_load(cls: str, needle: str) -> None:
    spec = f"python:tests.misbehaving:{cls}"
    with pytest.raises(BackendUnavailable) as failed:
        load_backend(spec)
    message = str(failed.value)
    assert message.startswith(f"plugin '{spec}' breaks the Backend contract: ")
    assert needle in message and "\n" not in message


@pytest.mark.parametrize("cls", ["KeepsTuple", "KeepsIndexInts"])
def test_sequences_of_integer_ids_load(cls: str) -> None:
    assert load_backend(f"python:tests.misbehaving:{cls}").encode("ab") is not None


def test_probe_is_plain_ascii_letters() -> None:
    """Fakes raise on digits or misbehave on non-ASCII on purpose; the probe avoids both."""
    assert re.fullmatch(r"[a-z]+( [a-z]+)*", CONTRACT_PROBE)


def _plugin_classes(module: object) -> list[str]:
    return [name for name, obj in vars(module).items()
            if inspect.isclass(obj) and obj.__module__ == module.__name__ and hasattr(obj, "encode")
            and not name.startswith("_")]  # type: ignore[attr-defined]


def test_every_fake_and_planted_fault_still_loads() -> None:
    import bench.faults

    specs = [f"python:tests.fakes:{name}" for name in _plugin_classes(tests.fakes)]
    specs += [f"python:bench.faults:{fault.__name__}" for fault in bench.faults.FAULTS]
    hazards = importlib.util.find_spec("tests.hazards")  # plugins that hang or crash on their trigger
    if hazards is not None:
        module = importlib.import_module("tests.hazards")
        assert module.TRIGGER not in CONTRACT_PROBE  # the probe must never set one off
        specs += [f"python:tests.hazards:{name}" for name in _plugin_classes(module)]
    assert len(specs) >= 8
    for spec in specs:
        assert load_backend(spec).name


def test_keeps_are_the_only_misbehaving_classes_that_load() -> None:
    """Each contract breaker in tests.misbehaving is one of the cases above, so none is dead weight."""
    breakers = {name for name in _plugin_classes(tests.misbehaving) if not name.startswith("Keeps")} - {"NamedTiktoken"}
    [mark] = [m for m in test_contract_breakers_do_not_load.pytestmark if m.name == "parametrize"]  # type: ignore[attr-defined]
    assert breakers == {cls for cls, _needle in mark.args[1]}


def test_check_contract_is_reusable_with_any_label() -> None:
    class CmdLike:
        name = "port"

        def encode(self, text: str) -> list[int]:
            return [len(text)]

        def decode(self, ids: object) -> object:
            return None

    with pytest.raises(BackendUnavailable, match=r"^cmd backend 'cmd:\./port' breaks the Backend contract: "
                                                  r"decode\(\[13\]\) returned None, expected a str$"):
        check_contract(CmdLike(), "cmd backend 'cmd:./port'")
    CmdLike.decode = lambda self, ids: "x" * len(ids)  # type: ignore[method-assign]
    check_contract(CmdLike(), "cmd backend 'cmd:./port'")
