"""Settings › Sales plans through its widgets: create a plan with the keyboard, edit it inline,
delete it; a manager sees their own plan read-only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from desktop_crm.models import SalesPlan, User
from desktop_crm.services.reporting import plans
from desktop_crm.services.system import session
from desktop_crm.views.settings import SettingsView
from desktop_crm.views.settings.plans import CURRENCY, GOAL, PIPELINE, WHO, PlansPage


@pytest.fixture
def page(context, qtbot):
    view = SettingsView(context)
    qtbot.addWidget(view, before_close_func=lambda w: [p.set_clean() for p in w.pages.values()])
    view.show()
    page = view.select("plans")
    page.settings_view = view  # keeps the view alive
    return page


def retype(qtbot, editor, text: str) -> None:
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)


def test_create_edit_and_delete_a_plan_with_keys(qtbot, page):
    this_month = plans.period_start("month", dt.date.today())
    assert page.table.rowCount() == 0 and page.empty.isVisible()
    assert "Add a plan" in page.empty.text()
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert page.table.rowCount() == 1 and page.dirty
    who = page.combo(0, WHO)
    marco = User.get(User.name == "Marco Bianchi")
    who.setFocus()
    who.setCurrentIndex(who.findData(f"{marco.id}:0"))
    qtbot.keyClicks(page.target_editor(0), "150000.50")
    assert page.combo(0, CURRENCY).currentText() == "RUB"
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not page.dirty, page.banner.text()
    saved = SalesPlan.get()
    assert (saved.owner_id, saved.period_start, saved.target) == (
        marco.id, this_month, Decimal("150000.50"))
    # a team plan of a number of deals in one pipeline, then a refusal named by its row
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    team = page.combo(1, WHO)
    team.setCurrentIndex(team.findText("Team of Анна Морозова"))
    page.combo(1, GOAL).setCurrentIndex(page.combo(1, GOAL).findData("count"))
    assert not page.combo(1, CURRENCY).isEnabled()
    page.combo(1, PIPELINE).setCurrentIndex(1)
    qtbot.keyClicks(page.target_editor(1), "2.5")
    assert not page.save()
    assert page.banner.text().startswith("Row 2: Target: a number of deals is a whole number")
    retype(qtbot, page.target_editor(1), "12")
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not page.dirty, page.banner.text()
    assert [(p.team, p.metric, p.target) for p in plans.plans("month", this_month)] == [
        (True, "count", Decimal(12)), (False, "amount", Decimal("150000.50"))]
    # edit inline: the personal plan (now the second row) gets a new target
    retype(qtbot, page.target_editor(1), "90000")
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert SalesPlan.get_by_id(saved.id).target == Decimal("90000.00")
    # the next month is empty; the copy brings both plans over
    qtbot.mouseClick(page.next, Qt.MouseButton.LeftButton)
    assert page.table.rowCount() == 0
    qtbot.mouseClick(page.copy_button, Qt.MouseButton.LeftButton)
    assert page.table.rowCount() == 2
    # delete the team plan of the next month
    page.table.selectRow(0)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not page.dirty
    assert page.table.rowCount() == 1
    assert SalesPlan.alive().count() == 3


def test_a_manager_reads_their_plan_and_cannot_change_it(qtbot, context):
    marco = User.get(User.name == "Marco Bianchi")
    plans.save_plan(None, {"owner_id": marco.id, "period_kind": "month",
                           "period_start": dt.date.today(), "metric": "count", "target": "5"})
    session.sign_in(marco.id)
    page = PlansPage(context)  # the page alone: the context's user is someone else
    qtbot.addWidget(page)
    page.show()
    assert page.table.rowCount() == 1
    assert not page.target_editor(0).isEnabled() and not page.add_button.isEnabled()
    assert page.target_editor(0).text() == "5"
