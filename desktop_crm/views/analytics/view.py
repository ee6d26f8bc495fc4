"""The Analytics section: pick a pipeline and a period, read each report as a chart beside its
table, click a bar or a row to open the deals behind it, export the report to XLSX or PDF.

Reports are computed by ``services.analytics`` in a background job (``desktop_crm.workers``); a
result that arrives after the pipeline or the period changed again is dropped. Only the tab that
is shown is computed; the others wait until they are opened.
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QChartView
from PySide6.QtCore import QDate, QRect, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.filenames import safe_file_name
from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_money
from desktop_crm.services.reporting import analytics, report_export
from desktop_crm.services.reporting.analytics import DealFilter, Period, ReportKind, ReportScope
from desktop_crm.views.analytics.charts import build_chart, chart_data
from desktop_crm.views.analytics.deals_dialog import DealsDialog
from desktop_crm.views.analytics.table_model import ReportTableModel
from desktop_crm.views.common.dialogs import error_box
from desktop_crm.workers import Progress, run_in_background

TAB_TITLES = {
    ReportKind.FUNNEL: lambda: _("Funnel"),
    ReportKind.CONVERSION: lambda: _("Conversion"),
    ReportKind.STAGE_TIME: lambda: _("Time in stages"),
    ReportKind.MANAGERS: lambda: _("Managers"),
    ReportKind.FORECAST: lambda: _("Forecast"),
    ReportKind.PRODUCT_GROUPS: lambda: _("Product groups"),
}
AMOUNT_CHARTS = (ReportKind.FORECAST, ReportKind.PRODUCT_GROUPS)


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def _qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def period_presets(today: dt.date) -> list[tuple[str, Period]]:
    """The quick choices of the period picker."""
    month_start = today.replace(day=1)
    quarter_start = month_start.replace(month=(today.month - 1) // 3 * 3 + 1)
    last_year = today.year - 1
    return [
        (_("This month"), Period(month_start, today)),
        (_("This quarter"), Period(quarter_start, today)),
        (_("Last 12 months"), analytics.default_period(today)),
        (_("This year"), Period(dt.date(today.year, 1, 1), today)),
        (_("Last year"), Period(dt.date(last_year, 1, 1), dt.date(last_year, 12, 31))),
    ]


def _count(value: int) -> str:
    return report_export.format_cell(analytics.Column("", analytics.ColumnKind.COUNT), value)


TEXT_COLUMN_MAX = 190
MONEY_COLUMN_MAX = 120
NUMBER_COLUMN_MAX = 84


def fit_columns(table: QTableView) -> None:
    """Columns as wide as their contents but capped; long names and headings wrap instead."""
    table.resizeColumnsToContents()
    model = table.model()
    if not isinstance(model, ReportTableModel) or model.table is None:
        return
    columns = model.table.columns
    header = table.horizontalHeader()
    metrics = header.fontMetrics()
    for column in range(model.columnCount()):
        numeric = model.is_numeric(column)
        kind = columns[column].kind
        widest = (
            MONEY_COLUMN_MAX
            if kind == analytics.ColumnKind.MONEY
            else NUMBER_COLUMN_MAX
            if numeric
            else TEXT_COLUMN_MAX
        )
        cells = max(
            [table.sizeHintForColumn(column)] if model.rowCount() else [0]
        )
        width = min(max(header.sectionSizeHint(column), cells), widest)
        if numeric:
            width = max(width, min(cells + 8, widest))
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        longest_word = max((metrics.horizontalAdvance(w) for w in title.split()), default=0)
        header.resizeSection(column, max(width, longest_word + 20))
    # headings wrap within their column: make the header tall enough for the tallest one
    flags = int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap)
    tallest = max(
        (
            metrics.boundingRect(
                QRect(0, 0, max(header.sectionSize(c) - 8, 8), 2000),
                flags,
                str(model.headerData(c, Qt.Orientation.Horizontal) or ""),
            ).height()
            for c in range(model.columnCount())
        ),
        default=metrics.height(),
    )
    header.setFixedHeight(tallest + 8)
    table.resizeRowsToContents()


class ReportPane(QWidget):
    """One report: a summary line, the chart on the left, its table(s) on the right."""

    open_deals = Signal(object)  # DealFilter

    def __init__(self, kind: ReportKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setObjectName(f"analytics_{kind.value}")
        self.report: Any = None
        self.scope: ReportScope | None = None
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.currency = QComboBox()
        self.currency.setObjectName("currency")
        self.currency.setToolTip(_("Currency of the chart"))
        self.currency.currentIndexChanged.connect(self._redraw_chart)
        self.chart_view = QChartView()
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumWidth(280)
        self.models: list[ReportTableModel] = []
        self.tables: list[QTableView] = []
        count = 4 if kind == ReportKind.MANAGERS else 1  # managers, lost and won reasons, plans
        right = QSplitter(Qt.Orientation.Vertical)
        for _index in range(count):
            model = ReportTableModel(self)
            table = QTableView()
            table.setModel(model)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setAlternatingRowColors(True)
            table.verticalHeader().setVisible(False)
            header = table.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            header.setStretchLastSection(False)
            table.setWordWrap(True)
            table.clicked.connect(lambda index, model=model: self._row_clicked(model, index))
            table.activated.connect(lambda index, model=model: self._row_clicked(model, index))
            right.addWidget(table)
            self.models.append(model)
            self.tables.append(table)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        currency_row = QHBoxLayout()
        self.currency_label = QLabel(_("Currency:"))
        currency_row.addWidget(self.currency_label)
        currency_row.addWidget(self.currency)
        currency_row.addStretch(1)
        left_layout.addLayout(currency_row)
        left_layout.addWidget(self.chart_view, 1)
        self.currency_label.setVisible(kind in AMOUNT_CHARTS)
        self.currency.setVisible(kind in AMOUNT_CHARTS)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([280, 720] if kind == ReportKind.MANAGERS else [440, 560])
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)

    # --- showing a result -------------------------------------------------------------------------
    def show_busy(self) -> None:
        self.summary.setText(_("Computing…"))

    def show_report(self, scope: ReportScope, report: Any) -> None:
        self.scope = scope
        self.report = report
        for model, table, view in zip(
            self.models, analytics.tables(self.kind, report), self.tables, strict=True
        ):
            model.set_table(table)
            fit_columns(view)
        currencies = self._currencies()
        self.currency.blockSignals(True)
        previous = self.currency.currentText()
        self.currency.clear()
        self.currency.addItems(list(currencies))
        if previous in currencies:
            self.currency.setCurrentText(previous)
        self.currency.blockSignals(False)
        self.summary.setText(self._summary())
        self._redraw_chart()

    def _currencies(self) -> tuple[str, ...]:
        if self.kind == ReportKind.FORECAST:
            # the currency with the largest number of deals first
            counts: dict[str, int] = {}
            for row in self.report.rows:
                counts[row.currency] = counts.get(row.currency, 0) + row.deals
            return tuple(sorted(counts, key=lambda c: (-counts[c], c)))
        if self.kind == ReportKind.PRODUCT_GROUPS:
            counts = {}
            for row in self.report.rows:
                for currency in row.amounts:
                    counts[currency] = counts.get(currency, 0) + row.deals
            return tuple(sorted(counts, key=lambda c: (-counts[c], c)))
        return ()

    def _redraw_chart(self, *_args: Any) -> None:
        if self.report is None:
            return
        data = chart_data(self.kind, self.report, self.currency.currentText() or None)
        old = self.chart_view.chart()
        self.chart_view.setChart(build_chart(data, self.open_deals.emit))
        if old is not None:
            old.deleteLater()

    def _summary(self) -> str:
        report, kind = self.report, self.kind
        empty = _("No data for this period.")
        if kind in (ReportKind.FUNNEL, ReportKind.CONVERSION):
            if not report.created:
                return empty
            rate = report_export.format_cell(
                analytics.Column("", analytics.ColumnKind.PERCENT), report.win_rate
            )
            return _("Deals created: {created} · won: {won} · win rate: {rate} %").format(
                created=_count(report.created), won=_count(report.won), rate=rate
            )
        if kind == ReportKind.STAGE_TIME:
            slowest = report.slowest
            if slowest is None:
                return empty
            days = report_export.format_cell(
                analytics.Column("", analytics.ColumnKind.DAYS), slowest.median_days
            )
            return _("Deals stay longest in “{stage}”: a median of {days} days.").format(
                stage=slowest.stage.name, days=days
            )
        if kind == ReportKind.MANAGERS:
            if not report.rows:
                return empty
            return _(
                "Click a figure to open its deals. Inactive: no interaction with a detailed "
                "comment for {days} days, or incorrect."
            ).format(days=report.inactivity_days)
        if kind == ReportKind.FORECAST:
            if not report.rows:
                return empty
            totals = "; ".join(
                format_money(weighted, currency)
                for currency, (_amount, weighted) in sorted(report.totals().items())
            )
            return _("Weighted forecast for the period: {totals}").format(totals=totals)
        if not report.rows:
            return empty
        return _("Won deals: {count}").format(count=_count(sum(r.deals for r in report.rows)))

    def _row_clicked(self, model: ReportTableModel, index: Any) -> None:
        deal_filter = model.filter_at(index)
        if deal_filter is not None:
            self.open_deals.emit(deal_filter)


class AnalyticsView(QWidget):
    """The section's view (``SectionView.factory``)."""

    deals_requested = Signal(object)  # DealFilter: the deals behind a clicked figure

    def __init__(self, context: Any, parent: QWidget | None = None, today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("analytics_view")
        self.context = context
        self.today = today or dt.date.today()
        self._generation = 0
        self._pipelines_loaded = False

        self.pipeline = QComboBox()
        self.pipeline.setObjectName("pipeline")
        self.pipeline.setMinimumContentsLength(16)
        self.preset = QComboBox()
        self.preset.setObjectName("period_preset")
        self.presets = period_presets(self.today)
        for title, _period in self.presets:
            self.preset.addItem(title)
        self.preset.addItem(_("Custom"))
        self.date_from = QDateEdit()
        self.date_from.setObjectName("date_from")
        self.date_to = QDateEdit()
        self.date_to.setObjectName("date_to")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
        self.refresh_button = QPushButton(_("Refresh"))
        self.xlsx_button = QPushButton(_("Export to Excel…"))
        self.xlsx_button.setObjectName("export_xlsx")
        self.pdf_button = QPushButton(_("Export to PDF…"))
        self.pdf_button.setObjectName("export_pdf")

        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Pipeline:")))
        bar.addWidget(self.pipeline)
        bar.addSpacing(12)
        bar.addWidget(QLabel(_("Period:")))
        bar.addWidget(self.preset)
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel("–"))
        bar.addWidget(self.date_to)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        bar.addWidget(self.xlsx_button)
        bar.addWidget(self.pdf_button)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("analytics_tabs")
        self.panes: dict[ReportKind, ReportPane] = {}
        for kind in ReportKind:
            pane = ReportPane(kind)
            pane.open_deals.connect(self.open_deals)
            self.panes[kind] = pane
            self.tabs.addTab(pane, TAB_TITLES[kind]())
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)

        self._set_period(self.presets[2][1], preset=2)
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self.date_from.dateChanged.connect(self._dates_edited)
        self.date_to.dateChanged.connect(self._dates_edited)
        self.pipeline.currentIndexChanged.connect(lambda *_a: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        self.tabs.currentChanged.connect(lambda *_a: self._ensure_current())
        self.xlsx_button.clicked.connect(lambda: self.export_dialog("xlsx"))
        self.pdf_button.clicked.connect(lambda: self.export_dialog("pdf"))

    # --- section view protocol --------------------------------------------------------------------
    def activated(self) -> None:
        if not self._pipelines_loaded:
            self.load_pipelines()
        else:
            self._ensure_current()

    def reload(self) -> None:
        self.load_pipelines()

    # --- pickers ----------------------------------------------------------------------------------
    def load_pipelines(self) -> None:
        current = self.pipeline.currentData()
        choices = analytics.pipelines()
        self.pipeline.blockSignals(True)
        self.pipeline.clear()
        for choice in choices:
            self.pipeline.addItem(choice.name, str(choice.id))
        index = self.pipeline.findData(current) if current else -1
        self.pipeline.setCurrentIndex(index if index >= 0 else (0 if choices else -1))
        self.pipeline.blockSignals(False)
        self._pipelines_loaded = True
        self.refresh()

    def _set_period(self, period: Period, preset: int | None = None) -> None:
        for edit in (self.date_from, self.date_to):
            edit.blockSignals(True)
        self.date_from.setDate(_qdate(period.start))
        self.date_to.setDate(_qdate(period.end))
        for edit in (self.date_from, self.date_to):
            edit.blockSignals(False)
        if preset is not None:
            self.preset.blockSignals(True)
            self.preset.setCurrentIndex(preset)
            self.preset.blockSignals(False)

    def _preset_chosen(self, index: int) -> None:
        if 0 <= index < len(self.presets):
            self._set_period(self.presets[index][1])
            self.refresh()

    def _dates_edited(self, *_args: Any) -> None:
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(len(self.presets))  # "Custom"
        self.preset.blockSignals(False)
        self.refresh()

    def set_scope(self, pipeline_id: uuid.UUID, period: Period) -> None:
        """Select a pipeline and a period (tests, screenshots) and recompute."""
        matching = [i for i, (_title, preset) in enumerate(self.presets) if preset == period]
        self._set_period(period, preset=matching[0] if matching else len(self.presets))
        self.pipeline.blockSignals(True)
        self.pipeline.setCurrentIndex(self.pipeline.findData(str(pipeline_id)))
        self.pipeline.blockSignals(False)
        self.refresh()

    def scope(self) -> ReportScope | None:
        pipeline_id = self.pipeline.currentData()
        if not pipeline_id:
            return None
        start, end = _date(self.date_from.date()), _date(self.date_to.date())
        if end < start:
            return None
        return ReportScope(uuid.UUID(pipeline_id), Period(start, end))

    def show_report(self, kind: ReportKind) -> ReportPane:
        self.tabs.setCurrentWidget(self.panes[kind])
        self._ensure_current()
        return self.panes[kind]

    # --- computing --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """The scope changed: every pane is stale; compute the one shown."""
        self._generation += 1
        for pane in self.panes.values():
            pane.scope = None
        self._ensure_current()

    def _ensure_current(self) -> None:
        pane = self.tabs.currentWidget()
        scope = self.scope()
        if not isinstance(pane, ReportPane):
            return
        if scope is None:
            pane.summary.setText(
                _("Choose a pipeline and a period.")
                if self.pipeline.count() or not self._pipelines_loaded
                else _("There are no pipelines yet.")
            )
            return
        if pane.scope == scope:
            return
        pane.scope = scope
        pane.show_busy()
        generation = self._generation
        kind = pane.kind

        def work(_progress: Progress) -> Any:
            return analytics.compute(kind, scope)

        def done(report: Any) -> None:
            if generation == self._generation:
                pane.show_report(scope, report)

        def failed(error: BaseException) -> None:
            if generation != self._generation:
                return
            pane.scope = None
            pane.summary.setText(_("The report could not be computed."))
            if isinstance(error, CrmError):
                error_box(self, error.message)
            else:  # a bug: the crash dialog and the log
                sys.excepthook(type(error), error, error.__traceback__)

        run_in_background(work, on_result=done, on_error=failed, name=f"analytics.{kind.value}")

    # --- drill-down and export --------------------------------------------------------------------
    def open_deals(self, deal_filter: DealFilter) -> None:
        """Open the list of the deals behind a figure."""
        self.deals_requested.emit(deal_filter)
        dialog = DealsDialog(self.context, deal_filter, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def current_tables(self) -> list[analytics.ReportTable]:
        pane = self.tabs.currentWidget()
        if not isinstance(pane, ReportPane) or pane.report is None:
            return []
        return analytics.tables(pane.kind, pane.report)

    def export_dialog(self, fmt: str) -> None:
        tables = self.current_tables()
        if not tables:
            return
        name = safe_file_name(tables[0].title, fmt, fallback=_("Report"))
        filters = _("Excel workbooks (*.xlsx)") if fmt == "xlsx" else _("PDF documents (*.pdf)")
        path, _chosen = QFileDialog.getSaveFileName(self, _("Export the report"), name, filters)
        if path:
            if not path.lower().endswith(f".{fmt}"):
                path += f".{fmt}"
            self.export_to(Path(path))

    def export_to(self, path: Path, on_done: Callable[[Path], None] | None = None) -> None:
        """Write the shown report to ``path`` (.xlsx or .pdf) in the background."""
        tables = self.current_tables()
        if not tables:
            return

        def work(_progress: Progress) -> Path:
            return report_export.export(tables, path)

        def done(written: Path) -> None:
            if self.context is not None:
                self.context.show_status(_("Report saved: {path}").format(path=written))
            if on_done is not None:
                on_done(written)

        def failed(error: BaseException) -> None:
            error_box(self, _("The report could not be saved: {reason}").format(reason=error))

        run_in_background(work, on_result=done, on_error=failed, use_database=False, name="analytics.export")
