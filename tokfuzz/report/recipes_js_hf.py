"""How a maintainer makes the ``tokenizer.json`` + ``tokenizer_config.json`` that a
``tokenizers-js`` (``@huggingface/tokenizers``) reproducer reads from its directory.

tokfuzz feeds that port the HF conversion of each subject's reference model
(``tokfuzz.backends.models.hf_json``) and a ``tokenizer_config.json`` written by
transformers' ``save_pretrained`` for it (``tokfuzz.backends.js._hf_config``). A
reproducer must not import tokfuzz nor point into its cache, so this module spells the
same conversion calls as one short Python program, run first in an empty directory:

=================================  ==============================================================
subject                            tokenizer.json from
=================================  ==============================================================
``cl100k_base``, ``o200k_base``    ``convert_tiktoken_to_fast(name, ".")`` (``tiktoken.get_encoding``;
                                   tokfuzz checks its offline ranks against tiktoken's sha256 pin)
``mistral-v1|v3|v7``               ``LlamaTokenizer.from_pretrained(dir holding the model)``
                                   ``.backend_tokenizer.save`` on ``mistral_common/data/<file>``
``tekken``                         ``MistralConverter(vocab_file=mistral_common/data/tekken_240911.json)``
``llama3``, ``llama4``             ``convert_tiktoken_to_fast(Tokenizer.get_instance().model, ".")``
                                   (Meta's ``llama_models`` tokenizer and its ``tokenizer.model``)
``claude``                         copied from the ``anthropic`` SDK (< 0.39 shipped it), not converted
=================================  ==============================================================

then ``PreTrainedTokenizerFast(tokenizer_file="tokenizer.json").save_pretrained(tmp)`` for
``tokenizer_config.json`` (only that file is kept, as tokfuzz keeps only it).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CONVERTED_SUBJECTS", "Conversion", "conversion", "pip_pin"]

_SPM_FILES = {
    "mistral-v1": "tokenizer.model.v1",
    "mistral-v3": "mistral_instruct_tokenizer_240323.model.v3",
    "mistral-v7": "mistral_instruct_tokenizer_241114.model.v7",
}

#: subject -> (PyPI distributions the file depends on, Python lines writing ./tokenizer.json)
_MAKERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **{name: (("transformers", "tokenizers", "tiktoken"), (
        "from transformers.integrations.tiktoken import convert_tiktoken_to_fast",
        f'convert_tiktoken_to_fast("{name}", ".")  # tiktoken.get_encoding("{name}"), converted',
    )) for name in ("cl100k_base", "o200k_base")},
    **{name: (("transformers", "tokenizers", "sentencepiece", "protobuf", "mistral-common"), (
        "import mistral_common",
        "from transformers import LlamaTokenizer",
        'pathlib.Path("spm").mkdir(exist_ok=True)',
        f'shutil.copy(pathlib.Path(mistral_common.__file__).parent / "data" / "{file}", "spm/tokenizer.model")',
        'LlamaTokenizer.from_pretrained("spm").backend_tokenizer.save("tokenizer.json")',
    )) for name, file in _SPM_FILES.items()},
    "tekken": (("transformers", "tokenizers", "mistral-common"), (
        "import mistral_common",
        "from transformers.integrations.mistral.tokenizer import MistralConverter",
        'tekken = pathlib.Path(mistral_common.__file__).parent / "data" / "tekken_240911.json"',
        'MistralConverter(vocab_file=str(tekken)).converted().save("tokenizer.json")',
    )),
    **{name: (("transformers", "tokenizers", "tiktoken", "llama-models"), (
        f"from llama_models.{name}.tokenizer import Tokenizer  # Meta's tokenizer and its tokenizer.model",
        "from transformers.integrations.tiktoken import convert_tiktoken_to_fast",
        'convert_tiktoken_to_fast(Tokenizer.get_instance().model, ".")',
    )) for name in ("llama3", "llama4")},
    "claude": (("transformers", "tokenizers", "anthropic"), (
        "import anthropic",
        "# the legacy Claude tokenizer.json the anthropic SDK shipped (until 0.39), as published",
        'shutil.copy(pathlib.Path(anthropic.__file__).parent / "tokenizer.json", "tokenizer.json")',
    )),
}

#: the lines that write ./tokenizer_config.json as transformers' save_pretrained does
_CONFIG = (
    "from transformers import PreTrainedTokenizerFast",
    "with tempfile.TemporaryDirectory() as tmp:  # keep only tokenizer_config.json",
    '    PreTrainedTokenizerFast(tokenizer_file="tokenizer.json").save_pretrained(tmp)',
    '    shutil.copy(tmp + "/tokenizer_config.json", "tokenizer_config.json")',
)

#: the subjects whose tokenizer.json this module knows how to make
CONVERTED_SUBJECTS: tuple[str, ...] = tuple(_MAKERS)

#: distributions pinned for their effect on the files, not merely installed
_UNPINNED = ("protobuf",)


@dataclass(frozen=True)
class Conversion:
    """The Python side of a tokenizers-js reproducer.

    pip: the ``pip install ...`` line (pinned, see :func:`pip_pin`).
    script: a complete Python program (ASCII, newline-terminated) that writes
        ``tokenizer.json`` and ``tokenizer_config.json`` into the current directory.
    command: ``python - <<'EOF'`` + script + ``EOF``: one shell command running it.
    """

    pip: str
    script: str

    @property
    def command(self) -> str:
        return f"python - <<'EOF'\n{self.script}EOF"


def pip_pin(distribution: str, versions: Mapping[str, str]) -> str:
    """``name==version``: the case's recorded version, else the installed one, else
    ``name`` alone (never raises)."""
    version = versions.get(distribution)
    if version is None and distribution not in _UNPINNED:
        try:
            version = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            version = None
    return f"{distribution}=={version}" if version and version not in ("absent", "?") else distribution


def conversion(subject: str, versions: Mapping[str, str]) -> Conversion | None:
    """How ``subject``'s ``tokenizer.json`` and ``tokenizer_config.json`` are made, or None
    for a subject tokfuzz does not convert (a user's own ``tokenizer.json``).

    ``versions`` maps PyPI names to versions (a case's ``versions``); the
    distributions it does not name are pinned to the installed version."""
    maker = _MAKERS.get(subject)
    if maker is None:
        return None
    dists, lines = maker
    pip = "pip install " + " ".join(pip_pin(d, versions) for d in dists)
    return Conversion(pip, "\n".join(["import pathlib, shutil, tempfile", *lines, *_CONFIG]) + "\n")
