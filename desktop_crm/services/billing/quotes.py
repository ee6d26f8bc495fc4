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

from desktop_crm import validation
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import IdLike, as_uuid, optional_uuid
from desktop_crm.models import (
    Action,
    Deal,
    DocumentType,
    Invoice,
    InvoiceStatus,
    Quote,
    QuoteStatus,
    database,
    utcnow,
)
from desktop_crm.models.db import engine
from desktop_crm.services.billing import documents, numbering, rendering
from desktop_crm.services.billing.documents import DocumentInfo, Row, info
from desktop_crm.services.system import rights


def _locked_quote(quote_id: IdLike) -> Row:
    quote = documents._get_document(DocumentType.QUOTE, quote_id)
    if engine(database.obj) == "postgres":
        quote = Quote.select().where(Quote.id == quote.id).for_update().get()
    return quote


def create_from_deal(
    deal_id: IdLike, user: IdLike | None = None, own_company_id: IdLike | None = None
) -> DocumentInfo:
    rights.require_on(Deal, as_uuid(deal_id), Action.EDIT)
    with database.atomic():
        deal = documents._deal_of(deal_id)
        own = documents.seller_for_deal(deal, own_company_id)
        today = dt.date.today()
        quote = Quote.create(
            deal=deal.id,
            own_company=own.id,
            contact=deal.contact_id,
            company=deal.company_id,
            author=documents.author_of(user, deal.responsible_id),
            language=documents.language_for(own.country),
            currency=deal.currency or own.default_currency,
            vat_mode=own.vat_mode,
            valid_until=today + dt.timedelta(days=int(documents.QUOTE_VALID_DAYS.get())),
            subject=deal.title,
            terms=[],
            print_options={},
        )
        documents.save_lines(quote, documents.lines_of_deal(deal.id))
        documents.update_vat_rates(quote, today)  # a new draft's lines at the rates in force
        documents.log(user, quote, "created")
        return info(quote)


def save_draft(
    quote_id: IdLike,
    values: Mapping[str, Any] | None = None,
    lines: Sequence[documents.LineData | Mapping[str, Any]] | None = None,
    user: IdLike | None = None,
) -> DocumentInfo:
    rights.require_on(Quote, as_uuid(quote_id), Action.EDIT)
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
        return info(quote)


def send(quote_id: IdLike, user: IdLike | None = None, on: dt.date | None = None) -> DocumentInfo:
    """Number, freeze and mark the revision sent: the moment it leaves the company."""
    rights.require_on(Quote, as_uuid(quote_id), Action.ISSUE_DOCUMENTS)
    on = validation.date_value(on, "issue_date")
    with database.atomic():
        quote = _locked_quote(quote_id)
        if quote.status != QuoteStatus.DRAFT:
            raise ValidationError(_("This quote revision has already been sent."))
        if not documents._lines_of(quote):
            raise ValidationError(_("Add at least one line before sending the quote."))
        on = on or dt.date.today()
        documents.check_before_issue(quote, "quote", on)
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
        rendering.freeze(quote)
        documents.log(user, quote, "sent")
        return info(quote)


def _root(quote: Row) -> Row:
    return Quote.get_by_id(quote.parent_id) if quote.parent_id else quote


