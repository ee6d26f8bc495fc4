"""The statement review window: every incoming line of an imported statement, with what became of
it and the invoice it paid; "Match to invoice…" and "Ignore" for the lines waiting for review.

It reloads when payments, invoices or statement lines change anywhere (the change feed)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QCloseEvent, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import N_, _, ngettext
from desktop_crm.ids import BankStatementId
from desktop_crm.models.enums import BankLineStatus
from desktop_crm.services.billing.statements import imports
from desktop_crm.views.cards.common import RowsModel
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.context import AppContext

Index = QModelIndex | QPersistentModelIndex
_WATCHED = {"invoices", "bank_line", "bank_statement", "deals"}
# a tint per status, mixed into the palette's base colour so a dark palette stays readable
_TINTS = {
    BankLineStatus.MATCHED: QColor(46, 160, 67),
    BankLineStatus.UNMATCHED: QColor(230, 150, 20),
    BankLineStatus.KNOWN: QColor(90, 120, 200),
}


class StatementLinesModel(RowsModel):
    """The statement's lines; each row tinted by its status."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([_("Status"), _("Date"), _("No."), _("Payer"), _("Amount"), _("Invoice"),
                          _("Purpose"), _("Note")], parent)
        self.statuses: list[BankLineStatus] = []
        self.base = QColor(255, 255, 255)

    def set_lines(self, lines: list[imports.BankLineView]) -> None:
        self.statuses = [line.status for line in lines]
        self.set_rows([(str(line.id), [
            line.status_text, line.date_text, line.number, _payer(line), line.amount_text,
            line.invoice_text, line.purpose, _note(line)]) for line in lines])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role == Qt.ItemDataRole.BackgroundRole:
            tint = _TINTS.get(self.statuses[index.row()])
            if tint is None:
                return None
            mixed = QColor(
                (self.base.red() * 5 + tint.red()) // 6, (self.base.green() * 5 + tint.green()) // 6,
                (self.base.blue() * 5 + tint.blue()) // 6)
            return QBrush(mixed)
        if index.isValid() and role == Qt.ItemDataRole.ToolTipRole:  # the whole of a cut text
            return super().data(index, Qt.ItemDataRole.DisplayRole) or None
        if index.isValid() and role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)


def _payer(line: imports.BankLineView) -> str:
    return f"{line.payer} ({line.payer_tax_id})" if line.payer_tax_id else line.payer


def _note(line: imports.BankLineView) -> str:
    if line.status == BankLineStatus.MATCHED and line.overpaid:
        from desktop_crm.i18n.formatting import format_money

        return _("Overpaid by {amount}").format(amount=format_money(line.overpaid, line.currency))
    if line.status == BankLineStatus.MATCHED and line.paid is not None and line.invoice_id:
        return ""
    return line.reason_text


_FILTERS = (
    ("", N_("All lines")),
    (BankLineStatus.UNMATCHED.value, N_("To review")),
    (BankLineStatus.MATCHED.value, N_("Matched")),
    (BankLineStatus.KNOWN.value, N_("Already registered")),
    (BankLineStatus.IGNORED.value, N_("Ignored")),
)


