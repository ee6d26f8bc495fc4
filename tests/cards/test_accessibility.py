"""Every form speaks to a screen reader and the keyboard: a test walks the forms of every card
(new records), the deal card and every settings page; each labelled row's label is the buddy of its
editor and each editor has an accessible name. Alt+letter on a label moves the cursor there."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from desktop_crm.views.common.accessibility import editor_of, form_rows, label_text


def _check(window: QWidget) -> list[str]:
    problems = []
    rows = form_rows(window)
    assert rows, f"{window.objectName()} has no form"
    for label, field in rows:
        editor = editor_of(field)
        if editor is None:
            continue  # a read-only value (a label showing text)
        name = f"{window.objectName()}: {label_text(label)}"
        if label.buddy() is not editor:
            problems.append(f"{name}: the label is not the buddy of its editor")
        if not editor.accessibleName():
            problems.append(f"{name}: the editor has no accessible name")
    return problems


def test_every_card_and_settings_page_names_its_fields(context, qtbot):
    from desktop_crm.views.deals.card import open_deal
    from desktop_crm.views.settings.view import SettingsView

    problems: list[str] = []
    for entity in ("contacts", "companies", "leads", "products", "deals"):
        opener = open_deal if entity == "deals" else context.registry.card_opener(entity)
        window = opener(context, None, None)
        qtbot.waitExposed(window)
        problems += _check(window)
        window.close()
    settings = SettingsView(context)
    qtbot.addWidget(settings)
    for key in settings.specs:
        page = settings.select(key)
        settings.show()
        qtbot.waitExposed(page)
        if form_rows(page):
            problems += _check(page)
    assert problems == []


def test_a_label_mnemonic_moves_the_cursor_to_its_field(context, qtbot):
    from desktop_crm.views.deals.moves import LostReasonDialog

    dialog = LostReasonDialog("Курс", ["Price too high", "Other"])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.reason.setFocus()
    qtbot.keyClick(dialog, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # "&Comment:"
    assert dialog.comment.hasFocus()
    assert dialog.comment.accessibleName() == "Comment"


def test_every_card_closes_with_esc_after_asking_and_reopens_fresh(context, qtbot, typer):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    for entity in ("contacts", "companies", "leads", "products"):
        opener = context.registry.card_opener(entity)
        card = opener(context, None, None)
        qtbot.waitExposed(card)
        first = next(e for e in card.editors.values() if hasattr(e, "setText") and e.isEnabled())
        typer(first, "Черновик")
        assert card.dirty

        def discard() -> None:
            box = next(w for w in QApplication.topLevelWidgets()
                       if isinstance(w, QMessageBox) and w.isVisible())
            next(b for b in box.buttons()
                 if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole).click()

        QTimer.singleShot(0, discard)
        qtbot.keyClick(card, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda c=card: not c.isVisible())
        again = opener(context, None, None)
        assert again is not card and not again.dirty
        qtbot.mouseClick(again.close_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda c=again: not c.isVisible())
