"""The History tab of a card: every change of the record's fields, newest first.

Each moment (what one person saved in one action) is a row with the time, the person and the
computer; under it, each field with its old and new value. A filter shows one field's changes; a
long history comes a window at a time ("Show older changes"). Nothing here edits: history is
read-only for everybody. The tab reloads when the record or its history changes (here, in another
window, another user, a sync), and only while it is shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_datetime
from desktop_crm.services.system import history
from desktop_crm.services.system.history import HistoryMoment, HistoryPage
from desktop_crm.views.common.empty_state import EmptyState
from desktop_crm.views.context import AppContext
from desktop_crm.views.deals.card_widgets import local_time

#: the change-feed key of the history table (written with every recorded change)
_HISTORY_KEY = "field_change"


def may_show_history() -> bool:
    """Whether the signed-in user's cards get a History tab."""
    return history.may_see_history()


class HistoryPanel(QWidget):
    """The changes of one record (``entity``: its table, e.g. ``deal``; ``feed_key``: the key the
    change feed names it by, e.g. ``deals``), read-only."""

    def __init__(self, context: AppContext, entity: str, feed_key: str, record_id: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("history_panel")
        self.context = context
        self.entity = entity
        self.feed_keys = {_HISTORY_KEY, feed_key}
        self.record_id = record_id
        self.loaded = 0  # changes shown so far (the window grows with "Show older changes")
        self.stale = True
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.filter_label = QLabel(_("Field:"), self)
        self.field_filter = QComboBox(self)
        self.field_filter.setObjectName("history_field_filter")
        self.field_filter.setMinimumContentsLength(24)
        self.field_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.filter_label.setBuddy(self.field_filter)
        self.field_filter.currentIndexChanged.connect(self._filter_changed)
        self.summary = QLabel(self)
        self.summary.setObjectName("history_summary")
        row.addWidget(self.filter_label)
        row.addWidget(self.field_filter)
        row.addStretch(1)
        row.addWidget(self.summary)
        layout.addLayout(row)
        self.stack = QStackedWidget(self)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("history_tree")
        self.tree.setAccessibleName(_("History of changes"))
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels([_("Field"), _("Was"), _("Became")])
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setUniformRowHeights(True)
        self.tree.setWordWrap(False)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 260)
        header.resizeSection(1, 220)
        self.empty = EmptyState("history", _("No changes yet"),
                                _("Changes of this record's fields will appear here."), self)
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.more_button = QPushButton(_("Show older changes"), self)
        self.more_button.setObjectName("history_more")
        self.more_button.clicked.connect(self.load_more)
        layout.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        context.signals.changed.connect(self._changed_elsewhere)

    # --- loading -------------------------------------------------------------------------------
    def set_record(self, record_id: str) -> None:
        """The card's record was just created: show its history from now on."""
        self.record_id = record_id
        self.stale = True
        if self.isVisible():
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stale:
            self.reload()

    def _changed_elsewhere(self, entity: str) -> None:
        if entity in self.feed_keys:
            self.stale = True
            if self.isVisible():
                self.reload()

    def _filter_changed(self) -> None:
        if not getattr(self, "_filling", False):
            self.loaded = 0
            self.reload()

    def _field(self) -> str:
        value = self.field_filter.currentData()
        return str(value) if value else ""

    def reload(self) -> None:
        """Read the shown window again (at least one page), from the newest change."""
        self.stale = False
        if not self.record_id:
            self._show_page(None)
            return
        try:
            page = history.record_history(self.entity, self.record_id, self._field(), 0,
                                          max(self.loaded, history.PAGE_SIZE))
        except CrmError as error:
            self._show_failure(error)
            return
        self.tree.clear()
        self._show_page(page)

    def load_more(self) -> None:
        """Append the next window of older changes."""
        if not self.record_id:
            return
        try:
            page = history.record_history(self.entity, self.record_id, self._field(), self.loaded,
                                          history.PAGE_SIZE)
        except CrmError as error:
            self._show_failure(error)
            return
        self._show_page(page)

    # --- showing -------------------------------------------------------------------------------
    def _show_failure(self, error: CrmError) -> None:
        self.message.setText(str(error))
        self.message.show()
        self.more_button.hide()

    def _show_page(self, page: HistoryPage | None) -> None:
        self.message.hide()
        if page is None:
            self.stack.setCurrentWidget(self.empty)
            self.more_button.hide()
            self.summary.clear()
            return
        self._fill_filter(page)
        for moment in page.moments:
            self._add_moment(moment)
        self.loaded = page.offset + page.shown
        self.tree.expandAll()
        self.stack.setCurrentWidget(self.tree if self.tree.topLevelItemCount() else self.empty)
        self.more_button.setVisible(page.has_more)
        self.summary.setText(_("{shown} of {total} changes").format(shown=self.loaded, total=page.total)
                             if page.total else "")

    def _fill_filter(self, page: HistoryPage) -> None:
        current = self._field()
        self._filling = True
        try:
            self.field_filter.clear()
            self.field_filter.addItem(_("All fields"), "")
            for key, label in page.fields:
                self.field_filter.addItem(label, key)
            index = self.field_filter.findData(current) if current else 0
            self.field_filter.setCurrentIndex(max(index, 0))
        finally:
            self._filling = False

    def _add_moment(self, moment: HistoryMoment) -> None:
        last = self.tree.topLevelItem(self.tree.topLevelItemCount() - 1)
        if last is not None and last.data(0, Qt.ItemDataRole.UserRole) == str(moment.action_id):
            parent = last  # the same action continues from the previous window
        else:
            parent = QTreeWidgetItem(self.tree, [self._moment_text(moment)])
            parent.setData(0, Qt.ItemDataRole.UserRole, str(moment.action_id))
            parent.setFirstColumnSpanned(True)
            font = QFont(self.tree.font())
            font.setWeight(QFont.Weight.DemiBold)
            parent.setFont(0, font)
        for entry in moment.entries:
            item = QTreeWidgetItem(parent, [entry.label, entry.old_text, entry.new_text])
            for column, text in ((1, entry.old_text), (2, entry.new_text)):
                item.setToolTip(column, text)

    @staticmethod
    def _moment_text(moment: HistoryMoment) -> str:
        parts = [format_datetime(local_time(moment.at)), moment.user_name or _("unknown user")]
        if moment.device_name:
            parts.append(_("on {device}").format(device=moment.device_name))
        return " · ".join(parts)


def add_history_tab(card: QWidget, context: AppContext, tabs: QTabWidget, entity: str,
                    feed_key: str, record_id: str | None) -> HistoryPanel | None:
    """Add the History tab to a card's ``tabs`` (last; none when the user may not see history).
    The card's ``saved`` signal gives a new record's id to the tab."""
    if not may_show_history():
        return None
    panel = HistoryPanel(context, entity, feed_key, record_id, tabs)
    index = tabs.addTab(panel, _("History"))
    tabs.setTabEnabled(index, bool(record_id))

    def saved(saved_id: str) -> None:
        if saved_id and panel.record_id != saved_id:
            panel.set_record(saved_id)
        tabs.setTabEnabled(tabs.indexOf(panel), bool(saved_id))

    card.saved.connect(saved)  # type: ignore[attr-defined]
    return panel
