"""Recipe parts for the libraries that load an HF ``tokenizer.json``: HF ``tokenizers``,
tokie and gigatoken's HF mode (tokfuzz.report.recipes).

Where the ``tokenizer.json`` was made by a conversion, the program runs the conversion
call itself, into a temporary directory, exactly as ``tokfuzz.backends.models._convert``
does (the path users take to get a ``tokenizer.json`` for these models):

=====================  ==========================================================================
subject                conversion (transformers)
=====================  ==========================================================================
cl100k_base, o200k_base ``transformers.integrations.tiktoken.convert_tiktoken_to_fast(tiktoken.get_encoding(name), dir)``
llama3, llama4         ``convert_tiktoken_to_fast(llama_models.<subject>.tokenizer.Tokenizer.get_instance().model, dir)``
                       (Meta's own ``tiktoken.Encoding``: its pattern, its special tokens)
mistral-v1/v3/v7       ``transformers.LlamaTokenizer.from_pretrained(dir holding tokenizer.model).backend_tokenizer.save(...)``
tekken                 ``transformers.integrations.mistral.tokenizer.MistralConverter(vocab_file=...).converted().save(...)``
claude                 none: the anthropic SDK's published ``tokenizer.json`` (``anthropic<0.39``)
=====================  ==========================================================================
"""

from __future__ import annotations

from tokfuzz.report.recipes import LLAMA, OPENAI, SPM, TEKKEN, Parts, claude_tokenizer_json, model_file

__all__ = ["converted", "gigatoken_parts", "hf_parts", "tokie_parts"]


def converted(subject: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(packages, lines) binding ``path`` to ``subject``'s HF ``tokenizer.json``: made by
    the conversion call in a fresh temporary directory, or the published file (claude).
    None for a subject without one."""
    if subject == "claude":
        return claude_tokenizer_json()
    head = ("import os", "import tempfile", "work = tempfile.mkdtemp()", 'path = os.path.join(work, "tokenizer.json")')
    if subject in OPENAI or subject in LLAMA:
        if subject in OPENAI:
            packages: tuple[str, ...] = ("tiktoken",)
            source = ("import tiktoken", f"encoding = tiktoken.get_encoding({subject!r})")
        else:
            packages = ("llama-models", "tiktoken")
            source = (f"from llama_models.{subject}.tokenizer import Tokenizer as MetaTokenizer",
                      "# Meta's own tiktoken.Encoding (its pattern and special tokens), as Llama checkpoints were converted",
                      "encoding = MetaTokenizer.get_instance().model")
        return (("transformers", *packages, "blobfile"),  # blobfile: tiktoken's dump_tiktoken_bpe needs it
                (*head, *source, "from transformers.integrations.tiktoken import convert_tiktoken_to_fast",
                 "convert_tiktoken_to_fast(encoding, work)  # writes work/tokenizer.json"))
    if subject in SPM:
        packages, lines = model_file(subject, "model")
        return (("transformers", "sentencepiece", "protobuf", *packages),
                (*lines, *head, "import shutil", "from transformers import LlamaTokenizer",
                 'shutil.copyfile(model, os.path.join(work, "tokenizer.model"))',
                 "LlamaTokenizer.from_pretrained(work).backend_tokenizer.save(path)"))
    if subject in TEKKEN:
        packages, lines = model_file(subject, "model")
        return (("transformers", *packages),
                (*lines, *head, "from transformers.integrations.mistral.tokenizer import MistralConverter",
                 "MistralConverter(vocab_file=model).converted().save(path)"))
    return None


def hf_parts(subject: str) -> Parts | None:
    """HF ``tokenizers`` (tokfuzz.backends.hf): ``Tokenizer.from_file``, then
    ``encode(text, add_special_tokens=False).ids`` and ``decode(ids)`` (its default
    ``skip_special_tokens=True``); pieces are ``id_to_token``; the incremental decoder is
    ``tokenizers.decoders.DecodeStream()`` stepped id by id."""
    made = converted(subject)
    if made is None:
        return None
    packages, lines = made
    return Parts(("tokenizers", *packages), (*lines, "from tokenizers import Tokenizer", "tok = Tokenizer.from_file(path)"),
                 "tok.encode(TEXT, add_special_tokens=False).ids", "tok.decode(ids)", "tok.id_to_token(i)",
                 stream=("from tokenizers.decoders import DecodeStream",
                         "stream = DecodeStream()  # its defaults, as the Tokenizer's users create it",
                         'print("stream:", ascii([stream.step(tok, i) for i in ids]))  # None: nothing emitted yet'))


def tokie_parts(subject: str) -> Parts | None:
    """tokie (tokfuzz.backends.tokie) on the same ``tokenizer.json`` HF loads:
    ``tokie.Tokenizer.from_json``, ``encode(text, add_special_tokens=False).ids``,
    ``decode(ids)`` (None where the bytes are not UTF-8)."""
    made = converted(subject)
    if made is None:
        return None
    packages, lines = made
    return Parts(("tokie", *packages), (*lines, "import tokie", "tok = tokie.Tokenizer.from_json(path)"),
                 "list(tok.encode(TEXT, add_special_tokens=False).ids)", "tok.decode(ids)", "tok.id_to_token(i)")


def gigatoken_parts(subject: str) -> Parts | None:
    """gigatoken (tokfuzz.backends.gigatoken) in compatibility mode: a drop-in
    ``tiktoken.Encoding`` on ``<name>.tiktoken`` for the OpenAI encodings, a drop-in
    transformers fast tokenizer on the converted ``tokenizer.json`` otherwise. None for
    claude (gigatoken 0.10 refuses its NFKC normalizer)."""
    if subject in OPENAI:
        packages, lines = model_file(subject)
        return Parts(("gigatoken", *packages),
                     (*lines, "import gigatoken",
                      "# gigatoken takes the pattern and special tokens from the file's name",
                      "tok = gigatoken.Tokenizer.from_tiktoken(path).as_tiktoken()"),
                     "tok.encode(TEXT)", "tok.decode(ids)", "tok.decode_single_token_bytes(i)")
    if subject == "claude":
        return None
    made = converted(subject)
    if made is None:
        return None
    packages, lines = made
    return Parts(("gigatoken", *packages), (*lines, "import gigatoken", "tok = gigatoken.Tokenizer(path).as_hf()"),
                 "list(tok.encode(TEXT, add_special_tokens=False))", "tok.decode(ids)",
                 "tok.convert_ids_to_tokens(i)")
