"""Reminders on the desktop with a controllable clock (no sleeping): a task's reminder fires at its
due time, Snooze puts it off (and the snooze survives a restart), Open opens the task; a contact's
birthday is told on the day; a task assigned by someone else reaches the assignee only."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_crm.models import Contact, Deal, Notification, User
from desktop_crm.services.sales import reminders, timeline
from desktop_crm.views.notifier import DesktopNotifier
from desktop_crm.views.tasks import TaskDialog


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def __call__(self) -> dt.datetime:
        return self.now


def _deal(me):
    return Deal.select().where(Deal.deleted_at.is_null() & Deal.closed_at.is_null()).first()


def test_reminder_fires_snoozes_survives_a_restart_and_opens(qtbot, window):
    me = window.context.user.id
    clock = Clock()
    notifier = DesktopNotifier(window, use_tray=False, clock=clock)
    due = clock.now + dt.timedelta(minutes=30)
    task = timeline.add_task(me, "Перезвонить в 15:00", due, deal=_deal(me).id)
    clock.now = due - dt.timedelta(minutes=1)
    notifier.check()
    assert not any("Перезвонить" in title for title, _t in notifier.shown)
    clock.now = due + dt.timedelta(seconds=30)  # the minute timer after the due time
    notifier.check()
    assert any(title == "Task due: Перезвонить в 15:00" for title, _t in notifier.shown)
    panel = notifier.reminder_window
    assert panel.isVisible() and [r.reminder.task_id for r in panel.rows] == [task.id]
    qtbot.mouseClick(panel.rows[0].snooze_buttons["10m"], Qt.MouseButton.LeftButton)
    assert panel.rows == [] and not panel.isVisible()
    assert reminders.snoozed(me)[str(task.id)] == clock.now + dt.timedelta(minutes=10)
    told = len(notifier.shown)
    clock.now += dt.timedelta(minutes=5)
    notifier.check()
    assert len(notifier.shown) == told  # still snoozed
    notifier.stop()

    restarted = DesktopNotifier(window, use_tray=False, clock=clock)  # a new session
    clock.now += dt.timedelta(minutes=6)
    restarted.check()
    assert sum(title == "Task due: Перезвонить в 15:00" for title, _t in restarted.shown) == 1
    row = restarted.reminder_window.rows[0]
    qtbot.mouseClick(row.open_button, Qt.MouseButton.LeftButton)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, TaskDialog))
    assert dialog.panel.item.id == task.id
    dialog.close()
    restarted.stop()


def test_snooze_until_tomorrow_morning(qtbot, window):
    me = window.context.user.id
    clock = Clock()
    notifier = DesktopNotifier(window, use_tray=False, clock=clock)
    due = clock.now + dt.timedelta(minutes=2)
    task = timeline.add_task(me, "Отправить КП", due, deal=_deal(me).id)
    clock.now = due + dt.timedelta(minutes=1)
    notifier.check()
    row = notifier.reminder_window.rows[0]
    qtbot.mouseClick(row.snooze_buttons["tomorrow"], Qt.MouseButton.LeftButton)
    until = reminders.snoozed(me)[str(task.id)]
    local = until.replace(tzinfo=dt.UTC).astimezone()
    assert (local.hour, local.minute) == (9, 0) and until > clock.now
    clock.now = until - dt.timedelta(minutes=1)
    notifier.check()
    assert notifier.reminder_window.rows == []
    clock.now = until
    notifier.check()
    assert len(notifier.reminder_window.rows) == 1
    notifier.stop()


def test_a_birthday_is_told_on_the_day(qtbot, window):
    me = window.context.user.id
    clock = Clock()
    notifier = DesktopNotifier(window, use_tray=False, clock=clock)
    contact = Contact.select().where(Contact.deleted_at.is_null()).first()
    today = clock.now.replace(tzinfo=dt.UTC).astimezone().date()
    contact.responsible = me
    contact.birth_date = today.replace(year=1990) if (today.month, today.day) != (2, 29) \
        else dt.date(1988, 2, 29)
    contact.save()
    notifier.check()
    notifier.check()
    assert sum(title == f"Birthday: {contact.full_name}" for title, _t in notifier.shown) == 1
    notifier.stop()


def test_an_assignment_reaches_the_assignee_only(qtbot, window):
    me = window.context.user.id
    clock = Clock()
    notifier = DesktopNotifier(window, use_tray=False, clock=clock)
    others = list(User.select().where(User.id != me, User.active == True).limit(2))  # noqa: E712
    deal = _deal(me)
    timeline.add_task(others[0].id, "Подготовить договор", clock.now + dt.timedelta(days=1),
                      assignee=me, deal=deal.id)
    timeline.add_task(me, "Своя задача", clock.now + dt.timedelta(days=1), deal=deal.id)
    notifier.check()
    assigned = [title for title, _t in notifier.shown if "Подготовить договор" in title]
    assert assigned == ["Вам поручена задача: Подготовить договор"]  # the demo's users: Russian
    assert not any("Своя задача" in title for title, _t in notifier.shown)
    notes = Notification.select().where(Notification.title.contains("Подготовить договор"))
    assert [n.user_id for n in notes] == [me]
    notifier.stop()
