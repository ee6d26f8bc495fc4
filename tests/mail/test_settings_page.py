"""Settings › Mail account driven through its widgets against a real SMTP server."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from desktop_crm.models import MailAccount
from desktop_crm.services.mail import accounts
from desktop_crm.views.settings import SettingsView
from tests.mail_servers import PASSWORD, USER


@pytest.fixture
def page(context, qtbot):
    view = SettingsView(context)
    qtbot.addWidget(view, before_close_func=lambda w: [p.set_clean() for p in w.pages.values()])
    view.show()
    page = view.select("mail")
    page.settings_view = view
    return page


def retype(qtbot, editor, text: str) -> None:
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)


def fill(qtbot, page, server, password: str) -> None:
    retype(qtbot, page.line("address"), USER)
    retype(qtbot, page.line("smtp_host"), "127.0.0.1")
    combo = page.editor("smtp_security", QComboBox)
    combo.setCurrentIndex(combo.findData(server.security))
    retype(qtbot, page.line("smtp_port"), str(server.port))
    retype(qtbot, page.line("password"), password)


def test_test_connection_says_what_failed_then_saves_with_the_password_in_the_keyring(
        qtbot, page, context, smtp_starttls_server):
    fill(qtbot, page, smtp_starttls_server, "wrong")
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert "refused the user name or password" in page.result.text()
    assert "SMTP" in page.result.text() and "IMAP): not set up" in page.result.text()
    retype(qtbot, page.line("password"), PASSWORD)
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert page.result.text().startswith("Sending (SMTP): connected and signed in.")
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not page.dirty, page.banner.text()
    saved = accounts.account_of(context.user.id)
    assert saved is not None and saved.smtp_port == smtp_starttls_server.port and saved.has_password
    assert PASSWORD not in repr(MailAccount.get().__data__)
    assert page.line("password").text() == "" and "remembered" in page.line("password").placeholderText()
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)  # the remembered password
    assert page.result.text().startswith("Sending (SMTP): connected")


def test_an_unreachable_server_and_bad_input_are_told(qtbot, page, smtp_server):
    fill(qtbot, page, smtp_server, PASSWORD)
    smtp_server.outage()
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert "cannot be reached" in page.result.text()
    retype(qtbot, page.line("smtp_port"), "99999")
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.dirty and "65535" in page.error_labels["smtp_port"].text()


@pytest.fixture
def no_keyring():
    """A computer without a password store: keyring's own ``fail`` backend."""
    import keyring
    from keyring.backends import fail

    from desktop_crm.models import credentials

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)
    credentials._keyring_problem.clear()


def test_without_a_keyring_the_password_is_kept_for_the_session_and_the_page_says_so(
        qtbot, page, context, smtp_server, no_keyring):
    fill(qtbot, page, smtp_server, PASSWORD)
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not page.dirty, page.banner.text()
    assert "no password store" in page.keyring_note.text()
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)  # kept until the app closes
    assert page.result.text().startswith("Sending (SMTP): connected")
