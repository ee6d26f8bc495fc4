"""The Calendar section through its widgets: day, week and month, navigation, dragging a task to
another day and hour (and a task of a closed deal that stays put), double-click to open, and the
.ics export through its file dialog, read back by an independent parser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from desktop_crm.models import Activity, Contact, utcnow
from desktop_crm.services.sales import timeline
from desktop_crm.views.calendar import CalendarView, to_utc, week_start
from desktop_crm.views.tasks import TaskDialog
from tests.factories import make_deal


def make_view(context, qtbot) -> CalendarView:
    view = CalendarView(context)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def week_days(view: CalendarView) -> list[dt.date]:
    start = week_start(dt.date.today(), view.qlocale)
    return [start + dt.timedelta(days=n) for n in range(7)]


def add_task(context, subject: str, local: dt.datetime, **links) -> Activity:
    if not links:
        links = {"contact": Contact.create(last_name="Соколова", first_name="Ирина").id}
    info = timeline.add_task(context.user.id, subject, to_utc(local), **links)
    return Activity.get_by_id(info.id)


def drag(qtbot, grid, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
    middle = QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    qtbot.mouseMove(grid, middle)
    qtbot.mouseMove(grid, end)
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=end)


def test_switch_day_week_month_and_navigate(context, qtbot):
    view = make_view(context, qtbot)
    assert view.mode == "week" and len(view.hours.days) == 7
    assert view.hours.days[0].isoweekday() == 7  # English: the week starts on Sunday
    qtbot.mouseClick(view.mode_buttons["month"], Qt.MouseButton.LeftButton)
    assert view.stack.currentWidget() is view.month and len(view.month.days) == 42
    today = dt.date.today()
    assert today.strftime("%B") in view.title.text()
    qtbot.mouseClick(view.next_button, Qt.MouseButton.LeftButton)
    following = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    assert view.anchor == following and following.strftime("%B") in view.title.text()
    qtbot.mouseClick(view.mode_buttons["day"], Qt.MouseButton.LeftButton)
    assert view.hours.days == [following]
    qtbot.mouseClick(view.prev_button, Qt.MouseButton.LeftButton)
    assert view.hours.days == [following - dt.timedelta(days=1)]
    qtbot.mouseClick(view.today_button, Qt.MouseButton.LeftButton)
    assert view.hours.days == [today] and view.hours.today == today


def test_drag_a_task_to_another_day_and_hour(context, qtbot):
    view = make_view(context, qtbot)
    days = week_days(view)
    task = add_task(context, "Позвонить клиенту", dt.datetime.combine(days[1], dt.time(10, 0)))
    view.reload()
    grid = view.hours
    box = grid.box_of(task.id)
    assert box is not None
    drag(qtbot, grid, box.center().toPoint(), grid.point_of(days[3], 14.0))
    moved = dt.datetime.combine(days[3], dt.time(14, 0))
    assert Activity.get_by_id(task.id).due_at == to_utc(moved)
    assert grid.box_of(task.id) is not None  # reloaded: drawn where it went
    qtbot.mouseClick(view.mode_buttons["month"], Qt.MouseButton.LeftButton)
    month = view.month
    view.anchor = days[3]
    view.reload()
    target = days[3] + dt.timedelta(days=2)
    drag(qtbot, month, month.box_of(task.id).center().toPoint(), month.point_of(target))
    assert Activity.get_by_id(task.id).due_at == to_utc(dt.datetime.combine(target, dt.time(14, 0)))


def test_a_task_of_a_closed_deal_stays_put(context, qtbot):
    view = make_view(context, qtbot)
    days = week_days(view)
    deal = make_deal("Закрытая сделка")
    task = add_task(context, "Поздно", dt.datetime.combine(days[2], dt.time(9, 0)), deal=deal.id)
    deal.closed_at = utcnow()
    deal.save()
    view.reload()
    messages: list[str] = []
    context.signals.status_message.connect(messages.append)
    grid = view.hours
    drag(qtbot, grid, grid.box_of(task.id).center().toPoint(), grid.point_of(days[4], 11.0))
    assert Activity.get_by_id(task.id).due_at == to_utc(dt.datetime.combine(days[2], dt.time(9, 0)))
    assert any("cannot be moved" in text for text in messages)


def test_double_click_opens_the_task(context, qtbot):
    view = make_view(context, qtbot)
    days = week_days(view)
    task = add_task(context, "Открыть меня", dt.datetime.combine(days[0], dt.time(11, 0)))
    view.reload()
    qtbot.mouseDClick(view.hours, Qt.MouseButton.LeftButton,
                      pos=view.hours.box_of(task.id).center().toPoint())
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, TaskDialog))
    assert dialog.panel.item.subject == "Открыть меня"
    dialog.close()


def test_export_ics_through_the_dialog(context, qtbot, tmp_path: Path):
    view = make_view(context, qtbot)
    days = week_days(view)
    task = add_task(context, "Встреча; обсудить, цены", dt.datetime.combine(days[5], dt.time(16, 0)))
    target = tmp_path / "mine.ics"

    def answer() -> None:
        dialog = view.findChild(QFileDialog, "calendar_export_dialog")
        dialog.selectFile(str(target))
        dialog.accept()

    QTimer.singleShot(0, answer)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(target.exists)
    todo = next(iter(icalendar.Calendar.from_ical(target.read_bytes()).walk("VTODO")))
    assert str(todo["UID"]) == f"{task.id}@desktop-crm"
    assert str(todo["SUMMARY"]) == "Встреча; обсудить, цены"
    assert todo.decoded("DUE") == to_utc(dt.datetime.combine(days[5], dt.time(16, 0))).replace(
        tzinfo=dt.UTC)


def test_russian_and_italian_weeks_start_on_monday_with_their_names(context, qtbot):
    from desktop_crm.i18n import set_language

    try:
        for language, month_names, button in (("ru", ("январь", "февраль", "март", "апрель", "май",
                                                     "июнь", "июль", "август", "сентябрь",
                                                     "октябрь", "ноябрь", "декабрь"), "Месяц"),
                                              ("it", ("gennaio", "febbraio", "marzo", "aprile",
                                                      "maggio", "giugno", "luglio", "agosto",
                                                      "settembre", "ottobre", "novembre",
                                                      "dicembre"), "Mese")):
            set_language(language)
            view = make_view(context, qtbot)
            assert view.hours.days[0].isoweekday() == 1
            assert view.mode_buttons["month"].text() == button
            qtbot.mouseClick(view.mode_buttons["month"], Qt.MouseButton.LeftButton)
            assert view.month.days[0].isoweekday() == 1
            name = month_names[view.anchor.month - 1]
            assert view.title.text().lower().startswith(name)
            assert view.month.day_names[0].lower() in ("пн", "lun")
    finally:
        set_language("en")


def test_the_calendar_follows_changes_made_elsewhere(context, qtbot):
    from desktop_crm.entities import Entity

    view = make_view(context, qtbot)
    days = week_days(view)
    task = add_task(context, "Из карточки сделки", dt.datetime.combine(days[4], dt.time(12, 0)))
    assert view.hours.box_of(task.id) is None
    context.notify_changed(Entity.TASKS)  # a card saved the task
    qtbot.waitUntil(lambda: view.hours.box_of(task.id) is not None)


def test_entries_are_read_off_the_gui_thread(context, qtbot):
    from desktop_crm import workers

    workers.set_synchronous(False)
    try:
        view = make_view(context, qtbot)
        days = week_days(view)
        task = add_task(context, "В фоне", dt.datetime.combine(days[2], dt.time(15, 0)))
        view.reload()
        qtbot.waitUntil(lambda: view.hours.box_of(task.id) is not None, timeout=5000)
        qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=5000)
    finally:
        workers.set_synchronous(True)


def test_keys_switch_views_and_periods(context, qtbot):
    view = make_view(context, qtbot)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.hours.setFocus()
    qtbot.keyClick(view.hours, Qt.Key.Key_M)
    assert view.mode == "month" and view.mode_buttons["month"].isChecked()
    month = view.anchor.month
    qtbot.keyClick(view.month, Qt.Key.Key_PageDown)
    assert view.anchor.month == month % 12 + 1
    qtbot.keyClick(view.month, Qt.Key.Key_Home)
    assert view.anchor == dt.date.today()
    qtbot.keyClick(view.month, Qt.Key.Key_D)
    assert view.mode == "day"
    qtbot.keyClick(view.hours, Qt.Key.Key_PageUp)
    assert view.hours.days == [dt.date.today() - dt.timedelta(days=1)]
    qtbot.keyClick(view.hours, Qt.Key.Key_W)
    assert view.mode == "week"
