"""Time in stages: average and median stay, from the stays that ended in the period."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import peewee
from peewee import SQL, fn

from desktop_crm import money
from desktop_crm.i18n import _
from desktop_crm.models import (
    Deal,
    StageChange,
    StageKind,
    dialect,
)
from desktop_crm.models.fields import coerce_uuid
from desktop_crm.services.reporting.analytics.inputs import (
    DealFilter,
    ReportScope,
    StageInfo,
    pipeline_stages,
    visible_deals,
)
from desktop_crm.services.reporting.analytics.results import (
    Column,
    ColumnKind,
    ReportTable,
    TableRow,
    name_of_pipeline,
    scope_subtitle,
    seconds_to_days,
)


@dataclass(frozen=True)
class StageTimeRow:
    stage: StageInfo
    stays: int  # stays in the stage that ended in the period
    average_seconds: Decimal
    median_seconds: Decimal
    filter: DealFilter  # deals that left the stage in the period

    @property
    def average_days(self) -> Decimal:
        return seconds_to_days(self.average_seconds)

    @property
    def median_days(self) -> Decimal:
        return seconds_to_days(self.median_seconds)


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
            scope_subtitle(self.pipeline_name, _("stays that ended"), self.scope.period),
            columns,
            rows,
        )


def _along(query: peewee.ModelSelect[StageChange], columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The rows of ``query`` read along the live stays' index starting with ``columns``."""
    sql, params = query.sql()
    return list(dialect.execute(dialect.along_index(sql, "stage_change", columns, first_only=True),
                                params).fetchall())


def stage_time(scope: ReportScope) -> StageTimeReport:
    """Average and median time spent in each open stage, from the stays that ended in the period."""
    stages = [s for s in pipeline_stages(scope.pipeline_id) if s.kind == StageKind.OPEN]
    period = scope.period
    by_id = {s.id: s for s in stages}
    deleted_deals = Deal.select(Deal.id).where(Deal.deleted_at.is_null(False))

    def stays(*columns: Any) -> peewee.ModelSelect[StageChange]:
        # Stays of live deals; the few deleted deals are excluded as a set, not by a look-up
        # per stay.
        return StageChange.select(*columns).where(
            StageChange.changed_at >= period.since,
            StageChange.changed_at < period.until,
            StageChange.deleted_at.is_null(),
            StageChange.deal.not_in(deleted_deals),
            *([] if not visible_deals() else [
                StageChange.deal.in_(Deal.select(Deal.id).where(*visible_deals()))]),
        )

    totals: dict[uuid.UUID, tuple[int, int]] = {}
    medians: dict[uuid.UUID, Decimal] = {}
    if stages:
        seconds = StageChange.seconds_in_previous
        aggregates = [StageChange.from_stage, fn.COUNT(SQL("*")), fn.SUM(seconds).coerce(False)]
        median = dialect.median_aggregate(seconds)
        if median is not None:
            aggregates.append(median)
        query = (
            stays(*aggregates)
            .where(StageChange.from_stage.in_(list(by_id)))
            .group_by(StageChange.from_stage)
        )
        # one range of end dates per stage (SQLite would rather read every stay of the stages
        # along the index of durations, the one the medians below need)
        for stage_key, n, total, *middle_value in _along(query, ("from_stage_id", "changed_at")):
            stage_id = coerce_uuid(stage_key)
            totals[stage_id] = (int(n), int(total))
            if median is not None:
                medians[stage_id] = Decimal(middle_value[0])
        if median is None:
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
                values = [int(v) for (v,) in _along(middle, ("from_stage_id", "seconds_in_previous"))]
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
    return StageTimeReport(scope, name_of_pipeline(scope.pipeline_id), tuple(rows))
