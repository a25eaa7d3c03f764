"""Recipe parts of every Python library tokfuzz drives, and the registry
``LIBRARIES`` (backend name -> (PyPI name, parts builder)) that
``tokfuzz.report.recipes.recipe`` reads.

Each builder mirrors one adapter (``tokfuzz/backends/<name>.py``), whose docstring says
how it calls its library; the comments in the generated programs name the upstream
file any re-implemented logic comes from. A builder returns None for a subject its
backend does not load.
"""

from __future__ import annotations

from collections.abc import Callable

from tokfuzz.report.recipes import (CLAUDE_NPM, LLAMA, OPENAI, SPM, TEKKEN, Parts, claude_tokenizer_json, model_file)
from tokfuzz.report.recipes_hf import gigatoken_parts, hf_parts, tokie_parts

__all__ = ["LIBRARIES", "TEKKEN_DEPRECATED_SPECIALS"]

#: mistral-common's ``Tekkenizer.DEPRECATED_SPECIAL_TOKENS`` (ranks 0..19), the special
#: tokens of a tekken file that lists none (mistral_common/tokens/tokenizers/tekken.py)
TEKKEN_DEPRECATED_SPECIALS = ("<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
                              "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]",
                              "[IMG_END]", "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]",
                              "[TOOL_CONTENT]")

_TIKTOKEN_CALLS = ("tok.encode(TEXT)", "tok.decode(ids)", "tok.decode_single_token_bytes(i)")


def _tiktoken(subject: str) -> Parts | None:
    """tiktoken (tokfuzz.backends.tiktoken): ``Encoding.encode(text)`` with its defaults
    (special-token text raises ValueError), ``decode(ids)``."""
    if subject in OPENAI:
        return Parts(("tiktoken",), ("import tiktoken", f"tok = tiktoken.get_encoding({subject!r})"), *_TIKTOKEN_CALLS)
    if subject in TEKKEN:
        packages, lines = model_file(subject)
        listed = [repr(s) for s in TEKKEN_DEPRECATED_SPECIALS]
        rows = [", ".join(listed[n:n + 6]) for n in range(0, len(listed), 6)]
        return Parts(("tiktoken", *packages), (
            *lines, "import base64", "import json", "import tiktoken",
            'data = json.load(open(path, encoding="utf-8"))',
            'config = data["config"]',
            "# mistral-common's id layout (mistral_common/tokens/tokenizers/tekken.py): ranks shifted by the",
            "# number of special tokens, which take ids 0..n_special-1",
            'n_special = config["default_num_special_tokens"]',
            'inner = config["default_vocab_size"] - n_special',
            'ranks = {base64.b64decode(v["token_bytes"]): i + n_special for i, v in enumerate(data["vocab"][:inner])}',
            "# the file's special tokens, else mistral-common's Tekkenizer.DEPRECATED_SPECIAL_TOKENS",
            "DEPRECATED = [", *(f"    {row}," for row in rows), "]",
            'entries = data.get("special_tokens") or [{"rank": r, "token_str": s} for r, s in enumerate(DEPRECATED)]',
            'names = {int(e["rank"]): e["token_str"] for e in entries}',
            'specials = {names.get(i, f"<SPECIAL_{i}>"): i for i in range(n_special)}',
            f'tok = tiktoken.Encoding(name={subject!r}, pat_str=config["pattern"], mergeable_ranks=ranks, special_tokens=specials)',
        ), *_TIKTOKEN_CALLS)
    if subject == "claude":
        package, version = CLAUDE_NPM
        return Parts(("tiktoken",), (
            "import base64", "import json", "import tiktoken",
            f"# claude.json of the npm package {package} (npm install {package}@{version})",
            f'data = json.load(open("node_modules/{package}/claude.json", encoding="utf-8"))',
            "# bpe_ranks in js-tiktoken's compact format, read as js-tiktoken's Tiktoken constructor does",
            '# (js-tiktoken/src/core.ts): "<first token> <first rank> <base64 token> ..." per line',
            "ranks = {}",
            'for line in data["bpe_ranks"].split("\\n"):',
            "    if line:",
            '        _first, offset, *tokens = line.split(" ")',
            "        ranks.update((base64.b64decode(t), int(offset) + n) for n, t in enumerate(tokens))",
            f"# as {package}'s index.ts builds it: new Tiktoken(bpe_ranks, special_tokens, pat_str)",
            'tok = tiktoken.Encoding(name="claude", pat_str=data["pat_str"], mergeable_ranks=ranks,',
            '                        special_tokens=data["special_tokens"])',
        ), *_TIKTOKEN_CALLS, npm=(f"{package}@{version}",))
    return None


def _bpe_openai(subject: str) -> Parts | None:
    """bpe-openai (tokfuzz.backends.bpe_openai): ``bpe_openai.get_encoding(name)``, a
    tiktoken-compatible ``Encoding``."""
    if subject not in OPENAI:
        return None
    return Parts(("bpe-openai",), ("import bpe_openai", f"tok = bpe_openai.get_encoding({subject!r})"), *_TIKTOKEN_CALLS)


def _spm(subject: str) -> Parts | None:
    """sentencepiece (tokfuzz.backends.spm): ``SentencePieceProcessor(model_file=...)``,
    ``encode(text)`` (no BOS/EOS, the library's defaults), ``decode(ids)``."""
    if subject not in SPM:
        return None
    packages, lines = model_file(subject)
    return Parts(("sentencepiece", *packages),
                 (*lines, "import sentencepiece", "tok = sentencepiece.SentencePieceProcessor(model_file=path)"),
                 "tok.encode(TEXT)", "tok.decode(ids)", "tok.id_to_piece(i)")


