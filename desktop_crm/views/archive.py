"""File › Export everything… (the whole business as one ZIP, ``services.data.archive``, in the
background with progress and Cancel) and File › Import everything… (an archive into a *new*
database file, which the window then opens).

The import runs ``desktop-crm import-archive`` in a child process: the models of this process
stay bound to the open database while the new one is filled, and Cancel ends the child, whose
transaction is then rolled back (the half-made file is removed)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QProcess
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop_crm.errors import CrmError
from desktop_crm.filenames import safe_file_name
from desktop_crm.i18n import _, current_language
from desktop_crm.models.enums import Action
from desktop_crm.services.data.archive import ArchiveResult, export_archive
from desktop_crm.services.system import rights
from desktop_crm.views.common.dialogs import error_box
from desktop_crm.views.common.progress import JobProgressDialog
from desktop_crm.workers import Progress, run_in_background


def attach(window: Any) -> None:
    export = QAction(_("&Export everything…"), window)
    export.setObjectName("action_export_everything")
    export.setToolTip(_("The whole business as one archive: a table per file and the documents"))
    export.triggered.connect(lambda _checked=False: ask_export_everything(window))
    export.setEnabled(rights.can(Action.EXPORT))
    load = QAction(_("&Import everything…"), window)
    load.setObjectName("action_import_everything")
    load.setToolTip(_("Recreate a business from its archive in a new database file"))
    load.triggered.connect(lambda _checked=False: ask_import_everything(window))
    load.setEnabled(rights.can(Action.IMPORT))
    window.file_menu.insertAction(window.quit_action, export)
    window.file_menu.insertAction(window.quit_action, load)
    window.export_everything_action, window.import_everything_action = export, load


def _file_dialog(parent: QWidget, name: str, title: str, save: bool, file_filter: str,
                 suggested: str) -> QFileDialog:
    dialog = QFileDialog(parent, title)
    dialog.setObjectName(name)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save
                         else QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile if save
                       else QFileDialog.FileMode.ExistingFile)
    dialog.setNameFilter(file_filter)
    dialog.setDirectory(str(Path.home()))
    if suggested:
        dialog.selectFile(suggested)
    return dialog


def ask_export_everything(window: Any) -> QFileDialog:
    dialog = _file_dialog(window, "archive_export_dialog", _("Export everything"), True,
                          _("ZIP archive (*.zip)"),
                          safe_file_name(_("Desktop CRM archive"), "zip", fallback="crm"))
    dialog.setDefaultSuffix("zip")
    dialog.fileSelected.connect(lambda path: export_everything(window, Path(path)))
    dialog.open()
    return dialog


def export_everything(window: Any, path: Path) -> Any:
    progress_dialog = JobProgressDialog(_("Exporting everything…"), window)

    def work(progress: Progress) -> ArchiveResult:
        return export_archive(path, progress.report, progress.check)

    def done(result: ArchiveResult) -> None:
        progress_dialog.finish()
        window.context.show_status(_("{rows} rows and {files} files exported to {path}").format(
            rows=result.rows, files=result.files, path=result.path))

    def failed(error: BaseException) -> None:
        progress_dialog.finish()
        if not isinstance(error, CrmError | OSError):
            raise error
        error_box(window, _("The export failed: {reason}").format(
            reason=getattr(error, "message", error)))

    def cancelled() -> None:
        progress_dialog.finish()
        window.context.show_status(_("Export cancelled."))

    job = run_in_background(work, on_result=done, on_error=failed,
                            on_progress=progress_dialog.update, on_cancelled=cancelled,
                            name="export-everything")
    progress_dialog.attach(job)
    return job


def ask_import_everything(window: Any) -> QFileDialog:
    dialog = _file_dialog(window, "archive_import_dialog", _("Import everything"), False,
                          _("ZIP archive (*.zip)"), "")
    dialog.fileSelected.connect(lambda path: ask_new_database(window, Path(path)))
    dialog.open()
    return dialog


def ask_new_database(window: Any, archive: Path) -> QFileDialog:
    dialog = _file_dialog(window, "archive_database_dialog",
                          _("The new database to import it into"), True,
                          _("CRM database (*.db)"), safe_file_name(archive.stem, "db"))
    dialog.setDefaultSuffix("db")
    dialog.fileSelected.connect(lambda path: import_everything(window, archive, Path(path)))
    dialog.open()
    return dialog


def command_line() -> list[str]:
    """How this application is started as a command (a frozen bundle is its own executable)."""
    start = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m",
                                                                     "desktop_crm"]
    return [*start, "--lang", current_language()]


class ArchiveImport:
    """One import into a new file by a child process, with its progress dialog and Cancel."""

    def __init__(self, window: Any, archive: Path, target: Path) -> None:
        self.window, self.archive, self.target = window, archive, target
        self.dialog = JobProgressDialog(_("Importing everything…"), window)
        self.dialog.canceled.disconnect()
        self.dialog.canceled.connect(self.cancel)
        self.process = QProcess(window)
        self.process.setObjectName("archive_import_process")
        self.process.finished.connect(self._finished)
        self.process.readyReadStandardOutput.connect(self._progress)
        self.cancelled = False
        self._pending = b""

    def start(self) -> None:
        program, *arguments = command_line()
        self.process.start(program, [*arguments, "import-archive", str(self.archive),
                                     "--db", str(self.target), "--progress"])
        self.dialog.setValue(0)

    def _progress(self) -> None:
        """The child's lines ``done<TAB>total<TAB>text`` move the progress dialog."""
        self._pending += bytes(self.process.readAllStandardOutput().data())
        *lines, self._pending = self._pending.split(b"\n")
        for line in lines:
            parts = line.decode("utf-8", "replace").rstrip("\r").split("\t", 2)
            if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
                with contextlib.suppress(RuntimeError):  # the dialog is gone: finished
                    self.dialog.update(int(parts[0]), int(parts[1]), parts[2])

    def cancel(self) -> None:
        self.cancelled = True
        self.process.kill()

    def _finished(self, code: int, _status: Any) -> None:
        self.dialog.finish()
        errors = bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace")
        if code == 0 and not self.cancelled:
            self.window.context.show_status(_("The archive was imported into {path}.").format(
                path=self.target))
            self.window.database_switch.emit(str(self.target))
            return
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.target) + suffix).unlink(missing_ok=True)
        if self.cancelled:
            self.window.context.show_status(_("Import cancelled."))
            return
        error_box(self.window, _("The archive was not imported: {reason}").format(
            reason=errors.strip() or code))


def import_everything(window: Any, archive: Path, target: Path) -> ArchiveImport | None:
    if target.exists():
        error_box(window, _("{path} exists already: an archive is imported into a new database "
                            "file. Choose another name.").format(path=target))
        return None
    job = ArchiveImport(window, archive, target)
    window.archive_import = job
    job.start()
    return job

