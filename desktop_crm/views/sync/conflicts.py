"""The conflicts dialog: what was decided for each conflicting field, with Keep mine / Keep theirs."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import _
from desktop_crm.services import sync as sync_service


def _show(value: object) -> str:
    if value is None:
        return _("(empty)")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


KIND_TEXT = {
    "field": lambda: _("Changed at the same time"),
    "edit_of_deleted": lambda: _("Edited after someone deleted it"),
    "revived": lambda: _("Restored because a new record uses it"),
}


class ConflictsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflicts_dialog")
        self.setWindowTitle(_("Sync conflicts"))
        self.resize(760, 380)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("The kept value is already saved. Choose the other one to change it."), self))
        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("conflicts_table")
        self.table.setHorizontalHeaderLabels(
            [_("Record"), _("Field"), _("What happened"), _("Mine"), _("Theirs")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.keep_mine = QPushButton(_("Keep mine"), self)
        self.keep_mine.setObjectName("keep_mine")
        self.keep_theirs = QPushButton(_("Keep theirs"), self)
        self.keep_theirs.setObjectName("keep_theirs")
        self.keep_mine.clicked.connect(lambda: self.resolve("mine"))
        self.keep_theirs.clicked.connect(lambda: self.resolve("theirs"))
        buttons.addWidget(self.keep_mine)
        buttons.addWidget(self.keep_theirs)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.reload()

    def reload(self) -> None:
        self.conflicts = sync_service.list_conflicts()
        self.table.setRowCount(len(self.conflicts))
        for row, conflict in enumerate(self.conflicts):
            cells = [
                f"{conflict.table} {conflict.row_id[:8]}",
                conflict.field,
                KIND_TEXT.get(conflict.kind, lambda: conflict.kind)(),
                _show(conflict.mine),
                _show(conflict.theirs),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, conflict.id)
                self.table.setItem(row, column, item)
        if self.conflicts:
            self.table.selectRow(0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        selected = bool(self.table.selectionModel().selectedRows())
        self.keep_mine.setEnabled(selected)
        self.keep_theirs.setEnabled(selected)

    def resolve(self, keep: str) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        sync_service.resolve_conflict(self.conflicts[rows[0].row()].id, keep)
        self.reload()
