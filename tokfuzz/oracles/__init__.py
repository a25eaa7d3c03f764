"""Oracles: the properties that must hold (DESIGN §4), one module per property.

Takes in: an input and a subject's backends (``Observation``, which encodes lazily,
once per backend). Hands on: failing ``Verdict`` objects, each with what reproduces it, to
the minimizer and triage (``tokfuzz.findings``). A new property is a new module here
that returns ``list[Verdict]`` and a name in ``properties.PROPERTIES``.
"""

from tokfuzz.oracles.cross_backend import cross_backend
from tokfuzz.oracles.observation import Observation, Raised, Verdict, describe_text
from tokfuzz.oracles.properties import PROPERTIES, PROPERTY_OF_CALL, check
from tokfuzz.oracles.roundtrip import roundtrip
from tokfuzz.oracles.split_consistency import split_consistency
from tokfuzz.oracles.slow_input import slow_input
from tokfuzz.oracles.streaming_decode import streaming_decode

__all__ = [
    "PROPERTIES",
    "PROPERTY_OF_CALL",
    "Observation",
    "Raised",
    "Verdict",
    "check",
    "cross_backend",
    "describe_text",
    "roundtrip",
    "slow_input",
    "split_consistency",
    "streaming_decode",
]
