"""Numbers, amounts and dates as a document prints them, in the document's language.

Amounts are rounded half-up first (babel would round half-even); U+202F from babel becomes U+00A0
(some Word fonts lack the narrow no-break space).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal

from desktop_crm import money
from desktop_crm.i18n.formatting import babel_locale

NBSP = "\u00a0"


def _norm(text: str) -> str:
    return text.replace("\u202f", NBSP)


def amount_text(value: Decimal, language: str) -> str:
    return _amount_text(str(money.round_money(value)), babel_locale(language))


@lru_cache(maxsize=16384)
def _amount_text(rounded: str, locale: str) -> str:
    """Cached by the rounded amount's text (``-0.00`` stays apart from ``0.00``): documents repeat
    their prices, rates and totals, and babel takes a third of a millisecond for each."""
    return _norm(format_decimal(Decimal(rounded), format="#,##0.00", locale=locale))


def money_text(value: Decimal, currency: str, language: str) -> str:
    return _norm(format_currency(money.round_money(value), currency, locale=babel_locale(language)))


def quantity_text(value: Decimal, language: str) -> str:
    rounded = money.round_qty(value).normalize()
    if rounded == rounded.to_integral():
        rounded = rounded.quantize(Decimal(1))
    return _norm(format_decimal(rounded, locale=babel_locale(language), decimal_quantization=False))


def percent_text(rate: Decimal, language: str) -> str:
    rate = money.round_money(rate).normalize()
    if rate == rate.to_integral():
        rate = rate.quantize(Decimal(1))
    number = format_decimal(rate, locale=babel_locale(language), decimal_quantization=False)
    return _norm(f"{number}{NBSP}%" if language == "ru" else f"{number}%")


def date_text(value: dt.date | None, language: str, long: bool = False) -> str | None:
    if value is None:
        return None
    if language == "ru":
        pattern = f"d MMMM y{NBSP}'г.'" if long else "dd.MM.yyyy"
    elif language == "it":
        pattern = "d MMMM y" if long else "dd/MM/yyyy"
    else:
        pattern = "MMMM d, y" if long else "yyyy-MM-dd"
    return _norm(babel_format_date(value, pattern, locale=babel_locale(language)))


def plain(value: Decimal) -> str:
    """A Decimal without trailing zeros and never in exponent form: 10, 2.5."""
    text = format(money.to_decimal(value).normalize(), "f")
    return text


def raw(value: Decimal) -> str:
    return str(money.round_money(value))
