"""Gapless document numbers per own company × document type × year × series.

A number is taken only when a document is issued (an invoice) or sent (a quote), inside the same
transaction as the status change, from a counter row (:class:`NumberSequence`):

* PostgreSQL: the counter row is locked with ``SELECT … FOR UPDATE``; a concurrent issue waits for
  the first transaction and then reads the incremented value, so numbers never repeat, and a
  rolled-back issue gives its number back (no ``SEQUENCE``, whose ``nextval`` leaves gaps).
* SQLite: the increment is the transaction's first write, which takes the database's write lock.

``series`` is the optional per-device series for offline work (``shared/guides/sync.md`` §2.11):
each laptop numbers its own series, so two offline devices never produce the same number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid

from desktop_crm import countries
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import DocumentType, NumberSequence, OwnCompany, database, sync_meta
from desktop_crm.models.db import engine
from desktop_crm.services.system.settings import declare

# Default patterns by the own company's country. ``{seq}`` is the counter, ``{year}`` the issue
# year, ``{series}`` the series (when a pattern does not mention it, it is appended as «/series»).
DEFAULT_PATTERNS: dict[tuple[str, DocumentType], str] = {
    (code, DocumentType(kind)): pattern
    for code, rules in countries.REGISTERED.items()
    for kind, pattern in rules.number_patterns.items()
}
PATTERN_SETTINGS = {
    (country, kind): declare(f"documents.number_pattern.{country.lower()}.{kind.value}", pattern)
    for (country, kind), pattern in DEFAULT_PATTERNS.items()
}
# The series this user's device numbers in when working offline ("" = the company's main series).
DEVICE_SERIES = declare("documents.device_series", "", per_user=True)

# How a device that syncs with a shared server numbers invoices (sync.md §2.11), for the whole
# business: "device_series" — a legal number at once, from the device's own series (B, the default,
# EU VAT art. 226(2) "one or more series"); "provisional" — one company series only: an invoice
# issued on a replica gets «PRV-<device>-<n>» and the final number is given by the server when it
# arrives there (A, for companies whose accountant wants a single series). Direct-PostgreSQL users
# and local-only databases always number at once.
OFFLINE_NUMBERING_MODES = ("device_series", "provisional")
OFFLINE_NUMBERING = declare("documents.offline_numbering", "device_series")
PROVISIONAL_PREFIX = "PRV-"

_SERIES_RE = re.compile(r"^[A-Za-z0-9]{0,10}$")


def default_pattern(country: str, kind: DocumentType) -> str:
    spec = PATTERN_SETTINGS.get((country.upper(), kind))
    return spec.get() if spec else "{seq}"


def format_number(pattern: str, seq: int, year: int, series: str = "") -> str:
    """Apply a pattern; a bad pattern is a user error with a translated message."""
    try:
        text = pattern.format(seq=seq, year=year, yy=f"{year % 100:02d}", series=series)
    except (KeyError, IndexError, ValueError) as error:
        raise ValidationError(
            _("The number pattern {pattern} is not valid: {reason}").format(
                pattern=pattern, reason=error
            ),
            field="pattern",
        ) from error
    if series and "{series" not in pattern:
        text = f"{text}/{series}"
    return text


def check_series(series: str) -> str:
    series = (series or "").strip()
    if not _SERIES_RE.match(series):
        raise ValidationError(
            _("A series is up to 10 Latin letters and digits, e.g. A or LAPTOP2."), field="series"
        )
    return series


def counter_id(company: IdLike, kind: DocumentType, year: int, series: str) -> uuid.UUID:
    """The id of a counter row, derived from its key: two devices that create the same counter
    offline (a series both use) create the same row, which sync merges by id, instead of two rows
    that collide on the key's unique index on every other replica (sync.md §2.2). The server's
    numbering trigger derives it the same way (``md5(...)::uuid``)."""
    company_id = as_uuid(company)
    key = f"number_sequence:{company_id}:{DocumentType(kind).value}:{int(year)}:{series}"
    return uuid.UUID(hashlib.md5(key.encode("utf-8")).hexdigest())


def _sequence_row(company: OwnCompany, kind: DocumentType, year: int, series: str) -> NumberSequence:
    """The counter row, created on first use (concurrent creators collapse onto one row)."""
    pattern = default_pattern(company.country or "RU", kind)
    (
        NumberSequence.insert(
            id=counter_id(company, kind, year, series), own_company=company, document_type=kind,
            year=year, series=series, pattern=pattern,
        )
        .on_conflict_ignore()
        .execute()
    )
    query = NumberSequence.select().where(
        NumberSequence.own_company == company,
        NumberSequence.document_type == kind,
        NumberSequence.year == year,
        NumberSequence.series == series,
    )
    if engine(database.obj) == "postgres":
        query = query.for_update()
    return query.get()


def take_number(
    company: OwnCompany, kind: DocumentType, on: dt.date, series: str = ""
) -> tuple[int, str]:
    """Take the next number of a series; call inside the transaction that issues the document."""
    if not database.in_transaction():
        raise RuntimeError("take_number must run inside the issuing transaction")
    row, seq = _take(company, kind, on.year, check_series(series))
    return seq, format_number(row.pattern, seq, on.year, series)


def _take(company: OwnCompany, kind: DocumentType, year: int, series: str) -> tuple[NumberSequence, int]:
    row = _sequence_row(company, kind, year, series)
    if engine(database.obj) == "postgres":
        seq = row.next_value
        NumberSequence.update(next_value=seq + 1).where(NumberSequence.id == row.id).execute()
    else:
        cursor = database.execute_sql(
            'UPDATE "number_sequence" SET "next_value" = "next_value" + 1 WHERE "id" = ? '
            'RETURNING "next_value"',
            (row.id.bytes,),
        )
        seq = int(cursor.fetchone()[0]) - 1
    return row, seq


def paper_counter_series(code: str, series: str = "") -> str:
    """The counter key of a paper kind's series (``NumberSequence.series`` of a ``paper`` counter):
    the kind's code, and the device series after a «/» when the paper is numbered in one. The
    server derives it the same way (``sync.paper_counter``) to check each series is gapless."""
    if not series:
        return code[:20]
    return f"{code[:19 - len(series)]}/{series}"


def paper_series(user: IdLike | None = None) -> str:
    """The series a paper issued here is numbered in, like an invoice's (sync.md §2.11): the
    device series of the user; on a replica that numbers invoices provisionally (papers are never
    renumbered by the server) and has no device series, the replica's own code, so two offline
    devices never take the same paper number."""
    series = check_series(DEVICE_SERIES.get(user) or "")
    if not series and provisional_numbering():
        series = device_code()
    return series


def take_paper_number(
    company: OwnCompany, code: str, pattern: str, on: dt.date, series: str = ""
) -> tuple[int, str]:
    """(sequence, number) of the next paper of kind ``code`` numbered in ``series``, formatted with
    the kind's ``pattern``; call inside the transaction that issues the paper."""
    if not database.in_transaction():
        raise RuntimeError("take_paper_number must run inside the issuing transaction")
    series = check_series(series)
    _row, seq = _take(company, DocumentType.PAPER, on.year, paper_counter_series(code, series))
    return seq, format_number(pattern or "{seq}", seq, on.year, series)


