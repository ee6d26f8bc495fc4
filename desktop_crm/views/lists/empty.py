"""What an empty list says: what is missing, what to do first, and the button that does it.

Shown in place of the table when a list has no records at all (no filter set): "No deals yet —
create the first deal", "No contacts yet — add one or import them" (the import button appears once
an import wizard registers itself with ``empty_state.set_import_action``). A filtered list that
finds nothing keeps its table: the filter bar says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QBoxLayout, QPushButton

from desktop_crm.entities import Entity
from desktop_crm.i18n import N_, _
from desktop_crm.models.enums import Action
from desktop_crm.services.system import rights
from desktop_crm.views.common.empty_state import EmptyState, import_action
from desktop_crm.views.common.icons import SECTION_ICONS

if TYPE_CHECKING:
    from desktop_crm.views.lists.list_view import EntityListView

#: entity → (title, what to do, the create button)
TEXTS: dict[Entity, tuple[str, str, str]] = {
    Entity.DEALS: (N_("No deals yet"), N_("Create the first deal: a client, an amount and a stage "
                                          "are enough to start."), N_("Create the first deal")),
    Entity.LEADS: (N_("No leads yet"), N_("Add a lead for every enquiry; convert it into a deal "
                                          "once it is real."), N_("Add a lead")),
    Entity.CONTACTS: (N_("No contacts yet"), N_("Add the people you sell to, or import them from a "
                                                "spreadsheet."), N_("Add a contact")),
    Entity.COMPANIES: (N_("No companies yet"), N_("Add your clients' companies, or import them from a "
                                                  "spreadsheet."), N_("Add a company")),
    Entity.PRODUCTS: (N_("No products yet"), N_("Add what you sell, so that deals and quotes can "
                                                "use its prices."), N_("Add a product")),
    Entity.TASKS: (N_("No tasks"), N_("Tasks are planned from a deal's timeline or created by the "
                                      "stage rules."), ""),
    Entity.QUOTES: (N_("No quotes yet"), N_("A quote is made from a deal: open a deal and choose "
                                            "its Quotes tab."), ""),
    Entity.INVOICES: (N_("No invoices yet"), N_("An invoice is made from a deal or an accepted "
                                                "quote."), ""),
}


def build_empty_state(view: EntityListView) -> EmptyState | None:
    texts = TEXTS.get(view.entity)
    if texts is None:
        return None
    title, text, create = texts
    state = EmptyState(SECTION_ICONS.get(view.entity.value, "inbox"), _(title), _(text), view)
    state.setObjectName(f"empty_{view.entity.value}")
    if create and view.context.can_create(view.entity.value):
        state.add_button(_(create), view.create_new, "empty_create", icon="plus")
    starter = import_action(view.entity.value)
    if starter is not None and rights.can(Action.IMPORT):
        state.add_button(_("Import…"), lambda: starter(view), "empty_import", icon="import")
    state.hide()
    return state


def _offer_pipeline(view: EntityListView, state: EmptyState) -> None:
    """A deal needs a pipeline: without one, the first step is to add it (read only when shown)."""
    from desktop_crm.services.listing import lists

    if lists.pipeline_choices():
        return

    def open_settings() -> None:
        window = view.window()
        settings = window.show_section("settings") if hasattr(window, "show_section") else None
        if settings is not None and hasattr(settings, "select"):
            settings.select("pipelines")

    state.add_button(_("Add a pipeline"), open_settings, "empty_add_pipeline", icon="square-kanban")


def update_empty_state(view: EntityListView, count: int) -> None:
    """Show the empty state instead of the table when the unfiltered list has no records (built
    the first time it is needed: a list with records never pays for it)."""
    empty = count == 0 and view.source.filter.is_empty() and not view.model.is_loading
    state = view.empty_state
    if state is None:
        if not empty:
            return
        state = view.empty_state = build_empty_state(view)
        if state is None:
            return
        layout = view.layout()
        if isinstance(layout, QBoxLayout):
            layout.insertWidget(layout.indexOf(view.table) + 1, state, 1)
    if empty and view.entity == Entity.DEALS and not state.findChild(QPushButton, "empty_add_pipeline"):
        _offer_pipeline(view, state)
    state.setVisible(empty)
    view.table.setVisible(not empty)
