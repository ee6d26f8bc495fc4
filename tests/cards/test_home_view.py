"""Home, "my day", through its widgets: today's and overdue tasks shown and completed with a click,
a deal at risk opens its card, the plan bar follows a deal won elsewhere."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_crm.entities import Entity
from desktop_crm.models import Activity, ActivityStatus, Stage, StageKind, User, utcnow
from desktop_crm.services.reporting import plans
from desktop_crm.services.sales import tasks
from desktop_crm.views.home import HomeView
from tests.factories import make_deal


def _home(qtbot, context) -> HomeView:
    view = HomeView(context)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.loaded is not None)
    return view


def test_empty_day_says_what_to_do(qtbot, context):
    view = _home(qtbot, context)
    assert view.task_rows == []
    assert "Plan the next step" in view.tasks_block.empty.text()
    assert "Settings › Sales plans" in view.plans_block.empty.text()
    assert view.risk_block.empty.isVisible() and view.replies_block.empty.isVisible()


def test_tasks_are_shown_and_done_with_a_click(qtbot, context):
    anna = User.get_by_id(context.user.id)
    deal = make_deal("Поставка станков", responsible=anna)
    now = utcnow()
    late = tasks.add_task(anna.id, "Call back about the price", now - dt.timedelta(days=2),
                          Entity.DEALS, deal.id)
    tasks.add_task(anna.id, "Next week", now + dt.timedelta(days=9), Entity.DEALS, deal.id)
    view = _home(qtbot, context)
    [row] = view.task_rows  # the upcoming one is not for today
    assert row.item.id == late and row.item.overdue
    assert "1 overdue" in view.tasks_block.title.text()
    assert row.link_button.text() == "Поставка станков"
    qtbot.mouseClick(row.done_button, Qt.MouseButton.LeftButton)
    assert Activity.get_by_id(late).status == ActivityStatus.DONE
    qtbot.waitUntil(lambda: view.task_rows == [])
    assert view.tasks_block.empty.isVisible()


def test_a_deal_at_risk_opens_its_card(qtbot, context):
    from desktop_crm.views.deals.card import DealCard

    anna = User.get_by_id(context.user.id)
    deal = make_deal("Сделка без движения", responsible=anna)  # incorrect, never reached
    view = _home(qtbot, context)
    assert view.risks.count() == 1
    item = view.risks.item(0)
    assert item.text().startswith("Сделка без движения") and "Incomplete" in item.text()
    view.risks.setCurrentItem(item)
    view.risks.setFocus()
    qtbot.keyClick(view.risks, Qt.Key.Key_Return)
    cards = [w for w in QApplication.topLevelWidgets() if isinstance(w, DealCard) and w.isVisible()]
    assert [str(c.data.id) for c in cards] == [str(deal.id)]
    for card in cards:
        card.close()


def test_plan_bar_follows_a_won_deal(qtbot, context):
    anna = User.get_by_id(context.user.id)
    plans.save_plan(None, {"owner_id": anna.id, "period_kind": "month",
                           "period_start": dt.date.today(), "metric": "count", "target": "2"})
    view = _home(qtbot, context)
    [row] = view.plan_rows
    assert row.bar.progress.achieved == 0
    assert row.numbers.text().startswith("0 of 2")
    won = Stage.get(Stage.kind == StageKind.WON)
    make_deal("Выиграна", stage=won, responsible=anna, closed_at=utcnow())  # the feed tells the view
    qtbot.waitUntil(lambda: view.plan_rows and view.plan_rows[0].bar.progress.achieved == 1)
    assert view.plan_rows[0].numbers.text().startswith("1 of 2 · 50 %")
