"""The campaign loop: shrink, classify, count, keep hunting; on fakes and for real."""

from __future__ import annotations

import time

import pytest

from tests.fakes import Chars, DropsZWJ
from tokfuzz.engines.campaign import CampaignConfig, run_campaign
from tokfuzz.engines.hunt import Hunt


def _hunt(**kw: object) -> Hunt:
    return Hunt("custom", {"chars": Chars(), "drops-zwj": DropsZWJ()}, **kw)  # type: ignore[arg-type]


def test_a_failure_is_shrunk_classified_and_then_only_counted() -> None:
    hunt = _hunt(properties=("cross_backend",))
    [first] = hunt.check("hello 👨\u200d👩\u200d👧 world", "test")
    assert first.input == "\u200d"
    assert first.backends == ("chars", "drops-zwj")
    assert first.signature == "cross_backend|custom|chars,drops-zwj|ids-differ|ZWJ"
    assert hunt.check("another \u200d one", "test") == []
    assert hunt.findings[first.signature].count == 2
    assert hunt.check("clean", "test") == []
    assert hunt.inputs == 3


def test_classes_from_the_corpus_are_known_not_new() -> None:
    sig = "cross_backend|custom|chars,drops-zwj|ids-differ|ZWJ"
    hunt = _hunt(properties=("cross_backend",), known={sig: "\u200d"})
    assert hunt.check("x\u200dy", "test") == []
    assert hunt.check("\u200d\u200d", "test") == []
    known = hunt.findings[sig]
    assert (known.new, known.count, known.input) == (False, 2, "\u200d")


def test_a_second_root_cause_is_a_second_class() -> None:
    hunt = _hunt(properties=("roundtrip",))
    found = hunt.check("a\u200db", "test")
    assert [f.kind for f in found] == ["lost"]
    assert {f.input for f in found} == {"\u200d"}


def test_an_input_already_checked_in_the_run_is_not_checked_again() -> None:
    calls: list[str] = []

    class Counting(Chars):
        name = "counting"

        def encode(self, text: str) -> list[int]:
            calls.append(text)
            return super().encode(text)

    hunt = Hunt("custom", {"chars": Chars(), "counting": Counting()}, properties=("cross_backend",))
    for text in ("ab", "cde", "ab", "f", "ab", "cde"):
        assert hunt.check(text, "test") == []
    assert calls == ["ab", "cde", "f"]
    assert (hunt.inputs, hunt.repeats, hunt.codepoints, hunt.last_novelty) == (3, 3, 6, 0.0)


def test_a_flaky_failure_is_stored_unshrunk_and_the_hunt_goes_on() -> None:
    class FlakyDrop(DropsZWJ):
        """Planted fault: drops U+200D on its first encode only (a race, a timing)."""

        name = "flaky"
        calls = 0

        def encode(self, text: str) -> list[int]:
            FlakyDrop.calls += 1
            return super().encode(text) if FlakyDrop.calls == 1 else Chars.encode(self, text)

    hunt = Hunt("custom", {"chars": Chars(), "flaky": FlakyDrop()}, properties=("cross_backend",))
    [found] = hunt.check("a\u200db", "test")
    assert (found.input, found.kind) == ("a\u200db", "ids-differ")  # the input that failed, unshrunk
    assert hunt.check("b\u200da", "test") == [] and hunt.inputs == 2  # it goes on; the backend behaves now


def test_shrinking_a_kind_already_shrunk_waits_while_it_is_over_its_share() -> None:
    now = [0.0]

    class Ticking(Chars):
        """Lossless; every encode takes one second of the hunt's (fake) clock."""

        def encode(self, text: str) -> list[int]:
            now[0] += 1.0
            return super().encode(text)

    class DropsNonAscii(Ticking):
        name = "drops-non-ascii"

        def encode(self, text: str) -> list[int]:
            return [i for i in super().encode(text) if i < 128]

    hunt = Hunt("custom", {"chars": Ticking(), "drops-non-ascii": DropsNonAscii()}, properties=("cross_backend",),
                clock=lambda: now[0])
    [first] = hunt.check("aaaaaaaa\u00e9", "test")  # a kind never shrunk: always shrunk
    assert first.input == "\u00e9"
    assert hunt.shrink_seconds > 0.5 * now[0]
    assert hunt.check("\u0436", "test") == [] and hunt.deferred == 1  # same kind, another class (Cyrillic): it waits
    while hunt.shrink_seconds > 0.5 * now[0]:
        hunt.check(f"clean {now[0]}", "test")
    [later] = hunt.check("\u05e7", "test")  # checking caught up: a Hebrew letter is shrunk and stored
    assert later.input == "\u05e7" and hunt.deferred == 1


