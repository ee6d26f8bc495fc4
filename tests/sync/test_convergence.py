"""Seeded randomized convergence (sync.md §3): N SQLite replicas, one real PostgreSQL, random edits,
deletes, undeletes and creations on every replica, syncs in random order, with faults: the process
"killed" between the server commit and the local acknowledgement, the connection dropped mid-pull,
clock skew, replicas offline for long stretches, and an office user writing directly on PostgreSQL.
Invariants checked against an oracle at quiescence.

Stale copies (issue 17, point 4) are faults too: a replica's file is replaced by an older backup of
itself or by a copy of another replica's file (two computers seeded from one replica), and in the
``stale`` runs all replicas start from one never-synced file, one of them syncing for the first
time only halfway through (a copy made before the server's rows were edited).

CI runs ``SEEDS`` and ``STALE_SEEDS``; ``CRM_SYNC_SOAK=N`` runs N more seeds of each (and more
operations) for a long soak.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import sqlite3
import time
import uuid
from collections import defaultdict
from decimal import Decimal

import pytest

from desktop_crm.models import Company, Contact, Deal, Pipeline, Stage, database
from desktop_crm.models.db import make_database
from desktop_crm.models.schema import migrate
from desktop_crm.sync import capture, server
from desktop_crm.sync.replica import CrashPoint, ReplicaRestored, reincarnate
from desktop_crm.sync.server import SyncError
from desktop_crm.sync.wire import to_wire
from tests.sync.helpers import admin, new_replica, use

pytestmark = pytest.mark.postgres

SEEDS = [11, 23, 37]
STALE_SEEDS = [7, 19]
SOAK = int(os.environ.get("CRM_SYNC_SOAK", "0"))
OPS = 120 if not SOAK else 1500
REPLICAS = 3
TABLES = ("company", "contact", "deal")
FIELDS = {
    Company: ("legal_name", "city", "phone", "comment"),
    Contact: ("first_name", "position", "comment", "company"),
    Deal: ("title", "amount", "comment", "contact"),
}


class Harness:
    def __init__(self, seed, url, tmp_path, stale=False):
        self.rng = random.Random(seed)
        self.url = url
        self.tmp_path = tmp_path
        self.stale = stale
        self.crash_next: dict[int, str | None] = {}
        self.replicas = []
        self.skews = [self.rng.uniform(-120, 120) for _ in range(REPLICAS)]  # within 5 minutes
        if stale:  # every computer starts from one local file that never synced
            self._seed_file(tmp_path / "seed.db")
            for i in range(REPLICAS):
                shutil.copy(tmp_path / "seed.db", tmp_path / f"r{i}.db")
        for i in range(REPLICAS):
            late = stale and i == REPLICAS - 1  # set up for sync only halfway (see join)
            self.replicas.append(None if late else self._open(i, tmp_path / f"r{i}.db"))
        self.writes = defaultdict(list)  # (table, row_id, field) -> [(hlc, origin, value)]
        self.seen_seq = [0] * REPLICAS
        self.last_hlc = [0] * REPLICAS
        self.cursors = [{} for _ in range(REPLICAS)]
        self.offline = [False] * REPLICAS
        self.backups: dict[int, str] = {}  # replica -> the file of its last backup
        self.files = 0
        self.copied_devices: set[str] = set()  # identities that a restored or copied file took on
        self.reincarnated: set[str] = set()

    def _open(self, i, path):
        replica = new_replica(path, self.url, pull_page=3)
        replica.crash_hook = self._hook(i)
        capture.set_clock(replica.db, lambda s=self.skews[i]: time.time() + s)
        return replica

    def _seed_file(self, path):
        db = make_database(str(path))
        db.connect()
        database.initialize(db)
        migrate(db)
        pipeline = Pipeline.create(name="P")
        Stage.create(pipeline=pipeline, name="S")
        for n in range(4):
            company = Company.create(legal_name=f"Seed {n}", city="Roma", comment="seed")
            contact = Contact.create(last_name=f"Seed {n}", company=company)
            Deal.create(title=f"Seed deal {n}", pipeline=pipeline, stage=Stage.get(), contact=contact,
                        amount=Decimal(n))
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()

    def _hook(self, index):
        def hook(point):
            if self.crash_next.get(index) == point:
                self.crash_next[index] = None
                if point == "between_pull_pages":  # the server drops the connection mid-pull
                    with admin(self.url) as conn:
                        conn.execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = %s",
                            (f"crm-sync/{self.replicas[index].device}",),
                        )
                    return
                raise CrashPoint(point)

        return hook

    # -- oracle ---------------------------------------------------------------------------------

    def record(self, i):
        replica = self.replicas[i]
        rows = replica.db.execute_sql(
            "SELECT seq, tbl, row_id, hlc, fields FROM _outbox WHERE seq > ? ORDER BY seq",
            (self.seen_seq[i],),
        ).fetchall()
        for seq, table, row_id, stamp, fields in rows:
            for name, value in json.loads(fields).items():
                self.writes[(table, bytes(row_id), name)].append((stamp, str(replica.device), value))
            self.seen_seq[i] = seq
        self.check_monotonic(i)

    def check_monotonic(self, i):
        db = self.replicas[i].db
        stamp = int(capture.meta_get(db, "hlc", 0))
        assert stamp >= self.last_hlc[i], "I6: a replica's HLC went backwards"
        self.last_hlc[i] = stamp
        for table in TABLES:
            cursor = int(capture.meta_get(db, f"cursor:{table}", 0) or 0)
            assert cursor >= self.cursors[i].get(table, 0), "I6: a pull cursor moved backwards"
            self.cursors[i][table] = cursor

    # -- operations -----------------------------------------------------------------------------

    def alive(self, model):
        return list(model.select().where(model.deleted_at.is_null()))

    def join(self):
        """The copy of the never-synced file that waited is set up for sync now, after the
        others' edits reached the server: its rows are older and must not win."""
        if self.replicas[-1] is None:
            self.replicas[-1] = self._open(REPLICAS - 1, self.tmp_path / f"r{REPLICAS - 1}.db")
            self.record(REPLICAS - 1)

    def op(self):
        i = self.rng.randrange(REPLICAS)
        if self.replicas[i] is None:
            i = 0
        replica = use(self.replicas[i])
        roll = self.rng.random()
        if roll < 0.22:
            self.sync(i)
            return
        if roll < 0.25:
            self.offline[i] = not self.offline[i]
            return
        if roll < 0.29:
            self.direct_write()
            return
        if roll < 0.31:
            self.back_up(i)
            return
        if roll < 0.33:
            self.restore(i)
            return
        if roll < 0.34:
            self.clone(self.rng.randrange(REPLICAS), i)
            return
        model = self.rng.choice([Company, Contact, Deal])
        rows = list(model.select())
        if roll < 0.45 or not rows:
            self.create(model)
        elif roll < 0.85:
            self.update(self.rng.choice(rows))
        elif roll < 0.95:
            row = self.rng.choice(rows)
            if row.is_deleted:
                model.update(deleted_at=None).where(model.id == row.id).execute()  # undelete
            else:
                row.soft_delete()
        else:
            # a bulk statement touching several rows at once
            model.update(comment=f"bulk {self.rng.random():.6f}").where(
                model.id.in_([r.id for r in self.rng.sample(rows, min(3, len(rows)))])
            ).execute()
        self.record(i)
        _ = replica

    def direct_write(self):
        """An office user working directly on PostgreSQL (direct mode) edits a company's city."""
        with admin(self.url) as conn:
            ids = conn.execute("SELECT id FROM company ORDER BY id").fetchall()
            if not ids:
                return
            row = self.rng.choice(ids)  # seeded: a failing run replays exactly
            value = f"direct {self.rng.randrange(10**6)}"
            (version,) = conn.execute(
                "UPDATE company SET city = %s WHERE id = %s RETURNING _fv -> 'city'", (value, row[0])
            ).fetchone()
        self.writes[("company", row[0].bytes, "city")].append(
            (int(version["h"]), str(version["o"]), value))

    # -- stale copies ---------------------------------------------------------------------------

    def _copy_file(self, replica, path):
        """A consistent copy of a replica's file while it is open (what a backup tool makes)."""
        target = sqlite3.connect(path)
        try:
            replica.db.connection().backup(target)
        finally:
            target.close()

    def back_up(self, i):
        self.files += 1
        path = str(self.tmp_path / f"backup{self.files}.db")
        self._copy_file(self.replicas[i], path)
        self.backups[i] = path

    def restore(self, i):
        """Replica ``i``'s disk dies; its file is restored from its last backup."""
        if i not in self.backups:
            return
        path = self.backups[i]
        self.files += 1
        target = self.tmp_path / f"restored{self.files}.db"
        shutil.copy(path, target)
        self._replace(i, target)

    def clone(self, source, i):
        """Replica ``i``'s computer is set up again from a copy of replica ``source``'s file."""
        if source == i or self.replicas[source] is None:
            return
        self.files += 1
        target = self.tmp_path / f"clone{self.files}.db"
        self._copy_file(self.replicas[source], str(target))
        self._replace(i, target)

    def _replace(self, i, path):
        """Put the file at ``path`` in place of replica ``i``'s. The old file first sends what it
        holds (changes only a dead disk held are lost by the user, not by sync: not modelled)."""
        old = self.replicas[i]
        self.crash_next[i] = None
        with contextlib.suppress(SyncError):
            self.sync_round(i)
        if capture.pending_count(old.db):
            return
        old.close()
        old.db.close()
        replica = self.replicas[i] = self._open(i, path)
        use(replica)
        self.copied_devices.add(str(replica.device))
        issued = replica.db.execute_sql(
            "SELECT seq FROM sqlite_sequence WHERE name = '_outbox'").fetchone()
        self.seen_seq[i] = issued[0] if issued else 0
        self.last_hlc[i] = int(capture.meta_get(replica.db, "hlc", 0))
        self.cursors[i] = {}

    def create(self, model):
        if model is Company:
            Company.create(legal_name=f"Co {self.rng.randrange(10**6)}", city="Roma")
        elif model is Contact:
            companies = self.alive(Company)
            Contact.create(last_name=f"L{self.rng.randrange(1000)}",
                           company=self.rng.choice(companies) if companies else None)
        else:
            contacts = self.alive(Contact)
            Deal.create(title=f"Deal {self.rng.randrange(1000)}", pipeline=self.pipeline,
                        stage=self.stage, amount=Decimal(self.rng.randrange(10**7)) / 100,
                        contact=self.rng.choice(contacts) if contacts else None)

    def update(self, row):
        model = type(row)
        for name in self.rng.sample(FIELDS[model], self.rng.randint(1, 2)):
            if name == "company":
                choices = self.alive(Company)
                row.company = self.rng.choice(choices) if choices else None
            elif name == "contact":
                choices = self.alive(Contact)
                row.contact = self.rng.choice(choices) if choices else None
            elif name == "amount":
                row.amount = Decimal(self.rng.randrange(10**7)) / 100
            else:
                setattr(row, name, f"{name} {self.rng.randrange(10**6)}")
        row.save()

    def sync(self, i, faults=True):
        if self.offline[i] and faults:
            return
        if faults and self.rng.random() < 0.12:
            self.crash_next[i] = self.rng.choice(["after_server_commit", "between_pull_pages"])
        with contextlib.suppress(CrashPoint, SyncError):
            self.sync_round(i)
        self.crash_next[i] = None
        self.check_monotonic(i)

    def sync_round(self, i):
        """One round as the app runs it: a restored or copied file takes a new identity."""
        replica = self.replicas[i]
        try:
            return replica.sync()
        except ReplicaRestored:
            pending = replica.db.execute_sql("SELECT tbl, row_id, hlc, fields FROM _outbox").fetchall()
            old = str(replica.device)
            replica.device = reincarnate(replica.db)
            self.reincarnated.add(str(replica.device))
            self.cursors[i] = {}
            self._reattribute(pending, old, str(replica.device))
            return replica.sync()

    def _reattribute(self, pending, old, new):
        """The pending changes of a file that took a new identity are sent under it: the oracle
        breaks ties of equal clocks by the device that really sent them (copies of one file share
        a clock state, so two of them can stamp different values alike)."""
        for table, row_id, stamp, fields in pending:
            for name, value in json.loads(fields).items():
                writes = self.writes[(table, bytes(row_id), name)]
                for k, write in enumerate(writes):
                    if write == (stamp, old, value):
                        writes[k] = (stamp, new, value)
                        break

    def quiesce(self):
        self.offline = [False] * REPLICAS
        self.join()
        stable = 0
        for _round in range(30):
            changed = False
            for i in range(REPLICAS):
                result = self.sync_round(i)
                changed |= bool(result.pushed or result.pulled or result.conflicts)
            if not changed and all(capture.pending_count(r.db) == 0 for r in self.replicas):
                stable += 1
                if stable == 2:
                    return
            else:
                stable = 0
        raise AssertionError("I9: replicas did not quiesce within 30 rounds")

    # -- invariants -----------------------------------------------------------------------------

    def server_dump(self, conn, table, columns):
        rows = conn.execute(
            f'SELECT id, _ver, _hlc, {", ".join(columns)} FROM "{table}" ORDER BY id'
        ).fetchall()
        return [tuple(to_wire(v) for v in row) for row in rows]

    def local_dump(self, replica, table, columns):
        rows = replica.db.execute_sql(
            f'SELECT id, _ver, _hlc, {", ".join(columns)} FROM "{table}" ORDER BY id'
        ).fetchall()
        return [tuple(to_wire(v) for v in row) for row in rows]

    def check(self):
        with admin(self.url) as conn:
            types = server.server_columns(conn)
            # I1 convergence: every replica equals the server, tombstones included
            for table in capture.synced_tables(self.replicas[0].db):
                columns = [f'"{c}"' for c in types[table] if c != "id"]
                expected = self.server_dump(conn, table, columns)
                for replica in self.replicas:
                    assert self.local_dump(replica, table, columns) == expected, f"I1: {table}"
            # I2 no lost writes: every field holds the max (hlc, origin) write, or was revived
            revived = {
                (t, r.bytes) for t, r in conn.execute(
                    "SELECT tbl, row_id FROM sync.conflict WHERE kind = 'revived'").fetchall()
            }
            for (table, row_id, name), writes in self.writes.items():
                if name == "deleted_at" and (table, row_id) in revived:
                    continue
                (value,) = conn.execute(
                    f'SELECT "{name}" FROM "{table}" WHERE id = %s', (uuid.UUID(bytes=row_id),)
                ).fetchone()
                best = max(writes, key=lambda w: (w[0], w[1]))
                assert to_wire(value) == best[2], f"I2: {table}.{name} lost {best}"
            # I3 exactly once: push ranges contiguous per device (from 1 unless the device is a
            # restored file's new identity), no overlap, all issued seqs applied
            ranges = defaultdict(list)
            for device, low, high in conn.execute(
                "SELECT device_id, seq_from, seq_to FROM sync.push_log ORDER BY device_id, seq_from"
            ).fetchall():
                ranges[str(device)].append((low, high))
            for device, spans in ranges.items():
                position = spans[0][0] - 1 if device in self.reincarnated else 0
                for low, high in spans:
                    assert low == position + 1, f"I3: gap or overlap {spans}"
                    position = high
            issued_by_device = defaultdict(list)
            for replica in self.replicas:
                issued = replica.db.execute_sql(
                    "SELECT seq FROM sqlite_sequence WHERE name = '_outbox'").fetchone()
                issued_by_device[str(replica.device)].append(issued[0] if issued else 0)
                parked = replica.db.execute_sql("SELECT count(*) FROM _outbox_parked").fetchone()[0]
                assert parked == 0
            for device, issued in issued_by_device.items():
                pushed = ranges[device][-1][1] if ranges.get(device) else 0
                if device in self.copied_devices:  # an older copy that had nothing more to send
                    assert pushed >= max(issued), "I3: not every entry was applied"
                else:
                    assert pushed == max(issued), "I3: not every entry was applied"
            # I4 referential integrity
            for replica in self.replicas:
                assert replica.db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
            for child, column, parent in [("contact", "company_id", "company"),
                                          ("deal", "contact_id", "contact")]:
                orphans = conn.execute(
                    f'SELECT count(*) FROM "{child}" c JOIN "{parent}" p ON p.id = c."{column}" '
                    "WHERE c.deleted_at IS NULL AND p.deleted_at IS NOT NULL"
                ).fetchone()[0]
                assert orphans == 0, f"I4: live {child} under a deleted {parent}"

    def run(self, ops):
        use(self.replicas[0])
        if self.stale:
            self.pipeline, self.stage = Pipeline.get(), Stage.get()
            for i in range(REPLICAS - 1):
                self.record(i)
        else:
            self.pipeline = Pipeline.create(name="P")
            self.stage = Stage.create(pipeline=self.pipeline, name="S")
            self.record(0)
        self.replicas[0].sync()
        for replica in self.replicas[1:]:
            if replica is not None:
                replica.sync()
        for n in range(ops):
            if self.stale and n == ops // 2:
                self.join()
            self.op()
        self.quiesce()
        self.check()


@pytest.mark.parametrize("seed", SEEDS + list(range(1000, 1000 + SOAK)))
def test_replicas_converge_without_losing_writes(seed, server_url, tmp_path):
    Harness(seed, server_url, tmp_path).run(OPS)


@pytest.mark.parametrize("seed", STALE_SEEDS + list(range(5000, 5000 + SOAK)))
def test_copies_of_one_never_synced_file_converge_and_old_values_never_win(seed, server_url, tmp_path):
    Harness(seed, server_url, tmp_path, stale=True).run(OPS)


def test_the_oracle_catches_a_pull_that_loses_rows(server_url, tmp_path, monkeypatch):
    """Check the check (sync.md §3.5): a pull that drops rows must fail I1."""
    from desktop_crm.sync.pull import Pull

    harness = Harness(5, server_url, tmp_path)
    original = Pull._apply

    def forget_rows(self, table_rows, horizon, **kwargs):
        if table_rows and "deal" in table_rows:  # lose one pulled row
            table_rows = {**table_rows, "deal": table_rows["deal"][1:]}
        return original(self, table_rows, horizon, **kwargs)

    monkeypatch.setattr(Pull, "_apply", forget_rows)
    with pytest.raises(AssertionError, match="I1"):
        harness.run(40)
