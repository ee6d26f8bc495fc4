"""Bank details that apply in every country: IBAN (with the national check of the IBAN's country,
``Country.iban_error``) and SWIFT/BIC."""

from __future__ import annotations

from desktop_crm.countries import country
from desktop_crm.countries.base import compact
from desktop_crm.i18n import _


def iban_check_digits(country: str, bban: str) -> str:
    """The two ISO 7064 mod 97-10 check digits of an IBAN."""
    rearranged = bban + country + "00"
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


def iban_error(value: str | None) -> str | None:
    """IBAN: country format and mod-97 check digits, then its country's own check (Italy: CIN)."""
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
    return country(number[:2]).iban_error(number)


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
