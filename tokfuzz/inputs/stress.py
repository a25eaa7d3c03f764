"""The stress set: a reproducible, stratified sample of generated text, per category.

Evaluation teams get it as rows of ``tokfuzz export --stress N``; ``tokfuzz snapshot``
stores each subject's reference ids for it, so that a library upgrade or a port that
changes how any kind of hard text is tokenized is caught, not only the corpus' known
failures. Every input is valid text that no tokenizer *needs* to fail on: no lone
surrogate (U+D800..U+DFFF, not a Unicode scalar value, Unicode §3.9 D76), no NUL.

Categories (``STRESS_CATEGORIES``), each drawn from its public strategy of
``tokfuzz.strategies`` with the fast sampler (``tokfuzz.inputs.sampler.Sampler``):

=================  ====================================================================
``emoji``          ``emoji_sequences()``: RGI emoji, ZWJ sequences, modifiers, flags, tags
``mixed_script``   ``mixed_script_identifiers()``: identifiers mixing scripts, confusables
``code:<lang>``    ``code_with_string_literals(lang)`` for each of ``CODE_LANGUAGES``
``whitespace``     ``whitespace_runs()``: every kind of space, line break and digit run
``long``           ``long_inputs()``: 2,000-8,000 code points built by repetition
``special``        ``special_token_lookalikes(SPECIAL_TOKEN_LOOKALIKES)``: control-token
                   spellings of common vocabularies and their near misses
=================  ====================================================================

``n`` inputs are drawn per category, except ``code``, whose ``n`` are spread over the
languages (the first ``n % languages`` languages get one more). The same ``(n, seed)``
gives the same list on every machine: each category's sampler is seeded with
``seed`` and the category name through SHA-256, not Python's salted ``hash``. Within a
category an input occurs once (a draw already taken is drawn again, at most
``_TRIES_PER_INPUT`` times per input before the category is left short).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from hypothesis.strategies import SearchStrategy

from tokfuzz.inputs.sampler import Sampler
from tokfuzz.strategies import (
    CODE_LANGUAGES,
    SPECIAL_TOKEN_LOOKALIKES,
    code_with_string_literals,
    emoji_sequences,
    long_inputs,
    mixed_script_identifiers,
    special_token_lookalikes,
    whitespace_runs,
)

__all__ = ["STRESS_CATEGORIES", "StressInput", "stress_set"]

STRESS_CATEGORIES: tuple[str, ...] = ("emoji", "mixed_script", "code", "whitespace", "long", "special")
"""The strata, in the order ``stress_set`` lists them (``code`` is split by language)."""

_TRIES_PER_INPUT = 50


@dataclass(frozen=True)
class StressInput:
    """One generated input: ``text`` and the ``category`` it was drawn for
    (``"emoji"``, ``"code:python"``…)."""

    text: str
    category: str


def _strata() -> Iterator[tuple[str, SearchStrategy[str]]]:
    yield "emoji", emoji_sequences()
    yield "mixed_script", mixed_script_identifiers()
    for language in CODE_LANGUAGES:
        yield f"code:{language}", code_with_string_literals(language)
    yield "whitespace", whitespace_runs()
    yield "long", long_inputs()
    yield "special", special_token_lookalikes(SPECIAL_TOKEN_LOOKALIKES)


def _seed(seed: int, category: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}\x00{category}".encode()).digest()[:8], "big")


def _valid(text: str) -> bool:
    return bool(text) and "\x00" not in text and not any("\ud800" <= c <= "\udfff" for c in text)


def stress_set(n: int, seed: int = 0) -> list[StressInput]:
    """``n`` inputs per category of ``STRESS_CATEGORIES`` (``code``'s ``n`` spread over
    its languages), categories in that order, draws in sampler order.

    Shape: at most ``6 * n`` items, fewer only when a category cannot give ``n``
    distinct valid inputs. Deterministic in ``(n, seed)`` for a given tokfuzz version
    (the strategies' tables are part of it).

    Raises:
        ValueError: ``n`` or ``seed`` is negative.
    """
    if n < 0 or seed < 0:
        raise ValueError(f"stress size and seed must be >= 0, got n={n}, seed={seed}")
    languages = len(CODE_LANGUAGES)
    out: list[StressInput] = []
    code_index = 0
    for category, strategy in _strata():
        want = n
        if category.startswith("code:"):
            want = n // languages + (code_index < n % languages)
            code_index += 1
        if want == 0:
            continue
        taken: set[str] = set()
        draws = iter(Sampler(strategy, _seed(seed, category)))
        for _ in range(want * _TRIES_PER_INPUT):
            text = next(draws)
            if _valid(text) and text not in taken:
                taken.add(text)
                out.append(StressInput(text, category))
                if len(taken) == want:
                    break
    return out
