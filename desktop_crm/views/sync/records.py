"""What the conflicts and refused-changes dialogs share: a table of records, actions on the selected
rows, Close; and how a synced value is shown."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

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


def show_value(value: object) -> str:
    if value is None:
        return _("(empty)")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class RecordsDialog(QDialog):
    """``intro`` above a table with ``headers``; the action buttons act on the selected rows."""

    def __init__(self, name: str, title: str, intro: str, headers: Sequence[str],
                 multi_select: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}_dialog")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        label = QLabel(intro, self)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.table = QTableWidget(0, len(headers), self)
        self.table.setObjectName(f"{name}_table")
        self.table.setHorizontalHeaderLabels(list(headers))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if multi_select
                                    else QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table, 1)
        self._buttons = QHBoxLayout()
        self._actions: list[QPushButton] = []
        self._buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        self._buttons.addWidget(close)
        layout.addLayout(self._buttons)
        self.table.itemSelectionChanged.connect(self._update_buttons)

    def add_action(self, name: str, text: str, slot: Any, tooltip: str = "") -> QPushButton:
        """A button left of Close, enabled while rows are selected."""
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setToolTip(tooltip)
        button.clicked.connect(slot)
        self._buttons.insertWidget(len(self._actions), button)
        self._actions.append(button)
        return button

    def set_rows(self, rows: Sequence[tuple[Any, Sequence[str]]],
                 tooltips: dict[int, Sequence[str]] | None = None) -> None:
        """One table row per ``(key, cells)``; ``tooltips[column]`` gives that column's per row."""
        self.table.setRowCount(len(rows))
        for row, (key, cells) in enumerate(rows):
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, key)
                if tooltips and column in tooltips:
                    item.setToolTip(tooltips[column][row])
                self.table.setItem(row, column, item)
        if rows:
            self.table.selectRow(0)
        self._update_buttons()

    def selected_rows(self) -> list[int]:
        return sorted(index.row() for index in self.table.selectionModel().selectedRows())

    def _update_buttons(self) -> None:
        selected = bool(self.table.selectionModel().selectedRows())
        for button in self._actions:
            button.setEnabled(selected)
