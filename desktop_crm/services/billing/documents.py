"""What quotes and invoices share: lines and totals, the render input, freezing and stored files.

* :func:`save_lines` replaces a draft's lines and recomputes line and header totals (Decimal,
  ``desktop_crm.pricing``: per line for Russia, per rate for Italy).
* :func:`document_input` turns a document and its parties into the plain input of
  :func:`desktop_crm.documents.context.build_context`.
* :func:`freeze` is called inside the transaction that sends a quote or issues an invoice: it
  stores the render context in ``frozen`` and the rendered files as :class:`DocumentFile` rows
  (bytes + sha256). Later prints of that document return exactly those bytes.
* :func:`render` gives the bytes of a document in a format: the stored file when frozen, else a
  fresh render of the draft (never stored).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop_crm import countries, money, pricing
from desktop_crm.documents import context as doc_context
from desktop_crm.documents import pool as render_pool
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.models import (
    Company,
    Contact,
    Deal,
    DealLine,
    DocumentFile,
    DocumentType,
    FileFormat,
    Invoice,
    InvoiceLine,
    OwnCompany,
    Quote,
    QuoteLine,
    User,
    VatMode,
    database,
)
from desktop_crm.services.system.settings import declare

QUOTE_VALID_DAYS = declare("documents.quote_valid_days", 30)
INVOICE_DUE_DAYS = {
    "RU": declare("documents.invoice_due_days.ru", 5),
    "IT": declare("documents.invoice_due_days.it", 30),
}
PRINT_DEFAULTS = declare(
    "documents.print_options", {"logo": True, "stamp": False, "signature": False, "qr": None}
)
ALLOWED_NATURA = {
    "N1", "N2.1", "N2.2", "N3.1", "N3.2", "N3.3", "N3.4", "N3.5", "N3.6", "N4", "N5",
    "N6.1", "N6.2", "N6.3", "N6.4", "N6.5", "N6.6", "N6.7", "N6.8", "N6.9", "N7",
}
HEADER_FIELDS = (
    "subject", "intro", "basis", "notes", "language", "valid_until", "due_date", "terms",
    "print_options", "buyer_snapshot", "vat_mode",
)

Document = Quote | Invoice


@dataclass(frozen=True)
class LineData:
    """A line as the editor sends it (text amounts such as "1 200,50" are accepted)."""

    name: str
    quantity: Any = Decimal("1")
    price: Any = Decimal("0")
    unit: str = ""
    unit_code: str = ""
    discount_percent: Any = Decimal("0")
    vat_rate: Any = Decimal("0")
    natura: str = ""
    description: str = ""
    product_id: Any = None


def _id(value: Any) -> Any:
    return getattr(value, "id", value)


def doc_type(document: Document) -> DocumentType:
    return DocumentType.QUOTE if isinstance(document, Quote) else DocumentType.INVOICE


def line_model(document: Document) -> type[QuoteLine] | type[InvoiceLine]:
    return QuoteLine if isinstance(document, Quote) else InvoiceLine


def lines_of(document: Document) -> list[QuoteLine] | list[InvoiceLine]:
    model = line_model(document)
    owner = model.quote if model is QuoteLine else model.invoice
    return list(
        model.alive().where(owner == document.id).order_by(model.line_order, model.created_at)
    )


def default_own_company() -> OwnCompany:
    company = (
        OwnCompany.alive()
        .order_by(OwnCompany.is_default.desc(), OwnCompany.created_at)
        .first()
    )
    if company is None:
        raise ValidationError(
            _("Enter your company's requisites first (Settings → My companies)."), field="own_company"
        )
    return company


def language_for(company: OwnCompany) -> str:
    return "it" if (company.country or "").upper() == "IT" else "ru"


def _decimal(value: Any, field: str, label: str) -> Decimal:
    try:
        return money.to_decimal(value if value not in (None, "") else "0")
    except (ValueError, TypeError) as error:
        raise ValidationError(
            _("{field}: “{value}” is not a number.").format(field=label, value=value), field=field
        ) from error


def clean_line(data: LineData | Mapping[str, Any], index: int) -> dict[str, Any]:
    if isinstance(data, Mapping):
        data = LineData(**data)
    row = _("Line {n}").format(n=index)
    name = (data.name or "").strip()
    if not name:
        raise ValidationError(_("{row}: enter the name of the goods or service.").format(row=row), field="name")
    quantity = money.round_qty(_decimal(data.quantity, "quantity", row))
    price = money.round_money(_decimal(data.price, "price", row))
    discount = money.round_money(_decimal(data.discount_percent, "discount_percent", row))
    rate = money.round_money(_decimal(data.vat_rate, "vat_rate", row))
    if quantity <= 0:
        raise ValidationError(_("{row}: the quantity must be more than zero.").format(row=row), field="quantity")
    if price < 0:
        raise ValidationError(_("{row}: the price cannot be negative.").format(row=row), field="price")
    if not (0 <= discount <= 100):
        raise ValidationError(_("{row}: the discount is a percentage from 0 to 100.").format(row=row), field="discount_percent")
    if not (0 <= rate < 100):
        raise ValidationError(_("{row}: the VAT rate is a percentage from 0 to 99.").format(row=row), field="vat_rate")
    natura = (data.natura or "").strip().upper()
    if natura and natura not in ALLOWED_NATURA:
        raise ValidationError(
            _("{row}: {code} is not a FatturaPA natura code (N1, N2.1 … N7).").format(row=row, code=natura),
            field="natura",
        )
    if natura and rate != 0:
        raise ValidationError(_("{row}: a natura code is only for 0% VAT lines.").format(row=row), field="natura")
    return {
        "name": name[:500],
        "quantity": quantity,
        "price": price,
        "unit": (data.unit or "").strip()[:20],
        "unit_code": (data.unit_code or "").strip()[:8],
        "discount_percent": discount,
        "vat_rate": rate,
        "natura": natura,
        "description": (data.description or "").strip(),
        "product": data.product_id,
    }


def compute_totals(document: Document, rows: Sequence[Mapping[str, Any]]) -> pricing.Totals:
    country = (document.own_company.country or "RU").upper()
    inputs = [
        pricing.LineInput(r["quantity"], r["price"], r["discount_percent"], r["vat_rate"], r.get("natura") or "")
        for r in rows
    ]
    return pricing.compute(inputs, country=country, vat_included=document.vat_mode == VatMode.INCLUDED)


def save_lines(document: Document, lines: Sequence[LineData | Mapping[str, Any]]) -> None:
    """Replace the lines of a draft and recompute totals (inside the caller's transaction)."""
    rows = [clean_line(line, index) for index, line in enumerate(lines, 1)]
    model = line_model(document)
    owner_field = "quote" if model is QuoteLine else "invoice"
    for old in lines_of(document):
        old.soft_delete()
    totals = compute_totals(document, rows)
    for order, (row, result) in enumerate(zip(rows, totals.lines)):
        model.create(
            **{owner_field: document.id},
            line_order=order,
            net_amount=result.net,
            vat_amount=result.vat,
            total_amount=result.total,
            **row,
        )
    document.subtotal = totals.subtotal
    document.vat_total = totals.vat_total
    document.total = totals.grand_total
    document.save()


def lines_of_deal(deal_id: Any) -> list[LineData]:
    """The deal's product lines as a new quote's or invoice's lines (then independent of it)."""
    lines = DealLine.alive().where(DealLine.deal == deal_id).order_by(
        DealLine.line_order, DealLine.created_at)
    return [
        LineData(
            name=line.name, quantity=line.quantity, price=line.price, unit=line.unit,
            unit_code=line.unit_code, discount_percent=line.discount_percent,
            vat_rate=line.vat_rate, product_id=line.product_id,
        )
        for line in lines
    ]


def line_rows(document: Document) -> list[dict[str, Any]]:
    return [
        {
            "name": line.name,
            "quantity": line.quantity,
            "price": line.price,
            "unit": line.unit,
            "unit_code": line.unit_code,
            "discount_percent": line.discount_percent,
            "vat_rate": line.vat_rate,
            "natura": line.natura or "",
            "description": line.description or "",
            "product_id": line.product_id,
        }
        for line in lines_of(document)
    ]


def apply_header(document: Document, values: Mapping[str, Any]) -> None:
    unknown = set(values) - set(HEADER_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    for key, value in values.items():
        if key == "language" and value not in ("ru", "it", "en"):
            raise ValidationError(_("Documents are printed in Russian, Italian or English."), field="language")
        if key in ("valid_until", "due_date") and value is not None and not isinstance(value, dt.date):
            raise ValidationError(_("Enter a date."), field=key)
        if key == "terms":
            value = [
                {"key": str(t.get("key") or "other"), "text": str(t.get("text") or "")}
                for t in (value or [])
            ]
        if key == "vat_mode":
            value = VatMode(value)
        setattr(document, key, value)


# ---------------------------------------------------------------------------------------------
# Render input


def _party_from_requisites(row: Any, kind: str = "company") -> doc_context.PartyInput:
    return doc_context.PartyInput(
        name=row.short_name or row.legal_name,
        name_full=row.legal_name or row.short_name,
        kind=kind,
        country=(row.country or "RU").upper(),
        inn=row.inn,
        kpp=row.kpp,
        ogrn=row.ogrn,
        vat_number=row.vat_number,
        tax_code=row.fiscal_code,
        rea=row.rea,
        street=row.address,
        zip=row.postal_code,
        city=row.city,
        province=row.province,
        phone=row.phone,
        email=row.email,
        bank_name=row.bank_name,
        bik=row.bik,
        corr_account=row.corr_account,
        account=row.account,
        iban=row.iban,
        bic=row.bic,
    )


def _sole_trader(row: Any) -> bool:
    return len(row.inn or "") == 12 or (row.short_name or row.legal_name or "").startswith("ИП ")


def seller_input(company: OwnCompany) -> doc_context.PartyInput:
    party = _party_from_requisites(company, "sole_trader" if _sole_trader(company) else "company")
    party.regime_fiscale = company.regime_fiscale
    party.pec = company.pec
    party.head_name = company.director_name
    party.accountant_name = company.accountant_name
    party.logo = bytes(company.logo) if company.logo else None
    party.stamp = bytes(company.stamp) if company.stamp else None
    party.signature = bytes(company.signature) if company.signature else None
    return party


def buyer_input(document: Document) -> doc_context.PartyInput:
    company = Company.get_or_none(Company.id == document.company_id) if document.company_id else None
    contact = Contact.get_or_none(Contact.id == document.contact_id) if document.contact_id else None
    if company is not None:
        party = _party_from_requisites(company, "sole_trader" if _sole_trader(company) else "company")
        party.sdi_code = company.sdi_code or ""
        party.pec = company.pec or ""
    elif contact is not None:
        party = doc_context.PartyInput(
            name=contact.full_name, name_full=contact.full_name, kind="consumer",
            country=(document.own_company.country or "RU").upper(),
            phone=contact.mobile_phone or contact.work_phone,
            email=contact.work_email or contact.private_email,
        )
    else:
        party = doc_context.PartyInput(name="—", country=(document.own_company.country or "RU").upper())
    snapshot = document.buyer_snapshot or {}
    for key in ("addressee", "salutation", "attention_of", "name", "street", "zip", "city", "province",
                "vat_number", "tax_code", "sdi_code", "pec", "inn", "kpp"):
        if snapshot.get(key):
            setattr(party, key, snapshot[key])
    if contact is not None and not party.attention_of and party.country == "IT" and company is not None:
        party.attention_of = contact.full_name
    return party


def document_input(document: Document) -> doc_context.DocumentInput:
    own = OwnCompany.get_by_id(document.own_company_id)
    author = User.get_or_none(User.id == document.author_id) if document.author_id else None
    lines = [
        doc_context.LineInput(
            name=line.name,
            quantity=line.quantity,
            price=line.price,
            unit=line.unit,
            unit_code=line.unit_code,
            description=line.description or "",
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
            natura=line.natura or "",
        )
        for line in lines_of(document)
    ]
    options = dict(PRINT_DEFAULTS.get())
    options.update(document.print_options or {})
    if options.get("qr") is None:
        options["qr"] = countries.country(own.country).qr_by_default
    source_number, source_date = "", None
    if isinstance(document, Invoice) and document.quote_id:
        quote = Quote.get_or_none(Quote.id == document.quote_id)
        if quote is not None:
            source_number, source_date = quote.number, quote.issue_date
    return doc_context.DocumentInput(
        kind="quote" if isinstance(document, Quote) else "invoice",
        language=document.language or language_for(own),
        seller=seller_input(own),
        buyer=buyer_input(document),
        lines=lines,
        date=document.issue_date or dt.date.today(),
        number=document.number,
        revision=getattr(document, "revision", 1),
        status=str(document.status),
        currency=document.currency,
        vat_included=document.vat_mode == VatMode.INCLUDED,
        valid_until=getattr(document, "valid_until", None),
        due_date=getattr(document, "due_date", None),
        subject=document.subject or "",
        intro=document.intro or "",
        basis=document.basis or "",
        terms=list(document.terms or []),
        notes=document.notes or "",
        source_quote_number=source_number,
        source_quote_date=source_date,
        manager=doc_context.ManagerInput(name=author.name, email=author.email) if author else doc_context.ManagerInput(),
        options=options,
    )


def context_for(document: Document) -> dict[str, Any]:
    """The render context: the frozen one of a sent/issued document, else built from the draft."""
    if document.frozen:
        return document.frozen  # type: ignore[no-any-return]
    return doc_context.build_context(document_input(document))


# ---------------------------------------------------------------------------------------------
# Files


def _slug(text: str) -> str:
    text = re.sub(r'[\\/:*?"<>|\n\r\t]+', " ", text)
    text = text.replace("«", "").replace("»", "")
    return " ".join(text.split())[:80]


def file_name(document: Document, fmt: FileFormat | str, context: Mapping[str, Any] | None = None) -> str:
    """«КП-2026-0017 ООО Лютик.pdf», «Fattura 2026-0042 Bianchi SpA.pdf»."""
    fmt = FileFormat(fmt)
    ctx = context or context_for(document)
    title = ctx["doc"]["title"] if isinstance(document, Invoice) else ""
    number = ctx["doc"]["number"].replace("/", "-")
    parts = [title, number, ctx["buyer"]["name"]]
    return f"{_slug(' '.join(p for p in parts if p))}.{fmt.value}"


def formats_for(context: Mapping[str, Any]) -> list[FileFormat]:
    from desktop_crm.documents.render import available_templates

    available = available_templates().get(context["template"], [])
    result = [FileFormat(f) for f in ("pdf", "docx") if f in available]
    seller_rules = countries.country(context["seller"]["address"]["country"])
    if context["doc"]["kind"] == "invoice" and seller_rules.e_invoice is not None:
        result.append(FileFormat.XML)
    return result


def _e_invoice(context: Mapping[str, Any]) -> countries.EInvoice:
    """The e-invoice format of the seller's country (formats_for offers XML only where it has one)."""
    e_invoice = countries.country(context["seller"]["address"]["country"]).e_invoice
    if e_invoice is None:
        raise ValueError("the seller's country has no e-invoice format")
    return e_invoice


def render_bytes(context: dict[str, Any], fmt: FileFormat | str, progressive: str = "00001") -> bytes:
    from desktop_crm.documents import render as renderer

    fmt = FileFormat(fmt)
    if fmt == FileFormat.PDF:
        return renderer.render_pdf(context)
    if fmt == FileFormat.DOCX:
        return renderer.render_docx(context)
    return _e_invoice(context).build(context, progressive)


def render_files(data: doc_context.DocumentInput) -> tuple[dict[str, Any], dict[FileFormat, bytes]]:
    """The context of a render input and its PDF/DOCX files (no database: runs in render workers)."""
    context = doc_context.build_context(data)
    files = {fmt: render_bytes(context, fmt) for fmt in formats_for(context) if fmt != FileFormat.XML}
    return context, files


render_pool.use_renderer(render_files)  # what batch workers run (documents never import services)


Prepared = Callable[[doc_context.DocumentInput], "tuple[dict[str, Any], dict[FileFormat, bytes]] | None"]


def freeze(
    document: Document, progressive: str | Callable[[], str] = "00001", prepared: Prepared | None = None
) -> list[DocumentFile]:
    """Freeze the document as it is now: its context and every file, in the caller's transaction.

    ``prepared`` may supply the context and files already rendered (elsewhere) for exactly this
    input (batch issuing); formats it lacks are rendered here.
    """
    if not database.in_transaction():
        raise RuntimeError("freeze must run inside the sending/issuing transaction")
    data = document_input(document)
    ready = prepared(data) if prepared is not None else None
    context, files = ready if ready is not None else (doc_context.build_context(data), {})
    document.frozen = context
    document.save()
    stored = []
    for fmt in formats_for(context):
        if fmt == FileFormat.XML and callable(progressive):
            progressive = progressive()
        content = files.get(fmt) or render_bytes(context, fmt, progressive)  # type: ignore[arg-type]
        name = (
            _e_invoice(context).file_name(context, progressive)  # type: ignore[arg-type]
            if fmt == FileFormat.XML
            else file_name(document, fmt, context)
        )
        stored.append(
            DocumentFile.create(
                document_type=doc_type(document),
                document_id=str(document.id),
                file_format=fmt,
                language=context["language"],
                filename=name,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
            )
        )
    return stored


def stored_file(document: Document, fmt: FileFormat | str) -> DocumentFile | None:
    return (
        DocumentFile.alive()
        .where(
            DocumentFile.document_type == doc_type(document),
            DocumentFile.document_id == str(document.id),
            DocumentFile.file_format == FileFormat(fmt),
        )
        .order_by(DocumentFile.created_at.desc())
        .first()
    )


@dataclass(frozen=True)
class RenderedFile:
    filename: str
    content: bytes
    sha256: str
    stored: bool  # True: the exact bytes that were issued


def render(document_id: Any, kind: DocumentType | str, fmt: FileFormat | str) -> RenderedFile:
    """The document's bytes: stored ones when frozen, else a fresh render of the draft."""
    document = get_document(kind, document_id)
    fmt = FileFormat(fmt)
    if document.frozen:
        row = stored_file(document, fmt)
        if row is not None:
            content = bytes(row.content)
            return RenderedFile(row.filename, content, row.sha256, True)
    context = context_for(document)
    content = render_bytes(context, fmt)
    if fmt == FileFormat.XML:
        name = _e_invoice(context).file_name(context, "00001")
    else:
        name = file_name(document, fmt, context)
    return RenderedFile(name, content, hashlib.sha256(content).hexdigest(), False)


def get_document(kind: DocumentType | str, document_id: Any) -> Document:
    model = Quote if DocumentType(kind) == DocumentType.QUOTE else Invoice
    try:
        key = uuid.UUID(str(_id(document_id)))
    except ValueError as error:
        raise ValidationError(_("The document no longer exists.")) from error
    document = model.alive().where(model.id == key).first()
    if document is None:
        raise ValidationError(_("The document no longer exists."))
    return document  # type: ignore[no-any-return]


def deal_of(deal_id: Any) -> Deal:
    deal = Deal.alive().where(Deal.id == _id(deal_id)).first()
    if deal is None:
        raise ValidationError(_("The deal no longer exists."))
    return deal  # type: ignore[no-any-return]


def log(user: Any, document: Document, event: str) -> None:
    """Record a document action in the deal's timeline (same transaction as the action)."""
    if not document.deal_id:
        return
    from desktop_crm.services.sales import timeline

    if event in ("sent", "issued"):
        timeline.log_document(user, document.deal_id, doc_type(document).value, document.id,
                              document.number, document.language)
        return
    from desktop_crm.models import Activity, ActivityKind, utcnow

    deal = Deal.get_by_id(document.deal_id)
    Activity.create(
        kind=ActivityKind.SYSTEM,
        subject=event_title(event, document),
        author=_id(user) if user else None,
        deal=deal.id,
        contact=deal.contact_id,
        company=deal.company_id,
        done_at=utcnow(),
        payload={
            "event": f"document_{event}",
            "document_type": doc_type(document).value,
            "document_id": str(document.id),
            "number": document.number,
        },
    )


def event_title(event: str, document: Document) -> str:
    number = document.number or _("draft")
    titles = {
        "created": _("Draft created: {kind}").format(kind=kind_name(document)),
        "revised": _("Quote {number}: new revision {revision}").format(number=number, revision=getattr(document, "revision", 1)),
        "accepted": _("Quote {number} accepted").format(number=number),
        "rejected": _("Quote {number} rejected").format(number=number),
        "converted": _("Invoice drafted from quote {number}").format(number=number),
        "paid": _("Payment registered on invoice {number}").format(number=number),
        "cancelled": _("Invoice {number} cancelled").format(number=number),
    }
    return titles.get(event, event)


def kind_name(document: Document) -> str:
    return _("quote") if isinstance(document, Quote) else _("invoice")


# ---------------------------------------------------------------------------------------------
# Plain data for the UI (views never touch models)


@dataclass(frozen=True)
class DocumentSummary:
    id: str
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
            "paid": ("preview",),
            "cancelled": ("reissue", "preview"),
        }
    return table.get(status, ("preview",))


def summary(document: Document) -> DocumentSummary:
    from desktop_crm.i18n.formatting import format_date, format_money

    kind = doc_type(document).value
    date = document.issue_date or document.created_at.date()
    paid = format_money(document.paid_amount, document.currency) if isinstance(document, Invoice) else ""
    return DocumentSummary(
        id=str(document.id),
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
    )


def summaries_for_deal(deal_id: Any, kind: DocumentType | str) -> list[DocumentSummary]:
    """The quotes (newest revision first) or invoices of a deal; expiry is derived on load."""
    kind = DocumentType(kind)
    if kind == DocumentType.QUOTE:
        from desktop_crm.services.billing.quotes import current_quote, refresh_expired

        refresh_expired(deal_id=deal_id)
        current = current_quote(deal_id)
        rows = Quote.alive().where(Quote.deal == _id(deal_id)).order_by(Quote.created_at.desc())
        return [
            dataclasses.replace(summary(row), current=current is not None and row.id == current.id)
            for row in rows
        ]
    rows = Invoice.alive().where(Invoice.deal == _id(deal_id)).order_by(Invoice.created_at.desc())
    return [summary(row) for row in rows]


@dataclass
class EditorData:
    """A document as the editor shows it (amounts as Decimal; dates as date)."""

    id: str
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
    terms: dict[str, str]
    print_options: dict[str, bool]
    buyer_name: str
    addressee: str
    salutation: str
    lines: list[dict[str, Any]]
    vat_rates: list[Decimal]


def editor_data(kind: DocumentType | str, document_id: Any) -> EditorData:
    document = get_document(kind, document_id)
    own = OwnCompany.get_by_id(document.own_company_id)
    country = (own.country or "RU").upper()
    buyer = buyer_input(document)
    snapshot = document.buyer_snapshot or {}
    options = dict(PRINT_DEFAULTS.get())
    options.update(document.print_options or {})
    if options.get("qr") is None:
        options["qr"] = countries.country(own.country).qr_by_default
    kind_text = _("Quote") if isinstance(document, Quote) else _("Invoice")
    title = f"{kind_text} № {document.number}" if document.number else kind_text
    if isinstance(document, Quote) and document.revision > 1:
        title += " " + _("(revision {n})").format(n=document.revision)
    return EditorData(
        id=str(document.id),
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
        terms={t.get("key", "other"): t.get("text", "") for t in (document.terms or [])},
        print_options={k: bool(v) for k, v in options.items()},
        buyer_name=buyer.name,
        addressee=snapshot.get("addressee", ""),
        salutation=snapshot.get("salutation", ""),
        lines=line_rows(document),
        vat_rates=list(countries.country(own.country).vat_rates),
    )


def deal_title(deal_id: Any) -> str:
    return deal_of(deal_id).title
