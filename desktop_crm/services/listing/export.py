"""Export of a list — every row matching its filter, in its order — to CSV or XLSX.

Runs in a worker thread (``workers.run_in_background``): it reports progress, stops when the user
cancels, and writes to a temporary file renamed at the end, so a cancelled or failed export never
leaves a half-written file. XLSX keeps types (amounts stay numbers: ``Decimal``, never ``float``;
dates stay dates) and is written with openpyxl's streaming ``write_only`` mode; CSV is UTF-8 with a
BOM and ``;`` as separator for Russian and Italian (what their spreadsheets expect), ``,`` for
English.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from desktop_crm.i18n import _, current_language
from desktop_crm.models import Action
from desktop_crm.services.listing import lists
from desktop_crm.services.listing.lists import ListFilter, Sort
from desktop_crm.services.system import rights

FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int


def export_list(
    entity: str,
    flt: ListFilter | None,
    sort: Sort | None,
    path: Path | str,
    fmt: str | None = None,
    columns: Sequence[str] | None = None,
    user_id: str | None = None,
    progress: Any = None,
) -> ExportResult:
    """Write the list to ``path`` (format from ``fmt`` or the suffix); ``columns`` keys in order."""
    rights.require(Action.EXPORT)
    target = Path(path)
    fmt = (fmt or target.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    spec = lists.spec(entity)
    keys = list(columns) if columns else [c.key for c in spec.columns if c.visible]
    by_key = {c.key: (i, c) for i, c in enumerate(spec.columns)}
    chosen = [by_key[k] for k in keys if k in by_key]
    headers = [_(c.title) for _i, c in chosen]

    if progress is not None:
        progress.report(0, 0, _("Collecting the rows…"), force=True)
    snapshot = lists.snapshot(entity, flt, sort, user_id,
                              cancelled=(lambda: progress.cancelled) if progress else None)
    if progress is not None:
        progress.check()
    total = len(snapshot.keys)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=f".{fmt}.part",
                                         dir=target.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        writer = _XlsxWriter(temp, spec.title) if fmt == "xlsx" else _CsvWriter(temp)
        writer.header(headers)
        written = 0
        batch = 2000
        for start in range(0, total, batch):
            if progress is not None:
                progress.check()
            rows = lists.fetch_keys(entity, snapshot.keys[start:start + batch])
            for row in rows:
                writer.row([_cell(c, row.values[i], row.values, spec) for i, c in chosen])
            written += len(rows)
            if progress is not None:
                progress.report(written, total, _("Exported {done} of {total} rows").format(
                    done=written, total=total))
        writer.close()
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return ExportResult(target, written)


def _cell(column: lists.Column, value: Any, values: tuple[Any, ...], spec: lists.ListSpec) -> Any:
    if value is None:
        return None
    if column.kind == "bool":
        return _("Yes") if value else _("No")
    if column.kind == "datetime" and isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None, microsecond=0)
    return value


class _CsvWriter:
    def __init__(self, path: Path) -> None:
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        delimiter = "," if current_language() == "en" else ";"
        self._writer = csv.writer(self._file, delimiter=delimiter)

    def header(self, names: list[str]) -> None:
        self._writer.writerow(names)

    def row(self, values: list[Any]) -> None:
        self._writer.writerow([_csv_text(v) for v in values])

    def close(self) -> None:
        self._file.close()


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if current_language() == "en" else text.replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _XlsxWriter:
    def __init__(self, path: Path, title: str) -> None:
        from openpyxl import Workbook

        self._path = path
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(_(title)[:31])

    def header(self, names: list[str]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        cells = []
        for name in names:
            cell = WriteOnlyCell(self._sheet, value=name)
            cell.font = Font(bold=True)
            cells.append(cell)
        self._sheet.append(cells)
        self._sheet.freeze_panes = "A2"

    def row(self, values: list[Any]) -> None:
        self._sheet.append(values)

    def close(self) -> None:
        self._workbook.save(self._path)
