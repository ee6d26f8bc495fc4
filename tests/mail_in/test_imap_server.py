"""The Dovecot fixture itself: a message appended over IMAP is fetched back, over plain and TLS."""

from __future__ import annotations

import imaplib
import ssl
from email import message_from_bytes, policy

from tests.imap_server import DovecotServer, MailUser

MESSAGE = (
    b"From: Client <client@example.com>\r\nTo: manager@example.org\r\nSubject: Hello\r\n"
    b"Message-ID: <m1@example.com>\r\n\r\nBody text\r\n"
)


def test_append_and_fetch_back(dovecot: DovecotServer, mailbox: MailUser) -> None:
    dovecot.append(mailbox.name, MESSAGE)
    client = dovecot.connect(mailbox.name)
    try:
        status, data = client.select("INBOX", readonly=True)
        assert status == "OK" and data[0] == b"1"
        status, fetched = client.uid("FETCH", "1:*", "(RFC822)")
        assert status == "OK"
        raw = fetched[0][1]
        assert isinstance(raw, bytes)
        message = message_from_bytes(raw, policy=policy.default)
        assert message["Message-ID"] == "<m1@example.com>"
        status, listing = client.list()
        assert any(b"\\Sent" in line for line in listing if isinstance(line, bytes))
    finally:
        client.logout()


def test_imaps_with_a_self_signed_certificate(dovecot: DovecotServer, mailbox: MailUser) -> None:
    if not dovecot.ssl:
        return
    context = ssl.create_default_context(cafile=str(dovecot.cert))
    context.check_hostname = False
    client = imaplib.IMAP4_SSL("127.0.0.1", dovecot.imaps_port, ssl_context=context, timeout=10)
    try:
        assert client.login(mailbox.name, mailbox.password)[0] == "OK"
        assert client.select("INBOX")[0] == "OK"
    finally:
        client.logout()
