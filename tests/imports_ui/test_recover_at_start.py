"""An import a crashed run left half-written (its batch still ``running``) is taken back when the
main window has painted, in the background; the status bar says so."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QSettings

from desktop_crm import workers
from desktop_crm.app import build_main_window
from desktop_crm.models import Contact, ImportBatch, database, utcnow
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from desktop_crm.services.data.imports import engine, mapping
from desktop_crm.services.data.imports.engine import ImportRequest
from desktop_crm.services.data.imports.formats import Table
from desktop_crm.services.sales import rules
from tests.shell.conftest import admin_user

HEADERS = ["Фамилия", "Имя", "Телефон"]


def test_a_crashed_import_is_taken_back_at_start_up(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    db = open_database(str(tmp_path / "crm.db"))
    migrate(db)
    admin = admin_user()
    rules.CONTACT_PRESET.set("light")
    report = engine.run_import(ImportRequest(
        "contacts", Table(HEADERS, [["Иванов", "Иван", "+7 916 111-11-11"]], "csv"),
        mapping.suggest_mapping("contacts", HEADERS)))
    assert Contact.select().count() == 1, report.rejected
    with database.atomic():  # as a process that died between two chunks leaves it
        ImportBatch.update(status="running", heartbeat_at=utcnow() - dt.timedelta(hours=1)).where(
            ImportBatch.id == report.batch_id).execute()
    with workers.synchronous():
        main = build_main_window(str(tmp_path / "crm.db"), QSettings(
            str(tmp_path / "s.ini"), QSettings.Format.IniFormat), admin)
        qtbot.addWidget(main)
        assert Contact.select().count() == 1  # not on the way to the first paint
        with qtbot.waitSignal(main.settled):
            main.show()
        assert Contact.select().count() == 0
        assert not ImportBatch.select().exists()
        assert main.statusBar().currentMessage() == "1 import that did not finish was taken back."
        main.close()
    db.close()
