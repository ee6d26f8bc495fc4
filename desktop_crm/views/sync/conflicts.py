"""The conflicts dialog: what was decided for each conflicting field, with Keep mine / Keep theirs."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop_crm.i18n import _
from desktop_crm.services.system import sync as sync_service
from desktop_crm.views.sync.records import RecordsDialog, show_value

KIND_TEXT = {
    "field": lambda: _("Changed at the same time"),
    "edit_of_deleted": lambda: _("Edited after someone deleted it"),
    "revived": lambda: _("Restored because a new record uses it"),
}


class ConflictsDialog(RecordsDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "conflicts", _("Sync conflicts"),
            _("The kept value is already saved. Choose the other one to change it."),
            [_("Record"), _("Field"), _("What happened"), _("Mine"), _("Theirs")],
            multi_select=False, parent=parent,
        )
        self.resize(760, 380)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.keep_mine = self.add_action("keep_mine", _("Keep mine"), lambda: self.resolve("mine"))
        self.keep_theirs = self.add_action("keep_theirs", _("Keep theirs"),
                                           lambda: self.resolve("theirs"))
        self.reload()

    def reload(self) -> None:
        self.conflicts = sync_service.list_conflicts()
        self.set_rows([
            (conflict.id, [
                conflict.record,  # "Deal “…”", not "deal 019cb574"
                conflict.field_label,  # "Title", not "title"
                KIND_TEXT.get(conflict.kind, lambda c=conflict: c.kind)(),
                show_value(conflict.mine),
                show_value(conflict.theirs),
            ])
            for conflict in self.conflicts
        ])

    def resolve(self, keep: str) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        sync_service.resolve_conflict(self.conflicts[rows[0]].id, keep)
        self.reload()
