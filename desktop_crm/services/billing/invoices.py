"""Invoices (счета / fatture): drafts, issuing with a gapless number, payments, cancellation.

API (plain values or ids; one transaction per call; each action goes to the deal's timeline):

* ``create_from_deal(deal_id, user)`` → a draft with the deal's lines (quotes: ``quotes.to_invoice``).
* ``save_draft(invoice_id, values, lines, user)``.
* ``issue(invoice_id, user, series=None, on=None)``: takes the next number of the own company's
  series for the year (``services.numbering``, same transaction), freezes the invoice (context +
  PDF/DOCX, and the FatturaPA XML for an Italian seller) and marks it issued. Drafts never have a
  number, and a failed issue (e.g. an invalid FatturaPA) rolls the number back.
* ``register_payment(invoice_id, amount, paid_on, user, note="")``: partially paid → paid.
* ``cancel(invoice_id, user, reason="")``: an issued, unpaid invoice is cancelled; its number stays
  used. ``reissue(invoice_id, user)`` makes a new draft from a cancelled one.
* ``issue_for_deals(deal_ids, user, progress, should_stop)``: batch issue, one transaction per deal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import peewee

from desktop_crm import validation
from desktop_crm.documents.context import DocumentInput
from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import DocumentId, IdLike, PaymentId, as_uuid, optional_uuid
from desktop_crm.models import (
    Action,
    Deal,
    DocumentType,
    Invoice,
    InvoiceStatus,
    Payment,
    VatMode,
    database,
    sync_meta,
    utcnow,
)
from desktop_crm.models.base import column_text
from desktop_crm.models.db import engine
from desktop_crm.services.billing import documents, numbering, rendering
from desktop_crm.services.billing.documents import DocumentInfo, Row, info
from desktop_crm.services.system import rights, settings


def _invoice(invoice_id: IdLike, lock: bool = True) -> Row:
    invoice = documents._get_document(DocumentType.INVOICE, invoice_id)
    if lock and engine(database.obj) == "postgres":
        invoice = Invoice.select().where(Invoice.id == invoice.id).for_update().get()
    return invoice


def _new_draft(
    own: IdLike, deal_id: IdLike | None, contact_id: IdLike | None, company_id: IdLike | None,
    user: IdLike | None, language: str, currency: str, vat_mode: VatMode | str,
    quote_id: IdLike | None = None,
) -> Row:
    """An empty draft (inside the caller's transaction)."""
    return Invoice.create(
        deal=optional_uuid(deal_id), own_company=as_uuid(own), contact=optional_uuid(contact_id),
        company=optional_uuid(company_id), author=optional_uuid(user), language=language,
        currency=currency, vat_mode=vat_mode, quote=optional_uuid(quote_id), terms=[],
        print_options={},
    )


def create_from_deal(
    deal_id: IdLike, user: IdLike | None = None, own_company_id: IdLike | None = None
) -> DocumentInfo:
    rights.require_on(Deal, as_uuid(deal_id), Action.ISSUE_DOCUMENTS)
    with database.atomic():
        invoice = _draft_from_deal(deal_id, user, own_company_id)
        documents.log(user, invoice, "created")
        return info(invoice)


def _draft_from_deal(
    deal_id: IdLike, user: IdLike | None = None, own_company_id: IdLike | None = None
) -> Row:
    """A draft with the deal's lines, not yet in the deal's timeline (inside the caller's transaction)."""
    deal = documents._deal_of(deal_id)
    own = documents.seller_for_deal(deal, own_company_id)
    invoice = _new_draft(
        own, deal.id, deal.contact_id, deal.company_id, documents.author_of(user, deal.responsible_id),
        documents.language_for(own.country), deal.currency or own.default_currency, own.vat_mode,
    )
    documents.save_lines(invoice, documents.lines_of_deal(deal.id))
    documents.update_vat_rates(invoice, dt.date.today())  # a new draft's lines at the rates in force
    return invoice


def save_draft(
    invoice_id: IdLike,
    values: Mapping[str, Any] | None = None,
    lines: Sequence[documents.LineData | Mapping[str, Any]] | None = None,
    user: IdLike | None = None,
) -> DocumentInfo:
    rights.require_on(Invoice, as_uuid(invoice_id), Action.ISSUE_DOCUMENTS)
    with database.atomic():
        invoice = _invoice(invoice_id)
        if invoice.status != InvoiceStatus.DRAFT:
            raise ValidationError(
                _("An issued invoice cannot be changed; cancel it and issue a new one.")
            )
        documents.apply_header(invoice, values or {})
        invoice.save()
        documents.save_lines(invoice, lines if lines is not None else documents.line_rows(invoice))
        return info(invoice)


def issue(
    invoice_id: IdLike, user: IdLike | None = None, series: str | None = None,
    on: dt.date | None = None, prepared: rendering.Prepared | None = None,
) -> DocumentInfo:
    """Number and freeze the invoice in one transaction (the number is rolled back on failure).

    ``prepared`` (batch issuing) may give the context and files already rendered for the
    invoice's exact render input. An Italian invoice's FatturaPA file takes the next transmission
    number of the own company (``numbering.take_progressive``) and keeps it.
    """
    rights.require_on(Invoice, as_uuid(invoice_id), Action.ISSUE_DOCUMENTS)
    on = validation.date_value(on, "issue_date")
    with database.atomic():
        invoice = _invoice(invoice_id)
        if invoice.status != InvoiceStatus.DRAFT:
            raise ValidationError(_("This invoice has already been issued."))
        if not documents._lines_of(invoice):
            raise ValidationError(_("Add at least one line before issuing the invoice."))
        documents.check_before_issue(invoice, "invoice", on or dt.date.today())
        _number_and_mark_issued(invoice, user, series, on or dt.date.today())
        rendering.freeze(invoice, _progressive(invoice), prepared)
        documents.log(user, invoice, "issued")
        return info(invoice)


def _number_and_mark_issued(
    invoice: Row, user: IdLike | None, series: str | None, on: dt.date
) -> None:
    seq, number, series = _take_number(invoice.own_company, user, series, on)
    invoice.number = number
    invoice.series = series
    invoice.year = on.year
    invoice.sequence_number = seq
    invoice.issue_date = on
    if invoice.due_date is None:  # from the payment terms («30 days»), else the country's usual
        from desktop_crm.services.billing import due

        invoice.due_date = due.due_date(on, due.payment_text(invoice.terms),
                                        invoice.own_company.country)
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_at = utcnow()
    invoice.save()


def _take_number(
    own: Row, user: IdLike | None, series: str | None, on: dt.date
) -> tuple[int | None, str, str]:
    """(sequence, number, series) of the next invoice of ``own`` (inside the issuing transaction)."""
    if numbering.provisional_numbering():
        # a replica in "provisional" mode: the server gives the final number of the company
        # series when the invoice reaches it; refreeze_final_numbers() then re-issues the files
        return None, numbering.take_provisional_number(), series or ""
    if series is None:
        series = numbering.DEVICE_SERIES.get(user)
    seq, number = numbering.take_number(own, DocumentType.INVOICE, on, series or "")
    return seq, number, series or ""


def _progressive(invoice: Row) -> Callable[[], str]:
    """Takes the FatturaPA transmission number when the XML is produced (Italian sellers only)."""
    return lambda: numbering.take_progressive(invoice.own_company, invoice.series or "")


def refreeze_final_numbers() -> int:
    """Invoices this device issued under a provisional number that now carry their final number
    (given by the server at sync, pulled back): freeze their context and files again with the final
    number; the provisional files are kept as deleted rows. One transaction per invoice; returns how
    many were re-frozen. Only the issuing device does it (its code is in the provisional number)."""
    if engine(database) != "sqlite":
        return 0
    if not sync_meta.is_replica(database):
        return 0
    from desktop_crm.models import DocumentFile

    marker = f"{numbering.PROVISIONAL_PREFIX}{numbering.device_code()}-"
    found: list[Row] = list(Invoice.alive().where(
        Invoice.sequence_number.is_null(False),
        # the frozen context is JSON text (``contains`` would JSON-encode the marker)
        peewee.fn.instr(Invoice.frozen, marker) > 0,
    ))
    candidates = [i.id for i in found]
    done = 0
    for invoice_id in candidates:
        with database.atomic():
            invoice: Row = Invoice.get_by_id(invoice_id)
            if numbering.is_provisional(invoice.number) or marker not in str(invoice.frozen):
                continue
            DocumentFile.update(deleted_at=utcnow()).where(
                DocumentFile.document_type == DocumentType.INVOICE,
                DocumentFile.document_id == str(invoice.id),
                DocumentFile.deleted_at.is_null(),
            ).execute()
            rendering.freeze(invoice, _progressive(invoice))
            done += 1
    return done


@dataclass(frozen=True, slots=True)
class PaymentInfo:
    id: PaymentId
    invoice_id: DocumentId
    paid_on: dt.date
    amount: Decimal
    invoice_status: str  # after the payment: partially_paid or paid


def register_payment(
    invoice_id: IdLike, amount: Decimal | str, paid_on: dt.date | None = None,
    user: IdLike | None = None, note: str = "", bank_key: str | None = None,
) -> PaymentInfo:
    """``bank_key``: the key of the bank statement line the payment comes from (statements)."""
    rights.require_on(Invoice, as_uuid(invoice_id), Action.REGISTER_PAYMENTS)
    value = validation.money_value(amount, "amount")
    paid_on = validation.date_value(paid_on, "paid_on")
    note = column_text(Payment, "note", note)
    with database.atomic():
        invoice = _invoice(invoice_id)
        if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID):
            raise ValidationError(_("Payments are registered on issued, not fully paid invoices."))
        if value <= 0:
            raise ValidationError(_("The payment must be more than zero."), field="amount")
        outstanding = invoice.total - invoice.paid_amount
        if value > outstanding:
            raise ValidationError(
                _("The payment {amount} is more than the {outstanding} still due.").format(
                    amount=value, outstanding=outstanding
                ),
                field="amount",
            )
        paid_on = paid_on or dt.date.today()
        if invoice.issue_date and paid_on < invoice.issue_date:
            raise ValidationError(_("A payment cannot be dated before the invoice."), field="paid_on")
        payment = Payment.create(invoice=invoice.id, paid_on=paid_on, amount=value, note=note,
                                 bank_key=bank_key)
        invoice.paid_amount = invoice.paid_amount + value
        invoice.status = (
            InvoiceStatus.PAID if invoice.paid_amount >= invoice.total else InvoiceStatus.PARTIALLY_PAID
        )
        invoice.save()
        documents.log(user, invoice, "paid")
        if invoice.status == InvoiceStatus.PAID and invoice.deal_id is not None:
            from desktop_crm.services.sales.automation import engine, rules

            engine.on_event(engine.DealEvent(rules.Event.INVOICE_PAID, invoice.deal_id,
                                             str(invoice.id)), user)
        return PaymentInfo(PaymentId(payment.id), DocumentId(invoice.id), paid_on, value,
                           str(invoice.status))


