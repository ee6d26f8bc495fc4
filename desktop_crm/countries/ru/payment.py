"""Russian payment details: the ГОСТ Р 56042-2014 QR payload and the amount in words (1C style)."""

from __future__ import annotations

from decimal import Decimal

from desktop_crm import money
from desktop_crm.countries.base import Party

NBSP = "\u00a0"


def qr_value(text: str) -> str:
    """A value for a ``|``-separated payload: no ``|``, spaces collapsed."""
    return " ".join(text.replace("|", " ").replace(NBSP, " ").split())


def gost_payload(seller: Party, total: Decimal, purpose: str, payer_inn: str = "") -> str:
    """ГОСТ Р 56042-2014 payment order, UTF-8 (``ST00012``); ``|`` is removed from values."""
    fields = [
        ("Name", qr_value(seller.name or seller.name_full)[:160]),
        ("PersonalAcc", qr_value(seller.account)),
        ("BankName", qr_value(seller.bank_name)[:45]),
        ("BIC", qr_value(seller.bik)),
        ("CorrespAcc", qr_value(seller.corr_account) or "0"),
        ("PayeeINN", qr_value(seller.inn)),
        ("KPP", qr_value(seller.kpp)),
        ("Sum", str(int(money.round_money(total) * 100))),
        ("Purpose", qr_value(purpose)[:160]),
        ("PayerINN", qr_value(payer_inn)),
    ]
    return "ST00012|" + "|".join(f"{key}={value}" for key, value in fields if value)


def rub_in_words(amount: Decimal) -> str:
    """«Сорок одна тысяча девятьсот девяносто рублей 00 копеек» (1C style, kopecks as digits).

    num2words reads an ``int`` as kopecks and a float inexactly: it always gets a ``Decimal``
    rounded half-up to the kopeck.
    """
    from num2words import num2words

    if isinstance(amount, bool) or not isinstance(amount, (Decimal, int, str)):
        raise TypeError("rub_in_words takes a Decimal")
    value = money.round_money(money.to_decimal(amount))
    text: str = num2words(value, lang="ru", to="currency", currency="RUB", cents=False, separator="")
    return text[:1].upper() + text[1:]
