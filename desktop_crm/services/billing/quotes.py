"""Quotes (КП / preventivi): drafts from a deal's lines, revisions, sending, acceptance.

API (plain values or ids; each call is one transaction and records itself in the deal's timeline):

* ``create_from_deal(deal_id, user)`` → a draft, revision 1, with the deal's lines copied.
* ``save_draft(quote_id, values, lines, user)``: header fields (``documents.HEADER_FIELDS``) and lines.
* ``send(quote_id, user)``: takes the number (revisions keep the first revision's number), freezes
  the revision (render context + PDF/DOCX as :class:`DocumentFile`) and marks it sent. A sent
  revision is immutable.
* ``new_revision(quote_id, user)``: a draft copy numbered revision n+1; the old one is superseded.
* ``accept(quote_id, user)``, ``reject(quote_id, user, reason)``.
* ``refresh_expired(today)``: sent quotes past their validity become expired (derived on load).
* ``current_quote(deal_id)``: the revision the deal shows.
* ``to_invoice(quote_id, user)``: an accepted quote becomes a draft invoice (lines copied).

Statuses: draft → sent → accepted | rejected | expired; any older revision → superseded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.models import (
    DocumentType,
    Invoice,
    InvoiceStatus,
    Quote,
    QuoteStatus,
    database,
    utcnow,
)
from desktop_crm.models.db import engine
from desktop_crm.services.billing import documents, numbering

OPEN_STATUSES = (QuoteStatus.DRAFT, QuoteStatus.SENT, QuoteStatus.ACCEPTED)


def _id(value: Any) -> Any:
    return getattr(value, "id", value)


def _quote(quote_id: Any) -> Quote:
    return documents.get_document(DocumentType.QUOTE, quote_id)  # type: ignore[return-value]


def _locked_quote(quote_id: Any) -> Quote:
    quote = _quote(quote_id)
    if engine(database) == "postgres":
        quote = Quote.select().where(Quote.id == quote.id).for_update().get()
    return quote


def create_from_deal(deal_id: Any, user: Any = None, own_company_id: Any = None) -> Quote:
    with database.atomic():
        deal = documents.deal_of(deal_id)
        own = (
            documents.OwnCompany.get_by_id(_id(own_company_id))
            if own_company_id
            else documents.default_own_company()
        )
        today = dt.date.today()
        quote = Quote.create(
            deal=deal.id,
            own_company=own.id,
            contact=deal.contact_id,
            company=deal.company_id,
            author=_id(user) if user else deal.responsible_id,
            language=documents.language_for(own),
            currency=deal.currency or own.default_currency,
            vat_mode=own.vat_mode,
            valid_until=today + dt.timedelta(days=int(documents.QUOTE_VALID_DAYS.get())),
            subject=deal.title,
            terms=[],
            print_options={},
        )
        documents.save_lines(quote, documents.lines_of_deal(deal.id))
        documents.log(user, quote, "created")
        return quote


def save_draft(
    quote_id: Any,
    values: Mapping[str, Any] | None = None,
    lines: Sequence[documents.LineData | Mapping[str, Any]] | None = None,
    user: Any = None,
) -> Quote:
    with database.atomic():
        quote = _locked_quote(quote_id)
        if quote.status != QuoteStatus.DRAFT:
            raise ValidationError(
                _("A sent quote cannot be changed; create a new revision instead.")
            )
        documents.apply_header(quote, values or {})
        quote.save()
        if lines is not None:
            documents.save_lines(quote, lines)
        else:
            documents.save_lines(quote, documents.line_rows(quote))
        return quote


def send(quote_id: Any, user: Any = None, on: dt.date | None = None) -> Quote:
    """Number, freeze and mark the revision sent: the moment it leaves the company."""
    with database.atomic():
        quote = _locked_quote(quote_id)
        if quote.status != QuoteStatus.DRAFT:
            raise ValidationError(_("This quote revision has already been sent."))
        if not documents.lines_of(quote):
            raise ValidationError(_("Add at least one line before sending the quote."))
        on = on or dt.date.today()
        if not quote.number:
            root = _root(quote)
            if root.id != quote.id and root.number:
                quote.number = root.number
            else:
                _seq, quote.number = numbering.take_number(
                    quote.own_company, DocumentType.QUOTE, on
                )
        quote.issue_date = on
        quote.status = QuoteStatus.SENT
        quote.sent_at = utcnow()
        quote.save()
        documents.freeze(quote)
        documents.log(user, quote, "sent")
        return quote


def _root(quote: Quote) -> Quote:
    return Quote.get_by_id(quote.parent_id) if quote.parent_id else quote


def new_revision(quote_id: Any, user: Any = None) -> Quote:
    with database.atomic():
        old = _locked_quote(quote_id)
        if old.status == QuoteStatus.DRAFT:
            raise ValidationError(_("This revision is still a draft: edit it directly."))
        if old.status in (QuoteStatus.ACCEPTED, QuoteStatus.SUPERSEDED):
            raise ValidationError(_("Only the current, not accepted revision can be revised."))
        root = _root(old)
        latest = (
            Quote.alive()
            .where((Quote.id == root.id) | (Quote.parent == root.id))
            .order_by(Quote.revision.desc())
            .first()
        )
        today = dt.date.today()
        quote = Quote.create(
            deal=old.deal_id, own_company=old.own_company_id, contact=old.contact_id,
            company=old.company_id, author=_id(user) if user else old.author_id,
            number=root.number, language=old.language, currency=old.currency,
            vat_mode=old.vat_mode, notes=old.notes, buyer_snapshot=old.buyer_snapshot,
            subject=old.subject, intro=old.intro, basis=old.basis, terms=old.terms,
            print_options=old.print_options, revision=latest.revision + 1, parent=root.id,
            valid_until=today + dt.timedelta(days=int(documents.QUOTE_VALID_DAYS.get())),
        )
        documents.save_lines(quote, documents.line_rows(old))
        old.status = QuoteStatus.SUPERSEDED
        old.save()
        documents.log(user, quote, "revised")
        return quote


def accept(quote_id: Any, user: Any = None) -> Quote:
    with database.atomic():
        quote = _locked_quote(quote_id)
        _refresh_one(quote, dt.date.today())
        if quote.status != QuoteStatus.SENT:
            raise ValidationError(_("Only a sent, not expired quote can be accepted."))
        quote.status = QuoteStatus.ACCEPTED
        quote.save()
        documents.log(user, quote, "accepted")
        return quote


def reject(quote_id: Any, user: Any = None, reason: str = "") -> Quote:
    with database.atomic():
        quote = _locked_quote(quote_id)
        if quote.status not in (QuoteStatus.SENT, QuoteStatus.EXPIRED):
            raise ValidationError(_("Only a sent quote can be rejected."))
        quote.status = QuoteStatus.REJECTED
        if reason:
            quote.notes = (quote.notes + "\n" if quote.notes else "") + reason.strip()
        quote.save()
        documents.log(user, quote, "rejected")
        return quote


def _refresh_one(quote: Quote, today: dt.date) -> None:
    if quote.status == QuoteStatus.SENT and quote.valid_until and quote.valid_until < today:
        quote.status = QuoteStatus.EXPIRED
        quote.save()


def refresh_expired(today: dt.date | None = None, deal_id: Any = None) -> int:
    """Mark sent quotes past their validity as expired (of one deal, when given: its panel does
    not rewrite every quote of the business, through the index on ``quote.deal_id``); returns how
    many changed."""
    today = today or dt.date.today()
    query = Quote.update(status=QuoteStatus.EXPIRED, updated_at=utcnow()).where(
        Quote.status == QuoteStatus.SENT,
        Quote.valid_until < today,
        Quote.deleted_at.is_null(),
    )
    if deal_id is not None:
        query = query.where(Quote.deal == _id(deal_id))
    with database.atomic():
        return query.execute()


def current_quote(deal_id: Any) -> Quote | None:
    """The revision a deal shows: the newest one that is not superseded."""
    return (
        Quote.alive()
        .where(Quote.deal == _id(deal_id), Quote.status != QuoteStatus.SUPERSEDED)
        .order_by(Quote.created_at.desc(), Quote.revision.desc())
        .first()
    )


def to_invoice(quote_id: Any, user: Any = None) -> Invoice:
    """A draft invoice from an accepted quote: lines, buyer and terms copied, linked to the quote."""
    with database.atomic():
        quote = _locked_quote(quote_id)
        if quote.status != QuoteStatus.ACCEPTED:
            raise ValidationError(_("Only an accepted quote can be turned into an invoice."))
        existing = (
            Invoice.alive()
            .where(Invoice.quote == quote.id, Invoice.status != InvoiceStatus.CANCELLED)
            .first()
        )
        if existing is not None:
            raise ValidationError(
                _("This quote already has an invoice ({number}).").format(
                    number=existing.number or _("draft")
                )
            )
        from desktop_crm.services.billing import invoices

        invoice = invoices.new_draft(
            own=quote.own_company, deal_id=quote.deal_id, contact_id=quote.contact_id,
            company_id=quote.company_id, user=user, language=quote.language,
            currency=quote.currency, vat_mode=quote.vat_mode, quote_id=quote.id,
        )
        invoice.buyer_snapshot = quote.buyer_snapshot
        invoice.terms = quote.terms
        invoice.save()
        documents.save_lines(invoice, documents.line_rows(quote))
        documents.log(user, quote, "converted")
        return invoice
