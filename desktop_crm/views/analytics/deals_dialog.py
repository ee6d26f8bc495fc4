"""The deals behind a figure of a report: a list loaded in the background; double-click (or Enter)
opens a deal's card."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import _, ngettext
from desktop_crm.i18n.formatting import format_date, format_money
from desktop_crm.services.reporting import analytics
from desktop_crm.services.reporting.analytics import DealFilter, DealPage
from desktop_crm.workers import Progress, run_in_background

PAGE_SIZE = 500


class DealsDialog(QDialog):
    def __init__(self, context: Any, deal_filter: DealFilter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("analytics_deals")
        self.context = context
        self.deal_filter = deal_filter
        self.page: DealPage | None = None
        self.setWindowTitle(deal_filter.label or _("Deals"))
        self.resize(820, 480)
        self.caption = QLabel(_("Loading…"))
        self.caption.setWordWrap(True)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(
            [_("Deal"), _("Stage"), _("Responsible"), _("Amount"), _("Created"), _("Closed")]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 6):
            self.table.horizontalHeader().setSectionResizeMode(
                column, QHeaderView.ResizeMode.ResizeToContents
            )
        self.table.activated.connect(lambda index: self.open_deal(index.row()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self._load()

    def _load(self) -> None:
        deal_filter = self.deal_filter

        def work(_progress: Progress) -> DealPage:
            return analytics.deal_page(deal_filter, PAGE_SIZE)

        run_in_background(work, on_result=self._show, name="analytics.deals")

    def _show(self, page: DealPage) -> None:
        self.page = page
        shown = len(page.rows)
        if shown < page.total:
            text = _("{label}: showing the newest {shown} of {total} deals.").format(
                label=self.deal_filter.label, shown=shown, total=page.total
            )
        else:
            text = ngettext("{label}: {total} deal.", "{label}: {total} deals.", page.total).format(
                label=self.deal_filter.label, total=page.total
            )
        self.caption.setText(text)
        self.table.setRowCount(shown)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, deal in enumerate(page.rows):
            values = [
                deal.title,
                deal.stage,
                deal.responsible,
                format_money(deal.amount, deal.currency),
                format_date(deal.created_at.date()),
                format_date(deal.closed_at.date()) if deal.closed_at else "",
            ]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == 3:
                    item.setTextAlignment(right)
                self.table.setItem(row, column, item)

    def open_deal(self, row: int) -> None:
        if self.page is None or not 0 <= row < len(self.page.rows) or self.context is None:
            return
        self.context.open_record("deals", str(self.page.rows[row].id), self)
