"""Validation of company requisites: Russian ИНН/КПП/ОГРН/БИК/accounts, Italian P.IVA/CF, IBAN, BIC.

Each validator takes the value as typed and returns a translated message when it is wrong, or
``None`` when it is right. An empty value is not an error here: whether a field is required is a
rule of the screen or the document that uses it, not of the number's format.

python-stdnum checks what it knows (ИНН, Partita IVA, Codice Fiscale, IBAN, SWIFT BIC). The
Russian bank checks it lacks are implemented here: the БИК format and the control key of a
settlement or correspondent account against the БИК (Bank of Russia rules, weights 7-1-3), the
КПП format and the ОГРН/ОГРНИП check digit (stdnum's ОГРНИП check rejects the valid numbers whose
remainder modulo 13 is 10, 11 or 12, whose check digit is that remainder's last digit).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from desktop_crm.i18n import _

_SPACES = re.compile(r"[\s\-]+")
_KPP = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
_ACCOUNT_WEIGHTS = (7, 1, 3) * 8  # 23 digits: three of the БИК, then the 20 of the account


def compact(value: str | None) -> str:
    """The value without spaces and dashes, upper case (how requisites are stored)."""
    return _SPACES.sub("", value or "").upper()


# --- Russia ---------------------------------------------------------------------------------


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
    # the weight pattern repeats past the 23 digits: zip stops at the digits
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


# --- Italy and international ----------------------------------------------------------------


def vat_number_error(value: str | None) -> str | None:
    """Partita IVA: 11 digits with its check digit (an ``IT`` prefix is accepted)."""
    number = compact(value).removeprefix("IT")
    if not number:
        return None
    if not number.isdigit() or len(number) != 11:
        return _("The Partita IVA has 11 digits.")
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.it import iva

    try:
        iva.validate(number)
    except StdnumError:
        return _("The Partita IVA check digit does not match: the number has a typo.")
    return None


def fiscal_code_error(value: str | None) -> str | None:
    """Codice Fiscale: 16 characters for a person, or the 11 digits of a company's Partita IVA."""
    number = compact(value)
    if not number:
        return None
    if len(number) == 11 and number.isdigit():
        return vat_number_error(number) and _(
            "The Codice Fiscale of a company (11 digits) has a wrong check digit."
        )
    if len(number) != 16:
        return _("The Codice Fiscale has 16 characters (11 digits for a company).")
    from stdnum.exceptions import InvalidChecksum
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.it import codicefiscale

    try:
        codicefiscale.validate(number)
    except InvalidChecksum:
        return _("The Codice Fiscale check letter does not match: the code has a typo.")
    except StdnumError:
        return _("The Codice Fiscale is not well formed (surname, name, birth date and place, check letter).")
    return None


_IBAN_CIN_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]


def italian_cin(bban_without_cin: str) -> str:
    """The CIN letter of an Italian BBAN (ABI 5 + CAB 5 + account 12 characters)."""
    total = 0
    for position, char in enumerate(bban_without_cin, start=1):
        index = int(char) if char.isdigit() else ord(char) - ord("A")
        total += _IBAN_CIN_ODD[index] if position % 2 else index
    return chr(ord("A") + total % 26)


def iban_check_digits(country: str, bban: str) -> str:
    """The two ISO 7064 mod 97-10 check digits of an IBAN."""
    rearranged = bban + country + "00"
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


def iban_error(value: str | None) -> str | None:
    """IBAN: country format and mod-97 check digits; the CIN letter too for an Italian one."""
    number = compact(value)
    if not number:
        return None
    from stdnum import iban
    from stdnum.exceptions import InvalidChecksum
    from stdnum.exceptions import ValidationError as StdnumError

    try:
        iban.validate(number)
    except InvalidChecksum:
        return _("The IBAN check digits do not match: the number has a typo.")
    except StdnumError:
        return _("The IBAN is not well formed for its country.")
    if number.startswith("IT") and italian_cin(number[5:]) != number[4]:
        return _("The CIN letter of the Italian IBAN does not match the bank details.")
    return None


def bic_error(value: str | None) -> str | None:
    """SWIFT/BIC code: 8 or 11 characters (bank, country, location, optional branch)."""
    number = compact(value)
    if not number:
        return None
    from stdnum import bic
    from stdnum.exceptions import ValidationError as StdnumError

    try:
        bic.validate(number)
    except StdnumError:
        return _("The SWIFT/BIC code has 8 or 11 letters and digits (for example UNCRITMM).")
    return None


# --- A whole set of requisites --------------------------------------------------------------


def requisites_errors(requisites: object) -> dict[str, str]:
    """Messages per field for an object with the requisite fields (``OwnCompany``, ``Company``).

    Only the fields of the company's country are checked, plus IBAN and BIC, which apply anywhere.
    """
    def value(name: str) -> str:
        return str(getattr(requisites, name, "") or "")

    checks: dict[str, Callable[[], str | None]] = {}
    if value("country") in ("RU", ""):
        checks.update(
            inn=lambda: inn_error(value("inn")),
            kpp=lambda: kpp_error(value("kpp")),
            ogrn=lambda: ogrn_error(value("ogrn")),
            bik=lambda: bik_error(value("bik")),
            corr_account=lambda: corr_account_error(value("corr_account"), value("bik")),
            account=lambda: settlement_account_error(value("account"), value("bik")),
        )
    if value("country") == "IT":
        checks.update(
            vat_number=lambda: vat_number_error(value("vat_number")),
            fiscal_code=lambda: fiscal_code_error(value("fiscal_code")),
        )
    checks.update(iban=lambda: iban_error(value("iban")), bic=lambda: bic_error(value("bic")))
    errors = {}
    for field, check in checks.items():
        message = check()
        if message:
            errors[field] = message
    return errors
