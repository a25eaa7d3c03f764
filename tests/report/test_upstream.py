"""Upstream issue text (tokfuzz.report.upstream): a real root cause from the committed
corpus (HF tokenizers raising TypeError on a lone surrogate), the choice of the case
shown, and Markdown safety for witnesses holding backticks, NUL, lone surrogates and
bidi controls."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tokfuzz.findings.corpus import Case, Corpus, case_id
from tokfuzz.report.data import Loaded
from tokfuzz.report.upstream import representative, upstream_issue

REPO = Path(__file__).resolve().parents[2]
ROOT = "hf/encode-raises:TypeError/lone-surrogate"


def _case(text: str, *, subject: str = "cl100k_base", prop: str = "cross_backend", backends: tuple[str, ...] = ("tiktoken", "hf"),
          kind: str = "ids-differ", shape: str = "L:Latn", status: str = "open", observed: dict[str, Any] | None = None,
          note: str = "why", versions: dict[str, str] | None = None) -> Case:
    return Case(id=case_id(prop, subject, text, (*backends, kind)), input=text, property=prop, subject=subject,
                backends=backends, signature=f"{prop}|{subject}|{','.join(backends)}|{kind}|{shape}",
                status=status, note=note, found_by="hypothesis:test", found_at="2025-01-01T00:00:00+00:00",  # type: ignore[arg-type]
                versions=versions if versions is not None else {"tiktoken": "0.14.0", "tokenizers": "0.23.3"},
                observed=observed if observed is not None else {b: [1, 2] for b in backends})


@pytest.fixture(scope="module")
def hf_surrogate() -> list[Case]:
    """Every open committed case of the signature ``roundtrip|*|hf|encode-raises:TypeError|*``."""
    cases = [c for c in Corpus(REPO / "corpora").load()
             if re.fullmatch(r"roundtrip\|[^|]+\|hf\|encode-raises:TypeError\|.*", c.signature) and c.status == "open"]
    if len(cases) < 2:
        pytest.skip("the committed corpus no longer holds HF's lone-surrogate TypeError")
    return cases


def _fenced(text: str, lang: str) -> list[str]:
    """Contents of the fenced blocks opened with ``lang`` (any fence length)."""
    return [m.group(2) for m in re.finditer(rf"^(`{{3,}}){lang}\n(.*?)\n\1$", text, re.S | re.M)]


def test_the_hf_lone_surrogate_issue(hf_surrogate: list[Case]) -> None:
    text = upstream_issue(hf_surrogate, ROOT, "hf")
    rep = representative(hf_surrogate, "hf")
    version = rep.versions["tokenizers"]
    assert text.splitlines()[0] == f"# `tokenizers` {version}: encode raises TypeError on a lone surrogate (U+D800..U+DFFF)"
    assert f"| `tokenizers` | {version} |" in text and f"| `transformers` | {rep.versions['transformers']} |" in text
    assert "| Python |" in text and "| OS |" in text
    # the witness: a Python literal, a JSON literal, its code point
    assert f"`{ascii(rep.input)}`" in text and f"U+{ord(rep.input):04X}" in text and "Cs" in text
    assert f"\\<surrogate-{ord(rep.input):04X}\\>" in text
    # expected vs actual
    assert "**Expected:**" in text and "**Actual:** `encode` raises `TypeError`." in text
    assert "TypeError: TextInputSequence must be str" in text
    # the reproducer: standalone, converting the model as transformers' users do
    (code,) = _fenced(text, "python")
    assert "tokfuzz" not in code.lower() and ".cache" not in code
    assert f"TEXT = {ascii(rep.input)}" in code and "Tokenizer.from_file(path)" in code
    (install,) = _fenced(text, "sh")
    assert install.startswith(f"pip install tokenizers=={version} transformers==")
    # the breadth: every class, the shown one marked
    for case in hf_surrogate:
        assert f"| {case.subject} | roundtrip |" in text
    assert text.count("(shown above)") == 1
    text.encode("utf-8")  # strict: no lone surrogate left


def test_the_representative_is_open_then_shortest_then_in_subject_order() -> None:
    long_open = _case("abc", subject="cl100k_base")
    short_expected = _case("a", subject="cl100k_base", status="expected")
    short_tekken = _case("b", subject="tekken")
    short_cl100k = _case("c", subject="cl100k_base", shape="L:Grek")
    other_backend = _case("d", subject="cl100k_base", backends=("spm",), shape="x")
    cases = [long_open, short_expected, short_tekken, short_cl100k, other_backend]
    assert representative(cases, "hf") == short_cl100k
    assert representative([short_expected, long_open], "hf") == long_open
    assert representative([other_backend], "hf") == other_backend  # no case involves it: any case
    with pytest.raises(ValueError):
        representative([], "hf")


class _Vocab:
    """A fake backend: fixed pieces per id."""

    def __init__(self, name: str, vocab: dict[int, bytes]) -> None:
        self.name, self.vocab = name, vocab

    def encode(self, text: str) -> list[int]:
        raise NotImplementedError

    def decode(self, ids: Sequence[int]) -> str:
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", "replace")

    def token_bytes(self, token: int) -> bytes:
        return self.vocab[token]


def test_cross_backend_shows_expected_and_actual_pieces_and_the_reference_program() -> None:
    case = _case("ab", observed={"tiktoken": [1], "hf": [2, 3]})
    loaded = Loaded({"tiktoken": _Vocab("tiktoken", {1: b"ab"}), "hf": _Vocab("hf", {2: b"a", 3: b"b"})})
    text = upstream_issue([case], "hf/ids-differ/letters", "hf", lambda subject: loaded)
    assert text.splitlines()[0] == "# `tokenizers` 0.23.3: ids differ from `tiktoken` on letters (cl100k_base)"
    assert "| expected | `tiktoken` (tiktoken 0.14.0) | `[1]` | **`ab`** |" in text
    assert "| actual | `hf` (tokenizers 0.23.3) | `[2, 3]` | **`a`** **`b`** |" in text
    codes = _fenced(text, "python")
    assert len(codes) == 2 and "tiktoken.get_encoding('cl100k_base')" in codes[1]  # the reference's, collapsed
    assert all("tokfuzz" not in c for c in codes)


def test_a_vocab_case_decodes_its_ids_and_a_plugin_gets_the_replay_command() -> None:
    vocab = _case("<id -1: negative>", prop="vocab", backends=("bpe-openai",), kind="bad-id-wraps",
                  observed={"bpe-openai": "a<|endofprompt|>b", "call": "decode", "class": "negative", "id": -1,
                            "ids": "[64, -1, 65]"}, versions={"bpe-openai": "0.1.4"})
    text = upstream_issue([vocab], "bpe-openai/bad-id-wraps/negative", "bpe-openai")
    assert text.splitlines()[0] == "# `bpe-openai` 0.1.4: decode wraps a negative id"
    (code,) = _fenced(text, "python")
    assert "ids = [64, -1, 65]" in code and "bpe_openai.get_encoding('cl100k_base')" in code
    plugin = _case("x", subject="custom", backends=("mine",), prop="roundtrip", kind="lost", observed={"mine": [1], "decoded": ""})
    text = upstream_issue([plugin], "mine/lost/letters", "mine")
    assert "no standalone reproducer" in text and "tokfuzz replay --subject custom" in text
    assert text.splitlines()[0].startswith("# `mine` ")


NASTY = "a`b``\x00\ud800\u202e|*_<x>&\n```"


def test_markdown_is_safe_for_any_witness_note_and_error() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    case = _case(NASTY, prop="roundtrip", backends=("hf",), kind="encode-raises:TypeError", shape="L:Latn Cs",
                 note="note with `ticks`, | pipes |, <script>x</script>, NUL \x00, RLO \u202e and \ud800",
                 observed={"hf": {"error": "TypeError: bad `x` | \u202e \ud800"}})
    pair = _case(NASTY + "!", observed={"tiktoken": [1], "hf": [2]})
    loaded = Loaded({"tiktoken": _Vocab("tiktoken", {1: NASTY.encode("utf-8", "replace")}), "hf": _Vocab("hf", {2: b"`|"})})
    text = upstream_issue([case, pair], "hf/mixed", "hf", lambda subject: loaded)
    text.encode("utf-8")  # strict: no lone surrogate
    assert not [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs") and c != "\n"], "invisible characters leaked"
    assert "<script>" not in text
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text)
    # the witness comes through as one code span holding its exact ascii() literal
    spans = [child.content for t in tokens if t.type == "inline" for child in (t.children or []) if child.type == "code_inline"]
    assert ascii(case.input) in spans
    # the reproducer is one fenced block whose content is the program, exactly
    fences = [t for t in tokens if t.type == "fence" and t.info == "python"]
    assert len(fences) == 1 and "TEXT = " + ascii(case.input) in fences[0].content
    # tables keep their columns: every row of the code point table has 5 cells
    rows = [line for line in text.splitlines() if re.match(r"\| \d+ \| U\+", line)]
    assert len(rows) == len(case.input)
    for line in rows:
        assert len(re.split(r"(?<!\\)\|", line)) == 7, line


def test_an_empty_root_cause_is_an_error() -> None:
    with pytest.raises(ValueError):
        upstream_issue([], "x", "hf")
