"""Desktop notifications: a deal assigned to the user by someone else and a task falling due
show as desktop messages (the tray's, or the fallback message window where there is no tray)."""

from __future__ import annotations

import datetime as dt

from desktop_crm.models import Deal, User
from desktop_crm.services.sales import deals, tasks
from desktop_crm.views.notifier import DesktopNotifier, Toast


def test_an_assignment_and_a_due_task_are_told_on_the_desktop(qtbot, window):
    me = window.context.user.id
    notifier = DesktopNotifier(window, use_tray=False)  # offscreen has no tray: the fallback
    other = User.select().where(User.id != me, User.active == True).first()  # noqa: E712
    deal = Deal.select().where((Deal.responsible != me) & Deal.deleted_at.is_null()
                               & Deal.closed_at.is_null()).first()
    deals.update_deal(deal.id, {"responsible": me}, other.id)  # another user's action
    # in the recipient's language (the demo's users work in Russian)
    qtbot.waitUntil(lambda: any(deal.title in t for t, _x in notifier.shown))
    toast = next(w for w in window.findChildren(Toast))
    assert deal.title in toast.text() and toast.isVisible()
    due = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=5)
    tasks.add_task(me, "Перезвонить клиенту", due, "deals", deal.id)
    notifier.check(now=due + dt.timedelta(minutes=1))  # the minute timer, five minutes later
    assert ("Task due: Перезвонить клиенту", deal.title) in notifier.shown
    count = len(notifier.shown)
    notifier.check(now=due + dt.timedelta(minutes=2))
    assert len(notifier.shown) == count  # told once
    notifier.stop()


def test_my_own_assignment_is_not_a_notification(qtbot, window):
    me = window.context.user.id
    notifier = DesktopNotifier(window, use_tray=False)
    deal = Deal.select().where((Deal.responsible != me) & Deal.deleted_at.is_null()).first()
    deals.update_deal(deal.id, {"responsible": me}, me)
    qtbot.wait(50)
    notifier.check()
    assert notifier.shown == []
    notifier.stop()
