"""``desktop-crm mail send-document`` and ``mail flush`` on a real SQLite file and a real SMTP
server: issuing before sending, queuing through an outage, and a crash between the server's
acceptance and the local commit (delivered exactly once)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from desktop_crm.cli import main
from desktop_crm.models import (
    DocumentFile,
    Invoice,
    InvoiceStatus,
    MailAttachment,
    MailMessage,
    Role,
    User,
    utcnow,
)
from desktop_crm.models.db import open_database
from desktop_crm.models.enums import MailStatus
from desktop_crm.models.schema import migrate
from desktop_crm.services.mail import outbox, sender
from desktop_crm.services.system import rights
from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller


@pytest.fixture
def deal_db(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    url = str(tmp_path / "crm.db")
    db = open_database(url)
    migrate(db)
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    User.create(name="Анна Админ", login="anna", role=Role.ADMIN)  # the command works as her
    db.close()
    return url, str(deal.id)


def reopen(url):
    db = open_database(url)
    migrate(db)
    return db


def test_send_document_issues_the_draft_invoice_and_sends_its_frozen_pdf(deal_db, smtp_server, capsys):
    url, deal_id = deal_db
    assert main(["mail", "send-document", "--db", url, "--deal", deal_id, "--kind", "invoice",
                 "--to", "buyer@example.test", "--smtp", smtp_server.url()]) == 0
    assert "Sent to buyer@example.test" in capsys.readouterr().out
    [received] = smtp_server.messages
    parsed = received.message
    assert str(parsed["Subject"]).startswith("Счет на оплату № 1 от ")
    assert "Направляем вам" in parsed.get_body(("plain",)).get_content()
    [pdf] = list(parsed.iter_attachments())
    db = reopen(url)
    try:
        invoice = Invoice.get(Invoice.deal == deal_id)
        assert invoice.status == InvoiceStatus.ISSUED and invoice.number == "1"
        stored = DocumentFile.get((DocumentFile.document_id == str(invoice.id))
                                  & (DocumentFile.file_format == "pdf"))
        assert pdf.get_content() == bytes(stored.content)  # the frozen file, byte for byte
        assert MailAttachment.get().document_file_id == stored.id
        assert MailMessage.get().status == MailStatus.SENT
    finally:
        db.close()


def test_send_document_leaves_it_queued_while_the_server_is_down_then_flush_sends(
        deal_db, smtp_server, capsys):
    url, deal_id = deal_db
    smtp_server.outage()
    assert main(["mail", "send-document", "--db", url, "--deal", deal_id, "--kind", "quote",
                 "--lang", "it", "--to", "buyer@example.test", "--smtp", smtp_server.url()]) == 0
    assert "Left in the outbox" in capsys.readouterr().out
    smtp_server.restore()
    assert main(["mail", "flush", "--db", url, "--smtp", smtp_server.url()]) == 0
    assert "0 messages sent" in capsys.readouterr().out  # its next attempt is not due yet
    db = reopen(url)
    try:
        MailMessage.update(next_attempt_at=utcnow()).execute()  # the backoff has passed
    finally:
        db.close()
    assert main(["mail", "flush", "--db", url, "--smtp", smtp_server.url()]) == 0
    assert "1 message sent" in capsys.readouterr().out
    [received] = smtp_server.messages
    assert str(received.message["Subject"]).startswith("Preventivo n.")  # --lang it


def _flush_in_a_process(url, server, crash: bool) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CRM_TEST_MAIL_EXIT_AFTER_ACCEPT="1" if crash else "")
    return subprocess.run(
        [sys.executable, "-m", "desktop_crm", "mail", "flush", "--db", url, "--smtp", server.url()],
        capture_output=True, text=True, env=env, timeout=120)


def test_a_crash_after_the_server_accepted_never_sends_twice(deal_db, smtp_server, capsys):
    url, deal_id = deal_db
    smtp_server.outage()
    assert main(["mail", "send-document", "--db", url, "--deal", deal_id, "--kind", "invoice",
                 "--to", "buyer@example.test", "--smtp", smtp_server.url()]) == 0
    smtp_server.restore()
    db = reopen(url)
    MailMessage.update(next_attempt_at=utcnow()).execute()
    db.close()
    crashed = _flush_in_a_process(url, smtp_server, crash=True)
    assert crashed.returncode == 70, crashed.stderr
    assert len(smtp_server.messages) == 1  # the server has it …
    db = reopen(url)
    try:
        row = MailMessage.get()
        assert row.status == MailStatus.SENDING  # … the local commit never happened
        assert smtp_server.messages[0].message_id == row.message_id  # committed before SMTP
    finally:
        db.close()
    again = _flush_in_a_process(url, smtp_server, crash=False)
    assert again.returncode == 0 and "0 messages sent" in again.stdout  # not re-sent blindly
    db = reopen(url)
    try:
        anna = User.get(User.login == "anna")
        with rights.acting(rights.load_actor(anna.id)):
            later = utcnow() + sender.LEASE + dt.timedelta(seconds=1)
            report = sender.send_due(smtp=None, now=later)  # no IMAP: nothing proves either way
            assert report.unknown == 1 and report.sent == 0
            row = MailMessage.get()
            assert row.status == MailStatus.UNKNOWN and "Sent folder" in row.last_error
            assert outbox.mark_sent(row.id).status == MailStatus.SENT  # the user checked
    finally:
        db.close()
    assert len(smtp_server.messages) == 1  # delivered exactly once


def test_an_italian_invoice_goes_with_its_fatturapa_xml_and_an_act_is_issued_first(
        tmp_path, monkeypatch, smtp_server, capsys):
    from tests.documents_fixtures import IT_LINES, italian_buyer, italian_seller

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    url = str(tmp_path / "it.db")
    db = open_database(url)
    migrate(db)
    italian_seller()
    deal = deal_with_lines(italian_buyer(), IT_LINES, currency="EUR")
    User.create(name="Anna", login="anna", role=Role.ADMIN)
    db.close()
    assert main(["mail", "send-document", "--db", url, "--deal", str(deal.id), "--kind", "invoice",
                 "--format", "pdf", "--format", "xml", "--to", "buyer@example.test",
                 "--smtp", smtp_server.url()]) == 0
    assert "Sent to" in capsys.readouterr().out
    names = [p.get_filename() for p in smtp_server.messages[0].message.iter_attachments()]
    assert names[0].endswith(".pdf") and names[1].endswith(".xml") and names[1].startswith("IT")
    assert str(smtp_server.messages[0].message["Subject"]).startswith("Fattura")


def test_an_act_is_issued_before_it_is_sent(deal_db, smtp_server, capsys):
    url, deal_id = deal_db
    assert main(["mail", "send-document", "--db", url, "--deal", deal_id, "--kind", "act",
                 "--to", "buyer@example.test", "--smtp", smtp_server.url()]) == 0
    assert "Sent to" in capsys.readouterr().out
    db = reopen(url)
    try:
        from desktop_crm.models import IssuedPaper

        paper = IssuedPaper.get()
        [pdf] = list(smtp_server.messages[0].message.iter_attachments())
        stored = DocumentFile.get((DocumentFile.document_id == str(paper.id))
                                  & (DocumentFile.file_format == "pdf"))
        assert pdf.get_content() == bytes(stored.content)
        assert paper.number in str(smtp_server.messages[0].message["Subject"])
    finally:
        db.close()
