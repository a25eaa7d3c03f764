"""The cross_backend property (DESIGN §4): every backend of a subject returns the same ids."""

from __future__ import annotations

from tokfuzz.backends.base import token_pieces
from tokfuzz.oracles.observation import Observation, Raised, Verdict

__all__ = ["cross_backend"]


def cross_backend(obs: Observation, reference: str | None = None) -> list[Verdict]:
    """Every backend returns the ids of the reference backend (the first one by
    default). A failure names the sorted pair and shows both token sequences as
    pieces. A pair where either side raised is skipped: that is roundtrip's finding.
    """
    names = list(obs.backends)
    ref = reference or names[0]
    ref_ids = obs.ids(ref)
    if isinstance(ref_ids, Raised):
        return []
    out: list[Verdict] = []
    for other in names:
        if other == ref:
            continue
        got = obs.ids(other)
        if isinstance(got, Raised) or got == ref_ids:
            continue
        pair = tuple(sorted((ref, other)))

        def detail(ref_ids: list[int] = ref_ids, other: str = other, got: list[int] = got) -> str:
            return (f"{ref} {token_pieces(obs.backends[ref], ref_ids)} {ref_ids} != "
                    f"{other} {token_pieces(obs.backends[other], got)} {got}")

        out.append(Verdict("cross_backend", pair, "ids-differ", detail, {ref: ref_ids, other: got}))
    return out
