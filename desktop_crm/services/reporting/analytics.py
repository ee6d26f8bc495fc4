"""Sales analytics for one pipeline and one period: funnel, conversion, time in stages, managers,
forecast and sales by product group.

Every report is computed with SQL aggregates (the same queries on SQLite and PostgreSQL, except the
median and the month bucket, which each engine spells its own way); Python only folds the few
aggregated rows into typed results. Amounts are ``Decimal`` per currency: deals in different
currencies are never added together.

Each row carries a :class:`DealFilter` that selects exactly the deals it counts, so the UI can open
"the list of those deals" (``DealFilter.apply`` narrows any ``Deal`` query; ``count`` proves it).

What "the period" means per report:

* funnel, conversion: deals *created* in the period (a cohort), followed to wherever they got;
* time in stages: stays that *ended* in the period (``StageChange.changed_at``);
* won and lost: deals *closed* in the period; incorrect and inactive: open deals *now*;
* forecast: open deals *expected to close* in the period, by month;
* product groups: won deals *closed* in the period.

The funnel is the classic one: a deal "reached" a stage when the furthest open or won stage it has
ever entered is that stage or a later one (``Deal.reached_order``, the highest ``sort_order`` it
entered, kept by ``services.stages``; schema step 6 backfilled it from the history). Moving back does
not undo a step reached: a deal that went Proposal → New still reached Proposal. Lost stages are off
the ladder: a lost deal counts as having reached the stage it was lost from. Every deal of the
cohort entered the pipeline, so the first stage counts all of them, also a deal created directly as
lost.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

import peewee
from peewee import JOIN, SQL, fn

from desktop_crm import money
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _, pgettext
from desktop_crm.i18n.formatting import format_date
from desktop_crm.models import (
    Deal,
    Pipeline,
    ProductGroup,
    Stage,
    StageChange,
    StageKind,
    User,
    database,
    utcnow,
)
from desktop_crm.models.db import engine
from desktop_crm.services.sales import pipelines as sales_pipelines
from desktop_crm.services.sales import rules
from desktop_crm.services.sales.pipelines import PipelineInfo

Amounts = Mapping[str, Decimal]
SECONDS_PER_DAY = 86400
RATE_PLACES = 1


# --- inputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Calendar days from ``start`` to ``end``, both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError(_("The period ends before it starts."), field="period")

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time())

    @property
    def until(self) -> dt.datetime:
        """The first moment after the period (exclusive bound for timestamps)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time())

    def label(self) -> str:
        return f"{format_date(self.start)} – {format_date(self.end)}"


def default_period(today: dt.date | None = None) -> Period:
    """The last twelve calendar months, this month included."""
    today = today or dt.date.today()
    year, month = today.year, today.month - 11
    if month <= 0:
        year, month = year - 1, month + 12
    return Period(dt.date(year, month, 1), today)


@dataclass(frozen=True)
class ReportScope:
    pipeline_id: uuid.UUID
    period: Period


def pipelines() -> list[PipelineInfo]:
    """The pipelines to pick from, the default one first."""
    return sales_pipelines.pipelines(default_first=True)


@dataclass(frozen=True)
class StageInfo:
    id: uuid.UUID
    name: str
    kind: StageKind
    sort_order: int
    probability: Decimal


def pipeline_stages(pipeline_id: uuid.UUID) -> list[StageInfo]:
    rows = (
        Stage.alive()
        .where(Stage.pipeline == pipeline_id)
        .order_by(Stage.sort_order, Stage.name, Stage.id)
    )
    return [StageInfo(s.id, s.name, s.kind, s.sort_order, s.probability) for s in rows]


def _ladder(stages: Iterable[StageInfo]) -> list[StageInfo]:
    return [s for s in stages if s.kind != StageKind.LOST]


# --- "the list of those deals" --------------------------------------------------------------------


