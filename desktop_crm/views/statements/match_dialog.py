"""Match a statement line to an invoice by hand: the issued, not fully paid invoices of the
statement's company (the line's own invoice and the payer's first), searched by number or buyer."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.ids import DocumentId
from desktop_crm.services.billing.statements import imports


class InvoiceMatchDialog(QDialog):
    chosen = Signal(object)  # the DocumentId of the invoice picked

    def __init__(self, line: imports.BankLineView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statement_match_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(_("Match to invoice"))
        self.line = line
        layout = QVBoxLayout(self)
        about = QLabel(_("Payment {number} of {date}: {amount} from {payer}\n“{purpose}”").format(
            number=line.number or "—", date=line.date_text, amount=line.amount_text,
            payer=line.payer or "—", purpose=line.purpose), self)
        about.setObjectName("statement_match_line")
        about.setWordWrap(True)
        about.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(about)
        self.search = QLineEdit(self)
        self.search.setObjectName("statement_match_search")
        self.search.setPlaceholderText(_("Invoice number or buyer"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self.reload())
        search_label = QLabel(_("Find:"), self)
        search_label.setBuddy(self.search)
        layout.addWidget(search_label)
        layout.addWidget(self.search)
        self.list = QListWidget(self)
        self.list.setObjectName("statement_match_invoices")
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.list.currentRowChanged.connect(lambda _row: self._update())
        layout.addWidget(self.list, 1)
        self.empty = QLabel(_("No issued unpaid invoice fits."), self)
        self.empty.setObjectName("statement_match_empty")
        layout.addWidget(self.empty)
        self.buttons = QDialogButtonBox(self)
        self.ok = self.buttons.addButton(_("Match"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("statement_match_ok")
        cancel = self.buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("statement_match_cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(560, 420)
        self.reload()

    def reload(self) -> None:
        try:
            choices = imports.unpaid_invoices(self.line.id, self.search.text())
        except CrmError as error:
            self.empty.setText(error.message)
            choices = []
        self.list.clear()
        for choice in choices:
            item = QListWidgetItem(choice.text, self.list)
            item.setData(Qt.ItemDataRole.UserRole, choice.id)
        if choices:
            self.list.setCurrentRow(0)
        self.empty.setVisible(not choices)
        self._update()

    def current(self) -> DocumentId | None:
        item = self.list.currentItem()
        if item is None:
            return None
        invoice_id: DocumentId = item.data(Qt.ItemDataRole.UserRole)
        return invoice_id

    def _update(self) -> None:
        self.ok.setEnabled(self.current() is not None)

    def accept(self) -> None:
        invoice_id = self.current()
        if invoice_id is None:
            return
        super().accept()
        self.chosen.emit(invoice_id)
