"""The payments of an invoice: the list, the total, paid and balance, a new payment suggested at the
balance still due, and deleting a mistaken payment or refunding money (``services.billing.payments``).

Opened from the invoice's row in a deal's Invoices tab (Payments…) and from the Invoices list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_amount
from desktop_crm.ids import DocumentId
from desktop_crm.services.billing import payments
from desktop_crm.services.billing.screens import status_text
from desktop_crm.views.cards.common import RowsModel
from desktop_crm.views.common.dialogs import confirm, show_error
from desktop_crm.views.context import AppContext


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class PaymentsDialog(QDialog):
    def __init__(self, context: AppContext, invoice_id: DocumentId, parent: QWidget | None = None,
                 on_changed: Callable[[], object] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("payments_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.context = context
        self.invoice_id = invoice_id
        self.on_changed = on_changed
        self.data: payments.InvoicePayments | None = None
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("payments_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = RowsModel([_("Date"), _("Amount"), _("Note")], self)
        self.table = QTableView(self)
        self.table.setObjectName("payments_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.update_buttons())
        layout.addWidget(self.table, 1)
        row_buttons = QHBoxLayout()
        self.delete_button = QPushButton(_("Delete payment…"), self)
        self.delete_button.setObjectName("payments_delete")
        self.delete_button.setToolTip(_("For a payment registered by mistake."))
        self.delete_button.clicked.connect(self.delete_selected)
        self.refund_button = QPushButton(_("Refund…"), self)
        self.refund_button.setObjectName("payments_refund")
        self.refund_button.setToolTip(_("Money given back to the client."))
        self.refund_button.clicked.connect(self.refund)
        row_buttons.addWidget(self.delete_button)
        row_buttons.addWidget(self.refund_button)
        row_buttons.addStretch(1)
        layout.addLayout(row_buttons)
        form = QFormLayout()
        self.amount = QLineEdit(self)
        self.amount.setObjectName("payments_amount")
        form.addRow(_("Amount:"), self.amount)
        self.date = QDateEdit(QDate.currentDate(), self)
        self.date.setObjectName("payments_date")
        self.date.setCalendarPopup(True)
        form.addRow(_("Paid on:"), self.date)
        self.note = QLineEdit(self)
        self.note.setObjectName("payments_note")
        self.note.setPlaceholderText(_("e.g. bank transfer, order n. 123"))
        form.addRow(_("Note:"), self.note)
        layout.addLayout(form)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.register_button = QPushButton(_("Register payment"), self)
        self.register_button.setObjectName("payments_register")
        self.register_button.setDefault(True)
        self.register_button.clicked.connect(self.register)
        close = QPushButton(_("Close"), self)
        close.setObjectName("payments_close")
        close.clicked.connect(self.accept)
        bottom.addWidget(self.register_button)
        bottom.addWidget(close)
        layout.addLayout(bottom)
        self.resize(640, 480)
        self.reload()

    def reload(self) -> None:
        self.data = data = payments.invoice_payments(self.invoice_id)
        self.setWindowTitle(_("Payments of invoice {number}").format(number=data.number))
        self.summary.setText(_("Invoice {number} — {status}. Total {total}, paid {paid}, still due "
                               "{balance}.").format(number=data.number,
                                                     status=status_text("invoice", data.status),
                                                     total=data.total_text, paid=data.paid_text,
                                                     balance=data.balance_text))
        self.model.set_rows([
            (str(row.id), [row.date_text, row.amount_text, row.note]) for row in data.payments])
        self.table.resizeColumnsToContents()
        self.amount.setText(format_amount(data.balance) if data.can_register else "")
        for widget in (self.amount, self.date, self.note, self.register_button):
            widget.setEnabled(data.can_register)
        self.update_buttons()

    def selected(self) -> payments.PaymentRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.data.payments[rows[0].row()] if rows and self.data else None

    def update_buttons(self) -> None:
        open_invoice = bool(self.data and self.data.status != "cancelled")
        self.delete_button.setEnabled(open_invoice and self.selected() is not None)
        self.refund_button.setEnabled(open_invoice and bool(self.data and self.data.paid > 0))

    def _done(self) -> None:
        self.reload()
        self.context.notify_changed("invoices")
        if self.on_changed is not None:
            self.on_changed()

    def register(self) -> None:
        from desktop_crm.views.documents.editor import parse_number

        try:
            amount = parse_number(self.amount.text())
            payments.register(self.invoice_id, amount, _pydate(self.date.date()),
                              self.context.user.id, self.note.text())
        except (CrmError, ValueError, ArithmeticError) as error:
            show_error(self, getattr(error, "message", None) or
                       _("“{value}” is not an amount.").format(value=self.amount.text()))
            return
        self.note.clear()
        self._done()

    def delete_selected(self) -> None:
        row = self.selected()
        if row is None or not confirm(
                self, _("Delete payment"),
                _("Delete the payment of {amount} of {date}?").format(amount=row.amount_text,
                                                                      date=row.date_text),
                _("Delete")):
            return
        try:
            payments.delete_payment(row.id, self.context.user.id)
        except CrmError as error:
            show_error(self, error.message)
            return
        self._done()

    def refund(self) -> None:
        if self.data is None:
            return
        text, ok = QInputDialog.getText(self, _("Refund"), _("Amount to give back:"),
                                        text=format_amount(self.data.paid))
        if not ok:
            return
        from desktop_crm.views.documents.editor import parse_number

        try:
            payments.refund(self.invoice_id, parse_number(text), dt.date.today(),
                            self.context.user.id)
        except (CrmError, ValueError, ArithmeticError) as error:
            show_error(self, getattr(error, "message", None) or
                       _("“{value}” is not an amount.").format(value=text))
            return
        self._done()


def open_payments(context: AppContext, invoice_id: DocumentId, parent: QWidget | None,
                  on_changed: Callable[[], object] | None = None) -> PaymentsDialog:
    dialog = PaymentsDialog(context, invoice_id, parent, on_changed)
    dialog.open()
    return dialog


def open_payments_of_selected(context: AppContext, parent: QWidget | None,
                              ids: list[str]) -> PaymentsDialog | None:
    """The Invoices list's action on one selected invoice."""
    from desktop_crm.ids import as_uuid

    if len(ids) != 1:
        return None
    try:
        return open_payments(context, DocumentId(as_uuid(ids[0])), parent)
    except CrmError as error:
        show_error(parent, error.message)
        return None
