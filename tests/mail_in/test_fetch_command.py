"""``desktop-crm mail fetch --db DB --imap URL`` against the test Dovecot (issue 22)."""

from __future__ import annotations

import pytest

from desktop_crm.cli import main
from desktop_crm.models import Role, User
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from tests import factories
from tests.imap_server import DovecotServer, MailUser
from tests.mail_in import samples


def test_mail_fetch_prints_what_it_linked(tmp_path, monkeypatch: pytest.MonkeyPatch, capsys,
                                          dovecot: DovecotServer, mailbox: MailUser) -> None:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))
    url = str(tmp_path / "crm.db")
    db = open_database(url)
    migrate(db)
    User.create(name="Анна Админ", login="anna", role=Role.ADMIN, email="anna@crm.example")
    contact = factories.make_contact("Бьянки", "Лука", work_email="luca@bianchi.example")
    factories.make_deal("Corso vendite", contact=contact)
    db.close()
    dovecot.append(mailbox.name, samples.message("Luca <luca@bianchi.example>", "anna@crm.example",
                                                 "Conferma ordine", "Confermiamo l'ordine."))
    dovecot.append(mailbox.name, samples.message("nobody@else.example", "anna@crm.example", "Spam", "x"))

    assert main(["mail", "fetch", "--db", url, "--imap", dovecot.url(mailbox.name)]) == 0
    out = capsys.readouterr().out
    assert "2 new messages read" in out
    assert "luca@bianchi.example: “Conferma ordine” — Бьянки Лука, deal “Corso vendite”" in out
    assert "not from or to a known client: 1" in out

    assert main(["mail", "fetch", "--db", url, "--imap", dovecot.url(mailbox.name)]) == 0
    assert "0 new messages read" in capsys.readouterr().out

    bad = f"imap://{mailbox.name}:wrong@127.0.0.1:{dovecot.port}"
    assert main(["mail", "fetch", "--db", url, "--imap", bad]) == 1
    assert capsys.readouterr().err.strip()
