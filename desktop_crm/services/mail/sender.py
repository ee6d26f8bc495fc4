"""Sending what the outbox holds — never twice.

``send_due()`` is one round (the background sender of the app runs it every few seconds while a
user is signed in; ``desktop-crm mail flush`` runs it once):

1. **Reconcile** the signed-in user's messages left in ``sending`` by a sender that died (its lease,
   ``next_attempt_at``, has run out): the server may or may not have accepted them. With IMAP
   configured the evidence is looked for: every message goes out with a blind copy to the own
   address, so its Message-ID turns up in the INBOX (or the Sent folder) once the server took it —
   found: ``sent``; not found: queued again. Without IMAP nothing proves either way: ``unknown``,
   and the user chooses Send again or Mark as sent on the Outbox screen.
2. **Send** each due ``queued`` message of this user and device: it is first *claimed* (``queued``
   → ``sending`` with a lease, attempts + 1, committed — its Message-ID was committed when it was
   queued), then handed to the SMTP server, then marked ``sent`` with its timeline entry
   (committed). A crash between the server's acceptance and that commit leaves it ``sending``, so
   step 1 of a later round decides, and nothing re-sends it blindly.
3. A failure that may pass (server unreachable, a 4xx answer) puts the message back in the queue
   with exponential backoff (30 s, 1 min, 2 min … at most an hour); one that will not (refused
   recipients, a wrong password, an untrusted certificate, a 5xx answer) marks it ``failed`` with
   the reason, until the user retries.

The test-only environment variable ``CRM_TEST_MAIL_EXIT_AFTER_ACCEPT`` makes the process exit
(``os._exit``) right after the server accepted a message and before the local commit: the
crash the tests play.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import logging
import os
import smtplib
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr

from desktop_crm.ids import IdLike
from desktop_crm.models import MailAttachment, MailMessage, database, utcnow
from desktop_crm.models.enums import MailDirection, MailStatus
from desktop_crm.services.mail import accounts
from desktop_crm.services.mail.outbox import acting_user_id, mark_sent_row, this_device
from desktop_crm.services.mail.transport import (
    Endpoint,
    MailError,
    close_quietly,
    explain,
    open_imap,
    open_smtp,
)

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=3)  # a claimed message not finished by then: its sender died
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=1)
EXIT_AFTER_ACCEPT = "CRM_TEST_MAIL_EXIT_AFTER_ACCEPT"


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # still queued (a later attempt)
    unknown: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s doubled each time, at most 1 h."""
    wait: dt.timedelta = BACKOFF_BASE * (2 ** max(attempts - 1, 0))
    return min(wait, BACKOFF_MAX)


def _mine(author: uuid.UUID | None) -> object:
    condition = (MailMessage.direction == MailDirection.OUT) & (MailMessage.device == this_device())
    if author is not None:
        condition &= MailMessage.author == author
    return condition


def pending_count(user: IdLike | None = None) -> int:
    """Messages of the user (default: the acting one) still to go (queued or being sent)."""
    author = acting_user_id(user)
    with database.atomic():
        return int(MailMessage.alive().where(
            _mine(author) & MailMessage.status.in_([MailStatus.QUEUED, MailStatus.SENDING])
        ).count())


def send_due(smtp: Endpoint | None = None, imap: Endpoint | None = None,
             now: dt.datetime | None = None, user: IdLike | None = None) -> SendReport:
    """One round of the outbox for the user (default: the acting one; network: call it off the
    GUI thread). ``smtp``/``imap`` override the account's servers (the command line's ``--smtp``)."""
    now = now or utcnow()
    author = acting_user_id(user)
    report = SendReport()
    account = accounts.account_of(author) if author is not None else None
    if smtp is None and account is not None:
        smtp = accounts.smtp_endpoint(account)
    if imap is None and account is not None:
        imap = accounts.imap_endpoint(account)
    _reconcile(author, imap, account, now, report)
    with database.atomic():
        due = [row.id for row in MailMessage.alive(MailMessage.id).where(
            _mine(author) & (MailMessage.status == MailStatus.QUEUED)
            & ((MailMessage.next_attempt_at.is_null()) | (MailMessage.next_attempt_at <= now))
        ).order_by(MailMessage.created_at)]
        report.waiting = int(MailMessage.alive().where(
            _mine(author) & (MailMessage.status == MailStatus.QUEUED)).count()) - len(due)
    if not due:
        return report
    if smtp is None:
        report.waiting += len(due)
        report.errors.append(_not_configured_text())
        return report
    session = None
    try:
        session = open_smtp(smtp)
    except MailError as error:
        for message_id in due:
            _failed_attempt(message_id, error, now, report, claim=True)
        report.errors.append(error.message)
        return report
    try:
        for message_id in due:
            session = _send_one(session, smtp, message_id, account, now, report)
    finally:
        if session is not None:
            close_quietly(session)
    return report


