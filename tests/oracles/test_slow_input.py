"""The slow_input oracle: the scaling test and the screen on fakes with planted costs,
and on real tokenizers (tokie's quadratic encode of a run of letters, tiktoken's linear one).

The fakes *sleep* their planted cost: a sleep is timed on the wall clock (no CPU work), and
a loaded machine only delays a wake-up (by a few ms at worst), so the exponents keep their
margins: ~2 for the quadratic fakes (6 ms at 1 KiB, 96 ms at 4 KiB), ~1 for the linear.
Checked with two CPU hogs on a 2-core machine: the real tokie/tiktoken fits use the CPU clock.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence

import pytest

import sys
from tests.fakes import Chars, RaisesOnDigits, observation
from tokfuzz.findings.minimize import minimize
from tokfuzz.oracles import Observation
from tokfuzz.oracles.slow_input import EXPONENT_LIMIT, Screen, exponent, scaling, slow_input

slow = sys.modules["tokfuzz.oracles.slow_input"]  # the module (the package exports the function under its name)

Cost = Callable[[int], float]


def _quadratic(n: int) -> float:
    """6 ms at 1,024 code points, 96 ms at 4,096."""
    return 6e-3 * (n / 1024) ** 2


def _linear(n: int) -> float:
    """1 µs per code point: 1 ms at 1,024, 16 ms at 16,384."""
    return 1e-6 * n


class Sleeps(Chars):
    """``Chars`` whose encode and decode sleep a planted cost of the length (code points)."""

    def __init__(self, name: str, encode_cost: Cost | None = None, decode_cost: Cost | None = None) -> None:
        self.name = name
        self.encode_cost, self.decode_cost = encode_cost, decode_cost

    def encode(self, text: str) -> list[int]:
        if self.encode_cost:
            time.sleep(self.encode_cost(len(text)))
        return super().encode(text)

    def decode(self, ids: Sequence[int]) -> str:
        if self.decode_cost:
            time.sleep(self.decode_cost(len(ids)))
        return super().decode(ids)


class QuadraticOnRuns(Chars):
    """Planted fault: encode sleeps quadratically in the longest run of ``"a"``."""

    name = "quadratic-runs"

    def encode(self, text: str) -> list[int]:
        run = longest = 0
        for c in text:
            run = run + 1 if c == "a" else 0
            longest = max(longest, run)
        if longest > 1:
            time.sleep(_quadratic(longest))
        return super().encode(text)


class RaisesPastLength(Chars):
    """Planted fault: encode raises past 5,000 code points."""

    name = "raises-past"

    def encode(self, text: str) -> list[int]:
        if len(text) > 5000:
            raise ValueError("input too long")
        return super().encode(text)


def test_exponent_is_the_log_log_slope() -> None:
    assert exponent([1, 4, 16], [3, 48, 768]) == pytest.approx(2.0)
    assert exponent([1000, 4000], [0.5, 2.0]) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        exponent([8, 8], [1, 2])


def test_a_planted_quadratic_encode_is_found_with_its_figures() -> None:
    [v] = slow_input(observation("a", Sleeps("quad", _quadratic)), "quad")
    assert (v.property, v.backends, v.kind) == ("slow_input", ("quad",), "superlinear-encode")
    assert v.observed["exponent"] > 1.7
    assert len(v.observed["sizes"]) == len(v.observed["seconds"]) >= 2
    assert max(v.observed["seconds"]) >= slow.FLOOR_S
    assert v.observed["clock"] == "wall"  # a sleep is no CPU work
    json.dumps(v.observed)
    assert "n^" in v.detail and "'a' [U+0061]" in v.detail


def test_a_planted_quadratic_decode_is_found() -> None:
    verdicts = slow_input(observation("b", Sleeps("quad-dec", decode_cost=_quadratic)), "quad-dec")
    assert [v.kind for v in verdicts] == ["superlinear-decode"]


def test_a_linear_backend_passes() -> None:
    backend = Sleeps("linear", _linear, _linear)
    assert slow_input(observation("ab", backend), "linear") == []
    fit = scaling(backend, "ab").fit("encode")
    assert fit is not None and fit[2] < 1.3


def test_a_raise_on_a_longer_text_is_a_verdict_with_its_size() -> None:
    [v] = slow_input(observation("a", RaisesPastLength()), "raises-past")
    assert v.kind == "scaled-encode-raises:ValueError"
    assert v.observed["bytes"] > 5000 and v.observed["error"] == "ValueError: input too long"
    assert all(n <= 5000 for n in v.observed["sizes"])


def test_an_input_that_raises_alone_is_left_to_roundtrip() -> None:
    assert slow_input(observation("1", RaisesOnDigits()), "raises-digits") == []


def test_the_screen_judges_per_byte_time_against_the_backend_median() -> None:
    screen = Screen()
    assert not screen.judge(400, 1.0)  # under SCREEN_MIN_BYTES: never judged
    assert screen.judge(1000, 0.05)  # cold: 50 µs/B is over COLD_PER_BYTE_S
    assert not screen.judge(1000, 0.001)  # cold: 1 µs/B is not
    for _ in range(20):
        assert not screen.judge(4096, 4096 * 25e-9)  # warm: median ~25 ns/B
    assert screen.median("encode") == pytest.approx(25e-9, rel=0.1)
    assert not screen.judge(8000, 8000 * 100e-9)  # 4× the median, 0.8 ms
    assert screen.judge(2000, 2000 * 1e-6)  # 40× the median, 2 ms
    assert not screen.judge(600, 600 * 500e-9)  # 20× the median but 0.3 ms: under SCREEN_MIN_S
    for _ in range(20):
        screen.judge(4096, 4096 * 25e-9, decode_s=4096 * 10e-9)
    assert screen.judge(4096, 4096 * 25e-9, decode_s=4096 * 1e-6)  # a slow decode alone is a candidate
    for _ in range(10_000):
        screen.judge(4096, 4096 * 25e-9, decode_s=4096 * 10e-9)
    assert [len(bins) for bins in screen.counts.values()] == [320, 320]  # bounded, however many inputs


def test_only_screened_candidates_pay_the_scaling_test(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counted(backend: object, unit: str, known_s: float | None = None) -> slow.Scaling:
        calls.append(unit)
        return slow._Ladder(backend, unit).run(known_s)  # type: ignore[arg-type]

    monkeypatch.setattr(slow, "scaling", counted)
    backend = QuadraticOnRuns()
    ordinary = [f"the quick brown fox {i} jumps over the lazy dog. " * 20 for i in range(12)]
    for text in ordinary:
        assert slow_input(observation(text, backend), backend.name, screen=True) == []
    # The screen reads the observation's wall-clock encode time: on a loaded machine a
    # preempted call can make an ordinary input a candidate; the scaling test then passes it.
    assert len(calls) <= 4
    calls.clear()
    assert slow_input(observation("a" * 100, backend), backend.name, screen=True) == []  # too short to judge
    assert calls == []
    [v] = slow_input(observation("a" * 3000, backend), backend.name, screen=True)
    assert v.kind == "superlinear-encode" and calls == ["a" * 3000]


def test_tokie_is_quadratic_on_a_run_of_letters_and_tiktoken_is_not(subject) -> None:
    backends = subject("cl100k_base").backends
    text = "a" * 2000
    [v] = slow_input(Observation(text, {"tokie": backends["tokie"]}), "tokie")
    assert v.kind == "superlinear-encode" and v.observed["exponent"] > 1.6  # ~2.0 measured (1.86-2.17)
    assert slow_input(Observation(text, {"tiktoken": backends["tiktoken"]}), "tiktoken") == []  # ~1.1


def test_minimizing_a_quadratic_run_on_tokie_keeps_one_letter(subject) -> None:
    tokie = {"tokie": subject("cl100k_base").backends["tokie"]}
    calls = []

    def fails(text: str) -> bool:
        calls.append(text)
        return any(v.kind == "superlinear-encode" for v in slow_input(Observation(text, tokie), "tokie"))

    assert minimize("a" * 3000, fails, max_calls=40) == "a"
    assert len(calls) <= 20
    assert EXPONENT_LIMIT == 1.5


def test_a_cold_first_call_does_not_hide_a_quadratic_one_character_unit() -> None:
    class ColdStart(Sleeps):
        """A port whose first call pays a JIT's cold start (0.2 s), then a quadratic encode."""

        calls = 0

        def encode(self, text: str) -> list[int]:
            ColdStart.calls += 1
            if ColdStart.calls == 1:
                time.sleep(0.2)
            return super().encode(text)

    backend = ColdStart("cold-start", _quadratic)
    obs = Observation("a", {backend.name: backend})
    [v] = slow_input(obs, backend.name)  # the observation's encode is the cold call
    assert obs.seconds[backend.name] >= 0.2
    assert v.kind == "superlinear-encode" and v.observed["exponent"] > EXPONENT_LIMIT
