"""A document's render input, freezing and stored files.

* :func:`document_input` turns a document and its parties into the plain input of
  :func:`desktop_crm.documents.context.build_context`.
* :func:`freeze` is called inside the transaction that sends a quote or issues an invoice: it
  stores the render context in ``frozen`` and the rendered files as :class:`DocumentFile` rows
  (bytes + sha256). Later prints of that document return exactly those bytes.
* :func:`render` gives the bytes of a document in a format: the stored file when frozen, else a
  fresh render of the draft (never stored).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import peewee

from desktop_crm import countries
from desktop_crm.documents import context as doc_context
from desktop_crm.documents import pool as render_pool
from desktop_crm.entities import Entity
from desktop_crm.filenames import safe_existing_name, safe_file_name
from desktop_crm.ids import IdLike
from desktop_crm.models import (
    Action,
    Company,
    Contact,
    DocumentFile,
    DocumentType,
    FileFormat,
    Invoice,
    OwnCompany,
    Quote,
    User,
    VatMode,
    database,
)
from desktop_crm.services.billing.documents import (
    Document,
    Row,
    _get_document,
    _lines_of,
    doc_type,
    language_for,
    print_options,
)
from desktop_crm.services.system import custom_values, rights


def _party_from_requisites(row: Row, kind: str = "company") -> doc_context.PartyInput:
    return doc_context.PartyInput(
        name=row.short_name or row.legal_name,
        name_full=row.legal_name or row.short_name,
        kind=kind,
        country=(row.country or countries.DEFAULT.code).upper(),
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


def _sole_trader(row: Row) -> bool:
    return len(row.inn or "") == 12 or (row.short_name or row.legal_name or "").startswith("ИП ")


def seller_input(company: Row) -> doc_context.PartyInput:
    party = _party_from_requisites(company, "sole_trader" if _sole_trader(company) else "company")
    party.regime_fiscale = company.regime_fiscale
    party.pec = company.pec
    party.head_name = company.director_name
    party.accountant_name = company.accountant_name
    party.logo = bytes(company.logo) if company.logo else None
    party.stamp = bytes(company.stamp) if company.stamp else None
    party.signature = bytes(company.signature) if company.signature else None
    return party


def _consumer(contact: Row, seller_country: str | None) -> doc_context.PartyInput:
    """A private client as a buyer: name, contacts, and the fiscal data and address of their
    country (codice fiscale, personal ИНН)."""
    return doc_context.PartyInput(
        name=contact.full_name, name_full=contact.full_name, kind="consumer",
        country=(contact.country or seller_country or countries.DEFAULT.code).upper(),
        phone=contact.mobile_phone or contact.work_phone,
        email=contact.work_email or contact.private_email,
        tax_code=contact.fiscal_code or "", inn=contact.inn or "", street=contact.address or "",
        zip=contact.postal_code or "", city=contact.city or "", province=contact.province or "",
    )


def buyer_input(document: Document) -> doc_context.PartyInput:
    company = Company.get_or_none(Company.id == document.company_id) if document.company_id else None
    contact = Contact.get_or_none(Contact.id == document.contact_id) if document.contact_id else None
    if company is not None:
        party = _party_from_requisites(company, "sole_trader" if _sole_trader(company) else "company")
        party.sdi_code = company.sdi_code or ""
        party.pec = company.pec or ""
    elif contact is not None:
        party = _consumer(contact, document.own_company.country)
    else:
        seller_country = (document.own_company.country or countries.DEFAULT.code).upper()
        party = doc_context.PartyInput(name="—", country=seller_country)
    snapshot = document.buyer_snapshot or {}
    for key in ("addressee", "salutation", "attention_of", "name", "street", "zip", "city", "province",
                "vat_number", "tax_code", "sdi_code", "pec", "inn", "kpp"):
        if snapshot.get(key):
            setattr(party, key, snapshot[key])
    addressed = countries.country(party.country).addresses_contact_person
    if contact is not None and company is not None and addressed and not party.attention_of:
        party.attention_of = contact.full_name
    return party


def _custom(entity: Entity, row_id: uuid.UUID | None, language: str,
            currency: str) -> dict[str, str]:
    """A record's custom fields as the document prints them (none without a record)."""
    if row_id is None:
        return {}
    return custom_values.formatted_values(entity, row_id, language, currency)


