"""Sending a deal's document by e-mail: recipients, subject and body from templates, the file.

* ``recipients(deal_id)`` → ``(to, cc)``: the deal's contact (work, else private e-mail) and its
  company's e-mail (in copy, or as the recipient when the contact has none).
* ``prepare(deal_id, kind, language=None)`` → :class:`DocumentMailDraft`: what the compose dialog
  shows (the document, whether it must be issued first, the subject and body from the template
  ``templates/mail/<language>.<kind>.txt`` over the document's render context).
* ``queue_document(...)`` issues the document when it is still a draft (an invoice is issued, a
  quote sent, a paper of another kind issued — as the app does before sending), attaches its stored
  (frozen) file(s) and queues the message in the outbox. Sending is the sender's job.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from desktop_crm.documents import mail_templates
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import (
    Company,
    Contact,
    Deal,
    DocumentFile,
    DocumentType,
    FileFormat,
    Invoice,
    InvoiceStatus,
    IssuedPaper,
    database,
)
from desktop_crm.services.billing import documents, invoices, paper_issue, quotes, rendering
from desktop_crm.services.mail import accounts
from desktop_crm.services.mail.messages import MessageDTO
from desktop_crm.services.mail.outbox import Attachment, OutgoingMessage, queue
from desktop_crm.services.mail.transport import Endpoint

MIME_TYPES = {"pdf": "application/pdf", "xml": "application/xml",
              "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@dataclass(frozen=True)
class DocumentMailDraft:
    deal_id: uuid.UUID
    kind: str  # quote, invoice, act, upd, …
    document_type: str  # quote | invoice | paper ('' for a paper not issued yet)
    document_id: str
    number: str
    is_draft: bool  # it will be issued (numbered, frozen) before it is sent
    language: str
    to: str
    cc: str
    subject: str
    body: str
    formats: tuple[str, ...]  # what can be attached (pdf, docx, xml)


def recipients(deal_id: IdLike) -> tuple[str, str]:
    """``(to, cc)`` from the deal's contact and company (``''`` when none has an address)."""
    with database.atomic():
        deal = Deal.alive().where(Deal.id == as_uuid(deal_id)).first()
        if deal is None:
            raise ValidationError(_("The deal no longer exists."))
        contact = Contact.get_or_none(Contact.id == deal.contact_id) if deal.contact_id else None
        company = Company.get_or_none(Company.id == deal.company_id) if deal.company_id else None
    person = (contact.work_email or contact.private_email) if contact else ""
    firm = company.email if company else ""
    if person:
        return person, firm if firm and firm.lower() != person.lower() else ""
    return firm, ""


def _quote_or_invoice(deal_id: uuid.UUID, kind: str) -> Any:
    """The deal's current quote, or its newest invoice that is not cancelled; a draft made from
    the deal when there is none (as rendering does)."""
    if kind == "quote":
        current = quotes.current_quote(deal_id)
        return current or quotes.create_from_deal(deal_id)
    with database.atomic():
        row = (Invoice.alive().where(Invoice.deal == deal_id,
                                     Invoice.status != InvoiceStatus.CANCELLED)
               .order_by(Invoice.created_at.desc()).first())
        found = documents.info(row) if row is not None else None
    return found or invoices.create_from_deal(deal_id)


def _sender(user: IdLike | None) -> dict[str, str]:
    account = accounts.account_of(user)
    if account is None:
        return {"name": "", "address": ""}
    return {"name": account.display_name, "address": account.address}


def _texts(context: dict[str, Any], kind: str, language: str,
           user: IdLike | None) -> tuple[str, str]:
    return mail_templates.render_mail(context, kind, language, _sender(user))


