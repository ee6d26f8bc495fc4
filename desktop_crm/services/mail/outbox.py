"""The outbox: messages are queued (committed) first and sent later by :mod:`sender`.

* ``queue(OutgoingMessage)`` validates the addresses, gives the message its Message-ID and commits
  it with its attachments as ``queued``, due now (one transaction). Nothing is sent here.
* ``outbox()`` lists the signed-in user's outgoing messages (newest first) for the Outbox screen;
  ``retry_now``, ``cancel`` (a queued one), ``send_again`` and ``mark_sent`` (for one whose fate
  is ``unknown``) are its actions.
* ``mark_sent_row`` is what the sender calls once the server accepted a message: status ``sent``
  and a timeline entry (``activity`` kind ``email``) on the deal, lead, contact and company, in
  one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import formataddr, getaddresses, make_msgid

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import IdLike, as_uuid, optional_uuid
from desktop_crm.models import (
    Action,
    Activity,
    ActivityKind,
    ActivityStatus,
    Deal,
    Lead,
    MailAttachment,
    MailMessage,
    database,
    utcnow,
)
from desktop_crm.models.base import column_text
from desktop_crm.models.db import engine
from desktop_crm.models.enums import MailDirection, MailStatus
from desktop_crm.models.sync_meta import device_id, is_replica
from desktop_crm.services.mail import accounts
from desktop_crm.services.mail.messages import MessageDTO, message_dto, split_addresses
from desktop_crm.services.mail.transport import NOT_CONFIGURED, Endpoint, MailError
from desktop_crm.services.system import rights

MAX_ATTACHMENTS_BYTES = 25 * 1024 * 1024  # what common mail servers accept in one message


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"
    document_file_id: uuid.UUID | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    to: str
    subject: str
    body: str
    cc: str = ""
    deal_id: IdLike | None = None
    contact_id: IdLike | None = None
    company_id: IdLike | None = None
    lead_id: IdLike | None = None
    document_type: str = ""
    document_id: str = ""
    document_format: str = ""
    in_reply_to: str = ""
    attachments: Sequence[Attachment] = field(default_factory=tuple)
    # a robot's message has both derived from its run, so that the same run queued on two
    # replicas merges into one message, sent once (``None``/``''``: new ones)
    row_id: uuid.UUID | None = None
    message_id: str = ""


def this_device() -> str:
    """The replica sending what it queued ('' on a file or server without sync bookkeeping)."""
    if engine(database) == "sqlite" and is_replica(database):
        return str(device_id(database))
    return ""


def acting_user_id(user: IdLike | None = None) -> uuid.UUID | None:
    """``user`` when given (the views pass the signed-in user), else the acting user."""
    if user is not None:
        return as_uuid(user)
    actor = rights.current()
    if actor is None:
        from desktop_crm.errors import PermissionDenied

        raise PermissionDenied(_("Sign in first."))
    return actor.user_id


def check_addresses(text: str, field_name: str, required: bool) -> str:
    """Comma-separated addresses (``Name <a@b.c>`` or ``a@b.c``), each checked; normalised."""
    text = column_text(MailMessage, "to_addresses", text, label=_("Recipients"))
    if not text:
        if required:
            raise ValidationError(_("Enter at least one recipient."), field=field_name)
        return ""
    parts = []
    for name, address in getaddresses([text.replace(";", ",")]):
        local, at, domain = address.partition("@")
        if not at or not local or "." not in domain or " " in address:
            raise ValidationError(
                _("“{address}” is not an e-mail address.").format(address=address or name or text),
                field=field_name)
        parts.append(formataddr((name, address)) if name else address)
    return ", ".join(parts)


@dataclass(frozen=True)
class SenderIdentity:
    account_id: uuid.UUID | None
    address: str
    display_name: str


def sender_identity(override: Endpoint | None = None,
                    user: IdLike | None = None) -> SenderIdentity:
    """Who a message is from: the user's account, else the ``--smtp`` login."""
    found = accounts.account_of(user)
    if found is not None:
        return SenderIdentity(found.id, found.address, found.display_name)
    if override is not None:
        login = override.username
        address = login if "@" in login else f"{login or 'crm'}@{override.host}"
        return SenderIdentity(None, address, "")
    raise MailError(_("Set up your mail account first (Settings › Mail account)."), NOT_CONFIGURED)


