"""The reminders window: tasks that fell due, each with Open, Snooze (10 minutes, an hour, until
tomorrow morning) and Dismiss. It stays on top of the main window until every reminder is handled;
the desktop notifier (``views/notifier.py``) adds to it. Snoozes are kept in the database per user,
so a snoozed reminder comes back at its time after a restart too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError
from desktop_crm.i18n import N_, _
from desktop_crm.services.sales import reminders
from desktop_crm.views.cards.common import local_datetime

SNOOZES = (("10m", N_("10 min")), ("1h", N_("1 hour")), ("tomorrow", N_("Tomorrow")))


class ReminderRow(QFrame):
    def __init__(self, panel: ReminderWindow, reminder: reminders.Reminder) -> None:
        super().__init__(panel)
        self.reminder = reminder
        self.setObjectName("reminder_row")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        title = QLabel(reminder.subject, self)
        title.setObjectName("reminder_subject")
        title.setWordWrap(True)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        details = _("Due {when}").format(when=local_datetime(reminder.due_at))
        if reminder.link_title:
            details += " · " + reminder.link_title
        layout.addWidget(QLabel(details, self))
        buttons = QHBoxLayout()
        self.open_button = QPushButton(_("Open"), self)
        self.open_button.setObjectName("reminder_open")
        self.open_button.clicked.connect(lambda: panel.open(self))
        buttons.addWidget(self.open_button)
        buttons.addWidget(QLabel(_("Snooze:"), self))
        self.snooze_buttons: dict[str, QPushButton] = {}
        for key, text in SNOOZES:
            button = QPushButton(_(text), self)
            button.setObjectName(f"reminder_snooze_{key}")
            button.clicked.connect(lambda _c=False, k=key: panel.snooze(self, k))
            buttons.addWidget(button)
            self.snooze_buttons[key] = button
        buttons.addStretch(1)
        dismiss = QPushButton(_("Dismiss"), self)
        dismiss.setObjectName("reminder_dismiss")
        dismiss.clicked.connect(lambda: panel.remove(self))
        buttons.addWidget(dismiss)
        layout.addLayout(buttons)


class ReminderWindow(QWidget):
    """A small window of the reminders that are due (see the module docstring)."""

    def __init__(self, window: Any, clock: Callable[[], dt.datetime]) -> None:
        super().__init__(window, Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint)
        self.setObjectName("reminders_window")
        self.setWindowTitle(_("Reminders"))
        self.main_window = window
        self.context = window.context
        self.clock = clock
        self.rows: list[ReminderRow] = []
        layout = QVBoxLayout(self)
        self.list_layout = QVBoxLayout()
        layout.addLayout(self.list_layout)
        layout.addStretch(1)
        self.resize(460, 160)

    def add(self, reminder: reminders.Reminder) -> ReminderRow:
        for row in self.rows:
            if row.reminder.task_id == reminder.task_id:
                self.remove(row, hide=False)
                break
        row = ReminderRow(self, reminder)
        self.rows.append(row)
        self.list_layout.addWidget(row)
        self.adjustSize()
        self.show()
        self.raise_()
        return row

    def remove(self, row: ReminderRow, hide: bool = True) -> None:
        if row in self.rows:
            self.rows.remove(row)
        row.hide()
        row.setParent(None)
        row.deleteLater()
        if hide and not self.rows:
            self.hide()

    def open(self, row: ReminderRow) -> None:
        task_id = row.reminder.task_id
        self.remove(row)
        self.context.open_record(Entity.TASKS, task_id, self.main_window)

    def snooze(self, row: ReminderRow, choice: str) -> None:
        try:
            until = reminders.snooze(self.context.user.id, row.reminder.task_id, choice, self.clock())
        except CrmError as error:
            self.context.show_status(error.message)
            return
        self.remove(row)
        self.context.show_status(_("Reminder snoozed until {when}.").format(when=local_datetime(until)))