@dataclass(frozen=True)
class DealFilter:
    """A description of a set of deals that any ``Deal`` query can be narrowed to.

    ``None`` means "any". A tuple of ids selects those; ``None`` inside the tuple selects the
    deals where the field is empty (no responsible, no product group).
    ``reached_rank``: the furthest open/won stage ever entered (``Deal.reached_order``) is at this
    ``sort_order`` or later; ``furthest_below``: … and before this ``sort_order`` (together:
    exactly that funnel step).
    ``left_stage``: the deal left this stage during ``left_period`` (a stay counted in stage time).
    ``label`` is the translated description shown above the list.
    """

    pipeline_id: uuid.UUID
    label: str = ""
    stage_kinds: tuple[StageKind, ...] | None = None
    created: Period | None = None
    closed: Period | None = None
    expected_close: Period | None = None
    open_only: bool = False
    responsible_ids: tuple[uuid.UUID | None, ...] | None = None
    product_group_ids: tuple[uuid.UUID | None, ...] | None = None
    lost_reason: str | None = None
    currency: str | None = None
    correct: bool | None = None
    inactive_at: dt.datetime | None = None  # inactive (by the rules) at this moment
    stage_ids: tuple[uuid.UUID, ...] | None = None
    reached_rank: int | None = None
    furthest_below: int | None = None
    left_stage: uuid.UUID | None = None
    left_period: Period | None = None

    def apply(self, query: peewee.ModelSelect) -> peewee.ModelSelect:
        """Narrow a query over ``Deal`` (live rows only) to the deals described."""
        return query.where(*self.conditions())

    def conditions(self) -> list[peewee.Expression]:
        conds: list[peewee.Expression] = [Deal.deleted_at.is_null(), Deal.pipeline == self.pipeline_id]
        if self.stage_kinds is not None:
            kinds = Stage.select(Stage.id).where(Stage.kind.in_(list(self.stage_kinds)))
            conds.append(Deal.stage.in_(kinds))
        if self.stage_ids is not None:
            conds.append(Deal.stage.in_(list(self.stage_ids)))
        if self.created is not None:
            conds += [Deal.created_at >= self.created.since, Deal.created_at < self.created.until]
        if self.closed is not None:
            conds += [Deal.closed_at >= self.closed.since, Deal.closed_at < self.closed.until]
        if self.expected_close is not None:
            conds += [
                Deal.expected_close_date >= self.expected_close.start,
                Deal.expected_close_date <= self.expected_close.end,
            ]
        if self.open_only:
            conds.append(Deal.closed_at.is_null())
        if self.responsible_ids is not None:
            conds.append(_in_or_null(Deal.responsible, self.responsible_ids))
        if self.product_group_ids is not None:
            conds.append(_in_or_null(Deal.product_group, self.product_group_ids))
        if self.lost_reason is not None:
            conds.append(fn.TRIM(Deal.lost_reason) == self.lost_reason)
        if self.currency is not None:
            conds.append(Deal.currency == self.currency)
        if self.correct is not None:
            conds.append(Deal.correct == self.correct)
        if self.inactive_at is not None:
            conds.append(rules.inactive_condition(self.inactive_at))
        if self.reached_rank is not None:
            conds.append(Deal.reached_order >= self.reached_rank)
        if self.furthest_below is not None:
            conds.append(Deal.reached_order < self.furthest_below)
        if self.left_stage is not None:
            stays = StageChange.select(SQL("1")).where(
                StageChange.deal == Deal.id,
                StageChange.from_stage == self.left_stage,
                StageChange.deleted_at.is_null(),
            )
            if self.left_period is not None:
                stays = stays.where(
                    StageChange.changed_at >= self.left_period.since,
                    StageChange.changed_at < self.left_period.until,
                )
            conds.append(fn.EXISTS(stays))
        return conds

    def query(self) -> peewee.ModelSelect:
        return self.apply(Deal.select())

    def count(self) -> int:
        return int(self.apply(Deal.select(fn.COUNT(SQL("*")))).scalar() or 0)


def _in_or_null(column: peewee.Field, values: tuple[uuid.UUID | None, ...]) -> peewee.Expression:
    ids = [v for v in values if v is not None]
    parts: list[peewee.Expression] = []
    if ids:
        parts.append(column.in_(ids))
    if len(ids) != len(values):
        parts.append(column.is_null())
    if not parts:
        return SQL("1 = 0")
    expression = parts[0]
    for part in parts[1:]:
        expression = expression | part
    return expression


# --- results --------------------------------------------------------------------------------------


class ColumnKind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    MONEY = "money"
    PERCENT = "percent"
    DAYS = "days"
    MONTH = "month"


@dataclass(frozen=True)
class Column:
    title: str
    kind: ColumnKind
    currency: str = ""


@dataclass(frozen=True)
class TableRow:
    """One row; ``filter`` opens the row's deals, ``cell_filters`` (by column) a cell's own."""

    cells: tuple[Any, ...]
    filter: DealFilter | None = None
    cell_filters: Mapping[int, DealFilter] = field(default_factory=dict)

    def filter_at(self, column: int) -> DealFilter | None:
        return self.cell_filters.get(column, self.filter)


@dataclass(frozen=True)
class ReportTable:
    """A report laid out as a table: what the screen shows, and what XLSX and PDF export."""

    title: str
    subtitle: str
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]


