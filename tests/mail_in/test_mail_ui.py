"""Through the widgets (issue 22, points 3–5): "Send to SDI" on an issued Italian invoice, SDI's
receipt fetched by "Fetch mail", the invoice's SDI status in the deal's invoice list."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_crm.ids import DealId
from desktop_crm.models import Invoice, InvoiceStatus
from desktop_crm.models.enums import MailSecurity
from desktop_crm.services.mail import accounts
from tests.documents_fixtures import IT_LINES, deal_with_lines, italian_buyer, italian_seller
from tests.imap_server import DovecotServer
from tests.mail_in import samples
from tests.mail_servers import PASSWORD, USER


def _account(smtp_port: int, dovecot: DovecotServer, pec: bool) -> None:
    accounts.save_account(accounts.MailAccountInput(
        address=USER, username=USER, smtp_host="127.0.0.1", smtp_port=smtp_port,
        smtp_security=MailSecurity.NONE, imap_host="127.0.0.1", imap_port=dovecot.port,
        imap_security=MailSecurity.STARTTLS, password=PASSWORD, pec=pec))


def test_send_to_sdi_and_fetch_its_receipt_through_the_widgets(
        context: Any, qtbot, monkeypatch: pytest.MonkeyPatch, dovecot: DovecotServer,
        smtp_server) -> None:
    from desktop_crm.views.documents import panel as panel_module
    from desktop_crm.views.documents.panel import DealDocumentsPanel
    from desktop_crm.views.mail_fetch import MailFetcher

    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))
    italian_seller()
    deal = deal_with_lines(italian_buyer(), IT_LINES, currency="EUR")
    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    qtbot.addWidget(panel)
    monkeypatch.setattr(panel, "open_editor", lambda document_id=None: None)
    panel.create_button.click()
    panel.buttons["issue"].click()
    invoice = Invoice.get()
    assert invoice.status == InvoiceStatus.ISSUED and not panel.buttons["sdi"].isHidden()
    assert panel.table.isColumnHidden(6)  # nothing sent to SDI yet: no SDI column

    asked: list[str] = []
    errors: list[str] = []
    monkeypatch.setattr(panel_module, "confirm", lambda _p, _t, text, *a: asked.append(text) or True)
    monkeypatch.setattr(panel_module, "show_error", lambda _p, text, *a: errors.append(text))
    _account(smtp_server.port, dovecot, pec=False)
    panel.buttons["sdi"].click()
    assert errors and "PEC" in errors[0]  # an ordinary mailbox: told what to set up

    _account(smtp_server.port, dovecot, pec=True)
    panel.buttons["sdi"].click()
    assert invoice.number in asked[-1]
    [received] = smtp_server.messages  # the outbox went at once (in the background)
    [attachment] = list(received.message.iter_attachments())
    file_name = attachment.get_filename()
    assert panel.table.item(0, 6).text() == "sent to SDI" and not panel.table.isColumnHidden(6)
    assert panel.buttons["sdi"].isHidden()  # the same file never goes twice

    dovecot.append(USER, samples.pec_receipt(USER, "NS", file_name, errors=(("00311", "Codice non valido"),)))
    fetcher = MailFetcher(context)
    fetcher.action.trigger()
    assert "1 new message" in fetcher.last_text and "1 SDI receipt" in fetcher.last_text
    panel.reload()
    status = panel.table.item(0, 6)
    assert status.text() == "rejected by SDI"
    assert "00311: Codice non valido" in status.toolTip()
    assert not panel.sdi_label.isHidden() and "00311: Codice non valido" in panel.sdi_label.text()
    from desktop_crm.views.documents.editor import DocumentEditor

    editor = DocumentEditor(context, "invoice", invoice.id)
    qtbot.addWidget(editor)
    assert editor.heading.text().endswith("· rejected by SDI")
    fetcher.stop()


def test_the_pec_flag_in_settings_mail_account(context: Any, qtbot, smtp_server) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QCheckBox

    from desktop_crm.views.settings import SettingsView

    view = SettingsView(context)
    qtbot.addWidget(view, before_close_func=lambda w: [p.set_clean() for p in w.pages.values()])
    view.show()
    page = view.select("mail")
    for name, text in (("address", USER), ("smtp_host", "127.0.0.1"), ("smtp_port", str(smtp_server.port)),
                       ("password", PASSWORD)):
        editor = page.line(name)
        editor.setFocus()
        editor.selectAll()
        qtbot.keyClick(editor, Qt.Key.Key_Delete)
        qtbot.keyClicks(editor, text)
    pec = page.editor("pec", QCheckBox)
    assert not pec.isChecked()
    qtbot.mouseClick(pec, Qt.MouseButton.LeftButton)
    assert pec.isChecked() and page.save_button.isEnabled()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not page.dirty, page.banner.text()
    saved = accounts.account_of(context.user.id)
    assert saved is not None and saved.pec
    page.reload()
    assert page.editor("pec", QCheckBox).isChecked()


def test_fetch_mail_from_the_main_window_toolbar(qtbot, tmp_path, monkeypatch: pytest.MonkeyPatch,
                                                dovecot: DovecotServer, mailbox) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QToolButton

    from desktop_crm import workers
    from desktop_crm.app import build_main_window
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate
    from desktop_crm.services.sales import timeline
    from tests import factories
    from tests.shell.conftest import admin_user

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))
    db = open_database(str(tmp_path / "crm.db"))
    migrate(db)
    admin = admin_user()
    accounts.save_account(accounts.MailAccountInput(
        address="anna@crm.example", username=mailbox.name, smtp_host="127.0.0.1", smtp_port=2525,
        smtp_security=MailSecurity.NONE, imap_host="127.0.0.1", imap_port=dovecot.port,
        imap_security=MailSecurity.STARTTLS, password=mailbox.password), admin.id)
    contact = factories.make_contact("Bianchi", "Luca", work_email="luca@bianchi.example")
    dovecot.append(mailbox.name, samples.message("luca@bianchi.example", "anna@crm.example",
                                                 "Conferma", "Confermiamo l'ordine, grazie."))
    with workers.synchronous():
        main = build_main_window(str(tmp_path / "crm.db"), QSettings(str(tmp_path / "s.ini"),
                                                                     QSettings.Format.IniFormat), admin)
        qtbot.addWidget(main)
        main.show()
        qtbot.waitExposed(main)
        qtbot.waitUntil(lambda: getattr(main, "mail_fetcher", None) is not None)
        button = main.toolbar.widgetForAction(main.mail_fetcher.action)
        assert isinstance(button, QToolButton) and button.text() == "Fetch mail"
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert main.statusBar().currentMessage().startswith("Mail fetched: 1 new message, 1 linked")
        [entry] = timeline.timeline(contact=contact.id)
        assert entry.title == "E-mail from the client: Conferma" and entry.client_answered
        main.close()
    db.close()
