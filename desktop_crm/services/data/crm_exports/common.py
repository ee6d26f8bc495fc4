"""What the readers of other CRMs' export files share: decoding, CSV, an HTML table, an XLSX sheet.

Each reader gives a :class:`ForeignTable` — the header row and the data rows as text, how the file
was read (encoding, delimiter) and which kind of record the export holds (contacts, companies,
leads or deals, told by its columns). Nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.normalize import fold

#: Bytes read to recognise a file.
HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class ForeignTable:
    headers: list[str]
    rows: list[list[str]]
    format: str  # "bitrix24" or "amocrm"
    encoding: str  # "utf-8", "utf-8-sig", "cp1251"; "" for an XLSX sheet
    delimiter: str  # "" for an HTML or XLSX table
    entity: str = ""  # "contacts", "companies", "leads", "deals"; "" when the columns do not tell
    container: str = "csv"  # "csv", "html" (Bitrix24's "Excel" export) or "xlsx"
    hints: dict[str, str] = field(default_factory=dict)  # header → our field


def decode(raw: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was in: UTF-8 (with or without BOM), UTF-16 with its
    BOM, else Windows-1251 (a file in another code page reads as nonsense, and its columns are then
    not the CRM's: refused)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        return raw.decode("utf-16", errors="replace").lstrip("\ufeff"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1251", errors="replace"), "cp1251"


def head_text(path: Path) -> str:
    """The beginning of a file as text (for sniffing); "" when it cannot be read."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(HEAD_BYTES)
    except OSError:
        return ""
    if raw.startswith(b"PK\x03\x04"):
        return ""
    for cut in range(4):  # the read may end inside a UTF-8 character
        try:
            return raw[: len(raw) - cut].decode("utf-8").lstrip("\ufeff")
        except UnicodeDecodeError:
            continue
    text, _encoding = decode(raw)
    return text


def first_line_cells(text: str) -> list[str]:
    """The header cells of a CSV text's first line (``;``, ``,`` or tab)."""
    line = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    delimiter = _delimiter(line)
    return [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter), [])]


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def folded(headers: Iterable[str]) -> set[str]:
    return {fold(h) for h in headers if h}


