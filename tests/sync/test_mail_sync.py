"""E-mail between replicas: a sent message reaches the other replicas with its attachment and
its timeline entry; a message queued on one device is sent by that device only; the account's
password never leaves the computer."""

from __future__ import annotations

import pytest

from desktop_crm.models import Activity, MailAccount, MailAttachment, MailMessage, Role, User
from desktop_crm.models.enums import MailSecurity, MailStatus
from desktop_crm.services.mail import accounts, outbox, sender
from tests.factories import make_company, make_contact, make_deal
from tests.mail_servers import PASSWORD, USER, smtp_server  # noqa: F401 - fixture
from tests.sync.helpers import admin, new_replica, use

pytestmark = pytest.mark.postgres


def test_mail_travels_and_each_device_sends_only_its_own(server_url, tmp_path, smtp_server):  # noqa: F811
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    anna = User.create(name="Anna", role=Role.SALES)
    accounts.save_account(accounts.MailAccountInput(
        address=USER, username=USER, smtp_host="127.0.0.1", smtp_port=smtp_server.port,
        smtp_security=MailSecurity.NONE, password=PASSWORD), anna.id)
    company = make_company("Bianchi SpA")
    deal = make_deal("Fornitura", company=company,
                     contact=make_contact("Bianchi", "Luca", company=company))
    pdf = b"%PDF-1.7 offer " * 100
    sent = outbox.queue(outbox.OutgoingMessage(
        to="luca@bianchi.example", subject="Offer", body="Here it is.", deal_id=deal.id,
        attachments=[outbox.Attachment("offer.pdf", pdf, "application/pdf")]), user=anna.id)
    assert sender.send_due(user=anna.id).sent == 1
    smtp_server.outage()
    waiting = outbox.queue(outbox.OutgoingMessage(
        to="luca@bianchi.example", subject="Reminder", body="…", deal_id=deal.id), user=anna.id)
    assert sender.send_due(user=anna.id).waiting == 1
    a.sync()
    with admin(server_url) as conn:
        columns = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'mail_account'")}
        assert "password" not in " ".join(columns)
    b = new_replica(tmp_path / "b.db", server_url)
    b.sync()
    use(b)
    row = MailMessage.get_by_id(sent.id)
    assert row.status == MailStatus.SENT and row.message_id == sent.message_id
    [attachment] = MailAttachment.select().where(MailAttachment.mail_message == sent.id)
    assert bytes(attachment.content) == pdf
    assert Activity.get_by_id(row.activity_id).deal_id == deal.id
    assert MailAccount.select().count() == 1
    smtp_server.restore()
    MailMessage.update(next_attempt_at=None).where(MailMessage.id == waiting.id).execute()
    assert sender.send_due(user=anna.id).sent == 0  # device b never sends what a queued
    use(a)
    MailMessage.update(next_attempt_at=None).where(MailMessage.id == waiting.id).execute()
    assert sender.send_due(user=anna.id).sent == 1  # a does, when due
    assert [m.message_id for m in smtp_server.messages] == [sent.message_id, waiting.message_id]
