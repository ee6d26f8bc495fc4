"""The payments of an invoice: the balance suggested (a second payment is the rest, not the total),
register, delete a mistaken payment, refund; from the Invoices list and in both languages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QToolButton

from desktop_crm.app import install_language
from desktop_crm.models import Invoice, InvoiceStatus, Payment
from desktop_crm.services.billing import invoices
from desktop_crm.views.documents.payments import PaymentsDialog
from desktop_crm.views.lists.list_view import EntityListView
from tests.factories import RU_LINES, make_company, make_deal_with_lines, make_own_company


@pytest.fixture
def invoice(context):
    make_own_company("RU")
    deal = make_deal_with_lines(make_company(), RU_LINES)  # 41 990,00
    return invoices.issue(invoices.create_from_deal(deal.id).id)


def _type(qtbot, editor: QLineEdit, text: str) -> None:
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)


def _dialog() -> PaymentsDialog:
    return next(w for w in QApplication.topLevelWidgets()
                if isinstance(w, PaymentsDialog) and w.isVisible())


def test_payments_from_the_invoices_list(context, qtbot, invoice, answer):
    view = EntityListView(context, "invoices")
    qtbot.addWidget(view)
    view.show()
    view.reload()
    button = next(b for b in view.actions_bar.findChildren(QToolButton)
                  if b.defaultAction() and b.defaultAction().objectName() == "action_payments")
    view.table.setFocus()
    view.table.selectRow(0)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = _dialog()
    assert dialog.windowTitle() == "Payments of invoice 1"
    assert dialog.amount.text() == "41,990.00"
    _type(qtbot, dialog.amount, "10000")
    qtbot.keyClicks(dialog.note, "advance")
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert Invoice.get_by_id(invoice.id).status == InvoiceStatus.PARTIALLY_PAID
    # the second payment suggests the balance, not the total
    assert dialog.amount.text() == "31,990.00"
    assert "still due RUB31,990.00" in dialog.summary.text().replace("\xa0", "")
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert Invoice.get_by_id(invoice.id).status == InvoiceStatus.PAID
    assert not dialog.register_button.isEnabled() and dialog.amount.text() == ""
    assert dialog.model.rowCount() == 2
    # the first one was registered by mistake: delete it
    dialog.table.selectRow(0)
    answer("Delete")
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    paid = Invoice.get_by_id(invoice.id)
    assert paid.status == InvoiceStatus.PARTIALLY_PAID and paid.paid_amount == Decimal("31990.00")
    assert dialog.amount.text() == "10,000.00"

    # money back to the client: a refund, and the invoice is due again
    def give_back() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QInputDialog):
            QTimer.singleShot(10, give_back)
            return
        editor = box.findChild(QLineEdit)
        assert editor.text() == "31,990.00"
        qtbot.keyClick(editor, Qt.Key.Key_Return)

    QTimer.singleShot(0, give_back)
    qtbot.mouseClick(dialog.refund_button, Qt.MouseButton.LeftButton)
    refunded = Invoice.get_by_id(invoice.id)
    assert refunded.status == InvoiceStatus.ISSUED and refunded.paid_amount == 0
    assert [p.amount for p in Payment.alive().order_by(Payment.created_at)] == [
        Decimal("31990.00"), Decimal("-31990.00")]
    assert dialog.model.index(1, 2).data() == "Refund"
    # now it can be cancelled
    invoices.cancel(invoice.id)
    dialog.reload()
    assert not dialog.refund_button.isEnabled() and not dialog.register_button.isEnabled()


def test_a_payment_more_than_due_is_refused_with_a_message(context, qtbot, invoice, answer):
    dialog = PaymentsDialog(context, invoice.id)
    qtbot.addWidget(dialog)
    dialog.show()
    _type(qtbot, dialog.amount, "50000")
    seen = answer("OK")
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert seen and "more than" in seen[0]
    assert Invoice.get_by_id(invoice.id).paid_amount == 0


def test_payments_in_russian(context, qtbot, qapp, invoice):
    install_language(qapp, "ru")
    try:
        dialog = PaymentsDialog(context, invoice.id)
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "Оплаты счёта № 1"
        assert dialog.amount.text().replace("\xa0", " ") == "41 990,00"
        assert dialog.register_button.text() == "Зарегистрировать оплату"
        dialog.date.setDate(dialog.date.date().addDays(0))
        qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
        assert Invoice.get_by_id(invoice.id).status == InvoiceStatus.PAID
        assert dialog.summary.text().startswith("Счёт № 1 — Оплачено.")
    finally:
        install_language(qapp, "en")
