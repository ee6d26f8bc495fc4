"""Seeded randomized convergence (sync.md §3): N SQLite replicas, one real PostgreSQL, random edits,
deletes, undeletes and creations on every replica, syncs in random order, with faults: the process
"killed" between the server commit and the local acknowledgement, the connection dropped mid-pull,
clock skew, replicas offline for long stretches, and an office user writing directly on PostgreSQL.
Invariants checked against an oracle at quiescence.

CI runs ``SEEDS``; ``CRM_SYNC_SOAK=N`` runs N more seeds (and more operations) for a long soak.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import time
import uuid
from collections import defaultdict
from decimal import Decimal

import pytest

from desktop_crm.models import Company, Contact, Deal, Pipeline, Stage
from desktop_crm.sync import capture, server
from desktop_crm.sync.replica import CrashPoint
from desktop_crm.sync.server import SyncError
from desktop_crm.sync.wire import to_wire
from tests.sync.helpers import admin, new_replica, use

pytestmark = pytest.mark.postgres

SEEDS = [11, 23, 37]
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
    def __init__(self, seed, url, tmp_path):
        self.rng = random.Random(seed)
        self.url = url
        self.crash_next: dict[int, str | None] = {}
        self.replicas = []
        for i in range(REPLICAS):
            replica = new_replica(tmp_path / f"r{i}.db", url, pull_page=3)
            replica.crash_hook = self._hook(i)
            skew = self.rng.uniform(-120, 120)  # within the 5-minute bound
            capture.set_clock(replica.db, lambda s=skew: time.time() + s)
            self.replicas.append(replica)
        self.writes = defaultdict(list)  # (table, row_id, field) -> [(hlc, origin, value)]
        self.seen_seq = [0] * REPLICAS
        self.last_hlc = [0] * REPLICAS
        self.cursors = [{} for _ in range(REPLICAS)]
        self.offline = [False] * REPLICAS

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

    def op(self):
        i = self.rng.randrange(REPLICAS)
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
            self.replicas[i].sync()
        self.crash_next[i] = None
        self.check_monotonic(i)

    def quiesce(self):
        self.offline = [False] * REPLICAS
        stable = 0
        for _round in range(30):
            changed = False
            for i in range(REPLICAS):
                result = self.replicas[i].sync()
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
            # I3 exactly once: push ranges contiguous from 1, no overlap, all issued seqs applied
            for replica in self.replicas:
                ranges = conn.execute(
                    "SELECT seq_from, seq_to FROM sync.push_log WHERE device_id = %s ORDER BY seq_from",
                    (replica.device,),
                ).fetchall()
                position = 0
                for low, high in ranges:
                    assert low == position + 1, f"I3: gap or overlap {ranges}"
                    position = high
                issued = replica.db.execute_sql(
                    "SELECT seq FROM sqlite_sequence WHERE name = '_outbox'").fetchone()
                assert position == (issued[0] if issued else 0), "I3: not every entry was applied"
                parked = replica.db.execute_sql("SELECT count(*) FROM _outbox_parked").fetchone()[0]
                assert parked == 0
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
        self.pipeline = Pipeline.create(name="P")
        self.stage = Stage.create(pipeline=self.pipeline, name="S")
        self.record(0)
        self.replicas[0].sync()
        for i in range(1, REPLICAS):
            self.replicas[i].sync()
        for _n in range(ops):
            self.op()
        self.quiesce()
        self.check()


@pytest.mark.parametrize("seed", SEEDS + list(range(1000, 1000 + SOAK)))
def test_replicas_converge_without_losing_writes(seed, server_url, tmp_path):
    Harness(seed, server_url, tmp_path).run(OPS)


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
