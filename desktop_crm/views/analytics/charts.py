"""QtCharts bar charts of the analytics reports; a click on a bar opens the deals behind it.

Each report is first laid out as a :class:`BarChartData` (categories, bar sets with exact values
and the deal filter of every bar); only :func:`build_chart` turns the values into the floats
QtCharts draws with, and nothing drawn is ever read back.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QLocale, QMargins, Qt
from PySide6.QtGui import QColor, QFont

from desktop_crm import money
from desktop_crm.i18n import _, current_language
from desktop_crm.i18n.formatting import babel_locale
from desktop_crm.services.reporting import analytics
from desktop_crm.services.reporting.analytics import DealFilter, ReportKind

MAX_BARS = 12
WRAP_AT = 22
PALETTE = ("#4a90d9", "#e8833a", "#6ab04c", "#c0392b", "#8e44ad", "#16a085")


@dataclass(frozen=True)
class BarSetData:
    name: str
    values: tuple[Decimal | int, ...]
    filters: tuple[DealFilter | None, ...]
    color: str


@dataclass(frozen=True)
class BarChartData:
    title: str
    categories: tuple[str, ...]
    sets: tuple[BarSetData, ...]
    horizontal: bool
    axis_title: str
    decimals: int = 0
    labels: bool = True  # value labels on the bars (off for amounts: the table has them exactly)
    maximum: Decimal | None = None  # a fixed end of the value axis (100 for rates)

    @property
    def empty(self) -> bool:
        return not self.categories


def chart_data(kind: ReportKind, report: Any, currency: str | None) -> BarChartData:
    """What to draw for a report (``currency``: the one amounts are shown in, when they are)."""
    return _CHARTS.get(kind, _product_groups_chart)(report, currency)


def _bars(name: str, rows: Sequence[Any], value: Callable[[Any], Decimal | int],
          deal_filter: Callable[[Any], DealFilter | None], color: str) -> BarSetData:
    """A bar set: one bar per row, its value and the deals behind it."""
    return BarSetData(name, tuple(value(r) for r in rows), tuple(deal_filter(r) for r in rows), color)


def _funnel_chart(report: Any, currency: str | None) -> BarChartData:
    rows = report.rows
    return BarChartData(
        _("Deals that reached each stage"),
        tuple(r.stage.name for r in rows),
        (_bars(_("Deals"), rows, lambda r: r.deals, lambda r: r.filter, PALETTE[0]),),
        True,
        _("Deals"),
    )


def _conversion_chart(report: Any, currency: str | None) -> BarChartData:
    rows = report.conversions
    return BarChartData(
        _("Conversion to the next stage, %"),
        tuple(r.step for r in rows),
        (_bars(_("Conversion, %"), rows, lambda r: r.rate or Decimal(0),
               lambda r: r.advanced_filter, PALETTE[0]),),
        True,
        "%",
        1,
        maximum=Decimal(100),
    )


def _stage_time_chart(report: Any, currency: str | None) -> BarChartData:
    rows = report.rows
    return BarChartData(
        _("Days in each stage"),
        tuple(r.stage.name for r in rows),
        (
            _bars(_("Average, days"), rows, lambda r: r.average_days, lambda r: r.filter,
                  PALETTE[0]),
            _bars(_("Median, days"), rows, lambda r: r.median_days, lambda r: r.filter,
                  PALETTE[1]),
        ),
        True,
        _("Days"),
        1,
    )


def _managers_chart(report: Any, currency: str | None) -> BarChartData:
    rows = report.rows[:MAX_BARS]
    return BarChartData(
        _("Deals won and lost"),
        tuple(r.name for r in rows),
        (
            _bars(_("Won"), rows, lambda r: r.won, lambda r: r.won_filter, PALETTE[2]),
            _bars(_("Lost"), rows, lambda r: r.lost, lambda r: r.lost_filter, PALETTE[3]),
        ),
        True,
        _("Deals"),
    )


def _forecast_chart(report: Any, currency: str | None) -> BarChartData:
    rows = [r for r in report.rows if r.currency == currency]
    return BarChartData(
        _("Forecast by expected close month, {currency}").format(currency=currency or ""),
        tuple(analytics.format_month(r.month) for r in rows),
        (
            _bars(_("Amount"), rows, lambda r: r.amount, lambda r: r.filter, PALETTE[0]),
            _bars(_("Weighted forecast"), rows, lambda r: r.weighted, lambda r: r.filter,
                  PALETTE[2]),
        ),
        True,
        currency or "",
        labels=False,
    )


def _product_groups_chart(report: Any, currency: str | None) -> BarChartData:
    rows = [r for r in report.rows if currency in r.amounts][:MAX_BARS]
    return BarChartData(
        _("Sales by product group, {currency}").format(currency=currency or ""),
        tuple(r.name for r in rows),
        (_bars(_("Sales"), rows, lambda r: r.amounts[currency], lambda r: r.filter, PALETTE[0]),),
        True,
        currency or "",
        labels=False,
    )


_CHARTS: dict[ReportKind, Callable[[Any, str | None], BarChartData]] = {
    ReportKind.FUNNEL: _funnel_chart,
    ReportKind.CONVERSION: _conversion_chart,
    ReportKind.STAGE_TIME: _stage_time_chart,
    ReportKind.MANAGERS: _managers_chart,
    ReportKind.FORECAST: _forecast_chart,
    ReportKind.PRODUCT_GROUPS: _product_groups_chart,
}


def _qt_locale() -> QLocale:
    return QLocale(babel_locale(current_language()))


def build_chart(data: BarChartData, on_click: Callable[[DealFilter], None]) -> QChart:
    """A QChart of the bars; clicking bar ``i`` of a set calls ``on_click`` with its filter."""
    chart = QChart()
    chart.setTitle(data.title)
    title_font = QFont(chart.titleFont())
    title_font.setBold(True)
    chart.setTitleFont(title_font)
    chart.setLocalizeNumbers(True)
    chart.setLocale(_qt_locale())
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setVisible(len(data.sets) > 1)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    if data.empty:
        return chart
    # horizontal bars draw category 0 at the bottom: reverse so the first row is on top
    order = list(range(len(data.categories)))
    if data.horizontal:
        order.reverse()
    series = QHorizontalBarSeries() if data.horizontal else QBarSeries()
    peak = Decimal(0)
    for set_data in data.sets:
        bar_set = QBarSet(set_data.name)
        bar_set.setColor(QColor(set_data.color))
        for i in order:
            value = set_data.values[i]
            peak = max(peak, Decimal(value))
            # drawing only: QtCharts wants floats (rounded as the table shows them)
            bar_set.append(float(money.quantize(value, data.decimals)))
        filters = [set_data.filters[i] for i in order]
        bar_set.clicked.connect(lambda index, filters=filters: _clicked(filters, index, on_click))
        series.append(bar_set)
    series.setLabelsVisible(data.labels)
    series.setLabelsPrecision(6)
    series.setLabelsFormat("@value")
    series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsInsideEnd)
    chart.addSeries(series)
    categories = QBarCategoryAxis()
    categories.append([wrap_label(data.categories[i]) for i in order])
    categories.setTruncateLabels(False)  # long names wrap (wrap_label) instead of being cut
    values = QValueAxis()
    values.setLabelFormat("%.0f")
    if data.maximum is not None:
        values.setRange(0, float(data.maximum))
    else:
        values.setRange(0, float(peak * Decimal("1.1")) if peak else 1.0)
        values.applyNiceNumbers()
    if data.axis_title:
        values.setTitleText(data.axis_title)
    if data.horizontal:
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
    else:
        chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(categories)
    series.attachAxis(values)
    return chart


def wrap_label(text: str, width: int = WRAP_AT) -> str:
    """A category name as HTML lines of about ``width`` characters (QtCharts renders ``<br>``)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(html.escape(line) for line in lines) or html.escape(text)


def _clicked(filters: list[DealFilter | None], index: int, on_click: Callable[[DealFilter], None]) -> None:
    chosen = filters[index] if 0 <= index < len(filters) else None
    if chosen is not None:
        on_click(chosen)

