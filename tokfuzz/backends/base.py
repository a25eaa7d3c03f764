"""The backend protocol (DESIGN §2) and the errors every adapter raises.

A *backend* is one tokenizer model loaded through one library. Adapters call the
library the way its users call it by default (no BOS/EOS, no special-token options)
and never repair what the library does: a difference hidden in an adapter is a bug
hidden from the user.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import regex

__all__ = [
    "CONTRACT_PROBE", "Backend", "BackendUnavailable", "ConfigError", "backend_memo", "check_contract", "is_unknown_token", "literal_pattern",
    "replace_surrogates", "reraise_control", "text_bytes", "token_pieces",
]


NOT_APPLICABLE = "not-applicable"
"""``finding_kind`` of an exception saying an input never reached the library (a
transport limit of a backend in another process): no property applies to it."""


class ConfigError(Exception):
    """Bad usage or configuration: a one-line message for the user, exit status 2."""


class BackendUnavailable(ConfigError):
    """A backend cannot be loaded here (library missing, model file missing, bad spec)."""


@runtime_checkable
class Backend(Protocol):
    """One tokenizer model loaded through one library.

    Required members are ``name``, ``encode`` and ``decode``. Optional members used
    when present: ``decode_bytes(ids) -> bytes``, ``token_bytes(id) -> bytes``,
    ``encode_batch(texts) -> list[list[int]]``, ``vocab_size: int``,
    ``normalize(text) -> str`` (the library's own normalizer: the round-trip target),
    ``pretokenize(text) -> list[str]`` (the library's own pre-tokenizer split),
    ``pattern: str`` (the pre-tokenizer regex the model declares), ``version: str``.
    tokfuzz adds one optional member, ``expected_bytes(text) -> bytes``: the bytes the
    token stream must cover (for SentencePiece, the normalized text with its dummy
    prefix and ``▁`` as a space); it defaults to ``normalize(text)`` in UTF-8.
    """

    name: str

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``, no BOS/EOS added."""
        ...

    def decode(self, ids: Sequence[int]) -> str:
        """Text of ``ids``."""
        ...


CONTRACT_PROBE = "tokfuzz probe"
"""The text ``check_contract`` encodes: ASCII letters and one space (see there why)."""


def check_contract(backend: object, label: str) -> None:
    """Check once, at load, that ``backend`` keeps the types of the Backend protocol:
    ``name`` is a non-empty ``str`` without ``|`` or ``,`` (they separate the parts of
    a signature), ``encode(CONTRACT_PROBE)`` returns a sequence of integer ids, and
    ``decode`` of those ids returns a ``str``.

    A sequence is anything ``collections.abc.Sequence`` (a list, a tuple) but ``str``,
    ``bytes`` and ``bytearray``; an id is anything ``operator.index`` accepts (``int``,
    NumPy integers) but ``bool``. A ``numpy.ndarray``, a generator, ``None`` or floats
    are refused: the oracles compare, slice and store ids as lists of ints.

    The probe is ``"tokfuzz probe"``: plain ASCII letters and one space, text that every
    tokenizer encodes. It holds no digit, no non-ASCII character, no ZWJ or variation
    selector and no special-token look-alike, so a backend with a planted fault
    (``tests.fakes.RaisesOnDigits``, ``bench.faults``) or a library that cannot handle
    exotic text is not mistaken for one that breaks the contract: the check is about
    types, never about correctness (that is what the oracles find).

    ``label`` names the backend in the message, e.g. ``"plugin 'python:mod:Cls'"``;
    other process-based backends (``cmd:``) reuse this check with their own label.

    Raises:
        BackendUnavailable: a member has the wrong type, or the probe raised (the
            message names ``label``, the call and what it returned or raised).
    """
    broken = f"{label} breaks the Backend contract:"
    name = getattr(backend, "name", None)
    if not isinstance(name, str) or not name or "|" in name or "," in name:
        raise BackendUnavailable(f"{broken} name is {_shown(name)}, expected a non-empty str without '|' or ','")
    call = f"encode({CONTRACT_PROBE!r})"
    ids = _probe(broken, call, backend.encode, CONTRACT_PROBE)  # type: ignore[attr-defined]
    bad = _not_ids(ids)
    if bad is not None:
        raise BackendUnavailable(f"{broken} {call} returned {_shown(ids)}, expected a list of int ids{bad}")
    call = f"decode({_cut(repr(list(ids)))})"
    text = _probe(broken, call, backend.decode, list(ids))  # type: ignore[attr-defined]
    if not isinstance(text, str):
        raise BackendUnavailable(f"{broken} {call} returned {_shown(text)}, expected a str")


def _probe(broken: str, call: str, method: Any, arg: Any) -> Any:
    """``method(arg)``; an exception (a pyo3 panic too) becomes BackendUnavailable."""
    try:
        return method(arg)
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        reraise_control(exc)
        raise BackendUnavailable(f"{broken} {call} raised {type(exc).__name__}: {_cut(str(exc))}") from None


def _not_ids(ids: object) -> str | None:
    """None when ``ids`` is a sequence of integer ids; else "" or why an item is not one."""
    if isinstance(ids, (str, bytes, bytearray)) or not isinstance(ids, Sequence):
        return ""
    for index, item in enumerate(ids):
        if isinstance(item, bool):
            return f" (item {index} is a bool)"
        try:
            operator.index(item)
        except TypeError:
            return f" (item {index} is {_shown(item)})"
    return None


def _shown(value: object) -> str:
    """``type repr`` of ``value``, the repr cut to 60 characters: ``str 'abc'``; ``None``."""
    return "None" if value is None else f"{type(value).__name__} {_cut(repr(value))}"


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reraise_control(exc: BaseException) -> None:
    """Re-raise interpreter control flow; anything else a library raised (including a
    Rust panic surfacing as pyo3's ``PanicException``, a BaseException) is a finding
    for the caller to record."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


_UNKNOWN_TOKEN = regex.compile(r"[\W_]*unk(?:nown)?[\W_]*", regex.IGNORECASE)


def is_unknown_token(token: str) -> bool:
    """Is ``token`` a model's unknown token (``<unk>``, ``[UNK]``, ``<|unk|>``): what it
    emits for text it cannot spell otherwise, not a control token a user could forge.
    The whole string must be "unk" in brackets: ``<|chunk|>`` is a control token."""
    return _UNKNOWN_TOKEN.fullmatch(token) is not None


def text_bytes(text: str) -> bytes:
    """UTF-8 bytes of ``text``; a lone surrogate (U+D800..U+DFFF) becomes U+FFFD's bytes.

    Lone surrogates cannot be encoded in UTF-8 (Unicode §3.9, D92); every library that
    accepts them substitutes U+FFFD, so that is the target tokfuzz compares against.
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return replace_surrogates(text).encode("utf-8")


def replace_surrogates(text: str) -> str:
    """``text`` with every lone surrogate (U+D800..U+DFFF) replaced by U+FFFD."""
    if text.isascii() or not _has_surrogate(text):
        return text
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def token_pieces(backend: Backend, ids: Sequence[int]) -> list[str]:
    """Human-readable pieces of ``ids``: each token's bytes, decoded with U+FFFD for
    partial UTF-8, or ``decode([id])`` when the backend has no ``token_bytes``.

    Shape: one string per id. Never raises: an id the backend cannot show is ``<id?>``.
    """
    token_bytes = getattr(backend, "token_bytes", None)
    pieces: list[str] = []
    for token in ids:
        try:
            if token_bytes is not None:
                pieces.append(token_bytes(token).decode("utf-8", errors="replace"))
            else:
                pieces.append(backend.decode([token]))
        except BaseException as exc:  # noqa: BLE001 - display helper, the oracle reports the error;
            reraise_control(exc)  # a Rust panic (pyo3's PanicException, a BaseException) must not kill the worker
            pieces.append(f"<{token}?>")
    return pieces


_MEMOS: dict[tuple[int, str], tuple[Backend, dict[Any, Any]]] = {}


def backend_memo(backend: Backend, name: str) -> dict[Any, Any]:
    """A dict that lives as long as the process, one per (``backend``, ``name``), for
    memoizing what a backend computes deterministically (piece ids, whether a code
    point is held as bytes). Keyed by ``id(backend)`` with the backend kept beside its
    table, so an id is never reused while the table exists; plugins need not be
    hashable or accept attributes. Callers bound their table's size."""
    return _MEMOS.setdefault((id(backend), name), (backend, {}))[1]


@functools.lru_cache(maxsize=64)
def literal_pattern(strings: tuple[str, ...]) -> regex.Pattern[str] | None:
    """One compiled alternation matching any of ``strings`` literally, longest first
    (leftmost-longest, as HF's added-token matching does); None when there are none."""
    ordered = sorted(set(strings), key=len, reverse=True)
    return regex.compile("|".join(regex.escape(s) for s in ordered)) if ordered else None
