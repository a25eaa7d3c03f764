"""Seed corpora and the dictionary for the atheris targets.

A coverage-guided fuzzer mutates what it is given, so it starts from everything tokfuzz
already knows is hard:

- every witness stored in the JSON Lines corpus (``corpora/``), of every subject;
- the Unicode seed inputs of ``tokfuzz.seeds`` (UTS #51 emoji, UAX #15 normalization,
  UAX #29 grapheme cluster rules);
- a sample of the hypothesis strategies of ``tokfuzz.strategies.unicode_text()``
  (fixed seed, so a seed corpus is reproducible).

Inputs are written as libFuzzer expects them: one file per input, named by the SHA-1
of its bytes, UTF-8 with lone surrogates in their 3-byte form
(``tokfuzz.mutator.encode_input``). ``write_zip`` makes the ``<target>_seed_corpus.zip``
OSS-Fuzz picks up; ``write_dict`` the libFuzzer dictionary (``-dict=``).

    python -m tokfuzz.fuzz_seeds --dir DIR | --zip FILE.zip | --dict FILE.dict
                                 [--corpus corpora] [--generated 500]
"""

from __future__ import annotations

import argparse
import hashlib
import time
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["DICTIONARY", "seed_texts", "write_dict", "write_dir", "write_zip"]

DICTIONARY: tuple[str, ...] = (
    # special and control tokens, and near misses (tokfuzz.strategies.SPECIAL_TOKEN_LOOKALIKES)
    "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>", "<|im_start|>",
    "<|im_end|>", "<s>", "</s>", "<unk>", "<pad>", "[INST]", "[/INST]", "<0x0A>", "<|endoftext",
    # SentencePiece meta space, GPT-2 byte-level stand-ins for space and newline
    "\u2581", "\u0120", "\u010a",
    # emoji machinery (UTS #51): ZWJ, VS15, VS16, keycap, skin tone, regional indicator, tag, cancel tag
    "\u200d", "\ufe0e", "\ufe0f", "\u20e3", "\U0001f3fd", "\U0001f1fa", "\U000e0067", "\U000e007f",
    # invisibles and bidi controls (UAX #9)
    "\u200b", "\u200c", "\u2060", "\u00ad", "\ufeff", "\u200e", "\u202e", "\u2066", "\u2069",
    # whitespace beyond ASCII (PropList.txt White_Space) and line breaks
    "\u00a0", "\u3000", "\u2028", "\u0085", "\r\n", "\t", " \n",
    # combining marks, Hangul jamo, digits beyond ASCII (\\p{N})
    "\u0301", "\u0308", "\u1100", "\u1161", "\u11a8", "\u0660", "\u0966", "\uff10", "\u00b2", "\u2160",
    # what the cl100k/o200k patterns split on: contractions, digit runs
    "'s", "'t", "'ll", "'ve", "'re", "000", " 1",
    # string-literal openers
    '"', "'", 'f"', 'r#"', "`", "$'", "U&'",
    # the 3-byte form of a lone surrogate (decoded only by targets that ask for them)
    "\ud800", "\udfff",
)
"""Tokenizer-relevant tokens for libFuzzer's dictionary mutations."""


def seed_texts(corpus: Path | None = Path("corpora"), generated: int = 500, seed: int = 0) -> list[str]:
    """Seed inputs, de-duplicated, in order: corpus witnesses (all subjects), the
    Unicode seed inputs, then ``generated`` samples of ``unicode_text()``.

    Raises:
        CorpusError: the corpus holds a corrupt line.
    """
    from tokfuzz.corpus import Corpus
    from tokfuzz.seeds import seed_inputs

    texts = [case.input for case in Corpus(corpus).load()] if corpus is not None else []
    texts += list(seed_inputs())
    texts += _generated(generated, seed)
    return list(dict.fromkeys(t for t in texts if t))


class _Enough(BaseException):
    """Stops the hypothesis engine once enough samples are drawn."""


def _generated(count: int, seed: int) -> list[str]:
    from tokfuzz.engines import run_hypothesis

    out: list[str] = []
    if count <= 0:
        return out

    def collect(text: str) -> None:
        out.append(text)
        if len(out) >= count:
            raise _Enough

    try:
        run_hypothesis(collect, deadline=time.monotonic() + 60, seed=seed)
    except _Enough:
        pass
    return out


def _encoded(texts: Iterable[str]) -> dict[str, bytes]:
    from tokfuzz.mutator import encode_input

    return {hashlib.sha1(data).hexdigest(): data for data in map(encode_input, texts)}


def write_dir(directory: Path, texts: Iterable[str]) -> int:
    """Write each text as a libFuzzer corpus file ``<directory>/<sha1>``; returns the
    number of files (existing ones are left as they are)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = _encoded(texts)
    for name, data in files.items():
        path = directory / name
        if not path.exists():
            path.write_bytes(data)
    return len(files)


def write_zip(path: Path, texts: Iterable[str]) -> int:
    """Write a seed corpus zip (one member per text, named by SHA-1); returns the count."""
    files = _encoded(texts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in sorted(files.items()):
            z.writestr(name, data)
    return len(files)


def dictionary_text() -> str:
    """``DICTIONARY`` in libFuzzer's format: one ``"..."`` per line, every byte outside
    printable ASCII (and ``"``, ``\\``) as ``\\xNN``."""
    from tokfuzz.mutator import encode_input

    lines = ["# tokfuzz: tokenizer-relevant tokens (generated by `python -m tokfuzz.fuzz_seeds --dict`)"]
    for entry in DICTIONARY:
        body = "".join(chr(b) if 0x20 <= b < 0x7F and b not in b'"\\' else f"\\x{b:02x}" for b in encode_input(entry))
        lines.append(f'"{body}"')
    return "\n".join(lines) + "\n"


def write_dict(path: Path) -> None:
    """Write ``dictionary_text()`` to ``path``."""
    path.write_text(dictionary_text(), encoding="ascii")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tokfuzz.fuzz_seeds``: write a seed directory, a seed zip or the dictionary."""
    p = argparse.ArgumentParser(prog="python -m tokfuzz.fuzz_seeds", description=__doc__.split("\n\n")[0])
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
    from tokfuzz.corpus import CorpusError

    try:
        texts = seed_texts(args.corpus, args.generated, args.seed)
    except CorpusError as exc:
        p.exit(2, f"{p.prog}: error: {exc}\n")
    n = write_dir(args.dir, texts) if args.dir is not None else write_zip(args.zip, texts)
    print(f"{args.dir or args.zip}: {n} seed inputs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
