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


def _custom_fields_screen(context: Any, window: Any) -> Any:
    """Deals with their custom fields as columns (the demo's BANT and competitors), filtered by a
    competitor."""
    from desktop_crm.services.listing import lists
    from desktop_crm.services.listing.lists import ListFilter

    view = window.show_section("deals", "list")
    for number, column in enumerate(view.spec.columns):
        if column.key.startswith("cf_"):
            view.set_column_visible(number, True)
        elif column.key in ("contact", "company", "responsible", "expected_close_date",
                            "last_interaction_at"):
            view.set_column_visible(number, False)
    choosable = sorted((f for f in lists.custom_filter_fields("deals") if f.choices),
                       key=lambda f: f.operators[0] != "has")  # a multi-list first
    if choosable:
        first = choosable[0]
        view.filter_bar.set_filter(ListFilter(custom=(
            (first.column, first.operators[0], first.choices[0][0], ""),)))
    return window


def register(registry: Registry) -> None:
    for order, section in enumerate(LIST_ENTITIES):
        registry.add_view(section, SectionView("list", N_("List"), _list_view(section), order=10))
        registry.add_screen(Screen(f"list_{section}", _section_screen(section), order=10 + order))
    registry.add_screen(Screen("list_deals_custom_fields", _custom_fields_screen,
                               order=10 + len(LIST_ENTITIES)))
