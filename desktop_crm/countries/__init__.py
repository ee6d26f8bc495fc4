"""Country rules as strategies: one package per country behind the :class:`Country` protocol.

    from desktop_crm.countries import country
    country("IT").vat_per_line        # False: VAT once per rate (FatturaPA)

Adding a country means adding a package (``countries/xx/``) with a class implementing
:class:`Country` (usually a :class:`GenericCountry` subclass) and listing its instance in
:data:`REGISTERED`. A code without a package gets the generic rules; an empty code is Russia,
as the own company's default country.
"""

from __future__ import annotations

from desktop_crm.countries.base import Country, EInvoice, GenericCountry
from desktop_crm.countries.it import ITALY
from desktop_crm.countries.ru import RUSSIA

REGISTERED: dict[str, Country] = {rules.code: rules for rules in (RUSSIA, ITALY)}
DEFAULT = RUSSIA
OTHER: Country = GenericCountry()
OTHER_CODE = "ZZ"
"""The code stored for a company of a country without a package ("other country")."""


def country(code: str | None) -> Country:
    """The rules of a country code (any case); the generic rules when it has no package."""
    if not code:
        return DEFAULT
    return REGISTERED.get(code.upper(), OTHER)


__all__ = ["DEFAULT", "OTHER", "OTHER_CODE", "REGISTERED", "Country", "EInvoice", "GenericCountry", "country"]
