"""Settings › Backups and File › Restore, driven through their widgets in the real main window."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_crm.models import Contact, database
from desktop_crm.services.system import backups
from tests.backups.conftest import table_rows


def _settings_page(window):
    view = window.show_section("settings", "settings")
    return view.select("backups")


def test_the_settings_page_chooses_the_folder_and_backs_up_now(window, qtbot, tmp_path: Path):
    page = _settings_page(window)
    assert page.folder.text() == "" and page.daily.isChecked()
    chosen = tmp_path / "on another disk"
    page.folder.clear()
    qtbot.keyClicks(page.folder, str(chosen))
    page.keep_daily.setValue(3)
    assert page.save_button.isEnabled()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert backups.load_settings().folder == str(chosen)
    assert backups.load_settings().keep_daily == 3
    qtbot.mouseClick(page.backup_button, Qt.MouseButton.LeftButton)
    database_file = Path(database.obj.database)
    (made,) = backups.list_backups(database_file)
    assert made.path.is_relative_to(chosen) and made.reason == "manual"
    assert str(made.path) in page.last_label.text()
    page.keep_weekly.setValue(0)
    page.keep_daily.lineEdit().selectAll()
    qtbot.keyClicks(page.keep_daily.lineEdit(), "0")  # below the range: the spin box keeps 1
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert backups.load_settings().keep_weekly == 0


def test_file_restore_checks_switches_and_reopens(window, qtbot, tmp_path: Path):
    database_file = Path(database.obj.database)
    good = backups.backup_database(database_file, reason="daily")
    before = table_rows(good.path)
    damaged = backups.backup_database(database_file, reason="merge")
    data = bytearray(damaged.path.read_bytes())
    for offset in range(4096 * 3, len(data), 4096):
        data[offset + 100:offset + 400] = b"\xa5" * 300
    damaged.path.write_bytes(bytes(data))
    Contact.update(first_name="After the backup").execute()
    window.restore_action.trigger()
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if w.objectName() == "restore_dialog" and w.isVisible())
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 1).text() == "before a merge"
    assert dialog.table.item(1, 5).text() == "300"
    # the newest is damaged: refused before anything is switched
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert "Nothing was changed" in dialog.message.text() and "damaged" in dialog.message.text()
    assert Contact.select().where(Contact.first_name == "After the backup").exists()
    assert dialog.isVisible()
    dialog.table.selectRow(1)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    new = next(w for w in QApplication.topLevelWidgets()
               if w.objectName() == "main_window" and w is not window and w.isVisible())
    try:
        assert not window.isVisible()
        assert not Contact.select().where(Contact.first_name == "After the backup").exists()
        database.obj.close()
        after = table_rows(database_file)
        # the old window saved its list layouts (a ``setting`` row) into the restored file when
        # it closed: everything else is the backup's, table by table
        # (its key is the 7th column); whether the backup already held one depends on when the
        # list first saved its layout
        saved_keys = {row[6] for row in after.pop("setting")}
        assert {row[6] for row in before.pop("setting")} <= saved_keys <= {"ui.list.deals"}
        assert after == before
        kept = [info for info in backups.list_backups(database_file) if info.reason == "restore"]
        assert len(kept) == 1
        with closing(sqlite3.connect(kept[0].path)) as conn:
            assert conn.execute("SELECT count(*) FROM contact WHERE first_name = "
                                "'After the backup'").fetchone()[0] > 0
    finally:
        new.close()


def test_the_daily_backup_runs_from_the_window_once_a_day(window, qtbot):
    database_file = Path(database.obj.database)
    window.daily_backup_timer.timeout.emit()
    window.daily_backup_timer.timeout.emit()
    (made,) = backups.list_backups(database_file)
    assert made.reason == "daily"
    assert window.daily_backup_timer.interval() == 3_600_000


def test_the_file_menu_holds_export_import_and_restore_before_quit(window):
    texts = [action.text() for action in window.file_menu.actions()]
    names = [action.objectName() for action in window.file_menu.actions()]
    assert names.index("action_export_everything") < names.index("action_import_everything") \
        < names.index("action_restore") < texts.index("&Quit")
    assert names.index("action_switch_user") < names.index("action_export_everything")
