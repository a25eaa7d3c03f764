"""The ``transformers:DIR`` backend on real model directories, made offline from the
models tokfuzz embeds: ``save_pretrained`` of the HF conversion tokfuzz caches, and a
directory holding only a SentencePiece ``tokenizer.model`` that transformers converts
on load. Its ids must be those of the ``hf:`` backend of the same subject."""

from __future__ import annotations

import itertools
import json
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tokfuzz.backends import models
from tokfuzz.backends.base import Backend, BackendUnavailable, check_contract, text_bytes
from tokfuzz.backends.registry import KINDS, load_backend
from tokfuzz.backends.subjects import Subject
from tokfuzz.backends.transformers import TransformersBackend
from tokfuzz.inputs.seeds import seed_inputs
from tokfuzz.strategies import unicode_text

SEEDS = list(itertools.islice(seed_inputs(), 0, None, 8))  # ~290 spread over every kind of seed
EDGES = ["hello <s> [INST] world </s>", "<|endoftext|> x", "<|fim_prefix|>", " leading", "  two  spaces ",
         "tab\tnew\nline\r\n", "a\u0301 e\u0301", "ﬁ ＡＢＣ", "\u200d", "x\x00y", "\ud800x", "\udfff"]


def _saved_pretrained(root: Path, subject: str, tokenizer_class: str | None = None) -> Path:
    """``PreTrainedTokenizerFast(tokenizer_file=...).save_pretrained(root)`` of the HF
    conversion of ``subject`` that tokfuzz caches (``models.hf_json``)."""
    from transformers import PreTrainedTokenizerFast

    PreTrainedTokenizerFast(tokenizer_file=str(models.hf_json(subject))).save_pretrained(str(root))
    if tokenizer_class is not None:
        config = json.loads((root / "tokenizer_config.json").read_text(encoding="utf-8"))
        (root / "tokenizer_config.json").write_text(json.dumps({**config, "tokenizer_class": tokenizer_class}),
                                                    encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """subject -> a model directory: cl100k_base and mistral-v3 saved with
    ``save_pretrained`` (mistral-v3 as a ``LlamaTokenizerFast``), mistral-v1 as a
    directory holding only ``tokenizer.model`` and ``tokenizer_class: LlamaTokenizer``."""
    spm_only = tmp_path_factory.mktemp("mistral-v1")
    shutil.copyfile(models.spm_model_path("mistral-v1"), spm_only / "tokenizer.model")
    (spm_only / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "LlamaTokenizer"}), encoding="utf-8")
    return {
        "cl100k_base": _saved_pretrained(tmp_path_factory.mktemp("cl100k"), "cl100k_base"),
        "mistral-v3": _saved_pretrained(tmp_path_factory.mktemp("mistral-v3"), "mistral-v3", "LlamaTokenizerFast"),
        "mistral-v1": spm_only,
    }


@pytest.fixture(scope="module")
def pair(model_dirs: dict[str, Path]) -> Callable[[str], tuple[Backend, Backend]]:
    """``pair(subject)`` -> (its ``transformers:DIR`` backend, its ``hf:SUBJECT`` backend)."""
    loaded: dict[str, tuple[Backend, Backend]] = {}

    def get(subject: str) -> tuple[Backend, Backend]:
        if subject not in loaded:
            loaded[subject] = (load_backend(f"transformers:{model_dirs[subject]}"), load_backend(f"hf:{subject}"))
        return loaded[subject]

    return get


def _outcome(backend: Backend, text: str) -> list[int] | str:
    """The ids of ``text``, or the name of the exception encoding raised."""
    try:
        return backend.encode(text)
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        return type(exc).__name__


SUBJECTS = ("cl100k_base", "mistral-v3", "mistral-v1")


