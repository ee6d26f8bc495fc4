"""Pull: the server's changes into the replica, in one consistent snapshot (sync.md §2.8).

One ``REPEATABLE READ`` snapshot; rows with ``cursor <= _xid < horizon`` where the horizon is
``pg_snapshot_xmin(pg_current_snapshot())``: every transaction below it has finished, so a
transaction that commits late can never be skipped (the "seq > last" poller loses it). The rows are
applied in one SQLite transaction together with the new cursor, with capture silenced; fields that
still have local pending changes keep their local value (overlay). A first download (bootstrap)
commits page by page with its keyset position instead, so it can resume after a crash.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import peewee

from desktop_crm.i18n import _
from desktop_crm.models.db import execute_sql
from desktop_crm.sync import capture
from desktop_crm.sync.own_writes import xid_ranges
from desktop_crm.sync.wire import local_expression

if TYPE_CHECKING:
    from desktop_crm.sync.replica import Replica

log = logging.getLogger(__name__)

BULK_ROWS = 200
RESCOPE_CHUNK = 5000  # ids per visibility question after a change of rights
_FTS_INSERT = re.compile(
    r"BEGIN\s+INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)\s*VALUES\s*\(([^)]*)\)\s*;\s*END\s*$",
    re.IGNORECASE,
)

Progress = Callable[[int, int, str], None]
Rows = list[tuple[Any, ...]]


@dataclass
class PullResult:
    pulled: int = 0
    conflicts: int = 0
    purged: int = 0
    bootstrapped: bool = False
    horizon: int = 0
    details: dict[str, Any] = field(default_factory=dict)


class Pull:
    """One pull of a replica from the server."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica
        self.db = replica.db
        self.layout = replica.layout

    def run(self, pg: Any, progress: Progress | None = None) -> PullResult:
        result = PullResult()
        tables = self.layout.pulled_tables()
        cursors = {t: int(capture.meta_get(self.db, f"cursor:{t}", 0) or 0) for t in tables}
        # a first download (or a table reset after a migration or a discarded refusal, or a
        # download interrupted by a crash) goes table by table and page by page, resumable
        result.bootstrapped = any(c == 0 for c in cursors.values())
        meta_cursor = int(capture.meta_get(self.db, "cursor:_sync", 0) or 0)
        with pg.transaction():
            pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            (horizon,) = pg.execute(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
            ).fetchone()
            result.horizon = horizon
            if result.bootstrapped:
                self._bootstrap(pg, tables, cursors, meta_cursor, result, progress)
            else:
                self._incremental(pg, tables, cursors, meta_cursor, result)
        if result.details.get("rescoped"):
            again = self.run(pg, progress)  # at once: what the new rights show
            result.pulled += again.pulled
            result.conflicts += again.conflicts
        self.replica.own.forget_below(horizon)
        with pg.transaction():
            pg.execute(
                "UPDATE sync.device SET last_pulled_xid = %s::text::xid8, last_seen = now() "
                "WHERE device_id = %s AND (last_pulled_xid IS NULL OR last_pulled_xid < %s::text::xid8)",
                (horizon, self.replica.device, horizon),
            )
        return result

    def _bootstrap(
        self, pg: Any, tables: list[str], cursors: dict[str, int], meta_cursor: int,
        result: PullResult, progress: Progress | None,
    ) -> None:
        """A first download: table by table, each committed (a table empty here in one transaction,
        else page by page with its position), so a crash resumes where it stopped."""
        horizon = result.horizon
        total = self._count_rows(pg, tables, horizon)
        done = 0
        self._set_foreign_keys(False)
        try:
            for table in tables:
                if cursors[table] >= horizon:
                    continue
                if self._is_empty(table):
                    done += self._download_table(
                        pg, table, cursors[table], horizon, done, total, progress
                    )
                    result.pulled = done
                    continue
                for page in self._pages(pg, table, cursors[table], horizon, resume=True):
                    self._apply(table_rows={table: page}, horizon=None, page_of=table)
                    done += len(page)
                    result.pulled += len(page)
                    if progress:
                        progress(done, total, _("Downloading {table}…").format(table=table))
                    self.replica.checkpoint("between_pull_pages")
                with self.db.atomic("IMMEDIATE"):
                    capture.meta_set(self.db, f"cursor:{table}", horizon)
                    capture.meta_set(self.db, f"page:{table}", None)
            extras = self._sync_rows(pg, meta_cursor, horizon)
            result.conflicts, result.purged = self._apply({}, horizon, extras=extras)
            result.details["tables"] = list(tables)
        finally:
            self._set_foreign_keys(True)
        problems = execute_sql(self.db, "PRAGMA foreign_key_check").fetchall()
        if problems:
            log.warning("foreign key problems after bootstrap: %s", problems[:10])

    def _incremental(
        self, pg: Any, tables: list[str], cursors: dict[str, int], meta_cursor: int,
        result: PullResult,
    ) -> None:
        """Everything changed since the cursors, applied in one SQLite transaction."""
        horizon = result.horizon
        table_rows: dict[str, Rows] = {}
        changed = self._changed_tables(pg, [t for t in tables if cursors[t] < horizon], cursors, horizon)
        for table in tables:
            if table not in changed:
                continue
            rows: Rows = []
            for page in self._pages(pg, table, cursors[table], horizon):
                rows.extend(page)
                self.replica.checkpoint("between_pull_pages")
            if rows:
                table_rows[table] = rows
            result.pulled += len(rows)
        extras = self._sync_rows(pg, meta_cursor, horizon)
        refetched = self._refetch(pg, tables, table_rows, extras)
        result.conflicts, result.purged = self._apply(
            table_rows, horizon, extras=extras, refetched=refetched
        )
        result.details["tables"] = sorted(table_rows)
        if extras.get("rescope"):
            # rows this login may now see were written before the cursors: download the scoped
            # tables again at the next pull (a resumable re-download that keeps local changes)
            with self.db.atomic("IMMEDIATE"):
                for table in self._scoped_tables():
                    capture.meta_set(self.db, f"cursor:{table}", 0)
            result.details["rescoped"] = True

    def _changed_tables(
        self, pg: Any, tables: list[str], cursors: dict[str, int], horizon: int
    ) -> set[str]:
        """The tables with rows in their window, asked in one statement (a round trip per table
        was most of an incremental pull's time)."""
        if not tables:
            return set()
        probes, params = [], []
        for table in tables:
            probes.append(
                f"SELECT %s WHERE EXISTS (SELECT 1 FROM \"{table}\" WHERE _xid >= %s::text::xid8 "
                "AND _xid < %s::text::xid8)"
            )
            params += [table, cursors[table], horizon]
        return {r[0] for r in pg.execute(" UNION ALL ".join(probes), params).fetchall()}

    def _set_foreign_keys(self, on: bool) -> None:
        execute_sql(self.db, f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")

    def _count_rows(self, pg: Any, tables: list[str], horizon: int) -> int:
        """The rows a first download fetches (less this replica's own pushes it skips)."""
        total = 0
        for table in tables:
            skipped = sorted(self.replica.own.xids.get(table, set()))
            (n,) = pg.execute(
                f'SELECT count(*) FROM "{table}" WHERE _xid < %s::text::xid8 '
                "AND NOT _xid::text::bigint = ANY(%s)", (horizon, skipped)
            ).fetchone()
            total += n
        return total

    def _select_list(self, table: str) -> list[str]:
        local = self.layout.local_columns[table]
        columns = [c for c in self.layout.server_columns[table] if c in local and c != "id"]
        if table in self.layout.content_tables:
            columns.append(capture.CONTENT_COLUMN)
        return columns

    def _fill_bodies(self, pg: Any, table: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Pulled rows of a file table arrive without bodies; each body is taken from a local row
        with the same hash, or fetched once from the server by hash."""
        columns = self._select_list(table)
        at_hash = 4 + columns.index(capture.HASH_COLUMN)
        hashes = {r[at_hash] for r in rows}
        bodies: dict[str, bytes] = {}
        for digest in hashes:
            row = execute_sql(
                self.db, f'SELECT content FROM "{table}" WHERE sha256 = ? LIMIT 1', (digest,)
            ).fetchone()
            if row is not None:
                bodies[digest] = bytes(row[0])
        missing = sorted(hashes - set(bodies))
        if missing:
            for digest, content in pg.execute(
                f'SELECT DISTINCT ON (sha256) sha256, content FROM "{table}" WHERE sha256 = ANY(%s)',
                (missing,), binary=True,
            ).fetchall():
                bodies[digest] = bytes(content)
        return [(*r[:-1], bodies.get(r[at_hash])) for r in rows]

    def _row_select(self, table: str) -> str:
        """``SELECT _xid, id, _ver, _hlc, <columns in the local encoding> FROM table`` (a pulled row)."""
        columns = self._select_list(table)
        types = self.layout.server_columns[table]
        select = ", ".join(
            "NULL::bytea" if c == capture.CONTENT_COLUMN and table in self.layout.content_tables
            else local_expression(c, types[c])
            for c in columns
        )
        return f'SELECT _xid::text::bigint, uuid_send(id), _ver, _hlc, {select} FROM "{table}"'

    def _refetch(
        self, pg: Any, tables: list[str], table_rows: dict[str, list[tuple[Any, ...]]],
        extras: dict[str, list[Any]],
    ) -> list[str]:
        """Rows whose refused local change the user discarded (``refetch:<table>``) come again from
        the server in this snapshot, so they show the server's values; one the server does not
        show (a refused insert) is removed here. Returns the meta keys to clear with the apply."""
        keys = []
        for table in tables:
            wanted = json.loads(capture.meta_get(self.db, f"refetch:{table}", "[]") or "[]")
            if not wanted:
                continue
            keys.append(f"refetch:{table}")
            ids = [uuid.UUID(hex=h) for h in wanted]
            rows = pg.execute(
                f"{self._row_select(table)} WHERE id = ANY(%s) ORDER BY id", (ids,), binary=True
            ).fetchall()
            if rows and table in self.layout.content_tables:
                rows = self._fill_bodies(pg, table, rows)
            table_rows.setdefault(table, []).extend(rows)
            found = {bytes(r[1]) for r in rows}
            extras.setdefault("hidden", []).extend((table, i) for i in ids if i.bytes not in found)
        return keys

    def _pages(
        self, pg: Any, table: str, cursor: int, horizon: int, resume: bool = False
    ) -> Iterator[Rows]:
        """The table's rows in ``cursor <= _xid < horizon``, page by page in ``(_xid, id)`` order
        (``resume``: after the position a bootstrap saved with its last page)."""
        last_xid: int = cursor
        last_id: uuid.UUID | None = None
        if resume:
            saved = capture.meta_get(self.db, f"page:{table}")
            if saved:
                xid_text, id_hex = saved.split(":")
                last_xid, last_id = int(xid_text), uuid.UUID(hex=id_hex)
        own = self.replica.own
        # this replica's own push transactions that left the table as held here are skipped
        for low, high in xid_ranges(cursor, horizon, own.xids.get(table, set())):
            if last_xid >= high:
                continue
            start = (last_xid, last_id) if last_xid >= low else (low, None)
            for rows in self._range_pages(pg, table, start, high):
                kept = [r for r in rows if not own.skips(table, bytes(r[1]), r[2])]
                if kept:
                    yield kept

    def _range_pages(
        self, pg: Any, table: str, start: tuple[int, uuid.UUID | None], high: int
    ) -> Iterator[Rows]:
        """Pages of the table's rows from ``start`` (a keyset position) to ``_xid < high``."""
        row_select = self._row_select(table)
        last_xid, last_id = start
        params: list[Any]
        while True:
            if last_id is None:
                where, params = "_xid >= %s::text::xid8", [last_xid]
            else:
                where, params = "(_xid, id) > (%s::text::xid8, %s)", [last_xid, last_id]
            rows = pg.execute(
                f"{row_select} WHERE {where} AND _xid < %s::text::xid8 ORDER BY _xid, id LIMIT %s",
                (*params, high, self.replica.pull_page),
                binary=True,
            ).fetchall()
            if not rows:
                return
            if table in self.layout.content_tables:
                rows = self._fill_bodies(pg, table, rows)
            yield rows
            last_xid, last_id = rows[-1][0], uuid.UUID(bytes=rows[-1][1])
            if len(rows) < self.replica.pull_page:
                return

    def _sync_rows(self, pg: Any, cursor: int, horizon: int) -> dict[str, list[tuple[Any, ...]]]:
        with pg.pipeline():  # three questions, one round trip
            asked = [pg.execute(
                f"{select} WHERE _xid >= %s::text::xid8 AND _xid < %s::text::xid8", (cursor, horizon)
            ) for select in (
                "SELECT id, tbl, row_id, field, kind, winner, loser, winner_device, loser_device, "
                "loser_login, created_at, resolved_at, resolved_by FROM sync.conflict",
                "SELECT tbl, row_id FROM sync.purged",
                "SELECT DISTINCT tbl, row_id FROM sync.visibility",
            )]
        conflicts, purged, moved = (c.fetchall() for c in asked)
        hidden: list[tuple[str, uuid.UUID]] = []
        rescope = self._rescoped(pg, cursor, horizon)
        if rescope:
            hidden.extend(self._no_longer_visible(pg))
        by_table: dict[str, list[uuid.UUID]] = {}
        for table, row_id in moved:
            if table in self.layout.server_columns:
                by_table.setdefault(table, []).append(row_id)
        for table, ids in by_table.items():  # still visible to this login under RLS?
            visible = {r[0] for r in pg.execute(
                f'SELECT id FROM "{table}" WHERE id = ANY(%s)', (ids,)).fetchall()}
            hidden.extend((table, i) for i in ids if i not in visible)
        return {"conflicts": conflicts, "purged": purged, "hidden": hidden,
                "rescope": [(True,)] if rescope else []}

    def _scoped_tables(self) -> list[str]:
        """The pulled tables whose rows not every login sees (the server's read rule is not
        "everything"): those a change of rights can take rows out of, or bring rows into."""
        from desktop_crm.sync.policies import table_policies

        result = []
        for table in self.layout.pulled_tables():
            rules = table_policies(table)
            if rules is None or rules[0] != "true":
                result.append(table)
        return result

    def _rescoped(self, pg: Any, cursor: int, horizon: int) -> bool:
        """Whether a change of who sees what (a role, its scopes, a team) happened in the window."""
        if cursor == 0 or pg.execute("SELECT to_regclass('sync.rescope')").fetchone()[0] is None:
            return False  # a first download takes the current scope anyway
        return bool(pg.execute(
            "SELECT EXISTS (SELECT 1 FROM sync.rescope WHERE _xid >= %s::text::xid8 "
            "AND _xid < %s::text::xid8)", (cursor, horizon)).fetchone()[0])

    def _no_longer_visible(self, pg: Any) -> list[tuple[str, uuid.UUID]]:
        """The rows this replica holds that the server no longer shows this login."""
        hidden: list[tuple[str, uuid.UUID]] = []
        for table in self._scoped_tables():
            local = [uuid.UUID(bytes=bytes(r[0])) for r in execute_sql(
                self.db, f'SELECT id FROM "{table}"').fetchall()]
            for start in range(0, len(local), RESCOPE_CHUNK):
                chunk = local[start:start + RESCOPE_CHUNK]
                visible = {r[0] for r in pg.execute(
                    f'SELECT id FROM "{table}" WHERE id = ANY(%s)', (chunk,)).fetchall()}
                hidden.extend((table, i) for i in chunk if i not in visible)
        return hidden

    def _pending_fields(self, table: str) -> dict[bytes, set[str]]:
        pending: dict[bytes, set[str]] = {}
        for row_id, fields in execute_sql(
            self.db,
            "SELECT row_id, fields FROM _outbox WHERE tbl = ? UNION ALL "
            "SELECT row_id, fields FROM _outbox_parked WHERE tbl = ?",
            (table, table),
        ):
            pending.setdefault(bytes(row_id), set()).update(json.loads(fields))
        return pending

    def _apply(
        self,
        table_rows: dict[str, list[tuple[Any, ...]]],
        horizon: int | None,
        extras: dict[str, list[tuple[Any, ...]]] | None = None,
        page_of: str | None = None,
        refetched: list[str] | None = None,
    ) -> tuple[int, int]:
        """Write pulled rows in one SQLite transaction (with the cursors or the page position)."""
        new_conflicts = purged = 0
        with self.db.atomic("IMMEDIATE"):
            execute_sql(self.db, "PRAGMA defer_foreign_keys = ON")
            with capture.applying(self.db):
                max_hlc = 0
                for table, rows in table_rows.items():
                    max_hlc = max(max_hlc, self._upsert(table, rows))
                if max_hlc:
                    execute_sql(
                        self.db, "UPDATE _sync_meta SET v = hlc_recv(v, ?) WHERE k = 'hlc'", (max_hlc,)
                    )
                if extras:
                    new_conflicts = self._mirror_conflicts(extras["conflicts"])
                    purged = self._purge_local(extras["purged"])
                    self._evict(extras.get("hidden", []))
            if page_of is not None:
                last = table_rows[page_of][-1]
                capture.meta_set(self.db, f"page:{page_of}", f"{last[0]}:{bytes(last[1]).hex()}")
            if horizon is not None:
                for table in self.layout.server_columns:
                    if table in self.layout.local_columns:
                        current = int(capture.meta_get(self.db, f"cursor:{table}", 0) or 0)
                        if current < horizon:
                            capture.meta_set(self.db, f"cursor:{table}", horizon)
                capture.meta_set(self.db, "cursor:_sync", horizon)
            for key in refetched or ():
                execute_sql(self.db, "DELETE FROM _sync_meta WHERE k = ?", (key,))
        return new_conflicts, purged

    def _is_empty(self, table: str) -> bool:
        return execute_sql(self.db, f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is None

    def _download_table(
        self, pg: Any, table: str, cursor: int, horizon: int, done: int, total: int,
        progress: Callable[[int, int, str], None] | None,
    ) -> int:
        """First download of a table that is empty here: one SQLite transaction for the table, with
        its secondary indexes and full-text trigger set aside and rebuilt in bulk at the end (sorted
        index builds instead of row-by-row maintenance). A crash rolls the whole table back, indexes
        included (DDL is transactional in SQLite); the download then restarts at this table."""
        count = 0
        with self.db.atomic("IMMEDIATE"):
            indexes = execute_sql(
                self.db,
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL",
                (table,),
            ).fetchall()
            for name, _sql in indexes:
                execute_sql(self.db, f'DROP INDEX "{name}"')
            bulk = self._bulk_search_index(table)
            if bulk is not None:
                execute_sql(self.db, f'DROP TRIGGER "{bulk[0]}"')
            max_hlc = 0
            with capture.applying(self.db):
                for page in self._pages(pg, table, cursor, horizon):
                    max_hlc = max(max_hlc, self._upsert(table, page, search_index=False))
                    count += len(page)
                    if progress:
                        progress(done + count, total, _("Downloading {table}…").format(table=table))
                    self.replica.checkpoint("between_pull_pages")
                if max_hlc:
                    execute_sql(
                        self.db, "UPDATE _sync_meta SET v = hlc_recv(v, ?) WHERE k = 'hlc'", (max_hlc,)
                    )
            for _name, sql in indexes:
                execute_sql(self.db, sql)
            if bulk is not None:
                execute_sql(self.db, bulk[1])
                execute_sql(self.db, bulk[2], (0,))
            capture.meta_set(self.db, f"cursor:{table}", horizon)
            capture.meta_set(self.db, f"page:{table}", None)
        return count

    def _upsert(self, table: str, rows: list[tuple[Any, ...]], search_index: bool = True) -> int:
        columns = self._select_list(table)
        pending = self._pending_fields(table)
        names = ["id", "_ver", "_hlc", *columns]
        quoted = ", ".join(f'"{n}"' for n in names)
        marks = ", ".join("?" for _n in names)
        plain_set = ", ".join(f'"{n}" = excluded."{n}"' for n in names[1:])
        plain = (
            f'INSERT INTO "{table}" ({quoted}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE SET '
            f'{plain_set} WHERE excluded."_ver" >= "{table}"."_ver"'
        )
        batch = []
        max_hlc = 0
        for row in rows:  # already in the local encoding (converted by the server's query)
            values = row[1:]
            if row[3] > max_hlc:
                max_hlc = row[3]
            mine = pending.get(row[1]) if pending else None
            if not mine:
                batch.append(values)
                continue
            keep = [n for n in names[1:] if n not in mine]
            overlay_set = ", ".join(f'"{n}" = excluded."{n}"' for n in keep)
            execute_sql(
                self.db,
                f'INSERT INTO "{table}" ({quoted}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE SET '
                f'{overlay_set} WHERE excluded."_ver" >= "{table}"."_ver"',
                values,
            )
        if batch:
            bulk = (
                self._bulk_search_index(table) if search_index and len(batch) >= BULK_ROWS else None
            )
            if bulk is None:
                _executemany(self.db, plain, batch)
            else:
                # many new rows: fill the full-text index in one set-based statement afterwards
                # instead of row by row from its trigger (about 4x faster); same transaction, and
                # the trigger is restored exactly as it was
                name, trigger_sql, fill_sql = bulk
                (before,) = execute_sql(self.db, f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()
                execute_sql(self.db, f'DROP TRIGGER "{name}"')
                _executemany(self.db, plain, batch)
                execute_sql(self.db, trigger_sql)
                execute_sql(self.db, fill_sql, (before,))
        return max_hlc

    def _bulk_search_index(self, table: str) -> tuple[str, str, str] | None:
        """``(trigger, its SQL, a set-based fill)`` for a table's FTS insert trigger, if it has the
        simple ``INSERT INTO fts(cols) VALUES (new.a, …)`` form; ``None`` otherwise."""
        row = execute_sql(
            self.db, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            (f"{table}_fts_ai",),
        ).fetchone()
        if row is None:
            return None
        match = _FTS_INSERT.search(row[1])
        if match is None:
            return None
        target, columns, values = match.groups()
        select = re.sub(r"\bnew\.", "", values, flags=re.IGNORECASE)
        fill = f'INSERT INTO {target}({columns}) SELECT {select} FROM "{table}" WHERE rowid > ?'
        return row[0], row[1], fill

    def _mirror_conflicts(self, rows: list[tuple[Any, ...]]) -> int:
        new = 0
        for (cid, tbl, row_id, fld, kind, winner, loser, wdev, ldev, llogin, created, resolved,
             resolved_by) in rows:
            exists = execute_sql(self.db, "SELECT 1 FROM _conflict WHERE id = ?", (cid.bytes,)).fetchone()
            new += exists is None
            execute_sql(
                self.db,
                "INSERT INTO _conflict (id, tbl, row_id, field, winner, loser, winner_device, "
                "loser_device, loser_login, kind, created_at, resolved_at, resolved_by) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "resolved_at = coalesce(_conflict.resolved_at, excluded.resolved_at), "
                "resolved_by = coalesce(_conflict.resolved_by, excluded.resolved_by)",
                (
                    cid.bytes, tbl, row_id.bytes, fld, json.dumps(winner, ensure_ascii=False),
                    json.dumps(loser, ensure_ascii=False), wdev.bytes if wdev else None,
                    ldev.bytes if ldev else None, llogin, kind, created.isoformat(),
                    resolved.isoformat() if resolved else None, resolved_by,
                ),
            )
        return new

    def _evict(self, rows: list[tuple[str, uuid.UUID]]) -> int:
        """Remove rows that left this login's scope, with everything hanging off them.

        Pending local changes to them cannot be applied any more (the server would refuse them
        under RLS): they are parked with an explanation, never dropped silently.
        """
        if not rows:
            return 0
        children: dict[str, list[tuple[str, str]]] = {}
        for table in self.layout.local_columns:
            for fk in execute_sql(self.db, f'PRAGMA foreign_key_list("{table}")').fetchall():
                children.setdefault(fk[2], []).append((table, fk[3]))
        queue = [(t, i.bytes) for t, i in rows]
        doomed: list[tuple[str, bytes]] = []
        seen: set[tuple[str, bytes]] = set()
        while queue:
            table, key = queue.pop()
            if (table, key) in seen:
                continue
            seen.add((table, key))
            doomed.append((table, key))
            for child, column in children.get(table, []):
                for (child_id,) in execute_sql(
                    self.db, f'SELECT id FROM "{child}" WHERE "{column}" = ?', (key,)
                ).fetchall():
                    queue.append((child, bytes(child_id)))
        now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        for table, key in doomed:
            execute_sql(
                self.db,
                "INSERT OR REPLACE INTO _outbox_parked (seq, tbl, row_id, op, base_ver, hlc, fields, "
                "schema_version, created_at, error, parked_at, tx) SELECT seq, tbl, row_id, op, "
                "base_ver, hlc, fields, schema_version, created_at, ?, ?, tx FROM _outbox "
                "WHERE tbl = ? AND row_id = ?",
                ("the record is no longer visible to you", now_ms, table, key),
            )
            execute_sql(self.db, "DELETE FROM _outbox WHERE tbl = ? AND row_id = ?", (table, key))
            execute_sql(self.db, f'DELETE FROM "{table}" WHERE id = ?', (key,))
        return len(doomed)

    def _purge_local(self, rows: list[tuple[Any, ...]]) -> int:
        count = 0
        for tbl, row_id in rows:
            if tbl in self.layout.local_columns:
                cursor = execute_sql(self.db, f'DELETE FROM "{tbl}" WHERE id = ?', (row_id.bytes,))
                count += cursor.rowcount
        return count


def _executemany(db: peewee.Database, sql: str, rows: list[Any]) -> None:
    """Rows straight to the sqlite3 connection (no round through peewee per row)."""
    connection: Callable[[], sqlite3.Connection] = db.connection  # peewee leaves it unannotated
    connection().executemany(sql, rows)