def new_revision(quote_id: IdLike, user: IdLike | None = None) -> DocumentInfo:
    rights.require_on(Quote, as_uuid(quote_id), Action.EDIT)
    with database.atomic():
        old = _locked_quote(quote_id)
        if old.status == QuoteStatus.DRAFT:
            raise ValidationError(_("This revision is still a draft: edit it directly."))
        if old.status in (QuoteStatus.ACCEPTED, QuoteStatus.SUPERSEDED):
            raise ValidationError(_("Only the current, not accepted revision can be revised."))
        root = _root(old)
        latest: Row = (
            Quote.alive()
            .where((Quote.id == root.id) | (Quote.parent == root.id))
            .order_by(Quote.revision.desc())
            .first()
        )
        today = dt.date.today()
        quote = Quote.create(
            deal=old.deal_id, own_company=old.own_company_id, contact=old.contact_id,
            company=old.company_id, author=optional_uuid(user) or old.author_id,
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
        return info(quote)


def accept(quote_id: IdLike, user: IdLike | None = None) -> DocumentInfo:
    rights.require_on(Quote, as_uuid(quote_id), Action.ISSUE_DOCUMENTS)
    with database.atomic():
        quote = _locked_quote(quote_id)
        _refresh_one(quote, dt.date.today())
        if quote.status != QuoteStatus.SENT:
            raise ValidationError(_("Only a sent, not expired quote can be accepted."))
        quote.status = QuoteStatus.ACCEPTED
        quote.save()
        _deal_takes_the_quote(quote, user)
        documents.log(user, quote, "accepted")
        if quote.deal_id is not None:
            from desktop_crm.services.sales.automation import engine, rules

            engine.on_event(engine.DealEvent(rules.Event.QUOTE_ACCEPTED, quote.deal_id,
                                             str(quote.id)), user)
        return info(quote)


def _deal_takes_the_quote(quote: Row, user: IdLike | None) -> None:
    """An accepted quote is what the client buys: the open deal's lines become the quote's (its
    amount follows: revision 2 accepted, the deal shows revision 2's total, not revision 1's)."""
    from desktop_crm.models import Deal
    from desktop_crm.services.sales import deals

    deal: Row = Deal.get_or_none((Deal.id == quote.deal_id) & Deal.deleted_at.is_null())
    if deal is None or deal.closed_at is not None:
        return
    actor = user or quote.author_id or deal.responsible_id
    for line in deals.lines(deal.id):
        deals.remove_line(line.id, actor)
    for order, line in enumerate(documents._lines_of(quote)):
        deals.add_line(deal.id, {
            "name": line.name, "product": line.product_id, "quantity": line.quantity,
            "price": line.price, "discount_percent": line.discount_percent,
            "vat_rate": line.vat_rate, "unit": line.unit, "unit_code": line.unit_code,
            "line_order": order,
        }, actor)


def reject(quote_id: IdLike, user: IdLike | None = None, reason: str = "") -> DocumentInfo:
    rights.require_on(Quote, as_uuid(quote_id), Action.ISSUE_DOCUMENTS)
    with database.atomic():
        quote = _locked_quote(quote_id)
        if quote.status not in (QuoteStatus.SENT, QuoteStatus.EXPIRED):
            raise ValidationError(_("Only a sent quote can be rejected."))
        quote.status = QuoteStatus.REJECTED
        if reason:
            quote.notes = (quote.notes + "\n" if quote.notes else "") + reason.strip()
        quote.save()
        documents.log(user, quote, "rejected")
        return info(quote)


def _refresh_one(quote: Row, today: dt.date) -> None:
    if quote.status == QuoteStatus.SENT and quote.valid_until and quote.valid_until < today:
        quote.status = QuoteStatus.EXPIRED
        quote.save()


def refresh_expired(today: dt.date | None = None, deal_id: IdLike | None = None) -> int:
    """Mark sent quotes past their validity as expired (of one deal, when given: its panel does
    not rewrite every quote of the business, through the index on ``quote.deal_id``); returns how
    many changed. Nothing to expire writes nothing: an UPDATE of no rows still announces a change
    of quotes, and the deal card, which reloads on that and calls this on load, would loop."""
    today = today or dt.date.today()
    condition = (
        (Quote.status == QuoteStatus.SENT)
        & (Quote.valid_until < today)
        & Quote.deleted_at.is_null()
    )
    if deal_id is not None:
        condition &= Quote.deal == as_uuid(deal_id)
    if not Quote.select(Quote.id).where(condition).exists():
        return 0
    with database.atomic():
        return int(Quote.update(status=QuoteStatus.EXPIRED, updated_at=utcnow()).where(condition).execute())


def current_quote(deal_id: IdLike) -> DocumentInfo | None:
    """The revision a deal shows: the newest one that is not superseded."""
    quote = (
        Quote.alive()
        .where(Quote.deal == as_uuid(deal_id), Quote.status != QuoteStatus.SUPERSEDED)
        .order_by(Quote.created_at.desc(), Quote.revision.desc())
        .first()
    )
    return info(quote) if quote is not None else None


def to_invoice(quote_id: IdLike, user: IdLike | None = None) -> DocumentInfo:
    """A draft invoice from an accepted quote: lines, buyer and terms copied, linked to the quote."""
    rights.require_on(Quote, as_uuid(quote_id), Action.ISSUE_DOCUMENTS)
    with database.atomic():
        quote = _locked_quote(quote_id)
        if quote.status != QuoteStatus.ACCEPTED:
            raise ValidationError(_("Only an accepted quote can be turned into an invoice."))
        existing: Row = (
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

        invoice = invoices._new_draft(
            own=quote.own_company, deal_id=quote.deal_id, contact_id=quote.contact_id,
            company_id=quote.company_id, user=documents.author_of(user, quote.author_id),
            language=quote.language,
            currency=quote.currency, vat_mode=quote.vat_mode, quote_id=quote.id,
        )
        invoice.buyer_snapshot = quote.buyer_snapshot
        invoice.terms = quote.terms
        invoice.save()
        documents.save_lines(invoice, documents.line_rows(quote))
        documents.log(user, quote, "converted")
        return info(invoice)