def _amount_columns(title: str, currencies: Iterable[str]) -> list[Column]:
    return [
        Column(f"{title}, {currency}", ColumnKind.MONEY, currency) for currency in currencies
    ]


def _currencies(*amount_maps: Iterable[Amounts]) -> tuple[str, ...]:
    found: set[str] = set()
    for maps in amount_maps:
        for amounts in maps:
            found.update(amounts)
    return tuple(sorted(found))


def _rate(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return money.quantize(Decimal(part) * money.HUNDRED / Decimal(whole), RATE_PLACES)


def _days(seconds: Decimal) -> Decimal:
    return seconds / Decimal(SECONDS_PER_DAY)


def _scope_subtitle(pipeline_name: str, what: str, period: Period | None) -> str:
    parts = [_("Pipeline: {name}").format(name=pipeline_name), what]
    if period is not None:
        parts.append(period.label())
    return " · ".join(parts)


def _pipeline_name(pipeline_id: uuid.UUID) -> str:
    pipeline = Pipeline.get_or_none(Pipeline.id == pipeline_id)
    return pipeline.name if pipeline is not None else ""


def _add(target: dict[str, Decimal], currency: str, amount: Decimal) -> None:
    target[currency] = target.get(currency, money.ZERO) + amount


def _minor(units: Any) -> Decimal:
    return money.from_minor_units(int(units or 0), money.MONEY_PLACES)


# --- funnel and conversion ------------------------------------------------------------------------


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
        return _currencies(r.amounts for r in self.rows)

    def table(self) -> ReportTable:
        columns = [
            Column(_("Stage"), ColumnKind.TEXT),
            Column(_("Deals"), ColumnKind.COUNT),
            Column(_("Share, %"), ColumnKind.PERCENT),
            *_amount_columns(_("Amount"), self.currencies),
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
            _scope_subtitle(self.pipeline_name, _("deals created"), self.scope.period),
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
            _scope_subtitle(self.pipeline_name, _("deals created"), self.scope.period),
            columns,
            rows,
        )


def funnel(scope: ReportScope) -> FunnelReport:
    """The funnel and the stage-to-stage conversion of the deals created in the period."""
    stages = pipeline_stages(scope.pipeline_id)
    ladder = _ladder(stages)
    period = scope.period
    # The cohort grouped by current stage, furthest step reached and currency: a few hundred rows,
    # read from the index on (pipeline, stage, reached_order, currency, created_at, amount).
    grouped = (
        Deal.select(
            Deal.stage, Deal.reached_order, Deal.currency, fn.COUNT(SQL("*")),
            fn.SUM(Deal.amount).coerce(False),
        )
        .where(
            Deal.pipeline == scope.pipeline_id,
            Deal.deleted_at.is_null(),
            Deal.created_at >= period.since,
            Deal.created_at < period.until,
        )
        .group_by(Deal.stage, Deal.reached_order, Deal.currency)
    )
    by_id = {s.id: s for s in stages}
    stage_value = Deal.stage.python_value
    # (furthest rank, current kind) -> deals, amount
    counts: dict[tuple[int, str], int] = defaultdict(int)
    sums: dict[tuple[int, str], dict[str, Decimal]] = defaultdict(dict)
    created = 0
    for stage_key, furthest, currency, deals, units in grouped.tuples():
        stage = by_id.get(stage_value(stage_key))
        kind = stage.kind.value if stage is not None else StageKind.OPEN.value
        deals = int(deals)
        counts[(int(furthest), kind)] += deals
        _add(sums[(int(furthest), kind)], currency, _minor(units))
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
                    _add(amounts, currency, amount)
        if index == 0:
            row_filter = _replace(base, label=_("Created in the period"))
        else:
            row_filter = _replace(
                base,
                label=_("Reached the stage “{stage}”").format(stage=stage.name),
                reached_rank=stage.sort_order,
            )
        rows.append(FunnelRow(stage, deals, amounts, _rate(deals, created), row_filter))

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
        lost_filter = _replace(
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
                _rate(rows[index + 1].deals, rows[index].deals),
                lost_here,
                lost_filter,
                rows[index + 1].filter,
                rows[index].filter,
            )
        )
    won = sum(n for (_rank, kind), n in counts.items() if kind == StageKind.WON.value)
    return FunnelReport(
        scope,
        _pipeline_name(scope.pipeline_id),
        created,
        tuple(rows),
        tuple(conversions),
        won,
        _rate(won, created),
    )


def _replace(base: DealFilter, **changes: Any) -> DealFilter:
    from dataclasses import replace

    return replace(base, **changes)


