"""Targeted, deterministic tests of the sync protocol (sync.md §3.4) on real engines."""

from __future__ import annotations

import threading
import time
import uuid
from decimal import Decimal

import pytest

from desktop_crm.models import Company, Contact, Deal, Pipeline, Stage
from desktop_crm.sync import capture
from desktop_crm.sync.replica import CrashPoint
from desktop_crm.sync.server import VersionRefused
from tests.sync.helpers import admin, new_replica, outbox_size, use

pytestmark = pytest.mark.postgres


def crash_at(point):
    def hook(name):
        if name == point:
            raise CrashPoint(name)

    return hook


def seed_deal(replica):
    use(replica)
    pipeline = Pipeline.create(name="P")
    stage = Stage.create(pipeline=pipeline, name="S")
    deal = Deal.create(title="Base", pipeline=pipeline, stage=stage, amount=Decimal("10.00"))
    replica.sync()
    return deal.id


def server_rows(url, sql, params=()):
    with admin(url) as conn:
        return conn.execute(sql, params).fetchall()


def test_lost_acknowledgement_applies_nothing_twice(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url, crash_hook=crash_at("after_server_commit"))
    use(a)
    Company.create(legal_name="Once")
    with pytest.raises(CrashPoint):
        a.sync()
    assert outbox_size(a) == 1  # the server committed, the local delete never happened
    (ver_before,) = server_rows(server_url, "SELECT _ver FROM company")[0]
    a.crash_hook = None
    result = a.sync()
    assert result.pushed == 0 and outbox_size(a) == 0
    assert server_rows(server_url, "SELECT count(*), max(_ver) FROM company")[0] == (1, ver_before)
    log = server_rows(server_url, "SELECT seq_from, seq_to FROM sync.push_log ORDER BY seq_from")
    assert log == [(1, 1)]
    # and the next change continues the contiguous range
    Company.create(legal_name="Twice")
    a.sync()
    log = server_rows(server_url, "SELECT seq_from, seq_to FROM sync.push_log ORDER BY seq_from")
    assert log == [(1, 1), (2, 2)]


def test_concurrent_edits_of_one_field_pick_the_highest_hlc_and_keep_the_losers(server_url, tmp_path):
    replicas = [new_replica(tmp_path / f"{n}.db", server_url) for n in "abc"]
    deal_id = seed_deal(replicas[0])
    for r in replicas[1:]:
        r.sync()
    now = time.time()
    skews = {0: +60.0, 1: -60.0, 2: 0.0}  # a's clock is a minute fast, b's a minute slow
    for i, r in enumerate(replicas):
        capture.set_clock(r.db, lambda s=skews[i]: now + s)
        use(r)
        deal = Deal.get_by_id(deal_id)
        deal.title = f"title by {i}"
        deal.save()
    for r in replicas:
        r.sync()
    for r in replicas:
        r.sync()
        use(r)
        assert Deal.get_by_id(deal_id).title == "title by 0"
    conflicts = server_rows(
        server_url, "SELECT winner, loser FROM sync.conflict WHERE field = 'title' ORDER BY loser::text"
    )
    assert conflicts == [("title by 0", "title by 1"), ("title by 0", "title by 2")]
    assert capture.open_conflicts(replicas[1].db) >= 1


