"""A crash between the SMTP server's acceptance and the local commit, settled from the mailbox:
the message's Message-ID is found over IMAP (the blind copy to the own address in the INBOX, or the
provider's copy in the Sent folder), so it is marked sent and never sent again. Runs with the
Dovecot fixture (``tests/imap_server.py``)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from desktop_crm.cli import main
from desktop_crm.models import MailMessage, Role, User, utcnow
from desktop_crm.models.db import open_database
from desktop_crm.models.enums import MailSecurity, MailStatus
from desktop_crm.models.schema import migrate
from desktop_crm.services.mail import accounts, sender
from desktop_crm.services.system import rights
from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller
from tests.mail_servers import SmtpServer

imap_server = pytest.importorskip("tests.imap_server")


@pytest.fixture(scope="module")
def dovecot():
    if not imap_server.DOVECOT:
        pytest.skip("dovecot is not installed (.ci/run installs dovecot-imapd)")
    workdir = Path(tempfile.mkdtemp(prefix="crm-test-imap-out-"))
    server = imap_server.DovecotServer(workdir, pool=5)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def account_input(box, smtp, dovecot, imap: bool) -> accounts.MailAccountInput:
    return accounts.MailAccountInput(
        address=f"{box.name}@example.test", username=box.name, smtp_host="127.0.0.1",
        smtp_port=smtp.port, smtp_security=MailSecurity.NONE,
        imap_host="127.0.0.1" if imap else "", imap_port=dovecot.port,
        imap_security=MailSecurity.NONE, password=box.password)


def crash_after_acceptance(tmp_path, box, smtp, dovecot, imap: bool):
    """A database whose one message the server accepted while the sender died: (url, user)."""
    url = str(tmp_path / "crm.db")
    db = open_database(url)
    migrate(db)
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    anna = User.create(name="Анна", login="anna", role=Role.ADMIN)
    with rights.acting(rights.load_actor(anna.id)):
        accounts.save_account(account_input(box, smtp, dovecot, imap))
    db.close()
    smtp.outage()
    smtp_url = f"smtp://{box.name}:{box.password.replace(' ', '%20')}@127.0.0.1:{smtp.port}?tls=none"
    assert main(["mail", "send-document", "--db", url, "--deal", str(deal.id), "--kind",
                 "quote", "--to", "buyer@example.test", "--smtp", smtp_url]) == 0
    smtp.restore()
    db = open_database(url)
    MailMessage.update(next_attempt_at=utcnow()).execute()
    db.close()
    crashed = subprocess.run(
        [sys.executable, "-m", "desktop_crm", "mail", "flush", "--db", url, "--smtp", smtp_url],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, CRM_TEST_MAIL_EXIT_AFTER_ACCEPT="1"))
    assert crashed.returncode == 70, crashed.stderr
    assert len(smtp.messages) == 1
    return url, anna.id


def test_the_blind_copy_in_the_inbox_settles_it(tmp_path, monkeypatch, dovecot):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    box = dovecot.take_user()
    smtp = SmtpServer("none", user=box.name, password=box.password,
                      deliver=lambda content: dovecot.append(box.name, content)).start()
    try:
        url, anna = crash_after_acceptance(tmp_path, box, smtp, dovecot, imap=True)
        assert f"{box.name}@example.test" in smtp.messages[0].rcpt_tos  # the blind copy
        db = open_database(url)
        try:
            assert MailMessage.get().status == MailStatus.SENDING
            with rights.acting(rights.load_actor(anna)):
                later = utcnow() + sender.LEASE + dt.timedelta(seconds=1)
                report = sender.send_due(now=later)
            assert report.sent == 1 and report.unknown == 0
            row = MailMessage.get()
            assert row.status == MailStatus.SENT and row.activity_id is not None
            assert row.attempts == 2  # the outage, then the attempt that crashed
        finally:
            db.close()
        assert len(smtp.messages) == 1  # delivered exactly once
    finally:
        smtp.stop()


def test_unknown_without_imap_is_settled_once_imap_is_set_up(tmp_path, monkeypatch, dovecot):
    """No IMAP when it crashed: 'unknown'. The provider keeps sent mail in Sent; once the user
    adds IMAP, the next round finds it there."""
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    box = dovecot.take_user()
    smtp = SmtpServer("none", user=box.name, password=box.password,
                      deliver=lambda content: dovecot.append(box.name, content, "Sent")).start()
    try:
        url, anna = crash_after_acceptance(tmp_path, box, smtp, dovecot, imap=False)
        db = open_database(url)
        try:
            with rights.acting(rights.load_actor(anna)):
                later = utcnow() + sender.LEASE + dt.timedelta(seconds=1)
                assert sender.send_due(now=later).unknown == 1
                assert MailMessage.get().status == MailStatus.UNKNOWN
                accounts.save_account(account_input(box, smtp, dovecot, imap=True))
                report = sender.send_due(now=later + dt.timedelta(seconds=1))
            assert report.sent == 1
            assert MailMessage.get().status == MailStatus.SENT
        finally:
            db.close()
        assert len(smtp.messages) == 1
    finally:
        smtp.stop()


def test_the_connection_check_logs_in_to_imap_too(mail_user, smtp_server, dovecot):
    from desktop_crm.services.mail import transport

    box = dovecot.take_user()
    data = accounts.MailAccountInput(
        address="crm@example.test", username=box.name, smtp_host="127.0.0.1",
        smtp_port=smtp_server.port, smtp_security=MailSecurity.NONE, imap_host="127.0.0.1",
        imap_port=dovecot.port, imap_security=MailSecurity.NONE, password=box.password)
    check = accounts.test_settings(data)
    assert check.imap_checked and check.imap_error is None
    wrong = accounts.test_settings(accounts.MailAccountInput(**{**data.__dict__, "password": "x"}))
    assert wrong.imap_error is not None and wrong.imap_error.kind == transport.AUTH
