"""What moves data in and out registers here: Contacts › Export to vCard… (on the selection, or
on the whole filtered list when nothing is selected) and the screenshots of the backup screens."""

from __future__ import annotations

from desktop_crm.i18n import N_
from desktop_crm.models.enums import Action
from desktop_crm.views.registry import ListAction, Registry


def register(registry: Registry) -> None:
    registry.add_list_action("contacts", ListAction(
        "export_vcard", N_("Export to vCard…"), "desktop_crm.views.lists.vcard:export_vcard",
        min_selected=0, requires=Action.EXPORT))
    registry.add_screen_provider("desktop_crm.views.backups:screens")
