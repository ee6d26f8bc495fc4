"""Settings › Rules: the reasons for winning a deal, shown in grey until set, saved, offered."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_crm.services.sales import board, rules
from desktop_crm.views.settings import SettingsView


def test_won_reasons_are_set_in_the_rules_page(context, qtbot):
    view = SettingsView(context)
    qtbot.addWidget(view, before_close_func=lambda w: [p.set_clean() for p in w.pages.values()])
    view.show()
    page = view.select("rules")
    editor = page.editors["won_reasons"]
    assert editor.toPlainText() == "" and editor.placeholderText().startswith("Best price\n")
    editor.setFocus()
    editor.insertPlainText("Скидка за объём\nДоверие к бренду\n")
    assert page.dirty
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not page.dirty, page.banner.text()
    assert rules.WON_REASONS.get() == ["Скидка за объём", "Доверие к бренду"]
    assert board.won_reasons() == ["Скидка за объём", "Доверие к бренду"]