def _claim(message_id: uuid.UUID, now: dt.datetime) -> MailMessage | None:
    """``queued`` → ``sending`` (committed); ``None`` when another sender took it first."""
    with database.atomic():
        taken = MailMessage.update(
            status=MailStatus.SENDING, attempts=MailMessage.attempts + 1,
            next_attempt_at=now + LEASE, updated_at=utcnow(),
        ).where((MailMessage.id == message_id) & (MailMessage.status == MailStatus.QUEUED)).execute()
        if not taken:
            return None
        row: MailMessage = MailMessage.get_by_id(message_id)
        return row


def _send_one(session: smtplib.SMTP | None, smtp: Endpoint, message_id: uuid.UUID,
              account: accounts.MailAccountDTO | None, now: dt.datetime,
              report: SendReport) -> smtplib.SMTP | None:
    row = _claim(message_id, now)
    if row is None:
        return session
    if session is None:  # the connection was lost on an earlier message of this round
        session = _reconnect(smtp)
        if session is None:
            _failed_attempt(message_id, _lost(smtp), now, report, claim=False)
            return None
    mime = build_mime(row)
    sender_address = parseaddr(row.sender)[1]
    recipients = [a for _n, a in getaddresses([row.to_addresses, row.cc_addresses]) if a]
    if account is not None and account.has_imap:
        recipients.append(account.address)  # the copy that proves delivery after a crash
    try:
        refused = session.send_message(mime, from_addr=sender_address, to_addrs=recipients)
    except Exception as error:
        mail_error = explain(error, smtp, "SMTP")
        _failed_attempt(message_id, mail_error, now, report, claim=False)
        close_quietly(session)  # its state is unclear after a failure: a fresh one for the next
        return _reconnect(smtp)
    if os.environ.get(EXIT_AFTER_ACCEPT):
        os._exit(70)  # test-only: the crash between the server's acceptance and the commit
    with database.atomic():
        fresh = MailMessage.get_by_id(message_id)
        mark_sent_row(fresh, utcnow())
        if refused:
            fresh.last_error = ", ".join(sorted(refused))
            fresh.save()
    report.sent += 1
    return session


def _lost(smtp: Endpoint) -> MailError:
    return explain(ConnectionError("connection lost"), smtp, "SMTP")


def _reconnect(smtp: Endpoint) -> smtplib.SMTP | None:
    try:
        return open_smtp(smtp)
    except MailError:
        return None


def _failed_attempt(message_id: uuid.UUID, error: MailError, now: dt.datetime,
                    report: SendReport, claim: bool) -> None:
    """Back to the queue with a later attempt, or ``failed`` when waiting cannot help."""
    with database.atomic():
        row: MailMessage | None = MailMessage.get_or_none(MailMessage.id == message_id)
        if row is None:
            return
        expected = MailStatus.QUEUED if claim else MailStatus.SENDING
        if MailStatus(row.status) != expected:
            return
        attempts = row.attempts + 1 if claim else row.attempts
        values = {"attempts": attempts, "last_error": error.message, "updated_at": utcnow()}
        if error.temporary:
            values.update(status=MailStatus.QUEUED, next_attempt_at=now + backoff(attempts))
            report.waiting += 1
        else:
            values.update(status=MailStatus.FAILED, next_attempt_at=None)
            report.failed += 1
        MailMessage.update(**values).where(
            (MailMessage.id == message_id) & (MailMessage.status == expected)).execute()


