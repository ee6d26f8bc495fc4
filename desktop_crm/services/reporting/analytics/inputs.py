"""What a report is asked for (a pipeline and a period) and what its rows point at: a
:class:`DealFilter` selecting exactly the deals a figure counts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import peewee
from peewee import SQL, fn

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_date
from desktop_crm.models import (
    Deal,
    Stage,
    StageChange,
    StageKind,
    dialect,
)
from desktop_crm.services.sales import pipelines as sales_pipelines
from desktop_crm.services.sales import rules
from desktop_crm.services.sales.pipelines import PipelineInfo
from desktop_crm.services.system import rights

_M = TypeVar("_M", bound=peewee.Model)


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
        Stage.alive(Stage.id, Stage.name, Stage.kind, Stage.sort_order, Stage.probability)
        .where(Stage.pipeline == pipeline_id)
        .order_by(Stage.sort_order, Stage.name, Stage.id)
    )
    return [StageInfo(*row) for row in dialect.tuples(rows)]


def ladder_of(stages: Iterable[StageInfo]) -> list[StageInfo]:
    return [s for s in stages if s.kind != StageKind.LOST]


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

    def apply(self, query: peewee.ModelSelect[_M]) -> peewee.ModelSelect[_M]:
        """Narrow a query over ``Deal`` (live rows only) to the deals described."""
        return query.where(*self.conditions())

    def conditions(self) -> list[peewee.ColumnBase]:
        conds: list[peewee.ColumnBase] = [Deal.deleted_at.is_null(), Deal.pipeline == self.pipeline_id,
                                          *visible_deals()]
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

    def query(self) -> peewee.ModelSelect[Any]:
        return self.apply(Deal.select())

    def count(self) -> int:
        return int(self.apply(Deal.select(fn.COUNT(SQL("*")))).scalar() or 0)


def visible_deals() -> list[peewee.ColumnBase]:
    """The signed-in user's scope over deals, as conditions (none when every deal is visible)."""
    condition = rights.scope_condition(Deal)
    return [] if condition is None else [condition]


def _in_or_null(column: peewee.Field[Any], values: tuple[uuid.UUID | None, ...]) -> peewee.ColumnBase:
    ids = [v for v in values if v is not None]
    parts: list[peewee.ColumnBase] = []
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
