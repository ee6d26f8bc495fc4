"""The funnel and the conversion of the deals created in the period (see the package docstring)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal

from peewee import SQL, fn

from desktop_crm import money
from desktop_crm.i18n import _
from desktop_crm.models import (
    Deal,
    StageKind,
    dialect,
)
from desktop_crm.models.fields import coerce_uuid
from desktop_crm.services.reporting.analytics.inputs import (
    DealFilter,
    ReportScope,
    StageInfo,
    ladder_of,
    pipeline_stages,
    visible_deals,
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
    rate_of,
    scope_subtitle,
)


@dataclass(frozen=True)
class FunnelRow:
    stage: StageInfo
    deals: int
    amounts: Amounts
    share: Decimal | None  # % of the deals that entered the funnel
    filter: DealFilter


@dataclass(frozen=True)
class ConversionRow:
    from_stage: StageInfo
    to_stage: StageInfo
    entered: int
    advanced: int
    rate: Decimal | None  # % of ``entered`` that reached ``to_stage``
    lost_here: int  # lost with this stage as the furthest reached
    filter: DealFilter  # the deals lost here
    advanced_filter: DealFilter
    entered_filter: DealFilter

    @property
    def step(self) -> str:
        return f"{self.from_stage.name} → {self.to_stage.name}"


@dataclass(frozen=True)
class FunnelReport:
    scope: ReportScope
    pipeline_name: str
    created: int
    rows: tuple[FunnelRow, ...]
    conversions: tuple[ConversionRow, ...]
    won: int
    win_rate: Decimal | None

    @property
    def currencies(self) -> tuple[str, ...]:
        return currencies_of(r.amounts for r in self.rows)

    def table(self) -> ReportTable:
        columns = [
            Column(_("Stage"), ColumnKind.TEXT),
            Column(_("Deals"), ColumnKind.COUNT),
            Column(_("Share, %"), ColumnKind.PERCENT),
            *amount_columns(_("Amount"), self.currencies),
        ]
        rows = [
            TableRow(
                (r.stage.name, r.deals, r.share, *(r.amounts.get(c, money.ZERO) for c in self.currencies)),
                r.filter,
            )
            for r in self.rows
        ]
        return ReportTable(
            _("Sales funnel"),
            scope_subtitle(self.pipeline_name, _("deals created"), self.scope.period),
            tuple(columns),
            tuple(rows),
        )

    def conversion_table(self) -> ReportTable:
        columns = (
            Column(_("Step"), ColumnKind.TEXT),
            Column(_("Entered"), ColumnKind.COUNT),
            Column(_("Moved on"), ColumnKind.COUNT),
            Column(_("Conversion, %"), ColumnKind.PERCENT),
            Column(_("Lost at this stage"), ColumnKind.COUNT),
        )
        rows = tuple(
            TableRow(
                (c.step, c.entered, c.advanced, c.rate, c.lost_here),
                c.entered_filter,
                {2: c.advanced_filter, 3: c.advanced_filter, 4: c.filter},
            )
            for c in self.conversions
        )
        return ReportTable(
            _("Stage-to-stage conversion"),
            scope_subtitle(self.pipeline_name, _("deals created"), self.scope.period),
            columns,
            rows,
        )


def funnel(scope: ReportScope) -> FunnelReport:
    """The funnel and the stage-to-stage conversion of the deals created in the period."""
    stages = pipeline_stages(scope.pipeline_id)
    ladder = ladder_of(stages)
    period = scope.period
    # The cohort grouped by current stage, furthest step reached and currency: a few hundred rows,
    # read from the index on (pipeline, stage, reached_order, currency, created_at, amount), one
    # range of creation dates per key present.
    keys = [Deal.stage, Deal.reached_order, Deal.currency]
    grouped = (
        Deal.select(
            Deal.stage, Deal.reached_order, Deal.currency, fn.COUNT(SQL("*")),
            fn.SUM(Deal.amount).coerce(False),
        )
        .where(
            Deal.pipeline == scope.pipeline_id,
            Deal.deleted_at.is_null(),
            *visible_deals(),
            Deal.created_at >= period.since,
            Deal.created_at < period.until,
            *dialect.present_keys(Deal, {Deal.pipeline: scope.pipeline_id}, keys),
        )
        .group_by(*keys)
    )
    by_id = {s.id: s for s in stages}
    # (furthest rank, current kind) -> deals, amount
    counts: dict[tuple[int, str], int] = defaultdict(int)
    sums: dict[tuple[int, str], dict[str, Decimal]] = defaultdict(dict)
    created = 0
    for stage_key, furthest, currency, deals, units in dialect.tuples(grouped):
        stage = by_id.get(coerce_uuid(stage_key))
        kind = stage.kind.value if stage is not None else StageKind.OPEN.value
        deals = int(deals)
        counts[(int(furthest), kind)] += deals
        add_amount(sums[(int(furthest), kind)], currency, minor_to_money(units))
        created += deals

    base = DealFilter(scope.pipeline_id, created=period)
    rows: list[FunnelRow] = []
    for index, stage in enumerate(ladder):
        deals = 0
        amounts: dict[str, Decimal] = {}
        for key, n in counts.items():
            if index == 0 or key[0] >= stage.sort_order:
                deals += n
                for currency, amount in sums[key].items():
                    add_amount(amounts, currency, amount)
        if index == 0:
            row_filter = replace(base, label=_("Created in the period"))
        else:
            row_filter = replace(
                base,
                label=_("Reached the stage “{stage}”").format(stage=stage.name),
                reached_rank=stage.sort_order,
            )
        rows.append(FunnelRow(stage, deals, amounts, rate_of(deals, created), row_filter))

    conversions: list[ConversionRow] = []
    for index in range(len(ladder) - 1):
        here, there = ladder[index], ladder[index + 1]
        # lost with "here" as the furthest step: below the next step, and (but for the first
        # step, which every deal entered) at or beyond this one
        lost_here = sum(
            n
            for (rank, kind), n in counts.items()
            if kind == StageKind.LOST.value
            and rank < there.sort_order
            and (index == 0 or rank >= here.sort_order)
        )
        lost_filter = replace(
            base,
            label=_("Lost after reaching “{stage}”").format(stage=here.name),
            stage_kinds=(StageKind.LOST,),
            reached_rank=None if index == 0 else here.sort_order,
            furthest_below=there.sort_order,
        )
        conversions.append(
            ConversionRow(
                here,
                there,
                rows[index].deals,
                rows[index + 1].deals,
                rate_of(rows[index + 1].deals, rows[index].deals),
                lost_here,
                lost_filter,
                rows[index + 1].filter,
                rows[index].filter,
            )
        )
    won = sum(n for (_rank, kind), n in counts.items() if kind == StageKind.WON.value)
    return FunnelReport(
        scope,
        name_of_pipeline(scope.pipeline_id),
        created,
        tuple(rows),
        tuple(conversions),
        won,
        rate_of(won, created),
    )
