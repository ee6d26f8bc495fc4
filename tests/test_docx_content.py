"""The Word files carry what the PDFs carry (issue: the КП DOCX lacked the amount in words, the full
legal name and ОГРН; the Italian one the buyer's C.F. and the imponibile per aliquota), read back
with python-docx; and every table has its column widths in the grid, so LibreOffice keeps them."""

from __future__ import annotations

import dataclasses
import io

import docx
import pytest
from docx.oxml.ns import qn

from desktop_crm.documents import render
from desktop_crm.documents.context import build_context, sample_input


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))


def _text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return " ".join(" ".join(parts).replace("\xa0", " ").split())


def test_russian_quote_docx_has_words_full_name_and_ogrn():
    context = build_context(sample_input("ru", "quote"))
    text = _text(render.render_docx(context))
    assert context["seller"]["name_full"] in text
    assert "ОГРН 1027700132195" in text
    assert context["totals"]["grand_total_words"] in text


@pytest.mark.parametrize("kind", ["quote", "invoice"])
def test_italian_docx_has_buyer_tax_code_and_imponibile_per_aliquota(kind):
    data = sample_input("it", kind)
    data = dataclasses.replace(
        data, buyer=dataclasses.replace(data.buyer, tax_code="BNCLGU80A01F205X"),
        lines=[*data.lines, dataclasses.replace(data.lines[1], name="Manuale stampato", vat_rate=4)],
    )
    context = build_context(data)
    text = _text(render.render_docx(context))
    assert "C.F. BNCLGU80A01F205X" in text or "Codice fiscale BNCLGU80A01F205X" in text, text[:400]
    assert len(context["totals"]["vat_breakdown"]) == 2
    for row in context["totals"]["vat_breakdown"]:
        assert row["base_text"].replace("\xa0", " ") in text and row["rate_text"].replace("\xa0", " ") in text


def test_every_shipped_word_template_sets_its_column_widths():
    for path in sorted(render.bundled_templates_dir().glob("*.docx")):
        document = docx.Document(str(path))
        for table in document.tables:
            grid = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
            layout = table._tbl.tblPr.find(qn("w:tblLayout"))
            width = table._tbl.tblPr.find(qn("w:tblW"))
            assert layout is not None and layout.get(qn("w:type")) == "fixed", path.name
            assert width.get(qn("w:type")) == "dxa", path.name
            assert abs(int(width.get(qn("w:w"))) - sum(grid)) <= len(grid), path.name  # twips rounding
