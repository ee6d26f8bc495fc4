"""Realistic sellers, buyers and deals for the document tests (real rows in the test database).

The names the document tests import; the rows come from ``tests.factories``.
"""

from __future__ import annotations

from typing import Any

from desktop_crm.models import Company, OwnCompany
from tests.factories import IT_LINES, RU_LINES, make_buyer, make_deal_with_lines, make_own_company

__all__ = ["IT_LINES", "RU_LINES", "deal_with_lines", "italian_buyer", "italian_seller", "russian_buyer",
           "russian_seller"]


def russian_seller(**overrides: Any) -> OwnCompany:
    return make_own_company("RU", **overrides)


def italian_seller(**overrides: Any) -> OwnCompany:
    return make_own_company("IT", **overrides)


def russian_buyer(**overrides: Any) -> Company:
    return make_buyer("RU", **overrides)


def italian_buyer(**overrides: Any) -> Company:
    return make_buyer("IT", **overrides)


deal_with_lines = make_deal_with_lines
