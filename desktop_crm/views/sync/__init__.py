"""Sync in the main window: status bar widget, Sync menu, setup wizard, conflicts dialog, and in
direct-PostgreSQL mode a listener that reloads views when another user changes what they show."""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from desktop_crm.i18n import _
from desktop_crm.services.system import changes
from desktop_crm.services.system import sync as sync_service
from desktop_crm.views.sync.status import SyncStatusWidget

log = logging.getLogger(__name__)


class DirectModeWatcher:
    """A daemon thread waiting on ``LISTEN crm_changed``; the changed tables enter the one change
    feed (``services.system.changes``), which brings them to every open window."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.listener = sync_service.ChangeListener()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="crm-listen", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                tables = self.listener.wait(timeout=1.0)
            except Exception:  # connection lost: the views still work, they just stop auto-reloading
                log.warning("change listener stopped", exc_info=True)
                return
            if tables:
                changes.announce_tables(tables)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(3)
        self.listener.close()


def attach(window: Any) -> SyncStatusWidget:
    """Add the sync widget to ``window``'s status bar and a Sync menu (called by the main window)."""
    context = window.context

    def changed(entities: set[str]) -> None:  # a sync round brought these: the one feed
        changes.announce_entities(entities)

    widget = SyncStatusWidget(on_changed=changed, parent=window)
    window.statusBar().addPermanentWidget(widget)
    menu = QMenu(_("&Sync"), window)
    window.menuBar().insertMenu(window.help_menu.menuAction(), menu)  # Help stays last
    sync_action = QAction(_("Sync now"), window)
    sync_action.setObjectName("action_sync_now")
    sync_action.triggered.connect(widget.sync_now)
    setup_action = QAction(_("Set up synchronisation…"), window)
    setup_action.setObjectName("action_sync_setup")
    conflicts_action = QAction(_("Conflicts…"), window)
    conflicts_action.setObjectName("action_sync_conflicts")
    parked_action = QAction(_("Refused changes…"), window)
    parked_action.setObjectName("action_sync_parked")

    # the dialogs are imported when first opened: they are not needed for the first paint
    def open_setup() -> None:
        from desktop_crm.views.sync.wizard import SyncSetupWizard

        wizard = SyncSetupWizard(window)
        wizard.finished.connect(lambda _code: widget.refresh())
        wizard.open()

    def open_conflicts() -> None:
        from desktop_crm.views.sync.conflicts import ConflictsDialog

        dialog = ConflictsDialog(window)
        dialog.finished.connect(lambda _code: widget.refresh())
        dialog.open()

    def open_parked() -> None:
        from desktop_crm.views.sync.parked import ParkedChangesDialog

        dialog = ParkedChangesDialog(window)
        dialog.finished.connect(lambda _code: widget.refresh())
        dialog.open()

    setup_action.triggered.connect(open_setup)
    conflicts_action.triggered.connect(open_conflicts)
    parked_action.triggered.connect(open_parked)
    widget.conflicts_clicked.connect(open_conflicts)
    widget.parked_clicked.connect(open_parked)
    for action in (sync_action, setup_action, conflicts_action, parked_action):
        menu.addAction(action)
    def follow_mode(mode: str) -> None:
        sync_action.setEnabled(mode == "replica")
        parked_action.setEnabled(mode == "replica")
        setup_action.setEnabled(mode != "direct")

    mode = widget.status.mode if widget.status else "local"
    follow_mode(mode)
    widget.mode_changed.connect(follow_mode)
    widget.follow(context.signals)
    window.sync_widget = widget
    if mode == "direct":
        try:
            window.sync_watcher = DirectModeWatcher(context)
            window.destroyed.connect(lambda *_args, w=window.sync_watcher: w.stop())
        except Exception:  # no LISTEN possible: views keep working without live refresh
            log.warning("cannot listen for changes", exc_info=True)
    return widget


__all__ = ["DirectModeWatcher", "SyncStatusWidget", "attach"]
