"""Refused changes: what the server refused for good, why, and what to do (send again / discard).

The server refuses a change for good when a rule or a permission forbids it (an issued invoice, a
number out of series, a record no longer visible to this user). Such changes are kept aside in the
replica (``_outbox_parked``), never dropped silently: this dialog lists them with the reason and lets
the user send them again (after fixing the cause) or discard them (after a confirmation); a
discarded change makes the record show the server's values again at the next sync.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QWidget

from desktop_crm.i18n import _, ngettext
from desktop_crm.services.system import sync as sync_service
from desktop_crm.views.common.dialogs import confirm
from desktop_crm.views.sync.records import RecordsDialog, show_value


def change_text(change: sync_service.ParkedChange) -> str:
    """``field: value`` pairs of the refused change (a new record says so first)."""
    parts = [f"{name}: {show_value(value)[:40]}" for name, value in sorted(change.fields.items())]
    text = "; ".join(parts[:6]) + ("; …" if len(parts) > 6 else "")
    return _("New record: {fields}").format(fields=text) if change.op == "I" else text


class ParkedChangesDialog(RecordsDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "parked", _("Refused changes"),
            _("The server refused these changes of yours. They are kept here and shown in your "
              "records until you send them again or discard them."),
            [_("Record"), _("Change"), _("Reason"), _("Refused at")],
            multi_select=True, parent=parent,
        )
        self.resize(860, 380)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(1, 240)
        self.retry_button = self.add_action(
            "parked_retry", _("Send again"), self.retry,
            _("Send the selected changes at the next sync (after fixing the cause)."))
        self.discard_button = self.add_action("parked_discard", _("Discard my change…"), self.discard)
        self.reload()

    def reload(self) -> None:
        self.changes = sync_service.list_parked()
        self.set_rows(
            [(change.seq, [f"{change.table} {change.row_id[:8]}", change_text(change),
                           change.reason, change.parked_at]) for change in self.changes],
            tooltips={2: [change.error for change in self.changes]},  # the server's own words
        )
        self.table.resizeRowsToContents()

    def selected_seqs(self) -> list[int]:
        return [self.changes[row].seq for row in self.selected_rows()]

    def retry(self) -> None:
        seqs = self.selected_seqs()
        if seqs:
            sync_service.retry_parked(seqs)
            self.reload()

    def discard(self) -> None:
        seqs = self.selected_seqs()
        if not seqs:
            return
        seqs = sync_service.parked_action(seqs)  # a refused action goes as a whole
        text = ngettext(
            "Discard {n} refused change? Your record will show the server's values again after "
            "the next sync. This cannot be undone.",
            "Discard {n} refused changes? Your records will show the server's values again after "
            "the next sync. This cannot be undone.",
            len(seqs),
        ).format(n=len(seqs))
        if confirm(self, _("Discard refused changes"), text, _("Discard")):
            sync_service.discard_parked(seqs)
            self.reload()
