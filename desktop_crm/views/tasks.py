"""The Tasks section's "My tasks" view and the notifications list.

Left: my planned tasks grouped as Overdue, Today and Upcoming (the desktop's time zone decides
where today ends). Right: the selected task — open the record it belongs to, complete it with a
comment (rule 3's detailed-comment hint shows while typing; Ctrl+Enter completes), or reschedule it
(+1 day, next Monday, or any date and time). Below: my notifications with the unread count; a
double-click opens the linked record and marks it read.

A task opened from the task list (the "List" view) opens the same panel in a dialog.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError
from desktop_crm.i18n import N_, _, ngettext
from desktop_crm.ids import ActivityId
from desktop_crm.models.enums import Scope
from desktop_crm.services.sales import tasks
from desktop_crm.services.system import rights, session
from desktop_crm.views.cards.common import HINT_STYLE, OK_STYLE, local_datetime
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.context import AppContext

Index = QModelIndex | QPersistentModelIndex
GROUPS = (("overdue", N_("Overdue")), ("today", N_("Today")), ("upcoming", N_("Upcoming")))
#: What a task's or a notification's link is called, by the entity it points at.
ENTITY_NAMES: dict[str, str] = {
    Entity.DEALS: N_("Deal"), Entity.LEADS: N_("Lead"), Entity.CONTACTS: N_("Contact"),
    Entity.COMPANIES: N_("Company"),
}


class TaskTreeModel(QAbstractItemModel):
    """Two levels: the three groups, then their tasks (a few hundred at most)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.groups: list[tuple[str, list[tasks.TaskItem]]] = [(key, []) for key, _t in GROUPS]

    def set_buckets(self, buckets: tasks.TaskBuckets) -> None:
        self.beginResetModel()
        self.groups = [("overdue", buckets.overdue), ("today", buckets.today),
                       ("upcoming", buckets.upcoming)]
        self.endResetModel()

    # internalId: 0 for a group row, group number + 1 for a task row
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(int(index.internalId()) - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self.groups)
        if parent.column() != 0 or parent.internalId() != 0:
            return 0
        return len(self.groups[parent.row()][1])

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 3

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return (_("Task"), _("Due"), _("Belongs to"))[section]
        return None

    def task(self, index: Index) -> tasks.TaskItem | None:
        if not index.isValid() or index.internalId() == 0:
            return None
        group = self.groups[int(index.internalId()) - 1][1]
        return group[index.row()] if 0 <= index.row() < len(group) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            key, items = self.groups[index.row()]
            if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
                title = _(dict(GROUPS)[key])
                return f"{title} ({len(items)})"
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.ForegroundRole and key == "overdue" and items:
                return QColor("#c0392b")
            return None
        item = self.task(index)
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return item.subject
            if index.column() == 1:
                return local_datetime(item.due_at)
            if item.link_entity:
                return f"{_(ENTITY_NAMES.get(item.link_entity, ''))}: {item.link_title}"
            return ""
        if role == Qt.ItemDataRole.ForegroundRole and item.overdue:
            return QColor("#c0392b")
        if role == Qt.ItemDataRole.UserRole:
            return item.id
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId() == 0:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class TaskPanel(QWidget):
    """One task: its record, Complete with a comment, Reschedule."""

    done = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("task_panel")
        self.context = context
        self.item: tasks.TaskItem | None = None
        layout = QVBoxLayout(self)
        self.subject = QLabel(self)
        self.subject.setObjectName("task_subject")
        self.subject.setWordWrap(True)
        font = self.subject.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.subject.setFont(font)
        layout.addWidget(self.subject)
        info = QFormLayout()
        self.due = QLabel(self)
        info.addRow(_("Due") + ":", self.due)
        self.link_button = QPushButton(self)
        self.link_button.setObjectName("task_open_link")
        self.link_button.clicked.connect(self.open_link)
        info.addRow(_("Belongs to") + ":", self.link_button)
        self.body = QLabel(self)
        self.body.setWordWrap(True)
        info.addRow(_("Details") + ":", self.body)
        layout.addLayout(info)

        complete_box = QGroupBox(_("Complete"), self)
        complete_layout = QVBoxLayout(complete_box)
        self.comment = QPlainTextEdit(complete_box)
        self.comment.setObjectName("task_comment")
        self.comment.setPlaceholderText(_("What came out of it? (Ctrl+Enter completes the task)"))
        self.comment.setMaximumHeight(100)
        complete_layout.addWidget(self.comment)
        row = QHBoxLayout()
        self.hint = QLabel(complete_box)
        self.hint.setObjectName("task_hint")
        self.hint.setWordWrap(True)
        row.addWidget(self.hint, 1)
        self.complete_button = QPushButton(_("Complete the task"), complete_box)
        self.complete_button.setObjectName("task_complete")
        self.complete_button.clicked.connect(self.complete)
        row.addWidget(self.complete_button)
        complete_layout.addLayout(row)
        layout.addWidget(complete_box)
        QShortcut(QKeySequence("Ctrl+Return"), self.comment).activated.connect(self.complete)
        QShortcut(QKeySequence("Ctrl+Enter"), self.comment).activated.connect(self.complete)
        self.comment.textChanged.connect(self._update_hint)

        move_box = QGroupBox(_("Reschedule"), self)
        move_layout = QHBoxLayout(move_box)
        self.when = QDateTimeEdit(move_box)
        self.when.setObjectName("task_when")
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("dd.MM.yyyy HH:mm")
        move_layout.addWidget(self.when)
        tomorrow = QPushButton(_("+1 day"), move_box)
        tomorrow.setObjectName("task_plus_day")
        tomorrow.clicked.connect(lambda: self._shift_days(1))
        move_layout.addWidget(tomorrow)
        week = QPushButton(_("+1 week"), move_box)
        week.clicked.connect(lambda: self._shift_days(7))
        move_layout.addWidget(week)
        self.reschedule_button = QPushButton(_("Reschedule"), move_box)
        self.reschedule_button.setObjectName("task_reschedule")
        self.reschedule_button.clicked.connect(self.reschedule)
        move_layout.addWidget(self.reschedule_button)
        layout.addWidget(move_box)
        layout.addStretch(1)
        self.empty = QLabel(_("Choose a task on the left."), self)
        layout.addWidget(self.empty)
        self.show_task(None)

    def show_task(self, item: tasks.TaskItem | None) -> None:
        self.item = item
        has = item is not None
        for widget in self.findChildren(QGroupBox):
            widget.setEnabled(has and item.status == "planned")  # type: ignore[union-attr]
        self.empty.setVisible(not has)
        self.subject.setText(item.subject if item else "")
        self.due.setText(local_datetime(item.due_at) if item else "")
        self.body.setText(item.body if item else "")
        if item and item.link_entity:
            self.link_button.setText(
                f"{_(ENTITY_NAMES.get(item.link_entity, ''))}: {item.link_title or '—'}")
            self.link_button.setEnabled(True)
        else:
            self.link_button.setText(_("not linked"))
            self.link_button.setEnabled(False)
        due_local = (item.due_at.replace(tzinfo=dt.UTC).astimezone()
                     if item and item.due_at else dt.datetime.now().astimezone())
        self.when.setDateTime(QDateTime(due_local.replace(microsecond=0, tzinfo=None)))
        self.comment.clear()
        self._update_hint()

    def _update_hint(self) -> None:
        text = self.comment.toPlainText()
        if not text.strip():
            self.hint.setStyleSheet(HINT_STYLE)
            self.hint.setText(_("Say what came out of it: a detailed comment keeps the deal alive."))
            return
        verdict = tasks.comment_hint(text)
        self.hint.setStyleSheet(OK_STYLE if verdict.detailed else HINT_STYLE)
        self.hint.setText(_("Detailed comment.") if verdict.detailed else verdict.reason)

    def _shift_days(self, days: int) -> None:
        self.when.setDateTime(self.when.dateTime().addDays(days))

    def open_link(self) -> None:
        if self.item and self.item.link_entity:
            self.context.open_record(self.item.link_entity, self.item.link_id, self.window())

    def complete(self) -> None:
        if self.item is None or self.item.status != "planned":
            return
        try:
            verdict = tasks.complete(self.item.id, self.context.user.id,
                                     self.comment.toPlainText())
        except CrmError as error:
            show_error(self, error.message)
            return
        message = _("Task completed.")
        if not verdict.detailed and self.comment.toPlainText().strip():
            message += " " + _("The comment is not detailed, so it does not count as an "
                               "interaction.")
        self.context.show_status(message)
        self._finished()

    def reschedule(self) -> None:
        if self.item is None:
            return
        local = cast(dt.datetime, self.when.dateTime().toPython())  # PySide6 declares it object
        due_utc = local.astimezone().astimezone(dt.UTC).replace(tzinfo=None)
        try:
            tasks.reschedule(self.item.id, self.context.user.id, due_utc)
        except CrmError as error:
            show_error(self, error.message)
            return
        self.context.show_status(_("Task rescheduled to {when}.").format(
            when=local_datetime(due_utc)))
        self._finished()

    def _finished(self) -> None:
        self.context.notify_changed(Entity.TASKS)
        self.done.emit()


