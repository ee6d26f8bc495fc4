"""E-mail examples for the screenshots and the demo: a mail account for a user and an outbox with a
message in each state (sent with the deal's document attached, waiting for the server, refused,
interrupted). Nothing is sent: the states are written as the sender would leave them."""

from __future__ import annotations

import datetime as dt
import uuid

from desktop_crm.i18n import _
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import (
    Company,
    Contact,
    Deal,
    MailAccount,
    MailMessage,
    User,
    database,
    utcnow,
)
from desktop_crm.models.enums import MailSecurity, MailStatus
from desktop_crm.services.mail import accounts, outbox, sender, transport


def _deal_with_address(deal_id: IdLike | None) -> tuple[Deal, str] | None:
    """The deal given (else the first with a contact) and an address of its client."""
    query = Deal.alive().where(Deal.id == as_uuid(deal_id)) if deal_id is not None else \
        Deal.alive().where(Deal.contact.is_null(False)).order_by(Deal.created_at)
    for deal in query:
        contact = Contact.get_or_none(Contact.id == deal.contact_id) if deal.contact_id else None
        company = Company.get_or_none(Company.id == deal.company_id) if deal.company_id else None
        address = ((contact.work_email or contact.private_email) if contact else "") or \
            (company.email if company else "") or "client@example.com"
        return deal, address
    return None


def _offer(deal_id: uuid.UUID, user_id: uuid.UUID) -> tuple[str, str, list[outbox.Attachment]]:
    """The deal's issued quote as the outbox sends it (template texts, its stored PDF)."""
    from desktop_crm.errors import CrmError
    from desktop_crm.services.mail import document_mail

    try:
        draft = document_mail.prepare(deal_id, "quote", None, user_id)
        if not draft.is_draft:
            files = document_mail._files(draft, ("pdf",))
            return draft.subject.replace("{", "{{").replace("}", "}}"), draft.body, files
    except CrmError:
        pass
    return _("Offer: {deal}"), "", []


def add_mail_examples(user: IdLike, deal_id: IdLike | None = None) -> uuid.UUID | None:
    """Give ``user`` a mail account and an outbox to show (once), on ``deal_id`` (default: the
    first deal with a contact); returns the deal written to. A database where anybody already
    set up e-mail is left alone (only a demo that never used e-mail gets examples)."""
    user_id = as_uuid(user)
    with database.atomic():
        used = MailAccount.select().exists() or MailMessage.select().exists()
        found = MailMessage.alive().where(MailMessage.author == user_id).first()
    if used:
        return uuid.UUID(str(found.deal_id)) if found and found.deal_id else None
    with database.atomic():
        person = User.get_by_id(user_id)
        found_deal = _deal_with_address(deal_id)
    login = (person.email or "manager@example.com")
    accounts.save_account(accounts.MailAccountInput(
        address=login, display_name=person.name, username=login, smtp_host="smtp.example.com",
        smtp_port=587, smtp_security=MailSecurity.STARTTLS), user_id)
    if found_deal is None:
        return None
    deal, address = found_deal
    offer_subject, offer_body, files = _offer(deal.id, user_id)
    now = utcnow()
    unreachable = transport.explain(
        ConnectionRefusedError("Connection refused"),
        transport.Endpoint("smtp.example.com", 587, MailSecurity.STARTTLS), "SMTP")
    examples = [
        (offer_subject, MailStatus.SENT, 1, "", files),
        (_("Invoice: {deal}"), MailStatus.QUEUED, 2, unreachable.message, []),
        (_("Meeting follow-up: {deal}"), MailStatus.FAILED, 1,
         _("The mail server refused the recipients: {addresses}.").format(addresses=address), []),
        (_("Documents: {deal}"), MailStatus.UNKNOWN, 1, sender.no_evidence_text(), []),
    ]
    for subject, status, attempts, error, attached in examples:
        text = subject.format(deal=deal.title)
        queued = outbox.queue(outbox.OutgoingMessage(
            to=address, subject=text, body=offer_body if attached else text, deal_id=deal.id,
            attachments=attached), user=user_id)
        with database.atomic():
            row = MailMessage.get_by_id(queued.id)
            row.attempts, row.last_error = attempts, error
            if status == MailStatus.SENT:
                outbox.mark_sent_row(row, now - dt.timedelta(hours=2))
                continue
            row.status = status
            row.next_attempt_at = now + dt.timedelta(minutes=2) if status == MailStatus.QUEUED \
                else None
            row.save()
    return uuid.UUID(str(deal.id))
