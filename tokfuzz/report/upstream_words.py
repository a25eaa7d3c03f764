"""The words of an upstream issue (tokfuzz.report.upstream): which library a backend is,
which backend a case compares against, the title's headline and the expected/actual
sentences, from a case's property and verdict kind.

Verdict kinds (the fourth field of a signature, ``tokfuzz/oracles/*``):

* ``cross_backend``: ``ids-differ``;
* ``roundtrip``: ``lost`` / ``added`` / ``changed`` (code points), ``encode-raises:X``,
  ``decode-raises:X``;
* ``special_tokens``: ``injection``, ``control-id``, ``special-id-differs``, ``special-missing``;
* ``streaming_decode``: ``<decoder>:<what>`` (``DecodeStream:dropped``, ``vllm-tgi:raises:X``);
* ``vocab``: ``bad-id-<what>``, ``decode-differs``, ``reencode-differs``, ``bytes-differ``,
  ``decode-raises:X``;
* ``split_consistency``: ``dialect``, ``coverage``, ``token-bytes-raises:X``;
* ``slow_input``: ``superlinear-encode`` / ``superlinear-decode``, ``scaled-…``;
* any property: ``timeout``, ``crash:…``.

Every sentence is Markdown: corpus strings only inside ``md_code`` spans.
"""

from __future__ import annotations

from tokfuzz.backends.js import PORTS
from tokfuzz.backends.subjects import DISTRIBUTIONS, backend_names
from tokfuzz.findings.corpus import Case
from tokfuzz.findings.rootcause import character_family
from tokfuzz.findings.triage import signature_fields
from tokfuzz.report.render import md_cell, md_code

__all__ = ["expectation", "family_words", "headline", "kind_of", "library_of", "reference_of", "shape_of"]

_FAMILIES = {
    "lone-surrogate": "a lone surrogate (U+D800..U+DFFF)", "unassigned": "unassigned code points",
    "nul": "NUL (U+0000)", "control": "control characters", "byte-fallback": "characters held as byte-fallback pieces",
    "emoji": "emoji", "format": "format characters", "private-use": "private-use characters",
    "marks": "combining marks", "whitespace": "whitespace", "digits": "digits", "symbols": "symbols",
    "punctuation": "punctuation", "letters": "letters", "empty": "the empty string",
}
_ID_CLASSES = {
    "out-of-range": "an id at or above the vocabulary size", "negative": "a negative id",
    "unassigned": "an id with no token (a gap between special ids)", "special": "special-token ids",
    "partial-utf8": "ids whose token holds part of a UTF-8 character", "text": "ordinary tokens",
}
_STREAM = {"dropped": "drops text", "differs": "emits other text than decode(ids)", "duplicated": "duplicates text",
           "replacement-char": "emits U+FFFD for a split character"}
_BAD_ID = {"dropped": "silently drops", "panics": "panics on", "wraps": "wraps", "bytes": "returns token bytes for",
           "differs": "decodes differently"}
#: streaming_decode shapes (where in the stream a difference showed), in words
_STREAM_AT = {"at-multibyte": "a character split across tokens", "tail-FFFD": "a character split across tokens",
              "at-FFFD": "U+FFFD", "at-ascii": "ASCII text", "at-space": "a space"}
#: backends that are not PyPI distributions of their own name (DISTRIBUTIONS holds the rest)
_LIBRARY = {"llama-cpp": "llama-cpp-python"}


def library_of(backend: str) -> str:
    """The package a backend is, as its users install it: the PyPI distribution
    (``hf`` -> ``tokenizers``), the npm package of a JavaScript port (``tiktoken-wasm``
    -> ``@dqbd/tiktoken``), else the backend's own name (a plugin)."""
    if backend in PORTS:
        return PORTS[backend][0]
    if backend in _LIBRARY:
        return _LIBRARY[backend]
    return DISTRIBUTIONS.get(backend, (backend,))[0]


def kind_of(case: Case) -> str:
    """The verdict kind of ``case`` (its signature's fourth field, ``"?"`` when absent)."""
    fields = signature_fields(case.signature)
    return fields[3] if fields is not None else "?"


