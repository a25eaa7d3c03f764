"""Root causes: the suspect library, kind and character families, grouping across
subjects and properties, set names over proposals; and the committed corpus has one on
every open class."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tokfuzz.findings.corpus import Case, Corpus, case_id
from tokfuzz.findings.rootcause import character_family, kind_family, propose, root_cause_of, root_causes, suspect

REPO = Path(__file__).resolve().parents[2]


def _case(text: str, *, subject: str = "cl100k_base", prop: str = "roundtrip", backends: tuple[str, ...] = ("hf",),
          kind: str = "encode-raises:TypeError", shape: str = "Cs", status: str = "open", root_cause: str = "",
          observed: dict[str, Any] | None = None) -> Case:
    return Case(id=case_id(prop, subject, text, (*backends, kind)), input=text, property=prop, subject=subject,
                backends=backends, signature=f"{prop}|{subject}|{','.join(backends)}|{kind}|{shape}",
                status=status, note="", found_by="test", found_at="2026-01-01T00:00:00+00:00",  # type: ignore[arg-type]
                versions={}, observed=observed if observed is not None else {}, root_cause=root_cause)


@pytest.mark.parametrize(("shape", "family"), [
    ("L:Latn Cs", "lone-surrogate"),
    ("Cn:unicode-14.0.0-vs-17.0", "unassigned"),
    ("sp N:ascii", "whitespace"),
    ("L:Latn N:ascii", "digits"),
    ("L:Han ZWJ So", "emoji"),
    ("bytes N:ascii", "byte-fallback"),
    ("L:Cyrl L:Latn", "letters"),
    ("P:ascii L:Latn", "punctuation"),
    ("Cc P:ascii", "control"),
    ("empty", "empty"),
    ("tail-FFFD", "tail-fffd"),
])
def test_character_family_takes_the_most_telling_class(shape: str, family: str) -> None:
    assert character_family(shape) == family


def test_kind_family_folds_where_a_failure_showed() -> None:
    assert kind_family("vllm-tgi:raises:ValueError") == "decode-raises:ValueError"
    assert kind_family("DecodeStream:raises:Exception") == "decode-raises:Exception"
    assert kind_family("scaled-decode-raises:ValueError") == "decode-raises:ValueError"
    assert kind_family("vllm-tgi:dropped") == "vllm-tgi:dropped"
    assert kind_family("ids-differ") == "ids-differ"


def test_suspect_is_the_backend_after_the_reference() -> None:
    assert suspect(_case("a", prop="cross_backend", backends=("tiktoken", "tokie"), kind="ids-differ")) == "tokie"
    assert suspect(_case("a", prop="cross_backend", backends=("hf", "tiktoken"), kind="ids-differ")) == "hf"
    assert suspect(_case("a", subject="mistral-v1", prop="cross_backend", backends=("hf", "spm"))) == "hf"
    assert suspect(_case("a", subject="custom", backends=("x", "y"))) == "y"
    assert suspect(_case("a")) == "hf"


def test_one_cause_across_subjects_and_properties() -> None:
    hf = [_case("\ud800", subject=s) for s in ("cl100k_base", "tekken", "mistral-v1")]
    stream = _case("a", prop="streaming_decode", backends=("tokie",), kind="vllm-tgi:raises:ValueError", shape="at-multibyte")
    vocab = _case("\ufffd", prop="vocab", backends=("tokie",), kind="decode-raises:ValueError", shape="So",
                  observed={"class": "partial-utf8"})
    causes = {r.name: r for r in root_causes([*hf, stream, vocab])}
    assert set(causes) == {"hf/encode-raises:TypeError/lone-surrogate", "tokie/decode-raises:ValueError/partial-utf8"}
    surrogate = causes["hf/encode-raises:TypeError/lone-surrogate"]
    assert surrogate.subjects == ("cl100k_base", "mistral-v1", "tekken") and len(surrogate.classes) == 3
    assert surrogate.proposed and surrogate.suspect == "hf" and surrogate.statuses == {"open": 3, "expected": 0, "fixed": 0}
    assert causes["tokie/decode-raises:ValueError/partial-utf8"].properties == ("streaming_decode", "vocab")


def test_a_name_set_by_triage_wins_over_the_proposal() -> None:
    named = _case("\ud800", root_cause="hf-pyo3-str")
    plain = _case("\udc00", subject="tekken")
    assert root_cause_of([plain]) == (propose(plain), True)
    assert root_cause_of([plain.replace(id="x"), named]) == ("hf-pyo3-str", False)
    causes = root_causes([named, plain.replace(root_cause="hf-pyo3-str")])
    assert [(r.name, r.proposed, len(r.classes)) for r in causes] == [("hf-pyo3-str", False, 2)]
    with pytest.raises(ValueError):
        root_cause_of([])


def test_every_open_class_of_the_committed_corpus_has_a_root_cause_set() -> None:
    cases = Corpus(REPO / "corpora").load()
    classes: dict[tuple[str, str], list[Case]] = {}
    for case in cases:
        classes.setdefault((case.subject, case.signature), []).append(case)
    missing = [key for key, members in classes.items()
               if any(c.status == "open" for c in members) and not all(c.root_cause for c in members)]
    assert missing == []
    causes = root_causes(cases)
    assert len([r for r in causes if r.statuses["open"]]) < len([k for k, m in classes.items() if any(c.status == "open" for c in m)])