def unreadable(path: Path, crm: str) -> ValidationError:
    """``crm`` is a product's name (Bitrix24, amoCRM): the same in every language."""
    return ValidationError(
        _("“{file}” is not an export file of {crm}: its columns are not the ones {crm} writes.").format(
            file=path.name, crm=crm
        ),
        field="file",
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as problem:
        raise ValidationError(_("Cannot read “{file}”: {reason}").format(
            file=path.name, reason=problem.strerror or problem), field="file") from problem


def _clean_rows(rows: Iterable[Sequence[str]], width: int) -> list[list[str]]:
    result = []
    for row in rows:
        cells = [str(cell).strip() for cell in row]
        if not any(cells):
            continue
        cells = (cells + [""] * width)[:max(width, len(cells))]
        result.append(cells)
    return result


def read_csv(path: Path) -> tuple[list[str], list[list[str]], str, str]:
    """Headers, rows, encoding and delimiter of a CSV export."""
    text, encoding = decode(_read(path))
    first = text.split("\n", 1)[0]
    delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers = [cell.strip() for cell in next(reader, [])]
    return headers, _clean_rows(reader, len(headers)), encoding, delimiter


_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


def _html_text(raw: bytes) -> tuple[str, str]:
    declared = _CHARSET.search(raw[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        encoding = "cp1251" if name in ("windows-1251", "cp1251") else name
        try:
            return raw.decode(encoding).lstrip("\ufeff"), encoding
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(raw)


_FIRST_ROW = re.compile(r"<tr\b.*?</tr\s*>", re.IGNORECASE | re.DOTALL)
_CELL = re.compile(r"<t[hd]\b[^>]*>(.*?)</t[hd]\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def html_header_cells(head: str) -> list[str]:
    """The cells of the first table row in the beginning of an HTML file (sniffing a big export
    without parsing all of it)."""
    from html import unescape

    row = _FIRST_ROW.search(head)
    if row is None:
        return []
    return [" ".join(unescape(_TAG.sub(" ", cell)).split()) for cell in _CELL.findall(row.group(0))]


def read_html_table(path: Path) -> tuple[list[str], list[list[str]], str]:
    """Headers, rows and encoding of the first table of an HTML file (Bitrix24's "Excel" export)."""
    from lxml import etree, html  # type: ignore[import-untyped]

    text, encoding = _html_text(_read(path))
    try:
        document = html.document_fromstring(_XML_DECLARATION.sub("", text))
    except (etree.ParserError, ValueError) as problem:
        raise unreadable(path, "Bitrix24") from problem
    tables = document.xpath("//table")
    if not tables:
        raise unreadable(path, "Bitrix24")
    for br in tables[0].xpath(".//br"):  # a field's several values, one per line in its cell
        br.tail = ", " + (br.tail or "")
    lines = [
        [" ".join(cell.text_content().split()).strip(", ") for cell in row.xpath("./th|./td")]
        for row in tables[0].xpath(".//tr")
    ]
    lines = [line for line in lines if any(line)]
    if not lines:
        raise unreadable(path, "Bitrix24")
    headers = lines[0]
    return headers, _clean_rows(lines[1:], len(headers)), encoding


def read_xlsx(path: Path) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the first sheet of an XLSX workbook, every value as text."""
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as problem:
        raise unreadable(path, "amoCRM") from problem
    try:
        sheet = workbook.worksheets[0]
        lines = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    lines = [line for line in lines if any(line)]
    if not lines:
        raise unreadable(path, "amoCRM")
    headers = lines[0]
    return headers, _clean_rows(lines[1:], len(headers))


def _cell_text(value: object) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def xlsx_headers(path: Path) -> list[str]:
    """The first row of an XLSX workbook's first sheet ([] when it is not a workbook)."""
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return []
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True, max_row=1):
            return [_cell_text(value) for value in row]
        return []
    finally:
        workbook.close()


def hints_for(headers: Sequence[str], table: dict[str, str]) -> dict[str, str]:
    """Each header that ``table`` (folded header → field) knows, mapped to its field; each field once."""
    hints: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        target = table.get(fold(header))
        if target and target not in taken:
            hints[header] = target
            taken.add(target)
    return hints


def distinct(values: Iterable[str]) -> list[str]:
    """The non-empty values, each once, in their first order."""
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


@dataclass(frozen=True)
class ForeignReferences:
    """What an export names that must be one of ours: its pipelines' stages and its users."""

    stages: list[tuple[str, str]]  # (pipeline, stage), each once; pipeline "" when the file has none
    users: list[str]


def references(table: ForeignTable, mapping: dict[str, str] | None = None) -> ForeignReferences:
    """The stages (with their pipelines) and the users named by the rows, through ``mapping``
    (header → our field; the table's own hints when not given)."""
    fields = table.hints if mapping is None else mapping
    index = {target: table.headers.index(header)
             for header, target in fields.items() if header in table.headers}

    def cell(row: list[str], target: str) -> str:
        position = index.get(target)
        return row[position].strip() if position is not None and position < len(row) else ""

    stages: dict[tuple[str, str], None] = {}
    if "stage" in index:
        for row in table.rows:
            stage = cell(row, "stage")
            if stage:
                stages.setdefault((cell(row, "pipeline"), stage), None)
    users = distinct(cell(row, "responsible") for row in table.rows)
    return ForeignReferences(list(stages), users)


def is_multi_value(header: str) -> bool:
    """A phone or e-mail column: Bitrix24 and amoCRM write a field's several values in one cell."""
    name = fold(header)
    return "телефон" in name or "e-mail" in name or "email" in name


def split_multi_values(headers: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Each phone and e-mail cell holding several values (``"+7 903 555-12-34, +7 903 555-00-00"``)
    keeps its first; the others go to new columns right after it («Мобильный телефон (2)», …), which
    the mapping may use or leave out."""
    widths: list[int] = []
    for index, header in enumerate(headers):
        width = 1
        if is_multi_value(header):
            for row in rows:
                if index < len(row) and "," in row[index]:
                    width = max(width, len([v for v in row[index].split(",") if v.strip()]))
        widths.append(width)
    if all(width == 1 for width in widths):
        return headers, rows
    new_headers: list[str] = []
    for header, width in zip(headers, widths, strict=True):
        new_headers += [header] + [f"{header} ({n})" for n in range(2, width + 1)]
    new_rows = []
    for row in rows:
        cells: list[str] = []
        for index, width in enumerate(widths):
            value = row[index] if index < len(row) else ""
            if width == 1:
                cells.append(value)
                continue
            parts = [v.strip() for v in value.split(",") if v.strip()]
            cells += (parts + [""] * width)[:width]
        cells += row[len(widths):]
        new_rows.append(cells)
    return new_headers, new_rows
