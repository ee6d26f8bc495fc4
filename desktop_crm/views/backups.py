"""Backups in the main window: File › Restore from a backup… (the dialog listing the backups with
their date, size and counts, checking the one chosen before switching), and the daily backup made
in the background while the app runs (``services.system.backups``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_datetime
from desktop_crm.models.enums import Action
from desktop_crm.services.system import backups, rights
from desktop_crm.views.cards.common import ERROR_STYLE
from desktop_crm.workers import run_in_background

log = logging.getLogger(__name__)

DAILY_START_DELAY_MS = 60_000  # a minute after the first paint: start-up never waits for it
DAILY_INTERVAL_MS = 3_600_000  # then hourly: a new day gets its backup within the hour


def attach(window: Any) -> None:
    """Add File › Export everything…, Import everything… and Restore from a backup… (between
    Switch user and Quit) to ``window`` and schedule its daily backups."""
    from desktop_crm.views.archive import attach as attach_archive

    attach_archive(window)  # File › Export everything…, Import everything…
    restore = QAction(_("&Restore from a backup…"), window)
    restore.setObjectName("action_restore")
    restore.setToolTip(_("Put a backup of the database back in its place"))
    restore.triggered.connect(lambda _checked=False: open_restore_dialog(window))
    restore.setEnabled(rights.can(Action.CHANGE_SETTINGS))
    window.file_menu.insertAction(window.quit_action, restore)
    window.file_menu.insertSeparator(window.quit_action)
    window.restore_action = restore
    timer = QTimer(window)
    timer.setObjectName("daily_backup_timer")
    timer.timeout.connect(lambda: run_daily_backup(window))
    window.daily_backup_timer = timer
    window.first_painted.connect(lambda: timer.start(DAILY_START_DELAY_MS))


def run_daily_backup(window: Any) -> Any:
    """The daily backup of a SQLite database, in the background; never in the user's way (a
    failure is logged and said in the status bar)."""
    window.daily_backup_timer.start(DAILY_INTERVAL_MS)
    path = backups.bound_database_path()
    if path is None:
        return None

    def failed(error: BaseException) -> None:
        log.warning("daily backup failed: %s", error)
        window.context.show_status(_("The daily backup failed: {reason}").format(
            reason=getattr(error, "message", error)))

    def done(info: Any) -> None:
        if info is not None:
            window.context.show_status(_("Daily backup made: {path}").format(path=info.path))

    return run_in_background(lambda _progress: backups.run_daily(path), on_result=done,
                             on_error=failed, use_database=False, name="daily-backup")


def open_restore_dialog(window: Any) -> RestoreDialog:
    dialog = RestoreDialog(window.context, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.restored.connect(window.database_replaced.emit)
    dialog.open()
    return dialog


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return _("{size} MB").format(size=f"{size / 1024 / 1024:.1f}")
    return _("{size} KB").format(size=max(1, round(size / 1024)))


class RestoreDialog(QDialog):
    """The backups of the open database, newest first; Restore checks the chosen one, keeps the
    current file as a backup, puts the chosen one back and lets the window reopen on it."""

    from PySide6.QtCore import Signal

    restored = Signal()

    def __init__(self, context: Any, parent: QWidget | None = None,
                 folder: Path | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.folder = folder or backups.load_settings().folder_path
        self.setObjectName("restore_dialog")
        self.setWindowTitle(_("Restore from a backup"))
        self.resize(760, 420)
        self.database = backups.bound_database_path()
        self._entries: list[backups.BackupEntry] = []
        self._other: Path | None = None
        self._job: Any = None
        layout = QVBoxLayout(self)
        intro = QLabel(_(
            "Choose the backup to put back. It is checked first; the current database is kept "
            "as a backup, then the chosen one takes its place and the window shows its data. "
            "Changes made since the backup are not in it."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, 7, self)
        self.table.setObjectName("backups_table")
        self.table.setHorizontalHeaderLabels([
            _("Made on"), _("Why"), _("Size"), _("Contacts"), _("Companies"), _("Deals"),
            _("Invoices")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.folder_label = QLabel(self)
        self.folder_label.setObjectName("backup_folder_label")
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.folder_label)
        self.message = QLabel(self)
        self.message.setObjectName("restore_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.other_button = QPushButton(_("Another file…"), self)
        self.other_button.setObjectName("restore_other")
        self.other_button.clicked.connect(self.choose_other_file)
        self.restore_button = QPushButton(_("Restore"), self)
        self.restore_button.setObjectName("restore_button")
        self.restore_button.clicked.connect(self.restore_chosen)
        self.restore_button.setEnabled(False)
        close = QPushButton(_("Close"), self)
        close.clicked.connect(self.reject)
        buttons.addWidget(self.other_button)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        if self.database is None:
            self.other_button.setEnabled(False)
            self.show_message(_("The database is on a server: it is backed up with 'desktop-crm "
                                "server backup' and restored with pg_restore by its administrator."),
                              error=False)
        else:
            self.folder_label.setText(_("Backups are kept in {path}").format(
                path=backups.database_folder(self.database, self.folder)))
            self.reload()

    def reload(self) -> None:
        database = self.database
        if database is None:
            return
        self.show_message(_("Reading the backups…"), error=False)
        folder = self.folder
        run_in_background(lambda progress: backups.describe_backups(
            database, folder, cancelled=lambda: progress.cancelled), on_result=self._show_entries,
            on_error=lambda error: self.show_message(str(getattr(error, "message", error))),
            use_database=False, name="list-backups")

    def _show_entries(self, entries: list[backups.BackupEntry]) -> None:
        self._entries = entries
        self.table.clearSpans()
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            info = entry.info
            cells = [format_datetime(info.taken_at), info.reason_text, size_text(info.size)]
            cells += [str(entry.counts.get(t, "")) for t in backups.COUNTED_TABLES]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
            if entry.problem:  # one cell over the counts says it, the reason in its tooltip
                item = QTableWidgetItem(_("cannot be read"))
                item.setToolTip(entry.problem)
                self.table.setItem(row, 3, item)
                self.table.setSpan(row, 3, 1, len(backups.COUNTED_TABLES))
        self.show_message("" if entries else _("There is no backup of this database yet."),
                          error=False)
        if entries:
            self.table.selectRow(0)

    def _selection_changed(self) -> None:
        self._other = None
        self.restore_button.setEnabled(self.chosen() is not None)

    def chosen(self) -> Path | None:
        if self._other is not None:
            return self._other
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._entries):
            return None
        return self._entries[rows[0].row()].info.path

    def choose_other_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Backup file"), str(self.folder),
            _("CRM database (*.db);;All files (*)"))
        if path:
            self.choose_file(Path(path))

    def choose_file(self, path: Path) -> None:
        self.table.clearSelection()
        self._other = path
        self.restore_button.setEnabled(True)
        self.show_message(_("Chosen: {path}").format(path=path), error=False)

    def show_message(self, text: str, error: bool = True) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error and text else "")
        self.message.setText(text)

    def restore_chosen(self) -> Any:
        chosen, database = self.chosen(), self.database
        if chosen is None or database is None:
            return None
        self.restore_button.setEnabled(False)
        self.show_message(_("Checking the backup…"), error=False)

        def done(result: backups.RestoreResult) -> None:
            self._job = None
            self.context.show_status(_("The database was restored from {name}.").format(
                name=result.restored_from.name))
            self.accept()
            self.restored.emit()

        def failed(error: BaseException) -> None:
            self._job = None
            self.restore_button.setEnabled(True)
            self.show_message(_("Nothing was changed: {reason}").format(
                reason=getattr(error, "message", error)))

        folder = self.folder
        self._job = run_in_background(lambda _p: backups.restore_open_database(chosen, folder),
                                      on_result=done, on_error=failed, use_database=False,
                                      name="restore")
        return self._job


# --- screenshots ------------------------------------------------------------------------------


def screens(registry: Any) -> None:
    from desktop_crm.views.registry import Screen

    registry.add_screen(Screen("restore_dialog", _restore_screen(False), _remove_samples, order=66))
    registry.add_screen(Screen("restore_dialog_refused", _restore_screen(True), _remove_samples,
                               order=66))


_samples: list[Any] = []


def _restore_screen(refused: bool) -> Any:
    def render(context: Any, window: Any) -> QWidget:
        import datetime as dt
        import functools
        import tempfile

        database = backups.bound_database_path()
        if database is None:
            raise LookupError("the restore dialog needs a SQLite database")
        temp = tempfile.TemporaryDirectory(prefix="crm-screens-")
        _samples.append(temp)
        folder = Path(temp.name)
        moment = dt.datetime.now().replace(hour=9, minute=30, second=0, microsecond=0)
        for days, hours, reason in ((8, 0, "daily"), (2, 0, "daily"), (1, 0, "daily"),
                                    (0, -6, "merge"), (0, 0, "daily")):
            taken = moment - dt.timedelta(days=days, hours=hours)
            backups.backup_database(database, folder, reason, functools.partial(_at, taken))
        dialog = RestoreDialog(context, window, folder)
        dialog.show()
        if refused:
            newest = backups.list_backups(database, folder)[0].path
            newest.write_bytes(b"\xa5" * 8192)  # nothing in it can ever be put back
            dialog.reload()
            dialog.restore_chosen()
        return dialog

    return render


def _at(moment: Any) -> Any:
    return moment


def _remove_samples() -> None:
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if widget.objectName() == "restore_dialog":
            widget.close()
    while _samples:
        _samples.pop().cleanup()
