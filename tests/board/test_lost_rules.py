"""Lost deals by the rules, from the board: the lost dialog preselects nothing and wants a comment
for "Other"; Ctrl+Z does not reopen a lost deal for whom the rules do not allow it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_crm.ids import StageId
from desktop_crm.models import Deal
from desktop_crm.services.sales import board, stages
from desktop_crm.services.sales.rule_errors import StageChangeRefused
from desktop_crm.views.deals.board import KanbanView
from desktop_crm.views.deals.moves import LostReasonDialog
from tests.board.conftest import correct_deal, plain_deals
from tests.board.test_board_view import drop


@pytest.fixture
def board_view(qtbot, context):
    view = KanbanView(context)
    qtbot.addWidget(view)
    view.resize(1600, 900)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_the_lost_dialog_preselects_nothing_and_other_needs_a_comment(qtbot, board_view, world):
    deal = plain_deals(world, 1)[0]
    board_view.reload()
    drop(board_view, deal.id, world.lost.id)
    dialog = board_view.findChild(LostReasonDialog)
    assert dialog.reason.currentIndex() == -1 and dialog.chosen() == ""
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_End)  # the last reason: "Other"
    assert dialog.chosen() == "Other"
    assert not dialog.ok_button.isEnabled() and "comment" in dialog.hint.text()
    dialog.comment.setFocus()
    qtbot.keyClicks(dialog.comment, "Client closed the business")
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    row = Deal.get_by_id(deal.id)
    assert row.stage_id == world.lost.id and row.lost_reason == "Other"


def test_the_service_refuses_other_without_a_comment(world):
    deal = plain_deals(world, 1)[0]
    with pytest.raises(StageChangeRefused, match="comment"):
        stages.move_deal(deal.id, world.lost.id, world.manager.id, lost_reason="Other")


def test_ctrl_z_does_not_reopen_a_lost_deal_for_a_manager(qtbot, board_view, world):
    deal = correct_deal(world)
    board_view.reload()
    drop(board_view, deal.id, world.lost.id)
    dialog = board_view.findChild(LostReasonDialog)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Home)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert Deal.get_by_id(deal.id).stage_id == world.lost.id
    lost = board_view.column(StageId(world.lost.id))
    said = []

    def read_and_close() -> None:
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.isVisible())
        said.append(box.text())
        box.close()

    QTimer.singleShot(0, read_and_close)
    board_view.undo_action.trigger()  # Ctrl+Z
    assert "does not allow you to reopen" in said[0]
    assert Deal.get_by_id(deal.id).stage_id == world.lost.id and lost is not None


def test_an_administrator_may_undo_a_lost_move(world):
    deal = correct_deal(world)
    moved = board.move(deal.id, world.lost.id, world.manager.id, "No budget", "")
    board.undo(moved, world.admin.id)
    assert Deal.get_by_id(deal.id).stage_id == world.qualification.id


def test_undo_labels_read_as_sentences_in_russian(qtbot, context, world):
    from desktop_crm import i18n
    from desktop_crm.views.deals.lines import LinesEditor

    i18n.set_language("ru")
    deal = correct_deal(world)
    from desktop_crm.services.sales import deal_card

    data = deal_card.load(deal.id)
    editor = LinesEditor(data.vat, data.currency)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    assert editor.undo_action.text() == "Отменить: добавление строки"
    editor.undo_action.trigger()
    assert editor.redo_action.text() == "Повторить: добавление строки"
