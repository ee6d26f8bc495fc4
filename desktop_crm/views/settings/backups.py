"""Settings › Backups: where this computer keeps the backups of its database files, whether the
app makes one a day, how many daily and weekly ones are kept, and a "Back up now" button
(``services.system.backups``; the backup runs in the background)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import N_, _
from desktop_crm.i18n.formatting import format_datetime
from desktop_crm.models.enums import Action
from desktop_crm.services.system import backups
from desktop_crm.views.cards.common import ERROR_STYLE, OK_STYLE
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec
from desktop_crm.workers import run_in_background


class BackupsPage(SettingsPage):
    """The backup folder, the daily backup, the retention and Back up now."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.database = backups.bound_database_path()
        layout = QVBoxLayout(self)
        intro = QLabel(_(
            "While the application runs it copies the database file once a day and before "
            "risky operations (an import, a merge of contacts, an upgrade). Choose a folder on "
            "another disk or a synchronised folder to survive a broken disk."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.folder = QLineEdit(self)
        self.folder.setObjectName("backup_folder")
        self.folder.setPlaceholderText(str(backups.default_folder()))
        self.folder.textEdited.connect(lambda _t: self.mark_dirty())
        browse = QPushButton(_("Browse…"), self)
        browse.setObjectName("backup_browse")
        browse.clicked.connect(self.browse)
        folder_row = QWidget(self)
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.add_field(form, "folder", _("Backup folder"), folder_row)
        self.editors["folder"] = self.folder
        self.daily = QCheckBox(_("Back up once a day while the application runs"), self)
        self.daily.setObjectName("backup_daily")
        self.daily.toggled.connect(lambda _c: self.mark_dirty())
        form.addRow("", self.daily)
        self.keep_daily = QSpinBox(self)
        self.keep_daily.setRange(1, 365)
        self.add_field(form, "keep_daily", _("Daily backups kept"), self.keep_daily)
        self.keep_weekly = QSpinBox(self)
        self.keep_weekly.setRange(0, 520)
        self.add_field(form, "keep_weekly", _("Weekly backups kept"), self.keep_weekly)
        for spin in (self.keep_daily, self.keep_weekly):
            spin.valueChanged.connect(lambda _v: self.mark_dirty())
            spin.setMaximumWidth(90)
        layout.addLayout(form)
        note = QLabel(_("Backups made by hand and those of the last days before risky operations "
                        "are always kept."), self)
        note.setWordWrap(True)
        layout.addWidget(note)
        now_row = QHBoxLayout()
        self.backup_button = QPushButton(_("Back up now"), self)
        self.backup_button.setObjectName("backup_now")
        self.backup_button.clicked.connect(self.back_up_now)
        now_row.addWidget(self.backup_button)
        self.last_label = QLabel(self)
        self.last_label.setObjectName("backup_last")
        self.last_label.setWordWrap(True)
        now_row.addWidget(self.last_label, 1)
        layout.addLayout(now_row)
        if self.database is None:
            self.backup_button.setEnabled(False)
            self.last_label.setText(_("The database is on a server: its administrator backs it up "
                                      "with 'desktop-crm server backup'."))
        layout.addStretch(1)
        layout.addWidget(self.footer())
        self.reload()

    def reload(self) -> None:
        settings = backups.load_settings()
        self._loading = True
        self.folder.setText(settings.folder)
        self.daily.setChecked(settings.daily)
        self.keep_daily.setValue(settings.keep_daily)
        self.keep_weekly.setValue(settings.keep_weekly)
        self._loading = False
        self.set_clean()
        self._show_last()

    def _show_last(self) -> None:
        if self.database is None:
            return
        latest = backups.latest_backup(self.database, self.chosen().folder_path)
        self.last_label.setStyleSheet("")
        self.last_label.setText(_("Latest backup: {date}, {path}").format(
            date=format_datetime(latest.taken_at), path=latest.path) if latest
            else _("No backup of this database yet."))

    def chosen(self) -> backups.BackupSettings:
        return backups.BackupSettings(self.folder.text(), self.daily.isChecked(),
                                      self.keep_daily.value(), self.keep_weekly.value())

    def browse(self) -> None:
        start = self.folder.text() or str(backups.default_folder())
        path = QFileDialog.getExistingDirectory(self, _("Backup folder"), start)
        if path:
            self.folder.setText(path)
            self.mark_dirty()

    def on_edited(self) -> None:
        self.show_errors(backups.settings_errors(self.chosen()))

    def save_changes(self) -> bool:
        errors = backups.settings_errors(self.chosen())
        if errors:
            self.show_errors(errors)
            self.show_banner(_("The settings were not saved: check the fields marked."))
            return False
        backups.save_settings(self.chosen())
        self.set_clean()
        self._show_last()
        return True

    def back_up_now(self) -> Any:
        """A backup by hand into the folder shown (saved first when changed), in the background."""
        database = self.database
        if database is None:
            return None
        if self.dirty and not self.save():
            return None
        folder = self.chosen().folder_path
        self.backup_button.setEnabled(False)
        self.last_label.setStyleSheet("")
        self.last_label.setText(_("Backing up…"))

        def done(info: backups.BackupInfo) -> None:
            self.backup_button.setEnabled(True)
            self.last_label.setStyleSheet(OK_STYLE)
            self.last_label.setText(_("Backup made: {path}").format(path=info.path))

        def failed(error: BaseException) -> None:
            self.backup_button.setEnabled(True)
            self.last_label.setStyleSheet(ERROR_STYLE)
            self.last_label.setText(str(getattr(error, "message", error)))

        return run_in_background(lambda _p: backups.backup_database(database, folder, "manual"),
                                 on_result=done, on_error=failed, use_database=False,
                                 name="backup-now")


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("backups", N_("Backups"), BackupsPage, order=65,
                       requires=Action.CHANGE_SETTINGS))
