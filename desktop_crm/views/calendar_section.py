"""Registers the Calendar section (``views/calendar.py``, loaded when first shown) and its
screenshot."""

from __future__ import annotations

from typing import Any

from desktop_crm.i18n import N_
from desktop_crm.views.registry import Registry, Screen, SectionView


def _screen(context: Any, window: Any) -> Any:
    view = window.show_section("calendar", "calendar")
    view.set_mode("week")
    for index in range(view.person.count()):  # someone with entries, when mine are none
        view.person.setCurrentIndex(index)
        if any(entry.kind != "birthday" for entry in view.entries):
            break
    return window


def register(registry: Registry) -> None:
    registry.add_view("calendar", SectionView("calendar", N_("Calendar"),
                                              "desktop_crm.views.calendar:make_view", order=0))
    registry.add_screen(Screen("calendar", _screen, order=61))