def _mistral_common(subject: str) -> Parts | None:
    """mistral-common (tokfuzz.backends.mistral): ``Tekkenizer.from_file`` or
    ``SentencePieceTokenizer(path)``, ``encode(text, bos=False, eos=False)``, ``decode(ids)``."""
    if subject in TEKKEN:
        load = ("from mistral_common.tokens.tokenizers.tekken import Tekkenizer", "tok = Tekkenizer.from_file(path)")
        piece = "tok.id_to_byte_piece(i)"
    elif subject in SPM:
        load = ("from mistral_common.tokens.tokenizers.sentencepiece import SentencePieceTokenizer",
                "tok = SentencePieceTokenizer(path)")
        piece = "tok.id_to_piece(i)"
    else:
        return None
    packages, lines = model_file(subject)
    return Parts(packages, (*lines, *load), "tok.encode(TEXT, bos=False, eos=False)", "tok.decode(ids)", piece)


def _llama_models(subject: str) -> Parts | None:
    """llama-models (tokfuzz.backends.llama): Meta's ``Tokenizer.get_instance()``,
    ``encode(text, bos=False, eos=False)`` (its defaults: special-token text is text)."""
    if subject not in LLAMA:
        return None
    return Parts(("llama-models", "tiktoken"),
                 (f"from llama_models.{subject}.tokenizer import Tokenizer",
                  "tok = Tokenizer.get_instance()  # Meta's tokenizer.model shipped beside the class"),
                 "tok.encode(TEXT, bos=False, eos=False)", "tok.decode(ids)", "tok.model.decode_single_token_bytes(i)")


def _kitoken(subject: str) -> Parts | None:
    """kitoken (tokfuzz.backends.kitoken): each file with kitoken's loader for its
    format, ``encode(text)`` (``encode_specials=False``), ``decode(ids)`` as strict UTF-8."""
    if subject == "claude":
        packages, lines = claude_tokenizer_json()
        loader = "from_tokenizers_file"
    else:
        try:
            packages, lines = model_file(subject)
        except KeyError:
            return None
        loader = ("from_sentencepiece_file" if subject in SPM else "from_tekken_file" if subject in TEKKEN
                  else "from_tiktoken_file")
    return Parts(("kitoken", *packages), (*lines, "from kitoken import Kitoken", f"tok = Kitoken.{loader}(path)"),
                 "list(tok.encode(TEXT))", 'bytes(tok.decode(ids)).decode("utf-8")', "bytes(tok.decode([i]))")


def _rs_bpe(subject: str) -> Parts | None:
    """rs-bpe (tokfuzz.backends.rs_bpe): ``rs_bpe.bpe.openai.<name>()``, its own ranks."""
    if subject not in OPENAI:
        return None
    return Parts(("rs-bpe",), ("from rs_bpe.bpe import openai", f"tok = openai.{subject}()"),
                 "list(tok.encode(TEXT))", "tok.decode(ids)", "bytes(tok.bpe().decode_tokens([i]))")


def _anthropic_tokenizer(subject: str) -> Parts | None:
    """anthropic-tokenizer (tokfuzz.backends.anthropic_tokenizer): the module's offline
    ``encode(text)`` and ``decode(ids)`` (vocabulary compiled in)."""
    if subject != "claude":
        return None
    return Parts(("anthropic-tokenizer",), ("import anthropic_tokenizer as tok",),
                 "list(tok.encode(TEXT))", "tok.decode(ids)", "tok.decode([i])")


def _llama_cpp(subject: str) -> Parts | None:
    """llama-cpp-python (tokfuzz.backends.llama_cpp): ``Llama(path, vocab_only=True)`` on
    llama.cpp's vocab-only GGUF of the family (``models/ggml-vocab-llama-bpe.gguf`` in
    llama.cpp's repository), ``tokenize(text.encode("utf-8"), add_bos=False)``,
    ``detokenize(ids)`` decoded with ``errors="replace"``."""
    if subject != "llama3":
        return None
    name = "ggml-vocab-llama-bpe.gguf"
    return Parts(("llama-cpp-python",), (
        "import os", "import urllib.request", "from llama_cpp import Llama",
        "# llama.cpp's vocab-only GGUF of Llama 3 (models/ in llama.cpp's repository)",
        f"path = {name!r}",
        "if not os.path.exists(path):",
        f"    urllib.request.urlretrieve('https://github.com/ggml-org/llama.cpp/raw/master/models/{name}', path)",
        "tok = Llama(model_path=path, vocab_only=True, verbose=False)",
    ), 'list(tok.tokenize(TEXT.encode("utf-8"), add_bos=False))',
        'bytes(tok.detokenize(ids)).decode("utf-8", errors="replace")', "bytes(tok.detokenize([i]))")


#: backend name -> (the library's PyPI name, parts builder for a subject)
LIBRARIES: dict[str, tuple[str, Callable[[str], Parts | None]]] = {
    "tiktoken": ("tiktoken", _tiktoken),
    "hf": ("tokenizers", hf_parts),
    "tokie": ("tokie", tokie_parts),
    "bpe-openai": ("bpe-openai", _bpe_openai),
    "spm": ("sentencepiece", _spm),
    "mistral-common": ("mistral-common", _mistral_common),
    "llama-models": ("llama-models", _llama_models),
    "kitoken": ("kitoken", _kitoken),
    "gigatoken": ("gigatoken", gigatoken_parts),
    "rs-bpe": ("rs-bpe", _rs_bpe),
    "anthropic-tokenizer": ("anthropic-tokenizer", _anthropic_tokenizer),
    "llama-cpp": ("llama-cpp-python", _llama_cpp),
}
