"""Registers the Settings section. Its pages (``views/settings.py``) load when first shown."""

from __future__ import annotations

from typing import Any

from desktop_crm.i18n import N_
from desktop_crm.views.registry import Registry, Screen, SectionView

PAGES = ("own_companies", "pipelines", "rules", "users", "language", "database")


def _screen(key: str) -> Any:
    def render(context: Any, window: Any) -> Any:
        view = window.show_section("settings", "settings")
        view.select(key)
        return window

    return render


def register(registry: Registry) -> None:
    registry.add_view("settings", SectionView("settings", N_("Settings"),
                                              "desktop_crm.views.settings:SettingsView", order=0))
    for order, key in enumerate(PAGES):
        registry.add_screen(Screen(f"settings_{key}", _screen(key), order=90 + order))
