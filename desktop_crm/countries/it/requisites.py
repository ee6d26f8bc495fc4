"""Italian requisites: Partita IVA, Codice Fiscale, the CIN letter of an Italian IBAN.

Validators return a translated message when the value is wrong, ``None`` when it is right or empty.
"""

from __future__ import annotations

from desktop_crm.countries.base import compact
from desktop_crm.i18n import _


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
