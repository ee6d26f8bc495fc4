"""Merging two contacts from the contacts list: both side by side, a value chosen per field, what
moves shown, the merge done, and undone."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QToolButton

from desktop_crm.app import install_language
from desktop_crm.models import Activity, ActivityKind, Contact, Deal, Lead
from desktop_crm.views.cards.merge import MergeDialog
from desktop_crm.views.lists.list_view import EntityListView
from tests.factories import make_contact, make_deal


def _people():
    kept = make_contact("Фёдоров", "Алексей", mobile_phone="+7 901 776-34-34",
                        birth_date=dt.date(1990, 2, 22))
    other = make_contact("Фёдоров", "Алексей", private_email="fedorov@yandex.ru",
                         mobile_phone="+7 901 776-34-35")
    make_deal("Курсы английского", contact=kept)
    moved_deal = make_deal("Курсы немецкого", contact=other)
    Lead.create(title="Курсы", last_name="Фёдоров", first_name="Алексей", contact=other)
    Activity.create(kind=ActivityKind.COMMENT, contact=other, body="Позвонил, договорились о встрече")
    return kept, other, moved_deal


def _list(context, qtbot) -> EntityListView:
    view = EntityListView(context, "contacts")
    qtbot.addWidget(view)
    view.show()
    view.reload()
    return view


def _merge_dialog() -> MergeDialog:
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, MergeDialog) and w.isVisible())


def _click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(6, button.height() // 2))


def test_merge_two_selected_contacts_then_undo(context, qtbot):
    kept, other, moved_deal = _people()
    view = _list(context, qtbot)
    merge_button = next(b for b in view.actions_bar.findChildren(QToolButton)
                        if b.defaultAction() and b.defaultAction().objectName() == "action_merge")
    assert not merge_button.isEnabled()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert merge_button.isEnabled()
    qtbot.mouseClick(merge_button, Qt.MouseButton.LeftButton)
    dialog = _merge_dialog()
    # the kept contact: the one with more linked records (the other's deal, lead and comment move)
    keep_other = dialog.keep_left if dialog.preview.left.id == other.id else dialog.keep_right
    keep_kept = dialog.keep_right if keep_other is dialog.keep_left else dialog.keep_left
    assert keep_other.isChecked()
    _click(qtbot, keep_kept)
    assert dialog.moves.text().startswith("Moves from Фёдоров Алексей to Фёдоров Алексей: 1 deal, 1 lead")
    side = "left" if dialog.preview.left.id == other.id else "right"
    mobile_of_other = dialog.findChild(type(keep_kept), f"merge_mobile_phone_{side}")
    _click(qtbot, mobile_of_other)
    email = dialog.findChild(type(keep_kept), f"merge_private_email_{side}")
    assert email.isChecked()  # the only value there is
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text().startswith("Merged: 1 deal, 1 lead, 1 timeline entry")
    survivor = Contact.get_by_id(kept.id)
    assert survivor.mobile_phone == "+7 901 776-34-35" and survivor.private_email == "fedorov@yandex.ru"
    assert survivor.birth_date == dt.date(1990, 2, 22)
    assert Contact.get_by_id(other.id).deleted_at is not None
    assert Deal.get_by_id(moved_deal.id).contact_id == kept.id
    assert view.model.rowCount() == 1  # the list was told
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "The merge is undone: both contacts are as they were."
    assert Contact.get_by_id(other.id).deleted_at is None
    assert Deal.get_by_id(moved_deal.id).contact_id == other.id
    assert Lead.get(Lead.last_name == "Фёдоров").contact_id == other.id
    back = Contact.get_by_id(kept.id)
    assert back.mobile_phone == "+7 901 776-34-34" and back.private_email == ""
    assert view.model.rowCount() == 2
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_the_merge_screen_in_italian(context, qtbot, qapp):
    a = make_contact("Rossi", "Mario", mobile_phone="+39 333 123 4567")
    b = make_contact("Rossi", "Mario", private_email="mario.rossi@example.it")
    install_language(qapp, "it")
    try:
        dialog = MergeDialog(context, str(a.id), str(b.id))
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "Unisci contatti"
        assert dialog.merge_button.text() == "Unisci"
        assert dialog.moves.text().startswith("Passa da Rossi Mario a Rossi Mario: niente.")
    finally:
        install_language(qapp, "en")


def test_merge_from_the_duplicate_warning_of_a_contact_card(context, qtbot):
    from desktop_crm.views.cards.contact import ContactCard

    existing = make_contact("Петров", "Евгений", mobile_phone="+7 901 776-34-34",
                            birth_date=dt.date(2000, 2, 22))
    make_deal("Курсы", contact=existing)
    duplicate = make_contact("Петров", "Евгений", private_email="petrov@yandex.ru")
    card = ContactCard(context, str(duplicate.id))
    qtbot.addWidget(card)
    card.show()
    phone = card.editors["mobile_phone"]
    phone.setFocus()
    qtbot.keyClicks(phone, "+7 901 776-34-34")
    card.run_checks()
    assert card.duplicate_frame.isVisible() and card.merge_button.isVisible()
    card.set_clean()  # the typed phone is not saved: the merge screen chooses the values
    qtbot.mouseClick(card.merge_button, Qt.MouseButton.LeftButton)
    dialog = card.merge_dialog
    assert dialog.keep_left.isChecked()  # the existing contact, which has the deal, is kept
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    assert Contact.get_by_id(duplicate.id).deleted_at is not None
    assert Contact.get_by_id(existing.id).private_email == "petrov@yandex.ru"
    assert not card.isVisible()  # this contact is gone; the kept one's card opens instead
    opened = [w for w in QApplication.topLevelWidgets()
              if isinstance(w, ContactCard) and w.isVisible() and w.record_id == str(existing.id)]
    assert opened
    for other in opened:
        other.set_clean()
        other.close()
    dialog.close()
