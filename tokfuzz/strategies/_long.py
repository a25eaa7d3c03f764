"""Long inputs: thousands of characters, for faults that only show past some length.

Tokenizers and the code around them have length limits and length-dependent paths: a
Rust backend that chunks its input, a C++ buffer of N bytes, a regex engine that
backtracks quadratically, a ``max_length`` default that silently truncates. None of
them is reachable from the short pieces of ``unicode_text``. Building a long string
from thousands of independent hypothesis draws would be slow and would shrink badly,
so ``long_inputs`` draws a short block of pieces once and repeats it up to a drawn
length: a handful of choices per example, whatever its length.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from tokfuzz.strategies._code import CODE_LINE
from tokfuzz.strategies._emoji import EMOJI_ITEM, check_sizes
from tokfuzz.strategies._scripts import mixed_script_identifiers
from tokfuzz.strategies._whitespace import NUMBER, WHITESPACE_RUN

__all__ = ["long_inputs"]

_PROSE: tuple[str, ...] = ("a", " the", " quick", " token", ",", ".", "\n", " 2024")
"""ASCII prose pieces; the first one is where examples shrink to."""

_BLOCK_PIECE: SearchStrategy[str] = st.one_of(
    st.sampled_from(_PROSE),
    EMOJI_ITEM,
    mixed_script_identifiers(),
    CODE_LINE,
    WHITESPACE_RUN,
    NUMBER,
)
"""One piece of the repeated block, simplest kind first (``one_of`` shrinks toward it);
every kind is non-empty."""

_MIN_PIECES, _MAX_PIECES = 4, 16
"""Pieces per block: few enough that an example stays a few dozen hypothesis choices."""


def _fill(args: tuple[int, list[str]]) -> str:
    """The joined pieces repeated, then cut to exactly ``length`` code points."""
    length, pieces = args
    block = "".join(pieces) or _PROSE[0]  # no piece kind is empty; guard the invariant anyway
    return (block * (length // len(block) + 1))[:length]


def long_inputs(min_size: int = 2000, max_size: int = 8000) -> SearchStrategy[str]:
    """Strings of ``min_size``..``max_size`` code points (Python ``len``), built by repetition.

    Each example draws a block of 4-16 pieces, concatenated with nothing between them
    (an ASCII prose word, one item of ``emoji_sequences``, a ``mixed_script_identifiers``
    example, one line of ``code_with_string_literals``, a whitespace run or a digit run
    of ``whitespace_runs``), and a target length in ``[min_size, max_size]``; the block
    is repeated and cut at the target length. The cut may split an extended grapheme
    cluster (UAX #29) or an emoji ZWJ sequence (UTS #51) in the middle, as truncation in
    real pipelines does. The length is in code points: UTF-8 bytes are 1-4 times as many (an emoji block of 2000
    code points is about 8000 bytes).

    Args:
        min_size: fewest code points, an int >= 0.
        max_size: most code points, an int >= ``min_size``.

    Raises:
        InvalidArgument: a size is not an int, is negative, or ``max_size < min_size``.

    Shrinking: the length toward ``min_size`` and the block toward four copies of the
    simplest piece, so the minimal example is ``"a" * min_size``. A failure that needs a
    particular piece keeps it, and the length shrinks toward the shortest that still fails
    (the truncation threshold, to within a block).
    """
    check_sizes(min_size, max_size)
    # The length is drawn first: drawn after the block, hypothesis gave min_size to ~40%
    # of examples (measured), drawn first to ~8%.
    return st.tuples(
        st.integers(min_size, max_size),
        st.lists(_BLOCK_PIECE, min_size=_MIN_PIECES, max_size=_MAX_PIECES),
    ).map(_fill)
