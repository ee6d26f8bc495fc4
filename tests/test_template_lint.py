"""The template linter names where each problem is: a Word paragraph or table cell with its text
(not "line 1"), an HTML line; it finds unknown fields and filters, unbalanced delimiters and tags
split across Word runs, and passes every shipped template (all kinds, both formats)."""

from __future__ import annotations

import docx
import pytest

from desktop_crm.documents import lint, render


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))


def test_every_shipped_template_of_every_kind_is_clean():
    paths = [p for p in sorted(render.bundled_templates_dir().glob("*.*")) if p.suffix in (".html", ".docx")]
    names = {p.name for p in paths}
    assert {"ru.act.html", "ru.act.docx", "ru.upd.html", "ru.upd.docx", "it.ddt.docx"} <= names
    for path in paths:
        assert lint.lint(path) == [], path.name


def test_word_problems_name_the_paragraph_or_cell_and_their_text(tmp_path):
    document = docx.Document()
    document.add_paragraph().add_run("Intro {{ doc.number }}")
    paragraph = document.add_paragraph()
    paragraph.add_run("Total {{ totals.gran")
    paragraph.add_run("d_total_text }} end")  # Word split the tag over two runs
    table = document.add_table(rows=2, cols=2)
    table.cell(1, 1).paragraphs[0].add_run("{{ buyer.nmae }} and {{ doc.number | shout }}")
    document.sections[0].footer.paragraphs[0].add_run("{{ labels.pag }}")
    path = tmp_path / "ru.custom.docx"
    document.save(path)
    found = lint.lint(path)
    assert sorted(p.kind for p in found) == ["split_tag", "unknown_field", "unknown_field", "unknown_filter"]
    problems = {p.field: p for p in found}
    split = problems["{{ totals.grand_total_text }}"]
    assert split.kind == "split_tag" and split.location.startswith("paragraph 2")
    assert "Total {{ totals.grand_total_text }} end" in split.message
    assert problems["buyer.nmae"].location.startswith("table 1, row 2, cell 2")
    assert "«{{ buyer.nmae }} and" in problems["buyer.nmae"].message
    assert problems["shout"].kind == "unknown_filter" and "cell 2" in problems["shout"].message
    assert problems["labels.pag"].location.startswith("footer, paragraph 1")
    assert all("line 1" not in p.message for p in lint.lint(path))


def test_word_unbalanced_and_broken_tags_point_at_their_cell(tmp_path):
    document = docx.Document()
    document.add_paragraph().add_run("ok")
    table = document.add_table(rows=3, cols=2)
    table.cell(2, 0).paragraphs[0].add_run("{% if doc.basis %}")
    path = tmp_path / "ru.custom.docx"
    document.save(path)
    [problem] = lint.lint(path)
    assert problem.kind == "syntax" and problem.location.startswith("table 1, row 3, cell 1")
    document = docx.Document()
    document.add_paragraph().add_run("broken {{ doc.number }")
    document.save(path)
    kinds = {p.kind: p for p in lint.lint(path)}
    assert kinds["unbalanced"].location.startswith("paragraph 1") and "{{" in kinds["unbalanced"].message


def test_html_unknown_filters_tests_and_stray_delimiters_have_their_line():
    problems = lint.lint_source("{{ doc.number | shout }}\n{% if doc.basis is oddish %}{% endif %}", "a.html")
    assert [(p.kind, p.field, p.line) for p in problems] == [
        ("unknown_filter", "shout", 1), ("unknown_filter", "oddish", 2)]
    assert "unknown test oddish" in problems[1].message
    stray = lint.unbalanced_lines("<p>\n{{ doc.number }}\n {{ doc.date_text }} }}\n", "a.html")
    assert [(p.kind, p.line) for p in stray] == [("unbalanced", 3)]
    assert lint.unbalanced_lines("{#- a comment\n   over lines #}\n{{ doc.number }}", "a.html") == []
