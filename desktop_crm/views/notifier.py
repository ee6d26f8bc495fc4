"""Desktop notifications: a task falling due, a contact's birthday and a notification arriving (a
task, deal or lead assigned to you by someone else, a won or lost deal for a head of sales) show as
a message of the system tray icon; where the desktop has no tray, as a small message window in the
main window's corner that closes itself. A task falling due also enters the reminders window
(``views/reminders.py``: Open, Snooze, Dismiss).

The notifier checks when data changes (the one change feed) and every minute (tasks fall due with
the clock, ``clock()``: injected by the tests); it tells each task and each notification once per
session, and nothing that was already due or unread when the window opened (the status-bar badge
counts those) — except a snoozed reminder, which comes back when its snooze ends, after a restart
too. Birthdays are told once a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QSystemTrayIcon, QWidget

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError
from desktop_crm.i18n import _, ngettext
from desktop_crm.services.sales import reminders, tasks

CHECK_MS = 60_000
TOAST_MS = 8_000


class Toast(QLabel):
    """The fallback without a tray: a message in the main window's lower right corner."""

    def __init__(self, parent: QWidget, title: str, text: str) -> None:
        super().__init__(parent)
        self.setObjectName("desktop_toast")
        self.setWindowFlags(Qt.WindowType.ToolTip | Qt.WindowType.FramelessWindowHint)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(f"{title}\n{text}" if text else title)
        self.setMargin(10)
        self.setFrameShape(QLabel.Shape.StyledPanel)
        self.setAutoFillBackground(True)  # the palette's tooltip colours: readable light or dark
        self.setAccessibleName(title)
        self.adjustSize()
        corner = parent.mapToGlobal(QPoint(parent.width(), parent.height()))
        self.move(corner - QPoint(self.width() + 16, self.height() + 40))
        QTimer.singleShot(TOAST_MS, self.close)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)


class DesktopNotifier:
    def __init__(self, window: Any, use_tray: bool | None = None,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.window = window
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
        self.reminder_window: Any = None
        self.context = window.context
        self.tray: QSystemTrayIcon | None = None
        if use_tray if use_tray is not None else QSystemTrayIcon.isSystemTrayAvailable():
            icon = window.windowIcon() if not window.windowIcon().isNull() else QIcon()
            self.tray = QSystemTrayIcon(icon, window)
            self.tray.setToolTip(_("Desktop CRM"))
            self.tray.messageClicked.connect(self._raise_window)
            self.tray.show()
        self.shown: list[tuple[str, str]] = []  # (title, text) told, in order (for the tests)
        self.toasts: list[Toast] = []
        self._told_tasks: set[str] = set()
        self._told_notes: set[str] = set()
        self._told_birthdays: set[str] = set()
        self._since = self.clock()
        self._prime()
        self.timer = QTimer(window)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        self.context.signals.changed.connect(self._changed)

    def _prime(self) -> None:
        """What is already unread now is not told again (the badge shows it)."""
        try:
            items = tasks.notification_items(self.context.user.id, unread_only=True)
        except Exception:
            return
        self._told_notes.update(str(item.id) for item in items)

    def _changed(self, entity: str) -> None:
        if entity in (Entity.NOTIFICATIONS, Entity.TASKS):
            self.check()

    def check(self, now: dt.datetime | None = None) -> None:
        """Tell the tasks that fell due since the last check, birthdays and new notifications."""
        now = now or self.clock()
        user = self.context.user.id
        try:
            due = reminders.due_reminders(user, now)
            birthdays = reminders.birthdays_on(user, now)
            notes = tasks.notification_items(user, unread_only=True, limit=20)
        except CrmError:  # a lost or busy database: the window says so elsewhere
            return
        for reminder in due:
            if reminder.key in self._told_tasks:
                continue
            if reminder.snoozed_until is None and reminder.due_at < self._since:
                continue
            self._told_tasks.add(reminder.key)
            self.notify(_("Task due: {subject}").format(subject=reminder.subject),
                        reminder.link_title or reminder.body)
            self.remind(reminder)
        for birthday in birthdays:
            key = f"{birthday.contact_id}@{now.date()}"
            if key in self._told_birthdays:
                continue
            self._told_birthdays.add(key)
            text = (ngettext("Turns {age} today.", "Turns {age} today.", birthday.age).format(
                age=birthday.age) if birthday.age else "")
            self.notify(_("Birthday: {name}").format(name=birthday.name), text)
        for note in reversed(notes):
            key = str(note.id)
            if key in self._told_notes:
                continue
            self._told_notes.add(key)
            self.notify(note.title, note.body)

    def remind(self, reminder: reminders.Reminder) -> None:
        """The reminder in the reminders window (made on the first one)."""
        if self.reminder_window is None:
            from desktop_crm.views.reminders import ReminderWindow

            self.reminder_window = ReminderWindow(self.window, self.clock)
        self.reminder_window.add(reminder)

    def notify(self, title: str, text: str) -> None:
        self.shown.append((title, text))
        if self.tray is not None:
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, TOAST_MS)
            return
        toast = Toast(self.window, title, text)
        self.toasts.append(toast)
        toast.show()

    def _raise_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def stop(self) -> None:
        self.timer.stop()
        if self.reminder_window is not None:
            self.reminder_window.close()
        if self.tray is not None:
            self.tray.hide()


def attach(window: Any) -> DesktopNotifier:
    notifier = DesktopNotifier(window)
    window.desktop_notifier = notifier
    return notifier