def test_edits_of_different_fields_merge_without_conflict(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    deal_id = seed_deal(a)
    b.sync()
    use(a)
    Deal.update(title="New title").where(Deal.id == deal_id).execute()
    use(b)
    Deal.update(amount=Decimal("99.99")).where(Deal.id == deal_id).execute()
    a.sync(), b.sync(), a.sync()
    for r in (a, b):
        use(r)
        deal = Deal.get_by_id(deal_id)
        assert (deal.title, deal.amount) == ("New title", Decimal("99.99"))
    assert server_rows(server_url, "SELECT count(*) FROM sync.conflict") == [(0,)]


def test_delete_against_a_concurrent_edit_keeps_the_edit_in_the_tombstone(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    use(a)
    company = Company.create(legal_name="ACME")
    a.sync(), b.sync()
    Company.get_by_id(company.id).soft_delete()
    use(b)
    Company.update(city="Milano").where(Company.id == company.id).execute()
    a.sync(), b.sync(), a.sync()
    for r in (a, b):
        use(r)
        row = Company.get_by_id(company.id)
        assert row.is_deleted and row.city == "Milano"
    kinds = server_rows(server_url, "SELECT kind, field FROM sync.conflict")
    assert kinds == [("edit_of_deleted", "deleted_at")]


def test_a_child_created_under_a_deleted_parent_revives_it(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    use(a)
    company = Company.create(legal_name="Parent")
    a.sync(), b.sync()
    Company.get_by_id(company.id).soft_delete()
    a.sync()
    use(b)
    Contact.create(last_name="Child", company=company.id)  # b has not seen the delete
    b.sync(), a.sync()
    for r in (a, b):
        use(r)
        assert not Company.get_by_id(company.id).is_deleted
        assert r.db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    assert server_rows(server_url, "SELECT kind FROM sync.conflict") == [("revived",)]


def test_deleting_a_parent_that_has_live_children_elsewhere_is_undone(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    use(a)
    company = Company.create(legal_name="Parent")
    a.sync(), b.sync()
    use(b)
    Contact.create(last_name="Child", company=company.id)
    b.sync()
    use(a)
    Company.get_by_id(company.id).soft_delete()  # a has not seen the child
    a.sync(), b.sync()
    for r in (a, b):
        use(r)
        assert not Company.get_by_id(company.id).is_deleted


def test_pull_never_skips_a_transaction_that_commits_late(server_url, tmp_path):
    """sync.md §2.8 cursor_demo: long T1 starts first, short T2 commits first."""
    a = new_replica(tmp_path / "a.db", server_url)
    a.sync()
    t1 = admin(server_url)
    t1.autocommit = False
    t1.execute("INSERT INTO company (id, created_at, updated_at, _ver, _hlc, legal_name, short_name, "
               "country, inn, kpp, ogrn, bank_name, bik, corr_account, account, vat_number, "
               "fiscal_code, rea, iban, bic, address, postal_code, city, province, email, phone, "
               "website, comment, search_text) SELECT %s, now(), now(), 0, 0, 'T1', '', 'IT', '', "
               "'', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', ''",
               (uuid.uuid4(),))
    with admin(server_url) as t2:
        t2.execute("INSERT INTO company (id, created_at, updated_at, _ver, _hlc, legal_name, short_name, "
                   "country, inn, kpp, ogrn, bank_name, bik, corr_account, account, vat_number, "
                   "fiscal_code, rea, iban, bic, address, postal_code, city, province, email, phone, "
                   "website, comment, search_text) SELECT %s, now(), now(), 0, 0, 'T2', '', 'IT', "
                   "'', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', ''",
                   (uuid.uuid4(),))
    assert a.sync().pulled == 0  # T2 is committed but above the horizon held by T1
    t1.commit()
    t1.close()
    assert a.sync().pulled == 2
    use(a)
    assert sorted(c.legal_name for c in Company.select()) == ["T1", "T2"]


def test_direct_postgresql_writes_are_stamped_and_reach_replicas(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    company = Company.create(legal_name="ACME")
    a.sync()
    with admin(server_url) as conn:
        conn.execute("UPDATE company SET city = 'Torino' WHERE id = %s", (company.id,))
        ver, origin, fv = conn.execute("SELECT _ver, _origin, _fv FROM company").fetchone()
    assert ver == 2 and fv["city"]["v"] == 2 and fv["city"]["o"] == str(origin)
    a.sync()
    assert Company.get_by_id(company.id).city == "Torino"


def test_an_outdated_app_is_refused_before_any_write_and_keeps_its_outbox(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url, app_version="0.1.0")
    use(a)
    Company.create(legal_name="Pending")
    with admin(server_url) as conn:
        conn.execute("UPDATE sync.schema_meta SET min_app_version = '0.2.0'")
    with pytest.raises(VersionRefused, match="too old"):
        a.sync()
    assert outbox_size(a) == 1
    assert server_rows(server_url, "SELECT count(*) FROM company") == [(0,)]
    assert server_rows(server_url, "SELECT count(*) FROM sync.device") == [(0,)]
    a.app_version = "0.2.0"  # the upgraded app
    assert a.sync().pushed == 1 and outbox_size(a) == 0


def test_purge_waits_for_every_device_then_removes_tombstones_everywhere(server_url, tmp_path):
    from desktop_crm.sync.purge import purge_tombstones

    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    use(a)
    company = Company.create(legal_name="Old")
    a.sync(), b.sync()
    Company.get_by_id(company.id).soft_delete()
    a.sync()
    assert purge_tombstones(server_url, retention_days=0) == 0  # b has not pulled the tombstone
    b.sync()
    a.sync()
    assert purge_tombstones(server_url, retention_days=0) == 1
    a.sync(), b.sync()
    for r in (a, b):
        use(r)
        assert Company.select().count() == 0
    assert server_rows(server_url, "SELECT count(*) FROM company") == [(0,)]


def test_sync_worker_thread_uses_its_own_connection(server_url, tmp_path):
    """The round runs off the calling thread (as the UI does) with its own SQLite connection."""
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    Company.create(legal_name="Threaded")
    results = []
    worker = threading.Thread(target=lambda: results.append(a.sync()))
    worker.start()
    worker.join(60)
    assert results and results[0].pushed == 1


def test_a_restored_backup_takes_a_new_identity_and_replays_its_changes(server_url, tmp_path):
    import shutil

    from desktop_crm.sync.replica import sync_once

    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    Company.create(legal_name="Before the backup")
    a.sync()
    a.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(tmp_path / "a.db", tmp_path / "backup.db")
    Company.create(legal_name="After the backup 1")
    Company.create(legal_name="After the backup 2")
    a.sync()
    old_device = a.device
    a.db.close()
    # the laptop's disk dies; the user restores yesterday's backup and keeps working
    restored = new_replica(tmp_path / "backup.db", server_url)
    assert restored.device == old_device
    use(restored)
    Company.create(legal_name="Typed after the restore")
    restored.db.close()
    result = sync_once(tmp_path / "backup.db", server_url)
    assert result.pushed == 1 and result.pulled >= 4
    with admin(server_url) as conn:
        names = sorted(r[0] for r in conn.execute("SELECT legal_name FROM company").fetchall())
        devices = conn.execute("SELECT count(*) FROM sync.device").fetchone()[0]
    assert names == ["After the backup 1", "After the backup 2", "Before the backup",
                     "Typed after the restore"]
    assert devices == 2  # the restored file now syncs under its own, new identity


def test_concurrent_moves_keep_the_furthest_stage_a_deal_reached(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    deal_id = seed_deal(a)
    b.sync()
    now = time.time()
    capture.set_clock(a.db, lambda: now + 60.0)  # a writes last by the clock, with the smaller value
    capture.set_clock(b.db, lambda: now)
    use(a)
    Deal.update(reached_order=2).where(Deal.id == deal_id).execute()
    use(b)
    Deal.update(reached_order=4).where(Deal.id == deal_id).execute()
    b.sync(), a.sync(), b.sync()
    for r in (a, b):
        use(r)
        assert Deal.get_by_id(deal_id).reached_order == 4
    assert server_rows(server_url, "SELECT count(*) FROM sync.conflict") == [(0,)]
    use(a)  # a later, non-concurrent write may lower it (an undone move, reordered stages)
    Deal.update(reached_order=1).where(Deal.id == deal_id).execute()
    a.sync(), b.sync()
    use(b)
    assert Deal.get_by_id(deal_id).reached_order == 1
