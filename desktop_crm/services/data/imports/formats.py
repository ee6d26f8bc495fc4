"""Files an import reads, as one shape: a :class:`Table` of text cells under headers.

* ``read_table(path, format="auto") -> Table``: the format is sniffed from the first bytes (and the
  file name) unless given; a file of an unknown format, or one that does not look like the format
  asked for, is a translated :class:`ImportFileError`.
* ``register_format(name, sniff, read, mapping_hints=None, label=..., priority=0)``: other formats
  (the Bitrix24 and amoCRM exports) plug in here. ``sniff(path, head)`` gets the path and the first
  64 KiB; ``read(path)`` returns a ``Table``; ``mapping_hints`` is ``{entity: {header: field}}``
  tried before the generic header names (:func:`mapping.suggest_mapping`). Auto-detection asks the
  formats by decreasing ``priority``: a specific format (an export of another CRM, priority > 0)
  is recognised before the generic CSV (the last resort). Modules named in :data:`PLUGIN_MODULES`
  are imported on first use, so a plug-in registers itself by being there.

Built in: ``csv`` (UTF-8 with or without BOM, or Windows-1251; ``;``, ``,`` or tab), ``xlsx``
(openpyxl, read-only) and ``vcard`` (3.0 and 4.0: folded lines, QUOTED-PRINTABLE, CHARSET; the
properties N, FN, TEL, EMAIL, ORG, TITLE, BDAY, ADR, NOTE become columns).

Row numbers (``Table.source_row_numbers``) are what the user finds the row by: the spreadsheet row
for CSV and XLSX (the header is row 1), the card's number for vCard.
"""

from __future__ import annotations

import codecs
import csv
import importlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop_crm.errors import CrmError
from desktop_crm.i18n import N_, _

#: Modules that register further formats when imported (missing ones are skipped).
PLUGIN_MODULES: tuple[str, ...] = (
    "desktop_crm.services.data.imports.bitrix24",
    "desktop_crm.services.data.imports.amocrm",
)
HEAD_BYTES = 65536
#: A sanity limit: a CSV cell longer than this is not a CRM value (a binary file read as text).
csv.field_size_limit(1_000_000)


class ImportFileError(CrmError):
    """The file cannot be read as asked: unknown or mismatching format, broken encoding, no rows."""


@dataclass(frozen=True)
class Table:
    """The cells of a file: ``rows[i][j]`` under ``headers[j]`` (rows may be shorter or longer than
    the headers: the engine reports that). ``source_row_numbers[i]`` is the number the user finds
    row ``i`` by (see the module docstring); empty means "data row i is row i + 2"."""

    headers: list[str]
    rows: Sequence[list[str]] | Iterator[list[str]]  # an iterator is read once (no preview then)
    format: str
    encoding: str = ""
    delimiter: str = ""
    source_row_numbers: list[int] = field(default_factory=list)

    def row_number(self, index: int) -> int:
        if index < len(self.source_row_numbers):
            return self.source_row_numbers[index]
        return index + 2


@dataclass(frozen=True)
class FileFormat:
    name: str
    label: str  # msgid, shown translated
    sniff: Callable[[Path, bytes], bool]
    read: Callable[[Path], Table]
    mapping_hints: dict[str, dict[str, str]] | None = None
    priority: int = 0


_FORMATS: dict[str, FileFormat] = {}
_plugins_loaded = False


def register_format(
    name: str,
    sniff: Callable[[Path, bytes], bool],
    read: Callable[[Path], Table],
    mapping_hints: dict[str, dict[str, str]] | None = None,
    *,
    label: str | None = None,
    priority: int = 0,
) -> None:
    """Add (or replace) the format ``name`` (see the module docstring)."""
    _FORMATS[name] = FileFormat(name, label or name, sniff, read, mapping_hints, priority)


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for module in PLUGIN_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as missing:
            if missing.name != module:
                raise


def formats() -> list[FileFormat]:
    """The registered formats, the order auto-detection asks them in."""
    _load_plugins()
    return sorted(_FORMATS.values(), key=lambda f: -f.priority)


def file_format(name: str) -> FileFormat:
    _load_plugins()
    found = _FORMATS.get(name)
    if found is None:
        raise ImportFileError(_("“{format}” is not a file format this version can import. "
                                "Known formats: {known}.").format(
            format=name, known=", ".join(sorted(_FORMATS))))
    return found