def queue(message: OutgoingMessage, override: Endpoint | None = None,
          user: IdLike | None = None) -> MessageDTO:
    """Commit ``message`` as ``queued``, due now, with a fresh Message-ID; nothing is sent.
    ``user``: its author (default: the acting user)."""
    author = acting_user_id(user)
    rights.require_parents(Action.VIEW, message.deal_id, message.lead_id, message.contact_id,
                           message.company_id)
    to = check_addresses(message.to, "to", required=True)
    cc = check_addresses(message.cc, "cc", required=False)
    subject = column_text(MailMessage, "subject", message.subject, label=_("Subject"))
    body = column_text(MailMessage, "body", message.body, label=_("Message"))
    if not subject:
        raise ValidationError(_("Write a subject."), field="subject")
    size = sum(len(a.content) for a in message.attachments)
    if size > MAX_ATTACHMENTS_BYTES:
        raise ValidationError(_("The attachments are too large to send by e-mail ({size} MB; "
                                "at most 25 MB).").format(size=size // (1024 * 1024)),
                              field="attachments")
    identity = sender_identity(override, author)
    domain = identity.address.rpartition("@")[2] or "desktop-crm.invalid"
    with database.atomic():
        deal_id, contact_id, company_id, lead_id = _links(message)
        row = MailMessage.create(
            **({"id": message.row_id} if message.row_id is not None else {}),
            account=identity.account_id, author=author, direction=MailDirection.OUT,
            status=MailStatus.QUEUED, message_id=message.message_id or make_msgid(domain=domain),
            in_reply_to=message.in_reply_to, refs=message.in_reply_to,
            sender=formataddr((identity.display_name, identity.address)),
            to_addresses=to, cc_addresses=cc, subject=subject, body=body,
            next_attempt_at=utcnow(), deal=deal_id, contact=contact_id, company=company_id,
            lead=lead_id, document_type=message.document_type, document_id=message.document_id,
            document_format=message.document_format, device=this_device(),
        )
        for item in message.attachments:
            MailAttachment.create(
                mail_message=row.id, filename=item.filename, mime_type=item.mime_type,
                size=len(item.content), content=item.content,
                sha256=hashlib.sha256(item.content).hexdigest(),
                document_file=item.document_file_id)
        return message_dto(row)


def _links(message: OutgoingMessage) -> tuple[uuid.UUID | None, ...]:
    """The deal's contact and company follow the deal (as timeline entries do)."""
    deal_id = optional_uuid(message.deal_id)
    contact_id = optional_uuid(message.contact_id)
    company_id = optional_uuid(message.company_id)
    lead_id = optional_uuid(message.lead_id)
    if deal_id is not None:
        deal = Deal.get_by_id(deal_id)
        contact_id = contact_id or deal.contact_id
        company_id = company_id or deal.company_id
    if lead_id is not None:
        contact_id = contact_id or Lead.get_by_id(lead_id).contact_id
    return deal_id, contact_id, company_id, lead_id


# --- the Outbox screen -------------------------------------------------------------------------


def outbox(user: IdLike | None = None, limit: int = 500) -> list[MessageDTO]:
    """The user's (default: the acting user's) outgoing messages, newest first."""
    author = acting_user_id(user)
    with database.atomic():
        rows = list(
            MailMessage.alive()
            .where((MailMessage.direction == MailDirection.OUT) & (MailMessage.author == author))
            .order_by(MailMessage.created_at.desc(), MailMessage.id.desc()).limit(limit))
        return [message_dto(row) for row in rows]


def _own_outgoing(message_id: IdLike) -> MailMessage:
    actor = rights.current()
    author = actor.user_id if actor is not None else None
    row: MailMessage | None = MailMessage.alive().where(
        (MailMessage.id == as_uuid(message_id)) & (MailMessage.direction == MailDirection.OUT)
    ).first()
    if row is None or (author is not None and row.author_id != author):
        raise MailError(_("This message no longer exists."), NOT_CONFIGURED)
    return row


def _set_status(message_id: IdLike, allowed: tuple[MailStatus, ...], status: MailStatus,
                refusal: str) -> MessageDTO:
    with database.atomic():
        row = _own_outgoing(message_id)
        if MailStatus(row.status) not in allowed:
            raise ValidationError(refusal)
        row.status = status
        if status == MailStatus.QUEUED:
            row.next_attempt_at = utcnow()
            row.last_error = ""
        row.save()
        return message_dto(row)


def retry_now(message_id: IdLike) -> MessageDTO:
    """A queued or failed message is due again now (the sender picks it up on its next round)."""
    return _set_status(message_id, (MailStatus.QUEUED, MailStatus.FAILED), MailStatus.QUEUED,
                       _("Only a queued or failed message can be retried."))


def cancel(message_id: IdLike) -> MessageDTO:
    return _set_status(message_id, (MailStatus.QUEUED, MailStatus.FAILED), MailStatus.CANCELLED,
                       _("Only a message that has not been sent can be cancelled."))


def send_again(message_id: IdLike) -> MessageDTO:
    """The user decided that a message of unknown fate was not delivered: queue it again."""
    return _set_status(message_id, (MailStatus.UNKNOWN,), MailStatus.QUEUED,
                       _("Only a message whose delivery is unknown can be sent again."))


def mark_sent(message_id: IdLike) -> MessageDTO:
    """The user knows a message of unknown fate was delivered (e.g. it is in their Sent folder)."""
    with database.atomic():
        row = _own_outgoing(message_id)
        if MailStatus(row.status) != MailStatus.UNKNOWN:
            raise ValidationError(_("Only a message whose delivery is unknown can be marked as sent."))
        mark_sent_row(row, row.date or utcnow())
        return message_dto(row)


def mark_sent_row(row: MailMessage, when: dt.datetime) -> None:
    """``row`` was accepted by the server: ``sent``, and its entry on the timelines (the caller's
    transaction)."""
    row.status = MailStatus.SENT
    row.date = when
    row.next_attempt_at = None
    row.last_error = ""
    if row.activity_id is None and (row.deal_id or row.lead_id or row.contact_id or row.company_id):
        attachments = [
            {"id": str(a.id), "filename": a.filename, "size": a.size}
            for a in MailAttachment.alive(MailAttachment.id, MailAttachment.filename,
                                          MailAttachment.size)
            .where(MailAttachment.mail_message == row.id).order_by(MailAttachment.created_at)
        ]
        activity = Activity.create(
            kind=ActivityKind.EMAIL, subject=row.subject, body=row.body, author=row.author_id,
            status=ActivityStatus.DONE, done_at=when, client_answered=False, deal=row.deal_id,
            lead=row.lead_id, contact=row.contact_id, company=row.company_id,
            payload={"mail_message": str(row.id), "direction": "out",
                     "to": list(split_addresses(row.to_addresses)), "attachments": attachments},
        )
        row.activity = activity.id
    row.save()