def cancel(invoice_id: IdLike, user: IdLike | None = None, reason: str = "") -> DocumentInfo:
    rights.require_on(Invoice, as_uuid(invoice_id), Action.ISSUE_DOCUMENTS)
    with database.atomic():
        invoice = _invoice(invoice_id)
        if invoice.status == InvoiceStatus.CANCELLED:
            raise ValidationError(_("This invoice is already cancelled."))
        if invoice.paid_amount > 0:
            raise ValidationError(_("A paid invoice cannot be cancelled; refund the payments first."))
        if invoice.status == InvoiceStatus.DRAFT:
            invoice.soft_delete()
            return info(invoice)
        invoice.status = InvoiceStatus.CANCELLED
        invoice.cancelled_at = utcnow()
        if reason:
            invoice.notes = (invoice.notes + "\n" if invoice.notes else "") + reason.strip()
        invoice.save()
        documents.log(user, invoice, "cancelled")
        return info(invoice)


def reissue(invoice_id: IdLike, user: IdLike | None = None) -> DocumentInfo:
    """A new draft copied from a cancelled invoice (it gets a new number when issued)."""
    rights.require_on(Invoice, as_uuid(invoice_id), Action.ISSUE_DOCUMENTS)
    with database.atomic():
        old = _invoice(invoice_id)
        if old.status != InvoiceStatus.CANCELLED:
            raise ValidationError(_("Only a cancelled invoice can be issued again."))
        invoice = _new_draft(
            old.own_company, old.deal_id, old.contact_id, old.company_id,
            documents.author_of(user, old.author_id),
            old.language, old.currency, old.vat_mode, old.quote_id,
        )
        for key in ("subject", "intro", "basis", "terms", "print_options", "buyer_snapshot"):
            setattr(invoice, key, getattr(old, key))
        invoice.save()
        documents.save_lines(invoice, documents.line_rows(old))
        documents.log(user, invoice, "created")
        return info(invoice)


