"""My tasks: groups, completing with a comment (rule 3 hint), rescheduling, opening the linked
record; notifications with the unread count and the status-bar badge."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_crm.ids import ActivityId
from desktop_crm.models import Activity, ActivityStatus, Contact, utcnow
from desktop_crm.services.sales import notifications, tasks, timeline
from desktop_crm.views.cards.contact import ContactCard
from desktop_crm.views.tasks import MyTasksView


@pytest.fixture
def planned(context):
    contact = Contact.create(last_name="Соколова", first_name="Ирина")
    user = context.user.id
    now = utcnow()
    overdue = timeline.add_task(user, "Перезвонить по КП", now - dt.timedelta(days=2),
                                contact=contact.id)
    upcoming = timeline.add_task(user, "Отправить договор", now + dt.timedelta(days=3),
                                 contact=contact.id)
    return contact, overdue, upcoming


def test_buckets_follow_the_local_day():
    rome = ZoneInfo("Europe/Rome")
    now = dt.datetime(2026, 3, 10, 21, 30)  # 22:30 in Rome: the day ends at 23:00 UTC
    assert tasks.end_of_local_day(now, rome) == dt.datetime(2026, 3, 10, 23, 0)
    moscow = ZoneInfo("Europe/Moscow")  # 00:30 on the 11th in Moscow
    assert tasks.end_of_local_day(now, moscow) == dt.datetime(2026, 3, 11, 21, 0)


def test_my_tasks_groups_and_today(context, planned):
    contact, overdue, upcoming = planned
    now = utcnow()
    today_task = timeline.add_task(context.user.id, "Встреча", now + dt.timedelta(minutes=1),
                                   contact=contact.id)
    buckets = tasks.my_tasks(context.user.id, now=now, tz=dt.UTC)
    if now + dt.timedelta(minutes=1) < tasks.end_of_local_day(now, dt.UTC):
        assert [t.id for t in buckets.today] == [ActivityId(today_task.id)]
    assert [t.id for t in buckets.overdue] == [ActivityId(overdue.id)]
    assert ActivityId(upcoming.id) in [t.id for t in buckets.upcoming]
    assert buckets.overdue[0].link_entity == "contacts"
    assert buckets.overdue[0].link_title == "Соколова Ирина"


def make_view(context, qtbot) -> MyTasksView:
    view = MyTasksView(context)
    qtbot.addWidget(view)
    view.show()
    return view


def test_complete_a_task_with_a_comment(context, qtbot, planned, typer):
    _contact, overdue, _upcoming = planned
    view = make_view(context, qtbot)
    assert view.task_count() == 2
    panel = view.panel
    assert panel.item.id == ActivityId(overdue.id)  # the most urgent is selected
    typer(panel.comment, "НД")
    assert "not a detailed comment" in panel.hint.text() or "Too short" in panel.hint.text()
    panel.comment.clear()
    typer(panel.comment, "Дозвонился: клиент подписывает КП, оплата до конца месяца")
    assert panel.hint.text() == "Detailed comment."
    qtbot.mouseClick(panel.complete_button, Qt.MouseButton.LeftButton)
    done = Activity.get_by_id(overdue.id)
    assert done.status == ActivityStatus.DONE
    assert "оплата до конца месяца" in done.body
    assert view.task_count() == 1


def test_reschedule_a_task(context, qtbot, planned):
    _contact, overdue, _upcoming = planned
    view = make_view(context, qtbot)
    panel = view.panel
    before = Activity.get_by_id(overdue.id).due_at
    qtbot.mouseClick(panel.findChild(type(panel.complete_button), "task_plus_day"),
                     Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.reschedule_button, Qt.MouseButton.LeftButton)
    after = Activity.get_by_id(overdue.id)
    assert after.status == ActivityStatus.PLANNED
    assert abs((after.due_at - before) - dt.timedelta(days=1)) < dt.timedelta(minutes=1)
    assert after.payload["rescheduled_from"] == before.isoformat()


def test_open_the_linked_record(context, qtbot, planned):
    contact, _overdue, _upcoming = planned
    view = make_view(context, qtbot)
    qtbot.mouseClick(view.panel.link_button, Qt.MouseButton.LeftButton)
    cards = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, ContactCard) and w.record_id == str(contact.id)]
    assert len(cards) == 1 and cards[0].isVisible()


def test_notifications_unread_count_and_mark_read(context, qtbot):
    first = notifications.notify(context.user.id, "Сделка выиграна: Курсы", "Марко выиграл сделку")
    notifications.notify(context.user.id, "Сделка проиграна: Книги")
    view = make_view(context, qtbot)
    assert view.unread_label.text() == "Notifications: 2 unread"
    view.notification_view.setCurrentIndex(view.notifications.index(1))
    qtbot.mouseClick(view.mark_read_button, Qt.MouseButton.LeftButton)
    assert view.unread_label.text() == "Notifications: 1 unread"
    assert notifications.unread_count(context.user.id) == 1
    qtbot.mouseClick(view.mark_all_button, Qt.MouseButton.LeftButton)
    assert notifications.unread_count(context.user.id) == 0
    assert first.id


def test_a_notification_links_to_the_entity_of_its_link_kind(context):
    notifications.notify(context.user.id, "Сделка выиграна", link_kind="deal", link_id="d")
    notifications.notify(context.user.id, "Счёт оплачен", link_kind="invoice", link_id="i")
    notifications.notify(context.user.id, "Без ссылки")
    items = tasks.notification_items(context.user.id)
    assert sorted((n.link_entity, n.link_id) for n in items) == [("", ""), ("deals", "d"), ("invoices", "i")]


def test_status_bar_badge_counts_unread(context, qtbot, tmp_path):
    from desktop_crm.views.main_window import MainWindow

    notifications.notify(context.user.id, "Сделка выиграна: Курсы")
    window = MainWindow(context)
    qtbot.addWidget(window)
    assert not hasattr(window, "notifications_badge")  # attached after the first paint
    with qtbot.waitSignal(window.settled):
        window.show()
    badge = window.notifications_badge
    assert badge.text() == "1 unread notification"
    tasks.mark_all_read(context.user.id)
    context.notify_changed("notifications")
    assert badge.text() == "No new notifications"
    qtbot.mouseClick(badge, Qt.MouseButton.LeftButton)
    assert window.current_page().section.key == "tasks"
    assert isinstance(window.current_view(), MyTasksView)
    assert badge.timer.isActive()  # every minute, for notifications from elsewhere
    window.close()
    assert not badge.timer.isActive()  # not after the window is closed


def test_the_badge_leaves_the_context_with_its_window(context, qtbot):
    """The application context outlives a closed and deleted window: its change signal no longer
    reaches the deleted badge."""
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent

    from desktop_crm.views.main_window import MainWindow

    window = MainWindow(context)
    with qtbot.waitSignal(window.settled):
        window.show()
    refreshed: list[str] = []
    window.notifications_badge.refresh = lambda: refreshed.append("badge")  # type: ignore[method-assign]
    context.notify_changed("notifications")
    assert refreshed == ["badge"]
    badge = window.notifications_badge
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(badge)
    context.notify_changed("notifications")
    assert refreshed == ["badge"]


def test_an_administrator_sees_a_colleagues_tasks(context, qtbot):
    from desktop_crm.models import User

    marco = User.get(User.name == "Marco Bianchi")
    timeline.add_task(marco.id, "Chiamare il cliente", utcnow() + dt.timedelta(days=1),
                      contact=Contact.create(last_name="Rossi", first_name="Luca").id)
    view = make_view(context, qtbot)
    assert view.task_count() == 0
    view.owner.setCurrentIndex(view.owner.findData(str(marco.id)))
    assert view.task_count() == 1
    assert view.panel.item.subject == "Chiamare il cliente"
