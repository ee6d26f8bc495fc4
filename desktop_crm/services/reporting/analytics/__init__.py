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

from enum import StrEnum
from typing import Any

from desktop_crm.services.reporting.analytics.deal_list import DealLine, DealPage, deal_page
from desktop_crm.services.reporting.analytics.forecast_report import (
    ForecastReport,
    ForecastRow,
    forecast,
    format_month,
)
from desktop_crm.services.reporting.analytics.funnel_report import (
    ConversionRow,
    FunnelReport,
    FunnelRow,
    funnel,
)
from desktop_crm.services.reporting.analytics.inputs import (
    DealFilter,
    Period,
    ReportScope,
    StageInfo,
    default_period,
    pipeline_stages,
    pipelines,
)
from desktop_crm.services.reporting.analytics.managers_report import (
    LostReasonRow,
    ManagerRow,
    ManagersReport,
    managers,
)
from desktop_crm.services.reporting.analytics.product_groups_report import (
    ProductGroupReport,
    ProductGroupRow,
    product_groups,
)
from desktop_crm.services.reporting.analytics.results import (
    Column,
    ColumnKind,
    ReportTable,
    TableRow,
)
from desktop_crm.services.reporting.analytics.stage_time_report import (
    StageTimeReport,
    StageTimeRow,
    stage_time,
)

__all__ = [
    "Column", "ColumnKind", "ConversionRow", "DealFilter", "DealLine", "DealPage",
    "ForecastReport", "ForecastRow", "FunnelReport", "FunnelRow", "LostReasonRow", "ManagerRow",
    "ManagersReport", "Period", "ProductGroupReport", "ProductGroupRow",
    "ReportKind", "ReportScope", "ReportTable", "StageInfo", "StageTimeReport", "StageTimeRow",
    "TableRow", "compute", "deal_page", "default_period", "forecast", "format_month", "funnel",
    "managers", "pipeline_stages", "pipelines", "product_groups", "stage_time", "tables",
]


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
        return [report.table(), report.lost_reasons_table(), report.won_reasons_table(),
                report.plans_table()]
    return [report.table()]
