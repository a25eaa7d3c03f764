"""The campaign's default input: a weighted concatenation of every kind of piece.

Failures in tokenizers mostly sit at boundaries between kinds of text (an emoji after
a CJK identifier, a special-token look-alike inside code, a lone surrogate after
whitespace), so the mixture concatenates pieces of different kinds with nothing between
them and lets the pre-tokenizer find the seams.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from tokfuzz.strategies._code import CODE_LINE
from tokfuzz.strategies._emoji import EMOJI_ITEM
from tokfuzz.strategies._long import long_inputs
from tokfuzz.strategies._scripts import mixed_script_identifiers
from tokfuzz.strategies._special import special_token_lookalikes
from tokfuzz.strategies._whitespace import NUMBER, WHITESPACE_RUN

__all__ = ["SPECIAL_TOKEN_LOOKALIKES", "unicode_text"]

SPECIAL_TOKEN_LOOKALIKES: tuple[str, ...] = (
    "<s>", "</s>", "<unk>", "<pad>", "[INST]", "[/INST]", "<<SYS>>", "[CLS]", "[SEP]",
    "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>",
    "<|im_start|>", "<|im_end|>", "<|begin_of_text|>", "<|endoftext", "< |endoftext|>",
    "<0x0A>", "\u2581", "\u0120", "\u010a",
)
"""Strings that are control tokens in some vocabulary (SentencePiece, Llama/Mistral chat,
tiktoken's cl100k_base/o200k_base, ChatML, BERT), near misses of them, SentencePiece's
byte-token spelling ``<0x0A>`` and meta space U+2581, and GPT-2's byte-level stand-ins
for space and newline (U+0120, U+010A)."""

_WORDS: tuple[str, ...] = (
    "a", "the", " the", "Hello", " world", ",", ".", "!", "?", "I'm", " don't", " 42", "(x)", "=",
    "https://example.com/a?b=1", "user@example.com", "print", "tokenizer", "\n",
)

_PIECES: tuple[tuple[int, SearchStrategy[str]], ...] = (
    (5, st.sampled_from(_WORDS)),
    (4, EMOJI_ITEM),
    (2, WHITESPACE_RUN),
    (1, NUMBER),
    (2, mixed_script_identifiers()),
    (1, CODE_LINE),
    (2, st.text(max_size=8)),
    (1, st.sampled_from(SPECIAL_TOKEN_LOOKALIKES)),
    (1, st.one_of(  # 1-2 lone surrogates (a high-low pair in a str stays two code points), NUL
        st.text(st.characters(categories=["Cs"]), min_size=1, max_size=2),
        st.sampled_from(("\x00", "\x00\x00", "a\x00b")),
    )),
)
"""(weight, piece) pairs, simplest first; a weight is a count of slots in the draw table."""


def _itself(strategy: SearchStrategy[str]) -> SearchStrategy[str]:
    return strategy


def _piece_table(pieces: Sequence[tuple[int, SearchStrategy[str]]]) -> SearchStrategy[str]:
    return st.sampled_from(tuple(piece for weight, piece in pieces for _ in range(weight))).flatmap(_itself)


_PIECE = _piece_table(_PIECES)
_SPECIAL_WEIGHT = 2
"""Slots (of 21) for a subject's own special-token strings and near misses, when given."""
_SPECIAL_SAMPLE = 64
"""Most special-token strings a table draws from: tekken declares 1,000 (``<SPECIAL_n>``),
llama3 256 reserved ones; the first 64 hold every named one and a few reserved."""

_LONG = long_inputs()
_LONG_SLOTS = 1, 32
"""A long input fills 1 of 32 slots of the top-level table (measured ~4% of draws): enough
to reach length-dependent faults, few enough to keep most inputs short. It still moves
the mean draw from ~30 to ~200 code points (a long input is 2000-8000)."""


def _assigned(text: str) -> str:
    """``text`` without the code points unassigned in Python's ``unicodedata`` (Cn)."""
    return "".join(c for c in text if unicodedata.category(c) != "Cn") if not text.isascii() else text


def unicode_text(max_pieces: int = 8, assigned_only: bool = False, special_tokens: Sequence[str] = ()) -> SearchStrategy[str]:
    """Concatenations of 1..``max_pieces`` pieces drawn from a weighted table.

    Pieces, with their weight out of 19: an ASCII word, URL or punctuation (5); one item
    of ``emoji_sequences`` (4); one whitespace run of ``whitespace_runs`` (2); one digit
    run of ``whitespace_runs`` (1); a ``mixed_script_identifiers`` example (2); one line
    of ``code_with_string_literals`` in any language (1); hypothesis ``text(max_size=8)``
    (2); a ``SPECIAL_TOKEN_LOOKALIKES`` entry (1); one or two lone surrogates
    U+D800..U+DFFF, or NUL (1). Single items rather than whole examples of the other
    strategies keep a draw cheap; adjacent pieces rebuild longer runs. Surrogates are not
    Unicode scalar values (The Unicode Standard §3.9, D76), so no UTF-8 encoding of such
    a string exists; every backend must still do something defined with it.

    About 1 draw in 32 (measured ~4%: hypothesis does not pick slots exactly uniformly)
    is instead a ``long_inputs()`` example of 2000-8000 code points, whatever
    ``max_pieces`` is, so that faults past a length limit are reachable.

    Args:
        max_pieces: most pieces per short example, an int >= 1.
        assigned_only: drop every code point unassigned in Python's ``unicodedata``
            (General Category Cn, UAX #44; its Unicode version is the oldest table a
            campaign meets), so that backends built on newer tables (a JavaScript port
            on Node's ICU) are compared on code points every one of them knows, and
            their own bugs are not buried under Unicode version skew.
        special_tokens: a model's own special-token strings (``Backend.special_tokens``
            keys): when given, 2 more slots (of 21) draw one of the first 64 of them or a
            near miss (``special_token_lookalikes``), so that injection of that model's
            control tokens (the special_tokens property) is reachable.

    Raises:
        InvalidArgument: ``max_pieces`` is not an int or is < 1, or ``special_tokens``
            holds an empty or non-``str`` item.

    Shrinking: toward a short example (the long kind is the last slot of the table), a
    single piece, and that piece toward the simplest entry of the table (the ASCII word
    "a").
    """
    if not isinstance(max_pieces, int) or isinstance(max_pieces, bool) or max_pieces < 1:
        raise InvalidArgument(f"max_pieces={max_pieces!r} must be an int >= 1")
    if not isinstance(assigned_only, bool):
        raise InvalidArgument(f"assigned_only={assigned_only!r} must be a bool")
    piece = _PIECE
    if special_tokens:
        own = special_token_lookalikes(tuple(special_tokens)[:_SPECIAL_SAMPLE])
        piece = _piece_table((*_PIECES, (_SPECIAL_WEIGHT, own)))
    short = st.lists(piece, min_size=1, max_size=max_pieces).map("".join)
    long_slots, all_slots = _LONG_SLOTS
    text = st.sampled_from((short,) * (all_slots - long_slots) + (_LONG,) * long_slots).flatmap(_itself)
    return text.map(_assigned) if assigned_only else text
