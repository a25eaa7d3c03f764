"""A subject's own special-token strings and their near misses.

A tokenizer that parses ``<|endoftext|>`` or ``[INST]`` in user text as its control
token lets a user inject chat structure through the tokenizer (a prompt-injection
path). The general look-alikes of ``SPECIAL_TOKEN_LOOKALIKES`` cover the common
vocabularies; this module spells the strings a given model actually holds, and the
near misses a normalizer, a case-insensitive match or a sloppy port could still
turn into the control id.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

__all__ = ["near_misses", "special_token_lookalikes"]

_FULL_WIDTH = {"|": "\uff5c", "<": "\uff1c", ">": "\uff1e", "[": "\uff3b", "]": "\uff3d", "/": "\uff0f", "_": "\uff3f"}
"""ASCII brackets and bars with their full-width compatibility forms (U+FF01..U+FF5E);
NFKC maps each back to ASCII (UAX #15, compatibility decomposition ``<wide>``), and
DeepSeek-style vocabularies spell special tokens with U+FF5C itself."""

_INVISIBLES = ("\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad")
"""ZERO WIDTH SPACE, ZWJ, WORD JOINER, ZERO WIDTH NO-BREAK SPACE (BOM), SOFT HYPHEN:
Default_Ignorable_Code_Point (UAX #44, DerivedCoreProperties.txt); a renderer shows
the string unchanged, a tokenizer must not."""


def near_misses(token: str) -> list[str]:
    """Strings that look like ``token`` but are not it, each at most once, in this order:
    case swapped; first and last character dropped (a missing bracket); full-width
    ``｜ ＜ ＞ ［ ］ ／ ＿`` for their ASCII forms (NFKC folds them back); SentencePiece's
    meta space ``▁`` (U+2581) in front; each of ``_INVISIBLES`` inside after the first
    character; a space in the middle (splits it across a pre-token boundary); the token
    doubled, and glued to a word on both sides (``a<s>b``).

    ``near_misses("<s>")[0] == "<S>"``. Shape: a list of ``str``, none equal to ``token``;
    empty for an empty ``token``.
    """
    if not token:
        return []
    mid = max(1, len(token) // 2)
    out = [
        token.swapcase(), token[1:], token[:-1],
        "".join(_FULL_WIDTH.get(c, c) for c in token),
        "\u2581" + token,
        *(token[:1] + z + token[1:] for z in _INVISIBLES),
        token[:mid] + " " + token[mid:],
        token + token, "a" + token + "b",
    ]
    return [s for s in dict.fromkeys(out) if s and s != token]


def special_token_lookalikes(tokens: Sequence[str]) -> SearchStrategy[str]:
    """One of ``tokens`` as it is (half the draws) or one of its ``near_misses``.

    Args:
        tokens: a model's special-token strings (``Backend.special_tokens`` keys), a
            non-empty sequence of non-empty ``str``.

    Raises:
        InvalidArgument: ``tokens`` is empty or holds an empty or non-``str`` item.

    Shrinking: toward the first token of ``tokens`` itself, unchanged.
    """
    tokens = tuple(tokens)
    if not tokens or any(not isinstance(t, str) or not t for t in tokens):
        raise InvalidArgument(f"tokens={tokens!r} must be a non-empty sequence of non-empty strings")
    exact = st.sampled_from(tokens)
    return st.one_of(exact, exact.flatmap(lambda t: st.sampled_from(near_misses(t))))
