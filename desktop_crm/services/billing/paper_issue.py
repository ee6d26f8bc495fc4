"""Issuing papers of the kinds declared as data (акт, УПД, договор, DDT, user kinds).

An issued paper is an :class:`IssuedPaper` row: its number is taken from the kind's series
(``kinds.json`` ``series``) in a counter per own company, kind and year (``NumberSequence`` rows of
type ``paper`` whose ``series`` is the kind's code), its render context is frozen and its PDF and
DOCX are stored as ``DocumentFile`` rows of type ``paper``, all in one transaction. A paper whose
kind's needed fields are missing is refused before a number is taken. The number is taken in the
device series of the issuing user (``numbering.paper_series``), so offline devices never collide;
the server checks each series is gapless (``sync/paper_numbers.py``). An issued paper never
changes: rendering it again returns the stored bytes. It can be cancelled once, with a reason, by
whoever may issue documents: its number stays taken (never reused) and its files stay readable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from desktop_crm import validation
from desktop_crm.documents import context as doc_context
from desktop_crm.documents import kinds as doc_kinds
from desktop_crm.errors import ValidationError
from desktop_crm.filenames import safe_existing_name, safe_file_name
from desktop_crm.i18n import _
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import (
    Action,
    Deal,
    DocumentFile,
    DocumentType,
    FileFormat,
    IssuedPaper,
    OwnCompany,
    database,
)
from desktop_crm.models.base import utcnow
from desktop_crm.services.billing import documents, numbering, papers, rendering
from desktop_crm.services.system import rights

PAPER_FORMATS = (FileFormat.PDF, FileFormat.DOCX)


@dataclass(frozen=True)
class IssuedPaperInfo:
    id: str
    kind: str
    title: str
    number: str
    issue_date: dt.date
    source_kind: str
    cancelled_at: dt.datetime | None = None
    cancel_reason: str = ""

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


def _source(deal_id: IdLike, kind: str, source: str | None) -> tuple[str, str, Any]:
    """(source kind, source document id or "", own company row) the paper is made from."""
    paper = doc_kinds.kind(kind)
    for candidate in [source] if source else list(paper.sources):
        if candidate == "deal":
            deal = documents._deal_of(deal_id)
            return "deal", "", documents.seller_for_deal(deal)
        document = papers._source_document(deal_id, candidate or "")
        if document is not None:
            return str(candidate), str(document.id), OwnCompany.get_by_id(document.own_company_id)
    papers.paper_input(deal_id, kind, source)  # raises the translated "nothing to make it from"
    raise ValidationError(_("The deal has no {sources} to make a {kind} from.").format(
        sources=" / ".join(paper.sources), kind=kind))


def _context(data: doc_context.DocumentInput, kind: str) -> dict[str, Any]:
    from desktop_crm import countries
    from desktop_crm.documents.render import available_templates

    context = doc_context.build_context(data)
    if context["template"] not in available_templates():
        context["template"] = f"{countries.country(data.seller.country).document_language}.{kind}"
    return context


def issue_paper(
    deal_id: IdLike, kind: str, source: str | None = None, language: str | None = None,
    on: dt.date | None = None, user: IdLike | None = None,
) -> IssuedPaperInfo:
    """Number, freeze and store a paper of ``kind`` for the deal, in one transaction."""
    deal = documents.existing_deal(deal_id)
    rights.require_on(Deal, as_uuid(deal), Action.ISSUE_DOCUMENTS)
    paper = doc_kinds.kind(kind)
    on = on or dt.date.today()
    if user is None and rights.current() is not None:
        user = rights.current().user_id  # type: ignore[union-attr]
    with database.atomic():
        source_kind, source_id, own = _source(deal, kind, source)
        papers.paper_context(deal, kind, source_kind, language)  # refused here, before numbering
        data = papers.paper_input(deal, kind, source_kind, language)
        series = numbering.paper_series(user)
        seq, number = numbering.take_paper_number(own, paper.code, paper.series, on, series)
        data = dataclasses.replace(data, number=number, date=on, status="issued")
        context = _context(data, kind)
        issued = IssuedPaper.create(
            kind=paper.code, deal=as_uuid(deal), own_company=own, source_kind=source_kind,
            source_id=source_id, number=number, issue_date=on, year=on.year, sequence_number=seq,
            series=series,
            language=context["language"], frozen=context,
        )
        for fmt in PAPER_FORMATS:
            content = rendering.render_bytes(context, fmt)
            DocumentFile.create(
                document_type=DocumentType.PAPER, document_id=str(issued.id), file_format=fmt,
                language=context["language"], filename=_file_name(context, fmt, kind),
                content=content, sha256=hashlib.sha256(content).hexdigest(), size=len(content),
            )
    return _info(issued)


def _file_name(context: dict[str, Any], fmt: FileFormat, kind: str) -> str:
    parts = (context["doc"].get("title"), context["doc"].get("number"), context["buyer"].get("name"))
    return safe_file_name(" ".join(str(p) for p in parts if p), fmt.value, fallback=kind, max_chars=80)


def _info(row: Any) -> IssuedPaperInfo:
    frozen = row.frozen or {}
    title = str((frozen.get("doc") or {}).get("title") or row.kind)
    return IssuedPaperInfo(str(row.id), row.kind, title, row.number, row.issue_date, row.source_kind,
                           row.cancelled_at, row.cancel_reason or "")


def _paper(paper_id: IdLike) -> Any:
    row = IssuedPaper.alive().where(IssuedPaper.id == as_uuid(paper_id)).first()
    if row is None:
        raise ValidationError(_("The paper does not exist or was deleted."))
    return row


def may_cancel(paper: IssuedPaperInfo) -> bool:
    """Whether the acting user may cancel this paper now (the view enables its action with it)."""
    if paper.cancelled:
        return False
    row: Any = IssuedPaper.get_or_none(IssuedPaper.id == as_uuid(paper.id))
    if row is None or row.deleted_at is not None:
        return False
    if row.deal_id is None:
        return rights.can(Action.ISSUE_DOCUMENTS)
    deal = Deal.get_or_none(Deal.id == row.deal_id)
    return deal is not None and rights.can(Action.ISSUE_DOCUMENTS, deal.responsible_id,
                                           deal.pipeline_id)


def cancel_paper(paper_id: IdLike, reason: str, user: IdLike | None = None) -> IssuedPaperInfo:
    """Cancel an issued paper with a reason: it stays in the deal's list marked cancelled, its
    number is never taken again and its stored files stay as issued. Needs the right to issue
    and cancel documents; a paper is cancelled once."""
    reason = validation.text_value(reason, "reason", max_length=500, required=True,
                                   label=_("Reason"))
    row = _paper(paper_id)
    if row.deal_id is not None:
        rights.require_on(Deal, row.deal_id, Action.ISSUE_DOCUMENTS)
    else:
        rights.require(Action.ISSUE_DOCUMENTS)
    if user is None and rights.current() is not None:
        user = rights.current().user_id  # type: ignore[union-attr]
    with database.atomic():
        row = _paper(paper_id)
        if row.cancelled_at is not None:
            raise ValidationError(_("The {kind} no. {number} is already cancelled.").format(
                kind=_info(row).title, number=row.number))
        row.cancelled_at = utcnow()
        row.cancelled_by = as_uuid(user) if user is not None else None
        row.cancel_reason = reason
        row.save(only=[IssuedPaper.cancelled_at, IssuedPaper.cancelled_by,
                       IssuedPaper.cancel_reason, IssuedPaper.updated_at])
    return _info(row)


def issued_papers(deal_id: IdLike) -> list[IssuedPaperInfo]:
    """The deal's issued papers, newest first."""
    deal = documents.existing_deal(deal_id)
    rights.require_on(Deal, as_uuid(deal), Action.VIEW)
    query = (
        IssuedPaper.alive().where(IssuedPaper.deal == as_uuid(deal))
        .order_by(IssuedPaper.created_at.desc())
    )
    return [_info(row) for row in query]


def render_issued(paper_id: IdLike, fmt: FileFormat | str) -> rendering.RenderedFile:
    """An issued paper's stored bytes (exactly what was issued)."""
    fmt = FileFormat(fmt)
    row = _paper(paper_id)
    if row.deal_id is not None:
        rights.require_on(Deal, row.deal_id, Action.VIEW)
    if fmt not in PAPER_FORMATS:
        raise ValidationError(_("A {kind} has no XML format; choose PDF or DOCX.").format(kind=row.kind))
    stored = (
        DocumentFile.alive()
        .where(DocumentFile.document_type == DocumentType.PAPER,
               DocumentFile.document_id == str(row.id), DocumentFile.file_format == fmt)
        .order_by(DocumentFile.created_at.desc()).first()
    )
    if stored is None:
        raise ValidationError(_("The paper does not exist or was deleted."))
    content = bytes(stored.content)
    return rendering.RenderedFile(safe_existing_name(stored.filename), content, stored.sha256, True)