class NotificationsModel(QAbstractListModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[tasks.NotificationItem] = []

    def set_items(self, items: list[tasks.NotificationItem]) -> None:
        self.beginResetModel()
        self.items = items
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = f"{item.title} — {local_datetime(item.created_at)}"
            return text + (f"\n{item.body}" if item.body else "")
        if role == Qt.ItemDataRole.FontRole and not item.read:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.UserRole:
            return item.id
        return None


class MyTasksView(QWidget):
    """The "My tasks" view of the Tasks section (see the module docstring)."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("my_tasks")
        self.context = context
        outer = QVBoxLayout(self)
        # A role that sees its team's or everyone's records can look at those colleagues' tasks.
        self.owner = QComboBox(self)
        self.owner.setObjectName("task_owner")
        self.owner.addItem(_("Mine"), str(context.user.id))
        if rights.scope_for(None) != Scope.OWN:
            for user in session.users():
                if user.id != context.user.id and rights.in_scope(user.id):
                    self.owner.addItem(user.name, str(user.id))
        owner_row = QHBoxLayout()
        owner_row.addWidget(QLabel(_("Tasks of:"), self))
        owner_row.addWidget(self.owner)
        owner_row.addStretch(1)
        owner_widgets = QWidget(self)
        owner_widgets.setLayout(owner_row)
        owner_widgets.setVisible(self.owner.count() > 1)
        outer.addWidget(owner_widgets)
        self.owner.currentIndexChanged.connect(lambda _i: self.reload())
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        top = QSplitter(Qt.Orientation.Horizontal, splitter)
        self.model = TaskTreeModel(self)
        self.tree = QTreeView(top)
        self.tree.setObjectName("task_tree")
        self.tree.setModel(self.model)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.header().resizeSection(0, 280)
        self.tree.header().resizeSection(1, 120)
        self.tree.header().setStretchLastSection(True)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.panel = TaskPanel(context, top)
        top.addWidget(self.tree)
        top.addWidget(self.panel)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        splitter.addWidget(top)

        box = QWidget(splitter)
        box_layout = QVBoxLayout(box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        self.unread_label = QLabel(box)
        self.unread_label.setObjectName("unread_label")
        header.addWidget(self.unread_label, 1)
        self.mark_read_button = QPushButton(_("Mark as read"), box)
        self.mark_read_button.setObjectName("mark_read")
        self.mark_read_button.clicked.connect(self.mark_selected_read)
        header.addWidget(self.mark_read_button)
        self.mark_all_button = QPushButton(_("Mark all as read"), box)
        self.mark_all_button.setObjectName("mark_all_read")
        self.mark_all_button.clicked.connect(self.mark_all_read)
        header.addWidget(self.mark_all_button)
        box_layout.addLayout(header)
        self.notifications = NotificationsModel(self)
        self.notification_view = QListView(box)
        self.notification_view.setObjectName(Entity.NOTIFICATIONS)
        self.notification_view.setModel(self.notifications)
        self.notification_view.setWordWrap(True)
        self.notification_view.doubleClicked.connect(self.open_notification)
        self.notification_view.activated.connect(self.open_notification)
        box_layout.addWidget(self.notification_view)
        splitter.addWidget(box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        outer.addWidget(splitter)

        self.tree.selectionModel().currentChanged.connect(self._current_changed)
        self.tree.activated.connect(self._activated)
        self.panel.done.connect(self.reload)
        context.signals.changed.connect(self._changed)
        self.reload()

    # --- data ---------------------------------------------------------------------------------
    def reload(self) -> None:
        current = self.panel.item.id if self.panel.item else None
        self.model.set_buckets(tasks.my_tasks(self.owner.currentData()))
        self.tree.expandAll()
        self._select(current)
        self.reload_notifications()

    def reload_notifications(self) -> None:
        self.notifications.set_items(tasks.notification_items(self.context.user.id))
        count = tasks.unread_count(self.context.user.id)
        self.unread_label.setText(
            ngettext("Notifications: {count} unread", "Notifications: {count} unread",
                     count).format(count=count))
        self.mark_all_button.setEnabled(count > 0)

    def _select(self, task_id: ActivityId | None) -> None:
        for group in range(self.model.rowCount()):
            parent = self.model.index(group, 0)
            for row in range(self.model.rowCount(parent)):
                index = self.model.index(row, 0, parent)
                if task_id is None or index.data(Qt.ItemDataRole.UserRole) == task_id:
                    self.tree.setCurrentIndex(index)
                    return
        self.panel.show_task(None)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.panel.show_task(self.model.task(current))

    def _activated(self, index: QModelIndex) -> None:
        item = self.model.task(index)
        if item and item.link_entity:
            self.context.open_record(item.link_entity, item.link_id, self.window())

    def _changed(self, entity: str) -> None:
        if entity in (Entity.TASKS, Entity.DEALS, Entity.NOTIFICATIONS) and self.isVisible():
            self.reload()

    def activated(self) -> None:
        self.reload()

    def task_count(self) -> int:
        return sum(len(items) for _key, items in self.model.groups)

    # --- notifications ------------------------------------------------------------------------
    def open_notification(self, index: QModelIndex) -> None:
        item = self.notifications.items[index.row()]
        tasks.mark_read(item.id)
        self.context.notify_changed(Entity.NOTIFICATIONS)
        self.reload_notifications()
        if item.link_entity and item.link_id:
            self.context.open_record(item.link_entity, item.link_id, self.window())

    def mark_selected_read(self) -> None:
        for index in self.notification_view.selectionModel().selectedIndexes():
            tasks.mark_read(self.notifications.items[index.row()].id)
        self.context.notify_changed(Entity.NOTIFICATIONS)
        self.reload_notifications()

    def mark_all_read(self) -> None:
        tasks.mark_all_read(self.context.user.id)
        self.context.notify_changed(Entity.NOTIFICATIONS)
        self.reload_notifications()


class TaskDialog(QDialog):
    """A task opened from the task list: the same panel as in My tasks."""

    def __init__(self, context: AppContext, task_id: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("task_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(_("Task"))
        self.resize(560, 520)
        layout = QVBoxLayout(self)
        self.panel = TaskPanel(context, self)
        self.panel.show_task(tasks.task_item(task_id))
        self.panel.done.connect(self.accept)
        layout.addWidget(self.panel)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def open_task(context: AppContext, task_id: str | None, parent: QWidget | None = None) -> Any:
    if task_id is None:
        context.show_status(_("Plan a task from the timeline of a deal, lead or contact."))
        return None
    dialog = TaskDialog(context, task_id, parent)
    dialog.show()
    return dialog


# --- the unread badge in the main window's status bar ------------------------------------------

BADGE_REFRESH_MS = 60_000


class NotificationsBadge(QToolButton):
    """A status-bar button "Notifications: N" that opens My tasks; refreshed on changes and every
    minute (notifications also arrive from other desktops through the database).

    Its slots are its own methods, so Qt drops the connection to the application context (which
    can outlive the window) when the badge is deleted.
    """

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.main_window = window
        self.context: AppContext = window.context
        self.setObjectName("status_notifications")
        self.setAutoRaise(True)
        self.setToolTip(_("Open my tasks and notifications"))
        self.clicked.connect(self.open_tasks)
        self.context.signals.changed.connect(self.on_changed)
        self.timer = QTimer(self)
        self.timer.setInterval(BADGE_REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        try:
            count = tasks.unread_count(self.context.user.id)
        except Exception:
            return
        self.setText(ngettext("{count} unread notification", "{count} unread notifications",
                              count).format(count=count) if count else _("No new notifications"))
        font = self.font()
        font.setBold(count > 0)
        self.setFont(font)
        self.setProperty("unread", count)

    def on_changed(self, entity: str) -> None:
        if entity in (Entity.NOTIFICATIONS, Entity.DEALS, Entity.TASKS):
            self.refresh()

    def open_tasks(self) -> None:
        if Entity.TASKS in self.main_window.section_keys():
            self.main_window.show_section(Entity.TASKS, "my")

    def stop(self) -> None:
        """No more minute refreshes (the window closed)."""
        self.timer.stop()


def attach_badge(window: Any) -> NotificationsBadge:
    badge = NotificationsBadge(window)
    window.statusBar().insertPermanentWidget(0, badge)
    window.notifications_badge = badge
    return badge
