"""Numbering series and number formats per own company, document type and year, as Settings ›
Numbering shows and edits them (the counters themselves: :mod:`numbering`).

Every own company has a main series ("") for quotes and for invoices each year, shown even before
its first number is taken (with the country's default format); further series (a laptop's own,
a branch's) appear once they exist or are added here. The next number of a series can be set only
while none of its numbers was taken — afterwards the series stays gapless.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import N_, _
from desktop_crm.ids import IdLike, OwnCompanyId, as_uuid
from desktop_crm.models import DocumentType, Invoice, NumberSequence, OwnCompany, Quote, database
from desktop_crm.models.enums import Action
from desktop_crm.services.billing import numbering
from desktop_crm.services.system import rights

KINDS: tuple[tuple[DocumentType, str], ...] = (
    (DocumentType.QUOTE, N_("Quotes")),
    (DocumentType.INVOICE, N_("Invoices")),
)
MAX_NEXT = 10_000_000


@dataclass(frozen=True)
class SeriesRow:
    own_company_id: OwnCompanyId
    kind: str  # quote / invoice
    kind_label: str  # translated
    year: int
    series: str
    pattern: str
    next_value: int
    next_number: str  # what the next document of the series gets
    used: bool  # a number was taken: the next value can no longer be set


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, _(label)) for kind, label in KINDS]


def _company(own_company_id: IdLike) -> Any:
    company = OwnCompany.get_or_none((OwnCompany.id == as_uuid(own_company_id))
                                     & OwnCompany.deleted_at.is_null())
    if company is None:
        raise ValidationError(_("The company no longer exists."))
    return company


def _row(company: Any, kind: DocumentType, year: int, series: str) -> Any:
    return NumberSequence.get_or_none(
        (NumberSequence.own_company == company.id) & (NumberSequence.document_type == kind)
        & (NumberSequence.year == year) & (NumberSequence.series == series))


def _taken(company: Any, kind: DocumentType, year: int, series: str) -> bool:
    """Whether a document already holds a number of the series."""
    if kind == DocumentType.INVOICE:
        return bool(Invoice.select().where(
            (Invoice.own_company == company.id) & (Invoice.year == year) & (Invoice.series == series)
            & Invoice.sequence_number.is_null(False)).exists())
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return bool(series == "" and Quote.select().where(
        (Quote.own_company == company.id) & (Quote.number != "")
        & Quote.issue_date.between(start, end)).exists())


def _label(kind: DocumentType) -> str:
    return next(_(label) for k, label in KINDS if k == kind)


def _series_row(company: Any, kind: DocumentType, year: int, series: str, row: Any) -> SeriesRow:
    pattern = row.pattern if row else numbering.default_pattern(company.country or "RU", kind)
    next_value = row.next_value if row else 1
    return SeriesRow(OwnCompanyId(company.id), kind.value, _label(kind), year, series, pattern,
                     next_value, numbering.format_number(pattern, next_value, year, series),
                     row is not None and _taken(company, kind, year, series))


def series_rows(own_company_id: IdLike, year: int | None = None) -> list[SeriesRow]:
    """The series of a company in ``year`` (this year when None): the main ones first."""
    company = _company(own_company_id)
    year = year or dt.date.today().year
    kinds = [kind for kind, _label in KINDS]
    existing: dict[tuple[DocumentType, str], Any] = {
        (DocumentType(row.document_type), row.series): row
        for row in NumberSequence.select().where(
            (NumberSequence.own_company == company.id) & (NumberSequence.year == year)
            & NumberSequence.document_type.in_(kinds) & NumberSequence.deleted_at.is_null())
    }
    keys = {(kind, "") for kind in kinds} | set(existing)
    ordered = sorted(keys, key=lambda key: (kinds.index(key[0]), key[1] != "", key[1]))
    return [_series_row(company, kind, year, series, existing.get((kind, series)))
            for kind, series in ordered]


def pattern_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """``{field: message}`` for a series as typed (checked as the user types)."""
    errors: dict[str, str] = {}
    try:
        series = numbering.check_series(str(values.get("series") or ""))
    except ValidationError as error:
        errors["series"] = error.message
        series = ""
    pattern = str(values.get("pattern") or "").strip()
    if "{seq" not in pattern:
        errors["pattern"] = _("The format needs {seq}, the number of the document in its series.")
    else:
        try:
            numbering.format_number(pattern, 1, int(values.get("year") or 2000), series)
        except ValidationError as error:
            errors["pattern"] = error.message
    try:
        next_value = int(values.get("next_value") or 1)
        if not 1 <= next_value <= MAX_NEXT:
            raise ValueError(next_value)
    except (TypeError, ValueError):
        errors["next_value"] = _("The next number is a whole number from 1 to {max}.").format(
            max=MAX_NEXT)
    return errors


def preview(values: Mapping[str, Any]) -> str:
    """The number the values would give next ("" while they are not valid)."""
    if pattern_errors(values):
        return ""
    return numbering.format_number(str(values["pattern"]).strip(), int(values.get("next_value") or 1),
                                   int(values["year"]), str(values.get("series") or "").strip())


def save_series(own_company_id: IdLike, values: Mapping[str, Any]) -> SeriesRow:
    rights.require(Action.CHANGE_SETTINGS)
    """Create or change a series: its format, and its next number while none was taken."""
    errors = pattern_errors(values)
    if errors:
        name, message = next(iter(errors.items()))
        raise ValidationError(message, field=name)
    kind = DocumentType(values["kind"])
    year = int(values["year"])
    series = numbering.check_series(str(values.get("series") or ""))
    pattern = str(values["pattern"]).strip()
    next_value = int(values.get("next_value") or 1)
    with database.atomic():
        company = _company(own_company_id)
        existing = _row(company, kind, year, series)
        if (existing is not None and next_value != existing.next_value
                and _taken(company, kind, year, series)):
            raise ValidationError(
                _("Numbers of this series were already taken: its next number stays {number}.")
                .format(number=existing.next_value), field="next_value")
        numbering.set_pattern(company, kind, year, pattern, series)
        row = _row(company, kind, year, series)
        if row.next_value != next_value:
            row.next_value = next_value
            row.save()
        return _series_row(company, kind, year, series, row)


__all__ = ["SeriesRow", "kind_choices", "pattern_errors", "preview", "save_series", "series_rows"]
