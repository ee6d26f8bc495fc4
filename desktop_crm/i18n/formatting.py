"""Locale-aware formatting of money, numbers and dates (babel), rounding half-up first.

babel rounds half-even; amounts are therefore rounded here with :mod:`desktop_crm.money` before
babel sees them, so 0.125 shows as 0.13 as accountants expect.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.numbers import format_currency, format_decimal

from desktop_crm import money
from desktop_crm.i18n import current_language

LOCALES = {"ru": "ru_RU", "it": "it_IT", "en": "en_US"}


def babel_locale(language: str | None = None) -> str:
    return LOCALES.get(language or current_language(), "en_US")


@cache
def _parsed_locale(name: str) -> Locale:
    return Locale.parse(name)


def _locale(language: str | None) -> Locale:
    """The parsed babel ``Locale`` (parsed once: lists format thousands of cells)."""
    return _parsed_locale(babel_locale(language))


def format_money(amount: Decimal, currency: str, language: str | None = None) -> str:
    return format_currency(money.round_money(amount), currency, locale=_locale(language))


def format_amount(amount: Decimal, language: str | None = None, places: int = 2) -> str:
    """A number with grouping and exactly ``places`` decimals (no currency sign)."""
    rounded = money.quantize(amount, places)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(rounded, format=pattern, locale=_locale(language))


def format_quantity(quantity: Decimal, language: str | None = None) -> str:
    """A quantity without trailing zeros: 2, 1,5, 0,125."""
    rounded = money.round_qty(quantity).normalize()
    return format_decimal(rounded, locale=_locale(language), decimal_quantization=False)


def format_date(value: dt.date | None, language: str | None = None, fmt: str = "short") -> str:
    if value is None:
        return ""
    return _format_date(value, format=fmt, locale=_locale(language))


def format_datetime(value: dt.datetime | None, language: str | None = None) -> str:
    if value is None:
        return ""
    return _format_datetime(value, format="short", locale=_locale(language))


def country_name(code: str, language: str | None = None) -> str:
    """The name of an ISO 3166 country in the UI language (the code itself when babel has none)."""
    return str(_locale(language).territories.get(code.upper(), code))
