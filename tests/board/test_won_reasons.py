"""Winning a deal asks why (the reasons of Settings › Rules, none preselected); the reason is kept
as the deal's closing reason and shown in its timeline."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_crm.app import install_language
from desktop_crm.ids import DealId, StageId
from desktop_crm.models import Activity, ActivityKind, Deal, Stage
from desktop_crm.services.sales import rules, timeline
from desktop_crm.services.sales import stages as stage_rules
from desktop_crm.services.sales.rule_errors import StageChangeRefused
from desktop_crm.views.deals.board import KanbanView
from desktop_crm.views.deals.moves import WonReasonDialog
from tests.board.conftest import correct_deal
from tests.board.test_board_view import drop


@pytest.fixture
def board_view(qtbot, context):
    view = KanbanView(context)
    qtbot.addWidget(view)
    view.resize(1600, 900)
    view.show()
    qtbot.waitExposed(view)
    return view


def _won_dialog() -> WonReasonDialog:
    return next(w for w in QApplication.topLevelWidgets()
                if isinstance(w, WonReasonDialog) and w.isVisible())


def test_dropping_on_won_asks_why_and_keeps_the_reason(qtbot, board_view, world):
    deal = correct_deal(world)
    board_view.reload()
    drop(board_view, deal.id, world.won.id)
    dialog = _won_dialog()
    assert dialog.reason.currentIndex() == -1 and not dialog.ok.isEnabled()
    assert [dialog.reason.itemText(i) for i in range(dialog.reason.count())][:2] == [
        "Best price", "Quality of the product or service"]
    dialog.reason.setFocus()
    dialog.reason.setCurrentIndex(0)
    qtbot.keyClicks(dialog.comment, "cheaper than the others")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    won = Deal.get_by_id(deal.id)
    assert won.stage_id == world.won.id and won.closed_at is not None
    assert won.lost_reason == "Best price"  # the closing reason
    entry = Activity.get((Activity.deal == deal.id) & (Activity.kind == ActivityKind.STAGE_CHANGE)
                         & (Activity.stage == world.won.id))
    assert entry.body == "cheaper than the others"
    texts = [item.title for item in timeline.timeline(deal=deal.id)]
    assert any(text.startswith("Deal won (Best price):") for text in texts)


def test_cancelling_the_question_leaves_the_deal_open(qtbot, board_view, world):
    deal = correct_deal(world)
    board_view.reload()
    drop(board_view, deal.id, world.won.id)
    _won_dialog().reject()
    assert Deal.get_by_id(deal.id).closed_at is None


def test_configured_won_reasons_and_an_unknown_one_is_refused(qtbot, board_view, world, qapp):
    rules.WON_REASONS.set(["Цена", "Сроки"])
    deal = correct_deal(world)
    with pytest.raises(StageChangeRefused, match="not one of the reasons"):
        stage_rules.move_deal(deal.id, world.won.id, world.manager.id, won_reason="Погода")
    install_language(qapp, "ru")
    try:
        board_view.reload()
        drop(board_view, deal.id, world.won.id)
        dialog = _won_dialog()
        assert dialog.windowTitle() == "Сделка выиграна"
        assert [dialog.reason.itemText(i) for i in range(dialog.reason.count())] == ["Цена", "Сроки"]
        dialog.reason.setCurrentIndex(1)
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    finally:
        install_language(qapp, "en")
    assert Deal.get_by_id(deal.id).lost_reason == "Сроки"
    assert Stage.get_by_id(Deal.get_by_id(deal.id).stage_id).kind == "won"


def test_an_administrator_dragging_a_closed_deal_back_is_asked_to_reopen_it(qtbot, board_view, world,
                                                                           context):
    import datetime as dt

    from desktop_crm.services.system.session import current_user
    from desktop_crm.views.cards.closing import ReopenDialog
    from tests.board.conftest import plain_deals

    context.user = current_user(str(world.admin.id))
    [deal] = plain_deals(world, 1, stage=world.lost)
    Deal.update(closed_at=dt.datetime(2026, 1, 10), lost_reason="Дорого").where(
        Deal.id == deal.id).execute()
    board_view.reload()
    lost = board_view.column(StageId(world.lost.id))
    qtbot.mouseClick(lost.collapse_button, Qt.MouseButton.LeftButton)  # show the lost deals
    drop(board_view, deal.id, world.presentation.id)
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, ReopenDialog) and w.isVisible())
    assert dialog.choice.currentText() == "Презентация"  # the column it was dropped on
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.comment, "the client came back")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    reopened = Deal.get_by_id(deal.id)
    assert reopened.closed_at is None and reopened.stage_id == world.presentation.id
    column = board_view.column(StageId(world.presentation.id))
    assert column.model.row_of(DealId(deal.id)) >= 0  # the board shows it there