def prepare(deal_id: IdLike, kind: str, language: str | None = None,
            user: IdLike | None = None, document_id: IdLike | None = None) -> DocumentMailDraft:
    """What the compose dialog proposes for sending the deal's ``kind`` (nothing is issued):
    ``document_id`` names a quote or invoice, else the deal's current one."""
    deal = documents.existing_deal(deal_id)
    to, cc = recipients(deal)
    if kind in ("quote", "invoice"):
        if document_id is not None:
            with database.atomic():
                info = documents.info(documents._get_document(kind, document_id))
        else:
            info = _quote_or_invoice(deal, kind)
        with database.atomic():
            row = documents._get_document(kind, info.id)
            context = rendering.context_for(row)
            formats = tuple(f.value for f in rendering.formats_for(context))
        subject, body = _texts(context, kind, language or context["language"], user)
        return DocumentMailDraft(deal, kind, kind, str(info.id), info.number,
                                 info.status == "draft", context["language"], to, cc, subject,
                                 body, formats)
    issued = [p for p in paper_issue.issued_papers(deal) if p.kind == kind]
    if issued:
        with database.atomic():
            context = IssuedPaper.get_by_id(as_uuid(issued[0].id)).frozen
        subject, body = _texts(context, kind, language or context["language"], user)
        return DocumentMailDraft(deal, kind, "paper", issued[0].id, issued[0].number, False,
                                 context["language"], to, cc, subject, body, ("pdf", "docx"))
    from desktop_crm.services.billing import papers

    context = papers.paper_context(deal, kind, None, None)
    subject, body = _texts(context, kind, language or context["language"], user)
    return DocumentMailDraft(deal, kind, "", "", "", True, context["language"], to, cc, subject,
                             body, ("pdf", "docx"))


def issue_for_sending(draft: DocumentMailDraft) -> DocumentMailDraft:
    """Issue the document of ``draft`` when it is a draft (one transaction of billing's own)."""
    if not draft.is_draft:
        return draft
    if draft.kind == "invoice":
        info = invoices.issue(draft.document_id)
        return dataclasses.replace(draft, number=info.number, is_draft=False)
    if draft.kind == "quote":
        info = quotes.send(draft.document_id)
        return dataclasses.replace(draft, number=info.number, is_draft=False)
    paper = paper_issue.issue_paper(draft.deal_id, draft.kind)
    return dataclasses.replace(draft, document_type="paper", document_id=paper.id,
                               number=paper.number, is_draft=False)


def _files(draft: DocumentMailDraft, formats: Sequence[str]) -> list[Attachment]:
    attachments = []
    for fmt in formats:
        if fmt not in draft.formats:
            raise ValidationError(_("A {kind} cannot be attached as {format}.").format(
                kind=draft.kind, format=fmt.upper()), field="formats")
        if draft.document_type == "paper":
            rendered = paper_issue.render_issued(draft.document_id, fmt)
            stored_type = DocumentType.PAPER
        else:
            rendered = rendering.render(draft.document_id, draft.kind, fmt)
            stored_type = DocumentType(draft.kind)
        with database.atomic():
            stored = DocumentFile.alive().where(
                DocumentFile.document_type == stored_type,
                DocumentFile.document_id == draft.document_id,
                DocumentFile.file_format == FileFormat(fmt),
                DocumentFile.sha256 == rendered.sha256).first()
        attachments.append(Attachment(rendered.filename, rendered.content, MIME_TYPES[fmt],
                                      stored.id if stored is not None else None))
    return attachments


def queue_document(
    deal_id: IdLike, kind: str, to: str, cc: str = "", subject: str | None = None,
    body: str | None = None, language: str | None = None, formats: Sequence[str] = ("pdf",),
    override: Endpoint | None = None, user: IdLike | None = None,
    document_id: IdLike | None = None,
) -> MessageDTO:
    """Issue the document if it is a draft, attach its stored files and queue the message (in
    ``language``, else the document's). ``subject``/``body`` ``None``: from the template."""
    draft = issue_for_sending(prepare(deal_id, kind, language, user, document_id))
    if subject is None or body is None:
        # the texts of the issued document (its number and date)
        fresh = prepare(deal_id, kind, language, user, draft.document_id or None)
        subject = fresh.subject if subject is None else subject
        body = fresh.body if body is None else body
    return queue(OutgoingMessage(
        to=to, cc=cc, subject=subject, body=body, deal_id=draft.deal_id,
        document_type=draft.document_type, document_id=draft.document_id,
        document_format=",".join(formats), attachments=_files(draft, formats)), override, user)
