"""The EPC069-12 SEPA credit transfer QR payload of an Italian invoice."""

from __future__ import annotations

from decimal import Decimal

from desktop_crm import money
from desktop_crm.countries.base import Party


def epc_payload(seller: Party, total: Decimal, text: str) -> str:
    """EPC069-12 SEPA credit transfer (version 002, UTF-8)."""
    amount = money.round_money(total)
    return "\n".join(
        [
            "BCD",
            "002",
            "1",
            "SCT",
            seller.bic.strip(),
            (seller.name_full or seller.name)[:70],
            seller.iban.replace(" ", ""),
            f"EUR{amount}",
            "",
            "",
            text[:140],
        ]
    )