class StatementReviewWindow(QDialog):
    def __init__(self, context: AppContext, statement_id: BankStatementId,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statement_review")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.context = context
        self.statement_id = statement_id
        self.review: imports.StatementReview | None = None
        self.shown: list[imports.BankLineView] = []
        layout = QVBoxLayout(self)
        self.heading = QLabel(self)
        self.heading.setObjectName("statement_heading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.heading)
        self.summary = QLabel(self)
        self.summary.setObjectName("statement_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        bar = QHBoxLayout()
        show_label = QLabel(_("Show:"), self)
        self.filter = QComboBox(self)
        self.filter.setObjectName("statement_filter")
        for value, title in _FILTERS:
            self.filter.addItem(_(title), value)
        show_label.setBuddy(self.filter)
        self.filter.currentIndexChanged.connect(lambda _i: self.show_lines())
        bar.addWidget(show_label)
        bar.addWidget(self.filter)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.model = StatementLinesModel(self)
        self.model.base = self.palette().color(QPalette.ColorRole.Base)
        self.table = QTableView(self)
        self.table.setObjectName("statement_lines")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.update_buttons())
        self.table.doubleClicked.connect(lambda _index: self.open_invoice())
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.match_button = QPushButton(_("Match to invoice…"), self)
        self.match_button.setObjectName("statement_match")
        self.match_button.setToolTip(_("Register this payment on an issued invoice you choose."))
        self.match_button.clicked.connect(self.match_selected)
        self.ignore_button = QPushButton(_("Ignore"), self)
        self.ignore_button.setObjectName("statement_ignore")
        self.ignore_button.setToolTip(_("Not an invoice's payment: take it off the review list."))
        self.ignore_button.clicked.connect(self.ignore_selected)
        self.invoice_button = QPushButton(_("Open invoice"), self)
        self.invoice_button.setObjectName("statement_open_invoice")
        self.invoice_button.clicked.connect(self.open_invoice)
        close = QPushButton(_("Close"), self)
        close.setObjectName("statement_close")
        close.clicked.connect(self.close)
        for button in (self.match_button, self.ignore_button, self.invoice_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.resize(1100, 560)
        context.signals.changed.connect(self._changed_elsewhere)
        self._listening = True
        self.reload()

    # --- data -------------------------------------------------------------------------------------
    def reload(self) -> None:
        try:
            self.review = review = imports.statement_review(self.statement_id)
        except CrmError as error:
            self.heading.setText(error.message)
            self.review = None
            self.shown = []
            self.model.set_lines([])
            self.update_buttons()
            return
        self.setWindowTitle(_("Bank statement {name}").format(name=review.file_name or review.account))
        parts = [_("Account {account}").format(account=review.account)]
        if review.own_company:
            parts.append(review.own_company)
        if review.period_text:
            parts.append(review.period_text)
        self.heading.setText(" · ".join(parts))
        self.summary.setText(self._summary(review))
        self.show_lines()

    def _summary(self, review: imports.StatementReview) -> str:
        counts = [
            ngettext("{n} payment matched", "{n} payments matched", len(review.matched)),
            ngettext("{n} to review", "{n} to review", len(review.unmatched)),
            ngettext("{n} already registered", "{n} already registered", len(review.known)),
        ]
        numbers = [len(review.matched), len(review.unmatched), len(review.known)]
        text = ", ".join(c.format(n=n) for c, n in zip(counts, numbers, strict=True))
        if review.ignored:
            text += ", " + ngettext("{n} ignored", "{n} ignored", len(review.ignored)).format(
                n=len(review.ignored))
        if review.outgoing:
            text += ". " + ngettext("{n} outgoing payment skipped", "{n} outgoing payments skipped",
                                    review.outgoing).format(n=review.outgoing)
        return text + "."

    def show_lines(self) -> None:
        wanted = self.filter.currentData() or ""
        selected = self.selected()
        lines = self.review.lines if self.review else []
        self.shown = [line for line in lines if not wanted or line.status == wanted]
        self.model.set_lines(self.shown)
        self.table.resizeColumnsToContents()
        for column, width in ((2, 150), (3, 280), (5, 220), (6, 320)):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), width))
        if selected is not None:
            for row, line in enumerate(self.shown):
                if line.id == selected.id:
                    self.table.selectRow(row)
        self.update_buttons()

    def selected(self) -> imports.BankLineView | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.shown[rows[0].row()] if rows and rows[0].row() < len(self.shown) else None

    def update_buttons(self) -> None:
        line = self.selected()
        self.match_button.setEnabled(line is not None and line.can_match)
        self.ignore_button.setEnabled(line is not None and line.status == BankLineStatus.UNMATCHED)
        self.invoice_button.setEnabled(line is not None and line.invoice_id is not None)

    def _changed_elsewhere(self, entity: str) -> None:
        if entity in _WATCHED:
            self.reload()

    # --- actions ----------------------------------------------------------------------------------
    def match_selected(self) -> None:
        from desktop_crm.views.statements.match_dialog import InvoiceMatchDialog

        line = self.selected()
        if line is None or not line.can_match:
            return
        dialog = InvoiceMatchDialog(line, self)
        dialog.chosen.connect(lambda invoice_id: self._match(line, invoice_id))
        dialog.open()

    def _match(self, line: imports.BankLineView, invoice_id: Any) -> None:
        try:
            imports.match_line(line.id, invoice_id, self.context.user.id)
        except CrmError as error:
            show_error(self, error.message)
            return
        self._done()

    def ignore_selected(self) -> None:
        line = self.selected()
        if line is None:
            return
        try:
            imports.ignore_line(line.id, self.context.user.id)
        except CrmError as error:
            show_error(self, error.message)
            return
        self._done()

    def open_invoice(self) -> None:
        line = self.selected()
        if line is not None and line.invoice_id is not None:
            self.context.open_record("invoices", line.invoice_id, self)

    def _done(self) -> None:
        self.reload()
        self.context.notify_changed("invoices")
        self.context.notify_changed("deals")

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._listening:
            self._listening = False
            self.context.signals.changed.disconnect(self._changed_elsewhere)
        event.accept()

    def reject(self) -> None:  # Escape: one path through closeEvent
        self.close()


def open_statement_review(context: AppContext, statement_id: BankStatementId,
                          parent: QWidget | None = None) -> StatementReviewWindow:
    window = StatementReviewWindow(context, statement_id, parent)
    window.show()
    return window
