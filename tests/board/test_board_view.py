"""The kanban board with real widgets on a real SQLite file: drag and drop through the stage rules,
refusals, lost with a reason, totals after moves, undo, keyboard moves, paging, quick-create."""

from __future__ import annotations

import warnings
from decimal import Decimal

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QInputDialog, QMessageBox

from desktop_crm.ids import DealId, StageId
from desktop_crm.models import Activity, ActivityKind, ActivityStatus, Deal
from desktop_crm.views.deals.board import KanbanView
from desktop_crm.views.deals.moves import LostReasonDialog
from tests.board.conftest import correct_deal, plain_deals


@pytest.fixture
def board_view(qtbot, context):
    view = KanbanView(context)
    qtbot.addWidget(view)
    view.resize(1600, 900)
    view.show()
    qtbot.waitExposed(view)
    return view


def drop(view, deal_id, stage_id):
    """A real drop event on the target column, carrying the mime data the source list drags."""
    source = next(c for c in view.columns if c.model.row_of(DealId(deal_id)) >= 0)
    row = source.model.row_of(DealId(deal_id))
    mime = source.model.mimeData([source.model.index(row)])
    target = view.column(StageId(stage_id))
    point = QPointF(20, 60)
    with warnings.catch_warnings():  # PySide flags the (only) QPoint constructor as deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(point.toPoint(), Qt.DropAction.MoveAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    event = QDropEvent(point, Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, event)
    return event


def ids(column):
    return [c.id for c in column.model.cards()]


def planned(deal_id):
    return sorted(a.subject for a in Activity.alive().where(
        (Activity.deal == deal_id) & (Activity.kind == ActivityKind.TASK)
        & (Activity.status == ActivityStatus.PLANNED)))


def test_board_shows_a_column_per_stage_with_totals(board_view, world):
    assert [c.info.name for c in board_view.columns][:2] == ["Квалификация", "Презентация"]
    won, lost = board_view.columns[-2:]
    assert won.collapsed and lost.collapsed and not won.view.isVisible()


def test_drag_and_drop_runs_the_rules_and_updates_the_totals(board_view, world):
    plain_deals(world, 2, amount="10.05")
    deal = correct_deal(world)
    board_view.reload()
    first, second = board_view.column(StageId(world.qualification.id)), board_view.column(
        StageId(world.presentation.id))
    assert first.count_label.text() == "3 deals"
    assert first.totals.sum_of("RUB") == Decimal("20.10") + Decimal("39980.00")
    drop(board_view, deal.id, world.presentation.id)
    assert Deal.get_by_id(deal.id).stage_id == world.presentation.id
    assert ids(second) == [DealId(deal.id)] and DealId(deal.id) not in ids(first)
    assert first.count_label.text() == "2 deals" and second.count_label.text() == "1 deal"
    assert first.totals.sum_of("RUB") == Decimal("20.10")
    assert "39" in second.sum_label.text() and "980" in second.sum_label.text()
    assert planned(deal.id) == ["Презентация"]  # the stage's task; the old ones cancelled


def test_a_refused_drop_explains_why_and_the_card_stays(qtbot, board_view, world):
    deal = plain_deals(world, 1)[0]  # no contact, lines, comment: incorrect
    board_view.reload()
    drop(board_view, deal.id, world.won.id)
    box = next(w for w in QApplication.topLevelWidgets()
               if isinstance(w, QMessageBox) and w.objectName() == "move_refused" and w.isVisible())
    assert "Only a correct deal can be won" in box.text() and "contact" in box.text()
    assert any(b.text() == "Open the deal" for b in box.buttons())
    box.close()
    assert Deal.get_by_id(deal.id).stage_id == world.qualification.id
    assert ids(board_view.column(StageId(world.qualification.id))) == [DealId(deal.id)]
    assert board_view.column(StageId(world.won.id)).totals.count == 0


