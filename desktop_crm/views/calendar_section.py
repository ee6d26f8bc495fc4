"""Registers the Calendar section (``views/calendar.py``, loaded when first shown) and its
screenshot."""

from __future__ import annotations

from typing import Any

from desktop_crm.i18n import N_
from desktop_crm.views.registry import Registry, Screen, SectionView


def _screen(context: Any, window: Any) -> Any:
    """The month of the latest tasks and meetings of everyone the user sees (else their own)."""
    view = window.show_section("calendar", "calendar")
    view.person.setCurrentIndex(view.person.count() - 1)
    view.set_mode("month")
    for _month in range(12):
        if sum(entry.kind != "birthday" for entry in view.entries) >= 8:
            return window
        view.step(-1)
    view.go_today()
    return window


def register(registry: Registry) -> None:
    registry.add_view("calendar", SectionView("calendar", N_("Calendar"),
                                              "desktop_crm.views.calendar:make_view", order=0))
    registry.add_screen(Screen("calendar", _screen, order=61))
