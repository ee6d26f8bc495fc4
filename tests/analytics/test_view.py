"""The Analytics screen with real widgets offscreen: pickers, charts beside tables, drill-down by a
click on a row or a bar, background computation and export."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCharts import QAbstractBarSeries, QBarSet
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtWidgets import QApplication

from desktop_crm import workers
from desktop_crm.services.reporting.analytics import ReportKind
from desktop_crm.services.system.session import UserRef
from desktop_crm.views.analytics.deals_dialog import DealsDialog
from desktop_crm.views.analytics.view import AnalyticsView
from desktop_crm.views.context import AppContext
from desktop_crm.views.registry import Registry
from tests.analytics.conftest import PERIOD, Sales


@pytest.fixture
def view(qtbot: Any, sales_sqlite: Sales, tmp_path: Path) -> AnalyticsView:
    context = AppContext(
        user=UserRef(uuid.uuid4(), "Tester", "admin", ""),
        database_name="test",
        registry=Registry(),
        settings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat),
    )
    widget = AnalyticsView(context, today=dt.date(2026, 3, 31))
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    widget.show()
    with workers.synchronous():
        widget.activated()
        widget.set_scope(sales_sqlite.pipeline.id, PERIOD)
    return widget


def close_dialogs() -> None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, DealsDialog):
            widget.close()


def test_pickers_list_the_pipelines_default_first_and_the_period(view: AnalyticsView) -> None:
    assert [view.pipeline.itemText(i) for i in range(view.pipeline.count())] == ["Продажи", "Other"]
    scope = view.scope()
    assert scope is not None and scope.period == PERIOD
    assert view.preset.currentText() == "This quarter"  # 2026-01-01 – 2026-03-31, today 03-31
    with workers.synchronous():
        view.preset.setCurrentText("Last year")
        scope = view.scope()
        assert scope is not None
        assert (scope.period.start, scope.period.end) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
        assert view.panes[ReportKind.FUNNEL].summary.text() == "Deals created: 2 · won: 1 · win rate: 50.0 %"
        view.date_from.setDate(view.date_from.date().addDays(1))
    assert view.preset.currentText() == "Custom"


def test_funnel_tab_shows_the_table_and_a_summary(view: AnalyticsView) -> None:
    pane = view.panes[ReportKind.FUNNEL]
    model = pane.models[0]
    cells = [[model.index(r, c).data() for c in range(3)] for r in range(model.rowCount())]
    assert cells == [
        ["New", "8", "100.0"],
        ["Proposal", "6", "75.0"],
        ["Negotiation", "3", "37.5"],
        ["Won", "2", "25.0"],
    ]
    assert pane.summary.text() == "Deals created: 8 · won: 2 · win rate: 25.0 %"
    series = pane.chart_view.chart().series()
    assert len(series) == 1 and isinstance(series[0], QAbstractBarSeries)


def test_clicking_a_row_opens_the_deals_behind_it(qtbot: Any, view: AnalyticsView) -> None:
    pane = view.panes[ReportKind.FUNNEL]
    table = pane.tables[0]
    index = pane.models[0].index(1, 1)  # Proposal, deals
    with workers.synchronous(), qtbot.waitSignal(view.deals_requested) as signal:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())
    assert signal.args[0].count() == 6
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, DealsDialog) and w.isVisible()]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert dialog.table.rowCount() == 6
    assert {dialog.table.item(r, 0).text() for r in range(6)} == {"D1", "D2", "D3", "D5", "D10", "D11"}
    close_dialogs()


def test_clicking_a_bar_opens_the_deals_behind_it(qtbot: Any, view: AnalyticsView) -> None:
    with workers.synchronous():
        pane = view.show_report(ReportKind.MANAGERS)
    chart = pane.chart_view.chart()
    series = chart.series()[0]
    lost_set: QBarSet = series.barSets()[1]
    assert lost_set.label() == "Lost"
    # managers top-down: Boris, Anna, (no responsible); horizontal bars draw the last on top, so
    # Anna is category 1 from the bottom. Click the middle of her "lost" bar (2 deals).
    point = chart.mapToPosition(QPointF(0.5, 1.12), series)
    target = pane.chart_view.mapFromScene(chart.mapToScene(point))
    with workers.synchronous(), qtbot.waitSignal(view.deals_requested) as signal:
        qtbot.mouseClick(pane.chart_view.viewport(), Qt.MouseButton.LeftButton, pos=target)
    assert signal.args[0].label == "Lost by Anna"
    assert {d.title for d in signal.args[0].query()} == {"D2", "D7"}
    close_dialogs()


def test_managers_tab_has_managers_and_lost_reasons(view: AnalyticsView) -> None:
    with workers.synchronous():
        pane = view.show_report(ReportKind.MANAGERS)
    reasons = pane.models[1]
    assert [reasons.index(r, 0).data() for r in range(reasons.rowCount())] == ["Price", "(no reason given)"]
    managers = pane.models[0]
    assert [managers.index(r, 0).data() for r in range(managers.rowCount())] == [
        "Boris",
        "Anna",
        "(no responsible)",
    ]


def test_forecast_chart_follows_the_chosen_currency(view: AnalyticsView) -> None:
    with workers.synchronous():
        pane = view.show_report(ReportKind.FORECAST)
    assert [pane.currency.itemText(i) for i in range(pane.currency.count())] == ["RUB", "EUR"]
    # horizontal bars, the first month on top (categories run bottom-up)
    axis = pane.chart_view.chart().axes(Qt.Orientation.Vertical)[0]
    assert axis.categories() == ["March 2026", "February 2026"]
    pane.currency.setCurrentText("EUR")
    axis = pane.chart_view.chart().axes(Qt.Orientation.Vertical)[0]
    assert axis.categories() == ["March 2026"]


def test_long_stage_names_wrap_on_the_chart_instead_of_being_cut() -> None:
    from desktop_crm.views.analytics.charts import wrap_label

    assert (
        wrap_label("Выставление коммерческого предложения")
        == "Выставление<br>коммерческого<br>предложения"
    )
    assert wrap_label("Переговоры") == "Переговоры"
    assert wrap_label("R&D <new>") == "R&amp;D &lt;new&gt;"


def test_reports_are_computed_off_the_gui_thread(
    qtbot: Any, view: AnalyticsView, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_crm.services.reporting import analytics

    gui_thread = threading.get_ident()
    computed_in: list[int] = []
    shown_in: list[int] = []
    pane = view.panes[ReportKind.STAGE_TIME]
    real_compute, real_show = analytics.compute, pane.show_report

    def compute_and_note(kind: Any, scope: Any) -> Any:
        computed_in.append(threading.get_ident())
        return real_compute(kind, scope)

    def show_and_note(scope: Any, report: Any) -> None:
        shown_in.append(threading.get_ident())
        real_show(scope, report)

    monkeypatch.setattr(analytics, "compute", compute_and_note)
    monkeypatch.setattr(pane, "show_report", show_and_note)
    assert not workers.is_synchronous()
    view.show_report(ReportKind.STAGE_TIME)
    assert pane.summary.text() == "Computing…"
    qtbot.waitUntil(lambda: bool(shown_in), timeout=10000)
    assert computed_in and computed_in[0] != gui_thread  # the SQL ran in a pool thread
    assert shown_in == [gui_thread]  # the result was shown on the GUI thread
    model = pane.models[0]
    assert [model.index(r, 3).data() for r in range(model.rowCount())] == ["5.0", "6.0", "38.0"]


def test_the_shown_report_exports_to_xlsx(qtbot: Any, view: AnalyticsView, tmp_path: Path) -> None:
    written: list[Path] = []
    with workers.synchronous():
        view.show_report(ReportKind.PRODUCT_GROUPS)
        view.export_to(tmp_path / "groups.xlsx", on_done=written.append)
    assert written == [tmp_path / "groups.xlsx"]
    sheet = load_workbook(written[0]).active
    assert [c.value for c in sheet[5]] == ["Hardware", 2, 1200, 1000]
