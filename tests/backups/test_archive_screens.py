"""File › Export everything… and File › Import everything…, through the menu and its dialogs."""

from __future__ import annotations

import zipfile
from pathlib import Path

import shiboken6
from PySide6.QtWidgets import QApplication, QFileDialog

from desktop_crm.models import Contact, database
from tests.backups.test_archive import business_rows


def _answer(name: str, path: Path) -> None:
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, QFileDialog) and w.objectName() == name and w.isVisible())
    dialog.selectFile(str(path))
    dialog.accept()


def test_export_then_import_everything_opens_the_new_database(window, qtbot, qsettings,
                                                              tmp_path: Path) -> None:
    archive = tmp_path / "everything.zip"
    window.export_everything_action.trigger()
    _answer("archive_export_dialog", archive)
    with zipfile.ZipFile(archive) as opened:
        assert "tables/contact.csv" in opened.namelist()
    assert "exported to" in window.statusBar().currentMessage()
    old_file = Path(database.obj.database)
    contacts = Contact.select().count()

    target = tmp_path / "imported.db"
    window.import_everything_action.trigger()
    _answer("archive_import_dialog", archive)
    _answer("archive_database_dialog", target)
    user_id = window.context.user.id
    qtbot.waitUntil(lambda: not shiboken6.isValid(window) or not window.isVisible(),
                    timeout=60_000)
    new = next(w for w in QApplication.topLevelWidgets()
               if w.objectName() == "main_window" and w.isVisible())
    try:
        assert Path(database.obj.database) == target
        assert Contact.select().count() == contacts
        assert qsettings.value("database/url") == str(target)
        assert new.context.user.id == user_id
    finally:
        new.close()
    database.obj.close()
    old, imported = business_rows(old_file), business_rows(target)
    old.pop("setting"), imported.pop("setting")  # the windows' saved list layouts
    assert imported == old


def test_an_import_into_an_existing_file_is_refused_and_a_cancelled_one_leaves_nothing(
        window, qtbot, tmp_path: Path) -> None:
    from desktop_crm.views.archive import export_everything, import_everything

    archive = tmp_path / "everything.zip"
    export_everything(window, archive)
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"")
    assert import_everything(window, archive, existing) is None
    box = next(w for w in QApplication.topLevelWidgets()
               if w.objectName() != "main_window" and w.isVisible() and "exists already" in
               getattr(w, "text", lambda: "")())
    box.close()
    target = tmp_path / "cancelled.db"
    job = import_everything(window, archive, target)
    job.cancel()
    qtbot.waitUntil(lambda: job.process.state() == job.process.ProcessState.NotRunning,
                    timeout=30_000)
    assert not target.exists()
    assert window.isVisible() and "cancelled" in window.statusBar().currentMessage()
