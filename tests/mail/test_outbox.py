"""The outbox against a real SMTP server: sending with attachments, outages with backoff, refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_crm.models import Activity, MailMessage, utcnow
from desktop_crm.models.enums import MailSecurity, MailStatus
from desktop_crm.services.mail import accounts, outbox, sender
from desktop_crm.services.sales import timeline
from tests.factories import make_company, make_contact, make_deal
from tests.mail_servers import PASSWORD, USER, SmtpServer


def set_up_account(server: SmtpServer, imap: dict | None = None) -> accounts.MailAccountDTO:
    return accounts.save_account(accounts.MailAccountInput(
        address=USER, display_name="Anna Rossi", username=USER, smtp_host="127.0.0.1",
        smtp_port=server.port, smtp_security=MailSecurity.NONE, password=PASSWORD, **(imap or {})))


def a_deal():
    company = make_company("Bianchi SpA", email="info@bianchi.example")
    contact = make_contact("Bianchi", "Luca", company=company, work_email="luca@bianchi.example")
    return make_deal("Fornitura", company=company, contact=contact), contact


def offer(deal, **extra) -> outbox.OutgoingMessage:
    values = {
        "to": "Luca Bianchi <luca@bianchi.example>", "cc": "info@bianchi.example",
        "subject": "Preventivo n. 7", "body": "Buongiorno,\nin allegato il preventivo.\n",
        "deal_id": deal.id,
        "attachments": [outbox.Attachment("Preventivo 7.pdf", b"%PDF-1.7 fake", "application/pdf")],
    }
    values.update(extra)
    return outbox.OutgoingMessage(**values)


def test_a_queued_message_goes_once_with_its_attachment_and_lands_on_the_timelines(
        mail_user, smtp_server):
    set_up_account(smtp_server)
    deal, contact = a_deal()
    queued = outbox.queue(offer(deal))
    assert queued.status == MailStatus.QUEUED and queued.message_id.startswith("<")
    assert smtp_server.messages == []  # queuing sends nothing
    report = sender.send_due()
    assert (report.sent, report.failed, report.waiting) == (1, 0, 0)
    assert sender.send_due().sent == 0  # nothing twice
    [received] = smtp_server.messages
    assert received.message_id == queued.message_id
    assert set(received.rcpt_tos) == {"luca@bianchi.example", "info@bianchi.example"}
    parsed = received.message
    assert parsed["From"] == "Anna Rossi <crm@example.test>" and "Bcc" not in parsed
    [part] = list(parsed.iter_attachments())
    assert part.get_filename() == "Preventivo 7.pdf" and part.get_content() == b"%PDF-1.7 fake"
    row = MailMessage.get_by_id(queued.id)
    assert row.status == MailStatus.SENT and row.attempts == 1 and row.activity_id is not None
    for entries in (timeline.timeline(deal=deal.id), timeline.timeline(contact=contact.id)):
        [entry] = [e for e in entries if e.payload.get("mail_message") == str(queued.id)]
        assert "Preventivo n. 7" in entry.title
        assert [a["filename"] for a in entry.payload["attachments"]] == ["Preventivo 7.pdf"]
        assert not entry.counts_as_interaction  # our own message is no answer of the client


def test_the_outbox_waits_through_an_outage_with_backoff(mail_user, smtp_server):
    set_up_account(smtp_server)
    deal, _contact = a_deal()
    smtp_server.outage()
    queued = outbox.queue(offer(deal))
    start = utcnow()
    first = sender.send_due(now=start)
    assert (first.sent, first.waiting) == (0, 1) and first.errors
    row = MailMessage.get_by_id(queued.id)
    assert row.status == MailStatus.QUEUED and row.attempts == 1
    assert row.next_attempt_at == start + dt.timedelta(seconds=30)
    assert "cannot be reached" in row.last_error
    second = sender.send_due(now=start + dt.timedelta(seconds=31))  # still down: waits longer
    row = MailMessage.get_by_id(queued.id)
    assert second.sent == 0 and row.attempts == 2
    assert row.next_attempt_at == start + dt.timedelta(seconds=31 + 60)
    smtp_server.restore()
    early = sender.send_due(now=start + dt.timedelta(seconds=60))  # not due yet: not even tried
    assert early.sent == 0 and MailMessage.get_by_id(queued.id).attempts == 2
    late = sender.send_due(now=start + dt.timedelta(seconds=92))
    assert late.sent == 1
    assert [m.message_id for m in smtp_server.messages] == [queued.message_id]
    assert MailMessage.get_by_id(queued.id).status == MailStatus.SENT


def test_a_temporary_refusal_retries_and_a_permanent_one_fails(mail_user, smtp_server):
    set_up_account(smtp_server)
    deal, _contact = a_deal()
    queued = outbox.queue(offer(deal))
    smtp_server.refuse_with("451 4.3.0 Try again later")
    assert sender.send_due().waiting == 1
    assert MailMessage.get_by_id(queued.id).status == MailStatus.QUEUED
    smtp_server.refuse_with("554 5.7.1 Message rejected")
    outbox.retry_now(queued.id)
    assert sender.send_due().failed == 1
    row = MailMessage.get_by_id(queued.id)
    assert row.status == MailStatus.FAILED and "554" in row.last_error
    smtp_server.refuse_with(None)
    outbox.retry_now(queued.id)
    assert sender.send_due().sent == 1


def test_a_queued_message_can_be_cancelled(mail_user, smtp_server):
    set_up_account(smtp_server)
    deal, _contact = a_deal()
    queued = outbox.queue(offer(deal))
    assert outbox.cancel(queued.id).status == MailStatus.CANCELLED
    assert sender.send_due().sent == 0 and smtp_server.messages == []
    assert Activity.select().where(Activity.deal == deal.id).count() == 0


def test_bad_recipients_are_refused_before_anything_is_queued(mail_user, smtp_server):
    from desktop_crm.errors import ValidationError

    set_up_account(smtp_server)
    deal, _contact = a_deal()
    with pytest.raises(ValidationError) as caught:
        outbox.queue(offer(deal, to="luca at bianchi"))
    assert caught.value.field == "to"
    assert MailMessage.select().count() == 0


def test_queue_claim_and_send_on_both_engines(any_db, smtp_server):
    from desktop_crm.models import User
    from desktop_crm.models.enums import Role
    from desktop_crm.services.system import rights

    user = User.create(name="Anna", role=Role.SALES)
    with rights.acting(rights.load_actor(user.id)):
        set_up_account(smtp_server)
        deal, contact = a_deal()
        queued = outbox.queue(offer(deal))
        assert sender.pending_count() == 1
        assert sender.send_due().sent == 1
        assert sender.send_due().sent == 0
        assert [m.status for m in outbox.outbox()] == [MailStatus.SENT]
        assert any(e.payload.get("mail_message") == str(queued.id)
                   for e in timeline.timeline(contact=contact.id))
    assert len(smtp_server.messages) == 1
