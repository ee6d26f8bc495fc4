"""File › Bank statements…: the imported statements, newest first, with how many lines each still
has to review; opening one shows its review window. Reloads through the change feed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.services.billing.statements import imports
from desktop_crm.views.cards.common import RowsModel
from desktop_crm.views.context import AppContext

_WATCHED = {"bank_line", "bank_statement", "invoices"}


class StatementsDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bank_statements")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(_("Bank statements"))
        self.context = context
        self.rows: list[imports.StatementSummary] = []
        layout = QVBoxLayout(self)
        self.message = QLabel(self)
        self.message.setObjectName("bank_statements_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.model = RowsModel([_("Imported"), _("File"), _("Bank account"), _("Company"), _("Period"),
                                _("To review"), _("Matched"), _("Already registered")], self)
        self.table = QTableView(self)
        self.table.setObjectName("bank_statements_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update())
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.import_button = QPushButton(_("Import…"), self)
        self.import_button.setObjectName("bank_statements_import")
        self.import_button.clicked.connect(self.import_file)
        self.open_button = QPushButton(_("Open"), self)
        self.open_button.setObjectName("bank_statements_open")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.open_selected)
        close = QPushButton(_("Close"), self)
        close.setObjectName("bank_statements_close")
        close.clicked.connect(self.close)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.resize(900, 380)
        context.signals.changed.connect(self._changed_elsewhere)
        self._listening = True
        self.reload()

    def reload(self) -> None:
        try:
            self.rows = imports.list_statements()
        except CrmError as error:
            self.rows = []
            self.message.setText(error.message)
        else:
            waiting = sum(row.to_review for row in self.rows)
            self.message.setText(_("No bank statement has been imported yet.") if not self.rows else
                                 _("Lines waiting for review: {count}.").format(count=waiting))
        self.model.set_rows([(str(row.id), [
            row.imported_text, row.file_name, row.account, row.own_company, row.period_text,
            str(row.to_review), str(row.matched), str(row.known)]) for row in self.rows])
        self.table.resizeColumnsToContents()
        if self.rows and not self.table.selectionModel().selectedRows():
            self.table.selectRow(0)
        self._update()

    def selected(self) -> imports.StatementSummary | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows and rows[0].row() < len(self.rows) else None

    def _update(self) -> None:
        self.open_button.setEnabled(self.selected() is not None)

    def open_selected(self) -> None:
        from desktop_crm.views.statements.review import open_statement_review

        row = self.selected()
        if row is not None:
            open_statement_review(self.context, row.id, self)

    def import_file(self) -> None:
        from desktop_crm.views.statements.importing import import_statement_file

        import_statement_file(self.context, self)

    def _changed_elsewhere(self, entity: str) -> None:
        if entity in _WATCHED:
            self.reload()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._listening:
            self._listening = False
            self.context.signals.changed.disconnect(self._changed_elsewhere)
        event.accept()

    def reject(self) -> None:
        self.close()


def open_statements(context: AppContext, parent: QWidget | None = None) -> StatementsDialog:
    dialog = StatementsDialog(context, parent)
    dialog.show()
    return dialog
