"""The deal card's lines table refuses what the services would refuse, with their translated
message under the table, typed through the real cell editor (no crash, no change)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit

from desktop_crm import i18n
from desktop_crm.models import DealLine
from desktop_crm.views.deals.card import DealCard, open_deal
from desktop_crm.views.deals.lines import C_PRICE, C_QTY
from tests.board.conftest import correct_deal


@pytest.fixture
def card(qtbot, context, world):
    opened = open_deal(context, str(correct_deal(world).id))
    assert isinstance(opened, DealCard)
    yield opened
    opened._set_dirty(False)
    opened.close()


def type_into_cell(qtbot, card, column, text):
    table = card.lines.table
    index = card.lines.model.index(0, column)
    table.setCurrentIndex(index)
    table.edit(index)
    editors = [e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    editor = editors[0]
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits and closes queued
    qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState)


@pytest.mark.parametrize(("language", "message"), [
    ("en", "Price: the number is too large."),
    ("ru", "Цена: слишком большое число."),
    ("it", "Prezzo: il numero è troppo grande."),
])
def test_price_1e17_shows_the_translated_message_and_changes_nothing(qtbot, card, language, message):
    i18n.set_language(language)
    model = card.lines.model
    before = list(model.lines)
    type_into_cell(qtbot, card, C_PRICE, "1e17")
    assert card.lines.error_label.text() == message
    assert not card.lines.error_label.isHidden()
    assert model.lines == before and not card.is_dirty()


def test_a_price_times_quantity_past_the_limit_is_refused(qtbot, card):
    type_into_cell(qtbot, card, C_QTY, "1")
    type_into_cell(qtbot, card, C_PRICE, "9000000000000")
    assert card.lines.error_label.isHidden()  # a large price alone is fine
    type_into_cell(qtbot, card, C_QTY, "1000")
    assert card.lines.error_label.text() == "Amount: the number is too large."


def test_a_good_value_hides_the_message_and_saves(qtbot, card, world):
    type_into_cell(qtbot, card, C_QTY, "NaN")
    assert card.lines.error_label.text() == "Quantity: enter a number."
    type_into_cell(qtbot, card, C_QTY, "4")
    assert card.lines.error_label.isHidden()
    assert card.save()
    assert [line.quantity for line in DealLine.alive()] == [4]
