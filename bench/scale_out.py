"""Scale-out: unique inputs checked per second by one subject's campaign with 1 and with N
workers (its budget split into shards, tokfuzz.engines.jobs.CampaignConfig.jobs).

Each run is a real ``run_campaign`` (worker processes, as ``tokfuzz fuzz --subject S
--workers N`` runs it) of ``seconds`` wall time on the hypothesis engine, the committed
corpus' classes known, nothing written. Per run: unique inputs (summed over shards: shards
draw with different seeds and split the seed inputs, so overlap is negligible), unique inputs
per second of wall time, code points, classes, and the speed-up over one worker.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tokfuzz.engines.campaign import CampaignConfig, run_campaign

__all__ = ["ScaleRun", "measure_scaling"]


@dataclass(frozen=True)
class ScaleRun:
    """One campaign of ``workers`` shards on ``subject``: totals over its shards."""

    subject: str
    workers: int
    seconds: float
    inputs: int
    codepoints: int
    classes: int
    wall_s: float
    errors: tuple[str, ...] = ()

    @property
    def per_s(self) -> float:
        """Unique inputs checked per second of the fuzzing budget (all shards together)."""
        return self.inputs / self.seconds if self.seconds else 0.0


def measure_scaling(subject: str, seconds: float, workers: Sequence[int] = (1, 2),
                    known: Mapping[str, Mapping[str, str]] | None = None, seed: int = 0) -> list[ScaleRun]:
    """One ``run_campaign`` per entry of ``workers`` on ``subject`` for ``seconds`` each
    (hypothesis engine, ``seed``, ``known`` classes, no corpus written); model loading is
    not in ``seconds`` (each worker loads its own copy)."""
    out = []
    for n in workers:
        config = CampaignConfig((subject,), seconds, workers=n, seed=seed, known=dict(known or {}))
        t0 = time.monotonic()
        runs = run_campaign(config)
        wall = time.monotonic() - t0
        signatures = {f.signature for r in runs for f in r.findings}
        out.append(ScaleRun(subject, n, seconds, sum(r.inputs for r in runs), sum(r.codepoints for r in runs),
                            len(signatures), round(wall, 1), tuple(r.error for r in runs if r.error)))
    return out
