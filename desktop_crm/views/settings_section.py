"""Registers the Settings section. Its pages (the ``views/settings`` package) load when the section
is first shown; their screenshots are listed only when screens are asked for."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from desktop_crm.i18n import N_
from desktop_crm.views.registry import Registry, Screen, SectionView

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop_crm.views.context import AppContext
    from desktop_crm.views.main_window import MainWindow

SCREEN_ORDER = 90  # after the lists, cards and analytics


def _screen(key: str) -> Callable[[AppContext, MainWindow], QWidget]:
    def render(context: AppContext, window: MainWindow) -> QWidget:
        from desktop_crm.views.settings import SettingsView

        view = window.show_section("settings", "settings")
        assert isinstance(view, SettingsView)
        page = view.select(key)
        prepare = getattr(page, "show_for_screenshot", None)  # e.g. data in the shot's language
        if prepare is not None:
            prepare()
        return window

    return render


def _page_screens(registry: Registry) -> None:
    """A screenshot per registered settings page, ``settings_<key>``, in the tabs' order."""
    from desktop_crm.views.settings.registry import build_page_registry

    for position, spec in enumerate(build_page_registry().pages):
        registry.add_screen(Screen(f"settings_{spec.key}", _screen(spec.key), order=SCREEN_ORDER + position))


def register(registry: Registry) -> None:
    registry.add_view("settings", SectionView("settings", N_("Settings"),
                                              "desktop_crm.views.settings:SettingsView", order=0))
    registry.add_screen_provider(_page_screens)
