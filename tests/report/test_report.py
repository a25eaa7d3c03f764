"""The triage report (tokfuzz.report.data, tokfuzz.report.witness, tokfuzz.report.reproduce,
tokfuzz.report.render) and the ``report`` / ``triage`` commands; plus the page of the
committed corpus, rendered in headless Chromium."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import unicodedata
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from tokfuzz.cli.main import main
from tokfuzz.findings.corpus import Case, Corpus, case_id
from tokfuzz.report.render import fence, md_cell, md_code, render, write_report
from tokfuzz.report.data import CampaignEntry, Loaded, ReportError, build_report, find_class, load_campaign
from tokfuzz.report.reproduce import reproducer
from tokfuzz.report.witness import CONTROL_ALIASES, codepoint, codepoint_name, rendered, token_rows, visible

REPO = Path(__file__).resolve().parents[2]


def _case(text: str, *, subject: str = "cl100k_base", prop: str = "cross_backend", backends: tuple[str, ...] = ("a", "b"),
          kind: str = "ids-differ", shape: str = "L:Latn", status: str = "open", observed: dict[str, Any] | None = None,
          note: str = "why", found_at: str = "2025-01-01T00:00:00+00:00") -> Case:
    signature = f"{prop}|{subject}|{','.join(backends)}|{kind}|{shape}"
    return Case(id=case_id(prop, subject, text, (*backends, kind)), input=text, property=prop, subject=subject,
                backends=backends, signature=signature, status=status, note=note,  # type: ignore[arg-type]
                found_by="hypothesis:test", found_at=found_at, versions={"tiktoken": "0.0.1"},
                observed=observed if observed is not None else {b: [1, 2] for b in backends})


class Vocab:
    """A fake backend with a fixed vocabulary: id -> bytes."""

    def __init__(self, name: str, vocab: dict[int, bytes]) -> None:
        self.name = name
        self.vocab = vocab

    def encode(self, text: str) -> list[int]:
        raise NotImplementedError

    def decode(self, ids: Sequence[int]) -> str:
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", "replace")

    def token_bytes(self, token: int) -> bytes:
        if token == 666:
            raise BaseException("a Rust panic surfacing through pyo3")  # noqa: TRY002 - pyo3's PanicException
        return self.vocab[token]


def _loader(**backends: Vocab) -> Any:
    return lambda subject: Loaded(backends)


# --- the model -------------------------------------------------------------------


def test_summary_counts_classes_by_subject_pair_property(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    corpus.add([
        _case("x", status="open"), _case("y", status="open"),                       # one class, two cases
        _case("z", shape="N:ascii", status="expected"),
        _case("w", prop="roundtrip", backends=("a",), kind="lost", status="fixed"),
        _case("v", subject="tekken", shape="So", status="open"),
    ])
    cases = corpus.load()
    campaign = {cases[0].signature: CampaignEntry(5, True, 0.5), cases[2].signature: CampaignEntry(2, False, 1.0)}
    report = build_report(cases, campaign, subject_order=("tekken", "cl100k_base"))
    rows = {(r.subject, r.backends, r.property): r for r in report.summary}
    pair = rows[("cl100k_base", "a vs b", "cross_backend")]
    assert (pair.classes, pair.open, pair.expected, pair.fixed, pair.new, pair.known, pair.failures) == (2, 1, 1, 0, 1, 1, 7)
    assert rows[("cl100k_base", "a", "roundtrip")].fixed == 1
    assert rows[("tekken", "a vs b", "cross_backend")].failures == 0
    t = report.total
    assert (t.classes, t.open, t.expected, t.fixed, t.new, t.known, t.failures) == (4, 2, 1, 1, 1, 3, 7)
    assert report.cases == 5
    assert [k.subject for k in report.classes][0] == "tekken"            # subject_order first
    first = next(k for k in report.classes if k.signature == cases[0].signature)
    assert [v.case.input for v in first.shown] == ["x", "y"] and first.count == 5 and first.new
    assert first.triage_key == first.shown[0].case.id


def test_without_campaign_counts_are_unknown_and_classes_known() -> None:
    report = build_report([_case("x")])
    assert report.total.failures is None and report.total.known == 1 and report.classes[0].count is None
    assert "—" in render(report, "html") and "—" in render(report, "md")


def test_surrogate_nul_and_unnamed_code_points_render_as_utf8(tmp_path: Path) -> None:
    text = "\ud800\x00a\u0378\ufffe\ue000\u0301\x85"
    case = _case(text, observed={"a": {"error": "TypeError: bad \ud800"}, "b": [1], "decoded": "\ufffd\x00"})
    report = build_report([case], backends_of=_loader(b=Vocab("b", {1: b"\xed"})))
    names = [cp.name for cp in report.classes[0].shown[0].codepoints]
    assert names == ["<surrogate-D800>", "<control-0000> NULL", "LATIN SMALL LETTER A", "<reserved-0378>",
                     "<noncharacter-FFFE>", "<private-use-E000>", "COMBINING ACUTE ACCENT", "<control-0085> NEXT LINE"]
    assert report.classes[0].shown[0].codepoints[0].utf8 == "—"
    for fmt in ("html", "md"):
        out = tmp_path / f"r.{fmt}"
        write_report(report, out, fmt)
        page = out.read_bytes().decode("utf-8")                               # strict: no lone surrogate got out
        assert (str(escape(repr(text))) if fmt == "html" else repr(text)) in page
        assert "surrogate-D800" in page and "NULL" in page and "TypeError: bad \ufffd" in page
    segments = rendered(text)
    assert segments[0].stand_in and segments[0].text == "\ufffd\u2400" and not segments[1].stand_in


def test_code_point_labels_and_control_aliases_follow_the_ucd() -> None:
    for cp, alias in CONTROL_ALIASES.items():
        assert unicodedata.lookup(alias) == chr(cp), alias                    # NameAliases.txt, type control
    assert codepoint_name("\U000e0001") == "LANGUAGE TAG"
    assert codepoint_name("\U0010ffff") == "<noncharacter-10FFFF>"
    assert codepoint("\u200d").glyph == "" and codepoint("\u0301").glyph == "\u25cc\u0301"
    assert codepoint("😀").utf8 == "F0 9F 98 80"


def test_pieces_are_aligned_on_byte_spans_and_differences_marked() -> None:
    a = Vocab("a", {1: b"00", 2: b"000", 3: b"0", 4: b"\xf0\x9f", 5: b"\x98\x80"})
    rows = token_rows({"a": [1, 1], "b": [2, 3]}, ("a", "b"), {"a": a, "b": Vocab("b", a.vocab)})
    assert [c.piece for c in rows[0].cells] == ["00", "00"] and all(c.differs for c in rows[0].cells)
    rows = token_rows({"a": [1, 3, 4, 5], "b": [1, 3, 4, 5]}, ("a", "b"), {"a": a, "b": a})
    assert not any(c.differs for r in rows for c in r.cells)
    assert rows[0].cells[2].piece == "\\xf0\\x9f" and "\\xf0\\x9f" in rows[0].cells[2].title  # part of a character
    rows = token_rows({"a": [2, 3], "b": [3, 2]}, ("a", "b"), {"a": a, "b": a})
    assert [c.differs for c in rows[0].cells] == [True, True]
    # a dialect finding: the backend's pre-tokens against the regex package's split
    rows = token_rows({"hf": ["0000"], "regex": ["000", "0"]}, ("hf",), {})
    assert [r.label for r in rows] == ["hf", "regex"] and all(c.differs for r in rows for c in r.cells)


def test_a_backend_that_cannot_load_or_panics_falls_back_to_ids() -> None:
    case = _case("ab", observed={"a": [1, 666], "b": [1, 2]})
    report = build_report([case], backends_of=lambda s: Loaded({}, {"*": "boom: no model"}))
    view = report.classes[0].shown[0]
    assert [c.id for c in view.rows[0].cells] == [1, 666] and view.rows[0].cells[0].piece == ""
    assert [c.differs for c in view.rows[0].cells] == [False, True]          # ids compared without pieces
    assert "boom: no model" in view.pieces_note
    report = build_report([case], backends_of=_loader(a=Vocab("a", {1: b"a", 2: b"b"}), b=Vocab("b", {1: b"a", 2: b"b"})))
    assert report.classes[0].shown[0].rows[0].cells[1].piece == "<666?>"     # BaseException from the library


def test_visible_pieces() -> None:
    assert visible(" a\n\t\u200d") == "\u2423a\\n\\t\\u200d"
    assert visible("") == "\u2205" and visible("e\u0301") == "e\u0301" and visible("\u0301") == "\\u0301"


def test_campaign_file_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "c.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportError, match="not JSON"):
        load_campaign(bad)
    bad.write_text(json.dumps({"findings": [{"signature": 3}]}), encoding="utf-8")
    with pytest.raises(ReportError, match="finding #0"):
        load_campaign(bad)
    with pytest.raises(ReportError, match="cannot read"):
        load_campaign(tmp_path / "absent.json")
    bad.write_text(json.dumps({"findings": [{"signature": "s", "count": 2, "new": True, "first_found_s": 3},
                                            {"signature": "s", "count": 1, "first_found_s": 1.5}]}), encoding="utf-8")
    assert load_campaign(bad) == {"s": CampaignEntry(3, True, 1.5)}


def test_markdown_escaping_helpers() -> None:
    assert md_code("a`b") == "``a`b``" and md_code("`") == "`` ` ``" and md_code("a|b", cell=True) == "`a\\|b`"
    assert fence("```x") == "````" and fence("x") == "```"
    assert md_cell("a|b <s> *x* cl100k_base _y_") == "a\\|b \\<s\\> \\*x\\* cl100k_base \\_y\\_"


def test_html_escapes_everything() -> None:
    case = _case("<script>alert(1)</script>", note="<img src=x onerror=alert(1)>",
                 observed={"a": {"error": "ValueError: <b>"}, "b": [1]})
    page = render(build_report([case]), "html")
    assert "<script>alert" not in page and "<img src=x" not in page and "&lt;b&gt;" in page
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")   # no JS, no external resource


# --- reproducers -----------------------------------------------------------------


def test_markdown_holds_the_reproducers_and_they_compile() -> None:
    case = _case("a\u200d\ud800", backends=("hf", "tiktoken"), observed={"hf": [1], "tiktoken": [2]})
    md = render(build_report([case]), "md")
    assert "```python\n# tokenizers: subject cl100k_base, backend 'hf'" in md
    assert "text = 'a\\u200d\\ud800'" in md and "enc = tiktoken.Encoding(**openai_encoding_params('cl100k_base'))" in md
    assert "| U+200D | ZERO WIDTH JOINER | Cf | E2 80 8D |" in md
    for backend in ("tiktoken", "hf", "spm", "bpe-openai", "tokie", "mistral-common", "plugin"):
        for subject in ("cl100k_base", "mistral-v3", "tekken", "custom"):
            for dialect in (False, True):
                code = reproducer(backend, subject, "x\ud800`", [1], pretokenize=dialect).code
                compile(code, f"<{backend}:{subject}>", "exec")
                assert code.isascii()


def _run(code: str) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<reproducer>", "exec"), {})  # noqa: S102 - our own generated snippet
    return out.getvalue().splitlines()


def test_reproducers_print_what_the_corpus_observed() -> None:
    """The tiktoken, HF and bpe-openai snippets of the digit-run finding, run for real."""
    assert _run(reproducer("tiktoken", "cl100k_base", "0000").code)[0] == "[931, 15]"
    assert _run(reproducer("hf", "cl100k_base", "0000").code)[0] == "[410, 410]"
    assert _run(reproducer("bpe-openai", "cl100k_base", "0000").code)[0] == "[931, 15]"
    pieces, regex_split = _run(reproducer("hf", "cl100k_base", "0000", pretokenize=True).code)
    assert (pieces, regex_split) == ("['0000']", "['000', '0']")


# --- the commands ----------------------------------------------------------------


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("tokfuzz: error: ") and "\n" not in err and "Traceback" not in err
    return err


def _small_corpus(root: Path) -> list[Case]:
    Corpus(root).add([_case("x"), _case("y"), _case("z", shape="N:ascii"), _case("w", subject="tekken")])
    return Corpus(root).load()


def test_triage_updates_every_case_of_the_class(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = _small_corpus(tmp_path)
    target = cases[0]
    argv = ["triage", target.id[:6], "--status", "expected", "--note", "accepted: upstream says so", "--corpus", str(tmp_path)]
    assert main(argv) == 0
    after = {c.id: c for c in Corpus(tmp_path).load()}
    same = [c for c in after.values() if c.signature == target.signature]
    assert len(same) == 2 and all(c.status == "expected" and c.note == "accepted: upstream says so" for c in same)
    assert all(c.status == "open" and c.note == "why" for c in after.values() if c.signature != target.signature)
    assert "2 case(s) open -> expected" in capsys.readouterr().out
    report = build_report(Corpus(tmp_path).load())                          # an expected class keeps showing
    assert [k.status for k in report.classes if k.signature == target.signature] == ["expected"]
    assert report.total.expected == 1 and "accepted: upstream says so" in render(report, "md")
    assert main(["triage", target.signature, "--status", "fixed", "--corpus", str(tmp_path)]) == 0
    assert {(c.status, c.note) for c in Corpus(tmp_path).load() if c.signature == target.signature} == {
        ("fixed", "accepted: upstream says so")}


def test_find_class_resolves_ids_prefixes_and_signatures(tmp_path: Path) -> None:
    cases = _small_corpus(tmp_path)
    assert {c.input for c in find_class(cases, cases[0].id)} == {"x", "y"}
    assert {c.input for c in find_class(cases, cases[2].signature)} == {"z"}
    with pytest.raises(ReportError, match="no class matches"):
        find_class(cases, "ffffffffffffffff0")
    with pytest.raises(ReportError, match="too short"):
        find_class(cases, cases[0].id[:2])
    twins = [_case("p").replace(id="abcd0001"), _case("q").replace(id="abcd0002"), _case("r", shape="So").replace(id="abcd0003")]
    with pytest.raises(ReportError, match="ambiguous: it matches 3 cases of 2 classes"):
        find_class(twins, "abcd")
    assert {c.input for c in find_class(twins[:2], "abcd")} == {"p", "q"}       # one class: not ambiguous


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["triage", "zzzz9999", "--status", "open"], "no class matches 'zzzz9999'"),
        (["triage", "x", "--status", "expected"], "--status expected needs --note"),
        (["triage", "x", "--status", "wontfix"], "invalid choice: 'wontfix'"),
        (["report", "--format", "pdf"], "invalid choice: 'pdf'"),
    ],
)
def test_bad_triage_and_report_usage_exits_2(argv: list[str], needle: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _small_corpus(tmp_path)
    assert main([*argv, "--corpus", str(tmp_path)]) == 2
    assert needle in _one_line_error(capsys)


def test_report_command_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--corpus", str(tmp_path / "nope")]) == 2
    assert "is not a directory" in _one_line_error(capsys)
    corpus = tmp_path / "corpora"
    _small_corpus(corpus)
    out = tmp_path / "no-such-dir" / "r.html"
    assert main(["report", "--corpus", str(corpus), "--ids-only", "--out", str(out)]) == 2
    assert f"cannot write {out}" in _one_line_error(capsys)
    (tmp_path / "fuzz-report.json").write_text("[", encoding="utf-8")      # picked up by default
    assert main(["report", "--corpus", str(corpus), "--ids-only"]) == 2
    assert "fuzz-report.json is not JSON" in _one_line_error(capsys)
    (tmp_path / "fuzz-report.json").unlink()
    assert main(["report", "--corpus", str(corpus), "--ids-only", "--out", "r.md"]) == 0
    assert (tmp_path / "r.md").read_text(encoding="utf-8").startswith("# tokfuzz triage report")
    (corpus / "bad.jsonl").write_text('{"truncated": \n', encoding="utf-8")
    assert main(["report", "--corpus", str(corpus), "--ids-only"]) == 2
    assert "bad.jsonl:1" in _one_line_error(capsys)


# --- the page of the committed corpus, in a real browser ----------------------------

_LAYOUT_PROBE = """<script>
(() => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
    return {top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right, width: r.width, height: r.height}; };
  const section = document.querySelector("section.class");
  const toks = section ? [...section.querySelectorAll(".tok")].map(box) : [];
  document.body.setAttribute("data-layout", JSON.stringify({
    viewport: innerWidth, scrollWidth: document.documentElement.scrollWidth,
    summary: box(document.querySelector("table.summary")), toc: box(document.querySelector("nav.toc")),
    section: box(section), cps: box(section && section.querySelector("table.cps")),
    tokens: box(section && section.querySelector("table.tokens")), toks: toks,
    summaryRows: document.querySelectorAll("table.summary tbody tr").length,
    causes: box(document.querySelector("table.causes")), causeRows: document.querySelectorAll("table.causes tbody tr").length,
    matrices: [...document.querySelectorAll("table.matrix")].map(box),
  }));
})();
</script>"""


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe is not None
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           f"--user-data-dir={profile}", "--window-size=1280,2000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=True)


def _png_rows(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the filtered scanlines of a non-interlaced 8-bit PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0
    stride = 1 + width * {2: 3, 6: 4, 0: 1, 4: 2}[colour]
    raw = zlib.decompress(idat)
    return width, height, [raw[i:i + stride] for i in range(0, len(raw), stride)]


@pytest.mark.skipif(shutil.which("chromium") is None and shutil.which("chromium-browser") is None,
                    reason="headless Chromium is not installed: `make browser` installs it (root with apt-get), "
                           "or apt-get install chromium")
def test_committed_corpus_report_renders_in_chromium(tmp_path: Path, subject: Any) -> None:
    cases = Corpus(REPO / "corpora").load()
    from tokfuzz.backends.quiet import native_stderr_to_log
    from tokfuzz.backends.subjects import SUBJECTS

    def backends_of(name: str) -> Loaded:
        try:
            loaded = subject(name)
        except Exception as exc:  # noqa: BLE001 - the page falls back to ids, as `tokfuzz report` does
            return Loaded(missing={"*": str(exc)})
        return Loaded(loaded.backends, loaded.unavailable)

    with native_stderr_to_log():
        report = build_report(cases, None, backends_of=backends_of, corpus="corpora", subject_order=tuple(SUBJECTS))
    page = tmp_path / "report.html"
    write_report(report, page, "html")
    shot = tmp_path / "report.png"
    _chromium(f"--screenshot={shot}", page.as_uri(), profile=tmp_path / "profile")
    if os.environ.get("TOKFUZZ_REPORT_SCREENSHOT"):  # keep a copy to look at
        shutil.copyfile(shot, os.environ["TOKFUZZ_REPORT_SCREENSHOT"])
    width, height, rows = _png_rows(shot.read_bytes())
    assert (width, height) == (1280, 2000)
    # a single-colour image has at most ~10 distinct filtered scanlines (5 filters, first row special)
    assert len(set(rows)) > 50, "the screenshot is (nearly) blank"

    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _LAYOUT_PROBE + "</body>"), encoding="utf-8")
    dom = _chromium("--dump-dom", "--virtual-time-budget=5000", probe.as_uri(), profile=tmp_path / "profile").stdout
    assert '<table class="summary">' in dom and 'class="class ' in dom
    found = re.search(r'data-layout="([^"]*)"', dom)
    assert found, "the layout probe did not run"
    layout = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert layout["summaryRows"] == len(report.summary) + 1
    assert layout["scrollWidth"] <= layout["viewport"], "the page scrolls sideways"
    summary, toc, section = layout["summary"], layout["toc"], layout["section"]
    causes, matrices = layout["causes"], layout["matrices"]  # the page leads with root causes, then the matrices
    assert layout["causeRows"] == len(report.root_causes) and causes["right"] <= layout["viewport"]
    assert len(matrices) == len(report.matrices) and all(m["right"] <= layout["viewport"] for m in matrices)
    assert causes["bottom"] <= min(m["top"] for m in matrices) and max(m["bottom"] for m in matrices) <= summary["top"]
    assert summary["width"] > 500 and summary["height"] > 20 * len(report.summary)
    assert summary["bottom"] <= toc["top"] <= toc["bottom"] <= section["top"]
    assert section["width"] > 900 and section["right"] <= layout["viewport"]
    assert layout["cps"]["right"] <= layout["tokens"]["left"], "code points and tokens sit side by side"
    assert layout["toks"] and all(section["left"] < t["left"] and t["right"] < section["right"] for t in layout["toks"])
