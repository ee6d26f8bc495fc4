"""The revenue forecast: open deals expected to close in the period, by month and currency."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal

from peewee import SQL, fn

from desktop_crm import money
from desktop_crm.i18n import _
from desktop_crm.models import (
    Deal,
    dialect,
)
from desktop_crm.models.fields import coerce_uuid
from desktop_crm.services.reporting.analytics.inputs import (
    DealFilter,
    Period,
    ReportScope,
    pipeline_stages,
    visible_deals,
)
from desktop_crm.services.reporting.analytics.results import (
    Column,
    ColumnKind,
    ReportTable,
    TableRow,
    minor_to_money,
    name_of_pipeline,
    scope_subtitle,
)


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
            scope_subtitle(self.pipeline_name, _("open deals expected to close"), self.scope.period),
            columns,
            rows,
        )


def _month_period(month: dt.date, period: Period) -> Period:
    """The part of ``period`` that falls in ``month``."""
    next_month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return Period(max(month, period.start), min(next_month - dt.timedelta(days=1), period.end))


def forecast(scope: ReportScope) -> ForecastReport:
    """Open deals expected to close in the period: amount and amount × stage probability, per
    month and currency. The weighted figure is rounded per month, stage and currency."""
    period = scope.period
    probability = {s.id: s.probability for s in pipeline_stages(scope.pipeline_id)}
    month = dialect.month_key(Deal.expected_close_date)
    query = (
        Deal.select(month, Deal.stage, Deal.currency, fn.COUNT(SQL("*")), fn.SUM(Deal.amount).coerce(False))
        .where(
            Deal.pipeline == scope.pipeline_id,
            Deal.deleted_at.is_null(),
            *visible_deals(),
            Deal.closed_at.is_null(),
            Deal.expected_close_date >= period.start,
            Deal.expected_close_date <= period.end,
        )
        .group_by(month, Deal.stage, Deal.currency)
    )
    deals: dict[tuple[dt.date, str], int] = defaultdict(int)
    amounts: dict[tuple[dt.date, str], Decimal] = defaultdict(lambda: money.ZERO)
    weighted: dict[tuple[dt.date, str], Decimal] = defaultdict(lambda: money.ZERO)
    # the pipeline's open deals from the index over open deals alone; SQLite would rather read
    # every deal expected to close in the period, of every pipeline, row by row
    sql, params = query.sql()
    rows = dialect.execute(dialect.along_named_index(sql, "deal", "deal_analytics_open"), params)
    for month_text, stage_key, currency, n, units in rows.fetchall():
        year, number = (int(part) for part in str(month_text).split("-"))
        key = (dt.date(year, number, 1), currency)
        amount = minor_to_money(units)
        deals[key] += int(n)
        amounts[key] += amount
        weighted[key] += money.percent_of(amount, probability.get(coerce_uuid(stage_key), money.ZERO))
    base = DealFilter(scope.pipeline_id, open_only=True)
    rows = tuple(
        ForecastRow(
            month_start,
            currency,
            deals[(month_start, currency)],
            amounts[(month_start, currency)],
            weighted[(month_start, currency)],
            replace(
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
    return ForecastReport(scope, name_of_pipeline(scope.pipeline_id), rows)


def format_month(month: dt.date, language: str | None = None) -> str:
    """"March 2026" in the UI language (the stand-alone month name)."""
    from babel.dates import format_date as babel_format_date

    from desktop_crm.i18n.formatting import babel_locale

    return babel_format_date(month, format="LLLL y", locale=babel_locale(language))