def document_input(document: Document) -> doc_context.DocumentInput:
    own = OwnCompany.get_by_id(document.own_company_id)
    language = document.language or language_for(own.country)
    buyer = buyer_input(document)
    buyer.custom = (
        _custom(Entity.COMPANIES, document.company_id, language, document.currency)
        if document.company_id else
        _custom(Entity.CONTACTS, document.contact_id, language, document.currency)
    )
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
            custom=_custom(Entity.PRODUCTS, line.product_id, language, document.currency),
        )
        for line in _lines_of(document)
    ]
    options = print_options(document, own.country)
    source_number, source_date = "", None
    credited = (Invoice.get_or_none(Invoice.id == document.credit_for_id)
                if isinstance(document, Invoice) and document.credit_for_id else None)
    if doc_type(document) == DocumentType.INVOICE and document.quote_id:
        quote = Quote.get_or_none(Quote.id == document.quote_id)
        if quote is not None:
            source_number, source_date = quote.number, quote.issue_date
    return doc_context.DocumentInput(
        kind="quote" if isinstance(document, Quote) else "credit_note" if credited else "invoice",
        language=language,
        seller=seller_input(own),
        buyer=buyer,
        lines=lines,
        date=document.issue_date or dt.date.today(),
        number=document.number,
        revision=getattr(document, "revision", 1),
        status=str(document.status),
        currency=document.currency,
        vat_included=document.vat_mode == VatMode.INCLUDED,
        valid_until=getattr(document, "valid_until", None),
        due_date=None if credited is not None else getattr(document, "due_date", None),
        subject=document.subject or "",
        intro=document.intro or "",
        basis=document.basis or "",
        terms=list(document.terms or []),
        notes=document.notes or "",
        source_quote_number=source_number,
        source_quote_date=source_date,
        manager=(doc_context.ManagerInput(name=author.name, email=author.email) if author
                 else doc_context.ManagerInput()),
        options=options,
        credited_number=credited.number if credited is not None else "",
        credited_date=credited.issue_date if credited is not None else None,
        custom=_custom(Entity.DEALS, document.deal_id, language, document.currency),
    )


def context_for(document: Document) -> dict[str, Any]:
    """The render context: the frozen one of a sent/issued document, else built from the draft."""
    if document.frozen:
        frozen: dict[str, Any] = document.frozen
        return frozen
    return doc_context.build_context(document_input(document))


# ---------------------------------------------------------------------------------------------
# Files


def file_name(
    document: Document, fmt: FileFormat | str, context: Mapping[str, Any] | None = None
) -> str:
    """«КП-2026-0017 ООО Лютик.pdf», «Fattura 2026-0042 Bianchi SpA.pdf»."""
    fmt = FileFormat(fmt)
    ctx = context or context_for(document)
    title = ctx["doc"]["title"] if isinstance(document, Invoice) else ""
    number = ctx["doc"]["number"].replace("/", "-")
    parts = [title, number, ctx["buyer"]["name"]]
    return safe_file_name(" ".join(p for p in parts if p), fmt.value, fallback=number or "document",
                          max_chars=80)


def formats_for(context: Mapping[str, Any]) -> list[FileFormat]:
    from desktop_crm.documents.render import available_templates

    available = available_templates().get(context["template"], [])
    result = [FileFormat(f) for f in ("pdf", "docx") if f in available]
    seller_rules = countries.country(context["seller"]["address"]["country"])
    if context["doc"]["kind"] in ("invoice", "credit_note") and seller_rules.e_invoice is not None:
        result.append(FileFormat.XML)
    return result


