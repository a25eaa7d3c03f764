"""tiktoken adapter: ``tiktoken:cl100k_base``, ``tiktoken:o200k_base``, ``tiktoken:tekken``,
``tiktoken:claude`` (built from the npm package's ``claude.json``, see tokfuzz.backends.ranks),
``tiktoken:path/x.tiktoken``.

``encode`` is ``Encoding.encode(text)`` with tiktoken's defaults, so text that spells a
special token (``<|endoftext|>``) raises ``ValueError`` as it does for every tiktoken
user; that is reported as a finding, not hidden.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tokfuzz.backends import models, ranks
from tokfuzz.backends.base import BackendUnavailable

__all__ = ["TiktokenBackend", "load"]


class TiktokenBackend:
    """A ``tiktoken.Encoding`` behind the Backend protocol (DESIGN §2)."""

    def __init__(self, encoding: Any, name: str = "tiktoken") -> None:
        self.name = name
        self._enc = encoding
        self.vocab_size: int = encoding.n_vocab
        self.pattern: str = encoding._pat_str  # the pattern the model declares
        self.version = models.library_version("tiktoken")
        #: ``Encoding.special_tokens_set``, each with ``encode_single_token``'s id
        self.special_tokens: dict[str, int] = {s: encoding.encode_single_token(s) for s in sorted(encoding.special_tokens_set)}
        #: tiktoken's own ``encode_batch`` calls ``encode`` from a ThreadPoolExecutor on one Encoding
        self.thread_safe = True

    def encode(self, text: str) -> list[int]:
        """Ids of ``text`` via ``Encoding.encode`` (raises on special-token text)."""
        return self._enc.encode(text)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """``Encoding.encode_batch`` (tiktoken's thread pool)."""
        return self._enc.encode_batch(texts)

    def decode(self, ids: Sequence[int]) -> str:
        """``Encoding.decode`` (partial UTF-8 becomes U+FFFD, tiktoken's default)."""
        return self._enc.decode(list(ids))

    def decode_bytes(self, ids: Sequence[int]) -> bytes:
        """Raw bytes of ``ids``."""
        return self._enc.decode_bytes(list(ids))

    def token_bytes(self, token: int) -> bytes:
        """Bytes of one token."""
        return self._enc.decode_single_token_bytes(token)


def _tekken_encoding(subject: str) -> Any:
    """tekken loaded into tiktoken as a port would: ranks shifted by the number of
    special tokens (mistral-common's id layout) and the special tokens registered."""
    import tiktoken

    data = json.loads(models.tekken_path(subject).read_text(encoding="utf-8"))
    config = data["config"]
    n_special: int = config["default_num_special_tokens"]
    inner = config["default_vocab_size"] - n_special
    ranks = {base64.b64decode(v["token_bytes"]): i + n_special for i, v in enumerate(data["vocab"][:inner])}
    specials = _tekken_special_tokens(data, n_special)
    return tiktoken.Encoding(name=subject, pat_str=config["pattern"], mergeable_ranks=ranks, special_tokens=specials)


def _tekken_special_tokens(data: dict[str, Any], n_special: int) -> dict[str, int]:
    entries = data.get("special_tokens")
    if entries is None:
        from mistral_common.tokens.tokenizers.tekken import Tekkenizer

        entries = list(Tekkenizer.DEPRECATED_SPECIAL_TOKENS)
    names = {int(e["rank"]): str(getattr(e["token_str"], "value", e["token_str"])) for e in entries}
    return {names.get(i, f"<SPECIAL_{i}>"): i for i in range(n_special)}


def load(arg: str) -> TiktokenBackend:
    """Backend for spec ``tiktoken:ARG``. Raises BackendUnavailable with a one-line reason."""
    try:
        import tiktoken
    except ImportError as exc:
        raise BackendUnavailable(f"tiktoken is not installed: pip install tiktoken ({exc})") from exc
    if arg in models.OPENAI_ENCODINGS:
        return TiktokenBackend(tiktoken.Encoding(**models.openai_encoding_params(arg)))
    if arg in models.TEKKEN_MODELS:
        return TiktokenBackend(_tekken_encoding(arg))
    if arg == "claude":  # as the npm package builds it: Tiktoken(bpe_ranks, special_tokens, pat_str)
        return TiktokenBackend(tiktoken.Encoding(**ranks.claude_encoding_params()))
    path = Path(arg)
    if path.suffix == ".tiktoken":
        if not path.is_file():
            raise BackendUnavailable(f"tiktoken file {path} does not exist")
        from tiktoken.load import load_tiktoken_bpe

        pattern = models.openai_encoding_params("cl100k_base")["pat_str"]
        return TiktokenBackend(tiktoken.Encoding(path.stem, pat_str=pattern, mergeable_ranks=load_tiktoken_bpe(str(path)), special_tokens={}))
    known = ", ".join([*models.OPENAI_ENCODINGS, *models.TEKKEN_MODELS, "claude"])
    raise BackendUnavailable(f"tiktoken cannot load {arg!r}: use one of {known} or a path ending in .tiktoken")
