"""Exporting analytics tables (:class:`analytics.ReportTable`) to XLSX and PDF, and formatting their
cells for people (the same text on screen and in the PDF).

XLSX keeps numbers as numbers (amounts as exact decimals with a number format) so the sheet can be
summed further; PDF is a plain HTML table (``templates/reports/report.html``) rendered by
weasyprint with the bundled DejaVu font, which covers Cyrillic, Italian accents, ₽ and €.
weasyprint is imported only when a PDF is made.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal

from desktop_crm import money
from desktop_crm.i18n import _, current_language
from desktop_crm.i18n.formatting import babel_locale, format_amount, format_datetime
from desktop_crm.models import Action, utcnow
from desktop_crm.paths import templates_dir
from desktop_crm.services.reporting.analytics import Column, ColumnKind, ReportTable, format_month
from desktop_crm.services.system import rights

EMPTY = "–"
XLSX_FORMATS = {
    ColumnKind.COUNT: "#,##0",
    ColumnKind.MONEY: "#,##0.00",
    ColumnKind.PERCENT: "0.0",
    ColumnKind.DAYS: "0.0",
    ColumnKind.MONTH: "mmmm yyyy",
}


def format_cell(column: Column, value: Any, language: str | None = None) -> str:
    """A cell as shown on screen and printed: grouped numbers, one decimal for rates and days."""
    if value is None:
        return EMPTY
    kind = column.kind
    if kind == ColumnKind.COUNT:
        return format_decimal(int(value), format="#,##0", locale=babel_locale(language))
    if kind == ColumnKind.MONEY:
        return format_amount(value, language)
    if kind in (ColumnKind.PERCENT, ColumnKind.DAYS):
        return format_amount(value, language, places=1)
    if kind == ColumnKind.MONTH:
        return format_month(value, language)
    return str(value)


def is_numeric(column: Column) -> bool:
    return column.kind in (ColumnKind.COUNT, ColumnKind.MONEY, ColumnKind.PERCENT, ColumnKind.DAYS)


# --- XLSX -----------------------------------------------------------------------------------------


def _sheet_title(title: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet"
    candidate, number = name, 2
    while candidate in taken:
        suffix = f" ({number})"
        candidate, number = name[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate)
    return candidate


def _xlsx_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == ColumnKind.MONEY:
        return money.round_money(value)
    if column.kind in (ColumnKind.PERCENT, ColumnKind.DAYS):
        return money.quantize(value, 1)
    if column.kind == ColumnKind.MONTH:
        return dt.datetime.combine(value, dt.time())
    return value


def export_xlsx(tables: Sequence[ReportTable], path: Path) -> Path:
    """One sheet per table: title, subtitle, a bold header row, then the rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, taken))
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([table.subtitle])
        sheet.append([])
        sheet.append([c.title for c in table.columns])
        header_row = sheet.max_row
        for index in range(1, len(table.columns) + 1):
            cell = sheet.cell(row=header_row, column=index)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            sheet.append([_xlsx_value(c, v) for c, v in zip(table.columns, row.cells, strict=True)])
            for index, column in enumerate(table.columns, 1):
                number_format = XLSX_FORMATS.get(column.kind)
                if number_format:
                    sheet.cell(row=sheet.max_row, column=index).number_format = number_format
        for index, column in enumerate(table.columns, 1):
            widest = max(
                [len(column.title) // 2 + 2]
                + [len(format_cell(column, r.cells[index - 1])) + 2 for r in table.rows]
            )
            sheet.column_dimensions[get_column_letter(index)].width = min(max(widest, 10), 48)
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    path = Path(path)
    workbook.save(path)
    return path


# --- PDF ------------------------------------------------------------------------------------------


def reports_templates_dir() -> Path:
    return templates_dir() / "reports"


def render_html(tables: Sequence[ReportTable], language: str | None = None) -> str:
    """The HTML the PDF is made from (texts already translated and formatted)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(str(reports_templates_dir())),
        autoescape=select_autoescape(["html"]),
    )
    language = language or current_language()
    prepared = [
        {
            "title": table.title,
            "subtitle": table.subtitle,
            "columns": [{"title": c.title, "numeric": is_numeric(c)} for c in table.columns],
            "rows": [
                [format_cell(c, v, language) for c, v in zip(table.columns, row.cells, strict=True)]
                for row in table.rows
            ],
        }
        for table in tables
    ]
    landscape = any(len(t.columns) > 7 for t in tables)
    return environment.get_template("report.html").render(
        language=language,
        tables=prepared,
        landscape=landscape,
        document_title=tables[0].title if tables else "",
        generated=_("Made on {moment}").format(moment=format_datetime(utcnow(), language) + " UTC"),
        page_label=_("Page"),
        empty=_("No data for this period."),
    )


def export_pdf(tables: Sequence[ReportTable], path: Path, language: str | None = None) -> Path:
    import weasyprint

    html = render_html(tables, language)
    document = weasyprint.HTML(string=html, base_url=str(reports_templates_dir()) + "/")
    path = Path(path)
    document.write_pdf(str(path))
    return path


def export(tables: Sequence[ReportTable], path: Path, language: str | None = None) -> Path:
    """Export by the file's extension: ``.xlsx`` or ``.pdf``."""
    rights.require(Action.EXPORT)
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return export_xlsx(tables, path)
    if suffix == ".pdf":
        return export_pdf(tables, path, language)
    raise ValueError(f"unsupported export format: {suffix}")