# --- time in stages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageTimeRow:
    stage: StageInfo
    stays: int  # stays in the stage that ended in the period
    average_seconds: Decimal
    median_seconds: Decimal
    filter: DealFilter  # deals that left the stage in the period

    @property
    def average_days(self) -> Decimal:
        return _days(self.average_seconds)

    @property
    def median_days(self) -> Decimal:
        return _days(self.median_seconds)


@dataclass(frozen=True)
class StageTimeReport:
    scope: ReportScope
    pipeline_name: str
    rows: tuple[StageTimeRow, ...]

    @property
    def slowest(self) -> StageTimeRow | None:
        """Where deals get stuck: the stage with the longest median stay."""
        measured = [r for r in self.rows if r.stays]
        return max(measured, key=lambda r: r.median_seconds) if measured else None

    def table(self) -> ReportTable:
        columns = (
            Column(_("Stage"), ColumnKind.TEXT),
            Column(_("Stays"), ColumnKind.COUNT),
            Column(_("Average, days"), ColumnKind.DAYS),
            Column(_("Median, days"), ColumnKind.DAYS),
        )
        rows = tuple(
            TableRow((r.stage.name, r.stays, r.average_days, r.median_days), r.filter)
            for r in self.rows
        )
        return ReportTable(
            _("Time in stages"),
            _scope_subtitle(self.pipeline_name, _("stays that ended"), self.scope.period),
            columns,
            rows,
        )