def test_moving_to_lost_asks_the_reason(qtbot, board_view, world):
    deal = plain_deals(world, 1)[0]
    board_view.reload()
    drop(board_view, deal.id, world.lost.id)
    dialog = board_view.findChild(LostReasonDialog)
    assert dialog is not None and dialog.isVisible()
    assert Deal.get_by_id(deal.id).stage_id == world.qualification.id  # nothing before the answer
    dialog.reason.setCurrentIndex(1)
    reason = dialog.reason.currentText()
    dialog.comment.setText("Выбрали поставщика подешевле")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    row = Deal.get_by_id(deal.id)
    assert row.stage_id == world.lost.id and row.lost_reason == reason and row.closed_at
    assert board_view.column(StageId(world.lost.id)).count_label.text() == "1 deal"
    assert ids(board_view.column(StageId(world.qualification.id))) == []
    entry = Activity.get((Activity.deal == deal.id) & (Activity.kind == ActivityKind.STAGE_CHANGE)
                         & (Activity.body == "Выбрали поставщика подешевле"))
    assert entry.payload["lost_reason"] == reason


def test_cancelling_the_lost_reason_leaves_the_deal(qtbot, board_view, world):
    deal = plain_deals(world, 1)[0]
    board_view.reload()
    drop(board_view, deal.id, world.lost.id)
    dialog = board_view.findChild(LostReasonDialog)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    assert Deal.get_by_id(deal.id).stage_id == world.qualification.id
    assert ids(board_view.column(StageId(world.qualification.id))) == [DealId(deal.id)]


def test_ctrl_z_undoes_the_last_move(qtbot, board_view, world):
    deal = correct_deal(world)
    board_view.reload()
    before = planned(deal.id)
    drop(board_view, deal.id, world.presentation.id)
    target = board_view.column(StageId(world.presentation.id))
    target.view.setFocus()
    qtbot.keyClick(target.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert Deal.get_by_id(deal.id).stage_id == world.qualification.id
    assert planned(deal.id) == before
    assert ids(board_view.column(StageId(world.qualification.id))) == [DealId(deal.id)]
    assert target.totals.count == 0


def test_move_to_stage_menu_and_alt_arrow_are_the_keyboard_way(qtbot, board_view, world):
    deal = correct_deal(world)
    board_view.reload()
    first = board_view.column(StageId(world.qualification.id))
    card = first.model.card_at(0)
    menu = board_view.move_menu(card)
    action = next(a for a in menu.actions() if a.text() == "Презентация")
    action.trigger()
    assert Deal.get_by_id(deal.id).stage_id == world.presentation.id
    second = board_view.column(StageId(world.presentation.id))
    second.view.setFocus()
    second.view.setCurrentIndex(second.model.index(0))
    qtbot.keyClick(second.view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert Deal.get_by_id(deal.id).stage_id == world.qualification.id


def test_columns_load_page_by_page_as_you_scroll(qtbot, board_view, world):
    plain_deals(world, 100)
    board_view.reload()
    column = board_view.column(StageId(world.qualification.id))
    assert column.model.rowCount() == 40 and column.totals.count == 100
    column.view.scrollToBottom()
    qtbot.waitUntil(lambda: column.model.rowCount() == 80)
    column.view.scrollToBottom()
    qtbot.waitUntil(lambda: column.model.rowCount() == 100)
    assert len(set(ids(column))) == 100 and column.model.is_complete()


def test_filters_apply_to_cards_and_totals(board_view, world):
    plain_deals(world, 3)
    Deal.create(title="Чужая", pipeline=world.pipeline, stage=world.qualification,
                responsible=world.other_manager, amount=Decimal("5.00"))
    board_view.reload()
    column = board_view.column(StageId(world.qualification.id))
    assert column.totals.count == 4
    board_view.filter_bar.mine.setChecked(True)
    assert column.totals.count == 3 and "Чужая" not in [c.title for c in column.model.cards()]


def test_quick_create_puts_a_new_deal_on_top_of_its_column(qtbot, board_view, world):
    plain_deals(world, 2)
    board_view.reload()
    column = board_view.column(StageId(world.qualification.id))
    qtbot.mouseClick(column.add_button, Qt.MouseButton.LeftButton)
    dialog = board_view.findChild(QInputDialog, "quick_create")
    assert dialog is not None
    dialog.setTextValue("Заявка с сайта")
    dialog.accept()
    assert column.model.card_at(0).title == "Заявка с сайта"
    assert column.totals.count == 3


def test_collapsed_column_expands_and_loads(qtbot, board_view, world):
    won = board_view.column(StageId(world.won.id))
    qtbot.mouseClick(won.collapse_button, Qt.MouseButton.LeftButton)
    assert not won.collapsed and won.view.isVisible()
    from desktop_crm.services.listing import preferences

    assert preferences.board_state(board_view.user_id)["collapsed"][str(world.won.id)] is False
