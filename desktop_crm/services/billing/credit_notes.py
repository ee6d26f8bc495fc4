"""Credit notes (Italy's nota di credito, FatturaPA TD04) for cancelling or refunding an issued
invoice.

A credit note is an :class:`~desktop_crm.models.Invoice` row whose ``credit_for`` names the invoice
it credits: the same seller, buyer, lines and currency, numbered in the invoice series (Italian
numbering is one progressive sequence per year), frozen with its files at issue. Its FatturaPA
file is TD04 with ``DatiFattureCollegate`` (the invoice's number and date) and takes the next
transmission number (``ProgressivoInvio``) like any file the seller sends. The lines keep the
invoice's VAT rates: a credit note corrects that invoice, whatever the rates in force today.
"""

from __future__ import annotations

import datetime as dt

from desktop_crm import countries
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _, translator
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import Action, Invoice, InvoiceStatus, database, utcnow
from desktop_crm.services.billing import documents, invoices, rendering
from desktop_crm.services.billing.documents import DocumentInfo, Row, info
from desktop_crm.services.system import rights


def _creditable(invoice_id: IdLike) -> Row:
    original = invoices._invoice(invoice_id)
    if original.credit_for_id:
        raise ValidationError(_("A credit note cannot itself be credited."))
    if original.status in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
        raise ValidationError(_("Only an issued invoice can be credited."))
    if countries.country(original.own_company.country).e_invoice is None:
        raise ValidationError(_("Credit notes are issued for e-invoices (Italy); cancel this invoice "
                                "instead."))
    existing: Row = Invoice.alive().where(Invoice.credit_for == original.id).first()
    if existing is not None:
        raise ValidationError(_("This invoice already has a credit note ({number}).").format(
            number=existing.number))
    return original


def issue_credit_note(
    invoice_id: IdLike, user: IdLike | None = None, *, cancel: bool = True, on: dt.date | None = None
) -> DocumentInfo:
    """Issue the credit note of the whole invoice, in one transaction. ``cancel`` (storno): the
    invoice is marked cancelled as well (when nothing was paid on it); a refund of a paid invoice
    keeps it as it is."""
    rights.require_on(Invoice, as_uuid(invoice_id), Action.ISSUE_DOCUMENTS)
    with database.atomic():
        original = _creditable(invoice_id)
        on = on or dt.date.today()
        if original.issue_date and on < original.issue_date:
            raise ValidationError(_("A credit note cannot be dated before the invoice it credits."))
        note = invoices._new_draft(
            original.own_company, original.deal_id, original.contact_id, original.company_id,
            documents.author_of(user, original.author_id), original.language, original.currency,
            original.vat_mode,
        )
        note.credit_for = original.id
        for key in ("buyer_snapshot", "print_options", "terms"):
            setattr(note, key, getattr(original, key))
        # the reason printed and sent (FatturaPA Causale), in the document's language
        note.basis = translator(original.language).pgettext(
            "document", "Credit note for invoice No. {number} of {date}").format(
            number=original.number, date=original.issue_date.strftime("%d/%m/%Y"))
        note.save()
        documents.save_lines(note, documents.line_rows(original))
        invoices._number_and_mark_issued(note, user, original.series or None, on)
        rendering.freeze(note, invoices._progressive(note))
        if cancel and original.paid_amount == 0:
            original.status = InvoiceStatus.CANCELLED
            original.cancelled_at = utcnow()
            original.save()
            documents.log(user, original, "cancelled")
        documents.log(user, note, "issued")
        return info(note)