def mapping_hints(format_name: str, entity: str) -> dict[str, str]:
    """What the format says about its own column names for ``entity`` (empty when nothing)."""
    _load_plugins()
    found = _FORMATS.get(format_name)
    return dict((found.mapping_hints or {}).get(entity, {})) if found else {}


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except FileNotFoundError:
        raise ImportFileError(_("The file {path} does not exist.").format(path=path)) from None
    except IsADirectoryError:
        raise ImportFileError(_("{path} is a folder, not a file.").format(path=path)) from None
    except OSError as error:
        raise ImportFileError(_("The file {path} cannot be read: {reason}").format(
            path=path, reason=error.strerror or error)) from None


def detect_format(path: Path | str) -> str:
    """The name of the first registered format that recognises the file."""
    path = Path(path)
    head = _head(path)
    for candidate in formats():
        if candidate.sniff(path, head):
            return candidate.name
    raise ImportFileError(_("{name} is not a file this application can import: use a CSV, XLSX or "
                            "vCard file.").format(name=path.name))


def read_table(path: Path | str, format: str = "auto") -> Table:
    """The file's cells (see the module docstring)."""
    path = Path(path)
    if format == "auto":
        format = detect_format(path)
    else:
        wanted = file_format(format)
        if not wanted.sniff(path, _head(path)):
            raise ImportFileError(_("{name} does not look like a file of the format “{format}”. "
                                    "Choose the right format or let it be detected.").format(
                name=path.name, format=_(wanted.label)))
    table = file_format(format).read(path)
    if not table.headers:
        raise ImportFileError(_("{name} has no header row: its first row must name the columns.")
                              .format(name=path.name))
    return table


def unique_headers(headers: Iterable[str]) -> list[str]:
    """Headers stripped, blank ones named by their column, repeated ones numbered ("Phone (2)")."""
    seen: dict[str, int] = {}
    result = []
    for index, raw in enumerate(headers, start=1):
        name = " ".join(str(raw or "").split()) or _("Column {number}").format(number=index)
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return result


# --- CSV ----------------------------------------------------------------------------------------

_BINARY_MAGIC = (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8",
                 b"\x1f\x8b", b"SQLite format 3")


def decode_text(raw: bytes, name: str = "") -> tuple[str, str]:
    """The text of a file and the encoding it was written in: UTF-8 (with or without BOM),
    Windows-1251 (Russian Excel) or Windows-1252 (Italian Excel: words mixing Latin letters with
    what would be Cyrillic ones are Italian accents read in the wrong code page); UTF-16 with its
    BOM. Anything else is refused."""
    if raw.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "cp1251")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "cp1251":
            if _mixed_script(text):
                try:
                    return raw.decode("cp1252"), "cp1252"
                except UnicodeDecodeError:
                    break
            if _unlikely_cp1251(text):
                break
        return text, encoding
    raise ImportFileError(_("{name}: the text is neither UTF-8 nor Windows-1251. Save the file "
                            "as “CSV UTF-8” and import it again.").format(name=name or _("the file")))


_WORD = re.compile(r"[^\W\d_]+")


def _mixed_script(text: str) -> bool:
    """More words mix Latin and Cyrillic letters than are wholly Cyrillic."""
    mixed = cyrillic = 0
    for word in _WORD.findall(text[:200_000]):
        has_cyrillic = any("\u0400" <= ch <= "\u04ff" for ch in word)
        if not has_cyrillic:
            continue
        if any(ch.isascii() for ch in word):
            mixed += 1
        else:
            cyrillic += 1
    return mixed > cyrillic


