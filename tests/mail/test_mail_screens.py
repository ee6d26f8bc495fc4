"""Sending from the deal card, the compose dialog and the Outbox, driven through their widgets
against a real SMTP server (background work is synchronous in these tests)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_crm.models import Invoice, InvoiceStatus, MailMessage
from desktop_crm.models.enums import MailSecurity, MailStatus
from desktop_crm.services.billing import invoices
from desktop_crm.services.mail import accounts
from desktop_crm.views.mail.attachments import attachment_menu, save_attachment
from desktop_crm.views.mail.compose import ComposeDialog
from desktop_crm.views.mail.outbox_view import OutboxView
from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller
from tests.mail_servers import PASSWORD, USER


@pytest.fixture
def account(context, smtp_server):
    return accounts.save_account(accounts.MailAccountInput(
        address=USER, display_name="Анна Морозова", smtp_host="127.0.0.1",
        smtp_port=smtp_server.port, smtp_security=MailSecurity.NONE, username=USER,
        password=PASSWORD), context.user.id)


@pytest.fixture
def deal(context):
    russian_seller()
    deal = deal_with_lines(russian_buyer(email="office@buyer.example"), RU_LINES)
    contact = deal.contact
    contact.work_email = "petrov@buyer.example"
    contact.save()
    return deal


def test_a_draft_invoice_sent_from_the_deal_card_is_issued_and_mailed_once(
        qtbot, context, account, deal, smtp_server, answer, tmp_path):
    from desktop_crm.views.deals.card import open_deal

    invoices.create_from_deal(deal.id)
    card = open_deal(context, str(deal.id))
    qtbot.addWidget(card, before_close_func=lambda w: w._set_dirty(False))
    panel = card.invoices
    card.tabs.setCurrentWidget(panel)
    panel.reload()
    panel.table.selectRow(0)
    assert panel.mail_button.isVisible()
    qtbot.mouseClick(panel.mail_button, Qt.MouseButton.LeftButton)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ComposeDialog))
    assert dialog.to.text() == "petrov@buyer.example" and dialog.cc.text() == "office@buyer.example"
    assert "Направляем вам" in dialog.body.toPlainText()
    assert "draft" in dialog.note.text()
    assert dialog.formats["pdf"].isChecked() and dialog.formats["xml"].isHidden()
    seen = answer("Issue and send")
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen))
    assert "draft" in seen[0]
    [received] = smtp_server.messages
    invoice = Invoice.get(Invoice.deal == deal.id)
    assert invoice.status == InvoiceStatus.ISSUED
    assert f"№ {invoice.number}" in str(received.message["Subject"])
    [pdf] = list(received.message.iter_attachments())
    assert pdf.get_filename().endswith(".pdf")
    card.timeline.reload()
    assert any("E-mail sent to petrov@buyer.example" in text and "Attached: " in text
               for text in card.timeline.texts())
    item = next(card.timeline.entries.item(n) for n in range(card.timeline.entries.count())
                if "Attached: " in card.timeline.entries.item(n).text())
    menu = attachment_menu(card.timeline, item.data(Qt.ItemDataRole.UserRole + 1))
    assert [a.text() for a in menu.actions()] == [f"Open {pdf.get_filename()}",
                                                  f"Save {pdf.get_filename()} as…"]
    [attachment] = item.data(Qt.ItemDataRole.UserRole + 1)["attachments"]
    saved = save_attachment(card, attachment["id"], str(tmp_path / "copy.pdf"))
    assert saved.read_bytes() == pdf.get_content()  # the frozen file that went out


def test_the_outbox_shows_an_outage_and_retries_when_asked(qtbot, context, account, deal,
                                                            smtp_server):
    smtp_server.outage()
    dialog = ComposeDialog(context, to="petrov@buyer.example", contact_id=deal.contact_id)
    qtbot.addWidget(dialog)
    assert dialog.language.isHidden() and "From: Анна Морозова" in dialog.account_note.text()
    qtbot.keyClicks(dialog.subject, "Meeting on Monday")
    qtbot.keyClicks(dialog.body, "Dear Pyotr, see you on Monday at 10.")
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == ComposeDialog.DialogCode.Accepted
    view = OutboxView(context)
    qtbot.addWidget(view)
    texts = [view.model.index(0, c).data() for c in range(view.model.columnCount())]
    assert texts[0] == "Queued" and texts[4] == "1" and "cannot be reached" in texts[6]
    assert "Waiting to be sent: 1" in view.summary.text()
    smtp_server.restore()
    view.select(0)
    assert view.buttons["retry"].isEnabled() and not view.buttons["mark_sent"].isEnabled()
    qtbot.mouseClick(view.buttons["retry"], Qt.MouseButton.LeftButton)
    assert view.model.index(0, 0).data() == "Sent"
    assert len(smtp_server.messages) == 1


def test_a_message_of_unknown_fate_is_decided_by_the_user(qtbot, context, account, deal,
                                                          smtp_server):
    dialog = ComposeDialog(context, to="petrov@buyer.example", deal_id=deal.id)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.subject, "Contract")
    smtp_server.outage()
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    MailMessage.update(status=MailStatus.UNKNOWN).execute()  # as a crash leaves it (see the CLI test)
    view = OutboxView(context)
    qtbot.addWidget(view)
    view.select(0)
    assert view.model.index(0, 0).data() == "Delivery unknown"
    assert not view.buttons["retry"].isEnabled()
    qtbot.mouseClick(view.buttons["mark_sent"], Qt.MouseButton.LeftButton)
    assert view.model.index(0, 0).data() == "Sent" and smtp_server.messages == []


def test_bad_recipients_are_shown_in_the_dialog(qtbot, context, account, deal):
    dialog = ComposeDialog(context, to="nobody", deal_id=deal.id)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.subject, "Hello")
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert not dialog.error.isHidden() and "not an e-mail address" in dialog.error.text()
    assert MailMessage.select().count() == 0


def test_the_windows_background_sender_sends_what_is_queued(qtbot, context, account, deal,
                                                             smtp_server):
    from desktop_crm.services.mail import outbox
    from desktop_crm.views.mail.runner import OutboxRunner

    smtp_server.outage()
    queued = outbox.queue(outbox.OutgoingMessage(to="petrov@buyer.example", subject="Hello",
                                                 body="…", deal_id=deal.id), user=context.user.id)
    runner = OutboxRunner(context)
    try:
        runner.kick()  # the server is down: the message waits
        assert MailMessage.get_by_id(queued.id).status == MailStatus.QUEUED
        smtp_server.restore()
        MailMessage.update(next_attempt_at=None).execute()  # its backoff has passed
        runner.kick()
        assert MailMessage.get_by_id(queued.id).status == MailStatus.SENT
        assert runner.rounds == 2 and not runner.busy
    finally:
        runner.stop()


def test_choosing_another_language_rewrites_the_unedited_texts(qtbot, context, account, deal):
    dialog = ComposeDialog(context, deal_id=deal.id, kind="quote")
    qtbot.addWidget(dialog)
    assert dialog.subject.text().startswith("Коммерческое предложение")
    dialog.language.setCurrentIndex(dialog.language.findData("it"))
    assert dialog.subject.text().startswith("Preventivo")
    assert dialog.body.toPlainText().startswith("Gentile cliente,")
    qtbot.keyClicks(dialog.subject, " (urgente)")
    dialog.language.setCurrentIndex(dialog.language.findData("ru"))
    assert dialog.subject.text().endswith("(urgente)")  # edited: kept


def test_the_document_preview_offers_send_by_email(qtbot, context, account, deal):
    from PySide6.QtWidgets import QDialog, QPushButton

    from desktop_crm.ids import DocumentId
    from desktop_crm.views.documents.editor import open_preview

    invoice = invoices.create_from_deal(deal.id)
    asked: list[bool] = []
    shown: list[QDialog] = []
    open_preview("invoice", DocumentId(invoice.id), None, send=lambda: asked.append(True),
                 on_shown=shown.append)
    qtbot.waitUntil(lambda: len(shown) == 1)
    preview = shown[0]
    qtbot.addWidget(preview)
    button = preview.findChild(QPushButton, "send_mail")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert asked == [True] and not preview.isVisible()
