"""The cmd: protocol (tokfuzz-cmd/1) and the JavaScript ports driven through it.

Harness logic on two small ports (examples/cmd-port/chars.mjs, the documented
example, and tests/ports/hazard_port.mjs, which misbehaves on purpose), beside the
real npm ports compared with their Python references on the embedded subjects.
"""

from __future__ import annotations

import shutil
import sys
import unicodedata
from pathlib import Path

import pytest

from tokfuzz import load_backend
from tokfuzz.backends.base import BackendUnavailable
from tokfuzz.backends.cmd import NotTransmittable, PortError, ProcessDied
from tokfuzz.findings.triage import signature
from tokfuzz.oracles import Observation, Verdict, check, roundtrip

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

SENTENCES = ["hello world", "The cat sat on the mat.", "def f(x):\n    return x + 1\n", "naïve café", "  spaced  out  ",
             "emoji 👍🏽 and 🇫🇷", "日本語のテキスト", "0123456789 3.14159", "mixed Ελληνικά кириллица"]


@pytest.fixture(scope="module")
def chars():  # type: ignore[no-untyped-def]
    return load_backend(f"cmd:node {ROOT / 'examples/cmd-port/chars.mjs'}")


@pytest.fixture
def hazard():  # type: ignore[no-untyped-def]
    backend = load_backend(f"cmd:node {ROOT / 'tests/ports/hazard_port.mjs'}")
    backend.timeout = 1.0
    yield backend
    backend.close()


def test_handshake_names_the_port_and_its_unicode_version(chars) -> None:  # type: ignore[no-untyped-def]
    assert (chars.name, chars.library, chars.version) == ("chars-js", "example", "1.0")
    assert chars.members == ("encode", "decode")
    assert not hasattr(chars, "token_bytes") and not hasattr(chars, "special_tokens")
    assert chars.unicode_version.count(".") >= 1


@pytest.mark.parametrize("text", ["", "a\x00b", "lone \ud800 high", "lone \udfff low", "😀 astral", "\u2028\x85\ufeff"])
def test_nul_lone_surrogates_and_astral_characters_survive_the_trip(chars, text: str) -> None:  # type: ignore[no-untyped-def]
    ids = chars.encode(text)
    assert ids == list(memoryview(text.encode("utf-16-le", "surrogatepass")).cast("H"))  # the port saw these code units
    assert chars.decode(ids) == text
    assert chars.encode_batch([text, "x"]) == [ids, [ord("x")]]


def test_a_surrogate_pair_is_not_sent_and_no_property_applies(chars) -> None:  # type: ignore[no-untyped-def]
    text = "a\ud83d\ude00b"  # two code points in Python, one astral character in JSON and UTF-16
    with pytest.raises(NotTransmittable):
        chars.encode(text)
    assert roundtrip(Observation(text, {"chars-js": chars}), "chars-js") == []


def test_an_item_error_is_the_library_exception_and_the_port_goes_on(hazard) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PortError) as raised:
        hazard.encode("9")
    assert type(raised.value).__name__ == "TypeError" and "nines" in str(raised.value)
    assert hazard.encode("ab") == [97, 98]
    [v] = check(Observation("x9", {"hazard-js": hazard}), ("roundtrip",))
    assert v.kind == "encode-raises:TypeError"


@pytest.mark.parametrize(("text", "kind"), [("7", "crash:SIGSEGV"), ("8", "timeout"), ("exit", "crash:exit-3")])
def test_a_port_that_dies_or_hangs_is_a_finding_then_a_restart(hazard, text: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ProcessDied) as died:
        hazard.encode(text)
    assert died.value.finding_kind == kind
    assert hazard.encode("ok") == [111, 107]  # started again
    [v] = check(Observation(text, {"hazard-js": hazard}), ("roundtrip",))
    assert v.kind == kind


