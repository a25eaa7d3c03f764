"""The standalone reproducer of one backend on one subject: dispatch over the recipes.

``recipe(backend, subject, text, versions)`` picks the Python library recipe
(``tokfuzz.report.recipes_libs``, ``tokfuzz.report.recipes_hf``) or the JavaScript port
recipe (``tokfuzz.report.recipes_js``) and pins it to the case's versions; the programs
never import tokfuzz (``tokfuzz.report.recipes`` says how each model file is found).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tokfuzz.report.recipes import JS_BACKENDS, Recipe, install_line, pin, program
from tokfuzz.report.recipes_js import js_recipe
from tokfuzz.report.recipes_libs import LIBRARIES

__all__ = ["PYTHON_BACKENDS", "recipe"]


def _js(backend: str, subject: str, text: str, versions: Mapping[str, str]) -> Recipe | None:
    try:
        found: Recipe | None = js_recipe(backend, subject, text, versions)
    except ValueError:  # a port that does not load the subject, a text JavaScript cannot hold
        return None
    return found


def recipe(backend: str, subject: str, text: str, versions: Mapping[str, str], *,
           ids: Sequence[int] | None = None, repeat: Sequence[int] | None = None, stream: bool = False) -> Recipe | None:
    """The standalone reproducer of what ``backend`` (a tokfuzz backend name: ``"hf"``,
    ``"tiktoken"``, ``"js-tiktoken"``…) does on embedded subject ``subject`` for ``text``,
    pinned to ``versions`` (a case's ``versions``).

    Python backends only: with ``ids`` the program decodes those ids instead of
    encoding ``text`` (vocab findings, streams of control ids); with ``repeat`` it times
    the encoding of ``text * n`` for each ``n`` (slow_input); with ``stream`` it also
    runs the library's incremental decoder on the ids (None when it has none).

    None when there is no recipe: a plugin, a user subject, a backend that does not load
    that subject, a text JavaScript cannot hold, or a JavaScript port asked for ``ids``,
    ``repeat`` or ``stream`` (JavaScript recipes take only ``text``). Never raises for
    unknown names.
    """
    if backend in JS_BACKENDS:
        return _js(backend, subject, text, versions) if ids is None and repeat is None and not stream else None
    entry = LIBRARIES.get(backend)
    parts = entry[1](subject) if entry is not None else None
    if entry is None or parts is None or (stream and not parts.stream):
        return None
    library = entry[0]
    install = install_line(parts.packages, versions, parts.npm)
    title = f"{library} {pin(library, versions).partition('==')[2]}".strip() + f" on {subject}"
    return Recipe(library, "python", install,
                  program(title, install, parts, text, ids=ids, repeat=repeat, stream=stream))


#: backend names with Python recipes (the keys of tokfuzz.report.recipes_libs.LIBRARIES)
PYTHON_BACKENDS = ("tiktoken", "hf", "tokie", "bpe-openai", "spm", "mistral-common", "llama-models", "kitoken",
                   "gigatoken", "rs-bpe", "anthropic-tokenizer", "llama-cpp")
