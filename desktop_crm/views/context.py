"""What every view gets: the current user, the database name, the registry and app-wide signals.

An :class:`AppContext` is made once by the composition root (``desktop_crm.app``) or by a test,
and passed down explicitly (no look-ups through ``QApplication.instance()`` or globals).

``context.changed`` (signal ``(entity)``) tells every list that records of an entity changed
(after a card saved, a bulk action, a sync): lists reload what they show.
``context.open_record(entity, id, parent)`` opens a card through the registry (``id`` ``None``:
a new record); entities without a registered card get a read-only summary.
``context.sync_state`` is a label in the status bar for the sync issue to fill.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from desktop_crm.services.system.session import UserRef

if TYPE_CHECKING:
    from desktop_crm.views.registry import Registry

ORGANIZATION = "DesktopCRM"
APPLICATION = "DesktopCRM"


class AppSignals(QObject):
    changed = Signal(str)  # entity key ("deals", "contacts", …)
    status_message = Signal(str)
    # the user chose another UI language (Settings › Language): the shell rebuilds the main
    # window in it (``app.follow_language_changes``), so it applies at once
    language_changed = Signal(str)


@dataclass
class AppContext:
    user: UserRef
    database_name: str
    registry: Registry
    settings: QSettings = field(default_factory=lambda: QSettings(ORGANIZATION, APPLICATION))
    signals: AppSignals = field(default_factory=AppSignals)

    def notify_changed(self, entity: str) -> None:
        self.signals.changed.emit(entity)

    def show_status(self, text: str) -> None:
        self.signals.status_message.emit(text)

    def open_record(self, entity: str, entity_id: uuid.UUID | str | None,
                    parent: QWidget | None = None) -> None:
        """Open a record's card; the openers receive the id as text (the registry's boundary)."""
        text_id = None if entity_id is None else str(entity_id)
        opener = self.registry.card_opener(entity)
        if opener is not None:
            opener(self, text_id, parent)
            return
        if text_id is None:
            return
        from desktop_crm.views.common.summary import show_record_summary

        show_record_summary(self, entity, text_id, parent)

    def can_create(self, entity: str) -> bool:
        return entity in self.registry.card_openers  # without importing a lazy opener