@pytest.mark.parametrize("subject", SUBJECTS)
def test_ids_agree_with_the_hf_backend_on_seeds(subject: str, pair: Callable[[str], tuple[Backend, Backend]]) -> None:
    tf, hf = pair(subject)
    differ = [(t, _outcome(tf, t), _outcome(hf, t)) for t in [*SEEDS, *EDGES] if _outcome(tf, t) != _outcome(hf, t)]
    assert len(SEEDS) + len(EDGES) > 250 and differ == []


@pytest.mark.parametrize("subject", SUBJECTS)
def test_ids_agree_with_the_hf_backend_on_generated_text(subject: str, pair: Callable[[str], tuple[Backend, Backend]]) -> None:
    tf, hf = pair(subject)

    @settings(max_examples=150, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(unicode_text())
    def agree(text: str) -> None:
        assert _outcome(tf, text) == _outcome(hf, text)

    agree()


def test_byte_level_token_bytes_are_exact(pair: Callable[[str], tuple[Backend, Backend]]) -> None:
    tf, hf = pair("cl100k_base")
    assert not hasattr(tf, "normalize") and tf.prefix_space is False  # type: ignore[attr-defined]
    for text in [*SEEDS, *EDGES[:-2]]:  # no lone surrogate: a byte-level BPE holds U+FFFD's bytes for it
        ids = tf.encode(text)
        assert b"".join(tf.token_bytes(i) for i in ids) == text_bytes(text), text  # type: ignore[attr-defined]
        assert [tf.token_bytes(i) for i in ids] == [hf.token_bytes(i) for i in ids]  # type: ignore[attr-defined]


@pytest.mark.parametrize("subject", ["mistral-v3", "mistral-v1"])
def test_byte_fallback_token_bytes_cover_the_text_after_the_prefix_space(subject: str, pair: Callable[[str], tuple[Backend, Backend]]) -> None:
    tf, _ = pair(subject)
    assert tf.prefix_space is True  # type: ignore[attr-defined]
    assert tf.token_bytes(tf.encode("\U0001f9ff")[-1]) == b"\xbf"  # type: ignore[attr-defined]  # <0xBF>: U+1F9FF's last byte
    for text in SEEDS:
        got = b"".join(tf.token_bytes(i) for i in tf.encode(text))  # type: ignore[attr-defined]
        assert got in (text_bytes(text), b" " + text_bytes(text)), text


def test_special_tokens_vocab_size_and_version(pair: Callable[[str], tuple[Backend, Backend]]) -> None:
    import transformers

    tf, hf = pair("cl100k_base")
    # the ids the converted tokenizer.json holds (transformers' tiktoken converter numbers
    # the specials from 100256 on; tiktoken's own are 100257.., <|endofprompt|> 100276)
    held = {t["content"]: t["id"] for t in json.loads(models.hf_json("cl100k_base").read_text(encoding="utf-8"))["added_tokens"]}
    assert tf.special_tokens == held and len(held) == 5  # type: ignore[attr-defined]
    assert all(tf.encode(token) == hf.encode(token) == [i] for token, i in held.items())
    assert tf.vocab_size == hf.vocab_size  # type: ignore[attr-defined]
    assert tf.version == transformers.__version__  # type: ignore[attr-defined]
    spm, _ = pair("mistral-v3")
    assert {"<unk>": 0, "<s>": 1, "</s>": 2, "[INST]": 3}.items() <= spm.special_tokens.items()  # type: ignore[attr-defined]


def test_library_defaults_are_kept(pair: Callable[[str], tuple[Backend, Backend]], model_dirs: dict[str, Path],
                                   tmp_path: Path) -> None:
    """encode adds no BOS/EOS though the tokenizer would; decode keeps special tokens
    (transformers' ``skip_special_tokens=False``) where ``hf:`` drops them (tokenizers'
    default True): the two backends of one model differ there, by the libraries' defaults."""
    tf, hf = pair("mistral-v3")
    ids = tf.encode("<s> x")
    assert ids[0] == 1 and ids == hf.encode("<s> x")
    assert tf.decode(ids) == "<s> x" and hf.decode(ids) == "x"
    bos = tmp_path / "adds-bos"  # a post-processor adding <s>, as Llama/Mistral repositories ship it
    shutil.copytree(model_dirs["mistral-v3"], bos)
    tokenizer = json.loads((bos / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer["post_processor"] = {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                   {"Sequence": {"id": "A", "type_id": 0}}], "pair": [{"Sequence": {"id": "A", "type_id": 0}}],
                                   "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}
    (bos / "tokenizer.json").write_text(json.dumps(tokenizer), encoding="utf-8")
    adds = load_backend(f"transformers:{bos}")
    assert adds._tok("hello")["input_ids"][0] == 1  # type: ignore[attr-defined]  # the library's default call adds <s>
    assert adds.encode("hello") == hf.encode("hello") and 1 not in adds.encode("hello")


def test_is_a_backend_and_a_registered_kind(pair: Callable[[str], tuple[Backend, Backend]]) -> None:
    tf, hf = pair("cl100k_base")
    assert "transformers" in KINDS and isinstance(tf, TransformersBackend) and tf.name == "transformers"
    check_contract(tf, "transformers:DIR")
    versions = Subject("mine", {"transformers": tf, "hf": hf}).versions["transformers"]
    assert set(versions) == {"transformers", "tokenizers"} and "absent" not in versions.values()


def test_loads_with_the_network_refused(model_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise OSError("network used")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert load_backend(f"transformers:{model_dirs['cl100k_base']}").encode("hi") == [6151]
    with pytest.raises(BackendUnavailable, match="tokenizer directory gpt2 does not exist"):
        load_backend("transformers:gpt2")  # a hub repo id is never looked up


def _bad_dirs(tmp: Path) -> dict[str, tuple[Path, str]]:
    (tmp / "empty").mkdir()
    (tmp / "file").write_text("x", encoding="utf-8")
    (tmp / "junk").mkdir()
    (tmp / "junk" / "tokenizer.json").write_text("{", encoding="utf-8")
    (tmp / "no-model").mkdir()
    (tmp / "no-model" / "tokenizer_config.json").write_text("{}", encoding="utf-8")
    return {
        "missing": (tmp / "nope", "does not exist"),
        "file": (tmp / "file", "is not a directory"),
        "empty": (tmp / "empty", "holds no file"),
        "junk": (tmp / "junk", "transformers cannot load a tokenizer from"),
        "no-model": (tmp / "no-model", "transformers cannot load a tokenizer from"),
    }


@pytest.mark.parametrize("case", ["missing", "file", "empty", "junk", "no-model"])
def test_a_directory_without_a_tokenizer_is_one_line(case: str, tmp_path: Path) -> None:
    path, needle = _bad_dirs(tmp_path)[case]
    with pytest.raises(BackendUnavailable) as info:
        load_backend(f"transformers:{path}")
    message = str(info.value)
    assert needle in message and str(path) in message and "\n" not in message


def test_no_token_bytes_where_pieces_are_not_bytes(tmp_path: Path) -> None:
    """A WordPiece model's pieces (``##s``) are not its bytes: no ``token_bytes``."""
    from tokenizers import Tokenizer, pre_tokenizers
    from tokenizers.models import WordPiece
    from transformers import PreTrainedTokenizerFast

    model = Tokenizer(WordPiece({"[UNK]": 0, "hello": 1, "##s": 2, "world": 3}, unk_token="[UNK]"))
    model.pre_tokenizer = pre_tokenizers.Whitespace()
    PreTrainedTokenizerFast(tokenizer_object=model, unk_token="[UNK]").save_pretrained(str(tmp_path))
    backend = load_backend(f"transformers:{tmp_path}")
    assert backend.encode("hellos world") == [1, 2, 3] and backend.encode("hi") == [0]
    assert not hasattr(backend, "token_bytes") and backend.special_tokens == {"[UNK]": 0}  # type: ignore[attr-defined]
