"""The cross_backend oracle: a planted fault (harness logic) and a real difference it must report."""

from __future__ import annotations

from tests.fakes import Chars, DropsZWJ, observation
from tokfuzz.oracles import Observation, cross_backend


def test_cross_backend_names_the_pair_and_both_sequences() -> None:
    [v] = cross_backend(observation("a\u200db", Chars(), DropsZWJ()))
    assert v.backends == ("chars", "drops-zwj")
    assert v.observed == {"chars": [97, 0x200D, 98], "drops-zwj": [97, 98]}


def test_real_cross_backend_difference_mistral_double_space(subject) -> None:
    backends = subject("mistral-v3").backends
    verdicts = cross_backend(Observation("a  b", backends))
    assert ("hf", "spm") in [v.backends for v in verdicts]
