"""Golden values: VAT maths of both countries, babel formatting (half-even trap), amount in words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop_crm import pricing
from desktop_crm.countries.ru import rub_in_words
from desktop_crm.documents.formatting import (
    amount_text,
    date_text,
    money_text,
    percent_text,
    quantity_text,
)

D = Decimal


def test_russian_vat_included_is_computed_per_line_then_summed():
    lines = [
        pricing.LineInput(D("1"), D("35990.00"), vat_rate=D("22")),
        pricing.LineInput(D("2"), D("1500.00"), vat_rate=D("22")),
        pricing.LineInput(D("1"), D("3000.00"), vat_rate=D("22")),
    ]
    totals = pricing.compute(lines, country="RU", vat_included=True)
    assert [r.vat for r in totals.lines] == [D("6490.00"), D("540.98"), D("540.98")]
    assert totals.vat_total == D("7571.96")  # 22/122 of the total would give 7571.97
    assert totals.subtotal == totals.grand_total == D("41990.00")
    assert totals.net_total == D("34418.04")


def test_russian_vat_on_top_per_line():
    lines = [
        pricing.LineInput(D("3"), D("33.33"), vat_rate=D("22")),
        pricing.LineInput(D("1"), D("0.05"), vat_rate=D("10")),
    ]
    totals = pricing.compute(lines, country="RU", vat_included=False)
    # 99.99 × 22 % = 21.9978 → 22.00; 0.05 × 10 % = 0.005 → 0.01 (half-up)
    assert [r.vat for r in totals.lines] == [D("22.00"), D("0.01")]
    assert totals.grand_total == D("100.04") + D("22.01")


def test_italian_vat_is_computed_per_rate_on_the_summary():
    lines = [pricing.LineInput(D("1"), D("1.25"), vat_rate=D("22")) for _ in range(10)]
    totals = pricing.compute(lines, country="IT", vat_included=False)
    assert sum(r.vat for r in totals.lines) == D("2.80")  # what summing per line would give
    assert totals.vat_total == D("2.75")
    assert totals.grand_total == D("15.25")


def test_italian_worked_example_with_discount_and_two_rates():
    lines = [
        pricing.LineInput(D("2"), D("12500.00"), D("10"), D("22")),
        pricing.LineInput(D("1"), D("4990.00"), vat_rate=D("22")),
        pricing.LineInput(D("1"), D("100.00"), vat_rate=D("0"), natura="N4"),
    ]
    totals = pricing.compute(lines, country="IT", vat_included=False)
    assert [(g.rate, g.natura, g.base, g.vat) for g in totals.groups] == [
        (D("22.00"), "", D("27490.00"), D("6047.80")),
        (D("0.00"), "N4", D("100.00"), D("0.00")),
    ]
    assert totals.discount_total == D("2500.00")
    assert totals.grand_total == D("33637.80")


def test_italian_vat_inclusive_prices_are_untaxed_per_group():
    lines = [
        pricing.LineInput(D("1"), D("122.00"), vat_rate=D("22")),
        pricing.LineInput(D("1"), D("10.01"), vat_rate=D("22")),
    ]
    totals = pricing.compute(lines, country="IT", vat_included=True)
    group = totals.groups[0]
    # 132.01 / 1.22 = 108.2049… → 108.20; VAT is the rest, so base + VAT is exactly the gross
    assert group.base == D("108.20") and group.vat == D("23.81") and group.gross == D("132.01")


def test_allocation_by_largest_remainder_sums_exactly():
    parts = pricing.allocate(D("1000.00"), [D("35990"), D("3000"), D("3000")])
    assert parts == [D("857.11"), D("71.45"), D("71.44")]
    assert sum(parts) == D("1000.00")


@pytest.mark.parametrize(
    ("function", "args", "expected"),
    [
        (amount_text, (D("41990"), "ru"), "41\xa0990,00"),
        (amount_text, (D("1234567.89"), "ru"), "1\xa0234\xa0567,89"),
        (amount_text, (D("41990.025"), "ru"), "41\xa0990,03"),  # babel alone gives ,02 (half-even)
        (amount_text, (D("41990.025"), "it"), "41.990,03"),
        (money_text, (D("41990.025"), "EUR", "it"), "41.990,03\xa0€"),
        (money_text, (D("41990"), "RUB", "ru"), "41\xa0990,00\xa0₽"),
        (quantity_text, (D("1.500"), "ru"), "1,5"),
        (quantity_text, (D("2.000"), "it"), "2"),
        (percent_text, (D("22"), "ru"), "22\xa0%"),
        (percent_text, (D("22"), "it"), "22%"),
    ],
)
def test_formatting_golden(function, args, expected):
    assert function(*args) == expected


def test_babel_alone_rounds_half_even_which_is_why_we_round_first():
    from babel.numbers import format_currency

    assert format_currency(D("41990.025"), "EUR", locale="it_IT") == "41.990,02\xa0€"


def test_dates_in_the_documents_language_without_narrow_nbsp():
    import datetime as dt

    day = dt.date(2026, 11, 25)
    assert date_text(day, "ru", long=True) == "25 ноября 2026\xa0г."
    assert date_text(day, "ru") == "25.11.2026"
    assert date_text(day, "it") == "25/11/2026"
    assert date_text(day, "it", long=True) == "25 novembre 2026"
    assert "\u202f" not in date_text(day, "ru", long=True)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("41990", "Сорок одна тысяча девятьсот девяносто рублей 00 копеек"),
        ("1", "Один рубль 00 копеек"),
        ("2", "Два рубля 00 копеек"),
        ("5", "Пять рублей 00 копеек"),
        ("11", "Одиннадцать рублей 00 копеек"),
        ("21", "Двадцать один рубль 00 копеек"),
        ("1001", "Одна тысяча один рубль 00 копеек"),
        ("2000", "Две тысячи рублей 00 копеек"),
        ("1000000", "Один миллион рублей 00 копеек"),
        ("76.01", "Семьдесят шесть рублей 01 копейка"),
        ("2.02", "Два рубля 02 копейки"),
        ("3458.03", "Три тысячи четыреста пятьдесят восемь рублей 03 копейки"),
        ("5.05", "Пять рублей 05 копеек"),
        ("11.11", "Одиннадцать рублей 11 копеек"),
        ("21.21", "Двадцать один рубль 21 копейка"),
        ("41990.005", "Сорок одна тысяча девятьсот девяносто рублей 01 копейка"),
    ],
)
def test_rubles_in_words(amount, words):
    assert rub_in_words(D(amount)) == words


def test_rubles_in_words_reads_an_int_as_rubles_not_kopecks():
    # num2words itself reads the int 41990 as 419 rubles 90 kopecks
    from num2words import num2words

    assert num2words(41990, lang="ru", to="currency", currency="RUB").startswith("четыреста девятнадцать")
    assert rub_in_words(41990) == "Сорок одна тысяча девятьсот девяносто рублей 00 копеек"


def test_rubles_in_words_refuses_a_float():
    with pytest.raises(TypeError):
        rub_in_words(41990.5)  # type: ignore[arg-type]
