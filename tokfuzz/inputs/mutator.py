"""A Unicode-aware mutator for coverage-guided fuzzing: it edits text, not bytes.

libFuzzer's own mutations flip bits and splice bytes; on a tokenizer that mostly makes
invalid UTF-8, which a target can only reject or replace with U+FFFD. ``TextMutator``
edits what tokenizers care about instead, each edit at a grapheme cluster boundary
(extended grapheme clusters, UAX #29, via ``regex``'s ``\\X``):

- insert, delete or duplicate grapheme clusters;
- splice in an RGI emoji, ZWJ sequence, flag, tag or modifier sequence (UTS #51 data
  from ``tokfuzz.strategies``), or toggle a ZWJ or VS16 between clusters;
- swap an ASCII letter for a confusable from another script (UTS #39);
- add combining marks (General_Category Mn, UAX #44) after a cluster;
- switch the normalization form of the text or of a span (NFC/NFD/NFKC/NFKD, UAX #15);
- wrap a span in the string-literal delimiters of a programming language;
- repeat a run of clusters many times (long inputs), or crop to a window;
- insert odd whitespace, other-script digits, invisibles, bidi controls (UAX #9) and
  special-token look-alikes;
- a byte-level mutation by libFuzzer itself (``byte_mutate``), decoded back to text;
- a lone surrogate, only when the target asks for surrogates.

The output is always valid text: ``encode_input`` writes it as UTF-8 (lone surrogates
as their 3-byte "surrogatepass" form) and ``decode_input`` reads any bytes back, so a
target never sees anything but a ``str``. Mutations are deterministic given the seed
libFuzzer passes, so runs reproduce.
"""

from __future__ import annotations

import codecs
import random
import unicodedata
from collections.abc import Callable, Sequence
from typing import Literal

import regex

from tokfuzz.strategies._code import STRING_DELIMITERS
from tokfuzz.strategies._emoji import (
    RGI_FLAGS,
    RGI_MODIFIER_SEQUENCES,
    RGI_SINGLES,
    RGI_TAG_SEQUENCES,
    RGI_ZWJ_SEQUENCES,
    VS16,
    ZWJ,
)
from tokfuzz.strategies._mixture import SPECIAL_TOKEN_LOOKALIKES
from tokfuzz.strategies._scripts import BIDI_CONTROLS, CONFUSABLES, DIGIT_SETS, INVISIBLES
from tokfuzz.strategies._whitespace import NEAR_SPACES, OTHER_NUMERIC, UNICODE_SPACES

__all__ = ["OPERATIONS", "TextMutator", "decode_input", "encode_input", "graphemes"]

_CLUSTER = regex.compile(r"\X", regex.DOTALL)
_CONFUSABLE = dict(CONFUSABLES)
_COMBINING: tuple[str, ...] = tuple(
    chr(cp) for lo, hi in ((0x0300, 0x036F), (0x0483, 0x0489), (0x1AB0, 0x1ACE), (0x20D0, 0x20F0), (0xFE20, 0xFE2F))
    for cp in range(lo, hi + 1) if unicodedata.category(chr(cp)) in ("Mn", "Me")
)
"""Combining marks (General_Category Mn/Me, UAX #44) of the combining-mark blocks."""
_LETTERS: tuple[str, ...] = (
    "a", "Z", "é", "ß", "ı", "İ", "ж", "Ω", "ا", "ש", "क", "ก", "한", "中", "の", "ア", "ᄀ", "ᅡ", "ᆨ", "𝐀", "Ａ",
)
"""Letters of many scripts, including Hangul conjoining jamo and compatibility forms."""
_WORDS: tuple[str, ...] = ("the", " the", "Hello", " world", "don't", "42", " 2024", "x_1", "é", "\n", "  ", "\t")
_MAX_REPEAT = 400
_LENIENT = "tokfuzz-lenient"


