"""The property names and ``check``, which runs the chosen oracles on one observation."""

from __future__ import annotations

from collections.abc import Sequence

from tokfuzz.oracles.batch_consistency import batch_consistency
from tokfuzz.oracles.cross_backend import cross_backend
from tokfuzz.oracles.observation import Observation, Verdict
from tokfuzz.oracles.roundtrip import roundtrip
from tokfuzz.oracles.slow_input import slow_input
from tokfuzz.oracles.special_tokens import special_agreement, special_injection
from tokfuzz.oracles.split_consistency import split_consistency
from tokfuzz.oracles.streaming_decode import streaming_decode

__all__ = ["PROPERTIES", "PROPERTY_OF_CALL", "check"]


PROPERTIES: tuple[str, ...] = (
    "roundtrip", "split_consistency", "cross_backend", "special_tokens", "batch_consistency", "streaming_decode", "slow_input",
)

PROPERTY_OF_CALL: dict[str, str] = {
    "encode": "roundtrip", "decode": "roundtrip", "decode_bytes": "roundtrip", "normalize": "roundtrip",
    "encode_batch": "roundtrip", "pretokenize": "split_consistency", "token_bytes": "split_consistency",
    "expected_bytes": "split_consistency", "special_tokens": "special_tokens",
    "decode_stream": "streaming_decode", "decode_batch": "streaming_decode",
}
"""The property a library call serves, for findings no verdict reports (a call that hangs
past the time limit, ``timeout``, or kills its process, ``crash:…``): the call's
failure is filed under the first property that makes it."""


def check(obs: Observation, properties: Sequence[str] = PROPERTIES, screen: bool = False) -> list[Verdict]:
    """All failing verdicts of ``properties`` on one observation (every backend).

    ``screen``: the campaign's first look at an input (tokfuzz.engines.hunt): costly
    checks (slow_input's scaling test) run only where a cheap screen says the input is
    a candidate. Minimizing and replaying a failure call this with ``screen=False``, so
    the check runs in full on each candidate witness."""
    out: list[Verdict] = []
    for name in obs.backends:
        if "roundtrip" in properties:
            out.extend(roundtrip(obs, name))
        if "split_consistency" in properties:
            out.extend(split_consistency(obs, name))
        if "special_tokens" in properties:
            out.extend(special_injection(obs, name))
        if "batch_consistency" in properties:
            out.extend(batch_consistency(obs, name))
        if "streaming_decode" in properties:
            out.extend(streaming_decode(obs, name))
        if "slow_input" in properties:
            out.extend(slow_input(obs, name, screen=screen))
    if "cross_backend" in properties and len(obs.backends) > 1:
        out.extend(cross_backend(obs))
    if "special_tokens" in properties and len(obs.backends) > 1:
        out.extend(special_agreement(obs))
    return out
