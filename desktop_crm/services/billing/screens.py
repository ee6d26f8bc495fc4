"""What screens show of quotes and invoices: a deal's documents and the document editor's data.

Plain data only (views never touch models): :class:`DocumentSummary` per row of a deal's Quotes
and Invoices tabs, with the actions its status allows, and :class:`EditorData` for the editor.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop_crm import countries
from desktop_crm.i18n import _
from desktop_crm.ids import DocumentId, IdLike, as_uuid
from desktop_crm.models import Action, Deal, DocumentType, Invoice, OwnCompany, Quote, VatMode
from desktop_crm.services.billing import documents
from desktop_crm.services.billing.documents import (
    Document,
    Row,
    _get_document,
    doc_type,
    invoice_due_days,
    line_rows,
    print_options,
)
from desktop_crm.services.billing.rendering import buyer_input
from desktop_crm.services.system import rights


@dataclass(frozen=True)
class DocumentSummary:
    id: DocumentId
    kind: str  # "quote" | "invoice"
    number: str
    revision: int
    status: str
    status_text: str
    date_text: str
    total_text: str
    paid_text: str
    language: str
    editable: bool  # a draft
    actions: tuple[str, ...]  # what the UI may offer: send, issue, accept, reject, revise, …
    current: bool = False  # the quote the deal shows: its newest revision that is not superseded
    balance: Decimal = Decimal("0.00")  # invoices: what is still to be paid
    balance_text: str = ""
    sdi_text: str = ""  # an Italian invoice's way through SDI ("delivered (SDI)"), '' when not sent
    sdi_detail: str = ""  # its file, SDI's id and a rejection's errors
    due_date: dt.date | None = None  # invoices: when payment is due (an unpaid one past it is overdue)


def status_text(kind: str, status: str) -> str:
    texts = {
        "draft": _("Draft"),
        "sent": _("Sent"),
        "accepted": _("Accepted"),
        "rejected": _("Rejected"),
        "expired": _("Expired"),
        "superseded": _("Superseded"),
        "issued": _("Issued"),
        "partially_paid": _("Partially paid"),
        "paid": _("Paid"),
        "cancelled": _("Cancelled"),
    }
    return texts.get(status, status)


def _actions(document: Document) -> tuple[str, ...]:
    status = str(document.status)
    if isinstance(document, Quote):
        table = {
            "draft": ("edit", "send", "preview"),
            "sent": ("accept", "reject", "revise", "preview"),
            "expired": ("reject", "revise", "preview"),
            "rejected": ("revise", "preview"),
            "accepted": ("to_invoice", "preview"),
            "superseded": ("preview",),
        }
    else:
        table = {
            "draft": ("edit", "issue", "preview", "delete"),
            "issued": ("pay", "cancel", "preview"),
            "partially_paid": ("pay", "preview"),
            "paid": ("pay", "preview"),  # refunds and mistaken payments are handled there
            "cancelled": ("reissue", "preview"),
        }
    actions = table.get(status, ("preview",))
    if status in ("issued", "partially_paid", "paid") and _creditable(document):
        actions = (*actions[:-1], "credit_note", actions[-1])
    if status in ("issued", "partially_paid", "paid") and _sends_to_sdi(document):
        actions = (*actions[:-1], "sdi", actions[-1])
    return actions


def _sends_to_sdi(document: Document) -> bool:
    """An issued invoice (or credit note) of an e-invoicing seller not yet sent to SDI."""
    from desktop_crm.services.billing import sdi

    if countries.country(document.own_company.country).e_invoice is None:
        return False
    return sdi.sdi_status(document.id) is None


def _creditable(document: Document) -> bool:
    """An issued invoice of an e-invoicing seller that is no credit note and has none yet."""
    if document.credit_for_id or countries.country(document.own_company.country).e_invoice is None:
        return False
    return not Invoice.alive().where(Invoice.credit_for == document.id).exists()


def summary(document: Document) -> DocumentSummary:
    from desktop_crm.i18n.formatting import format_date, format_money

    kind = doc_type(document).value
    date = document.issue_date or document.created_at.date()
    is_invoice = isinstance(document, Invoice)
    paid = format_money(document.paid_amount, document.currency) if is_invoice else ""
    balance = max(document.total - document.paid_amount, Decimal("0.00")) if is_invoice else Decimal("0.00")
    sdi_text, sdi_detail = _sdi_texts(document) if is_invoice else ("", "")
    return DocumentSummary(
        id=DocumentId(document.id),
        kind=kind,
        number=document.number or _("draft"),
        revision=getattr(document, "revision", 1),
        status=str(document.status),
        status_text=status_text(kind, str(document.status)),
        date_text=format_date(date),
        total_text=format_money(document.total, document.currency),
        paid_text=paid,
        language=document.language,
        editable=str(document.status) == "draft",
        actions=_actions(document),
        balance=balance,
        balance_text=format_money(balance, document.currency) if is_invoice else "",
        sdi_text=sdi_text,
        due_date=document.due_date if is_invoice else None,
        sdi_detail=sdi_detail,
    )


def _sdi_texts(document: Document) -> tuple[str, str]:
    from desktop_crm.services.billing import sdi

    state = sdi.sdi_status(document.id) if document.status != "draft" else None
    return (sdi.status_label(state), sdi.status_detail(state)) if state is not None else ("", "")


def summaries_for_deal(deal_id: IdLike, kind: DocumentType | str) -> list[DocumentSummary]:
    """The quotes (newest revision first) or invoices of a deal; expiry is derived on load."""
    rights.require_on(Deal, as_uuid(deal_id), Action.VIEW)
    kind = DocumentType(kind)
    if kind == DocumentType.QUOTE:
        from desktop_crm.services.billing.quotes import current_quote, refresh_expired

        refresh_expired(deal_id=deal_id)
        current = current_quote(deal_id)
        rows: list[Row] = list(
            Quote.alive().where(Quote.deal == as_uuid(deal_id)).order_by(Quote.created_at.desc()))
        return [
            dataclasses.replace(summary(row), current=current is not None and row.id == current.id)
            for row in rows
        ]
    invoices: list[Row] = list(
        Invoice.alive().where(Invoice.deal == as_uuid(deal_id)).order_by(Invoice.created_at.desc()))
    return [summary(row) for row in invoices]


@dataclass
class EditorData:
    """A document as the editor shows it (amounts as Decimal; dates as date)."""

    id: DocumentId
    kind: str
    title: str
    number: str
    status: str
    editable: bool
    language: str
    currency: str
    country: str
    vat_included: bool
    subject: str
    intro: str
    basis: str
    notes: str
    valid_until: dt.date | None
    due_date: dt.date | None
    due_date_default: dt.date | None  # invoices: the issue date (or today) plus the payment days
    terms: dict[str, str]
    print_options: dict[str, bool]
    buyer_name: str
    addressee: str
    salutation: str
    lines: list[dict[str, Any]]
    vat_rates: list[Decimal]  # the rates in force on the document's date (today for a draft)
    # the seller (changeable on a draft) and the rate a new line takes (the seller's default)
    own_company_id: str = ""
    sellers: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    default_vat_rate: Decimal = Decimal("0")
    default_due_days: int = 0  # an invoice's usual payment term when its terms name no days


def _default_due_date(document: Document, own: Row) -> dt.date | None:
    """When an invoice is due by the business's payment terms (``None`` for a quote)."""
    if isinstance(document, Quote):
        return None
    from desktop_crm.services.billing.documents import invoice_due_days

    start = document.issue_date or dt.date.today()
    return start + dt.timedelta(days=invoice_due_days(own.country))


