"""Catalogs are complete, and formatting rounds half-up in each language."""

from __future__ import annotations

from decimal import Decimal

from desktop_crm import i18n
from desktop_crm.i18n.catalogs import problems
from desktop_crm.i18n.formatting import format_amount, format_money


def test_every_message_is_translated_into_russian_and_italian():
    assert problems() == []


def test_ui_language_switches_messages():
    message = "The database belongs to another application."
    i18n.set_language("ru")
    assert i18n._(message) == "База данных принадлежит другому приложению."
    i18n.set_language("it")
    assert i18n._(message) == "Il database appartiene a un'altra applicazione."
    i18n.set_language("en")
    assert i18n._(message) == message


def test_money_is_rounded_half_up_before_babel_formats_it():
    assert format_money(Decimal("0.125"), "EUR", "it") == "0,13\xa0€"
    assert format_money(Decimal("1234567.005"), "RUB", "ru") == "1\xa0234\xa0567,01\xa0₽"
    assert format_amount(Decimal("2.5"), "en") == "2.50"
