"""Russian requisites: ИНН, КПП, ОГРН/ОГРНИП, БИК and the bank accounts keyed to the БИК.

Each validator takes the value as typed and returns a translated message when it is wrong, or
``None`` when it is right (an empty value is not an error: whether a field is required is a rule
of the screen or document that uses it). python-stdnum checks the ИНН; the bank checks it lacks
are implemented here: the БИК format and the control key of a settlement or correspondent account
against the БИК (Bank of Russia rules, weights 7-1-3), the КПП format and the ОГРН/ОГРНИП check
digit (stdnum's ОГРНИП check rejects the valid numbers whose remainder modulo 13 is 10, 11 or 12,
whose check digit is that remainder's last digit).
"""

from __future__ import annotations

import re

from desktop_crm.countries.base import compact
from desktop_crm.i18n import _

_KPP = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
_ACCOUNT_WEIGHTS = (7, 1, 3) * 8  # 23 digits: three of the БИК, then the 20 of the account


def inn_error(value: str | None, *, legal_entity: bool | None = None) -> str | None:
    """ИНН: 10 digits for an organisation, 12 for a person or sole trader, with check digits."""
    number = compact(value)
    if not number:
        return None
    if not number.isdigit():
        return _("The INN must contain digits only.")
    if legal_entity is True and len(number) != 10:
        return _("The INN of an organisation has 10 digits.")
    if legal_entity is False and len(number) != 12:
        return _("The INN of a person or sole trader has 12 digits.")
    if len(number) not in (10, 12):
        return _("The INN has 10 digits (organisation) or 12 digits (person).")
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.ru import inn

    try:
        inn.validate(number)
    except StdnumError:
        return _("The INN check digits do not match: the number has a typo.")
    return None


def kpp_error(value: str | None) -> str | None:
    """КПП: 4 digits of the tax office, 2 of the reason (digits or capital Latin letters), 3 digits."""
    number = compact(value)
    if not number:
        return None
    if len(number) != 9:
        return _("The KPP has 9 characters.")
    if not _KPP.match(number):
        return _(
            "The KPP must be 4 digits, 2 digits or capital Latin letters, then 3 digits "
            "(for example 770101001)."
        )
    return None


def ogrn_check_digit(number: str) -> str:
    """The check digit of a 13-digit ОГРН or a 15-digit ОГРНИП (the last digit of the remainder)."""
    divisor = 11 if len(number) == 13 else 13
    return str(int(number[:-1]) % divisor % 10)


def ogrn_error(value: str | None, *, sole_trader: bool | None = None) -> str | None:
    """ОГРН (13 digits, organisations) or ОГРНИП (15 digits, sole traders) with its check digit."""
    number = compact(value)
    if not number:
        return None
    if not number.isdigit():
        return _("The OGRN must contain digits only.")
    if sole_trader is True and len(number) != 15:
        return _("The OGRNIP of a sole trader has 15 digits.")
    if sole_trader is False and len(number) != 13:
        return _("The OGRN of an organisation has 13 digits.")
    if len(number) not in (13, 15):
        return _("The OGRN has 13 digits (organisation) or 15 digits (OGRNIP of a sole trader).")
    if len(number) == 13 and number[0] not in "125":
        return _("An OGRN starts with 1 or 5 (or 2 for a later registration record).")
    if len(number) == 15 and number[0] not in "34":
        return _("An OGRNIP starts with 3 (or 4 for a later registration record).")
    if number[-1] != ogrn_check_digit(number):
        return _("The OGRN check digit does not match: the number has a typo.")
    return None


def bik_error(value: str | None) -> str | None:
    """БИК of a Russian bank: 9 digits starting with 04 (the country code)."""
    number = compact(value)
    if not number:
        return None
    if not number.isdigit() or len(number) != 9:
        return _("The BIK has 9 digits.")
    if not number.startswith("04"):
        return _("The BIK of a Russian bank starts with 04.")
    return None


def account_key_valid(account: str, bik: str, *, correspondent: bool) -> bool:
    """The Bank of Russia control key: 3 digits from the БИК + the 20-digit account, weights 7-1-3.

    A settlement account is keyed with the last three digits of the БИК, a correspondent account
    with ``0`` and the 5th and 6th digits of the БИК (the settlement centre).
    """
    prefix = "0" + bik[4:6] if correspondent else bik[6:9]
    digits = prefix + account
    total = sum(int(digit) * weight % 10 for digit, weight in zip(digits, _ACCOUNT_WEIGHTS, strict=False))
    return total % 10 == 0


def account_control_key(account: str, bik: str, *, correspondent: bool) -> str:
    """The account with its 9th digit (the key) set so that :func:`account_key_valid` holds."""
    for key in "0123456789":
        candidate = account[:8] + key + account[9:]
        if account_key_valid(candidate, bik, correspondent=correspondent):
            return candidate
    raise AssertionError("unreachable: one key digit always satisfies the check")


def _account_error(value: str | None, bik: str | None, *, correspondent: bool) -> str | None:
    number = compact(value)
    if not number:
        return None
    if not number.isdigit() or len(number) != 20:
        return _("A bank account number has 20 digits.")
    bank = compact(bik)
    if not bank:
        return _("Enter the bank's BIK first: the account is checked against it.")
    if bik_error(bank):
        return _("The account cannot be checked: the BIK is not valid.")
    if correspondent and not number.startswith("301"):
        return _("A correspondent account starts with 301.")
    if not account_key_valid(number, bank, correspondent=correspondent):
        if correspondent:
            return _("The correspondent account does not match the BIK: check both for typos.")
        return _("The account does not match the bank's BIK: check both for typos.")
    return None


def settlement_account_error(value: str | None, bik: str | None) -> str | None:
    """Расчётный счёт: 20 digits whose control key matches the БИК."""
    return _account_error(value, bik, correspondent=False)


def corr_account_error(value: str | None, bik: str | None) -> str | None:
    """Корреспондентский счёт: 20 digits starting with 301, control key matching the БИК."""
    return _account_error(value, bik, correspondent=True)
