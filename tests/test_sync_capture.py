"""Change capture on a SQLite replica: triggers, same transaction, fail closed, suppression."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import peewee
import pytest

from desktop_crm.models import Company, Contact, Deal, Pipeline, Stage, User, database
from desktop_crm.models.db import engine, open_database
from desktop_crm.models.migrations import STEPS
from desktop_crm.models.schema import _upsert_version, migrate
from desktop_crm.sync import capture


def outbox(db):
    rows = db.execute_sql(
        "SELECT seq, tbl, row_id, op, base_ver, hlc, fields FROM _outbox ORDER BY seq"
    ).fetchall()
    return [(s, t, bytes(r), o, b, h, json.loads(f)) for s, t, r, o, b, h, f in rows]


@pytest.fixture
def replica(db):
    capture.make_replica(db)
    return db


def test_a_local_database_carries_no_sync_bookkeeping(db):
    assert not capture.is_replica(db)
    assert not set(capture.BOOKKEEPING_TABLES) & set(db.get_tables())
    Contact.create(last_name="Local")  # no capture function needed, nothing queued


def test_becoming_a_replica_queues_every_existing_row(db):
    user = User.create(name="Anna")
    Contact.create(last_name="Иванов", responsible=user)
    capture.make_replica(db)
    entries = outbox(db)
    assert [(e[1], e[3]) for e in entries] == [("user", "I"), ("contact", "I")]
    contact_fields = entries[1][6]
    assert contact_fields["last_name"] == "Иванов"
    assert contact_fields["responsible_id"] == user.id.hex.upper()
    assert capture.make_replica(db) == capture.device_id(db)  # idempotent
    assert len(outbox(db)) == 2


def test_insert_and_update_capture_only_changed_fields_in_order(replica):
    contact = Contact.create(last_name="Rossi", first_name="Mario")
    contact.first_name = "Maria"
    contact.save()
    (ins, upd) = outbox(replica)
    assert ins[3] == "I" and ins[6]["first_name"] == "Mario" and ins[2] == contact.id.bytes
    assert upd[3] == "U" and upd[4] == 0
    assert set(upd[6]) == {"first_name", "updated_at", "search_text", "name_key"}
    assert upd[6]["first_name"] == "Maria"
    assert upd[5] > ins[5]


def test_bulk_update_and_money_are_captured_per_row(replica):
    pipeline = Pipeline.create(name="Sales")
    stage = Stage.create(pipeline=pipeline, name="New")
    deals = [Deal.create(title=f"D{i}", pipeline=pipeline, stage=stage) for i in range(5)]
    before = len(outbox(replica))
    from decimal import Decimal

    Deal.update(amount=Decimal("1234.56")).where(Deal.title != "D0").execute()
    entries = outbox(replica)[before:]
    assert len(entries) == 4
    assert {e[2] for e in entries} == {d.id.bytes for d in deals[1:]}
    assert all(e[6] == {"amount": 123456} for e in entries)  # exact minor units


def test_no_op_update_queues_nothing(replica):
    Company.create(legal_name="ACME")
    before = len(outbox(replica))
    Company.update(legal_name="ACME").execute()
    assert len(outbox(replica)) == before


def test_soft_delete_is_a_field_change_and_physical_delete_is_refused(replica):
    company = Company.create(legal_name="ACME")
    company.soft_delete()
    assert outbox(replica)[-1][6].keys() >= {"deleted_at"}
    with pytest.raises(peewee.IntegrityError, match="deleted softly"):
        Company.delete().execute()
    assert Company.select().count() == 1


def test_rolled_back_changes_leave_no_outbox_entry(replica):
    with pytest.raises(RuntimeError), database.atomic():
        Contact.create(last_name="Ghost")
        raise RuntimeError("user cancelled")
    assert outbox(replica) == []


def test_applying_flag_silences_capture_and_allows_purge(replica):
    company = Company.create(legal_name="ACME")
    before = len(outbox(replica))
    with replica.atomic(), capture.applying(replica):
        Company.update(city="Roma").execute()
        Company.delete().where(Company.id == company.id).execute()
    assert len(outbox(replica)) == before
    assert replica.execute_sql("SELECT applying FROM _sync_flag").fetchone()[0] == 0


def test_a_connection_without_the_clock_function_cannot_write(replica, db_url):
    Contact.create(last_name="First")
    raw = sqlite3.connect(db_url)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such function: hlc_now"):
            raw.execute("UPDATE contact SET last_name = 'Sneaky'")
        raw.rollback()
        assert raw.execute("SELECT last_name FROM contact").fetchone()[0] == "First"
    finally:
        raw.close()


def test_the_clock_survives_a_clock_that_goes_backwards(replica):
    capture.set_clock(replica, lambda: 2_000_000_000.0)
    Contact.create(last_name="Future")
    capture.set_clock(replica, lambda: 1_000_000_000.0)
    Contact.create(last_name="Past")
    first, second = outbox(replica)
    assert second[5] > first[5]


def test_migrating_a_replica_regenerates_capture_for_new_columns(tmp_path):
    url = str(tmp_path / "old.db")
    db = open_database(url)
    with db.atomic():
        for version in (1, 2, 3):
            STEPS[version](db, engine(db))
        _upsert_version(3)
    capture.make_replica(db)
    db.execute_sql("INSERT INTO company (id, created_at, updated_at, _ver, _hlc, legal_name, "
                   "short_name, country, inn, kpp, ogrn, bank_name, bik, corr_account, account, "
                   "vat_number, fiscal_code, rea, iban, bic, address, postal_code, city, province, "
                   "email, phone, website, comment, search_text) VALUES (x'0190000000007000800000000000aaaa',"
                   " '2026-01-01', '2026-01-01', 0, 0, 'ACME', '', 'IT', '', '', '', '', '', '', '',"
                   " '', '', '', '', '', '', '', '', '', '', '', '', '', '')")
    pending_before = capture.pending_count(db)
    migrate(db)
    assert capture.meta_get(db, "schema_version") == max(STEPS)
    db.execute_sql("UPDATE company SET sdi_code = 'ABC1234'")
    last = outbox(db)[-1]
    assert last[6] == {"sdi_code": "ABC1234"}
    assert capture.pending_count(db) == pending_before + 1
    assert db.execute_sql("SELECT DISTINCT schema_version FROM _outbox").fetchall() == [(max(STEPS),)]
    db.close()


def old_replica(path):
    """A replica file at schema 3 holding one company, closed."""
    db = open_database(str(path))
    with db.atomic():
        for version in (1, 2, 3):
            STEPS[version](db, engine(db))
        _upsert_version(3)
    capture.make_replica(db)
    db.close()
    database.initialize(None)


# Run in a new process: nothing of the tests' conftest (which installs sync's hooks) is there.
WRITE_AFTER_MIGRATE = """
import sys
from desktop_crm.models import Company
from desktop_crm.models.db import open_database
if sys.argv[2] == "through the command line":
    from desktop_crm import cli
    assert cli.main(["migrate", "--db", sys.argv[1]]) == 0
db = open_database(sys.argv[1])
Company.create(legal_name="ACME", sdi_code="ABC1234")
"""


def run_python(script, *args):
    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, "-c", script, *args], cwd=root, capture_output=True,
                          text=True, timeout=120)


def test_the_command_line_installs_sync_so_a_replica_it_migrates_and_opens_captures(tmp_path):
    """The entry point registers sync's hooks: ``desktop-crm migrate`` regenerates a replica's
    capture for the new columns, and a database opened afterwards in that process captures."""
    path = tmp_path / "old.db"
    old_replica(path)
    done = run_python(WRITE_AFTER_MIGRATE, str(path), "through the command line")
    assert done.returncode == 0, done.stderr
    db = open_database(str(path))
    assert capture.meta_get(db, "schema_version") == max(STEPS)
    last = outbox(db)[-1]
    assert (last[1], last[3]) == ("company", "I")
    assert last[6]["legal_name"] == "ACME" and last[6]["sdi_code"] == "ABC1234"
    db.close()
    # the check of the check: a process that skips the entry point cannot write to the replica
    bypass = run_python(WRITE_AFTER_MIGRATE, str(path), "directly")
    assert bypass.returncode != 0 and "no such function: hlc_now" in bypass.stderr
