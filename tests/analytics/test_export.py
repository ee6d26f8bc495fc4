"""Exporting analytics reports: XLSX keeps exact numbers, PDF carries Cyrillic text in DejaVu."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from desktop_crm import i18n
from desktop_crm.services.reporting import analytics, report_export
from desktop_crm.services.reporting.analytics import Column, ColumnKind
from tests.analytics.conftest import NOW, Sales


def test_xlsx_has_a_sheet_per_table_with_numbers_as_numbers(sales_sqlite: Sales, tmp_path: Path) -> None:
    report = analytics.managers(sales_sqlite.scope, now=NOW)
    path = report_export.export(analytics.tables(analytics.ReportKind.MANAGERS, report), tmp_path / "m.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Won and lost by manager", "Lost deals by reason", "Won deals by reason",
                               "Sales plans"]
    sheet = book["Won and lost by manager"]
    assert sheet["A1"].value == "Won and lost by manager"
    header = [c.value for c in sheet[4]]
    assert header[:5] == ["Manager", "Won", "Won, EUR", "Won, RUB", "Lost"]
    boris = [c.value for c in sheet[5]]
    assert boris[:4] == ["Boris", 2, 1200, 700.5]
    assert sheet.cell(row=5, column=4).number_format == "#,##0.00"
    reasons = book["Lost deals by reason"]
    assert [c.value for c in reasons[5]] == ["Price", 2, 2400]
    assert [c.value for c in reasons[6]] == ["(no reason given)", 1, 100]


def test_xlsx_months_are_dates(sales_sqlite: Sales, tmp_path: Path) -> None:
    report = analytics.forecast(sales_sqlite.scope)
    path = report_export.export_xlsx([report.table()], tmp_path / "f.xlsx")
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[5]] == [dt.datetime(2026, 2, 1), "RUB", 1, 300, 30]
    assert sheet["E7"].value == pytest.approx(233.33)


def test_cells_are_formatted_for_the_ui_language() -> None:
    money = Column("", ColumnKind.MONEY, "RUB")
    i18n.set_language("ru")
    assert report_export.format_cell(money, Decimal("1234567.005")) == "1\u00a0234\u00a0567,01"
    assert report_export.format_cell(Column("", ColumnKind.DAYS), Decimal("6.75")) == "6,8"
    assert report_export.format_cell(Column("", ColumnKind.MONTH), dt.date(2026, 3, 1)) == "март 2026"
    i18n.set_language("it")
    assert report_export.format_cell(money, Decimal("1234567.005")) == "1.234.567,01"
    assert report_export.format_cell(Column("", ColumnKind.MONTH), dt.date(2026, 3, 1)) == "marzo 2026"
    assert report_export.format_cell(Column("", ColumnKind.PERCENT), None) == "–"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_in_russian_has_the_translated_table_and_embeds_its_font(
    sales_sqlite: Sales, tmp_path: Path
) -> None:
    i18n.set_language("ru")
    report = analytics.funnel(sales_sqlite.scope)
    path = report_export.export([report.table(), report.conversion_table()], tmp_path / "f.pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Воронка продаж" in text and "Конверсия между стадиями" in text
    assert "Доля, %" in text
    assert "4 683,83" in text.replace("\u00a0", " ")  # New, RUB
    assert "75,0" in text
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    embedded = [line.split() for line in fonts.splitlines()[2:]]
    assert embedded and all("Report-Sans" in row[0] for row in embedded)  # the @font-face DejaVu
    assert all("yes" in row[-5:-2] for row in embedded)  # embedded, subset


def test_unknown_export_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        report_export.export([], tmp_path / "report.csv")
