"""Plugin backends that break the Backend contract's types (DESIGN §2), each in one
way, for the check made at load (tokfuzz.backends.base.check_contract). Loadable as
``python:tests.misbehaving:EncodeReturnsStr``; never a stand-in for a tokenizer.
The ``Keeps…`` classes bend the contract as far as it goes and must still load."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tests.fakes import Chars


class EncodeReturnsStr(Chars):
    """``encode`` returns the text itself."""

    name = "encode-str"

    def encode(self, text: str) -> Any:
        return text


class EncodeReturnsNone(Chars):
    """``encode`` forgets to return."""

    name = "encode-none"

    def encode(self, text: str) -> Any:
        super().encode(text)


class EncodeReturnsBytes(Chars):
    """``encode`` returns UTF-8 bytes (a sequence of ints, but not ids)."""

    name = "encode-bytes"

    def encode(self, text: str) -> Any:
        return text.encode("utf-8")


class EncodeReturnsBools(Chars):
    """``encode`` returns booleans (``bool`` is an ``int`` subclass, not an id)."""

    name = "encode-bools"

    def encode(self, text: str) -> Any:
        return [c.isupper() for c in text]


class EncodeReturnsFloats(Chars):
    """``encode`` returns floats."""

    name = "encode-floats"

    def encode(self, text: str) -> Any:
        return [float(ord(c)) for c in text]


class EncodeReturnsGenerator(Chars):
    """``encode`` returns a generator (not a sequence: it can be read once)."""

    name = "encode-generator"

    def encode(self, text: str) -> Any:
        return (ord(c) for c in text)


class DecodeReturnsBytes(Chars):
    """``decode`` returns UTF-8 bytes instead of text."""

    name = "decode-bytes"

    def decode(self, ids: Sequence[int]) -> Any:
        return super().decode(ids).encode("utf-8")


class RaisesOnProbe(Chars):
    """``encode`` raises on every input, the probe included."""

    name = "raises-always"

    def encode(self, text: str) -> list[int]:
        raise RuntimeError("tokenizer not initialised")


class DecodeRaises(Chars):
    """``decode`` raises on every input."""

    name = "decode-raises"

    def decode(self, ids: Sequence[int]) -> str:
        raise KeyError(ids[0] if ids else None)


class NameIsNotStr(Chars):
    """``name`` is an int."""

    name = 7  # type: ignore[assignment]


class NameHasBar(Chars):
    """``name`` holds ``|``, the separator of a signature's parts."""

    name = "a|b"


class KeepsTuple(Chars):
    """``encode`` returns a tuple of ints: a sequence of ids, so it loads."""

    name = "keeps-tuple"

    def encode(self, text: str) -> Any:
        return tuple(super().encode(text))


class KeepsIndexInts(Chars):
    """``encode`` returns ids that are not ``int`` but behave as one (``__index__``,
    as NumPy integers do): they load."""

    name = "keeps-index-ints"

    def encode(self, text: str) -> Any:
        return [_Id(i) for i in super().encode(text)]

    def decode(self, ids: Sequence[Any]) -> str:
        return super().decode([int(i) for i in ids])


class _Id:
    """An integer-like id: ``operator.index`` accepts it."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value

    def __int__(self) -> int:
        return self.value


class NamedTiktoken(Chars):
    """A correct plugin named like the ``tiktoken`` backend of subject cl100k_base."""

    name = "tiktoken"
