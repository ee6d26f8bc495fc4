"""Dates typed and picked like a user does: digits typed into an empty birth date make the date,
the calendar of an empty field opens near today, not in January 1900."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QPoint, Qt

from desktop_crm.models import Contact
from desktop_crm.views.cards.common import DateField


def open_calendar(qtbot, field) -> None:
    """A click on the field's drop-down arrow, as a user opens the calendar."""
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton, pos=QPoint(field.width() - 6, field.height() // 2))


def test_typing_digits_into_an_empty_birth_date(context, qtbot, typer):
    card = context.registry.card_opener("contacts")(context, None, None)
    field = card.editors["birth_date"]
    assert isinstance(field, DateField) and field.value() is None
    field.setFocus()
    qtbot.keyClicks(field, "22022000")
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    assert field.value() == dt.date(2000, 2, 22)
    assert field.lineEdit().text() == "22.02.2000"
    typer(card.editors["last_name"], "Датов")
    typer(card.editors["first_name"], "Евгений")
    typer(card.editors["mobile_phone"], "8 901 776 34 34")
    typer(card.editors["private_email"], "datov@mail.ru")
    assert card.save(), card.banner.text()
    assert Contact.get(Contact.last_name == "Датов").birth_date == dt.date(2000, 2, 22)
    card.close()


def test_the_calendar_of_an_empty_date_opens_near_today(qtbot):
    field = DateField(birth=True)
    qtbot.addWidget(field)
    field.show()
    qtbot.waitExposed(field)
    field.setFocus()
    open_calendar(qtbot, field)
    calendar = field.calendarWidget()
    qtbot.waitUntil(calendar.isVisible)
    assert calendar.yearShown() == dt.date.today().year - 30
    assert field.value() is None  # only the page moved
    calendar.window().close()
    plain = DateField()
    qtbot.addWidget(plain)
    plain.show()
    plain.setFocus()
    open_calendar(qtbot, plain)
    qtbot.waitUntil(plain.calendarWidget().isVisible)
    assert (plain.calendarWidget().yearShown(), plain.calendarWidget().monthShown()) == (
        dt.date.today().year, dt.date.today().month)
    plain.calendarWidget().window().close()


def test_the_phone_placeholder_follows_the_businesss_region(context, qtbot):
    from desktop_crm.services.sales import rules

    rules.PHONE_REGION.set("IT")
    card = context.registry.card_opener("contacts")(context, None, None)
    assert card.editors["mobile_phone"].placeholderText().startswith("+39 ")
    card.close()
