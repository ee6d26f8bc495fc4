"""The deal card closes as every window must (Close, Esc, Ctrl+W; the question asked once), and
stays true while open: changes made elsewhere — the board, another window, another connection —
show in it without a click on Refresh."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_crm.ids import StageId
from desktop_crm.models import Deal
from desktop_crm.services.sales import board
from desktop_crm.views.deals.card import DealCard, open_deal
from tests.board.conftest import correct_deal


def _answer(button: QMessageBox.StandardButton) -> None:
    def click() -> None:
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.objectName() == "unsaved_changes"
                   and w.isVisible())
        box.button(button).click()

    QTimer.singleShot(0, click)


def _open(qtbot, context, deal_id) -> DealCard:
    card = open_deal(context, str(deal_id))
    assert isinstance(card, DealCard)
    qtbot.waitExposed(card)
    return card


def test_escape_asks_then_discard_closes_and_reopening_is_fresh(qtbot, context, world):
    deal = correct_deal(world)
    card = _open(qtbot, context, deal.id)
    card.title.setFocus()
    card.title.selectAll()
    qtbot.keyClicks(card.title, "Renamed deal")
    assert card.is_dirty()
    _answer(QMessageBox.StandardButton.Discard)
    qtbot.keyClick(card, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not card.isVisible())
    again = _open(qtbot, context, deal.id)
    assert again is not card
    assert again.title.text() == "Обучение отдела продаж" and not again.is_dirty()
    qtbot.mouseClick(again.buttons.button(again.buttons.StandardButton.Close),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not again.isVisible())


def test_close_button_and_ctrl_w_close_a_clean_card(qtbot, context, world):
    deal = correct_deal(world)
    card = _open(qtbot, context, deal.id)
    qtbot.mouseClick(card.buttons.button(card.buttons.StandardButton.Close), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not card.isVisible())
    card = _open(qtbot, context, deal.id)
    card.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is card)
    card.title.setFocus()
    qtbot.keyClick(card.title, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not card.isVisible())


def test_cancel_keeps_the_card_open_and_save_closes_it(qtbot, context, world):
    deal = correct_deal(world)
    card = _open(qtbot, context, deal.id)
    card.title.setFocus()
    qtbot.keyClicks(card.title, " 2")
    _answer(QMessageBox.StandardButton.Cancel)
    qtbot.keyClick(card, Qt.Key.Key_Escape)
    assert card.isVisible() and card.is_dirty()
    _answer(QMessageBox.StandardButton.Save)
    qtbot.keyClick(card, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not card.isVisible())
    assert Deal.get_by_id(deal.id).title == "Обучение отдела продаж 2"


def test_a_board_move_shows_in_the_open_card(qtbot, context, world):
    deal = correct_deal(world)
    card = _open(qtbot, context, deal.id)
    assert card.stage_bar.current == StageId(world.qualification.id)
    board.move(deal.id, world.presentation.id, world.manager.id)  # the board's service call
    qtbot.waitUntil(lambda: card.stage_bar.current == StageId(world.presentation.id))
    assert "Презентация" in card.state_label.text()
    card.close()


def test_a_change_by_another_connection_reaches_the_open_card(qtbot, context, world, tmp_path):
    deal = correct_deal(world)
    card = _open(qtbot, context, deal.id)
    context.watch_outside_changes(50)
    other = sqlite3.connect(tmp_path / "crm.db")  # another process on the same file
    with other:
        other.execute("UPDATE deal SET title = 'Renamed elsewhere' WHERE title = ?",
                      ("Обучение отдела продаж",))
    other.close()
    qtbot.waitUntil(lambda: card.title.text() == "Renamed elsewhere")
    context.outside_timer.stop()
    card.close()


def test_the_missing_panel_follows_the_typing(qtbot, context, world):
    from desktop_crm.models import Deal as DealRow
    from desktop_crm.services.sales import contacts
    from tests.board.conftest import plain_deals
    from tests.rules.conftest import CONTACT

    contacts.create_contact(CONTACT, world.manager)
    deal = plain_deals(world, 1)[0]
    DealRow.update(missing_fields=["contact", "product_group"]).where(DealRow.id == deal.id).execute()
    card = _open(qtbot, context, deal.id)
    assert "contact" in card.missing_panel.text()
    card.contact.edit.setText("федоров")
    card.contact.pick(card.contact.search_now()[0])
    qtbot.waitUntil(lambda: "contact" not in card.missing_panel.text())
    assert "product group" in card.missing_panel.text() and card.is_dirty()
    card._set_dirty(False)
    card.close()
