"""Messages and attachments as the views and commands see them (DTOs), shared by sending (the
outbox) and receiving."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from desktop_crm.i18n import N_, _
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import MailAttachment, MailMessage, database
from desktop_crm.models.enums import MailDirection, MailStatus
from desktop_crm.services.mail.transport import NOT_CONFIGURED, MailError

STATUS_LABELS: dict[MailStatus, str] = {
    MailStatus.QUEUED: N_("Queued"),
    MailStatus.SENDING: N_("Sending"),
    MailStatus.SENT: N_("Sent"),
    MailStatus.FAILED: N_("Failed"),
    MailStatus.UNKNOWN: N_("Delivery unknown"),
    MailStatus.RECEIVED: N_("Received"),
    MailStatus.CANCELLED: N_("Cancelled"),
}


@dataclass(frozen=True)
class AttachmentDTO:
    id: uuid.UUID
    mail_message_id: uuid.UUID
    filename: str
    mime_type: str
    size: int
    document_file_id: uuid.UUID | None


@dataclass(frozen=True)
class MessageDTO:
    id: uuid.UUID
    direction: MailDirection
    status: MailStatus
    message_id: str  # the Message-ID header
    in_reply_to: str
    references: str
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str
    date: dt.datetime | None
    created_at: dt.datetime
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    account_id: uuid.UUID | None
    author_id: uuid.UUID | None
    deal_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    company_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    document_type: str
    document_id: str
    client_answered: bool
    activity_id: uuid.UUID | None
    attachments: tuple[AttachmentDTO, ...] = ()


def split_addresses(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace(";", ",").split(",") if part.strip())


def attachment_dto(row: MailAttachment) -> AttachmentDTO:
    return AttachmentDTO(row.id, row.mail_message_id, row.filename, row.mime_type, row.size,
                         row.document_file_id)


def message_dto(row: MailMessage, attachments: list[MailAttachment] | None = None) -> MessageDTO:
    """The DTO of a message row (its attachments read unless given)."""
    if attachments is None:
        attachments = list(MailAttachment.alive(
            MailAttachment.id, MailAttachment.mail_message, MailAttachment.filename,
            MailAttachment.mime_type, MailAttachment.size, MailAttachment.document_file,
        ).where(MailAttachment.mail_message == row.id).order_by(MailAttachment.created_at))
    return MessageDTO(
        row.id, MailDirection(row.direction), MailStatus(row.status), row.message_id,
        row.in_reply_to, row.refs, row.sender, split_addresses(row.to_addresses),
        split_addresses(row.cc_addresses), row.subject, row.body, row.date, row.created_at,
        row.attempts, row.next_attempt_at, row.last_error, row.account_id, row.author_id,
        row.deal_id, row.contact_id, row.company_id, row.lead_id, row.document_type,
        row.document_id, bool(row.client_answered), row.activity_id,
        tuple(attachment_dto(a) for a in attachments),
    )


def message(message_id: IdLike) -> MessageDTO:
    with database.atomic():
        row = MailMessage.alive().where(MailMessage.id == as_uuid(message_id)).first()
        if row is None:
            raise MailError(_("This message no longer exists."), NOT_CONFIGURED)
        return message_dto(row)


def attachment_content(attachment_id: IdLike) -> tuple[str, bytes]:
    """The file name and bytes of an attachment (to open or save it)."""
    with database.atomic():
        row = MailAttachment.alive().where(MailAttachment.id == as_uuid(attachment_id)).first()
        if row is None:
            raise MailError(_("This attachment no longer exists."), NOT_CONFIGURED)
        return row.filename, bytes(row.content)
