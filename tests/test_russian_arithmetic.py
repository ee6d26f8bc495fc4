"""Russian papers whose arithmetic reads: read back from the PDF (pdftotext) and the DOCX
(python-docx), every discounted line satisfies Цена × Кол-во − Скидка = Сумма, and the totals
read «Сумма без скидки / Скидка / Итого» with Итого = Сумма без скидки − Скидка = Σ Сумма.
The numbers are parsed from the documents' text and checked here, not taken from the context."""

from __future__ import annotations

import dataclasses
import io
import re
from decimal import Decimal

import pytest

from desktop_crm.documents import render
from desktop_crm.documents.context import LineInput, build_context, sample_input
from tests.test_document_render import normalise, pdf_text

AMOUNT = r"\d{1,3}(?: \d{3})*,\d{2}"


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(" ", "").replace(",", "."))


def discounted(kind: str):
    data = sample_input("ru", kind)
    lines = [
        dataclasses.replace(data.lines[0], discount_percent=Decimal("10")),
        dataclasses.replace(data.lines[1], quantity=Decimal("3"), price=Decimal("1499.99"),
                            discount_percent=Decimal("7.5")),
        data.lines[2],
        LineInput("Кабель HDMI", Decimal("4"), Decimal("333.33"), "шт", vat_rate=Decimal("22"),
                  discount_percent=Decimal("12.5")),
    ]
    return dataclasses.replace(data, lines=lines)


def _rows_of(text: str, names: list[str]) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
    """(qty, price, discount, amount) of each product line, parsed from the document's text."""
    rows = []
    for name in names:
        line = next(line for line in text.splitlines() if name in line)
        after = normalise(line.split(name, 1)[1])
        qty = Decimal(after.split()[0].replace(",", "."))
        amounts = [_decimal(a) for a in re.findall(AMOUNT, after)]
        if len(amounts) == 2:  # an undiscounted line: no discount printed
            amounts.insert(1, Decimal("0.00"))
        price, discount, amount = amounts[-3:]
        rows.append((qty, price, discount, amount))
    return rows


def _total(text: str, label: str) -> Decimal:
    match = re.search(re.escape(label) + r"\s*(" + AMOUNT + ")", normalise(text))
    assert match, f"{label} not in the document"
    return _decimal(match.group(1))


def _check(text: str, names: list[str]) -> None:
    rows = _rows_of(text, names)
    for qty, price, discount, amount in rows:
        gross = (qty * price).quantize(Decimal("0.01"))
        assert gross - discount == amount, (qty, price, discount, amount)
    assert any(discount for _q, _p, discount, _a in rows)
    before = _total(text, "Сумма без скидки:")
    discount = _total(text, "Скидка:")
    total = _total(text, "Итого:")
    assert before == sum(((q * p).quantize(Decimal("0.01")) for q, p, _d, _a in rows), Decimal(0))
    assert discount == sum((d for _q, _p, d, _a in rows), Decimal(0))
    assert total == before - discount == sum((a for *_x, a in rows), Decimal(0))
    flat = normalise(text)
    assert flat.index("Сумма без скидки:") < flat.index("Скидка:") < flat.index("Итого:")


def _docx_text(content: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = []
            for cell in row.cells:
                if cell.text not in cells[-1:]:
                    cells.append(cell.text)
            lines.append("   ".join(cells))
    return "\n".join(lines)


@pytest.mark.parametrize("kind", ["invoice", "quote"])
def test_pdf_lines_and_totals_add_up(kind, tmp_path):
    data = discounted(kind)
    context = build_context(data)
    text = pdf_text(render.render_pdf(context), tmp_path, layout=True)
    names = [line.name for line in data.lines]
    if kind == "invoice":
        _check(text, names)
        assert "Скидка" in text.split(names[0])[0]  # the column header
    else:  # the КП shows the discount as a percent per line; its totals carry the money
        flat = normalise(text)
        assert flat.index("Сумма без скидки:") < flat.index("Скидка:") < flat.index("Итого:")
        assert _total(text, "Итого:") == _total(text, "Сумма без скидки:") - _total(text, "Скидка:")


@pytest.mark.parametrize("kind", ["invoice", "quote"])
def test_docx_lines_and_totals_add_up(kind):
    data = discounted(kind)
    text = _docx_text(render.render_docx(build_context(data)))
    if kind == "invoice":
        _check(text, [line.name for line in data.lines])
    else:
        assert _total(text, "Итого:") == _total(text, "Сумма без скидки:") - _total(text, "Скидка:")


def test_undiscounted_invoice_has_no_discount_column_or_rows(tmp_path):
    text = normalise(pdf_text(render.render_pdf(build_context(sample_input("ru", "invoice"))), tmp_path))
    assert "Скидка" not in text and "Сумма без скидки" not in text
