"""Line and document totals of quotes and invoices, in ``Decimal``, rounded half-up.

Two VAT conventions (see ``shared/guides/documents.md`` §3.2), chosen by the country's rules
(``Country.vat_per_line``):

* **Russia (1C):** VAT is computed on every line, rounded to the kopeck, then summed. With prices
  that include VAT ``line_vat = amount × r / (100 + r)``; on top ``line_vat = amount × r / 100``.
* **Italy (FatturaPA):** VAT is computed once per (rate, natura) group on the summed taxable
  amount; per-line VAT is only informative. With VAT-inclusive prices the group's gross amount is
  un-taxed (scorporo): ``base = gross / (1 + r/100)``, ``vat = gross − base``.

Pure functions without database access: services store the results, the render context prints them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from desktop_crm import money
from desktop_crm.countries import country as country_rules

HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    price: Decimal
    discount_percent: Decimal = Decimal(0)
    vat_rate: Decimal = Decimal(0)
    natura: str = ""


@dataclass(frozen=True)
class LineResult:
    gross: Decimal  # quantity × price, before the line discount
    discount: Decimal
    amount: Decimal  # after the discount, in the document's price mode («Сумма» / «Importo»)
    net: Decimal  # without VAT
    vat: Decimal  # RU: the amount that counts; IT: informative
    total: Decimal  # with VAT


@dataclass(frozen=True)
class VatGroup:
    rate: Decimal
    natura: str
    base: Decimal  # taxable amount of the group
    vat: Decimal
    gross: Decimal  # base + vat


@dataclass(frozen=True)
class Totals:
    lines: list[LineResult]
    subtotal: Decimal  # Σ line amounts (what «Итого» prints)
    discount_total: Decimal
    net_total: Decimal  # Σ taxable amounts
    vat_total: Decimal
    grand_total: Decimal
    groups: list[VatGroup] = field(default_factory=list)


def line_amounts(line: LineInput, *, vat_included: bool) -> LineResult:
    gross = money.round_money(money.to_decimal(line.quantity) * money.to_decimal(line.price))
    discount = money.round_money(gross * money.to_decimal(line.discount_percent) / HUNDRED)
    amount = gross - discount
    rate = money.to_decimal(line.vat_rate)
    if vat_included:
        vat = money.round_money(amount * rate / (HUNDRED + rate))
        return LineResult(gross, discount, amount, amount - vat, vat, amount)
    vat = money.round_money(amount * rate / HUNDRED)
    return LineResult(gross, discount, amount, amount, vat, amount + vat)


def compute(lines: Sequence[LineInput], *, country: str, vat_included: bool) -> Totals:
    """Totals of a document: per-line VAT for Russia, per-rate VAT for Italy."""
    per_line = country_rules(country).vat_per_line
    results = [line_amounts(line, vat_included=vat_included) for line in lines]
    subtotal = sum((r.amount for r in results), ZERO)
    discount_total = sum((r.discount for r in results), ZERO)
    keys: list[tuple[Decimal, str]] = []
    members: dict[tuple[Decimal, str], list[int]] = {}
    for index, line in enumerate(lines):
        key = (money.round_money(line.vat_rate), line.natura or "")
        if key not in members:
            keys.append(key)
            members[key] = []
        members[key].append(index)
    groups: list[VatGroup] = []
    for rate, natura in sorted(keys, key=lambda k: (-k[0], k[1])):
        group_lines = [results[i] for i in members[(rate, natura)]]
        amount = sum((r.amount for r in group_lines), ZERO)
        if per_line:
            vat = sum((r.vat for r in group_lines), ZERO)
            base = amount - vat if vat_included else amount
        elif vat_included:
            base = money.round_money(amount * HUNDRED / (HUNDRED + rate))
            vat = amount - base
        else:
            base = amount
            vat = money.round_money(base * rate / HUNDRED)
        groups.append(VatGroup(rate, natura, base, vat, base + vat))
    net_total = sum((g.base for g in groups), ZERO)
    vat_total = sum((g.vat for g in groups), ZERO)
    return Totals(
        lines=results,
        subtotal=subtotal,
        discount_total=discount_total,
        net_total=net_total,
        vat_total=vat_total,
        grand_total=net_total + vat_total,
        groups=groups,
    )


def allocate(total: Decimal, weights: Iterable[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` in cents by largest remainder; the parts sum exactly."""
    weights = [money.to_decimal(w) for w in weights]
    whole = sum(weights, Decimal(0))
    cents = int(money.round_money(total) * 100)
    if not weights or whole == 0:
        return [ZERO for _ in weights]
    raw = [Decimal(cents) * w / whole for w in weights]
    floors = [int(r) for r in raw]
    left = cents - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - floors[i]), reverse=True)
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f).scaleb(-2) for f in floors]
