"""Sales by product group: won deals closed in the period."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal

from desktop_crm import money
from desktop_crm.i18n import _
from desktop_crm.ids import ProductGroupId
from desktop_crm.models import (
    ProductGroup,
    StageKind,
)
from desktop_crm.services.reporting.analytics.inputs import (
    DealFilter,
    ReportScope,
    pipeline_stages,
)
from desktop_crm.services.reporting.analytics.managers_report import (
    closed_deals,
)
from desktop_crm.services.reporting.analytics.results import (
    Amounts,
    Column,
    ColumnKind,
    ReportTable,
    TableRow,
    add_amount,
    amount_columns,
    currencies_of,
    minor_to_money,
    name_of_pipeline,
    scope_subtitle,
)


@dataclass(frozen=True)
class ProductGroupRow:
    group_id: ProductGroupId | None
    name: str
    deals: int
    amounts: Amounts
    filter: DealFilter


@dataclass(frozen=True)
class ProductGroupReport:
    scope: ReportScope
    pipeline_name: str
    rows: tuple[ProductGroupRow, ...]

    @property
    def currencies(self) -> tuple[str, ...]:
        return currencies_of(r.amounts for r in self.rows)

    def table(self) -> ReportTable:
        currencies = self.currencies
        columns = (
            Column(_("Product group"), ColumnKind.TEXT),
            Column(_("Won deals"), ColumnKind.COUNT),
            *amount_columns(_("Sales"), currencies),
        )
        rows = tuple(
            TableRow((r.name, r.deals, *(r.amounts.get(c, money.ZERO) for c in currencies)), r.filter)
            for r in self.rows
        )
        return ReportTable(
            _("Sales by product group"),
            scope_subtitle(self.pipeline_name, _("deals won"), self.scope.period),
            columns,
            rows,
        )


def product_groups(scope: ReportScope) -> ProductGroupReport:
    """Won deals closed in the period per product group and currency."""
    period = scope.period
    won_stages = [s.id for s in pipeline_stages(scope.pipeline_id) if s.kind == StageKind.WON]
    deals: dict[uuid.UUID | None, int] = defaultdict(int)
    amounts: dict[uuid.UUID | None, dict[str, Decimal]] = defaultdict(dict)
    for _stage, _user, _reason, currency, group_id, n, units in closed_deals(scope, won_stages):
        deals[group_id] += int(n)
        add_amount(amounts[group_id], currency, minor_to_money(units))
    names = {
        g.id: g.name
        for g in ProductGroup.select(ProductGroup.id, ProductGroup.name).where(
            ProductGroup.id.in_([g for g in deals if g is not None])
        )
    }
    base = DealFilter(scope.pipeline_id, stage_kinds=(StageKind.WON,), closed=period)
    rows = []
    for group_id, n in deals.items():
        name = names.get(group_id, "") if group_id else _("(no product group)")
        rows.append(
            ProductGroupRow(
                ProductGroupId(group_id) if group_id else None,
                name,
                n,
                dict(amounts[group_id]),
                replace(
                    base,
                    label=_("Won in the group “{group}”").format(group=name),
                    product_group_ids=(group_id,),
                ),
            )
        )
    rows.sort(key=lambda r: (-r.deals, r.group_id is None, r.name.casefold()))
    return ProductGroupReport(scope, name_of_pipeline(scope.pipeline_id), tuple(rows))