def shape_of(case: Case) -> str:
    """The input shape of ``case`` (its signature's last field)."""
    fields = signature_fields(case.signature)
    return fields[4] if fields is not None else case.signature


def reference_of(case: Case, suspect: str) -> str | None:
    """The backend ``case`` compares ``suspect`` against: the other backend of a pair
    (the one first in the subject's order when there are several), else None."""
    others = [b for b in case.backends if b != suspect]
    if not others:
        return None
    order = {name: i for i, name in enumerate(backend_names(case.subject))}
    return min(others, key=lambda b: (order.get(b, len(order)), case.backends.index(b)))


def family_words(case: Case) -> str:
    """What the witness is made of, in words: ``"a lone surrogate (U+D800..U+DFFF)"``,
    ``"emoji"``, a vocab case's id class, ``"special-token text"``, a stream position."""
    if case.property == "streaming_decode" and shape_of(case) in _STREAM_AT:
        return _STREAM_AT[shape_of(case)]
    if case.property == "vocab":
        id_class = str(case.observed.get("class"))
        return _ID_CLASSES.get(id_class) or f"{md_code(id_class)} ids"
    if case.property == "special_tokens":
        return "special-token text"
    family = character_family(shape_of(case))
    return _FAMILIES.get(family) or md_code(family)


def _lib(backend: str | None) -> str:
    return md_code(library_of(backend)) if backend else "the other libraries"


def headline(case: Case, suspect: str, reference: str | None) -> str:
    """The title's "what fails on what" for ``case`` blaming ``suspect``, e.g. ``"encode
    raises TypeError on a lone surrogate (U+D800..U+DFFF)"``."""
    kind, family = kind_of(case), family_words(case)
    what, _, detail = kind.partition(":")
    detail = md_cell(detail)
    if kind == "timeout":
        return f"a call hangs on {family}"
    if what == "crash":
        return f"the process dies ({md_code(kind[len('crash:'):])}) on {family}"
    if case.property == "cross_backend":
        return f"ids differ from {_lib(reference)} on {family} ({case.subject})"
    if case.property == "roundtrip":
        literal = "" if family.startswith("a lone surrogate") else f", x = {md_code(ascii(case.input[:24]))}"
        if what in ("encode-raises", "decode-raises"):
            return f"{what.split('-')[0]} raises {detail} on {family}{literal}"
        verb = {"lost": "loses", "added": "adds", "changed": "changes"}.get(kind, kind)
        return f"decode(encode(x)) {verb} code points on {family}{literal}"
    if case.property == "special_tokens":
        return {"injection": "user text that spells a special token encodes to its control id",
                "control-id": "user text that spells a special token encodes to another special token's id",
                "special-id-differs": f"special-token ids differ from {_lib(reference)} ({case.subject})",
                "special-missing": f"special tokens {_lib(reference)} has are missing ({case.subject})",
                }.get(kind, f"special tokens: {md_code(kind)}")
    if case.property == "streaming_decode":
        decoder = md_cell(kind.split(":", 1)[0])
        rest = kind.split(":", 1)[1] if ":" in kind else kind
        said = f"raises {md_cell(rest.split(':', 1)[1])}" if rest.startswith("raises:") else _STREAM.get(rest, md_code(rest))
        return f"incremental decoding ({decoder}) {said} on {family}"
    if case.property == "vocab":
        if what.startswith("bad-id-"):
            return f"decode {_BAD_ID.get(what[len('bad-id-'):], md_code(what))} {family}"
        if what == "decode-raises":
            return f"decode raises {detail} on {family}"
        return {"decode-differs": f"decode of single tokens differs from {_lib(reference)} ({family})",
                "reencode-differs": f"encoding a token's own text gives other ids ({family})",
                "bytes-differ": f"token bytes differ from {_lib(reference)} ({family})"}.get(kind, f"vocab: {md_code(kind)}")
    if case.property == "split_consistency":
        if what == "token-bytes-raises":
            return f"token bytes raise {detail} on {family}"
        return {"dialect": f"the pre-tokenizer splits {family} unlike the regex the model declares",
                "coverage": f"the tokens' bytes do not spell the input ({family})",
                }.get(kind, f"split consistency: {md_code(kind)} on {family}")
    if case.property == "slow_input":
        scaled = kind.removeprefix("scaled-")
        if scaled.startswith("superlinear-"):
            return (f"{scaled.split('-', 1)[1]} time grows superlinearly (exponent "
                    f"{case.observed.get('exponent', '?')}) on repeated {family}")
        return f"{md_cell(scaled.replace('-', ' '))} on repeated {family}"
    return f"{md_code(case.property)} fails ({md_code(kind)}) on {family}"


