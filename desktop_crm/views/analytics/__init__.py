"""The Analytics section: sales reports with charts, drill-down to deals and export."""

from __future__ import annotations

from typing import Any

from desktop_crm.i18n import N_
from desktop_crm.views.registry import Registry, Screen, SectionView


def make_analytics_view(context: Any, parent: Any = None) -> Any:
    from desktop_crm.views.analytics.view import AnalyticsView

    return AnalyticsView(context, parent)


def _screen(kind: Any) -> Any:
    def render(context: Any, window: Any) -> Any:
        view = window.show_section("analytics", "reports")
        view.show_report(kind)
        return window

    return render


def _add_screens(registry: Registry) -> None:
    from desktop_crm.services.reporting.analytics import ReportKind

    for order, kind in enumerate(ReportKind):
        registry.add_screen(Screen(f"analytics_{kind.value}", _screen(kind), order=80 + order))


def register(registry: Registry) -> None:
    registry.add_view("analytics", SectionView("reports", N_("Reports"), make_analytics_view, order=10))
    registry.add_screen_provider(_add_screens)
