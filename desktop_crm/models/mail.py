"""E-mail: each user's mail account, messages (the outbox and received mail) and attachments.

Schema step 12. All three tables sync (a message belongs on the timeline of every device); the
account's password never enters the database (``models.credentials``: the OS keyring, else kept
for the session). An outgoing message is sent only by the device that queued it (``device``) and
only after it was claimed (``queued`` → ``sending`` in one committed update), so no two devices or
processes send it; its ``message_id`` is committed before the SMTP transaction starts.
"""

from __future__ import annotations

import uuid

import peewee

from desktop_crm.models.base import BaseModel, fk
from desktop_crm.models.deals import Activity, Deal
from desktop_crm.models.documents import DocumentFile
from desktop_crm.models.enums import MailDirection, MailSecurity, MailStatus
from desktop_crm.models.fields import EnumField
from desktop_crm.models.parties import Company, Contact, Lead
from desktop_crm.models.people import User


class MailAccount(BaseModel):
    """A user's mailbox: SMTP to send, IMAP to read (and to prove what was sent)."""

    user = fk(User, backref="mail_accounts")
    user_id: uuid.UUID
    address = peewee.CharField(max_length=254)
    display_name = peewee.CharField(max_length=200, default="")
    username = peewee.CharField(max_length=254, default="")
    smtp_host = peewee.CharField(max_length=255, default="")
    smtp_port = peewee.IntegerField(default=587)
    smtp_security = EnumField(MailSecurity, default=MailSecurity.STARTTLS)
    imap_host = peewee.CharField(max_length=255, default="")
    imap_port = peewee.IntegerField(default=993)
    imap_security = EnumField(MailSecurity, default=MailSecurity.SSL)
    # the IMAP folder of sent mail ('' = found by its \Sent flag, else "Sent")
    sent_folder = peewee.CharField(max_length=200, default="")
    # step 17: a PEC mailbox (posta elettronica certificata): the one FatturaPA files go to SDI from
    pec = peewee.BooleanField(default=False, constraints=[peewee.SQL("DEFAULT FALSE")])

    class Meta:
        table_name = "mail_account"


class MailMessage(BaseModel):
    """One e-mail, outgoing (the outbox and what it sent) or received."""

    account = fk(MailAccount, null=True, backref="messages")
    account_id: uuid.UUID | None
    author = fk(User, null=True, backref="mail_messages", index=False)
    author_id: uuid.UUID | None
    direction = EnumField(MailDirection, default=MailDirection.OUT)
    status = EnumField(MailStatus, default=MailStatus.QUEUED)
    message_id = peewee.CharField(max_length=255, default="", index=True)
    in_reply_to = peewee.CharField(max_length=255, default="")
    refs = peewee.TextField(default="")  # the References header
    sender = peewee.CharField(max_length=320, default="")  # From
    to_addresses = peewee.TextField(default="")  # comma-separated
    cc_addresses = peewee.TextField(default="")
    subject = peewee.CharField(max_length=500, default="")
    body = peewee.TextField(default="")
    date = peewee.DateTimeField(null=True)  # the Date header (UTC)
    attempts = peewee.IntegerField(default=0)
    next_attempt_at = peewee.DateTimeField(null=True)
    last_error = peewee.TextField(default="")
    deal = fk(Deal, null=True, backref="mail_messages", index=False)
    deal_id: uuid.UUID | None
    contact = fk(Contact, null=True, backref="mail_messages", index=False)
    contact_id: uuid.UUID | None
    company = fk(Company, null=True, backref="mail_messages", index=False)
    company_id: uuid.UUID | None
    lead = fk(Lead, null=True, backref="mail_messages", index=False)
    lead_id: uuid.UUID | None
    # the document sent ('quote', 'invoice', 'paper' and its id; '' for a plain message)
    document_type = peewee.CharField(max_length=20, default="")
    document_id = peewee.CharField(max_length=36, default="")
    document_format = peewee.CharField(max_length=10, default="")
    client_answered = peewee.BooleanField(default=False)  # incoming: written by the client
    activity = fk(Activity, null=True, backref="mail_messages", index=False)
    activity_id: uuid.UUID | None
    device = peewee.CharField(max_length=36, default="")  # the replica that sends it ('' = any)

    class Meta:
        table_name = "mail_message"


_alive_message = MailMessage.deleted_at.is_null()
MailMessage.add_index(MailMessage.status, MailMessage.next_attempt_at, where=_alive_message)
MailMessage.add_index(MailMessage.deal, MailMessage.created_at, where=_alive_message)
MailMessage.add_index(MailMessage.contact, MailMessage.created_at, where=_alive_message)
MailMessage.add_index(MailMessage.company, MailMessage.created_at, where=_alive_message)


class MailAttachment(BaseModel):
    """A file of a message: its bytes (synced by content hash, like ``document_file``) and, for a
    document sent, the stored file it was taken from."""

    mail_message = fk(MailMessage, backref="attachments")
    mail_message_id: uuid.UUID
    filename = peewee.CharField(max_length=255)
    mime_type = peewee.CharField(max_length=100, default="application/octet-stream")
    size = peewee.IntegerField(default=0)
    content = peewee.BlobField()
    sha256 = peewee.CharField(max_length=64, index=True)
    document_file = fk(DocumentFile, null=True, backref="mail_attachments", index=False)
    document_file_id: uuid.UUID | None

    class Meta:
        table_name = "mail_attachment"
