"""Registers Home, "my day" (the first section at start-up) and its screenshot. The view's module
(``views/home.py``, with the services it needs) loads when the section is first shown."""

from __future__ import annotations

from typing import Any

from desktop_crm.i18n import N_
from desktop_crm.views.registry import Registry, Screen, SectionView


def _screen(context: Any, window: Any) -> Any:
    window.show_section("home")
    return window


def register(registry: Registry) -> None:
    registry.add_view("home", SectionView("day", N_("My day"), "desktop_crm.views.home:HomeView",
                                          order=0))
    registry.add_screen(Screen("home", _screen, order=1))