def _lenient(exc: UnicodeError) -> tuple[str, int]:
    """Decode error handler: a 3-byte UTF-8 form of a surrogate (``ED A0..BF 80..BF``)
    becomes that lone surrogate; any other invalid byte becomes one U+FFFD."""
    assert isinstance(exc, UnicodeDecodeError)
    b = exc.object[exc.start:exc.start + 3]
    if len(b) == 3 and b[0] == 0xED and 0xA0 <= b[1] <= 0xBF and 0x80 <= b[2] <= 0xBF:
        return chr(0xD000 | (b[1] & 0x3F) << 6 | (b[2] & 0x3F)), exc.start + 3
    return "\ufffd", exc.start + 1


codecs.register_error(_LENIENT, _lenient)


def encode_input(text: str) -> bytes:
    """``text`` as fuzzer input bytes: UTF-8, a lone surrogate as its 3-byte form."""
    return text.encode("utf-8", "surrogatepass")


def decode_input(data: bytes, surrogates: bool = False) -> str:
    """Fuzzer input bytes as text; never raises.

    Valid UTF-8 decodes exactly. Invalid bytes (libFuzzer's own mutations make them)
    become U+FFFD one byte at a time; a surrogate's 3-byte form becomes that lone
    surrogate when ``surrogates`` is true and U+FFFD per byte otherwise, so a target
    that did not ask for lone surrogates never gets one.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", _LENIENT if surrogates else "replace")


def graphemes(text: str) -> list[str]:
    """``text`` split into extended grapheme clusters (UAX #29); lone surrogates are
    clusters of their own."""
    return _CLUSTER.findall(text)


def _fit(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` ending at a grapheme boundary whose encoding fits
    in ``max_bytes`` (a code point boundary if one cluster alone is too long)."""
    if len(text) * 4 <= max_bytes or len(encode_input(text)) <= max_bytes:
        return text
    out: list[str] = []
    size = 0
    for cluster in graphemes(text):
        n = len(encode_input(cluster))
        if size + n > max_bytes:
            if not out:  # one huge cluster (a run of marks): cut it by code points
                return encode_input(cluster)[:max_bytes].decode("utf-8", "ignore")
            break
        out.append(cluster)
        size += n
    return "".join(out)


Mutation = Callable[["TextMutator", list[str], random.Random], list[str]]


class TextMutator:
    """libFuzzer custom mutator and crossover over grapheme clusters.

    ``surrogates``: the target accepts lone surrogates, so one mutation may insert one.
    ``byte_mutate(data, max_size) -> bytes``: libFuzzer's own mutator
    (``atheris.Mutate``), used as one operation among the others; None disables it.
    ``pieces``: more strings for the insert operation to draw from, as one more pool
    (the subject's own special-token strings and their near misses).
    """

    def __init__(self, surrogates: bool = False, byte_mutate: Callable[[bytes, int], bytes] | None = None,
                 pieces: Sequence[str] = ()) -> None:
        self.surrogates = surrogates
        self.byte_mutate = byte_mutate
        self.pieces = tuple(pieces)
        self.operations: tuple[Mutation, ...] = tuple(
            op for op in OPERATIONS if surrogates or op is not _lone_surrogate
        )

    def mutate(self, text: str, max_bytes: int, rng: random.Random) -> str:
        """One to four stacked mutations of ``text``; the result encodes (``encode_input``)
        to at most ``max_bytes`` bytes and holds a lone surrogate only if ``surrogates``."""
        clusters = graphemes(text)
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            op = rng.choice(self.operations)
            if op is _byte_level:
                clusters = graphemes(self._bytes(_fit("".join(clusters), max_bytes), max_bytes))
            else:
                clusters = op(self, clusters, rng)
        out = "".join(clusters)
        if not self.surrogates:
            out = regex.sub("[\ud800-\udfff]", "\ufffd", out)
        return _fit(out, max_bytes)

    def _bytes(self, text: str, max_bytes: int) -> str:
        if self.byte_mutate is None:
            return text
        return decode_input(self.byte_mutate(encode_input(text), max_bytes), self.surrogates)

    def crossover(self, a: str, b: str, max_bytes: int, rng: random.Random) -> str:
        """A prefix of ``a``'s clusters followed by a suffix of ``b``'s, fit to ``max_bytes``."""
        ca, cb = graphemes(a), graphemes(b)
        return _fit("".join(ca[: rng.randint(0, len(ca))] + cb[rng.randint(0, len(cb)):]), max_bytes)

    def __call__(self, data: bytes, max_size: int, seed: int) -> bytes:
        """``atheris.Setup(custom_mutator=...)``: bytes in, mutated bytes out."""
        rng = random.Random(seed)
        return encode_input(self.mutate(decode_input(data, self.surrogates), max_size, rng))

    def cross(self, data1: bytes, data2: bytes, max_out_size: int, seed: int) -> bytes:
        """``atheris.Setup(custom_crossover=...)``."""
        rng = random.Random(seed)
        a, b = decode_input(data1, self.surrogates), decode_input(data2, self.surrogates)
        return encode_input(self.crossover(a, b, max_out_size, rng))


def _at(clusters: Sequence[str], rng: random.Random) -> int:
    """A random grapheme boundary: 0..len(clusters)."""
    return rng.randint(0, len(clusters))


def _span(clusters: Sequence[str], rng: random.Random, longest: int = 8) -> tuple[int, int]:
    """A random non-empty run of at most ``longest`` clusters (empty if there are none)."""
    if not clusters:
        return 0, 0
    start = rng.randrange(len(clusters))
    return start, min(len(clusters), start + rng.randint(1, longest))


def _piece(rng: random.Random, extra: tuple[str, ...] = ()) -> str:
    """One inserted item: an emoji, a letter, odd whitespace, a digit, an invisible, a
    special-token look-alike, a word, or one of ``extra`` (one more pool when given)."""
    pool = rng.choice((
        RGI_SINGLES, RGI_ZWJ_SEQUENCES, RGI_MODIFIER_SEQUENCES, RGI_FLAGS, RGI_TAG_SEQUENCES, _LETTERS,
        UNICODE_SPACES, NEAR_SPACES, OTHER_NUMERIC, INVISIBLES, BIDI_CONTROLS, SPECIAL_TOKEN_LOOKALIKES, _WORDS,
        tuple(digits[rng.randrange(10)] for digits in DIGIT_SETS), *((extra,) if extra else ()),
    ))
    return rng.choice(pool)


def _insert(m: TextMutator, c: list[str], rng: random.Random) -> list[str]:
    i = _at(c, rng)
    return c[:i] + graphemes(_piece(rng, m.pieces)) + c[i:]


def _delete(m: TextMutator, c: list[str], rng: random.Random) -> list[str]:
    i, j = _span(c, rng, 4)
    return c[:i] + c[j:]


def _duplicate(m: TextMutator, c: list[str], rng: random.Random) -> list[str]:
    i, j = _span(c, rng, 4)
    return c[:j] + c[i:j] + c[j:]


def _emoji(m: TextMutator, c: list[str], rng: random.Random) -> list[str]:
    seq = rng.choice(rng.choice((RGI_ZWJ_SEQUENCES, RGI_SINGLES, RGI_FLAGS, RGI_MODIFIER_SEQUENCES, RGI_TAG_SEQUENCES)))
    if c and rng.random() < 0.5:  # replace a cluster
        i = rng.randrange(len(c))
        return c[:i] + [seq] + c[i + 1:]
    i = _at(c, rng)
    return c[:i] + [seq] + c[i:]


def _joiner(m: TextMutator, c: list[str], rng: random.Random) -> list[str]:
    """Insert a ZWJ or VS16 between two clusters, or strip them from one (UTS #51 §2)."""
    if c and rng.random() < 0.5:
        i = rng.randrange(len(c))
        stripped = c[i].replace(ZWJ, "").replace(VS16, "")
        return c[:i] + graphemes(stripped) + c[i + 1:]
    i = _at(c, rng)
    return c[:i] + [rng.choice((ZWJ, VS16))] + c[i:]


def _confusable(m: TextMutator, c: list[str], rng: random.Random) -> list[str]:
    letters = [i for i, g in enumerate(c) if g in _CONFUSABLE]
    if not letters:
        letter, alikes = rng.choice(CONFUSABLES)
        i = _at(c, rng)
        return c[:i] + [letter, rng.choice(alikes)] + c[i:]
    i = rng.choice(letters)
    return c[:i] + [rng.choice(_CONFUSABLE[c[i]])] + c[i + 1:]


def _combining(m: TextMutator, c: list[str], rng: random.Random) -> list[str]:
    marks = "".join(rng.choice(_COMBINING) for _ in range(rng.choice((1, 1, 2, 3, 8))))
    if not c:
        return [marks]
    i = rng.randrange(len(c))
    return c[:i] + [c[i] + marks] + c[i + 1:]


def _normalize(m: TextMutator, c: list[str], rng: random.Random) -> list[str]:
    form: Literal["NFC", "NFD", "NFKC", "NFKD"] = rng.choice(("NFC", "NFD", "NFKC", "NFKD"))
    i, j = (0, len(c)) if rng.random() < 0.5 else _span(c, rng, 16)
    if any("\ud800" <= ch <= "\udfff" for g in c[i:j] for ch in g):
        return c  # unicodedata.normalize accepts surrogates, but keep them as they are
    return c[:i] + graphemes(unicodedata.normalize(form, "".join(c[i:j]))) + c[j:]


def _literal(m: TextMutator, c: list[str], rng: random.Random) -> list[str]:
    open_, close = rng.choice(STRING_DELIMITERS)
    i, j = _span(c, rng, 12) if c else (0, 0)
    prefix = rng.choice(("", "x = ", "print(", "let s = ", "SELECT ", "echo "))
    suffix = {"print(": ")", "let s = ": ";"}.get(prefix, "")
    return c[:i] + graphemes(prefix + open_) + c[i:j] + graphemes(close + suffix) + c[j:]


def _repeat(m: TextMutator, c: list[str], rng: random.Random) -> list[str]:
    """Repeat a run of clusters: mostly a few times, one time in eight up to
    ``_MAX_REPEAT`` times (long inputs: context limits, quadratic merges)."""
    i, j = _span(c, rng, 6)
    times = rng.choice((100, _MAX_REPEAT)) if rng.random() < 0.125 else rng.choice((2, 3, 4, 8, 16))
    return c[:j] + c[i:j] * times + c[j:]


def _crop(m: TextMutator, c: list[str], rng: random.Random) -> list[str]:
    """Keep one window of at most 64 clusters: long inputs also shrink, so the queue
    does not drift towards ever longer, ever slower inputs."""
    i, j = _span(c, rng, 64)
    return c[i:j]


def _byte_level(m: TextMutator, c: list[str], rng: random.Random) -> list[str]:
    return c  # stands for the byte-level operation; TextMutator.mutate carries it out


def _lone_surrogate(m: TextMutator, c: list[str], rng: random.Random) -> list[str]:
    """Insert a lone high or low surrogate, or keep only one half of an astral
    character's UTF-16 surrogate pair (The Unicode Standard §3.8)."""
    astral = [i for i, g in enumerate(c) if any(ord(ch) > 0xFFFF for ch in g)]
    if astral and rng.random() < 0.5:
        i = rng.choice(astral)
        k, ch = next((k, ch) for k, ch in enumerate(c[i]) if ord(ch) > 0xFFFF)
        offset = ord(ch) - 0x10000
        half = chr(0xD800 + (offset >> 10)) if rng.random() < 0.5 else chr(0xDC00 + (offset & 0x3FF))
        return c[:i] + [c[i][:k] + half + c[i][k + 1:]] + c[i + 1:]
    i = _at(c, rng)
    return c[:i] + [chr(rng.choice((rng.randint(0xD800, 0xDBFF), rng.randint(0xDC00, 0xDFFF))))] + c[i:]


OPERATIONS: tuple[Mutation, ...] = (
    _insert, _insert, _delete, _duplicate, _emoji, _joiner, _confusable, _combining, _normalize, _literal,
    _repeat, _crop, _byte_level, _lone_surrogate,
)
"""The mutations ``TextMutator`` draws from, uniformly (insertion twice as often)."""
