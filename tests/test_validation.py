"""The shared validators (``desktop_crm.validation``): one per kind of value, each refusal a
``ValidationError`` naming the field, translated."""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_crm import i18n, validation
from desktop_crm.errors import CrmError, ValidationError


def refusal(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-02-29", dt.date(2024, 2, 29)), ("29.02.2024", dt.date(2024, 2, 29)),
    ("1.2.2025", dt.date(2025, 2, 1)), ("01/02/2025", dt.date(2025, 2, 1)),
    (dt.datetime(2025, 3, 4, 5, 6), dt.date(2025, 3, 4)), ("", None), (None, None),
])
def test_dates_in_the_forms_people_type(text, expected):
    assert validation.date_value(text, "birth_date") == expected


@pytest.mark.parametrize(("value", "message"), [
    ("2023-02-29", "Birth date: the day 2023-02-29 does not exist."),
    ("31.04.2025", "Birth date: the day 31.04.2025 does not exist."),
    ("0000-01-01", "Birth date: the day 0000-01-01 does not exist."),
    ("31.12.1899", "Birth date: the year must be from 1900 to 2100."),
    (dt.date(9999, 12, 31), "Birth date: the year must be from 1900 to 2100."),
    ("yesterday", "Birth date: “yesterday” is not a date; enter it such as 31.12.2025."),
    (20250101, "Birth date: enter a date such as 31.12.2025."),
])
def test_impossible_and_out_of_range_dates_are_refused(value, message):
    error = refusal(validation.date_value, value, "birth_date")
    assert (error.message, error.field) == (message, "birth_date")


@pytest.mark.parametrize(("value", "expected"), [
    ("1 200,50", Decimal("1200.50")), ("1200.5", Decimal("1200.50")), (7, Decimal("7.00")),
    (Decimal("0.005"), Decimal("0.01")), ("1E5", Decimal("100000.00")), ("", Decimal("0.00")),
])
def test_money(value, expected):
    assert validation.money_value(value, "price") == expected


@pytest.mark.parametrize(("value", "message"), [
    ("NaN", "Price: enter a number."), (Decimal("Infinity"), "Price: enter a number."),
    (1.5, "Price: enter a number."), (True, "Price: enter a number."), ("50%", "Price: enter a number."),
    ("1e30", "Price: the number is too large."), ("1e17", "Price: the number is too large."),
    (10**30, "Price: the number is too large."), ("-1", "Price: cannot be negative."),
])
def test_bad_money_is_refused(value, message):
    assert refusal(validation.money_value, value, "price").message == message


def test_quantities_and_percentages():
    assert validation.quantity_value("2,5") == Decimal("2.500")
    assert refusal(validation.quantity_value, "0").message == "Quantity: must be above zero."
    assert validation.percent_value("50%", "probability") == Decimal("50.00")
    assert validation.percent_value(" 12,5 % ", "discount_percent") == Decimal("12.50")
    assert refusal(validation.percent_value, "150", "probability").message == (
        "Probability: enter a percentage from 0 to 100.")
    assert refusal(validation.percent_value, "half", "probability").message == "Probability: enter a number."


def test_text():
    assert validation.text_value("  Иван \t Петров ", "name", max_length=20) == "Иван Петров"
    assert validation.text_value("\u202eИван\u2066", "name", max_length=20) == "Иван"
    assert validation.text_value(" a\n b ", "comment", max_length=20, multiline=True) == "a\n b"
    for bad in ("a\x00b", "\ud800", "bell\x07", "esc\x1b[0m"):
        assert refusal(validation.text_value, bad, "last_name", max_length=100).message == (
            "Last name: the text contains characters that cannot be saved (control characters or "
            "broken Unicode).")
    assert refusal(validation.text_value, "x" * 101, "last_name", max_length=100).message == (
        "Last name: at most 100 characters, not 101.")
    assert refusal(validation.text_value, " ", "title", max_length=9, required=True).message == (
        "Title: fill this in.")
    assert validation.search_value("a\x00b\ud800c\u202e" + "x" * 300) == "a b c" + "x" * 195


def test_countries_and_enums():
    assert validation.country_value(" it ") == "IT"
    for bad in ("ZZ", "RUS", "XX", "EU"):
        assert refusal(validation.country_value, bad).field == "country"
    assert refusal(validation.country_value, "").message == "Country: choose a country."
    assert validation.country_value("", required=False) == ""

    class Colour(enum.StrEnum):
        RED = "red"

    assert validation.enum_value("red", Colour, "colour") is Colour.RED
    assert refusal(validation.enum_value, "blue", Colour, "colour").message == (
        "Colour: “blue” is not one of the allowed values.")


@pytest.mark.parametrize(("language", "message"), [
    ("ru", "Цена: слишком большое число."), ("it", "Prezzo: il numero è troppo grande."),
])
def test_messages_are_translated(language, message):
    i18n.set_language(language)
    assert refusal(validation.money_value, "1e17", "price").message == message
    assert refusal(validation.date_value, "2023-02-29", "birth_date").message != (
        "Birth date: the day 2023-02-29 does not exist.")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.integers(), st.just(10**5000),
                 st.decimals(allow_nan=True, allow_infinity=True),
                 st.floats(), st.none(), st.dates(), st.booleans()))
def test_any_value_is_parsed_or_refused_as_a_crm_error(value):
    for call in (lambda: validation.money_value(value, "price"),
                 lambda: validation.percent_value(value, "probability"),
                 lambda: validation.quantity_value(value),
                 lambda: validation.date_value(value, "date"),
                 lambda: validation.datetime_value(value, "due_at"),
                 lambda: validation.text_value(value, "name", max_length=50),
                 lambda: validation.country_value(value)):
        with contextlib.suppress(CrmError):  # a refusal; anything else fails the test
            call()
