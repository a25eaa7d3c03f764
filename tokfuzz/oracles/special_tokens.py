"""The special_tokens property (DESIGN §4): user text never becomes a control id, and
every backend of a subject gives each special token the same id.

Serving stacks put user text between control tokens (``[INST] … [/INST]``,
``<|im_start|>user … <|im_end|>``). A tokenizer whose default encode turns a literal
``<s>`` or ``<|endoftext|>`` in user text into the control id lets the user forge that
structure: prompt injection through the tokenizer. HF ``tokenizers`` matches its added
tokens in any text (``encode(text, add_special_tokens=False)`` still does);
tiktoken's ``encode`` refuses such text with ``ValueError`` (``disallowed_special="all"``)
and SentencePiece encodes it as ordinary pieces. tokfuzz reports what the default does.

Verdict kinds:

* ``injection`` (backends ``(name,)``): the default ``encode`` of the input yields a
  special/control id whose string the input spells (as it is, or after NFKC: UAX #15);
* ``control-id`` (backends ``(name,)``): it yields a special/control id the input does
  not spell (a normalizer or a port mapped other text to it); an unknown-token id
  (``<unk>``, ``[UNK]``) for text the model cannot spell is not a finding;
* ``special-id-differs`` (a sorted pair): two backends hold a special-token string that
  the input spells under different ids;
* ``special-missing`` (a sorted pair): one backend holds such a string as special, the
  other declares a special-token table without it.

The class shape (``Verdict.shape``) of ``injection``, ``special-id-differs`` and
``special-missing`` is how the input spells the tokens: ``as-is``, or ``nfkc`` when one
is spelled only after NFKC (full-width ``＜s＞``). Which special token it is does not
make another class: a library matching its added tokens in user text matches them all.
``control-id`` has shape ``spells-another`` when the input spells some other special
token (a library holding the specials under other ids: tokie's cl100k ``<|fim_middle|>``),
else the witness's shape (which text a normalizer or a port maps to a control id).

A backend's table is its ``special_tokens`` member (string -> id, as the library
holds it); a backend without one is held to the subject's table
(``Observation.specials``), since its ids are the model's ids.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping

from tokfuzz.backends.base import backend_memo, is_unknown_token, token_pieces
from tokfuzz.oracles.observation import Observation, Raised, Verdict, describe_text

__all__ = ["special_agreement", "special_injection"]


def _table(obs: Observation, name: str) -> Mapping[str, int] | None:
    """The backend's own special-token table, or None when it declares none."""
    table = getattr(obs.backends[name], "special_tokens", None)
    return table if isinstance(table, Mapping) and table else None


def _speller(obs: Observation) -> Callable[[str], bool]:
    """Predicate: does the input spell a token, as it is or after NFKC (UAX #15)?"""
    text = obs.text
    folded = text if text.isascii() else unicodedata.normalize("NFKC", text)
    return lambda token: token in text or token in folded


def _spelling(text: str, tokens: Iterable[str]) -> str:
    """``as-is`` when ``text`` holds every token as it is, else ``nfkc`` (module docstring)."""
    return "as-is" if all(t in text for t in tokens) else "nfkc"


def _by_id(obs: Observation, name: str, table: Mapping[str, int]) -> dict[int, list[str]]:
    """``table`` inverted (id -> strings), memoized per backend and table."""
    memo = backend_memo(obs.backends[name], "special-by-id")
    found = memo.get(id(table))
    if found is None or found[0] is not table:
        inverted: dict[int, list[str]] = {}
        for token, token_id in table.items():
            inverted.setdefault(token_id, []).append(token)
        found = memo[id(table)] = (table, inverted)
    return found[1]