def _e_invoice(context: Mapping[str, Any]) -> countries.EInvoice:
    """The e-invoice format of the seller's country (formats_for offers XML only where it has one)."""
    e_invoice = countries.country(context["seller"]["address"]["country"]).e_invoice
    if e_invoice is None:
        raise ValueError("the seller's country has no e-invoice format")
    return e_invoice


def e_invoice_file_name(context: dict[str, Any], progressive: str) -> str:
    """The e-invoice file's name («IT01234567890_0000A.xml») for a transmission number."""
    return _e_invoice(context).file_name(context, progressive)


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
    files: dict[FileFormat, bytes] = {
        fmt: render_bytes(context, fmt) for fmt in formats_for(context) if fmt != FileFormat.XML
    }
    return context, files


render_pool.use_renderer(render_files)  # what batch workers run (documents never import services)


Prepared = Callable[[doc_context.DocumentInput], "tuple[dict[str, Any], dict[FileFormat, bytes]] | None"]


def freeze(
    document: Document, progressive: str | Callable[[], str] = "00001", prepared: Prepared | None = None
) -> None:
    """Freeze the document as it is now: its context and every file, in the caller's transaction.

    ``prepared`` may supply the context and files already rendered (elsewhere) for exactly this
    input (batch issuing); formats it lacks are rendered here. ``progressive``: the FatturaPA
    transmission number, or what takes it (only when the XML is made).
    """
    if not database.in_transaction():
        raise RuntimeError("freeze must run inside the sending/issuing transaction")
    data = document_input(document)
    ready = prepared(data) if prepared is not None else None
    context, files = ready if ready is not None else (doc_context.build_context(data), {})
    document.frozen = context
    document.save()
    for fmt in formats_for(context):
        if fmt == FileFormat.XML:
            number = progressive if isinstance(progressive, str) else progressive()
            content = files.get(fmt) or render_bytes(context, fmt, number)
            name = _e_invoice(context).file_name(context, number)
        else:
            content = files.get(fmt) or render_bytes(context, fmt)
            name = file_name(document, fmt, context)
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


def _stored_file(document: Document, fmt: FileFormat | str) -> Row:
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


def render(document_id: IdLike, kind: DocumentType | str, fmt: FileFormat | str) -> RenderedFile:
    """The document's bytes: stored ones when frozen (stored on first use when it was frozen without
    them), else a fresh render of the draft."""
    document = _get_document(kind, document_id)
    rights.require_on(type(document), document.id, Action.VIEW)
    fmt = FileFormat(fmt)
    if document.frozen:
        row = _stored_file(document, fmt)
        if row is not None:
            content = bytes(row.content)
            return RenderedFile(safe_existing_name(row.filename), content, row.sha256, True)
    context = context_for(document)
    # a document frozen without its files (the demo's) keeps the transmission number it was given
    progressive = (context.get("transmission") or {}).get("progressive") or "00001"
    content = render_bytes(context, fmt, progressive)
    if fmt == FileFormat.XML:
        name = _e_invoice(context).file_name(context, progressive)
    else:
        name = file_name(document, fmt, context)
    sha256 = hashlib.sha256(content).hexdigest()
    if document.frozen and fmt in formats_for(context):
        # frozen without this file (the demo's documents): stored now from the frozen context, so
        # every later print gives exactly these bytes
        try:
            with database.atomic():
                DocumentFile.create(
                    document_type=doc_type(document), document_id=str(document.id), file_format=fmt,
                    language=context["language"], filename=name, content=content, sha256=sha256,
                    size=len(content))
        except peewee.DatabaseError:  # a login that may not write files: the bytes, not stored
            return RenderedFile(name, content, sha256, False)
        return RenderedFile(name, content, sha256, True)
    return RenderedFile(name, content, sha256, False)
