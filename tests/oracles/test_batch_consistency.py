"""The batch_consistency oracle: planted faults (harness logic) and real backends that must pass."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from tests.fakes import Chars, observation
from tokfuzz.oracles import Observation
from tokfuzz.oracles.batch_consistency import batch_consistency, batch_of


class Batches(Chars):
    """A correct encode_batch."""

    name = "batches"

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [self.encode(t) for t in texts]


class PadsBatch(Batches):
    """Planted fault: pads every item of a batch to the longest with id 0."""

    name = "pads"

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        out = [self.encode(t) for t in texts]
        width = max(map(len, out), default=0)
        return [ids + [0] * (width - len(ids)) for ids in out]


class SharedBuffer(Chars):
    """Planted fault: claims thread safety but encodes through one shared buffer."""

    name = "shared-buffer"
    thread_safe = True

    def __init__(self) -> None:
        self._buffer: list[int] = []
        self._barrier = threading.Barrier(2, timeout=1)

    def encode(self, text: str) -> list[int]:
        self._buffer.clear()
        for c in text:
            self._buffer.append(ord(c))
            if threading.current_thread() is not threading.main_thread():
                try:
                    self._barrier.wait()  # let another thread write between two characters
                except threading.BrokenBarrierError:
                    pass
        return list(self._buffer)


def test_batch_of_is_a_pure_function_of_the_input() -> None:
    assert batch_of("abcd") == ["abcd", "ab", "cd", "abcd"]
    assert batch_of("") == ["", "", "", ""]


def test_padding_encode_batch_is_reported() -> None:
    [v] = batch_consistency(observation("abcd", PadsBatch()), "pads")
    assert (v.property, v.backends, v.kind) == ("batch_consistency", ("pads",), "batch-differs")
    assert v.observed["batch"][1] == [97, 98, 0, 0]
    assert "item 1" in v.detail


def test_correct_batch_passes_and_no_batch_no_threads_is_not_checked() -> None:
    assert batch_consistency(observation("abcd", Batches()), "batches") == []
    assert batch_consistency(observation("abcd", Chars()), "chars") == []


def test_thread_unsafe_encode_is_reported() -> None:
    [v] = batch_consistency(observation("abcdefgh", SharedBuffer()), "shared-buffer")
    assert v.kind == "threads-differ"


def test_real_thread_safe_backends_agree_with_themselves(subject) -> None:
    sub = subject("cl100k_base")
    claimed = [n for n, b in sub.backends.items() if getattr(b, "thread_safe", False)]
    assert {"tiktoken", "hf"} <= set(claimed)
    backends = {n: sub.backends[n] for n in ("tiktoken", "hf", "bpe-openai")}
    for text in ("Hello, world! 👋🏽", "def f(x):\n    return 'é' * 3\n", " " * 40):
        obs = Observation(text, backends)
        assert [v for n in backends for v in batch_consistency(obs, n)] == []
