"""Contacts to a vCard file (``.vcf``), for address books and phones.

vCard **3.0** (RFC 2426), not 4.0: Outlook, Windows Contacts and many Android phones still read
only 2.1 and 3.0, while Apple Contacts, Google Contacts and Thunderbird read 3.0 as well as 4.0;
3.0 is the version every one of them takes. The text is UTF-8 (what all of them assume for 3.0),
lines end in CRLF and are folded at 75 octets without splitting a character.

What is exported: the rows the user selected, or else every row matching the list's filter in its
order — always within the rows the user may see (``rights.scope_condition``); exporting is a right
(``Action.EXPORT``). Written to a temporary file renamed at the end, like the other exports.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from peewee import JOIN

from desktop_crm.i18n import _
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import Action, Company, Contact, dialect
from desktop_crm.services.listing import lists
from desktop_crm.services.listing.export import ExportResult
from desktop_crm.services.listing.lists import ListFilter, Sort
from desktop_crm.services.system import rights

BATCH = 1000


def export_vcards(
    path: Path | str,
    ids: Sequence[IdLike] | None = None,
    flt: ListFilter | None = None,
    sort: Sort | None = None,
    user_id: str | None = None,
    progress: Any = None,
) -> ExportResult:
    """Write the contacts ``ids`` (when given and not empty), else those matching ``flt``."""
    rights.require(Action.EXPORT)
    target = Path(path)
    if progress is not None:
        progress.report(0, 0, _("Collecting the rows…"), force=True)
    batches: list[tuple[Any, Sequence[Any]]]
    if ids:
        wanted = [as_uuid(value) for value in ids]
        batches = [(Contact.id, wanted[start:start + BATCH])
                   for start in range(0, len(wanted), BATCH)]
        total = len(wanted)
    else:
        keys = lists.snapshot("contacts", flt, sort, user_id,
                              cancelled=(lambda: progress.cancelled) if progress else None).keys
        batches = [(dialect.row_key(Contact), keys[start:start + BATCH])
                   for start in range(0, len(keys), BATCH)]
        total = len(keys)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".vcf.part",
                                         dir=target.parent)
    written = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            for column, batch in batches:
                if progress is not None:
                    progress.check()
                for contact in _contacts(column, batch):
                    out.write(vcard(contact))
                    written += 1
                if progress is not None:
                    progress.report(written, total, _("Exported {done} of {total} rows").format(
                        done=written, total=total))
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return ExportResult(target, written)


def _contacts(column: Any, keys: Sequence[Any]) -> Iterable[Any]:
    """The contacts of ``keys`` (ids or list keys) the user may see, in the order of ``keys``."""
    query = (Contact.select(Contact, Company.short_name, Company.legal_name,
                            dialect.row_key(Contact).alias("list_key"))
             .join(Company, on=(Contact.company == Company.id), join_type=JOIN.LEFT_OUTER)
             .where(column.in_(list(keys)), Contact.deleted_at.is_null()))
    condition = rights.scope_condition(Contact)
    if condition is not None:
        query = query.where(condition)
    if column is Contact.id:
        position = {key: index for index, key in enumerate(keys)}
        return sorted(query, key=lambda row: position.get(row.id, 0))
    position = {dialect.same_key(key): index for index, key in enumerate(keys)}
    return sorted(query, key=lambda row: position.get(dialect.same_key(row.list_key), 0))


def _escape(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """RFC 2426 folding: at most 75 octets a line, never inside a UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        length = len(char.encode("utf-8"))
        if size + length > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += length
    out.append(current)
    return "\r\n".join(out) + "\r\n"


def vcard(contact: Any) -> str:
    """One contact (a ``Contact`` row, its company's names selected with it) as a vCard 3.0."""
    company = getattr(contact, "company", None)
    organisation = (company.short_name or company.legal_name) if company is not None else ""
    given = " ".join(part for part in (contact.first_name, contact.middle_name) if part)
    formatted = " ".join(part for part in (given, contact.last_name) if part) or _("No name")
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"UID:urn:uuid:{contact.id}",
        f"FN:{_escape(formatted)}",
        "N:" + ";".join(_escape(part) for part in (
            contact.last_name, contact.first_name, contact.middle_name, "", "")),
    ]
    if organisation:
        lines.append(f"ORG:{_escape(organisation)}")
    if contact.position:
        lines.append(f"TITLE:{_escape(contact.position)}")
    for kind, number in (("CELL", contact.mobile_phone), ("WORK,VOICE", contact.work_phone)):
        if number:
            lines.append(f"TEL;TYPE={kind}:{_escape(number)}")
    for kind, address in (("INTERNET,HOME", contact.private_email),
                          ("INTERNET,WORK", contact.work_email)):
        if address:
            lines.append(f"EMAIL;TYPE={kind}:{_escape(address)}")
    if isinstance(contact.birth_date, dt.date):
        lines.append(f"BDAY:{contact.birth_date.isoformat()}")
    if any((contact.address, contact.city, contact.province, contact.postal_code)):
        lines.append("ADR;TYPE=HOME:" + ";".join(_escape(part) for part in (
            "", "", contact.address, contact.city, contact.province, contact.postal_code,
            contact.country)))
    if contact.comment:
        lines.append(f"NOTE:{_escape(contact.comment)}")
    if isinstance(contact.updated_at, dt.datetime):
        lines.append(f"REV:{contact.updated_at:%Y-%m-%dT%H:%M:%SZ}")
    lines.append("END:VCARD")
    return "".join(_fold(line) for line in lines)
