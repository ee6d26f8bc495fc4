"""A read-only Qt model over one analytics table (``services.analytics.ReportTable``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop_crm.i18n import _
from desktop_crm.services.reporting.analytics import DealFilter, ReportTable
from desktop_crm.services.reporting.report_export import format_cell, is_numeric

Index = QModelIndex | QPersistentModelIndex


class ReportTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._table: ReportTable | None = None

    @property
    def table(self) -> ReportTable | None:
        return self._table

    def set_table(self, table: ReportTable | None) -> None:
        self.beginResetModel()
        self._table = table
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() or self._table is None:
            return 0
        return len(self._table.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() or self._table is None:
            return 0
        return len(self._table.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._table is None or not index.isValid():
            return None
        column = self._table.columns[index.column()]
        row = self._table.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return format_cell(column, row.cells[index.column()])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if is_numeric(column):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            deal_filter = row.filter_at(index.column())
            if deal_filter is not None:
                return _("Click to open the deals: {what}").format(what=deal_filter.label)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self._table is None or orientation != Qt.Orientation.Horizontal:
            return None
        column = self._table.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.TextAlignmentRole:  # headings wrap within their column
            return int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap)
        return None

    def is_numeric(self, column: int) -> bool:
        return self._table is not None and is_numeric(self._table.columns[column])

    def filter_at(self, index: Index) -> DealFilter | None:
        if self._table is None or not index.isValid():
            return None
        return self._table.rows[index.row()].filter_at(index.column())
