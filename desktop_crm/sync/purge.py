"""Tombstone purge on the server (sync.md §2.10), run by an administrator.

A soft-deleted row is removed for good only when all of these hold:

* it was deleted more than ``retention_days`` ago;
* its ``_xid`` is below the ``last_pulled_xid`` of every device that is not stale, so every replica
  has already pulled the tombstone (a device that never pulled holds the purge back entirely);
* no live row references it (children are purged before parents, a tombstone with a tombstoned child
  waits for that child).

Each purged id is recorded in ``sync.purged``; replicas pull that list and delete their local
tombstones, so nothing can come back from an old copy. Devices not seen for longer than the
``stale_after_days`` are marked stale first and no longer hold the purge back; when they return, their pending
edits to purged rows are parked and shown, never applied to a resurrected row.
"""

from __future__ import annotations

from typing import Any


def purge_tombstones(
    server_url: str, retention_days: int = 180, stale_after_days: int = 180, conn: Any = None
) -> int:
    from desktop_crm.sync import server
    from desktop_crm.sync.layout import foreign_keys

    own = conn is None
    conn = conn or server.connect(server_url)
    removed = 0
    try:
        with conn.transaction():
            conn.execute(
                "UPDATE sync.device SET stale = true WHERE NOT stale AND "
                "coalesce(last_seen, created_at) < now() - make_interval(days => %s)",
                (stale_after_days,),
            )
            (horizon,) = conn.execute(
                "SELECT min(coalesce(last_pulled_xid, '0'::xid8))::text::bigint FROM sync.device "
                "WHERE NOT stale"
            ).fetchone()
            if horizon is None:
                return 0
            tables = server.synced_server_tables(conn)
            fks = foreign_keys(conn)
            # children first: repeat until a pass removes nothing (a parent becomes free once its
            # tombstoned children are gone)
            while True:
                round_removed = 0
                for table in reversed(tables):
                    referencing = [(c, col) for c, col, p in fks if p == table]
                    blockers = " ".join(
                        f'AND NOT EXISTS (SELECT 1 FROM "{child}" r WHERE r."{column}" = t.id)'
                        for child, column in referencing
                    )
                    rows = conn.execute(
                        f'DELETE FROM "{table}" t WHERE t.deleted_at IS NOT NULL '
                        "AND t.deleted_at < (now() AT TIME ZONE 'UTC') - make_interval(days => %s) "
                        f"AND t._xid < %s::text::xid8 {blockers} RETURNING t.id",
                        (retention_days, horizon),
                    ).fetchall()
                    if rows:
                        conn.cursor().executemany(
                            "INSERT INTO sync.purged (tbl, row_id) VALUES (%s, %s) "
                            "ON CONFLICT DO NOTHING",
                            [(table, r[0]) for r in rows],
                        )
                    round_removed += len(rows)
                removed += round_removed
                if not round_removed:
                    break
    finally:
        if own:
            conn.close()
    return removed
