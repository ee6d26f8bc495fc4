"""Validation of company requisites: the checks of the company's country (``desktop_crm.countries``:
Russian ИНН/КПП/ОГРН/БИК/accounts, Italian P.IVA/CF) plus IBAN and BIC, which apply anywhere.

The validators live with their countries; they are named here too for the services and screens
that check requisites.
"""

from __future__ import annotations

from desktop_crm.countries import country
from desktop_crm.countries.banking import bic_error, iban_check_digits, iban_error
from desktop_crm.countries.base import RequisiteChecks, compact
from desktop_crm.countries.it.requisites import fiscal_code_error, italian_cin, vat_number_error
from desktop_crm.countries.ru.requisites import (
    account_control_key,
    account_key_valid,
    bik_error,
    corr_account_error,
    inn_error,
    kpp_error,
    ogrn_check_digit,
    ogrn_error,
    settlement_account_error,
)

__all__ = [
    "account_control_key", "account_key_valid", "bic_error", "bik_error", "compact", "corr_account_error",
    "fiscal_code_error", "iban_check_digits", "iban_error", "inn_error", "italian_cin", "kpp_error",
    "ogrn_check_digit", "ogrn_error", "requisites_errors", "settlement_account_error", "vat_number_error",
]


# --- A whole set of requisites --------------------------------------------------------------


def requisites_errors(requisites: object) -> dict[str, str]:
    """Messages per field for an object with the requisite fields (``OwnCompany``, ``Company``).

    Only the fields of the company's country are checked, plus IBAN and BIC, which apply anywhere.
    """
    def value(name: str) -> str:
        return str(getattr(requisites, name, "") or "")

    checks: RequisiteChecks = country(value("country")).requisite_checks(value)
    checks.update(iban=lambda: iban_error(value("iban")), bic=lambda: bic_error(value("bic")))
    errors = {}
    for field, check in checks.items():
        message = check()
        if message:
            errors[field] = message
    return errors
