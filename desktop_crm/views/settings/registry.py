"""The settings pages, registered as the main window's UI areas are (``views/registry.py``).

Every page is a module listed in :data:`PAGE_MODULES` with a function ``register(pages)``::

    from desktop_crm.i18n import N_
    from desktop_crm.views.settings.registry import PageRegistry, PageSpec

    def register(pages: PageRegistry) -> None:
        pages.add(PageSpec("rules", N_("Rules"), RulesPage, order=30))

The key names the page everywhere: ``SettingsView.page(key)``, the page's object name
``settings_<key>`` and its screenshot ``settings_<key>.png``. Tabs follow ``order``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop_crm.views.context import AppContext
    from desktop_crm.views.settings.page import SettingsPage

PAGE_MODULES: tuple[str, ...] = (
    "desktop_crm.views.settings.own_companies",
    "desktop_crm.views.settings.numbering",
    "desktop_crm.views.settings.templates",
    "desktop_crm.views.settings.pipelines",
    "desktop_crm.views.settings.custom_fields",
    "desktop_crm.views.settings.automation",
    "desktop_crm.views.settings.rules",
    "desktop_crm.views.settings.plans",
    "desktop_crm.views.settings.users",
    "desktop_crm.views.settings.roles",
    "desktop_crm.views.settings.mail_account",
    "desktop_crm.views.settings.language",
    "desktop_crm.views.settings.database",
    "desktop_crm.views.settings.backups",
)


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str  # N_-marked; translated where shown
    factory: Callable[[AppContext, QWidget | None], SettingsPage]
    order: int = 100
    requires: str | None = None  # an ``Action``: the page is hidden from roles without it


@dataclass
class PageRegistry:
    _pages: dict[str, PageSpec] = field(default_factory=dict)

    def add(self, spec: PageSpec) -> None:
        self._pages[spec.key] = spec

    @property
    def pages(self) -> list[PageSpec]:
        return sorted(self._pages.values(), key=lambda spec: spec.order)


def build_page_registry(modules: tuple[str, ...] | None = None) -> PageRegistry:
    """Import every settings page module and let it register its page."""
    registry = PageRegistry()
    for name in PAGE_MODULES if modules is None else modules:
        importlib.import_module(name).register(registry)
    return registry