# The transmission counter never restarts (a FatturaPA file name must never repeat): one row per
# own company and series, under this year.
TRANSMISSION_YEAR = 0


def take_progressive(company: OwnCompany, series: str = "") -> str:
    """The next FatturaPA ``ProgressivoInvio`` (also the file-name suffix) of an own company,
    taken in the transaction that first produces the invoice's XML and frozen with it. The
    invoice's series (a device's offline series) is part of it, so devices never collide."""
    from desktop_crm.countries.it.fatturapa import progressive_for

    if not database.in_transaction():
        raise RuntimeError("take_progressive must run inside the issuing transaction")
    series = check_series(series)
    _row, seq = _take(company, DocumentType.FATTURAPA_TRANSMISSION, TRANSMISSION_YEAR, series)
    return progressive_for(seq, series)


def provisional_numbering() -> bool:
    """True when invoices issued here get a provisional number: the setting asks for it and this
    database is a replica of a shared server (direct and local-only databases number at once)."""
    if engine(database) != "sqlite" or OFFLINE_NUMBERING.get() != "provisional":
        return False
    return sync_meta.is_replica(database) and bool(sync_meta.meta_get(database, "server_url"))


def device_code() -> str:
    """A short, stable code of this replica for provisional numbers (from its device id)."""
    return sync_meta.device_id(database).hex[-6:].upper()


def take_provisional_number() -> str:
    """«PRV-<device>-<n>»: the next provisional number of this device, from a counter that belongs
    to the device (the replica's own bookkeeping, not synced). Call inside the issuing transaction."""
    if not database.in_transaction():
        raise RuntimeError("take_provisional_number must run inside the issuing transaction")
    n = int(sync_meta.meta_get(database, "provisional_no", 0) or 0) + 1
    sync_meta.meta_set(database, "provisional_no", n)
    return f"{PROVISIONAL_PREFIX}{device_code()}-{n}"


def is_provisional(number: str | None) -> bool:
    return bool(number) and str(number).startswith(PROVISIONAL_PREFIX)


def set_offline_numbering(mode: str) -> None:
    if mode not in OFFLINE_NUMBERING_MODES:
        raise ValidationError(_("Choose how invoices are numbered offline."), field="offline_numbering")
    OFFLINE_NUMBERING.set(mode)


def peek_number(company: OwnCompany, kind: DocumentType, on: dt.date, series: str = "") -> str:
    """The number the next issue would take (for display only; never reserved)."""
    row = (
        NumberSequence.select()
        .where(
            NumberSequence.own_company == company,
            NumberSequence.document_type == kind,
            NumberSequence.year == on.year,
            NumberSequence.series == series,
        )
        .first()
    )
    pattern = row.pattern if row else default_pattern(company.country or "RU", kind)
    return format_number(pattern, row.next_value if row else 1, on.year, series)


def set_pattern(company: OwnCompany, kind: DocumentType, year: int, pattern: str, series: str = "") -> None:
    """Change the pattern of one series (checked by formatting a sample)."""
    format_number(pattern, 1, year, series)
    with database.atomic():
        row = _sequence_row(company, kind, year, check_series(series))
        row.pattern = pattern
        row.save()


__all__ = [
    "DEVICE_SERIES",
    "OFFLINE_NUMBERING",
    "OFFLINE_NUMBERING_MODES",
    "check_series",
    "counter_id",
    "device_code",
    "format_number",
    "is_provisional",
    "paper_counter_series",
    "paper_series",
    "peek_number",
    "provisional_numbering",
    "set_pattern",
    "take_number",
    "take_paper_number",
    "take_progressive",
    "take_provisional_number",
]
