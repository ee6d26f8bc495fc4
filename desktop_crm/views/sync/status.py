"""The sync part of the status bar: last sync, pending changes, conflicts, and "Sync now".

Sync runs off the GUI thread (``workers.run_in_background``). The widget syncs on its interval and,
after a failure (offline, server down), retries with exponential backoff (30 s doubling up to the
interval) without waiting for a new local edit — so a non-empty outbox drains as soon as the
connection returns. When the server asks for a password nothing supplied (no keyring on this
computer), the widget asks for it once, says why it is not remembered, and syncs again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QLineEdit, QToolButton, QWidget

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _, ngettext
from desktop_crm.services.system import sync as sync_service
from desktop_crm.workers import Progress, run_in_background

FIRST_RETRY_S = 30


def describe(status: sync_service.SyncStatus, now: dt.datetime | None = None) -> str:
    """The status-bar text for a status (plain function, tested without widgets)."""
    if status.mode == "direct":
        return _("Online (shared server)")
    if status.mode == "local":
        return _("Local database (not synchronised)")
    parts = []
    if status.last_sync_at:
        last = dt.datetime.fromisoformat(status.last_sync_at)
        minutes = int(((now or dt.datetime.now(dt.UTC).replace(tzinfo=None)) - last).total_seconds() // 60)
        if minutes < 1:
            parts.append(_("Synced just now"))
        else:
            parts.append(
                ngettext("Synced {n} minute ago", "Synced {n} minutes ago", minutes).format(n=minutes)
            )
    else:
        parts.append(_("Never synced"))
    if status.pending:
        parts.append(
            ngettext("{n} change to send", "{n} changes to send", status.pending).format(n=status.pending)
        )
    if status.conflicts:
        parts.append(ngettext("{n} conflict", "{n} conflicts", status.conflicts).format(n=status.conflicts))
    if status.parked:
        parts.append(
            ngettext("{n} refused change", "{n} refused changes", status.parked).format(n=status.parked)
        )
    if status.clock_error:
        if status.clock_offset_ms is None:
            parts.append(_("sync stopped: set the correct time on this computer"))
        else:
            parts.append(_("sync stopped: {problem}, set the correct time").format(
                problem=sync_service.clock_off_text(status.clock_offset_ms)))
    elif status.last_error:
        parts.append(_("offline"))
    elif status.clock_offset_ms is not None and abs(status.clock_offset_ms) > sync_service.CLOCK_WARN_MS:
        parts.append(sync_service.clock_off_text(status.clock_offset_ms))
    return " · ".join(parts)


class SyncStatusWidget(QWidget):
    synced = Signal(object)  # SyncResult
    conflicts_clicked = Signal()
    parked_clicked = Signal()
    mode_changed = Signal(str)  # "local", "replica", "direct": the Sync menu follows it

    def __init__(self, on_changed: Callable[[set[str]], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_status")
        self.on_changed = on_changed
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        self.label.setObjectName("sync_status_label")
        self.button = QToolButton(self)
        self.button.setObjectName("sync_now")
        self.button.setText(_("Sync now"))
        self.button.clicked.connect(self.sync_now)
        self.conflicts_button = QToolButton(self)
        self.conflicts_button.setObjectName("sync_conflicts")
        self.conflicts_button.setText(_("Conflicts…"))
        self.conflicts_button.clicked.connect(self.conflicts_clicked.emit)
        self.parked_button = QToolButton(self)
        self.parked_button.setObjectName("sync_parked")
        self.parked_button.setText(_("Refused changes…"))
        self.parked_button.clicked.connect(self.parked_clicked.emit)
        layout.addWidget(self.label)
        layout.addWidget(self.conflicts_button)
        layout.addWidget(self.parked_button)
        layout.addWidget(self.button)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.sync_now)
        self.running = False
        self.retry_s = 0
        self.password_dialog: QInputDialog | None = None
        self.status: sync_service.SyncStatus | None = None
        self._soon = QTimer(self)  # many change notices at once: one refresh
        self._soon.setSingleShot(True)
        self._soon.setInterval(0)
        self._soon.timeout.connect(self.refresh)
        self.refresh()

    def follow(self, signals: Any) -> None:
        """Refresh on the change feed: a ``desktop-crm sync`` run by another process (the data
        version poll) makes this file a synchronised replica without a restart."""
        signals.changed.connect(self.data_changed)

    def data_changed(self, _entity: str) -> None:
        if not self.running:
            self._soon.start()

    def refresh(self) -> None:
        before = self.status.mode if self.status is not None else None
        self.status = sync_service.status()
        if self.status.mode != before:
            self.mode_changed.emit(self.status.mode)
        self.label.setText(describe(self.status))
        replica = self.status.mode == "replica"
        self.button.setVisible(replica)
        self.button.setEnabled(replica and not self.running)
        self.conflicts_button.setVisible(replica and self.status.conflicts > 0)
        self.parked_button.setVisible(replica and self.status.parked > 0)
        self.setToolTip(self.status.last_error or self.status.server)
        if replica and not self.running and not self.timer.isActive():
            self.timer.start(1000 * (self.retry_s or self.status.interval_s))

    def sync_now(self) -> None:
        if self.running or self.status is None or self.status.mode != "replica":
            return
        self.running = True
        self.timer.stop()
        self.button.setEnabled(False)
        self.label.setText(_("Synchronising…"))

        def work(progress: Progress) -> object:
            return sync_service.sync_now(lambda done, total, text: progress.report(done, total, text))

        run_in_background(work, on_result=self._done, on_error=self._failed,
                          on_progress=self._progress, name="sync")

    def _progress(self, done: int, total: int, text: str) -> None:
        self.label.setText(f"{text} {done}/{total}" if total else text)

    def ask_password(self, reason: str) -> None:
        """Ask for the server password (window-modal, not blocking); sync again once given."""
        dialog = QInputDialog(self.window())
        dialog.setObjectName("sync_password_dialog")
        dialog.setWindowTitle(_("Server password"))
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        notice = sync_service.password_notice()
        dialog.setLabelText(f"{reason}\n\n{notice}" if notice else reason)
        dialog.textValueSelected.connect(self._password_given)
        dialog.finished.connect(self._password_dialog_closed)
        self.password_dialog = dialog
        dialog.open()

    def _password_dialog_closed(self) -> None:
        if self.password_dialog is not None:
            self.password_dialog.deleteLater()
        self.password_dialog = None

    def _password_given(self, password: str) -> None:
        if password:
            sync_service.provide_password(password)
            self.retry_s = 0
            self.timer.stop()
            self.sync_now()

    def _done(self, result: object) -> None:
        self.running = False
        self.retry_s = 0
        self.refresh()
        changed = sync_service.changed_entities(result)  # type: ignore[arg-type]
        if changed and self.on_changed:
            self.on_changed(changed)
        self.synced.emit(result)

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, CrmError):
            self.running = False
            raise error
        self.running = False
        if isinstance(error, sync_service.PasswordNeeded) and self.password_dialog is None:
            self.ask_password(error.message)
        interval = self.status.interval_s if self.status else sync_service.DEFAULT_INTERVAL_S
        self.retry_s = min(interval, (self.retry_s * 2) or FIRST_RETRY_S)
        self.timer.stop()
        self.refresh()
        self.setToolTip(error.message)
