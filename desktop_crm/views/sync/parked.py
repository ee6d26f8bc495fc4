"""Refused changes: what the server refused for good, why, and what to do (send again / discard).

The server refuses a change for good when a rule or a permission forbids it (an issued invoice, a
number out of series, a record no longer visible to this user). Such changes are kept aside in the
replica (``_outbox_parked``), never dropped silently: this dialog lists them with the reason and lets
the user send them again (after fixing the cause) or discard them (after a confirmation); a
discarded change makes the record show the server's values again at the next sync.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import _, ngettext
from desktop_crm.services import sync as sync_service
from desktop_crm.views.common.dialogs import confirm


def change_text(change: sync_service.ParkedChange) -> str:
    """``field: value`` pairs of the refused change (a new record says so first)."""
    parts = []
    for name, value in sorted(change.fields.items()):
        if value is None:
            shown = _("(empty)")
        elif isinstance(value, (dict, list)):
            shown = json.dumps(value, ensure_ascii=False)
        else:
            shown = str(value)
        parts.append(f"{name}: {shown[:40]}")
    text = "; ".join(parts[:6]) + ("; …" if len(parts) > 6 else "")
    return _("New record: {fields}").format(fields=text) if change.op == "I" else text


class ParkedChangesDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("parked_dialog")
        self.setWindowTitle(_("Refused changes"))
        self.resize(860, 380)
        layout = QVBoxLayout(self)
        intro = QLabel(
            _("The server refused these changes of yours. They are kept here and shown in your "
              "records until you send them again or discard them."),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("parked_table")
        self.table.setHorizontalHeaderLabels([_("Record"), _("Change"), _("Reason"), _("Refused at")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(1, 240)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.retry_button = QPushButton(_("Send again"), self)
        self.retry_button.setObjectName("parked_retry")
        self.retry_button.setToolTip(_("Send the selected changes at the next sync (after fixing the cause)."))
        self.discard_button = QPushButton(_("Discard my change…"), self)
        self.discard_button.setObjectName("parked_discard")
        self.retry_button.clicked.connect(self.retry)
        self.discard_button.clicked.connect(self.discard)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.reload()

    def reload(self) -> None:
        self.changes = sync_service.list_parked()
        self.table.setRowCount(len(self.changes))
        for row, change in enumerate(self.changes):
            cells = [
                f"{change.table} {change.row_id[:8]}",
                change_text(change),
                change.reason,
                change.parked_at,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, change.seq)
                if column == 2:
                    item.setToolTip(change.error)  # the server's own words, for support
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        if self.changes:
            self.table.selectRow(0)
        self._update_buttons()

    def selected_seqs(self) -> list[int]:
        return [self.changes[index.row()].seq for index in self.table.selectionModel().selectedRows()]

    def _update_buttons(self) -> None:
        selected = bool(self.table.selectionModel().selectedRows())
        self.retry_button.setEnabled(selected)
        self.discard_button.setEnabled(selected)

    def retry(self) -> None:
        seqs = self.selected_seqs()
        if seqs:
            sync_service.retry_parked(seqs)
            self.reload()

    def discard(self) -> None:
        seqs = self.selected_seqs()
        if not seqs:
            return
        seqs = sync_service.parked_action(seqs)  # a refused action goes as a whole
        text = ngettext(
            "Discard {n} refused change? Your record will show the server's values again after "
            "the next sync. This cannot be undone.",
            "Discard {n} refused changes? Your records will show the server's values again after "
            "the next sync. This cannot be undone.",
            len(seqs),
        ).format(n=len(seqs))
        if confirm(self, _("Discard refused changes"), text, _("Discard")):
            sync_service.discard_parked(seqs)
            self.reload()