def stage_time(scope: ReportScope) -> StageTimeReport:
    """Average and median time spent in each open stage, from the stays that ended in the period."""
    stages = [s for s in pipeline_stages(scope.pipeline_id) if s.kind == StageKind.OPEN]
    period = scope.period
    by_id = {s.id: s for s in stages}
    deleted_deals = Deal.select(Deal.id).where(Deal.deleted_at.is_null(False))

    def stays(*columns: Any) -> peewee.ModelSelect:
        # Stays of live deals; the few deleted deals are excluded as a set, not by a look-up
        # per stay.
        return StageChange.select(*columns).where(
            StageChange.changed_at >= period.since,
            StageChange.changed_at < period.until,
            StageChange.deleted_at.is_null(),
            StageChange.deal.not_in(deleted_deals),
        )

    totals: dict[uuid.UUID, tuple[int, int]] = {}
    medians: dict[uuid.UUID, Decimal] = {}
    stage_value = StageChange.from_stage.python_value
    if stages:
        seconds = StageChange.seconds_in_previous
        aggregates = [StageChange.from_stage, fn.COUNT(SQL("*")), fn.SUM(seconds).coerce(False)]
        postgres = engine(database) == "postgres"
        if postgres:
            aggregates.append(
                peewee.NodeList(
                    (
                        SQL("CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY"),
                        seconds,
                        SQL(") AS numeric)"),
                    )
                )
            )
        query = (
            stays(*aggregates)
            .where(StageChange.from_stage.in_(list(by_id)))
            .group_by(StageChange.from_stage)
        )
        for stage_key, n, total, *median in query.tuples():
            stage_id = stage_value(stage_key)
            totals[stage_id] = (int(n), int(total))
            if postgres:
                medians[stage_id] = Decimal(median[0])
        if not postgres:
            # The middle one or two stays of each stage, read in order of duration (an index on
            # (from_stage_id, seconds_in_previous, …) serves it without sorting).
            for stage_id, (n, _total) in totals.items():
                middle = (
                    stays(seconds)
                    .where(StageChange.from_stage == stage_id)
                    .order_by(seconds)
                    .limit(2 - n % 2)
                    .offset((n - 1) // 2)
                )
                values = [int(v) for (v,) in middle.tuples()]
                medians[stage_id] = Decimal(sum(values)) / Decimal(len(values))
    rows = []
    for stage in stages:
        n, total = totals.get(stage.id, (0, 0))
        average = money.quantize(Decimal(total) / Decimal(n), 1) if n else money.ZERO
        rows.append(
            StageTimeRow(
                stage,
                n,
                average,
                medians.get(stage.id, money.ZERO),
                DealFilter(
                    scope.pipeline_id,
                    label=_("Left the stage “{stage}” in the period").format(stage=stage.name),
                    left_stage=stage.id,
                    left_period=period,
                ),
            )
        )
    return StageTimeReport(scope, _pipeline_name(scope.pipeline_id), tuple(rows))


# --- managers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManagerRow:
    user_id: uuid.UUID | None
    name: str
    won: int
    won_amounts: Amounts
    lost: int
    lost_amounts: Amounts
    win_rate: Decimal | None
    open: int
    incorrect: int
    inactive: int
    closed_filter: DealFilter
    won_filter: DealFilter
    lost_filter: DealFilter
    open_filter: DealFilter
    incorrect_filter: DealFilter
    inactive_filter: DealFilter


@dataclass(frozen=True)
class LostReasonRow:
    reason: str  # "" when none was given
    deals: int
    amounts: Amounts
    filter: DealFilter


@dataclass(frozen=True)
class ManagersReport:
    scope: ReportScope
    pipeline_name: str
    inactivity_days: int
    rows: tuple[ManagerRow, ...]
    lost_reasons: tuple[LostReasonRow, ...]

    @property
    def currencies(self) -> tuple[str, ...]:
        return _currencies(
            (r.won_amounts for r in self.rows),
            (r.lost_amounts for r in self.rows),
        )

    def table(self) -> ReportTable:
        currencies = self.currencies
        columns = [
            Column(_("Manager"), ColumnKind.TEXT),
            Column(_("Won"), ColumnKind.COUNT),
            *_amount_columns(_("Won"), currencies),
            Column(_("Lost"), ColumnKind.COUNT),
            *_amount_columns(_("Lost"), currencies),
            Column(_("Win rate, %"), ColumnKind.PERCENT),
            Column(_("Open now"), ColumnKind.COUNT),
            Column(pgettext("deal count", "Incorrect"), ColumnKind.COUNT),
            Column(pgettext("deal count", "Inactive"), ColumnKind.COUNT),
        ]
        k = len(currencies)
        rows = []
        for r in self.rows:
            cells = (
                r.name,
                r.won,
                *(r.won_amounts.get(c, money.ZERO) for c in currencies),
                r.lost,
                *(r.lost_amounts.get(c, money.ZERO) for c in currencies),
                r.win_rate,
                r.open,
                r.incorrect,
                r.inactive,
            )
            cell_filters = dict.fromkeys(range(1, 2 + k), r.won_filter)
            cell_filters.update(dict.fromkeys(range(2 + k, 3 + 2 * k), r.lost_filter))
            cell_filters[4 + 2 * k] = r.open_filter
            cell_filters[5 + 2 * k] = r.incorrect_filter
            cell_filters[6 + 2 * k] = r.inactive_filter
            rows.append(TableRow(cells, r.closed_filter, cell_filters))
        return ReportTable(
            _("Won and lost by manager"),
            _scope_subtitle(self.pipeline_name, _("deals closed"), self.scope.period)
            + " · "
            + _("incorrect and inactive: open deals now, no interaction for {days} days").format(
                days=self.inactivity_days
            ),
            tuple(columns),
            tuple(rows),
        )

    def lost_reasons_table(self) -> ReportTable:
        currencies = _currencies(r.amounts for r in self.lost_reasons)
        columns = (
            Column(_("Lost reason"), ColumnKind.TEXT),
            Column(_("Deals"), ColumnKind.COUNT),
            *_amount_columns(_("Amount"), currencies),
        )
        rows = tuple(
            TableRow(
                (r.reason or _("(no reason given)"), r.deals, *(r.amounts.get(c, money.ZERO) for c in currencies)),
                r.filter,
            )
            for r in self.lost_reasons
        )
        return ReportTable(
            _("Lost deals by reason"),
            _scope_subtitle(self.pipeline_name, _("deals closed"), self.scope.period),
            columns,
            rows,
        )


def _closed_deals(scope: ReportScope, stage_ids: list[uuid.UUID]) -> list[tuple[Any, ...]]:
    """Deals closed in the period in these stages, counted and summed per (stage, responsible,
    lost reason, currency, product group) — the won/lost and product-group reports fold these few
    rows. The grouping follows the column order of the analytics index on closed deals, so SQLite
    reads that index in order and never sorts."""
    if not stage_ids:
        return []
    period = scope.period
    keys = [Deal.stage, Deal.responsible, Deal.lost_reason, Deal.currency, Deal.product_group]
    query = (
        Deal.select(*keys, fn.COUNT(SQL("*")), fn.SUM(Deal.amount).coerce(False))
        .where(
            Deal.pipeline == scope.pipeline_id,
            Deal.deleted_at.is_null(),
            Deal.stage.in_(stage_ids),
            Deal.closed_at >= period.since,
            Deal.closed_at < period.until,
        )
        .group_by(*keys)
    )
    return list(query.tuples())


def managers(scope: ReportScope, now: dt.datetime | None = None) -> ManagersReport:
    """Won and lost per manager and per lost reason (closed in the period); incorrect and inactive
    open deals per manager (now; "inactive" as the rules define it: incorrect, or no interaction
    with a detailed comment within ``rules.inactivity_days``)."""
    period = scope.period
    now = now or utcnow()
    days = int(rules.INACTIVITY_DAYS.get())
    # Stage kinds are resolved in Python from the pipeline's few stages: no join per deal.
    kinds = {s.id: s.kind for s in pipeline_stages(scope.pipeline_id)}
    final = [i for i, kind in kinds.items() if kind != StageKind.OPEN]
    closed = _closed_deals(scope, final)
    won: dict[uuid.UUID | None, int] = defaultdict(int)
    lost: dict[uuid.UUID | None, int] = defaultdict(int)
    won_amounts: dict[uuid.UUID | None, dict[str, Decimal]] = defaultdict(dict)
    lost_amounts: dict[uuid.UUID | None, dict[str, Decimal]] = defaultdict(dict)
    reasons: dict[str, int] = defaultdict(int)
    reason_amounts: dict[str, dict[str, Decimal]] = defaultdict(dict)
    responsible_value = Deal.responsible.python_value
    for stage_id, user_key, reason, currency, _group, n, units in closed:
        user_id = responsible_value(user_key)
        amount = _minor(units)
        if kinds[stage_id] == StageKind.WON:
            won[user_id] += n
            _add(won_amounts[user_id], currency, amount)
        else:
            lost[user_id] += n
            _add(lost_amounts[user_id], currency, amount)
            key = (reason or "").strip(" ")  # "Price" and " Price " are one reason (SQL TRIM)
            reasons[key] += n
            _add(reason_amounts[key], currency, amount)

    incorrect_sum = fn.SUM(peewee.Case(None, [(Deal.correct == False, 1)], 0))  # noqa: E712
    inactive_sum = fn.SUM(peewee.Case(None, [(rules.inactive_condition(now), 1)], 0))
    open_query = (
        Deal.select(Deal.responsible, fn.COUNT(SQL("*")), incorrect_sum, inactive_sum)
        .where(
            Deal.pipeline == scope.pipeline_id,
            Deal.deleted_at.is_null(),
            Deal.closed_at.is_null(),
        )
        .group_by(Deal.responsible)
    )
    open_counts: dict[uuid.UUID | None, tuple[int, int, int]] = {}
    for user_key, n, incorrect, inactive in open_query.tuples():
        open_counts[responsible_value(user_key)] = (int(n), int(incorrect or 0), int(inactive or 0))

    user_ids = set(won) | set(lost) | set(open_counts)
    names = {
        u.id: u.name
        for u in User.select(User.id, User.name).where(User.id.in_([i for i in user_ids if i]))
    }
    base = DealFilter(scope.pipeline_id)
    rows = []
    for user_id in user_ids:
        name = names.get(user_id, "") if user_id else _("(no responsible)")
        who = (user_id,)
        n_open, n_incorrect, n_inactive = open_counts.get(user_id, (0, 0, 0))
        rows.append(
            ManagerRow(
                user_id,
                name,
                won[user_id],
                dict(won_amounts[user_id]),
                lost[user_id],
                dict(lost_amounts[user_id]),
                _rate(won[user_id], won[user_id] + lost[user_id]),
                n_open,
                n_incorrect,
                n_inactive,
                _replace(
                    base,
                    label=_("Closed by {name}").format(name=name),
                    responsible_ids=who,
                    stage_kinds=(StageKind.WON, StageKind.LOST),
                    closed=period,
                ),
                _replace(
                    base,
                    label=_("Won by {name}").format(name=name),
                    responsible_ids=who,
                    stage_kinds=(StageKind.WON,),
                    closed=period,
                ),
                _replace(
                    base,
                    label=_("Lost by {name}").format(name=name),
                    responsible_ids=who,
                    stage_kinds=(StageKind.LOST,),
                    closed=period,
                ),
                _replace(
                    base,
                    label=_("Open deals of {name}").format(name=name),
                    responsible_ids=who,
                    open_only=True,
                ),
                _replace(
                    base,
                    label=_("Incorrect open deals of {name}").format(name=name),
                    responsible_ids=who,
                    open_only=True,
                    correct=False,
                ),
                _replace(
                    base,
                    label=_("Inactive open deals of {name}").format(name=name),
                    responsible_ids=who,
                    open_only=True,
                    inactive_at=now,
                ),
            )
        )
    rows.sort(key=lambda r: (-r.won, -r.lost, -r.open, r.user_id is None, r.name.casefold()))
    reason_rows = sorted(
        (
            LostReasonRow(
                reason,
                n,
                dict(reason_amounts[reason]),
                _replace(
                    base,
                    label=_("Lost: {reason}").format(reason=reason or _("(no reason given)")),
                    stage_kinds=(StageKind.LOST,),
                    closed=period,
                    lost_reason=reason,
                ),
            )
            for reason, n in reasons.items()
        ),
        key=lambda r: (-r.deals, r.reason.casefold()),
    )
    return ManagersReport(
        scope, _pipeline_name(scope.pipeline_id), days, tuple(rows), tuple(reason_rows)
    )


# --- forecast -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastRow:
    month: dt.date  # the first day of the month
    currency: str
    deals: int
    amount: Decimal
    weighted: Decimal  # Σ amount × probability of the deal's stage
    filter: DealFilter


@dataclass(frozen=True)
class ForecastReport:
    scope: ReportScope
    pipeline_name: str
    rows: tuple[ForecastRow, ...]

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted({r.currency for r in self.rows}))

    def totals(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Per currency: (amount, weighted) over all months."""
        result: dict[str, tuple[Decimal, Decimal]] = {}
        for r in self.rows:
            amount, weighted = result.get(r.currency, (money.ZERO, money.ZERO))
            result[r.currency] = (amount + r.amount, weighted + r.weighted)
        return result

    def table(self) -> ReportTable:
        columns = (
            Column(_("Month"), ColumnKind.MONTH),
            Column(_("Currency"), ColumnKind.TEXT),
            Column(_("Deals"), ColumnKind.COUNT),
            Column(_("Amount"), ColumnKind.MONEY),
            Column(_("Weighted forecast"), ColumnKind.MONEY),
        )
        rows = tuple(
            TableRow((r.month, r.currency, r.deals, r.amount, r.weighted), r.filter)
            for r in self.rows
        )
        return ReportTable(
            _("Revenue forecast"),
            _scope_subtitle(self.pipeline_name, _("open deals expected to close"), self.scope.period),
            columns,
            rows,
        )


def _month_key(column: peewee.Field) -> peewee.Node:
    # literal formats: a bound parameter would differ between SELECT and GROUP BY for PostgreSQL
    if engine(database) == "postgres":
        return fn.to_char(column, SQL("'YYYY-MM'"))
    return fn.strftime(SQL("'%Y-%m'"), column)


def _month_period(month: dt.date, period: Period) -> Period:
    """The part of ``period`` that falls in ``month``."""
    next_month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return Period(max(month, period.start), min(next_month - dt.timedelta(days=1), period.end))


def forecast(scope: ReportScope) -> ForecastReport:
    """Open deals expected to close in the period: amount and amount × stage probability, per
    month and currency. The weighted figure is rounded per month, stage and currency."""
    period = scope.period
    probability = {s.id: s.probability for s in pipeline_stages(scope.pipeline_id)}
    month = _month_key(Deal.expected_close_date)
    query = (
        Deal.select(month, Deal.stage, Deal.currency, fn.COUNT(SQL("*")), fn.SUM(Deal.amount).coerce(False))
        .where(
            Deal.pipeline == scope.pipeline_id,
            Deal.deleted_at.is_null(),
            Deal.closed_at.is_null(),
            Deal.expected_close_date >= period.start,
            Deal.expected_close_date <= period.end,
        )
        .group_by(month, Deal.stage, Deal.currency)
    )
    stage_value = Deal.stage.python_value
    deals: dict[tuple[dt.date, str], int] = defaultdict(int)
    amounts: dict[tuple[dt.date, str], Decimal] = defaultdict(lambda: money.ZERO)
    weighted: dict[tuple[dt.date, str], Decimal] = defaultdict(lambda: money.ZERO)
    for month_text, stage_key, currency, n, units in query.tuples():
        year, number = (int(part) for part in str(month_text).split("-"))
        key = (dt.date(year, number, 1), currency)
        amount = _minor(units)
        deals[key] += int(n)
        amounts[key] += amount
        weighted[key] += money.percent_of(amount, probability.get(stage_value(stage_key), money.ZERO))
    base = DealFilter(scope.pipeline_id, open_only=True)
    rows = tuple(
        ForecastRow(
            month_start,
            currency,
            deals[(month_start, currency)],
            amounts[(month_start, currency)],
            weighted[(month_start, currency)],
            _replace(
                base,
                label=_("Expected to close in {month}, {currency}").format(
                    month=format_month(month_start), currency=currency
                ),
                expected_close=_month_period(month_start, period),
                currency=currency,
            ),
        )
        for month_start, currency in sorted(deals)
    )
    return ForecastReport(scope, _pipeline_name(scope.pipeline_id), rows)


def format_month(month: dt.date, language: str | None = None) -> str:
    """"March 2026" in the UI language (the stand-alone month name)."""
    from babel.dates import format_date as babel_format_date

    from desktop_crm.i18n.formatting import babel_locale

    return babel_format_date(month, format="LLLL y", locale=babel_locale(language))


# --- product groups -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductGroupRow:
    group_id: uuid.UUID | None
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
        return _currencies(r.amounts for r in self.rows)

    def table(self) -> ReportTable:
        currencies = self.currencies
        columns = (
            Column(_("Product group"), ColumnKind.TEXT),
            Column(_("Won deals"), ColumnKind.COUNT),
            *_amount_columns(_("Sales"), currencies),
        )
        rows = tuple(
            TableRow((r.name, r.deals, *(r.amounts.get(c, money.ZERO) for c in currencies)), r.filter)
            for r in self.rows
        )
        return ReportTable(
            _("Sales by product group"),
            _scope_subtitle(self.pipeline_name, _("deals won"), self.scope.period),
            columns,
            rows,
        )


def product_groups(scope: ReportScope) -> ProductGroupReport:
    """Won deals closed in the period per product group and currency."""
    period = scope.period
    won_stages = [s.id for s in pipeline_stages(scope.pipeline_id) if s.kind == StageKind.WON]
    deals: dict[uuid.UUID | None, int] = defaultdict(int)
    amounts: dict[uuid.UUID | None, dict[str, Decimal]] = defaultdict(dict)
    for _stage, _user, _reason, currency, group_id, n, units in _closed_deals(scope, won_stages):
        deals[group_id] += int(n)
        _add(amounts[group_id], currency, _minor(units))
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
                group_id,
                name,
                n,
                dict(amounts[group_id]),
                _replace(
                    base,
                    label=_("Won in the group “{group}”").format(group=name),
                    product_group_ids=(group_id,),
                ),
            )
        )
    rows.sort(key=lambda r: (-r.deals, r.group_id is None, r.name.casefold()))
    return ProductGroupReport(scope, _pipeline_name(scope.pipeline_id), tuple(rows))


# --- the catalogue of reports ---------------------------------------------------------------------


class ReportKind(StrEnum):
    FUNNEL = "funnel"
    CONVERSION = "conversion"
    STAGE_TIME = "stage_time"
    MANAGERS = "managers"
    FORECAST = "forecast"
    PRODUCT_GROUPS = "product_groups"


def compute(kind: ReportKind, scope: ReportScope) -> Any:
    """Run one report (what the screen's background job and the benchmark call)."""
    if kind in (ReportKind.FUNNEL, ReportKind.CONVERSION):
        return funnel(scope)
    if kind == ReportKind.STAGE_TIME:
        return stage_time(scope)
    if kind == ReportKind.MANAGERS:
        return managers(scope)
    if kind == ReportKind.FORECAST:
        return forecast(scope)
    return product_groups(scope)


def tables(kind: ReportKind, report: Any) -> list[ReportTable]:
    """The tables of a computed report, in the order they are shown and exported."""
    if kind == ReportKind.FUNNEL:
        return [report.table()]
    if kind == ReportKind.CONVERSION:
        return [report.conversion_table()]
    if kind == ReportKind.MANAGERS:
        return [report.table(), report.lost_reasons_table()]
    return [report.table()]


# --- the deals behind a figure --------------------------------------------------------------------


@dataclass(frozen=True)
class DealLine:
    id: uuid.UUID
    title: str
    stage: str
    responsible: str
    amount: Decimal
    currency: str
    created_at: dt.datetime
    closed_at: dt.datetime | None


@dataclass(frozen=True)
class DealPage:
    total: int
    rows: tuple[DealLine, ...]


def deal_page(deal_filter: DealFilter, limit: int = 500) -> DealPage:
    """The first ``limit`` deals of a filter, newest first, and how many there are in all."""
    current = Stage.alias("cur")
    query = deal_filter.apply(
        Deal.select(
            Deal.id,
            Deal.title,
            current.name,
            User.name,
            Deal.amount,
            Deal.currency,
            Deal.created_at,
            Deal.closed_at,
        )
        .join(current, on=(current.id == Deal.stage))
        .switch(Deal)
        .join(User, JOIN.LEFT_OUTER, on=(User.id == Deal.responsible))
    ).order_by(Deal.created_at.desc(), Deal.id)
    rows = tuple(
        DealLine(id_, title, stage, responsible or "", amount, currency, created, closed)
        for id_, title, stage, responsible, amount, currency, created, closed in query.limit(
            limit
        ).tuples()
    )
    return DealPage(deal_filter.count(), rows)
