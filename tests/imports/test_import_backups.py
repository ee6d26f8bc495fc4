"""A real import, its undo and a bank statement import each leave a backup made before them
(reason "import", in the backup folder: CRM_BACKUP_DIR in the tests); a dry run does not."""

from __future__ import annotations

from desktop_crm.services.data.imports import engine, mapping
from desktop_crm.services.data.imports.engine import ImportRequest
from desktop_crm.services.data.imports.formats import Table
from desktop_crm.services.system import backups

HEADERS = ["Фамилия", "Имя", "Телефон"]


def request(dry_run=False):
    return ImportRequest("contacts", Table(HEADERS, [["Иванов", "Иван", "+7 916 111-11-11"]], "csv"),
                         mapping.suggest_mapping("contacts", HEADERS), dry_run=dry_run)


def reasons():
    path = backups.bound_database_path()
    assert path is not None
    return [info.reason for info in backups.list_backups(path)]


def test_a_real_import_and_its_undo_leave_a_backup_a_dry_run_none(sqlite_world):
    engine.run_import(request(dry_run=True))
    assert reasons() == []
    report = engine.run_import(request())
    assert report.created == 1
    assert reasons() == ["import"]
    for info in backups.list_backups(backups.bound_database_path()):
        info.path.unlink()  # the next one is not covered by the quarter of an hour
    engine.undo_import(report.batch_id)
    assert reasons() == ["import"]


def test_a_bank_statement_import_leaves_a_backup(db, tmp_path, monkeypatch):
    from desktop_crm.services.billing.statements import imports
    from tests.statements.test_statement_import import ru_invoices, ru_statement

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    ru_invoices()
    assert reasons() == []
    imports.import_statement(ru_statement(), "kl_to_1c.txt")
    assert reasons() == ["import"]
