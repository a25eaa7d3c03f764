"""Plugin backends: ``python:package.module:attr``.

``attr`` is a Backend instance, a Backend class, or a zero-argument factory returning
one. The object must have ``name``, ``encode`` and ``decode`` (DESIGN §2), and is
probed once at load (``base.check_contract``): a plugin whose ``encode`` returns a
string or whose ``decode`` returns bytes fails here, with one line, not as a flood
of findings later.
"""

from __future__ import annotations

import importlib
import inspect

from tokfuzz.backends.base import Backend, BackendUnavailable, check_contract

__all__ = ["load"]


def load(arg: str) -> Backend:
    """Backend for spec ``python:MODULE:ATTR``. Raises BackendUnavailable on a bad spec,
    an import error, a missing attribute, a factory that raises, an object that
    lacks a protocol member, or one whose members return the wrong types
    (``check_contract``)."""
    spec = f"python:{arg}"
    module_name, sep, attr = arg.rpartition(":")
    if not sep or not module_name or not attr:
        raise BackendUnavailable(f"plugin spec {arg!r} must be python:package.module:attr")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - a broken plugin is a configuration error
        raise BackendUnavailable(f"plugin module {module_name!r} failed to import: {type(exc).__name__}: {exc}") from exc
    try:
        target = getattr(module, attr)
    except AttributeError:
        raise BackendUnavailable(f"plugin module {module_name!r} has no attribute {attr!r}") from None
    backend = target
    if inspect.isclass(target) or (callable(target) and not hasattr(target, "encode")):
        try:
            backend = target()
        except Exception as exc:  # noqa: BLE001
            raise BackendUnavailable(f"plugin {spec!r} failed to construct: {type(exc).__name__}: {exc}") from exc
    missing = [m for m in ("name", "encode", "decode") if not hasattr(backend, m)]
    if missing:
        raise BackendUnavailable(f"plugin {spec!r} is not a Backend: it lacks {', '.join(missing)}")
    check_contract(backend, f"plugin {spec!r}")
    return backend
