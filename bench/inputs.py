"""The fixed inputs every throughput figure is measured on.

* The **campaign mix**: the inputs a campaign checks first, in its order: every
  ``tokfuzz.inputs.seeds.seed_inputs()`` string, then the first ``generated`` strings that
  ``tokfuzz.engines.hypothesis.run_hypothesis`` draws from ``tokfuzz.strategies.unicode_text()``
  with hypothesis seed ``seed`` (the campaign's own engine, batching and strategy),
  thinned to every ``stride``-th input. Seeds and generated inputs therefore keep the
  proportion a campaign feeds them in: with the defaults (all ~2,300 seeds, then
  6,000 generated) that is the first ~8,300 inputs of one subject's worker, about
  what a default ``make fuzz`` worker checks in its 60 s.
* **Real text**: the Python standard library sources that
  ``tokfuzz.strategies._stdlib`` reads for real code lines, cut into chunks of whole
  lines, as a tokenizer meets a source file in a training or serving pipeline.

Both lists are deterministic for a given interpreter, ``emoji`` data and hypothesis
version; ``digest`` fingerprints a list so two reports can tell whether they measured
the same inputs.
"""

from __future__ import annotations

import hashlib
import os
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass

from bench.measure import Timing, timed, utf8_size
from tokfuzz.engines.hypothesis import run_hypothesis
from tokfuzz.inputs.seeds import seed_inputs
from tokfuzz.strategies import STDLIB_MODULES

__all__ = ["InputMix", "campaign_mix", "digest", "generate", "stdlib_chunks"]

GENERATED = 6000
"""Generated inputs drawn for the mix (1.5 of ``run_hypothesis``' 4,000-text batches)."""
STRIDE = 8
"""Every ``STRIDE``-th input of seeds + generated is kept (~1,040 inputs with the defaults)."""
LINES_PER_CHUNK = 32
"""Source lines per real-text input (~1 KB of Python)."""
STDLIB_BYTES = 512_000
"""UTF-8 bytes of real text read (the first modules of ``STDLIB_MODULES``, in order)."""


class _Enough(BaseException):
    """Stops ``run_hypothesis`` once enough inputs were collected; a BaseException so
    hypothesis lets it through, as it does the engine's own deadline signal."""


def generate(count: int, seed: int = 0) -> tuple[list[str], Timing]:
    """The first ``count`` inputs ``run_hypothesis`` generates with ``seed`` (default
    strategy ``unicode_text()``), and the Timing of generating them; the callback
    only collects, so the timing is hypothesis' generation alone.

    Raises:
        ValueError: ``count`` < 1.
    """
    if count < 1:
        raise ValueError("count must be >= 1")
    texts: list[str] = []

    def collect(text: str) -> None:
        texts.append(text)
        if len(texts) >= count:
            raise _Enough

    def run() -> None:
        try:
            run_hypothesis(collect, deadline=float("inf"), seed=seed, texts_per_example=8)  # the mix as first drawn
        except _Enough:
            pass

    _, timing = timed(run)
    return texts, timing


@dataclass(frozen=True)
class InputMix:
    """The campaign mix: ``texts`` in campaign order, of which the first ``n_seeds``
    are seed inputs; ``generation`` is the Timing of generating the generated part
    (``generated`` inputs before thinning) and ``generated_digest`` its ``digest``."""

    texts: tuple[str, ...]
    n_seeds: int
    generated: int
    stride: int
    seed: int
    generation: Timing
    generated_digest: str

    @property
    def nbytes(self) -> int:
        """UTF-8 bytes of all texts."""
        return sum(utf8_size(t) for t in self.texts)


def campaign_mix(generated: int = GENERATED, stride: int = STRIDE, seed: int = 0) -> InputMix:
    """Seeds then ``generated`` generated inputs, every ``stride``-th kept (see the
    module docstring).

    Raises:
        ValueError: ``generated`` < 1 or ``stride`` < 1.
    """
    if stride < 1:
        raise ValueError("stride must be >= 1")
    seeds = seed_inputs()
    drawn, timing = generate(generated, seed)
    thinned = [*seeds, *drawn][::stride]
    n_seeds = len(seeds[::stride])
    return InputMix(tuple(thinned), n_seeds, generated, stride, seed, timing, digest(drawn))


def stdlib_chunks(max_bytes: int = STDLIB_BYTES, lines_per_chunk: int = LINES_PER_CHUNK) -> list[str]:
    """Chunks of ``lines_per_chunk`` consecutive source lines (line breaks kept) of the
    modules in ``tokfuzz.strategies.STDLIB_MODULES``, read in that order until
    ``max_bytes`` UTF-8 bytes are collected. A module missing from a trimmed
    distribution is skipped; no module at all gives an empty list.

    Raises:
        ValueError: ``max_bytes`` or ``lines_per_chunk`` < 1.
    """
    if max_bytes < 1 or lines_per_chunk < 1:
        raise ValueError("max_bytes and lines_per_chunk must be >= 1")
    root = sysconfig.get_paths()["stdlib"]
    chunks: list[str] = []
    total = 0
    for module in STDLIB_MODULES:
        try:
            with open(os.path.join(root, module + ".py"), encoding="utf-8") as file:
                lines = file.read().splitlines(keepends=True)
        except OSError:
            continue
        for start in range(0, len(lines), lines_per_chunk):
            chunk = "".join(lines[start : start + lines_per_chunk])
            chunks.append(chunk)
            total += utf8_size(chunk)
            if total >= max_bytes:
                return chunks
    return chunks


def digest(texts: Sequence[str]) -> str:
    """First 12 hex digits of the SHA-256 over ``texts`` (each in UTF-8 with
    ``surrogatepass``, NUL-separated): equal digests mean the same inputs in the same order."""
    h = hashlib.sha256()
    for text in texts:
        h.update(text.encode("utf-8", "surrogatepass") + b"\x00")
    return h.hexdigest()[:12]
