"""Signatures group by property, backends, kind and the witness' shape."""

from __future__ import annotations

from tokfuzz.oracles import Verdict
from tokfuzz.findings.triage import codepoint_class, shape, signature


def test_codepoint_classes_cite_script_and_category() -> None:
    assert codepoint_class("a") == "L:Latn"
    assert codepoint_class("я") == "L:Cyrl"
    assert codepoint_class("٣") == "N:Arab"
    assert codepoint_class("7") == "N:ascii"
    assert codepoint_class("\u200d") == "ZWJ"
    assert codepoint_class("\u0301") == "M"
    assert codepoint_class("😀") == "So"
    assert codepoint_class("\ud800") == "Cs"


def test_shape_collapses_runs() -> None:
    assert shape("ab  12👍🏽") == "L:Latn sp N:ascii So Sk"
    assert shape("") == "empty"


def test_same_bug_different_letters_same_signature() -> None:
    v = Verdict("cross_backend", ("hf", "spm"), "ids-differ", "")
    assert signature(v, "mistral-v3", "a  b") == signature(v, "mistral-v3", "xy  zw")
    assert signature(v, "mistral-v3", "a  b") != signature(v, "mistral-v3", "a\u200db")
    assert signature(v, "mistral-v3", "a  b").startswith("cross_backend|mistral-v3|hf,spm|ids-differ|")


def test_out_of_vocabulary_characters_share_one_shape(subject) -> None:
    spm = subject("mistral-v3").backends["spm"]
    assert shape("ぁ", spm) == shape("⌚", spm) == shape("٥", spm) == "bytes"
    assert shape("a", spm) == "L:Latn"
    assert shape("ab  12", subject("cl100k_base").backends["tiktoken"]) == "L:Latn sp N:ascii"
