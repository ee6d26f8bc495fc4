"""Registers the entity lists as views of their sections, and their screenshots."""

from __future__ import annotations

from typing import Any

from desktop_crm.entities import LIST_ENTITIES
from desktop_crm.i18n import N_
from desktop_crm.views.lists.list_view import make_list_view
from desktop_crm.views.registry import Registry, Screen, SectionView


def _section_screen(section: str) -> Any:
    def render(context: Any, window: Any) -> Any:
        window.show_section(section, "list")
        return window

    return render


def register(registry: Registry) -> None:
    for order, section in enumerate(LIST_ENTITIES):
        registry.add_view(section, SectionView("list", N_("List"), make_list_view(section), order=10))
        registry.add_screen(Screen(f"list_{section}", _section_screen(section), order=10 + order))