def build_mime(row: MailMessage) -> EmailMessage:
    """The message as it goes on the wire (its Message-ID is the committed one)."""
    mime = EmailMessage()
    mime["From"] = row.sender
    mime["To"] = row.to_addresses
    if row.cc_addresses:
        mime["Cc"] = row.cc_addresses
    mime["Subject"] = row.subject
    mime["Date"] = format_datetime(utcnow().replace(tzinfo=dt.UTC))
    mime["Message-ID"] = row.message_id
    if row.in_reply_to:
        mime["In-Reply-To"] = row.in_reply_to
    if row.refs:
        mime["References"] = row.refs
    mime.set_content(row.body or "")
    for item in MailAttachment.alive().where(MailAttachment.mail_message == row.id).order_by(
            MailAttachment.created_at):
        maintype, _slash, subtype = (item.mime_type or "application/octet-stream").partition("/")
        mime.add_attachment(bytes(item.content), maintype=maintype,
                            subtype=subtype or "octet-stream", filename=item.filename)
    return mime


# --- after a crash: what happened to a message left in ``sending`` ---------------------------------


RECHECK_UNKNOWN = dt.timedelta(hours=1)


def _reconcile(author: uuid.UUID | None, imap: Endpoint | None,
               account: accounts.MailAccountDTO | None, now: dt.datetime,
               report: SendReport) -> None:
    """Settle messages a crash left ``sending`` (their lease ran out); with IMAP, also look again
    for those left ``unknown`` (IMAP set up since), at most hourly."""
    with database.atomic():
        doubtful = (MailMessage.status == MailStatus.SENDING)
        if imap is not None:
            doubtful |= MailMessage.status == MailStatus.UNKNOWN
        stale = list(MailMessage.alive().where(
            _mine(author) & doubtful & (MailMessage.next_attempt_at < now)))
    if not stale:
        return
    if imap is None:
        _no_evidence(stale, report)
        return
    try:
        found = _delivered_ids(imap, [row.message_id for row in stale],
                               account.sent_folder if account else "")
    except MailError as error:  # no evidence today: decide on a later round
        log.info("outbox: cannot look for sent messages: %s", error.message)
        report.errors.append(error.message)
        return
    with database.atomic():
        for row in stale:
            fresh = MailMessage.get_by_id(row.id)
            status = MailStatus(fresh.status)
            if status not in (MailStatus.SENDING, MailStatus.UNKNOWN):
                continue
            if row.message_id in found:
                mark_sent_row(fresh, fresh.date or utcnow())
                report.sent += 1
            elif status == MailStatus.SENDING:  # the server never took it: it goes again
                fresh.status = MailStatus.QUEUED
                fresh.next_attempt_at = now
                fresh.save()
            else:  # still nothing: the user decides, or a later look finds it
                fresh.next_attempt_at = now + RECHECK_UNKNOWN
                fresh.save()


def _no_evidence(stale: list[MailMessage], report: SendReport) -> None:
    with database.atomic():
        for row in stale:
            MailMessage.update(
                status=MailStatus.UNKNOWN, updated_at=utcnow(), last_error=no_evidence_text(),
            ).where((MailMessage.id == row.id) & (MailMessage.status == MailStatus.SENDING)
                    ).execute()
            report.unknown += 1


def _not_configured_text() -> str:
    from desktop_crm.i18n import _

    return _("Set up your mail account first (Settings › Mail account).")


def no_evidence_text() -> str:
    from desktop_crm.i18n import _

    return _("The application stopped while this message was being sent, and without an IMAP "
             "server in the mail account nothing shows whether it arrived. Check your Sent "
             "folder, then choose Send again or Mark as sent.")


def _delivered_ids(imap: Endpoint, message_ids: list[str], sent_folder: str) -> set[str]:
    """The Message-IDs among ``message_ids`` found in the INBOX (the blind copy) or Sent folder."""
    session = open_imap(imap)
    found: set[str] = set()
    try:
        for folder in ("INBOX", *_sent_folders(session, sent_folder)):
            status, _data = session.select(_quoted(folder), readonly=True)
            if status != "OK":
                continue
            for message_id in message_ids:
                if message_id in found:
                    continue
                status, data = session.search(None, "HEADER", "Message-ID", _quoted(message_id))
                if status == "OK" and data and data[0].split():
                    found.add(message_id)
    except (imaplib.IMAP4.error, OSError) as error:
        raise explain(error, imap, "IMAP") from error
    finally:
        close_quietly(session)
    return found


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sent_folders(session: imaplib.IMAP4, configured: str) -> list[str]:
    if configured:
        return [configured]
    status, lines = session.list()
    names = []
    for raw in lines or [] if status == "OK" else []:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        if "\\Sent" in text:
            names.append(text.rsplit(" ", 1)[-1].strip('"'))
    return names or ["Sent"]
