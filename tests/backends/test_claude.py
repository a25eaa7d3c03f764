"""Subject claude: the legacy Claude tokenizer, from the npm package's claude.json (tiktoken)
and the anthropic SDK's tokenizer.json (HF), offline."""

from __future__ import annotations

import base64
import json

import pytest

from tokfuzz import load_backend
from tokfuzz.backends import models, ranks
from tokfuzz.backends.base import BackendUnavailable
from tokfuzz.backends.hf import _byte_decoder

ASCII = "Hello world, this is clean text 123.\n\tdef f(x): return x ** 2  # ok"


def _has_claude_json() -> bool:
    try:
        ranks.claude_json_path()
    except BackendUnavailable:
        return False
    return True


needs_npm = pytest.mark.skipif(not _has_claude_json(), reason="node_modules/@anthropic-ai/tokenizer is not installed (make install runs npm ci)")


@needs_npm
def test_claude_json_and_the_sdk_tokenizer_json_are_one_model() -> None:
    """Every rank of the npm claude.json is the id of the same bytes in the SDK's vocab,
    and the special tokens are the SDK's added tokens: one model, two formats."""
    params = ranks.claude_encoding_params()
    sdk = json.loads(models.anthropic_tokenizer_json().read_text(encoding="utf-8"))
    to_bytes = _byte_decoder()
    vocab = {bytes(to_bytes[c] for c in piece): i for piece, i in sdk["model"]["vocab"].items() if i >= 5}
    assert vocab == params["mergeable_ranks"]
    assert {t["content"]: t["id"] for t in sdk["added_tokens"]} == params["special_tokens"]
    assert len(params["mergeable_ranks"]) + len(params["special_tokens"]) == 65000


@needs_npm
def test_reference_ids_and_lossless_ascii_roundtrip(subject) -> None:
    s = subject("claude")
    assert list(s.backends)[0] == "tiktoken"
    ref = s.backends["tiktoken"]
    ids = ref.encode(ASCII)
    # the bytes of the ids are the text, token by token (ranks decoded from the npm file)
    assert b"".join(ref.token_bytes(i) for i in ids) == ASCII.encode()
    for backend in s.backends.values():
        assert backend.encode(ASCII) == ids, backend.name
        assert backend.decode(ids) == ASCII, backend.name


@needs_npm
def test_known_words_have_the_ranks_of_the_npm_file(subject) -> None:
    params = ranks.claude_encoding_params()
    ref = subject("claude").backends["tiktoken"]
    expected = [params["mergeable_ranks"][w] for w in (b"hello", b" world")]
    assert ref.encode("hello world") == expected
    assert subject("claude").backends["hf"].encode("hello world") == expected


@needs_npm
def test_defaults_differ_on_special_tokens_and_nfkc(subject) -> None:
    """What each library does by default (reported by the campaign, never repaired):
    tiktoken raises on '<EOT>' and does not normalize; the SDK's tokenizer.json matches
    '<EOT>' as control id 0 and applies NFKC ('ﬁ' -> 'fi')."""
    s = subject("claude")
    with pytest.raises(ValueError, match="disallowed special token"):
        s.backends["tiktoken"].encode("a <EOT>")
    assert s.backends["hf"].encode("a <EOT>")[-1] == 0
    assert s.backends["hf"].normalize("ﬁ") == "fi"
    assert s.backends["hf"].encode("ﬁ") == s.backends["tiktoken"].encode("fi")
    assert s.backends["tiktoken"].encode("ﬁ") != s.backends["tiktoken"].encode("fi")


def test_without_node_modules_the_tiktoken_backend_is_one_line_unavailable(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TOKFUZZ_NODE_MODULES", str(tmp_path))
    with pytest.raises(BackendUnavailable) as info:
        load_backend("tiktoken:claude")
    assert "claude.json" in str(info.value) and "npm ci" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_broken_claude_json_is_one_line_unavailable(tmp_path, monkeypatch) -> None:
    package, name = ranks.CLAUDE_NPM
    (tmp_path / package).mkdir(parents=True)
    (tmp_path / package / name).write_text('{"pat_str": "x"}', encoding="utf-8")
    monkeypatch.setenv("TOKFUZZ_NODE_MODULES", str(tmp_path))
    with pytest.raises(BackendUnavailable, match="is not a tiktoken claude.json") as info:
        load_backend("tiktoken:claude")
    assert "\n" not in str(info.value)


def test_claude_bpe_ranks_format_is_read_as_the_js_ports_read_it(tmp_path, monkeypatch) -> None:
    """``bpe_ranks`` lines are '<first token> <first rank> <base64>…'; ranks run on from
    the offset of their line."""
    package, name = ranks.CLAUDE_NPM
    (tmp_path / package).mkdir(parents=True)
    b64 = [base64.b64encode(t).decode() for t in (b"a", b"b", b"ab")]
    data = {"pat_str": r"\w+|\s+", "special_tokens": {"<EOT>": 0}, "explicit_n_vocab": 1,
            "bpe_ranks": f"a 1 {b64[0]} {b64[1]}\nab 3 {b64[2]}\n"}

    (tmp_path / package / name).write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setenv("TOKFUZZ_NODE_MODULES", str(tmp_path))
    params = ranks.claude_encoding_params()
    assert params["mergeable_ranks"] == {b"a": 1, b"b": 2, b"ab": 3}
    assert params["special_tokens"] == {"<EOT>": 0} and params["pat_str"] == r"\w+|\s+"
