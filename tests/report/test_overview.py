"""The report's overview (root causes, matrix) and the root-cause side of ``triage``
and ``summary``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokfuzz.cli.main import main
from tokfuzz.findings.corpus import Case, Corpus, case_id
from tokfuzz.report.data import build_report
from tokfuzz.report.render import render


def _case(text: str, *, subject: str = "cl100k_base", prop: str = "roundtrip", backends: tuple[str, ...] = ("hf",),
          kind: str = "encode-raises:TypeError", shape: str = "Cs", status: str = "open", note: str = "n") -> Case:
    return Case(id=case_id(prop, subject, text, (*backends, kind)), input=text, property=prop, subject=subject,
                backends=backends, signature=f"{prop}|{subject}|{','.join(backends)}|{kind}|{shape}",
                status=status, note=note, found_by="test", found_at="2026-01-01T00:00:00+00:00",  # type: ignore[arg-type]
                versions={}, observed={b: [1] for b in backends})


def _corpus(root: Path) -> list[Case]:
    Corpus(root).add([
        _case("\ud800"), _case("\ud801", subject="tekken"),
        _case("a\u200db", prop="cross_backend", backends=("tiktoken", "tokie"), kind="ids-differ", shape="L:Latn ZWJ L:Latn"),
        _case(" 1", prop="cross_backend", backends=("tiktoken", "tokie"), kind="ids-differ", shape="sp N:ascii",
              status="expected"),
    ])
    return Corpus(root).load()


def test_report_leads_with_root_causes_then_a_matrix(tmp_path: Path) -> None:
    report = build_report(_corpus(tmp_path), subject_order=("cl100k_base", "tekken"))
    names = [(r.name, len(r.classes), r.statuses["open"]) for r in report.root_causes]
    assert names[0] == ("hf/encode-raises:TypeError/lone-surrogate", 2, 2)
    assert {n for n, _, _ in names} == {"hf/encode-raises:TypeError/lone-surrogate", "tokie/ids-differ/emoji",
                                        "tokie/ids-differ/whitespace"}
    cl100k = report.matrices[0]
    assert cl100k.subject == "cl100k_base" and cl100k.columns == ("roundtrip", "cross_backend")
    assert cl100k.rows == ("tiktoken vs tokie", "hf")
    cell = cl100k.cell("tiktoken vs tokie", "cross_backend")
    assert cell.statuses == {"open": 1, "expected": 1, "fixed": 0} and cell.status == "open"
    assert cl100k.cell("hf", "cross_backend").status == "" and cl100k.cell("hf", "roundtrip").total == 1
    anchors = {k.anchor for k in report.classes}
    assert all(link.anchor in anchors for m in report.matrices for c in m.cells.values() for link in c.links)
    page = render(report, "html")
    assert page.index('id="root-causes"') < page.index('id="matrix"') < page.index('id="summary"') < page.index('id="classes"')
    assert f'href="#{cell.links[0].anchor}"' in page
    md = render(report, "md")
    assert md.index("## Root causes") < md.index("## Matrix") < md.index("## Summary")
    assert "| tiktoken vs tokie | · | 1o 1e |" in md


def test_triage_sets_a_root_cause_on_a_class_or_a_whole_proposal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = _corpus(tmp_path)
    assert [c.input for c in cases] == ["\ud800", "a\u200db", " 1", "\ud801"]  # files by name, lines in order
    assert main(["triage", cases[0].id, "--status", "open", "--corpus", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "proposed: hf/encode-raises:TypeError/lone-surrogate (shared with 1 other class(es))" in out
    assert main(["triage", "hf/encode-raises:TypeError/lone-surrogate", "--root-cause", "proposed", "--corpus", str(tmp_path)]) == 0
    after = {c.id: c for c in Corpus(tmp_path).load()}
    assert {c.input: c.root_cause for c in after.values()} == {
        "\ud800": "hf/encode-raises:TypeError/lone-surrogate", "\ud801": "hf/encode-raises:TypeError/lone-surrogate",
        "a\u200db": "", " 1": ""}
    assert all((after[c.id].status, after[c.id].note) == (c.status, c.note) for c in cases)
    assert main(["triage", cases[1].id, "--root-cause", "tokie-pretokenizer", "--corpus", str(tmp_path)]) == 0
    assert main(["triage", cases[2].signature, "--root-cause", "tokie-pretokenizer", "--corpus", str(tmp_path)]) == 0
    causes = build_report(Corpus(tmp_path).load()).root_causes
    assert [(r.name, r.proposed, len(r.classes)) for r in causes] == [
        ("hf/encode-raises:TypeError/lone-surrogate", False, 2), ("tokie-pretokenizer", False, 2)]
    assert main(["triage", "tokie-pretokenizer", "--root-cause", "", "--corpus", str(tmp_path)]) == 0
    assert {c.input: c.root_cause for c in Corpus(tmp_path).load() if c.property == "cross_backend"} == {"a\u200db": "", " 1": ""}


@pytest.mark.parametrize(("argv", "needle"), [
    (["triage", "x"], "needs --status, --note or --root-cause"),
    (["triage", "x", "--root-cause", " a "], "no surrounding spaces"),
    (["triage", "no/such/cause", "--root-cause", "a"], "no class matches 'no/such/cause'"),
    (["report", "--upstream", "no/such"], "no root cause named 'no/such'"),
])
def test_bad_root_cause_usage_is_one_line(argv: list[str], needle: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _corpus(tmp_path)
    assert main([*argv, "--corpus", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_summary_lists_root_causes_then_classes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _corpus(tmp_path)
    assert main(["summary", "--corpus", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.index("root causes in") < out.index("classes by root cause")
    assert "3 root cause(s) (3 proposed, not yet set by triage) over 4 class(es)" in out
    assert main(["summary", "--status", "expected", "--corpus", str(tmp_path)]) == 0
    assert "1 root cause(s) (1 proposed, not yet set by triage) over 1 class(es)" in capsys.readouterr().out
