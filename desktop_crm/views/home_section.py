"""Registers Home, "my day" (the first section at start-up) and its screenshot. The view's module
(``views/home.py``, with the services it needs) loads when the section is first shown."""

from __future__ import annotations

from typing import Any

from desktop_crm.i18n import N_
from desktop_crm.views.registry import Registry, Screen, SectionView


def _screen(context: Any, window: Any) -> Any:
    """Adds the demo's plan examples first (so ``settings_plans``, shot later, shows them too)."""
    from desktop_crm.i18n import current_language
    from desktop_crm.services.data.demo_plans import add_plan_examples

    if add_plan_examples():
        context.notify_changed("sales_plan")
    view = window.show_section("home")
    view.wait_loaded()
    if not view.has_content():  # someone with a day to show, whose name reads in the language
        cyrillic = current_language() == "ru"
        for index in range(1, view.owner.count()):
            name = view.owner.itemText(index)
            if any("а" <= c.lower() <= "я" for c in name) != cyrillic:
                continue
            view.owner.setCurrentIndex(index)
            view.wait_loaded()
            if view.has_content():
                break
    return window


def register(registry: Registry) -> None:
    registry.add_view("home", SectionView("day", N_("My day"), "desktop_crm.views.home:HomeView",
                                          order=0))
    registry.add_screen(Screen("home", _screen, order=1))
