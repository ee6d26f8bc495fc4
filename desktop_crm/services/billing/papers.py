"""Papers of the kinds declared as data (акт, УПД, договор, DDT, user kinds): made from a deal, a
quote or an invoice, rendered to PDF or DOCX.

A kind (:mod:`desktop_crm.documents.kinds`) lists the sources it can come from; the paper takes
the first one the deal has: its newest invoice that is not cancelled, its current quote, or the
deal's own lines (a draft invoice built and rolled back in the same transaction, so nothing is
written). The paper keeps the source's seller, buyer, lines, currency and VAT mode; it shows the
source's number and date (``doc.source``). Papers are rendered as drafts: they are not numbered or
stored yet (``kind.series`` is their numbering pattern for when they are).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any

from desktop_crm import countries
from desktop_crm.documents import context as doc_context
from desktop_crm.documents import kinds as doc_kinds
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _, current_language
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import FileFormat, Invoice, InvoiceStatus, OwnCompany, Quote, QuoteStatus, database
from desktop_crm.services.billing import documents, invoices, rendering

RenderedFile = rendering.RenderedFile


class _Rollback(Exception):
    """Leaves the transaction that built a draft from the deal, undoing it."""


def _source_document(deal_id: IdLike, source: str) -> Any:
    deal = as_uuid(deal_id)
    if source == "invoice":
        return (
            Invoice.alive()
            .where(Invoice.deal == deal, Invoice.status != InvoiceStatus.CANCELLED)
            .order_by(Invoice.created_at.desc())
            .first()
        )
    if source == "quote":
        return (
            Quote.alive()
            .where(Quote.deal == deal, Quote.status != QuoteStatus.SUPERSEDED)
            .order_by(Quote.created_at.desc(), Quote.revision.desc())
            .first()
        )
    return None


def _from_deal(deal_id: IdLike) -> doc_context.DocumentInput:
    """The render input of a draft invoice made from the deal's lines, without keeping the draft."""
    built: list[doc_context.DocumentInput] = []
    try:
        with database.atomic():
            built.append(rendering.document_input(invoices._draft_from_deal(deal_id)))
            raise _Rollback
    except _Rollback:
        pass
    return built[0]


def paper_input(
    deal_id: IdLike, kind: str, source: str | None = None, language: str | None = None
) -> doc_context.DocumentInput:
    """The render input of a paper of ``kind`` for the deal (from ``source``, or the kind's first
    source the deal has)."""
    paper = doc_kinds.kind(kind)
    deal = documents.existing_deal(deal_id)
    if source is not None and source not in paper.sources:
        raise ValidationError(
            _("A {kind} is made from: {sources}; not from a {source}.").format(
                kind=paper.code, sources=", ".join(paper.sources), source=source
            )
        )
    data: doc_context.DocumentInput | None = None
    for candidate in [source] if source else list(paper.sources):
        if candidate == "deal":
            data = dataclasses.replace(_from_deal(deal), number="")
            break
        document = _source_document(deal, candidate)
        if document is not None:
            data = rendering.document_input(document)
            data = dataclasses.replace(
                data, source_kind=candidate, source_number=document.number or "",
                source_date=document.issue_date, number="",
            )
            break
    if data is None:
        raise ValidationError(
            _("The deal has no {sources} to make a {kind} from.").format(
                sources=" / ".join(paper.sources), kind=paper.code
            )
        )
    seller_country = data.seller.country
    if not paper.exists_for(seller_country):
        raise ValidationError(
            _("A {kind} is a paper of {countries}; the seller is in {country}.").format(
                kind=paper.code, countries=", ".join(paper.countries), country=seller_country
            )
        )
    return dataclasses.replace(
        data, kind=paper.code, revision=1, status="draft", language=language or data.language
    )


def paper_context(
    deal_id: IdLike, kind: str, source: str | None = None, language: str | None = None
) -> dict[str, Any]:
    """The paper's render context, checked for the fields its kind needs."""
    from desktop_crm.documents.render import available_templates

    data = paper_input(deal_id, kind, source, language)
    context = doc_context.build_context(data)
    if context["template"] not in available_templates():  # e.g. an Italian DDT printed in Russian
        context["template"] = f"{countries.country(data.seller.country).document_language}.{kind}"
    missing = doc_kinds.missing_fields(doc_kinds.kind(kind), context)
    if missing:
        raise ValidationError(
            _("A {kind} needs {fields}: fill them in the own company's, the client's or the deal's card.")
            .format(kind=kind, fields=", ".join(missing))
        )
    return context


def render_paper(
    deal_id: IdLike, kind: str, fmt: FileFormat | str, source: str | None = None,
    language: str | None = None,
) -> RenderedFile:
    """The paper's PDF or DOCX (a draft: never stored)."""
    fmt = FileFormat(fmt)
    if fmt == FileFormat.XML:
        raise ValidationError(_("A {kind} has no XML format; choose PDF or DOCX.").format(kind=kind))
    context = paper_context(deal_id, kind, source, language)
    content = rendering.render_bytes(context, fmt)
    from desktop_crm.filenames import safe_file_name

    name = safe_file_name(
        " ".join(p for p in (context["doc"]["title"], context["buyer"]["name"]) if p), fmt.value,
        fallback=kind, max_chars=80,
    )
    return RenderedFile(name, content, hashlib.sha256(content).hexdigest(), False)


@dataclass(frozen=True)
class PaperChoice:
    code: str
    title: str  # in the user's language


def _seller_country(deal_id: IdLike) -> str:
    for source in ("invoice", "quote"):
        document = _source_document(deal_id, source)
        if document is not None:
            return str(OwnCompany.get_by_id(document.own_company_id).country or "")
    return str(documents._own_company(None).country or "")


def papers_for_deal(deal_id: IdLike) -> list[PaperChoice]:
    """The papers other than quotes and invoices the deal's seller issues, titled in the UI language."""
    deal = documents.existing_deal(deal_id)
    country = _seller_country(deal)
    language = current_language()
    return [
        PaperChoice(kind.code, kind.title_in(language))
        for kind in doc_kinds.kinds().values()
        if kind.code not in ("quote", "invoice") and kind.exists_for(country)
    ]
