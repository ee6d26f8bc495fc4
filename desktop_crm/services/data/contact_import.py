"""Importing contacts under the same rules as the card: required fields, own e-mails refused, and
duplicates (rule 5) — against the database and within the file itself.

* ``read_contacts_csv(path)`` → ``list[dict]``: a CSV as Excel writes it in Russia or Italy (UTF-8
  with or without BOM, or Windows-1251; ``;`` or ``,``), headers in English, Russian or Italian
  ("Фамилия", "Cognome", "last_name", "Телефон", "Cellulare", "E-mail", "Дата рождения", …).
* ``import_contacts(rows, user, check_required=True)`` → :class:`ImportResult`. One transaction: every valid,
  new person is created; a row that duplicates an existing contact (or an earlier row) is not, and
  is reported with the contact it matches; a row breaking another rule is reported with the
  translated reason. ``check_required=False`` imports contacts that lack required fields (old
  address books); they are then flagged in the card when edited, never silently completed.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_crm.errors import CrmError
from desktop_crm.models import Action, database
from desktop_crm.normalize import fold
from desktop_crm.services.sales import contacts
from desktop_crm.services.sales.rule_errors import DuplicateContact, DuplicateMatch
from desktop_crm.services.system import rights

#: Header spellings (folded) understood for each contact field.
HEADERS: dict[str, tuple[str, ...]] = {
    "last_name": ("last_name", "last name", "surname", "фамилия", "cognome"),
    "first_name": ("first_name", "first name", "name", "имя", "nome"),
    "middle_name": ("middle_name", "middle name", "отчество", "secondo nome"),
    "birth_date": ("birth_date", "birth date", "birthday", "дата рождения", "data di nascita"),
    "mobile_phone": ("mobile_phone", "mobile", "mobile phone", "phone", "телефон", "мобильный",
                     "мобильный телефон", "cellulare", "telefono", "telefono cellulare"),
    "work_phone": ("work_phone", "work phone", "рабочий телефон", "telefono ufficio",
                   "telefono di lavoro"),
    "private_email": ("private_email", "e-mail", "email", "private e-mail", "частный e-mail",
                      "личный e-mail", "почта", "e-mail personale"),
    "work_email": ("work_email", "work e-mail", "work email", "рабочий e-mail", "e-mail di lavoro",
                   "e-mail aziendale"),
    "position": ("position", "job title", "должность", "ruolo", "qualifica"),
    "source": ("source", "источник", "fonte"),
    "comment": ("comment", "notes", "комментарий", "примечание", "note", "commento"),
}
_LOOKUP = {spelling: name for name, spellings in HEADERS.items() for spelling in spellings}
def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def read_contacts_csv(path: Path | str) -> list[dict[str, Any]]:
    """Rows of a CSV file as contact values (unknown columns are ignored)."""
    text = _decode(Path(path).read_bytes())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, [])
    columns = [_LOOKUP.get(fold(name)) for name in header]
    rows = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        values: dict[str, Any] = {}
        for name, cell in zip(columns, record, strict=False):
            if name and cell.strip():
                values[name] = cell.strip()
        rows.append(values)
    return rows


@dataclass(frozen=True)
class RowProblem:
    row: int  # 1-based, as the user counts the data rows of the file
    message: str
    duplicate_of: list[DuplicateMatch] = field(default_factory=list)


@dataclass
class ImportResult:
    created: list[uuid.UUID] = field(default_factory=list)
    duplicates: list[RowProblem] = field(default_factory=list)
    rejected: list[RowProblem] = field(default_factory=list)


def import_contacts(
    rows: Iterable[Mapping[str, Any]], user: Any, check_required: bool = True
) -> ImportResult:
    """Create the rows that pass the contact rules; report the others (see the module docstring)."""
    rights.require(Action.IMPORT)
    rights.require(Action.CREATE)

    result = ImportResult()
    with database.atomic():
        for number, row in enumerate(rows, start=1):
            values = dict(row)  # dates as typed: the contacts service reads them (validation.py)
            try:
                with database.atomic():
                    contact = contacts.create_contact(values, user, check_required=check_required)
            except DuplicateContact as duplicate:
                result.duplicates.append(RowProblem(number, duplicate.message, duplicate.matches))
            except CrmError as problem:
                result.rejected.append(RowProblem(number, problem.message))
            else:
                result.created.append(contact.id)
    return result
