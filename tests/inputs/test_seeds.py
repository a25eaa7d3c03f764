"""tokfuzz.inputs.seeds: what the campaign's first inputs contain."""

from __future__ import annotations

import unicodedata

import regex

from tokfuzz.inputs.seeds import MAX_SEEDS, RUN_LENGTH, seed_inputs


def test_seeds_are_deterministic_distinct_and_capped() -> None:
    seeds = seed_inputs()
    assert seeds == seed_inputs()
    assert seeds is not seed_inputs()  # a fresh copy: callers may mutate theirs
    assert 1000 <= len(seeds) <= MAX_SEEDS
    assert len(set(seeds)) == len(seeds)


def test_seeds_are_valid_scalar_value_strings() -> None:
    for seed in seed_inputs():
        assert isinstance(seed, str) and seed
        seed.encode("utf-8")  # no lone surrogates


def count(pattern: str) -> int:
    compiled = regex.compile(pattern)
    return sum(1 for seed in seed_inputs() if compiled.search(seed))


def test_seeds_carry_rgi_emoji_kinds() -> None:
    assert count("\\p{Extended_Pictographic}\u200d\\p{Extended_Pictographic}") >= 50  # ZWJ sequences
    assert count("\U0001f1fa\U0001f1f8") >= 1  # the US flag
    assert count("[\U0001f1e6-\U0001f1ff]{2}") >= 20  # flags
    assert count("[0-9#*]\ufe0f\u20e3") >= 2  # keycaps
    assert count("\U0001f3f4[\U000e0061-\U000e007a]+\U000e007f") >= 1  # subdivision flags
    assert count("[\U0001f3fb-\U0001f3ff]") >= 50  # skin tones


def test_seeds_carry_normalization_cases() -> None:
    def canonical(s: str) -> bool:  # NFC and NFD spellings differ
        return not unicodedata.is_normalized("NFC", s) or not unicodedata.is_normalized("NFD", s)

    def compatibility(s: str) -> bool:  # NFKC folds something NFC keeps
        return unicodedata.normalize("NFKC", s) != unicodedata.normalize("NFC", s)

    seeds = seed_inputs()
    assert sum(map(canonical, seeds)) >= 300  # 381
    assert sum(map(compatibility, seeds)) >= 300  # 510
    assert count("[\uac00-\ud7a3] [\u1100-\u1112][\u1161-\u1175]") >= 100  # syllable next to its jamo


def test_seeds_carry_grapheme_break_cases() -> None:
    seeds = set(seed_inputs())
    assert {"a\r\nb", "\u0915\u094d\u0937"} <= seeds
    assert count("^[a1 ]\\p{Mn}") >= 100  # a base (or a space) with an Extend mark
    assert count("\\p{Mc}") >= 30  # SpacingMark


def test_seeds_hold_one_character_runs_early_for_the_slow_input_property() -> None:
    runs = seed_inputs()[100:109]
    assert all(len(set(run.lstrip("a"))) == 1 or len(set(run)) == 1 for run in runs)
    assert "a" * RUN_LENGTH in runs and " " * RUN_LENGTH in runs and "a" + "\u0301" * RUN_LENGTH in runs
    assert all(RUN_LENGTH <= len(run) <= RUN_LENGTH + 1 for run in runs)