def editor_data(kind: DocumentType | str, document_id: IdLike) -> EditorData:
    document = _get_document(kind, document_id)
    rights.require_on(type(document), document.id, Action.VIEW)
    own: Row = OwnCompany.get_by_id(document.own_company_id)
    country = (own.country or countries.DEFAULT.code).upper()
    buyer = buyer_input(document)
    snapshot = document.buyer_snapshot or {}
    options = print_options(document, country)
    kind_text = _("Quote") if isinstance(document, Quote) else _("Invoice")
    if document.number:  # "№" in Russian, "n." in Italian: the whole title is translated
        title = (_("Quote № {number}") if isinstance(document, Quote)
                 else _("Invoice № {number}")).format(number=document.number)
    else:
        title = kind_text
    if isinstance(document, Quote) and document.revision > 1:
        title += " " + _("(revision {n})").format(n=document.revision)
    return EditorData(
        id=DocumentId(document.id),
        kind=doc_type(document).value,
        title=title,
        number=document.number,
        status=str(document.status),
        editable=str(document.status) == "draft",
        language=document.language,
        currency=document.currency,
        country=country,
        vat_included=document.vat_mode == VatMode.INCLUDED,
        subject=document.subject or "",
        intro=document.intro or "",
        basis=document.basis or "",
        notes=document.notes or "",
        valid_until=getattr(document, "valid_until", None),
        due_date=getattr(document, "due_date", None),
        due_date_default=_default_due_date(document, own),
        terms={t.get("key", "other"): t.get("text", "") for t in (document.terms or [])},
        print_options={k: bool(v) for k, v in options.items()},
        buyer_name=buyer.name,
        addressee=snapshot.get("addressee", ""),
        salutation=snapshot.get("salutation", ""),
        lines=line_rows(document),
        vat_rates=list(countries.country(country).vat_on(document.issue_date or dt.date.today()).rates),
        own_company_id=str(own.id),
        sellers=[(str(key), name) for key, name in documents.own_companies()],
        default_vat_rate=documents.default_vat_rate(own, document.issue_date),
        default_due_days=invoice_due_days(country),
    )

