"""Fixtures of the receiving tests: one Dovecot for the session, a fresh mailbox per test."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.documents_ui.test_document_views import context  # noqa: F401 - fixture
from tests.imap_server import DOVECOT, DovecotServer, MailUser
from tests.mail_servers import smtp_server  # noqa: F401 - fixture


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    if not DOVECOT:
        pytest.skip("dovecot is not installed (.ci/run installs dovecot-imapd)")
    workdir = Path(tempfile.mkdtemp(prefix="crm-test-imap-"))
    from tests.mail_servers import PASSWORD, USER

    # the SMTP test server's login has a mailbox too: an account reads what it sends
    server = DovecotServer(workdir, [MailUser(USER, PASSWORD)])
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot: DovecotServer) -> MailUser:
    """A mailbox of its own for each test (its folders empty, INBOX and Sent)."""
    return dovecot.take_user()
