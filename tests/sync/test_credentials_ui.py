"""The setup wizard and the status bar without a keyring, and trusting a self-signed server by
its certificate's fingerprint, driven through the widgets against a real PostgreSQL (scram + TLS)."""

from __future__ import annotations

import ssl

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog

from desktop_crm.models import credentials, database
from desktop_crm.models.db import make_database
from desktop_crm.models.schema import migrate
from desktop_crm.services.system import sync as sync_service
from desktop_crm.sync import capture
from desktop_crm.views.sync.status import SyncStatusWidget
from desktop_crm.views.sync.wizard import SyncSetupWizard
from desktop_crm.workers import synchronous
from tests.sync.secure_pg import BOSS_PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("fresh_credentials")]


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def server_page(qtbot, address, login, password):
    wizard = SyncSetupWizard()
    qtbot.addWidget(wizard)
    page = wizard.server_page
    qtbot.keyClicks(page.address, address)
    qtbot.keyClicks(page.login, login)
    qtbot.keyClicks(page.password, password)
    return wizard, page


def test_the_connection_mode_follows_the_address_until_the_user_picks_one(qtbot):
    _wizard, page = server_page(qtbot, "127.0.0.1:5432/crm", "anna", "")
    assert page.ssl.currentData() == "prefer"
    page.address.clear()
    qtbot.keyClicks(page.address, "crm.example.com:5432/crm")
    assert page.ssl.currentData() == "verify-full"
    page.ssl.setCurrentIndex(page.ssl.findData("require"))
    page.ssl.activated.emit(page.ssl.currentIndex())
    page.address.clear()
    qtbot.keyClicks(page.address, "127.0.0.1/crm")
    assert page.ssl.currentData() == "require"


def test_test_connection_without_a_keyring_is_no_traceback(office, qtbot, no_keyring):
    with synchronous():
        _wizard, page = server_page(qtbot, f"127.0.0.1:{office.port}/crm", "boss", "")
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        assert page.result.text().startswith("The server needs a password for boss.")
        qtbot.keyClicks(page.password, BOSS_PASSWORD)
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert page.result.text().startswith("Connected as boss")
    assert page.tested_ok


def test_a_self_signed_server_is_trusted_by_its_fingerprint_and_a_new_one_refused(
    office, qtbot, tmp_path, monkeypatch
):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    expected = credentials.fingerprint(
        ssl.PEM_cert_to_DER_cert((office.datadir / "server.crt").read_text()))
    with synchronous():
        _wizard, page = server_page(qtbot, f"127.0.0.1:{office.port}/crm", "boss", BOSS_PASSWORD)
        page.ssl.setCurrentIndex(page.ssl.findData("verify-full"))
        page.ssl.activated.emit(page.ssl.currentIndex())
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        assert "not signed by an authority" in page.result.text()
        assert expected in page.certificate.text()
        assert page.trust_button.isVisibleTo(page) and not page.tested_ok
        qtbot.mouseClick(page.trust_button, Qt.MouseButton.LeftButton)
        assert page.result.text().startswith("Connected as boss")
        assert f"Trusted certificate: {expected}" in page.certificate.text()
        assert page.tested_ok and "sslmode=verify-ca" in page.url()
        office.install_certificate("replaced")  # later, another certificate answers
        office.reload()
        try:
            qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
            assert "has changed since you trusted it" in page.result.text()
            assert not page.trust_button.isVisibleTo(page)
        finally:
            office.install_certificate("restored")
            office.reload()


def test_sync_asks_for_the_password_and_says_once_why_it_is_not_remembered(
    office, qtbot, tmp_path, no_keyring
):
    from desktop_crm._drivers import load_psycopg
    from desktop_crm.sync import logins

    with load_psycopg().connect(office.socket_url("crm")) as conn, conn.transaction():
        logins.provision_login(conn, "alice@example.com", "ui-pw", "alice.ui")
    url = office.tcp_url("alice.ui", "crm")
    db = make_database(str(tmp_path / "crm.db"))
    db.connect()
    database.initialize(db)
    migrate(db)
    capture.make_replica(db)
    with db.atomic():
        capture.meta_set(db, "server_url", url)
    with synchronous():
        widget = SyncStatusWidget()
        qtbot.addWidget(widget)
        widget.sync_now()
        dialog = widget.password_dialog
        assert isinstance(dialog, QInputDialog) and dialog.isVisible()
        assert dialog.labelText().startswith("The server needs a password for alice.ui.")
        assert "The password is not remembered" in dialog.labelText()  # why, said once
        dialog.setTextValue("ui-pw")
        dialog.accept()
        QApplication.processEvents()
    assert widget.label.text().startswith("Synced just now")
    assert sync_service.status().last_error == ""
    assert widget.password_dialog is None
    with synchronous():
        widget.sync_now()  # the password is kept for the session: no second question
    assert widget.password_dialog is None and widget.label.text().startswith("Synced just now")
    db.close()