@dataclass(frozen=True)
class BatchResult:
    deal_id: IdLike
    invoice_id: DocumentId | None
    number: str
    error: str


def issue_for_deals(
    deal_ids: Iterable[IdLike],
    user: IdLike | None = None,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[BatchResult]:
    """Create and issue one invoice per deal; each deal is its own transaction, so stopping keeps
    what was issued and a deal that fails (e.g. no lines) does not stop the others.

    A batch of ``pool.MIN_BATCH`` deals or more renders in worker processes
    (:mod:`desktop_crm.documents.pool`): while invoice *n* is issued, the render inputs of the next
    invoices are predicted in a savepoint that is rolled back (draft, next number, exactly as
    issuing makes them) and rendered by the workers. Each invoice's own transaction then uses the
    worker's context and files only if its real input is equal (another writer taking a number in
    between makes it render in place), so numbers, atomicity and the stored bytes are unchanged.
    """
    rights.require(Action.ISSUE_DOCUMENTS)
    from desktop_crm.documents import pool as render_pool

    ids = list(deal_ids)
    results: list[BatchResult] = []
    with render_pool.for_batch(len(ids)) as executor:
        ahead = _Lookahead(ids, user, executor, 3 * render_pool.worker_count()) if executor else None
        try:
            for index, deal_id in enumerate(ids, 1):
                if should_stop is not None and should_stop():
                    break
                try:
                    # one action per deal: its settings (due days, numbering, …; read about ten
                    # times with the lookahead's drafts) come from one query
                    with database.atomic(), settings.snapshot():
                        invoice = create_from_deal(deal_id, user)
                        prepared = ahead.prepared(index - 1) if ahead else None
                        invoice = issue(invoice.id, user, prepared=prepared)
                    results.append(BatchResult(deal_id, invoice.id, invoice.number, ""))
                except CrmError as error:
                    results.append(BatchResult(deal_id, None, "", error.message))
                if progress is not None:
                    progress(index, len(ids))
        finally:
            if ahead is not None:
                ahead.close()
    return results


class _Lookahead:
    """Renders the next invoices of a batch in the worker pool from predicted render inputs.

    Inside the transaction of deal *i* (its number taken), the deals up to *i + depth* not yet
    predicted are drafted and numbered in a savepoint that is rolled back: first the numbers of the
    deals already predicted (still to be issued) are taken again, so each prediction numbers its
    invoice as the real issue will. Predictions are only a cache: a different real input renders
    in place.
    """

    def __init__(self, ids: list[IdLike], user: IdLike | None, executor: Any, depth: int) -> None:
        self.ids, self.user, self.executor, self.depth = ids, user, executor, max(depth, 1)
        self.futures: dict[int, tuple[DocumentInput, Any, Any]] = {}
        self.predicted = 0  # deals before this index were predicted (or could not be)

    def prepared(self, index: int) -> rendering.Prepared:
        """For deal ``index``: called with its real input inside its issuing transaction."""

        def use(data: DocumentInput) -> Any:
            self._predict(index)
            entry = self.futures.pop(index, None)
            if entry is None or entry[0] != data:
                return None
            try:
                return entry[1].result()
            except Exception:
                self._check_pool()
                return None

        return use

    def _predict(self, current: int) -> None:
        self.predicted = max(self.predicted, current + 1)
        stop = min(len(self.ids), current + 1 + self.depth)
        pending = [(i, entry[2]) for i, entry in sorted(self.futures.items()) if i > current]
        if self.executor is None or self.predicted >= stop or len(pending) * 2 >= self.depth:
            return  # the workers have enough ahead: predict a few at once (each needs the pending numbers)
        inputs: list[tuple[int, Any, Any]] = []
        today = dt.date.today()
        try:
            with database.atomic() as savepoint:
                for _index, own in pending:  # the numbers the predicted invoices will take
                    _take_number(own, self.user, None, today)
                for index in range(self.predicted, stop):
                    try:
                        with database.atomic():  # rolled back: no timeline entry to write
                            draft = _draft_from_deal(self.ids[index], self.user)
                            _number_and_mark_issued(draft, self.user, None, today)
                            inputs.append((index, rendering.document_input(draft), draft.own_company))
                    except CrmError:
                        continue  # the real issue reports it
                savepoint.rollback()
        except Exception:
            return
        finally:
            self.predicted = stop
        from desktop_crm.documents import pool as render_pool

        for index, data, own in inputs:
            try:
                future = render_pool.submit(self.executor, data)
            except RuntimeError:  # the pool was shut down or broke
                self._check_pool()
                return
            self.futures[index] = (data, future, own)

    def _check_pool(self) -> None:
        from desktop_crm.documents import pool as render_pool

        if self.executor is not None and getattr(self.executor, "_broken", False):
            render_pool.discard(self.executor)
            self.executor = None

    def close(self) -> None:
        for _data, future, _own in self.futures.values():
            future.cancel()
        self.futures.clear()
