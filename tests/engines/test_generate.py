"""The generation phase: sampler and hypothesis take turns in the given shares, long inputs
are held to their share of the checking time, and the deadline holds."""

from __future__ import annotations

import time

import pytest

from tokfuzz.engines import generate as g
from tokfuzz.strategies import unicode_text


def _collect(seconds: float, share: float, cost: float = 0.0, long_cost: float = 0.0,
             long_seeds: tuple[str, ...] = ()) -> tuple[g.Generated, dict[str, list[str]]]:
    seen: dict[str, list[str]] = {"sampler": [], "hypothesis": [], "seed": []}

    def on_input(text: str, source: str) -> float:
        seen[source].append(text)
        time.sleep(long_cost if len(text) >= g.LONG_CODEPOINTS else cost)
        return 0.0

    counts = g.generate(on_input, time.monotonic() + seconds, unicode_text(), seed=3, hypothesis_share=share,
                        long_seeds=long_seeds)
    return counts, seen


def test_both_generators_take_turns_and_the_deadline_holds() -> None:
    start = time.monotonic()
    counts, seen = _collect(2.0, 0.5)
    assert time.monotonic() - start < 2.0 + 2.0  # one check, one batch or one hypothesis example past it
    assert counts.sampler == len(seen["sampler"]) >= g.BATCH
    assert counts.hypothesis == len(seen["hypothesis"]) > 0
    assert all(isinstance(t, str) for t in seen["sampler"] + seen["hypothesis"])
    assert counts.sampler > counts.hypothesis  # the sampler makes ~50x more texts per second


@pytest.mark.parametrize("share, only", [(0.0, "sampler"), (1.0, "hypothesis")])
def test_a_share_of_zero_or_one_leaves_one_generator(share: float, only: str) -> None:
    counts, seen = _collect(0.6, share)
    other = "hypothesis" if only == "sampler" else "sampler"
    assert seen[only] and not seen[other]


def test_the_sampler_part_reproduces_from_the_seed() -> None:
    _, a = _collect(0.3, 0.0)
    _, b = _collect(0.3, 0.0)
    n = min(len(a["sampler"]), len(b["sampler"]))
    assert n > 50 and a["sampler"][:n] == b["sampler"][:n]


def test_long_inputs_are_held_to_their_share_of_the_checking_time() -> None:
    counts, seen = _collect(2.0, 0.0, cost=0.0005, long_cost=0.02)
    long_checked = sum(len(t) >= g.LONG_CODEPOINTS for t in seen["sampler"])
    assert counts.long_skipped > 0
    long_seconds = long_checked * 0.02
    assert long_seconds <= g.LONG_SHARE * counts.check_seconds + 0.05  # one long check may overshoot


def test_a_share_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="hypothesis_share"):
        g.generate(lambda t, s: 0.0, time.monotonic() + 1, unicode_text(), hypothesis_share=1.5)


def test_long_seed_inputs_take_the_place_of_long_draws_in_order() -> None:
    seeds = tuple(c * g.LONG_CODEPOINTS for c in "xyz")
    counts, seen = _collect(1.5, 0.0, long_seeds=seeds)
    assert seen["seed"] == list(seeds) and counts.seed == 3  # ~3% of draws are long: all three placed
    assert not any(t in seeds for t in seen["sampler"])