def expectation(case: Case, suspect: str, reference: str | None) -> tuple[str, str]:
    """(expected, actual): two Markdown sentences for ``case`` blaming ``suspect``."""
    kind, ref = kind_of(case), _lib(reference)
    what, _, detail = kind.partition(":")
    me = md_code(library_of(suspect))
    if case.property == "cross_backend":
        first = reference is not None and backend_names(case.subject)[:1] == (reference,)
        source = " (the library the model was published for)" if first else ""
        return f"the same ids as {ref}{source}.", f"{me} returns other ids (below)."
    if what in ("encode-raises", "decode-raises", "token-bytes-raises", "scaled-decode-raises"):
        call = what.removeprefix("scaled-").rsplit("-", 1)[0].replace("-", " ")
        surrogate = (" A lone surrogate cannot be UTF-8, so it may come back as U+FFFD (as tiktoken's `encode` "
                     "does), or be refused with the library's documented error.") if "surrogate" in family_words(case) else ""
        back = f"; {md_code('decode(encode(x))')} gives back {md_code('x')}" if case.property == "roundtrip" else ""
        return (f"{md_code(call)} returns a result{back}.{surrogate}", f"{md_code(call)} raises {md_code(detail)}.")
    if case.property == "roundtrip":
        return (f"{md_code('decode(encode(x)) == x')}, i.e. {md_code(ascii(case.input))}.",
                f"{md_code('decode(encode(x))')} is {md_code(ascii(case.observed.get('decoded', '?')))}: code points {md_cell(kind)}.")
    if case.property == "special_tokens":
        if kind in ("injection", "control-id"):
            return ("text typed by a user that happens to spell a special token is encoded as ordinary text, never "
                    "as a control id (or the library refuses it, as tiktoken's `encode` does by default).",
                    f"{me} encodes it to the control id shown below.")
        return f"{ref}'s id for every special token.", f"{me}'s special tokens differ (below)."
    if case.property == "streaming_decode":
        return ("feeding the ids one at a time to the incremental decoder, then flushing, emits exactly "
                f"{md_code('decode(ids)')}.", f"the stream {headline(case, suspect, reference).split(') ', 1)[-1]} (below).")
    if case.property == "vocab":
        if what.startswith("bad-id-"):
            return ("an id the vocabulary does not hold is refused with a catchable error (or at least never "
                    "decoded as some other token).", f"{me} {_BAD_ID.get(what[7:], what)} it (below).")
        return (f"the same result as {ref} for every id.", f"{me} differs (below).")
    if case.property == "split_consistency":
        if kind == "dialect":
            return ("the pre-tokenizer splits the input exactly as the regex the model declares (computed with the "
                    "`regex` package).", f"{me}'s pre-tokenizer splits it otherwise (below).")
        return ("the tokens' bytes, concatenated, equal the input's UTF-8 bytes.", f"{me}'s tokens spell other bytes.")
    if case.property == "slow_input":
        return (f"{md_code(str(case.observed.get('call', 'encode')))} time grows linearly with the input's length.",
                f"it grows with exponent {md_code(case.observed.get('exponent', '?'))} over sizes "
                f"{md_code(case.observed.get('sizes', '?'))} (seconds {md_code(case.observed.get('seconds', '?'))}).")
    return "the property holds.", f"{md_code(kind)} (below)."
