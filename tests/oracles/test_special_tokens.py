"""The special_tokens oracle: planted faults (harness logic) and the real classes it must report."""

from __future__ import annotations

from collections.abc import Sequence

from tests.fakes import Chars, observation
from tokfuzz.findings.minimize import minimize
from tokfuzz.findings.triage import signature
from tokfuzz.oracles import Observation, check
from tokfuzz.oracles.special_tokens import special_agreement, special_injection
from tokfuzz.strategies import near_misses

EOT = 1_000_000  # beyond every code point, so Chars never emits it by itself


class Specials(Chars):
    """A character tokenizer that declares ``<|endoftext|>`` as a control token but
    treats its text as ordinary characters (the correct default)."""

    name = "specials"
    special_tokens = {"<|endoftext|>": EOT}

    def decode(self, ids: Sequence[int]) -> str:
        return "".join("<|endoftext|>" if i == EOT else chr(i) for i in ids)


class Injects(Specials):
    """Planted fault: maps the text ``<|endoftext|>`` (and its NFKC full-width form) to
    the control id, as HF ``tokenizers`` does with every added token."""

    name = "injects"

    def encode(self, text: str) -> list[int]:
        out: list[int] = []
        for part in text.replace("\uff1c\uff5cendoftext\uff5c\uff1e", "<|endoftext|>").split("<|endoftext|>"):
            out.extend(ord(c) for c in part)
            out.append(EOT)
        return out[:-1]


class Renumbers(Specials):
    """Planted fault: holds ``<|endoftext|>`` one id lower (a converted file's numbering)."""

    name = "renumbers"
    special_tokens = {"<|endoftext|>": EOT - 1}


class Undeclared(Injects):
    """Injects, but declares no table: held to the subject's."""

    name = "undeclared"
    special_tokens = None  # type: ignore[assignment]


def test_injection_of_a_spelled_control_token_is_reported() -> None:
    [v] = special_injection(observation("a<|endoftext|>b", Specials(), Injects()), "injects")
    assert (v.property, v.backends, v.kind) == ("special_tokens", ("injects",), "injection")
    assert v.observed["special"] == {"<|endoftext|>": EOT}
    assert "'<|endoftext|>' -> 1000000" in v.detail


def test_the_class_shape_is_how_the_text_spells_the_token_not_which_token() -> None:
    class InjectsTwo(Injects):
        special_tokens = {"<|endoftext|>": EOT, "<s>": EOT + 1}

        def encode(self, text: str) -> list[int]:
            return [EOT + 1 if i == ord("\x00") else i for i in super().encode(text.replace("<s>", "\x00"))]

    eot, bos = (special_injection(observation(t, InjectsTwo()), "injects") for t in ("<|endoftext|>", "<s>"))
    assert [v.shape for v in eot + bos] == ["as-is", "as-is"]
    assert signature(eot[0], "s", "<|endoftext|>") == signature(bos[0], "s", "<s>") == "special_tokens|s|injects|injection|as-is"
    [folded] = special_injection(observation("\uff1c\uff5cendoftext\uff5c\uff1e", Injects()), "injects")
    assert folded.shape == "nfkc"


def test_a_control_id_under_another_number_is_one_class_whatever_the_token() -> None:
    class TwoSpecials(Specials):
        special_tokens = {"<|endoftext|>": EOT, "<|fim|>": EOT - 1}

    class Renumbered(Undeclared):
        """Planted fault: injects ``<|endoftext|>`` under the subject's id of ``<|fim|>``."""

        def encode(self, text: str) -> list[int]:
            return [EOT - 1 if i == EOT else i for i in super().encode(text)]

    [v] = special_injection(observation("<|endoftext|>", TwoSpecials(), Renumbered()), "undeclared")
    assert (v.kind, v.shape, v.observed["special"]) == ("control-id", "spells-another", {"<|fim|>": EOT - 1})
    class Maps(Chars):
        """Planted fault: every character becomes the ``<|fim|>`` id."""

        name = "maps"

        def encode(self, text: str) -> list[int]:
            return [EOT - 1 for _ in text]

    [plain] = special_injection(observation("\x00", TwoSpecials(), Maps()), "maps")
    assert (plain.kind, plain.shape) == ("control-id", None)  # no special token spelled: the witness's shape


def test_a_backend_that_keeps_the_text_ordinary_passes() -> None:
    assert special_injection(observation("a<|endoftext|>b", Specials()), "specials") == []
    assert special_injection(observation("plain text", Injects()), "injects") == []


def test_a_backend_without_a_table_is_held_to_the_subjects() -> None:
    obs = observation("<|endoftext|>", Specials(), Undeclared())
    [v] = special_injection(obs, "undeclared")
    assert v.kind == "injection"


def test_agreement_reports_a_renumbered_special_token_only_when_spelled() -> None:
    [v] = special_agreement(observation("x<|endoftext|>", Specials(), Renumbers()))
    assert (v.backends, v.kind) == (("renumbers", "specials"), "special-id-differs")
    assert v.observed == {"specials": {"<|endoftext|>": EOT}, "renumbers": {"<|endoftext|>": EOT - 1}}
    assert special_agreement(observation("x", Specials(), Renumbers())) == []


def test_injection_shrinks_to_the_token_itself() -> None:
    backends = {b.name: b for b in (Specials(), Injects())}

    def fails(text: str) -> bool:
        return any(v.kind == "injection" for v in check(Observation(text, backends), ("special_tokens",)))

    assert minimize("Hello \uff1c\uff5cendoftext\uff5c\uff1e world", fails) == "\uff1c\uff5cendoftext\uff5c\uff1e"
    assert minimize("Hello <|endoftext|> world", fails) == "<|endoftext|>"


def test_near_misses_never_spell_the_token() -> None:
    for token in ("<s>", "[INST]", "<|endoftext|>"):
        misses = near_misses(token)
        assert len(misses) >= 10 and token not in misses
        assert all(m != token for m in misses)


def test_real_hf_conversion_injects_mistral_control_tokens(subject) -> None:
    sub = subject("mistral-v3")
    verdicts = check(Observation("hello <s> [INST] world", sub.backends), ("special_tokens",))
    injected = {v.backends[0]: v.observed["special"] for v in verdicts if v.kind == "injection"}
    assert injected["hf"] == {"<s>": 1, "[INST]": 3}
    assert "spm" not in injected and "mistral-common" not in injected  # SentencePiece keeps the text ordinary


def test_real_converted_cl100k_renumbers_endoftext(subject) -> None:
    sub = subject("cl100k_base")
    verdicts = check(Observation("<|endoftext|>", sub.backends), ("special_tokens",))
    differs = {v.backends: v.observed for v in verdicts if v.kind == "special-id-differs"}
    assert differs[("hf", "tiktoken")] == {"tiktoken": {"<|endoftext|>": 100257}, "hf": {"<|endoftext|>": 100256}}
    assert not any(v.backends == ("tiktoken",) for v in verdicts)  # tiktoken refuses the text instead


def test_only_a_bracketed_unk_is_an_unknown_token() -> None:
    from tokfuzz.backends.base import is_unknown_token

    assert all(is_unknown_token(t) for t in ("<unk>", "[UNK]", "<|unk|>", "<unknown>", "▁<unk>"))
    assert not any(is_unknown_token(t) for t in ("<|chunk|>", "<|endoftext|>", "[PUNK]", "<s>"))
