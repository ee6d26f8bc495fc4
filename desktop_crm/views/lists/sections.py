"""Registers the entity lists as views of their sections, and their screenshots."""

from __future__ import annotations

from typing import Any

from desktop_crm.entities import LIST_ENTITIES
from desktop_crm.i18n import N_
from desktop_crm.views.registry import Registry, Screen, SectionView


def _list_view(entity: str) -> Any:
    """The list view's factory; its module (widgets, list services) is imported when a list is
    first shown, not at start-up, which opens on Home."""

    def factory(context: Any, parent: Any) -> Any:
        from desktop_crm.views.lists.list_view import EntityListView

        return EntityListView(context, entity, parent)

    return factory


def _section_screen(section: str) -> Any:
    def render(context: Any, window: Any) -> Any:
        window.show_section(section, "list")
        return window

    return render


def register(registry: Registry) -> None:
    for order, section in enumerate(LIST_ENTITIES):
        registry.add_view(section, SectionView("list", N_("List"), _list_view(section), order=10))
        registry.add_screen(Screen(f"list_{section}", _section_screen(section), order=10 + order))