def test_prefetch_carries_the_same_calls_in_one_round_trip(hazard) -> None:  # type: ignore[no-untyped-def]
    texts = ["ab", "x9", "ab", "\ud800", "a\ud83d\ude00b"]  # a repeat, an item error, a lone surrogate, a pair
    requests: list[str] = []
    send = hazard._request
    hazard._request = lambda request: requests.append(request["op"]) or send(request)
    hazard.prefetch(texts)
    assert requests == ["encode", "decode"]  # one round trip each, for every text
    assert hazard.encode("ab") == [97, 98] and hazard.decode([97, 98]) == "ab"
    with pytest.raises(PortError, match="nines"):  # an item's error is raised at its own call
        hazard.encode("x9")
    assert hazard.encode("\ud800") == [0xD800]
    with pytest.raises(NotTransmittable):
        hazard.encode("a\ud83d\ude00b")
    assert requests == ["encode", "decode"]
    assert hazard.encode("ab") == [97, 98]  # an answer is used once: the second call asks the port
    assert requests == ["encode", "decode", "encode"]


@pytest.mark.parametrize("text", ["7", "8"])
def test_a_prefetch_the_port_dies_in_is_dropped_and_each_call_finds_it(hazard, text: str) -> None:  # type: ignore[no-untyped-def]
    hazard.prefetch(["ok", text])  # never raises
    assert hazard.encode("ok") == [111, 107]
    with pytest.raises(ProcessDied):
        hazard.encode(text)


def test_a_process_that_does_not_speak_the_protocol_is_one_line(tmp_path: Path) -> None:
    script = tmp_path / "mute.py"
    script.write_text("print('hello')\n")
    with pytest.raises(BackendUnavailable, match="handshake is not JSON|no handshake"):
        load_backend(f"cmd:{sys.executable} {script}")
    with pytest.raises(BackendUnavailable, match="cannot start"):
        load_backend("cmd:/nonexistent/port --flag")
    with pytest.raises(BackendUnavailable, match="needs a command line"):
        load_backend("cmd:   ")


def test_js_ports_say_why_when_node_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(BackendUnavailable, match="node is not installed"):
        load_backend("js:js-tiktoken:cl100k_base")
    with pytest.raises(BackendUnavailable, match="unknown JavaScript port"):
        load_backend("js:nosuch:cl100k_base")


def test_unicode_version_skew_is_one_class_per_backend_pair() -> None:
    unassigned = next(chr(c) for c in range(0x2FFFF, 0x10000, -1) if unicodedata.category(chr(c)) == "Cn")
    v = Verdict("cross_backend", ("js-port", "tiktoken"), "ids-differ", "")
    skewed = signature(v, "s", f"a{unassigned}", None, {"js-port": "17.0"})
    assert skewed.endswith(f"|Cn:unicode-{unicodedata.unidata_version}-vs-17.0")
    assert signature(v, "s", f"{unassigned} b", None, {"js-port": "17.0"}) == skewed  # neighbours do not matter
    assert signature(v, "s", f"a{unassigned}", None, {}) != skewed  # no declared skew: the ordinary shape
    assert signature(v, "s", "ab", None, {"js-port": "17.0"}).endswith("|L:Latn")


@pytest.mark.parametrize("port", ["js-tiktoken", "gpt-tokenizer", "tiktoken-wasm"])
@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_npm_tiktoken_ports_agree_with_tiktoken_on_clean_text(subject, port: str, encoding: str) -> None:  # type: ignore[no-untyped-def]
    reference = subject(encoding).backends["tiktoken"]
    js = load_backend(f"js:{port}:{encoding}")
    for text in SENTENCES:
        assert js.encode(text) == reference.encode(text), text
        assert js.decode(reference.encode(text)) == text


def test_transformers_js_loads_the_converted_tokenizer_json(subject) -> None:  # type: ignore[no-untyped-def]
    backends = subject("cl100k_base").backends
    assert "tokenizers-js" in backends
    for text in SENTENCES:
        assert backends["tokenizers-js"].encode(text) == backends["hf"].encode(text), text
    assert backends["tokenizers-js"].special_tokens["<|endoftext|>"] == backends["hf"].encode("<|endoftext|>")[0]


def test_mistral_tokenizer_js_agrees_with_sentencepiece_on_clean_text(subject) -> None:  # type: ignore[no-untyped-def]
    backends = subject("mistral-v1").backends
    for text in ("hello world", "The cat sat on the mat.", "naïve café"):
        assert backends["mistral-tokenizer-js"].encode(text) == backends["spm"].encode(text), text
