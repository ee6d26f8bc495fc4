"""The contact card on a real database: inline rule messages, the duplicate warning with "Open
existing" and "Not a duplicate", phone normalisation, timeline entries and the unsaved-changes
question."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_crm.models import Activity, Contact, DuplicateDismissal
from desktop_crm.services.sales import contacts
from desktop_crm.views.cards.contact import ContactCard


def existing_petrov(context) -> Contact:
    return contacts.create_contact(
        {"last_name": "Петров", "first_name": "Евгений", "middle_name": "Петрович",
         "birth_date": dt.date(2000, 2, 22), "mobile_phone": "+7 901 776-34-34",
         "private_email": "petrov@yandex.ru"},
        context.user.id,
    )


def fill_new_petrov(card: ContactCard, typer) -> None:
    typer(card.editors["last_name"], "Петров")
    typer(card.editors["first_name"], "Евгений")
    card.editors["birth_date"].set_value(dt.date(1999, 5, 1))
    typer(card.editors["mobile_phone"], "8 901 776 34 34")
    typer(card.editors["private_email"], "e.petrov@mail.ru")


def open_new(context, qtbot) -> ContactCard:
    card = context.registry.card_opener("contacts")(context, None, None)
    qtbot.waitExposed(card)
    return card


def test_duplicate_warning_then_not_a_duplicate_saves_and_records(context, qtbot, typer):
    other = existing_petrov(context)
    card = open_new(context, qtbot)
    fill_new_petrov(card, typer)
    # the warning comes while typing (name + phone match), before any save
    qtbot.waitUntil(lambda: card.duplicate_frame.isVisible(), timeout=2000)
    assert "Петров Евгений Петрович" in card.duplicate_label.text()
    assert "full name" in card.duplicate_label.text() and "phone" in card.duplicate_label.text()
    # saving anyway is refused by the rule and keeps the warning
    assert not card.save()
    assert Contact.alive().count() == 1
    qtbot.mouseClick(card.not_duplicate_button, Qt.MouseButton.LeftButton)
    assert Contact.alive().count() == 2
    saved = Contact.get(Contact.private_email == "e.petrov@mail.ru")
    assert card.record_id == str(saved.id) and not card.dirty
    assert saved.mobile_phone_e164 == "+79017763434"
    dismissal = DuplicateDismissal.get()
    assert {dismissal.contact_id, dismissal.other_contact_id} == {saved.id, other.id}
    # recorded: the same values no longer warn
    card.run_checks()
    assert not card.duplicate_frame.isVisible()


def test_open_existing_opens_the_other_contact(context, qtbot, typer):
    other = existing_petrov(context)
    card = open_new(context, qtbot)
    fill_new_petrov(card, typer)
    qtbot.waitUntil(lambda: card.duplicate_frame.isVisible(), timeout=2000)
    qtbot.mouseClick(card.open_existing_button, Qt.MouseButton.LeftButton)
    opened = [w for w in QApplication.topLevelWidgets()
              if isinstance(w, ContactCard) and w.record_id == str(other.id)]
    assert len(opened) == 1 and opened[0].isVisible()
    assert opened[0].editors["mobile_phone"].text() == "+7 901 776-34-34"
    # the new card keeps what was typed
    assert card.editors["last_name"].text() == "Петров" and card.dirty


def test_inline_messages_from_the_rules(context, qtbot, typer):
    card = open_new(context, qtbot)
    typer(card.editors["mobile_phone"], "12")
    typer(card.editors["private_email"], "anna@firma.ru")  # a user's own address
    card.run_checks()
    assert card.error_labels["mobile_phone"].isVisible()
    assert "not a valid phone number" in card.error_labels["mobile_phone"].text()
    assert "user of this CRM" in card.error_labels["private_email"].text()
    # required fields are only flagged after a save attempt
    assert not card.error_labels["last_name"].isVisible()
    assert not card.save()
    card.run_checks()
    assert card.error_labels["last_name"].text() == "Required."
    assert card.error_labels["birth_date"].isVisible()
    assert Contact.alive().count() == 0


def test_phone_normalisation_is_shown(context, qtbot, typer):
    card = open_new(context, qtbot)
    typer(card.editors["mobile_phone"], "8 (912) 345-67-89")
    assert card.phone_previews["mobile_phone"].text() == "Will be saved as +7 912 345-67-89"


def test_timeline_comment_and_call_with_detailed_hint(context, qtbot, typer):
    contact = existing_petrov(context)
    card = context.registry.card_opener("contacts")(context, str(contact.id), None)
    timeline = card.timeline
    typer(timeline.text, "перезвонить")
    assert timeline.hint.text().startswith("Too short: say what was discussed and agreed")
    timeline.text.clear()
    timeline.kind.setCurrentIndex(timeline.kind.findData("call"))
    typer(timeline.text, "Обсудили курс на 40 000, оплата двумя частями, договор в пятницу")
    assert timeline.hint.text() == "Detailed comment."
    qtbot.mouseClick(timeline.add_button, Qt.MouseButton.LeftButton)
    call = Activity.get(Activity.contact == contact.id, Activity.kind == "call")
    assert call.client_answered and "договор в пятницу" in call.body
    assert timeline.model.rowCount() == 1
    assert "✓" in timeline.model.index(0).data()


def test_unsaved_changes_prompt_on_close(context, qtbot, typer, answer):
    contact = existing_petrov(context)
    card = context.registry.card_opener("contacts")(context, str(contact.id), None)
    typer(card.editors["position"], "Директор")
    assert card.dirty and card.windowTitle().startswith("*")
    seen = answer("Cancel")
    card.close()
    assert seen == ["This card has unsaved changes. Save them before closing?"]
    assert card.isVisible()
    answer("Save")
    card.close()
    assert not card.isVisible()
    assert Contact.get_by_id(contact.id).position == "Директор"


def test_escape_with_changes_can_discard(context, qtbot, typer, answer):
    contact = existing_petrov(context)
    card = context.registry.card_opener("contacts")(context, str(contact.id), None)
    typer(card.editors["position"], "Менеджер")
    seen = answer("Discard changes")
    qtbot.keyClick(card, Qt.Key.Key_Escape)
    assert seen and not card.isVisible()
    assert Contact.get_by_id(contact.id).position == ""


def test_ctrl_s_saves_and_a_second_open_brings_the_same_card(context, qtbot, typer):
    contact = existing_petrov(context)
    opener = context.registry.card_opener("contacts")
    card = opener(context, str(contact.id), None)
    card.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is card)
    typer(card.editors["source"], "Сайт")
    qtbot.keyClick(card.editors["source"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not card.dirty
    assert Contact.get_by_id(contact.id).source == "Сайт"
    assert opener(context, str(contact.id), None) is card


def test_quitting_asks_about_an_open_card_with_changes(context, qtbot, typer, answer):
    from desktop_crm.views.main_window import MainWindow

    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    contact = existing_petrov(context)
    card = context.registry.card_opener("contacts")(context, str(contact.id), window)
    typer(card.editors["position"], "Бухгалтер")
    seen = answer("Cancel")
    window.close()
    assert seen and window.isVisible() and card.isVisible()
    answer("Save")
    window.close()
    assert not window.isVisible()
    assert Contact.get_by_id(contact.id).position == "Бухгалтер"


def test_company_is_picked_by_search(context, qtbot, typer):
    from desktop_crm.models import Company

    company = Company.create(short_name="ООО «Ромашка»", legal_name="ООО «Ромашка»",
                             inn="7707083893")
    card = context.registry.card_opener("contacts")(context, None, None)
    picker = card.editors["company"]
    typer(picker.edit, "ромашка")
    found = picker.search_now()
    assert [c.name for c in found] == ["ООО «Ромашка»"]
    picker.pick(found[0])
    for name, value in (("last_name", "Кузнецова"), ("first_name", "Вера"),
                        ("mobile_phone", "+7 903 111-22-33"), ("private_email", "vera@mail.ru")):
        typer(card.editors[name], value)
    card.editors["birth_date"].set_value(dt.date(1985, 1, 2))
    assert card.save(), card.banner.text()
    assert Contact.get(Contact.last_name == "Кузнецова").company_id == company.id
