"""The signature-quality benchmark's logic (bench/signature_quality.py): its variant
generators make inputs other than the witness that keep the triage class of every
substituted code point, and one real class of the committed corpus gives a result
whose counts add up. Fast: one small subject, a handful of variants."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.signature_quality import (
    SCHEMES,
    draw_contexts,
    embedding,
    emoji_kind,
    fresh_failures,
    measure_class,
    oov_code_points,
    pool,
    repetition,
    substitution,
    substitution_class,
    totals,
    witness_pools,
)
from tokfuzz.engines.hunt import Hunt
from tokfuzz.findings.corpus import Corpus
from tokfuzz.findings.triage import codepoint_class

CORPUS = Path(__file__).resolve().parents[2] / "corpora"

WITNESSES = ["\x0c#a", " \u2764\ufe0f", "\ud82a\udc58", "a\u2581", " ;\u0943_a", "0000", "\U0001f468\u200d\U0001f469",
             "\t.a", "\U0003e72d(", "\u2162000", "'\u0e27\u0e31", "\U0001f3f4\U000e0067\U000e0062\U000e007f"]


class ByteAboveAscii:
    """ASCII as whole tokens, every other code point as its UTF-8 bytes (byte fallback)."""

    name = "bytes-above-ascii"

    def encode(self, text: str) -> list[int]:
        return [ord(c) if c.isascii() else 256 + b for c in text for b in ([0] if c.isascii() else c.encode("utf-8"))]

    def decode(self, ids: Sequence[int]) -> str:
        return b"".join(self.token_bytes(i) for i in ids).decode("utf-8", "replace")

    def token_bytes(self, token: int) -> bytes:
        return bytes([token - 256]) if token >= 256 else chr(token).encode()


@pytest.mark.parametrize("witness", WITNESSES)
def test_substitutes_differ_and_keep_each_code_points_class(witness: str) -> None:
    rng = random.Random(7)
    for _ in range(40):
        variant = substitution(witness, rng)
        assert variant is not None and variant != witness and len(variant) == len(witness)
        for old, new in zip(witness, variant):
            assert substitution_class(new) == substitution_class(old)
            assert codepoint_class(new) == codepoint_class(old)  # triage's own class, a fortiori


def test_singleton_classes_are_never_substituted() -> None:
    rng = random.Random(0)
    assert substitution(" ", rng) is None and substitution("\n \n", rng) is None and substitution("\u2581", rng) is None
    for _ in range(20):
        variant = substitution(" \u200d\ufe0fa", rng)
        assert variant is not None and variant[:3] == " \u200d\ufe0f" and variant[3] != "a"


def test_classes_are_refined_to_the_same_kind() -> None:
    assert substitution_class("\ud800") == "Cs:high" and substitution_class("\udc00") == "Cs:low"
    assert substitution_class("\x0b") == "Cc:ws" and substitution_class("\x01") == "Cc"
    assert emoji_kind("\U0001f600") == "emoji" and emoji_kind("\u2764") == "text-emoji"
    assert emoji_kind("\U0001f1e6") == "ri" and emoji_kind("a") == ""
    assert set(pool("7")) == set(map(ord, "0123456789"))


def test_byte_held_code_points_are_substituted_by_byte_held_ones() -> None:
    backend = ByteAboveAscii()
    oov = (0x4E00, 0x0416, 0x1F600)
    pools = witness_pools("a\u00e9(", backend, oov)
    assert pools[0] == pool("a") and pools[1] == oov and pools[2] == pool("(")
    rng = random.Random(1)
    for _ in range(20):
        variant = substitution("a\u00e9(", rng, pools)
        assert variant is not None and (variant[1] == "\u00e9" or ord(variant[1]) in oov)
    assert oov_code_points(backend, n=20) and all(cp > 0x7F for cp in oov_code_points(backend, n=20))


def test_repetitions_and_embeddings_contain_the_witness() -> None:
    rng = random.Random(3)
    for witness in WITNESSES:
        for _ in range(10):
            variant = repetition(witness, rng)
            assert len(variant) > len(witness) and not Counter(witness) - Counter(variant)
            text, control = embedding(witness, rng, ["ctx", "\U0001f600 "])
            assert witness in text and text != witness and text.replace(witness, "", 1) == control


def test_fresh_failures_are_new_failing_inputs() -> None:
    def fails(text: str) -> bool:
        return "\u200d" in text

    out, tried = fresh_failures("a\u200d", fails, 12, random.Random(0), ["x y"])
    assert len(out) == 12 and tried >= 12
    assert all(text != "a\u200d" and fails(text) for _, text in out)
    assert len({text for _, text in out}) == 12
    assert {how for how, _ in out} == {"embed", "substitute", "repeat", "substitute+embed"}


def test_contexts_are_short_distinct_draws() -> None:
    contexts = draw_contexts(5, seed=1)
    assert len(contexts) == 5 == len(set(contexts))
    assert all(0 < len(c) <= 24 for c in contexts)


def test_a_real_class_gives_counts_that_add_up(subject) -> None:
    case = next(c for c in Corpus(CORPUS).load() if c.signature == "roundtrip|mistral-v1|tokie|decode-raises:ValueError|bytes")
    loaded = subject("mistral-v1")
    hunt = Hunt("mistral-v1", loaded.backends)
    oov = oov_code_points(hunt.backends[hunt.reference], n=40)
    result = measure_class(hunt, case, 6, 0, ["Hello ", " x = 1"], 300, oov)
    assert not result.skipped and result.resigned["triage"] == case.signature
    assert 0 < len(result.landings) <= 6
    for landing in result.landings:
        assert landing.variant != case.input and set(landing.signatures) == set(SCHEMES)
        assert landing.signature.startswith("roundtrip|mistral-v1|tokie|decode-raises:ValueError|")
    where = result.where([case.signature])
    assert sum(where.values()) == len(result.landings)
    t = totals([result])
    assert t.fresh == t.own + t.merge + t.split == len(result.landings)
    assert t.measured == t.classes == 1 and t.groups == 1 and not t.merges
    assert t.split_classes == (len({l.signature for l in result.landings}) >= 2)