def test_a_costly_property_is_checked_within_its_share_of_the_checking_time() -> None:
    from tokfuzz.engines.hunt import TIME_SHARE

    now = [0.0]
    batches: list[int] = []

    class SlowBatch(Chars):
        """Lossless; encode takes 1 s of the hunt's (fake) clock, encode_batch 20 s."""

        def encode(self, text: str) -> list[int]:
            now[0] += 1.0
            return super().encode(text)

        def encode_batch(self, texts: list[str]) -> list[list[int]]:
            now[0] += 20.0
            batches.append(len(texts))
            return [Chars.encode(self, t) for t in texts]

    hunt = Hunt("custom", {"chars": SlowBatch()}, properties=("roundtrip", "batch_consistency"), clock=lambda: now[0])
    for i in range(400):
        assert hunt.check(f"text {i}", "test") == []
    share = TIME_SHARE["batch_consistency"]
    spent = hunt.property_seconds
    assert 0 < spent["batch_consistency"] <= share * sum(spent.values()) + 20.0  # one call may overshoot
    assert len(batches) >= 0.5 * share * 400 / 20  # and it still runs: within ~2x of its share
    assert spent["roundtrip"] >= 400  # every input, every time


@pytest.mark.parametrize("properties", [("streaming_decode",), ("batch_consistency", "slow_input")])
def test_share_limited_properties_alone_are_checked_on_every_input(properties: tuple[str, ...]) -> None:
    calls: list[str] = []

    class Counting(Chars):
        def encode(self, text: str) -> list[int]:
            calls.append(text)
            return super().encode(text)

    now = [0.0]

    def clock() -> float:
        now[0] += 1.0  # every check costs time: a share of nothing else would be 0
        return now[0]

    hunt = Hunt("custom", {"chars": Counting()}, properties=properties, clock=clock)
    for i in range(20):
        hunt.check(f"text {i}", "test")
    assert all(f"text {i}" in calls for i in range(20))  # each input was encoded: checked
    assert all(hunt.property_seconds[p] >= 20 for p in properties)  # by each property, each time


def test_prefetch_sends_only_texts_still_to_check_and_short_enough() -> None:
    from tokfuzz.engines.hunt import PREFETCH_MAX_BYTES

    sent: list[list[str]] = []

    class Ahead(Chars):
        name = "ahead"

        def prefetch(self, texts: list[str]) -> None:
            sent.append(list(texts))

    hunt = Hunt("custom", {"chars": Chars(), "ahead": Ahead()}, properties=("cross_backend",))
    hunt.check("done", "test")
    long = "a" * PREFETCH_MAX_BYTES
    hunt.prefetch(["done", "new", long, "\u00e9" * (PREFETCH_MAX_BYTES // 2 - 1)])
    assert sent == [["new", "\u00e9" * (PREFETCH_MAX_BYTES // 2 - 1)]]
    hunt.prefetch(["done"])
    assert len(sent) == 1  # nothing to send: no call


def test_a_backend_slow_on_an_input_is_left_out_of_the_properties_that_call_it_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tokfuzz.engines import hunt as hunt_module

    monkeypatch.setattr(hunt_module, "TIME_SHARE", {})  # every property on every input

    class Sleepy(Chars):
        """Lossless encode, 0.6 s on "slow"; a batch encode that drops the last text."""

        name = "sleepy"

        def encode(self, text: str) -> list[int]:
            if text == "slow":
                time.sleep(hunt_module.SLOW_CALL_S + 0.1)
            return super().encode(text)

        def encode_batch(self, texts: list[str]) -> list[list[int]]:
            return [Chars.encode(self, t) for t in texts[:-1]]

    hunt = Hunt("custom", {"chars": Chars(), "sleepy": Sleepy()}, properties=("roundtrip", "batch_consistency"))
    assert hunt.check("slow", "test") == [] and hunt.slow_skips == {"sleepy": 1}
    assert [f.property for f in hunt.check("fast", "test")] == ["batch_consistency"]  # the fault is there


def test_run_campaign_on_real_subject_finds_classes_within_budget() -> None:
    t0 = time.monotonic()
    # the text-level properties: the serving-side ones (step 9, tested in tests/oracles) would
    # share these 8 s with their costlier minimizations and make the first class a matter of timing
    properties = ("roundtrip", "split_consistency", "cross_backend")
    [run] = run_campaign(CampaignConfig(("mistral-v3",), seconds=8, seed=1, workers=1, properties=properties))
    assert run.error == ""
    assert run.inputs > 100
    assert time.monotonic() - t0 < 8 + run.load_seconds + 30
    assert any(f.property == "cross_backend" and f.backends == ("hf", "spm") for f in run.findings)
    for f in run.findings:
        assert len(f.input) <= 24, f  # minimal witnesses are short


def test_novelty_rewards_new_token_ids_and_new_classes() -> None:
    hunt = _hunt(properties=("cross_backend",))
    hunt.check("abc", "test")
    assert hunt.last_novelty == 3.0  # three ids never seen
    hunt.check("cab", "test")
    assert hunt.last_novelty == 0.0  # nothing new
    hunt.check("a\u200d", "test")
    assert hunt.last_novelty == 1.0 + 10  # one new id, one new class
