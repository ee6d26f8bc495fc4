"""The one place where money and quantities are rounded.

Every amount in the application is a ``Decimal``. Rounding is always half-up (commercial rounding,
as Russian and Italian accounting expect), never Python's or babel's default half-even.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MONEY_PLACES = 2
QTY_PLACES = 3
PERCENT_PLACES = 2

ZERO = Decimal("0")
HUNDRED = Decimal("100")


def to_decimal(value: object) -> Decimal:
    """Convert user or database input to ``Decimal`` without passing through ``float``."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            return Decimal(text)
        except InvalidOperation as error:
            raise ValueError(f"not a number: {value!r}") from error
    raise TypeError(f"{type(value).__name__} is not accepted as an amount; use Decimal or str")


def quantize(value: object, places: int = MONEY_PLACES) -> Decimal:
    """Round half-up to ``places`` decimal places."""
    return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round_money(value: object) -> Decimal:
    return quantize(value, MONEY_PLACES)


def round_qty(value: object) -> Decimal:
    return quantize(value, QTY_PLACES)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, rounded to money."""
    return round_money(amount * percent / HUNDRED)


def to_minor_units(value: object, places: int) -> int:
    """An amount as an exact integer count of ``10**-places`` units (how amounts are stored)."""
    return int(quantize(value, places).scaleb(places))


def from_minor_units(units: int, places: int) -> Decimal:
    return Decimal(int(units)).scaleb(-places)