def _differences(obs: Observation, ref: str, other: str) -> list[tuple[str, int | None, int | None]]:
    """(string, id in ``ref``, id in ``other``) for each string the two tables hold
    differently, memoized per backend pair (tables are fixed once loaded)."""
    memo = backend_memo(obs.backends[ref], "special-diff")
    key = id(obs.backends[other])
    if key not in memo:
        a, b = _table(obs, ref) or {}, _table(obs, other) or {}
        memo[key] = (obs.backends[other], [(t, a.get(t), b.get(t)) for t in sorted(set(a) | set(b)) if a.get(t) != b.get(t)])
    diffs: list[tuple[str, int | None, int | None]] = memo[key][1]
    return diffs


def special_injection(obs: Observation, name: str) -> list[Verdict]:
    """``injection`` / ``control-id`` verdicts of backend ``name`` (at most one each).

    Shape: [] when the default encode yields no special id, or raised (roundtrip's).
    ``observed`` holds the ids and ``{"special": {string: id}}`` of the ids found.
    """
    table = _table(obs, name) or obs.specials
    if not table:
        return []
    ids = obs.ids(name)
    if isinstance(ids, Raised):
        return []
    by_id = _by_id(obs, name, table)
    hit = sorted({i for i in ids if i in by_id})
    if not hit:
        return []
    out: list[Verdict] = []
    spells = _speller(obs)
    spelled = {i: s for i in hit for s in by_id[i] if spells(s)}
    unspelled = {i: by_id[i][0] for i in hit if i not in spelled and not all(is_unknown_token(s) for s in by_id[i])}
    backend = obs.backends[name]
    for kind, found in (("injection", spelled), ("control-id", unspelled)):
        if not found:
            continue

        def detail(found: dict[int, str] = found, kind: str = kind) -> str:
            tokens = ", ".join(f"{s!r} -> {i}" for i, s in found.items())
            how = "spells" if kind == "injection" else "does not spell"
            return (f"{name}.encode({describe_text(obs.text)}) yields control id(s) {tokens}: the text {how} "
                    f"them; ids {ids} pieces {token_pieces(backend, ids)}")

        if kind == "injection":
            shape: str | None = _spelling(obs.text, found.values())
        else:
            shape = "spells-another" if any(spells(t) for t in table) else None
        out.append(Verdict("special_tokens", (name,), kind, detail, {name: ids, "special": {s: i for i, s in found.items()}},
                           shape))
    return out


def special_agreement(obs: Observation, reference: str | None = None) -> list[Verdict]:
    """``special-id-differs`` / ``special-missing`` verdicts: every backend declaring a
    special-token table against the first one that does (``reference`` if it declares
    one), on the special-token strings the input spells. One verdict per pair and kind.
    """
    declaring = [n for n in obs.backends if _table(obs, n) is not None]
    if reference in declaring:
        declaring.remove(reference)
        declaring.insert(0, reference)  # type: ignore[arg-type]
    if len(declaring) < 2:
        return []
    ref, others = declaring[0], declaring[1:]
    pairs = [(other, diffs) for other in others if (diffs := _differences(obs, ref, other))]
    if not pairs:  # the usual case: the tables agree, nothing to look for in the text
        return []
    spells = _speller(obs)
    out: list[Verdict] = []
    for other, diffs in pairs:
        differs: dict[str, tuple[int | None, int | None]] = {}
        missing: dict[str, tuple[int | None, int | None]] = {}
        for token, a, b in diffs:
            if spells(token):
                (differs if a is not None and b is not None else missing)[token] = (a, b)
        pair = tuple(sorted((ref, other)))
        for kind, found in (("special-id-differs", differs), ("special-missing", missing)):
            if not found:
                continue

            def detail(found: dict[str, tuple[int | None, int | None]] = found, other: str = other) -> str:
                rows = "; ".join(f"{t!r}: {ref} {a}, {other} {b}" for t, (a, b) in found.items())
                return f"special-token ids differ between {ref} and {other}: {rows}"

            observed = {ref: {t: a for t, (a, _) in found.items()}, other: {t: b for t, (_, b) in found.items()}}
            out.append(Verdict("special_tokens", pair, kind, detail, observed, _spelling(obs.text, found)))
    return out

