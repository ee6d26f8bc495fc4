"""``desktop-crm server init`` and ``desktop-crm sync`` end to end (real files, real server)."""

from __future__ import annotations

import pytest

from desktop_crm.cli import main
from desktop_crm.models import Company, Contact, database
from desktop_crm.models.db import engine, open_database
from desktop_crm.models.migrations import STEPS
from desktop_crm.models.schema import _upsert_version, migrate
from desktop_crm.sync import capture
from tests.pg import free_port
from tests.sync.helpers import admin

pytestmark = pytest.mark.postgres


def test_server_init_is_idempotent(pg_url, capsys):
    assert main(["server", "init", "--server", pg_url]) == 0
    assert main(["server", "init", "--server", pg_url, "--min-app-version", "0.0.1"]) == 0
    out = capsys.readouterr().out
    assert out.count("sync schema ready") == 2 and "minimum app version 0.0.1" in out
    with admin(pg_url) as conn:
        triggers = conn.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = '_sync_stamp'").fetchone()[0]
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.columns WHERE column_name = '_fv' "
            "AND table_schema = 'public'").fetchone()[0]
    assert triggers == tables > 20


def test_local_database_uploads_everything_then_a_new_path_downloads_it(server_url, tmp_path, capsys):
    local = str(tmp_path / "demo.db")
    db = open_database(local)
    migrate(db)
    company = Company.create(legal_name="ООО «Ромашка»")
    Contact.create(last_name="Иванов", company=company)
    db.close()
    assert main(["sync", "--db", local, "--server", server_url]) == 0
    # pulled: the four preset roles every database has (never uploaded unchanged); its own two
    # rows are not downloaded back (issue 24)
    assert "pushed 2, pulled 4, conflicts 0" in capsys.readouterr().out
    (tmp_path / "new").mkdir()  # a missing folder is refused, not created (tests/test_damaged_files.py)
    fresh = str(tmp_path / "new" / "laptop.db")
    assert main(["sync", "--db", fresh, "--server", server_url]) == 0
    assert "pushed 0, pulled 6, conflicts 0" in capsys.readouterr().out
    db = open_database(fresh)
    assert [c.legal_name for c in Company.select()] == ["ООО «Ромашка»"]
    assert capture.is_replica(db)
    db.close()


def test_unreachable_server_fails_with_a_message_and_keeps_the_outbox(tmp_path, capsys):
    local = str(tmp_path / "crm.db")
    db = open_database(local)
    migrate(db)
    Company.create(legal_name="Pending")
    db.close()
    dead = f"postgresql://nobody@127.0.0.1:{free_port()}/crm"
    assert main(["sync", "--db", local, "--server", dead]) == 1
    assert "Cannot reach the server" in capsys.readouterr().err
    db = open_database(local)
    assert capture.pending_count(db) == 1
    db.close()


def test_outdated_app_is_refused_with_a_clear_message(server_url, tmp_path, capsys):
    with admin(server_url) as conn:
        conn.execute("UPDATE sync.schema_meta SET min_app_version = '99.0'")
    assert main(["sync", "--db", str(tmp_path / "x.db"), "--server", server_url]) == 1
    assert "too old for the server, which needs 99.0" in capsys.readouterr().err


def test_pending_changes_survive_a_schema_upgrade_and_then_sync(server_url, tmp_path, capsys):
    """A replica written by an older app (schema 3) with a non-empty outbox is upgraded by the new
    app before its first sync; the pending entries are carried to the new schema and pushed."""
    local = str(tmp_path / "old.db")
    db = open_database(local)
    with db.atomic():
        for version in (1, 2, 3):
            STEPS[version](db, engine(db))
        _upsert_version(3)
    capture.make_replica(db)
    db.execute_sql(
        "INSERT INTO company (id, created_at, updated_at, _ver, _hlc, legal_name, short_name, "
        "country, inn, kpp, ogrn, bank_name, bik, corr_account, account, vat_number, fiscal_code, "
        "rea, iban, bic, address, postal_code, city, province, email, phone, website, comment, "
        "search_text) VALUES (x'019300000000700080000000000000aa', '2026-01-01 10:00:00', "
        "'2026-01-01 10:00:00', 0, 0, 'Old app Srl', '', 'IT', '', '', '', '', '', '', '', '', "
        "'', '', '', '', '', '', 'Bari', '', '', '', '', '', '')"
    )
    assert capture.pending_count(db) == 1
    db.close()
    database.initialize(None)
    assert main(["sync", "--db", local, "--server", server_url]) == 0
    assert "pushed 1," in capsys.readouterr().out
    with admin(server_url) as conn:
        assert conn.execute("SELECT legal_name, city FROM company").fetchall() == [("Old app Srl", "Bari")]
