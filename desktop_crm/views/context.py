"""What every view gets: the current user, the database name, the registry and app-wide signals.

An :class:`AppContext` is made once by the composition root (``desktop_crm.app``) or by a test,
and passed down explicitly (no look-ups through ``QApplication.instance()`` or globals).

``context.signals.changed`` (signal ``(entity)``) tells every open window that records of an entity
changed: lists, the board, cards and tabs reload what they show. It is fed by ONE change feed
(``services.system.changes``): every committed write of every service announces its tables, on any
thread; another user's changes (PostgreSQL ``LISTEN``), a sync round and another process on the
same SQLite file (:meth:`AppContext.watch_outside_changes`, a ``data_version`` poll) enter the same
feed. Notices arrive on the GUI thread, after the action that caused them; an entity the acting
window already announced itself (:meth:`AppContext.notify_changed`, for an immediate reload) is
not announced a second time.
``context.open_record(entity, id, parent)`` opens a card through the registry (``id`` ``None``:
a new record); entities without a registered card get a read-only summary.
``context.sync_state`` is a label in the status bar for the sync issue to fill.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from desktop_crm.services.system import changes
from desktop_crm.services.system.session import UserRef

if TYPE_CHECKING:
    from desktop_crm.views.registry import Registry

ORGANIZATION = "DesktopCRM"
APPLICATION = "DesktopCRM"


class AppSignals(QObject):
    changed = Signal(str)  # entity key ("deals", "contacts", …)
    status_message = Signal(str)
    arrived = Signal(object)  # frozenset of entity keys, from any thread

    def __init__(self) -> None:
        super().__init__()
        self._fresh: set[str] = set()
        self.arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def post(self, entities: frozenset[str]) -> None:
        """From the change feed, on whichever thread committed: delivered on the GUI thread."""
        with contextlib.suppress(RuntimeError):  # the application is shutting down
            self.arrived.emit(entities)

    def announce_now(self, entity: str) -> None:
        """A window's own immediate notice; the feed's notice of the same change is then skipped."""
        if not self._fresh:
            QTimer.singleShot(0, self._fresh.clear)
        self._fresh.add(entity)
        self.changed.emit(entity)

    def _deliver(self, entities: frozenset[str]) -> None:
        for entity in sorted(entities - self._fresh):
            self.changed.emit(entity)

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
    read_only: bool = False  # the database file may only be read: the window says so in a banner

    def __post_init__(self) -> None:
        self.feed = changes.Feed(self.signals.post)
        self.outside: changes.OutsideChanges | None = None
        self.outside_timer: QTimer | None = None

    def close(self) -> None:
        """The window is gone: stop listening to the change feed and polling the file, so no
        reload runs for it (on a database that may be closed or dropped by then)."""
        self.feed.close()
        if self.outside_timer is not None:
            self.outside_timer.stop()

    def notify_changed(self, entity: str) -> None:
        """Reload ``entity`` everywhere at once (the feed brings the same news a moment later)."""
        self.signals.announce_now(entity)

    def watch_outside_changes(self, interval_ms: int = 2000) -> None:
        """Poll for another process's commits to the SQLite file (the main window calls this)."""
        self.outside = changes.OutsideChanges()
        self.outside_timer = QTimer(self.signals)
        self.outside_timer.setInterval(interval_ms)
        self.outside_timer.timeout.connect(self.poll_outside_changes)
        self.outside_timer.start()

    def poll_outside_changes(self) -> bool:
        return self.outside.poll() if self.outside is not None else False

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
        """A card opens for new records of ``entity`` and the signed-in user's role may create
        them (products are the catalog: they need ``change_prices``)."""
        from desktop_crm.models.enums import Action
        from desktop_crm.services.system import rights

        if entity not in self.registry.card_openers:  # without importing a lazy opener
            return False
        return rights.can(Action.CHANGE_PRICES if entity == "products" else Action.CREATE)
