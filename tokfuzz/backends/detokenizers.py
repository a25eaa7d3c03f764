"""Incremental detokenizers: the ``StreamDecoder`` protocol and the algorithms users copy.

A serving stack turns a model's ids into text one id at a time, as they are sampled,
and streams what it has to the user. DESIGN §2 states the protocol of such a
detokenizer (``Backend.decode_stream()`` returns a fresh one)::

    step(token_id) -> str   # text that became complete with this id ("" if none)
    flush() -> str          # what it still holds at the end of the stream

Besides a backend's own (HF ``DecodeStream`` in tokfuzz.backends.hf, a ``cmd:`` port's
``decode_stream`` op), tokfuzz carries faithful re-implementations of the two published
algorithms most serving code copies, each over any backend's ``decode`` / ``token_bytes``:

* ``PrefixReadOffsets`` (label ``vllm-tgi``): the prefix/read-offset algorithm of TGI and
  vLLM, which re-decodes a short window of ids and emits the new suffix;
* ``HoldPartialUtf8`` (label ``llama.cpp``): llama.cpp server's concatenation of token
  pieces, holding back a trailing incomplete UTF-8 character.

Neither upstream algorithm has a flush: what they hold when the stream ends is never
sent. Their ``flush()`` returns "" so that tokfuzz reproduces exactly that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, runtime_checkable

__all__ = ["INITIAL_OFFSET", "HoldPartialUtf8", "PrefixReadOffsets", "StreamDecoder", "emitted", "validate_utf8"]


@runtime_checkable
class StreamDecoder(Protocol):
    """An incremental detokenizer for one stream of ids (DESIGN §2).

    Optional member used when present: ``run(ids) -> list[str]``, the whole stream at
    once (one piece per id, then the flush), for detokenizers in another process.
    """

    def step(self, token_id: int) -> str:
        """Text that became complete with ``token_id`` ("" if none)."""
        ...

    def flush(self) -> str:
        """What the decoder still holds at the end of the stream."""
        ...


def emitted(decoder: StreamDecoder, ids: Sequence[int], into: list[str] | None = None) -> list[str]:
    """What ``decoder`` emits for ``ids``: one string per id, then its flush (shape
    ``len(ids) + 1``). Uses ``decoder.run(ids)`` when the decoder has it (a ``cmd:``
    port answers the whole stream in one request), else ``step`` per id and ``flush``.

    ``into``, when given, receives the pieces as they come (and is returned), so a
    caller still has what was emitted before a step raised.

    Raises:
        whatever ``step``, ``flush`` or ``run`` raise (a pyo3 ``PanicException`` too).
    """
    out = [] if into is None else into
    run: Callable[[Sequence[int]], list[str]] | None = getattr(decoder, "run", None)
    if run is not None:
        out.extend(run(list(ids)))
        return out
    for token in ids:
        out.append(decoder.step(token))
    out.append(decoder.flush())
    return out


INITIAL_OFFSET = 5
"""vLLM's ``INITIAL_INCREMENTAL_DETOKENIZATION_OFFSET`` (``convert_prompt_ids_to_tokens``'s
``intial_incremental_detokenization_offset``): prompt tokens re-decoded as the prefix
window; TGI starts its streams with ``prefix_offset = input_len - 5``, ``read_offset =
input_len`` too (``server/text_generation_server/models/causal_lm.py``,
``flash_causal_lm.py``), the same window for prompts of 5 ids or more (shorter ones give
TGI a negative offset, a slice from the end; tokfuzz follows vLLM there)."""


class PrefixReadOffsets:
    """The prefix/read-offset detokenizer of TGI and vLLM (label ``vllm-tgi``).

    Sources: TGI ``server/text_generation_server/models/model.py`` ``Model.decode_token``
    (huggingface/text-generation-inference), and vLLM
    ``vllm/transformers_utils/detokenizer_utils.py`` ``detokenize_incrementally`` with
    ``convert_prompt_ids_to_tokens`` (vllm-project/vllm; "Based on" TGI's, Apache-2.0).
    Per id: ``prefix_text = decode(ids[prefix:read])``, ``new_text = decode(ids[prefix:])``;
    if ``new_text`` is longer (in code points) and does not end in U+FFFD, emit
    ``new_text[len(prefix_text):]`` and move ``prefix, read = read, len(ids)``; else emit
    "" and keep the offsets (a text ending in U+FFFD is held as an unfinished UTF-8
    sequence, even when the U+FFFD is real).

    The prompt context is vLLM's: its last ``INITIAL_OFFSET + 2`` ids, ``read`` after
    them and ``prefix`` ``INITIAL_OFFSET`` before ``read``; the window TGI re-decodes
    (the last 5 prompt ids) is the same. Approximation: vLLM joins token *strings* with
    ``convert_tokens_to_string``; tokfuzz decodes the id windows with the backend's own
    ``decode``, as TGI does (so special tokens follow ``decode``'s defaults). No flush:
    held text is dropped at the end of the stream, as upstream.
    """

    label = "vllm-tgi"

    def __init__(self, backend: object, prompt: Sequence[int] = ()) -> None:
        self._decode: Callable[[Sequence[int]], str] = backend.decode  # type: ignore[attr-defined]
        self._ids = list(prompt)[-(INITIAL_OFFSET + 2):] if prompt else []
        self._read = len(self._ids)
        self._prefix = max(self._read - INITIAL_OFFSET, 0)

    def step(self, token_id: int) -> str:
        """The new text once it no longer ends in U+FFFD ("" while held)."""
        self._ids.append(token_id)
        prefix_text = self._decode(self._ids[self._prefix:self._read])
        new_text = self._decode(self._ids[self._prefix:])
        if len(new_text) <= len(prefix_text) or new_text.endswith("\ufffd"):
            return ""
        del self._ids[:self._prefix]  # ids before the window are never decoded again
        self._prefix, self._read = self._read - self._prefix, len(self._ids)
        return new_text[len(prefix_text):]

    def flush(self) -> str:
        """Always "": upstream never sends what it holds at the end."""
        return ""


def validate_utf8(text: bytes | bytearray) -> int:
    """llama.cpp server's ``validate_utf8``: ``len(text)`` minus a trailing incomplete
    UTF-8 sequence, judged by the last 4 bytes only: a lead byte of an n-byte sequence
    among the last ``n - 1`` bytes cuts the text before it (even when the bytes after it
    are ASCII, so ``b"\\xe6a"`` is held whole; the text is not otherwise validated)."""
    size = len(text)
    if not size or max(text[-3:]) < 0xC0:  # no lead byte among the last 3: the loop finds nothing
        return size
    for back in range(1, min(4, size) + 1):
        c = text[size - back]
        if ((c & 0xE0) == 0xC0 and back < 2) or ((c & 0xF0) == 0xE0 and back < 3) or ((c & 0xF8) == 0xF0 and back < 4):
            return size - back
    return size


class HoldPartialUtf8:
    """llama.cpp server's streaming detokenizer (label ``llama.cpp``).

    Source: ggml-org/llama.cpp ``tools/server/server.cpp`` (``examples/server/`` before
    2025) ``process_token``: ``slot.generated_text += common_token_to_piece(ctx, tok,
    special)``; while ``validate_utf8(generated_text) < generated_text.size()`` nothing is
    sent, else everything after ``n_sent_text`` is; ``validate_utf8`` is in
    ``tools/server/utils.hpp`` (now ``server-common.cpp``). A stream's final response
    carries no content, so a held incomplete character is dropped: ``flush()`` is "".

    Pieces are the backend's ``token_bytes`` (required), as ``common_token_to_piece``
    gives a token's bytes (SentencePiece ``▁`` as a space, ``<0xNN>`` as that byte). The
    piece of a special token (an id among the backend's ``special_tokens`` values) is
    ``decode([id])`` in UTF-8: llama.cpp renders a control token in a stream as its own
    detokenizer does (both follow one ``special`` flag, false by default: ""), so here
    it follows the backend's ``decode``. Emitted bytes become text with U+FFFD for
    invalid sequences, as the server's JSON (``error_handler_t::replace``) does. The
    prompt does not change pieces; it is accepted for a uniform constructor.
    """

    label = "llama.cpp"

    def __init__(self, backend: object, prompt: Sequence[int] = ()) -> None:
        del prompt
        self._piece: Callable[[int], bytes] = backend.token_bytes  # type: ignore[attr-defined]
        self._decode: Callable[[Sequence[int]], str] = backend.decode  # type: ignore[attr-defined]
        specials: Mapping[str, int] = getattr(backend, "special_tokens", None) or {}
        self._special = frozenset(specials.values())
        self._text = bytearray()
        self._sent = 0

    def step(self, token_id: int) -> str:
        """The pieces not yet sent, once the text no longer ends mid-character."""
        if token_id in self._special:
            self._text += self._decode([token_id]).encode("utf-8", errors="replace")
        else:
            self._text += self._piece(token_id)
        if validate_utf8(self._text) < len(self._text) or self._sent == len(self._text):
            return ""
        out = bytes(self._text[self._sent:])
        del self._text[:-4]  # validate_utf8 reads the last 4 bytes only
        self._sent = len(self._text)
        return out.decode("utf-8", errors="replace")

    def flush(self) -> str:
        """Always "": the server's final stream response carries no content."""
        return ""
