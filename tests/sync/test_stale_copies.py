"""Old data never beats newer data (issue 17, point 4): a file that never synced, a restored backup
and two computers seeded from one file upload their rows with the clocks of when they were changed,
so the server's newer values win and the stale ones are kept as conflict losers; a restored or
copied replica is recognised even after it issued more changes than the server saw."""

from __future__ import annotations

import shutil
import time

import pytest

from desktop_crm.models import Company, database
from desktop_crm.models.db import make_database
from desktop_crm.models.schema import migrate
from desktop_crm.sync.replica import ReplicaRestored, reincarnate
from tests.sync.helpers import admin, new_replica, use

pytestmark = pytest.mark.postgres


def local_file(path):
    """A plain local database (never synced) with one company."""
    db = make_database(str(path))
    db.connect()
    database.initialize(db)
    migrate(db)
    company = Company.create(legal_name="Seed", city="Roma", comment="first")
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return company.id


def copy_db(src, dst):
    shutil.copy(src, dst)


def server_company(url, company_id):
    with admin(url) as conn:
        return conn.execute(
            "SELECT legal_name, city, comment FROM company WHERE id = %s", (company_id,)
        ).fetchone()


def conflicts(url):
    with admin(url) as conn:
        return conn.execute(
            "SELECT field, winner #>> '{}', loser #>> '{}' FROM sync.conflict ORDER BY field"
        ).fetchall()


def sync_restoring(replica):
    """One round the way the app runs it: a restored or copied file takes a new identity."""
    try:
        return replica.sync()
    except ReplicaRestored:
        replica.device = reincarnate(replica.db)
        return replica.sync()


def test_a_never_synced_copy_does_not_overwrite_newer_server_edits(server_url, tmp_path):
    company_id = local_file(tmp_path / "seed.db")
    copy_db(tmp_path / "seed.db", tmp_path / "copy.db")  # copied before anything synced
    first = new_replica(tmp_path / "seed.db", server_url)
    first.sync()
    time.sleep(0.01)
    with admin(server_url) as conn:  # an office user edits on the server afterwards
        conn.execute("UPDATE company SET legal_name = 'Newer', comment = 'newer comment' "
                     "WHERE id = %s", (company_id,))
    stale = new_replica(tmp_path / "copy.db", server_url)
    use(stale)
    Company.update(city="Milano").where(Company.id == company_id).execute()  # a later local edit
    result = stale.sync()
    assert server_company(server_url, company_id) == ("Newer", "Milano", "newer comment")
    assert ("comment", "newer comment", "first") in conflicts(server_url)
    assert ("legal_name", "Newer", "Seed") in conflicts(server_url)
    assert result.pushed >= 1
    stale.sync()
    row = Company.get_by_id(company_id)
    assert (row.legal_name, row.city, row.comment) == ("Newer", "Milano", "newer comment")


def test_a_copy_edited_after_the_server_still_wins_with_its_newer_edit(server_url, tmp_path):
    company_id = local_file(tmp_path / "seed.db")
    copy_db(tmp_path / "seed.db", tmp_path / "copy.db")
    new_replica(tmp_path / "seed.db", server_url).sync()
    with admin(server_url) as conn:
        conn.execute("UPDATE company SET comment = 'server' WHERE id = %s", (company_id,))
    time.sleep(0.01)
    db = make_database(str(tmp_path / "copy.db"))  # still a plain local file, edited later
    db.connect()
    database.initialize(db)
    row = Company.get_by_id(company_id)
    row.comment = "typed later on the copy"
    row.save()
    db.close()
    new_replica(tmp_path / "copy.db", server_url).sync()
    assert server_company(server_url, company_id)[2] == "typed later on the copy"
    assert ("comment", "typed later on the copy", "server") in conflicts(server_url)


def test_two_computers_seeded_from_one_file_keep_each_others_newer_edits(server_url, tmp_path):
    company_id = local_file(tmp_path / "seed.db")
    copy_db(tmp_path / "seed.db", tmp_path / "a.db")
    copy_db(tmp_path / "seed.db", tmp_path / "b.db")
    a = new_replica(tmp_path / "a.db", server_url)
    a.sync()
    use(a)
    time.sleep(0.01)
    Company.update(comment="edited on a").where(Company.id == company_id).execute()
    a.sync()
    b = new_replica(tmp_path / "b.db", server_url)  # b is set up for sync later
    assert a.device != b.device
    b.sync()  # b's first upload: its untouched copy of the row is older than a's edit
    assert server_company(server_url, company_id) == ("Seed", "Roma", "edited on a")
    b.sync()
    use(b)
    assert Company.get_by_id(company_id).comment == "edited on a"


def test_a_restored_backup_that_typed_more_than_the_server_saw_loses_nothing(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    company = Company.create(legal_name="Kept", comment="before")
    a.sync()
    company.comment = "pending in the backup"
    company.save()
    a.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    copy_db(tmp_path / "a.db", tmp_path / "backup.db")
    a.sync()  # the pending change goes out, then a newer one
    time.sleep(0.01)
    company.comment = "newest"
    company.save()
    a.sync()
    a.db.close()
    restored = new_replica(tmp_path / "backup.db", server_url)
    use(restored)
    for n in range(5):  # more changes than the server acknowledged for this device
        Company.create(legal_name=f"After restore {n}")
    sync_restoring(restored)
    with admin(server_url) as conn:
        names = {r[0] for r in conn.execute("SELECT legal_name FROM company").fetchall()}
    assert {f"After restore {n}" for n in range(5)} <= names
    assert server_company(server_url, company.id)[2] == "newest"
    assert ("comment", "newest", "pending in the backup") in conflicts(server_url)
    restored.sync()
    assert Company.get_by_id(company.id).comment == "newest"


def test_two_computers_seeded_from_one_replica_both_keep_their_changes(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    Company.create(legal_name="Shared")
    a.sync()
    a.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    copy_db(tmp_path / "a.db", tmp_path / "b.db")
    b = new_replica(tmp_path / "b.db", server_url)
    assert b.device == a.device  # the same file, the same identity
    use(a)
    Company.create(legal_name="Typed on a")
    a.sync()
    use(b)
    Company.create(legal_name="Typed on b 1")
    Company.create(legal_name="Typed on b 2")
    with pytest.raises(ReplicaRestored):
        b.sync()
    b.device = reincarnate(b.db)
    b.sync()
    a.sync()
    with admin(server_url) as conn:
        names = sorted(r[0] for r in conn.execute("SELECT legal_name FROM company").fetchall())
    assert names == ["Shared", "Typed on a", "Typed on b 1", "Typed on b 2"]
    use(a)
    assert Company.select().count() == 4
