"""llama.cpp's tokenizer through ``llama-cpp-python``: ``llama-cpp:FAMILY`` or ``llama-cpp:path/x.gguf``.

llama.cpp ships vocab-only GGUF files of many model families with its sources
(``vendor/llama.cpp/models/ggml-vocab-<family>.gguf``, with ``.inp``/``.out`` fixtures of
the ids HF tokenizers gives). They come from the ``llama-cpp-python`` sdist; building
that package compiles llama.cpp (about 16 minutes on 2 cores), so it is optional:
``make llama-cpp`` builds the wheel once into ``$TOKFUZZ_CACHE/llama-cpp/`` (default
``~/.cache/tokfuzz``), installs it into the venv and unpacks the vocab files beside it.
Without it the backend is unavailable with that reason and subjects go on without it.

Called as llama-cpp-python's README shows: ``Llama(model_path, vocab_only=True)``,
``tokenize(text.encode("utf-8"), add_bos=False)`` (``special=False``, its default: text
spelling a special token stays text) and ``detokenize(ids)``, whose bytes are decoded
with ``errors="replace"`` (a token sequence ending inside a character gives U+FFFD, as
tiktoken's ``decode`` does). A str holding a lone surrogate cannot be encoded to UTF-8:
``str.encode`` raises, as it does in a user's code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tokfuzz.backends import models
from tokfuzz.backends.base import BackendUnavailable

__all__ = ["FAMILIES", "LlamaCppBackend", "load", "vocab_dir"]

#: tokfuzz subject -> the llama.cpp vocab family holding the same model
FAMILIES: dict[str, str] = {"llama3": "llama-bpe"}


def vocab_dir() -> Path:
    """Where ``make llama-cpp`` unpacks llama.cpp's vocab-only GGUF files."""
    return models.cache_dir() / "llama-cpp" / "models"


class LlamaCppBackend:
    """One vocab-only GGUF loaded by llama.cpp."""

    name = "llama-cpp"

    def __init__(self, llm: Any, version: str) -> None:
        self._llm = llm
        self.version = version

    def encode(self, text: str) -> list[int]:
        """``llm.tokenize(text.encode("utf-8"), add_bos=False)``."""
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=False))

    def decode(self, ids: Sequence[int]) -> str:
        """``llm.detokenize(ids)`` decoded as UTF-8 with U+FFFD for invalid bytes."""
        return bytes(self._llm.detokenize(list(ids))).decode("utf-8", errors="replace")


def load(arg: str) -> LlamaCppBackend:
    """Backend for ``llama-cpp:ARG``: a family (``llama-bpe``, ``qwen2``…), a subject of
    ``FAMILIES`` (``llama3``) or a path to a ``.gguf`` file.

    Raises:
        BackendUnavailable: llama-cpp-python is not built here, or no such vocab file.
    """
    try:
        import llama_cpp
    except ImportError:
        raise BackendUnavailable("llama-cpp-python is not installed: `make llama-cpp` builds it once "
                                 "(about 16 min on 2 cores; cached outside the repository)") from None
    family = FAMILIES.get(arg, arg)
    path = Path(arg) if arg.endswith(".gguf") else vocab_dir() / f"ggml-vocab-{family}.gguf"
    if not path.is_file():
        known = sorted(p.name[len("ggml-vocab-"):-len(".gguf")] for p in vocab_dir().glob("ggml-vocab-*.gguf"))
        raise BackendUnavailable(f"no llama.cpp vocab {path} (`make llama-cpp` unpacks them); families here: "
                                 f"{', '.join(known) or 'none'}")
    try:
        llm = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
    except Exception as exc:  # noqa: BLE001 - a file llama.cpp refuses is a configuration error
        raise BackendUnavailable(f"llama.cpp cannot load {path}: {exc}") from exc
    return LlamaCppBackend(llm, getattr(llama_cpp, "__version__", "?"))
