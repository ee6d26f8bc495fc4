"""Issuing invoices in a batch, from the deals list (one invoice per deal, ``invoices.issue_for_deals``)
or from the quotes list (one per accepted quote, with its lines and terms). Each deal or quote is
its own transaction: stopping keeps what was issued, and one that fails (no lines, a quote not
accepted) is reported without stopping the others."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.ids import DocumentId, IdLike
from desktop_crm.models import DocumentType, database
from desktop_crm.services.billing import invoices, quotes
from desktop_crm.services.billing.documents import _get_document
from desktop_crm.services.system import settings


@dataclass(frozen=True)
class BatchLine:
    source: str  # the deal's or quote's name as the report shows it
    invoice_id: DocumentId | None
    number: str
    error: str


@dataclass(frozen=True)
class BatchReport:
    lines: list[BatchLine]
    total: int  # asked for; more than ``len(lines)`` when stopped

    @property
    def issued(self) -> int:
        return sum(1 for line in self.lines if line.invoice_id is not None)

    @property
    def failed(self) -> list[BatchLine]:
        return [line for line in self.lines if line.error]

    @property
    def stopped(self) -> bool:
        return len(self.lines) < self.total


def issue_for_deals(deal_ids: list[IdLike], user: IdLike | None,
                    progress: Callable[[int, int], None] | None = None,
                    should_stop: Callable[[], bool] | None = None) -> BatchReport:
    results = invoices.issue_for_deals(deal_ids, user, progress, should_stop)
    return BatchReport([BatchLine(_deal_name(r.deal_id), r.invoice_id, r.number, r.error)
                        for r in results], len(deal_ids))


def _quote_name(quote_id: IdLike) -> str:
    try:
        row = _get_document(DocumentType.QUOTE, quote_id)
    except CrmError:
        return str(quote_id)
    return _("Quote {number}").format(number=row.number or _("draft"))


def _deal_name(deal_id: IdLike) -> str:
    from desktop_crm.services.billing.documents import deal_title

    try:
        return deal_title(deal_id)
    except CrmError:
        return str(deal_id)


def issue_for_quotes(quote_ids: Iterable[IdLike], user: IdLike | None,
                     progress: Callable[[int, int], None] | None = None,
                     should_stop: Callable[[], bool] | None = None) -> BatchReport:
    ids = list(quote_ids)
    lines: list[BatchLine] = []
    for index, quote_id in enumerate(ids, 1):
        if should_stop is not None and should_stop():
            break
        name = _quote_name(quote_id)
        try:
            with database.atomic(), settings.snapshot():
                draft = quotes.to_invoice(quote_id, user)
                issued = invoices.issue(draft.id, user)
            lines.append(BatchLine(name, issued.id, issued.number, ""))
        except CrmError as error:
            lines.append(BatchLine(name, None, "", error.message))
        if progress is not None:
            progress(index, len(ids))
    return BatchReport(lines, len(ids))


__all__ = ["BatchLine", "BatchReport", "issue_for_deals", "issue_for_quotes"]