def _unlikely_cp1251(text: str) -> bool:
    """Bytes that decode as Windows-1251 but are not Russian text (another code page): many
    letters outside Cyrillic and Latin, or control characters."""
    text = text[:200_000]
    odd = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\r\n\t") or "\u0080" <= ch <= "\u03ff"
              or ("\u2000" <= ch <= "\u2bff" and ch not in "–—‘’‚“”„•…‰‹›€№™"))
    return odd > max(3, len(text) // 200)


def _looks_textual(head: bytes) -> bool:
    if not head.strip():
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if head.startswith(_BINARY_MAGIC) or b"\x00" in head:
        return False
    lowered = head[:512].lstrip(codecs.BOM_UTF8).lstrip().lower()
    return not lowered.startswith((b"<", b"begin:vcard", b"{"))


def sniff_csv(path: Path, head: bytes) -> bool:
    return _looks_textual(head)


def sniff_delimiter(text: str) -> str:
    """``;``, ``,`` or tab: the one that splits the first lines into the same, largest number of
    columns (quotes respected)."""
    lines = text[:65536].splitlines()[:20]
    sample = "\n".join(lines)
    best, best_score = ",", (0, 0)
    for delimiter in (";", "\t", ","):
        try:
            counts = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        same = sum(1 for c in counts if c == counts[0])
        score = (same, counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_csv(path: Path) -> Table:
    text, encoding = decode_text(path.read_bytes(), path.name)  # the whole file checked once
    delimiter = sniff_delimiter(text[:65536].lstrip("\ufeff"))
    del text  # then read as a stream: a copy of a big file in memory is enough
    rows: list[list[str]] = []
    numbers: list[int] = []
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader, [])
            if header:
                header[0] = header[0].lstrip("\ufeff")
            for record in reader:
                if any(cell.strip() for cell in record):
                    rows.append(record)
                    numbers.append(reader.line_num)
        except csv.Error as error:
            raise ImportFileError(_("{name}: the CSV is broken near line {line} ({reason}).").format(
                name=path.name, line=reader.line_num, reason=error)) from None
    return Table(unique_headers(header), rows, "csv", encoding, delimiter, numbers)


# --- XLSX ---------------------------------------------------------------------------------------


def sniff_xlsx(path: Path, head: bytes) -> bool:
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _cell_text(value: object) -> str:
    import datetime as dt
    from decimal import Decimal

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(Decimal(repr(value))).removesuffix(".0") if value == value else ""
    return str(value)


def read_xlsx(path: Path) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(_("{name} is not a readable Excel workbook ({reason}).").format(
            name=path.name, reason=type(error).__name__)) from None
    try:
        sheet = book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header: list[str] = []
        rows: list[list[str]] = []
        numbers: list[int] = []
        for number, record in enumerate(values, start=1):
            cells = [_cell_text(v) for v in record]
            if not header:
                if any(c.strip() for c in cells):
                    header = cells
                continue
            if any(c.strip() for c in cells):
                rows.append(cells)
                numbers.append(number)
    finally:
        book.close()
    while header and not header[-1].strip():
        header.pop()
    return Table(unique_headers(header), rows, "xlsx", "", "", numbers)


# --- vCard --------------------------------------------------------------------------------------

#: The columns a vCard becomes (English names; mapping knows them).
VCARD_COLUMNS = ("Last name", "First name", "Middle name", "Full name", "Mobile phone", "Work phone",
                 "Phone", "E-mail", "Work e-mail", "Company", "Job title", "Birthday", "Address",
                 "Postal code", "City", "Note")


def sniff_vcard(path: Path, head: bytes) -> bool:
    start = head.lstrip(codecs.BOM_UTF8).lstrip()[:64].upper()
    return start.startswith(b"BEGIN:VCARD")


def _unfold(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines():
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif lines and lines[-1].endswith("=") and "QUOTED-PRINTABLE" in lines[-1].upper().split(":")[0]:
            lines[-1] = lines[-1][:-1] + raw  # a quoted-printable soft line break (vCard 2.1/3.0)
        else:
            lines.append(raw)
    return lines


def _property(line: str) -> tuple[str, dict[str, str], str]:
    name_part, _sep, value = line.partition(":")
    name, *params = name_part.split(";")
    parameters: dict[str, str] = {}
    for param in params:
        key, has_value, val = param.partition("=")
        if has_value:
            parameters[key.upper()] = parameters.get(key.upper(), "") + "," + val.strip('"').upper() \
                if key.upper() in parameters else val.strip('"').upper()
        else:  # vCard 2.1: bare TYPE values (";CELL;HOME")
            parameters["TYPE"] = (parameters.get("TYPE", "") + "," + key.upper()).strip(",")
    return name.split(".")[-1].upper(), parameters, value


def _decode_value(value: str, parameters: dict[str, str]) -> str:
    if parameters.get("ENCODING") in ("QUOTED-PRINTABLE", "QP"):
        import quopri

        charset = parameters.get("CHARSET", "UTF-8").lower()
        raw = quopri.decodestring(value.encode("ascii", "replace"))
        try:
            return raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            return raw.decode("cp1251", "replace")
    return value


def _unescape(value: str) -> str:
    return (value.replace("\\n", "\n").replace("\\N", "\n").replace("\\,", ",")
            .replace("\\;", ";").replace("\\\\", "\\"))


def _components(value: str) -> list[str]:
    parts, current, escaped = [], "", False
    for ch in value:
        if escaped:
            current += "\\" + ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ";":
            parts.append(_unescape(current))
            current = ""
        else:
            current += ch
    parts.append(_unescape(current))
    return parts


def _birthday(value: str) -> str:
    value = value.strip()
    digits = value.replace("-", "")
    if len(digits) == 8 and digits.isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    return value[:10] if len(value) >= 10 and value[4:5] == "-" else value


def _card_cells(props: list[tuple[str, dict[str, str], str]]) -> dict[str, str]:
    cells: dict[str, str] = {}

    def put(column: str, value: str) -> None:
        value = value.strip()
        if value and not cells.get(column):
            cells[column] = value

    for name, params, value in props:
        types = params.get("TYPE", "").split(",")
        if name == "N":
            parts = [*_components(value), "", "", ""]
            put("Last name", parts[0])
            put("First name", parts[1])
            put("Middle name", parts[2])
        elif name == "FN":
            put("Full name", _unescape(value))
        elif name == "TEL":
            number = value.removeprefix("tel:")
            column = ("Mobile phone" if "CELL" in types else
                      "Work phone" if "WORK" in types else "Phone")
            if cells.get(column):
                column = "Phone" if not cells.get("Phone") else column
            put(column, number)
        elif name == "EMAIL":
            put("Work e-mail" if "WORK" in types else "E-mail", value)
        elif name == "ORG":
            put("Company", _components(value)[0])
        elif name == "TITLE":
            put("Job title", _unescape(value))
        elif name == "BDAY":
            put("Birthday", _birthday(value))
        elif name == "ADR":
            parts = _components(value) + [""] * 7
            put("Address", ", ".join(p for p in (parts[2], parts[1]) if p.strip()))
            put("City", parts[3])
            put("Postal code", parts[5])
        elif name == "NOTE":
            put("Note", _unescape(value))
    if not cells.get("Last name") and not cells.get("First name") and cells.get("Full name"):
        words = cells["Full name"].split()
        cells["First name"], cells["Last name"] = (words[0], " ".join(words[1:])) if len(words) > 1 \
            else (words[0], "")
    return cells


def read_vcard(path: Path) -> Table:
    text, encoding = decode_text(path.read_bytes(), path.name)
    rows: list[list[str]] = []
    numbers: list[int] = []
    props: list[tuple[str, dict[str, str], str]] | None = None
    for line in _unfold(text.lstrip("\ufeff")):
        if not line.strip():
            continue
        name, params, value = _property(line)
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            props = []
        elif name == "END" and value.strip().upper() == "VCARD" and props is not None:
            cells = _card_cells(props)
            rows.append([cells.get(column, "") for column in VCARD_COLUMNS])
            numbers.append(len(numbers) + 1)
            props = None
        elif props is not None:
            props.append((name, params, _decode_value(value, params)))
    if props is not None:
        raise ImportFileError(_("{name}: the last card is not closed (END:VCARD is missing); the "
                                "file may be cut short.").format(name=path.name))
    return Table(list(VCARD_COLUMNS), rows, "vcard", encoding, "", numbers)


register_format("csv", sniff_csv, read_csv, label=N_("CSV (comma, semicolon or tab separated)"),
                priority=-100)
register_format("xlsx", sniff_xlsx, read_xlsx, label=N_("Excel workbook (XLSX)"), priority=-10)
register_format("vcard", sniff_vcard, read_vcard, label=N_("vCard address book"), priority=-10)


__all__ = ["FileFormat", "ImportFileError", "Table", "decode_text", "detect_format", "file_format",
           "formats", "mapping_hints", "read_table", "register_format", "unique_headers"]
