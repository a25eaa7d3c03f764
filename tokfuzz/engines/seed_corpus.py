"""Seed corpora for the atheris targets (and the command that writes them with the dictionary).

A coverage-guided fuzzer mutates what it is given, so it starts from everything tokfuzz
already knows is hard:

- every witness stored in the JSON Lines corpus (``corpora/``), of every subject;
- the Unicode seed inputs of ``tokfuzz.inputs.seeds`` (UTS #51 emoji, UAX #15 normalization,
  UAX #29 grapheme cluster rules);
- a sample of the hypothesis strategies of ``tokfuzz.strategies.unicode_text()``
  (fixed seed, so a seed corpus is reproducible).

The files are written by ``tokfuzz.inputs.seed_files`` (libFuzzer's formats).

    python -m tokfuzz.engines.seed_corpus --dir DIR | --zip FILE.zip | --dict FILE.dict
                                 [--corpus corpora] [--generated 500]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from tokfuzz.findings.corpus import Corpus, CorpusError
from tokfuzz.inputs.seed_files import DICTIONARY, write_dict, write_dir, write_zip
from tokfuzz.inputs.seeds import seed_inputs

__all__ = ["main", "seed_texts"]


def seed_texts(corpus: Path | None = Path("corpora"), generated: int = 500, seed: int = 0) -> list[str]:
    """Seed inputs, de-duplicated, in order: corpus witnesses (all subjects), the
    Unicode seed inputs, then ``generated`` samples of ``unicode_text()``.

    Raises:
        CorpusError: the corpus holds a corrupt line.
    """
    texts = [case.input for case in Corpus(corpus).load()] if corpus is not None else []
    texts += list(seed_inputs())
    texts += _generated(generated, seed)
    return list(dict.fromkeys(t for t in texts if t))


class _Enough(BaseException):
    """Stops the hypothesis engine once enough samples are drawn."""


def _generated(count: int, seed: int) -> list[str]:
    from tokfuzz.engines.hypothesis import run_hypothesis

    out: list[str] = []
    if count <= 0:
        return out

    def collect(text: str) -> None:
        out.append(text)
        if len(out) >= count:
            raise _Enough

    try:
        run_hypothesis(collect, deadline=time.monotonic() + 60, seed=seed, texts_per_example=8)
    except _Enough:
        pass
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tokfuzz.engines.seed_corpus``: write a seed directory, a seed zip or the dictionary."""
    p = argparse.ArgumentParser(prog="python -m tokfuzz.engines.seed_corpus", description=__doc__.split("\n\n")[0])
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--dir", type=Path)
    out.add_argument("--zip", type=Path)
    out.add_argument("--dict", type=Path)
    p.add_argument("--corpus", type=Path, default=Path("corpora"))
    p.add_argument("--generated", type=int, default=500)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.dict is not None:
        write_dict(args.dict)
        print(f"{args.dict}: {len(DICTIONARY)} entries")
        return 0
    try:
        texts = seed_texts(args.corpus, args.generated, args.seed)
    except CorpusError as exc:
        p.exit(2, f"{p.prog}: error: {exc}\n")
    n = write_dir(args.dir, texts) if args.dir is not None else write_zip(args.zip, texts)
    print(f"{args.dir or args.zip}: {n} seed inputs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
