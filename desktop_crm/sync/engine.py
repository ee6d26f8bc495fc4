"""One sync round of a SQLite replica against the shared PostgreSQL: push, then pull.

**Push** (sync.md §2.7): the outbox is read in ``seq`` order, a batch extended to the end of the
local transaction of its last entry (``_outbox.tx``), and coalesced per row and field (last
value, highest HLC, lowest base version). One server transaction per batch: version gate, lock the
device row, skip ``seq <= last_pushed_seq`` (so a retry after a lost acknowledgement applies nothing
twice), lock the target rows, merge field by field, write, record conflicts, revive parents that a
live child needs, advance ``last_pushed_seq``, commit. Only then are the entries deleted locally.

A field *conflicts* when the server changed it after the client's base version and the change came
from another device. The winner is the larger ``(hlc, origin)``; the loser's value is kept in
``sync.conflict`` (and mirrored locally by the next pull). Fields nobody else touched merge silently.
Entries the server refuses for good (a rule, a permission) are parked in ``_outbox_parked`` with the
server's message, one row at a time, so the rest keeps syncing.

**Pull** (§2.8): one ``REPEATABLE READ`` snapshot; rows with ``cursor <= _xid < horizon`` where the
horizon is ``pg_snapshot_xmin(pg_current_snapshot())``: every transaction below it has finished, so a
transaction that commits late can never be skipped (the "seq > last" poller loses it). The rows are
applied in one SQLite transaction together with the new cursor, with capture silenced; fields that
still have local pending changes keep their local value (overlay). A first download (bootstrap)
commits page by page with its keyset position instead, so it can resume after a crash.

Values cross the wire in the *local encoding* (UUIDs and blobs as hex text, booleans as 0/1,
timestamps as ISO text, money as integer minor units), exactly as the capture triggers write them,
so money moves as the same integers on both sides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee

from desktop_crm import __version__
from desktop_crm.i18n import _
from desktop_crm.ids import uuid7
from desktop_crm.sync import capture, server
from desktop_crm.sync import hlc as hlc_mod
from desktop_crm.sync.server import ClockOffError, SyncError

log = logging.getLogger(__name__)

PUSH_BATCH = 20_000
BULK_ROWS = 200
_FTS_INSERT = re.compile(
    r"BEGIN\s+INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)\s*VALUES\s*\(([^)]*)\)\s*;\s*END\s*$",
    re.IGNORECASE,
)
PULL_PAGE = 5_000
# A server that keeps the TCP connection but stops answering (sync.md §2.14, black hole) fails the
# round after this long without a reply; PostgreSQL's own statement_timeout (120 s in a push) covers a
# slow but live server, so this only has to outlast a normal reply.
RESPONSE_TIMEOUT_S = 90.0
INTEGER_TYPES = {"integer", "bigint", "smallint"}


@dataclass
class SyncResult:
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    parked: int = 0  # refused for good in this round
    parked_total: int = 0  # refused changes kept aside in the replica after this round
    purged: int = 0
    bootstrapped: bool = False
    horizon: int = 0
    clock_offset_ms: int = 0  # this computer's clock minus the server's, measured this round
    details: dict[str, Any] = field(default_factory=dict)


class CrashPoint(Exception):
    """Raised by a test's crash hook to stop a round at a named point (simulated process death)."""


def _crash_point_from_environment() -> Callable[[str], None] | None:
    """``CRM_SYNC_CRASH_AT=<point>`` makes the process die there with ``os._exit`` (no cleanup, like
    a kill): the fault-injection hook of sync.md §3.2 for tests that run the real command."""
    target = os.environ.get("CRM_SYNC_CRASH_AT")
    if not target:
        return None

    def die(point: str) -> None:
        if point == target:
            os._exit(137)

    return die


# --- value conversion ------------------------------------------------------------------------


def to_server(value: Any, data_type: str) -> Any:
    """A value in the local encoding → the Python value psycopg sends for ``data_type``."""
    if value is None:
        return None
    if data_type == "uuid":
        return uuid.UUID(hex=value) if isinstance(value, str) else uuid.UUID(bytes=bytes(value))
    if data_type == "bytea":
        return bytes.fromhex(value) if isinstance(value, str) else bytes(value)
    if data_type == "boolean":
        return bool(value)
    if data_type.startswith("timestamp"):
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if data_type == "date":
        return dt.date.fromisoformat(value) if isinstance(value, str) else value
    if data_type in INTEGER_TYPES:
        return int(value)
    return value


def to_local(value: Any) -> Any:
    """A value read from PostgreSQL → what SQLite stores (what the app's fields write)."""
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return value.bytes
    if isinstance(value, (bytes, memoryview, bytearray)):
        return bytes(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _local_expression(column: str, data_type: str) -> str:
    """SQL that makes PostgreSQL return a column already in SQLite's encoding, so a pulled row goes
    into ``executemany`` as it arrives (no per-value Python conversion). Mirrors :func:`to_local`:
    UUIDs as 16 bytes, booleans as 0/1, timestamps as ``datetime.isoformat(" ")`` text (fraction
    only when not zero), dates as ISO text."""
    ref = f'"{column}"'
    if data_type == "uuid":
        return f"uuid_send({ref})"
    if data_type == "boolean":
        return f"{ref}::int"
    if data_type == "timestamp without time zone":
        return (
            f"CASE WHEN extract(microseconds FROM {ref})::bigint %% 1000000 = 0 "
            f"THEN to_char({ref}, 'YYYY-MM-DD HH24:MI:SS') "
            f"ELSE to_char({ref}, 'YYYY-MM-DD HH24:MI:SS.US') END"
        )
    if data_type == "date":
        return f"to_char({ref}, 'YYYY-MM-DD')"
    return ref


def to_wire(value: Any) -> Any:
    """A local value → JSON (the outbox encoding: blobs as upper-case hex)."""
    value = to_local(value)
    if isinstance(value, bytes):
        return value.hex().upper()
    return value


# --- the replica -------------------------------------------------------------------------------


class Replica:
    """A SQLite replica of the shared PostgreSQL, bound to its peewee database object."""

    def __init__(
        self,
        db: peewee.Database,
        server_url: str,
        app_version: str = __version__,
        crash_hook: Callable[[str], None] | None = None,
        push_batch: int = PUSH_BATCH,
        pull_page: int = PULL_PAGE,
        keep_connection: bool = False,
        connect_timeout: float | None = None,
        response_timeout: float = RESPONSE_TIMEOUT_S,
    ) -> None:
        from desktop_crm.sync.credentials import CONNECT_TIMEOUT_S

        self.connect_timeout = connect_timeout or CONNECT_TIMEOUT_S
        self.response_timeout = response_timeout
        self.db = getattr(db, "obj", db)
        self.server_url = server_url
        self.app_version = app_version
        self.crash_hook = crash_hook or _crash_point_from_environment()
        self.push_batch = push_batch
        self.pull_page = pull_page
        self.keep_connection = keep_connection
        self._pg: Any = None
        self._schema_key: tuple[Any, Any] | None = None
        self._content_tables: set[str] = set()
        self.clock_offset_ms = 0
        capture.make_replica(self.db)
        self.device = capture.device_id(self.db)

    # -- helpers --

    def _crash(self, point: str) -> None:
        if self.crash_hook is not None:
            self.crash_hook(point)

    def connect(self) -> Any:
        from desktop_crm._drivers import load_psycopg

        try:
            return server.connect(
                self.server_url, application_name=f"crm-sync/{self.device}",
                connect_timeout=max(2, round(self.connect_timeout)),
                response_timeout=self.response_timeout,
            )
        except load_psycopg().OperationalError as error:
            if "timeout expired" in str(error):
                raise SyncError(
                    _("The server did not answer within {seconds} s. Check the network connection; "
                      "your changes are kept and sync will try again.").format(
                        seconds=max(2, round(self.connect_timeout)))
                ) from error
            raise

    def _silent_server(self) -> SyncError | None:
        """The error to show when the connection was closed for want of a reply (black hole)."""
        seconds = getattr(self._pg, "crm_timed_out", None)
        if seconds is None:
            return None
        return SyncError(
            _("The server stopped answering (no reply within {seconds} s). Your changes are kept; "
              "sync will try again.").format(seconds=f"{seconds:g}")
        )

    # -- the round --

    def sync(self, progress: Callable[[int, int, str], None] | None = None) -> SyncResult:
        """Push everything pending, then pull; raises :class:`SyncError` with a user message.

        With ``keep_connection`` the server connection stays open between rounds (the app keeps
        one while online); otherwise each round connects and disconnects.
        """
        result = SyncResult()
        from desktop_crm._drivers import load_psycopg

        psycopg = load_psycopg()
        try:
            pg = self._connection()
            self._prepare(pg)
            result.clock_offset_ms = self.clock_offset_ms
            while True:
                pushed, parked, more = self.push(pg)
                result.pushed += pushed
                result.parked += parked
                if not more:
                    break
            self._push_resolutions(pg)
            pull = self.pull(pg, progress=progress)
            result.details = pull.details
            result.pulled = pull.pulled
            result.conflicts = pull.conflicts
            result.purged = pull.purged
            result.bootstrapped = pull.bootstrapped
            result.horizon = pull.horizon
            result.parked_total = int(
                self.db.execute_sql("SELECT count(*) FROM _outbox_parked").fetchone()[0]
            )
        except psycopg.OperationalError as error:
            silent = self._silent_server()
            self.close()
            if silent is not None:
                raise silent from error
            raise SyncError(
                _("Cannot reach the server: {reason}").format(reason=str(error).strip())
            ) from error
        except BaseException as error:
            silent = self._silent_server()
            self.close()
            if silent is not None and not isinstance(error, SyncError):
                raise silent from error
            raise
        if not self.keep_connection:
            self.close()
        return result

    def _push_resolutions(self, pg: Any) -> None:
        """Conflicts the user resolved here (keep mine / keep theirs) are marked on the server."""
        ids = [
            uuid.UUID(bytes=bytes(r[0]))
            for r in self.db.execute_sql("SELECT id FROM _conflict WHERE resolved_by = 'local'")
        ]
        if not ids:
            return
        with pg.transaction():
            (login,) = pg.execute("SELECT session_user").fetchone()
            pg.execute(
                "UPDATE sync.conflict SET resolved_at = now(), resolved_by = session_user "
                "WHERE id = ANY(%s) AND resolved_at IS NULL",
                (ids,),
            )
        with self.db.atomic("IMMEDIATE"):
            self.db.execute_sql(
                "UPDATE _conflict SET resolved_by = ? WHERE resolved_by = 'local'", (login,)
            )

    def _connection(self) -> Any:
        if self._pg is None or self._pg.closed or self._pg.broken:
            self._pg = self.connect()
        return self._pg

    def close(self) -> None:
        if self._pg is not None:
            try:
                self._pg.close()
            finally:
                self._pg = None

    def _prepare(self, pg: Any) -> None:
        """Version gate, clock check and device registration, before any write."""
        with pg.transaction():
            schema_version, _minimum = server.check_compatible(pg, self.app_version)
            self._check_clock(pg)
            local_version = capture.meta_get(self.db, "schema_version")
            key = (schema_version, local_version)
            if self._schema_key != key:  # read the table layout once per schema pair
                self._columns = server.server_columns(pg)
                self._local_columns = {
                    t: dict(capture.field_columns(self.db, t)) for t in capture.synced_tables(self.db)
                }
                self._fks = foreign_keys(pg)
                self._content_tables = set(
                    server.content_tables(pg, list(self._columns))
                ) & set(self._local_columns)
                self._schema_key = key
            pg.execute(
                "INSERT INTO sync.device (device_id, app_version, last_seen) VALUES (%s, %s, now()) "
                "ON CONFLICT (device_id) DO UPDATE SET app_version = excluded.app_version, "
                "last_seen = now()",
                (self.device, self.app_version),
            )

    def _check_clock(self, pg: Any) -> None:
        """Refuse to sync (nothing written, nothing lost) when this computer's clock is off by more
        than the drift bound: the server would refuse its stamps when ahead, and when behind, its
        edits would lose every concurrent conflict. Once the clock is right again, pending entries
        stamped while it ran ahead are restamped, or the server would keep refusing them."""
        clock = capture.clock_of(self.db)
        offset = server.server_clock_offset(pg, clock)
        self.clock_offset_ms = offset
        if abs(offset) > hlc_mod.MAX_DRIFT_MS:
            raise ClockOffError(offset)
        server_ms = hlc_mod.physical_ms(clock) - offset
        limit = hlc_mod.pack(server_ms + hlc_mod.MAX_DRIFT_MS, 0)
        (pending_max,) = self.db.execute_sql("SELECT coalesce(max(hlc), 0) FROM _outbox").fetchone()
        state = int(capture.meta_get(self.db, "hlc", 0) or 0)
        if max(int(pending_max), state) > limit:
            restamped = capture.rebase_future_stamps(
                self.db, limit, hlc_mod.pack(hlc_mod.physical_ms(clock), 0)
            )
            log.warning("clock was ahead: %d pending changes restamped", restamped)

    # -- push --

    def push(self, pg: Any) -> tuple[int, int, bool]:
        """Push one batch; returns (entries applied, entries parked, more pending).

        A local transaction is one user action: when the server refuses one of its changes for
        good, all of its changes are held back together (parked), so the server never shows part
        of an action (the deal without its lines, an issued invoice's files without the issue).
        """
        entries = capture.iter_outbox(self.db, self.push_batch)
        if not entries:
            return 0, 0, False
        max_seq = entries[-1][0]
        txs = dict(self.db.execute_sql(
            "SELECT seq, tx FROM _outbox WHERE seq BETWEEN ? AND ?", (entries[0][0], max_seq)
        ).fetchall())
        parked: dict[int, str] = {}
        held: dict[int, str] = {}
        applied = 0
        from desktop_crm._drivers import load_psycopg

        psycopg = load_psycopg()
        isolated = False
        while True:
            try:
                with pg.transaction():
                    applied, parked = self._push_transaction(pg, entries, max_seq, isolated, held)
                    more = _same_transactions(parked, txs)
                    if set(more) - set(parked):
                        raise _HoldBack(more)  # roll back; push again without those actions
                break
            except _HoldBack as hold:
                held.update(hold.seqs)
            except (psycopg.errors.IntegrityError, psycopg.errors.InsufficientPrivilege,
                    psycopg.errors.RaiseException, psycopg.errors.DataError) as error:
                if server.is_clock_refusal(error):  # kept, not parked: fix the clock and retry
                    raise ClockOffError(None) from error
                if isolated:
                    raise
                isolated = True
                log.info("push refused (%s); retrying row by row to park the offenders", error)
        self._crash("after_server_commit")
        with self.db.atomic("IMMEDIATE"):
            if parked:
                now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
                for seq, error in parked.items():
                    self.db.execute_sql(
                        "INSERT OR REPLACE INTO _outbox_parked (seq, tbl, row_id, op, base_ver, hlc, "
                        "fields, schema_version, created_at, error, parked_at, tx) SELECT seq, tbl, "
                        "row_id, op, base_ver, hlc, fields, schema_version, created_at, ?, ?, tx "
                        "FROM _outbox WHERE seq = ?",
                        (error, now_ms, seq),
                    )
            self.db.execute_sql("DELETE FROM _outbox WHERE seq <= ?", (max_seq,))
        return applied, len(parked), len(entries) >= self.push_batch

    def _push_transaction(
        self, pg: Any, entries: list[tuple[Any, ...]], max_seq: int, isolated: bool,
        held: dict[int, str] | None = None,
    ) -> tuple[int, dict[int, str]]:
        """The server side of a push; returns (entries applied, {seq: reason} refused for good).

        ``held`` entries are not sent (another change of their action was refused) but count as
        refused. What is refused is written into ``sync.push_log`` with the batch, so a retry after
        a lost acknowledgement learns it again instead of dropping those entries unparked."""
        from psycopg.types.json import Jsonb

        held = held or {}
        pg.execute("SET LOCAL lock_timeout = '5s'")
        pg.execute("SET LOCAL statement_timeout = '120s'")
        server.check_compatible(pg, self.app_version)
        row = pg.execute(
            "SELECT last_pushed_seq FROM sync.device WHERE device_id = %s FOR UPDATE", (self.device,)
        ).fetchone()
        if row is None:
            raise SyncError(_("This device is not registered on the server."))
        last = int(row[0])
        highest_issued = self.db.execute_sql(
            "SELECT seq FROM sqlite_sequence WHERE name = '_outbox'"
        ).fetchone()
        if highest_issued is not None and last > int(highest_issued[0]):
            raise ReplicaRestored(last, int(highest_issued[0]))
        fresh = [e for e in entries if e[0] > last]
        todo = [e for e in fresh if e[0] not in held]
        parked: dict[int, str] = {s: r for s, r in held.items() if s > last}
        if fresh[:1] != entries[:1]:  # part of the batch was acknowledged before (lost reply)
            parked.update(self._refused_before(pg, entries[0][0], min(last, max_seq)))
        if todo:
            if isolated:
                pg.execute("SET CONSTRAINTS ALL IMMEDIATE")
            merger = Merger(self, pg)
            parked.update(merger.apply(todo, isolated))
        if fresh:
            refused = {str(s): r for s, r in parked.items() if s > last}
            pg.execute(
                "INSERT INTO sync.push_log (device_id, seq_from, seq_to, n, parked) "
                "VALUES (%s, %s, %s, %s, %s)",
                (self.device, fresh[0][0], max_seq, len(fresh), Jsonb(refused) if refused else None),
            )
        pg.execute(
            "UPDATE sync.device SET last_pushed_seq = greatest(last_pushed_seq, %s), last_seen = now() "
            "WHERE device_id = %s",
            (max_seq, self.device),
        )
        return len(todo) - len([s for s in parked if s > last and s not in held]), parked

    def _refused_before(self, pg: Any, low: int, high: int) -> dict[int, str]:
        refused: dict[int, str] = {}
        for (entries,) in pg.execute(
            "SELECT parked FROM sync.push_log WHERE device_id = %s AND parked IS NOT NULL "
            "AND seq_to >= %s AND seq_from <= %s",
            (self.device, low, high),
        ).fetchall():
            for seq_text, reason in entries.items():
                if low <= int(seq_text) <= high:
                    refused[int(seq_text)] = reason
        return refused

    # -- pull --

    def pull(
        self, pg: Any, progress: Callable[[int, int, str], None] | None = None
    ) -> SyncResult:
        result = SyncResult()
        tables = [t for t in self._columns if t in self._local_columns]
        cursors = {t: int(capture.meta_get(self.db, f"cursor:{t}", 0) or 0) for t in tables}
        # a first download (or a table reset after a migration or a discarded refusal, or a
        # download interrupted by a crash) goes table by table and page by page, resumable
        bootstrap = any(c == 0 for c in cursors.values())
        result.bootstrapped = bootstrap
        meta_cursor = int(capture.meta_get(self.db, "cursor:_sync", 0) or 0)
        with pg.transaction():
            pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            (horizon,) = pg.execute(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
            ).fetchone()
            result.horizon = horizon
            if bootstrap:
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
                            self._crash("between_pull_pages")
                        with self.db.atomic("IMMEDIATE"):
                            capture.meta_set(self.db, f"cursor:{table}", horizon)
                            capture.meta_set(self.db, f"page:{table}", None)
                    extras = self._sync_rows(pg, meta_cursor, horizon)
                    result.conflicts, result.purged = self._apply({}, horizon, extras=extras)
                    result.details["tables"] = list(tables)
                finally:
                    self._set_foreign_keys(True)
                problems = self.db.execute_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    log.warning("foreign key problems after bootstrap: %s", problems[:10])
            else:
                table_rows: dict[str, list[tuple[Any, ...]]] = {}
                for table in tables:
                    if cursors[table] >= horizon:
                        continue
                    rows: list[tuple[Any, ...]] = []
                    for page in self._pages(pg, table, cursors[table], horizon):
                        rows.extend(page)
                        self._crash("between_pull_pages")
                    if rows:
                        table_rows[table] = rows
                    result.pulled += len(rows)
                extras = self._sync_rows(pg, meta_cursor, horizon)
                refetched = self._refetch(pg, tables, table_rows, extras)
                result.conflicts, result.purged = self._apply(
                    table_rows, horizon, extras=extras, refetched=refetched
                )
                result.details["tables"] = sorted(table_rows)
        with pg.transaction():
            pg.execute(
                "UPDATE sync.device SET last_pulled_xid = %s::text::xid8, last_seen = now() "
                "WHERE device_id = %s AND (last_pulled_xid IS NULL OR last_pulled_xid < %s::text::xid8)",
                (horizon, self.device, horizon),
            )
        return result

    def _set_foreign_keys(self, on: bool) -> None:
        self.db.execute_sql(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")

    def _count_rows(self, pg: Any, tables: list[str], horizon: int) -> int:
        total = 0
        for table in tables:
            (n,) = pg.execute(
                f'SELECT count(*) FROM "{table}" WHERE _xid < %s::text::xid8', (horizon,)
            ).fetchone()
            total += n
        return total

    def _select_list(self, table: str) -> list[str]:
        local = self._local_columns[table]
        columns = [c for c in self._columns[table] if c in local and c != "id"]
        if table in self._content_tables:
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
            row = self.db.execute_sql(
                f'SELECT content FROM "{table}" WHERE sha256 = ? LIMIT 1', (digest,)
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
        types = self._columns[table]
        select = ", ".join(
            "NULL::bytea" if c == capture.CONTENT_COLUMN and table in self._content_tables
            else _local_expression(c, types[c])
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
            if rows and table in self._content_tables:
                rows = self._fill_bodies(pg, table, rows)
            table_rows.setdefault(table, []).extend(rows)
            found = {bytes(r[1]) for r in rows}
            extras.setdefault("hidden", []).extend((table, i) for i in ids if i.bytes not in found)
        return keys

    def _pages(
        self, pg: Any, table: str, cursor: int, horizon: int, resume: bool = False
    ) -> Any:
        row_select = self._row_select(table)
        last_xid, last_id = cursor, None
        if resume:
            saved = capture.meta_get(self.db, f"page:{table}")
            if saved:
                xid_text, id_hex = saved.split(":")
                last_xid, last_id = int(xid_text), uuid.UUID(hex=id_hex)
        while True:
            if last_id is None:
                where, params = "_xid >= %s::text::xid8", [last_xid]
            else:
                where, params = "(_xid, id) > (%s::text::xid8, %s)", [last_xid, last_id]
            rows = pg.execute(
                f"{row_select} WHERE {where} AND _xid < %s::text::xid8 ORDER BY _xid, id LIMIT %s",
                (*params, horizon, self.pull_page),
                binary=True,
            ).fetchall()
            if not rows:
                return
            if table in self._content_tables:
                rows = self._fill_bodies(pg, table, rows)
            yield rows
            last_xid, last_id = rows[-1][0], uuid.UUID(bytes=rows[-1][1])
            if len(rows) < self.pull_page:
                return

    def _sync_rows(self, pg: Any, cursor: int, horizon: int) -> dict[str, list[tuple[Any, ...]]]:
        conflicts = pg.execute(
            "SELECT id, tbl, row_id, field, kind, winner, loser, winner_device, loser_device, "
            "loser_login, created_at, resolved_at, resolved_by FROM sync.conflict "
            "WHERE _xid >= %s::text::xid8 AND _xid < %s::text::xid8",
            (cursor, horizon),
        ).fetchall()
        purged = pg.execute(
            "SELECT tbl, row_id FROM sync.purged WHERE _xid >= %s::text::xid8 AND _xid < %s::text::xid8",
            (cursor, horizon),
        ).fetchall()
        moved = pg.execute(
            "SELECT DISTINCT tbl, row_id FROM sync.visibility "
            "WHERE _xid >= %s::text::xid8 AND _xid < %s::text::xid8",
            (cursor, horizon),
        ).fetchall()
        hidden: list[tuple[str, uuid.UUID]] = []
        by_table: dict[str, list[uuid.UUID]] = {}
        for table, row_id in moved:
            if table in self._columns:
                by_table.setdefault(table, []).append(row_id)
        for table, ids in by_table.items():  # still visible to this login under RLS?
            visible = {r[0] for r in pg.execute(
                f'SELECT id FROM "{table}" WHERE id = ANY(%s)', (ids,)).fetchall()}
            hidden.extend((table, i) for i in ids if i not in visible)
        return {"conflicts": conflicts, "purged": purged, "hidden": hidden}

    def _pending_fields(self, table: str) -> dict[bytes, set[str]]:
        pending: dict[bytes, set[str]] = {}
        for row_id, fields in self.db.execute_sql(
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
            self.db.execute_sql("PRAGMA defer_foreign_keys = ON")
            with capture.applying(self.db):
                max_hlc = 0
                for table, rows in table_rows.items():
                    max_hlc = max(max_hlc, self._upsert(table, rows))
                if max_hlc:
                    self.db.execute_sql(
                        "UPDATE _sync_meta SET v = hlc_recv(v, ?) WHERE k = 'hlc'", (max_hlc,)
                    )
                if extras:
                    new_conflicts = self._mirror_conflicts(extras["conflicts"])
                    purged = self._purge_local(extras["purged"])
                    self._evict(extras.get("hidden", []))
            if page_of is not None:
                last = table_rows[page_of][-1]
                capture.meta_set(self.db, f"page:{page_of}", f"{last[0]}:{bytes(last[1]).hex()}")
            if horizon is not None:
                for table in self._columns:
                    if table in self._local_columns:
                        current = int(capture.meta_get(self.db, f"cursor:{table}", 0) or 0)
                        if current < horizon:
                            capture.meta_set(self.db, f"cursor:{table}", horizon)
                capture.meta_set(self.db, "cursor:_sync", horizon)
            for key in refetched or ():
                self.db.execute_sql("DELETE FROM _sync_meta WHERE k = ?", (key,))
        return new_conflicts, purged

    def _is_empty(self, table: str) -> bool:
        return self.db.execute_sql(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is None

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
            indexes = self.db.execute_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL",
                (table,),
            ).fetchall()
            for name, _sql in indexes:
                self.db.execute_sql(f'DROP INDEX "{name}"')
            bulk = self._bulk_search_index(table)
            if bulk is not None:
                self.db.execute_sql(f'DROP TRIGGER "{bulk[0]}"')
            max_hlc = 0
            with capture.applying(self.db):
                for page in self._pages(pg, table, cursor, horizon):
                    max_hlc = max(max_hlc, self._upsert(table, page, search_index=False))
                    count += len(page)
                    if progress:
                        progress(done + count, total, _("Downloading {table}…").format(table=table))
                    self._crash("between_pull_pages")
                if max_hlc:
                    self.db.execute_sql(
                        "UPDATE _sync_meta SET v = hlc_recv(v, ?) WHERE k = 'hlc'", (max_hlc,)
                    )
            for _name, sql in indexes:
                self.db.execute_sql(sql)
            if bulk is not None:
                self.db.execute_sql(bulk[1])
                self.db.execute_sql(bulk[2], (0,))
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
            self.db.execute_sql(
                f'INSERT INTO "{table}" ({quoted}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE SET '
                f'{overlay_set} WHERE excluded."_ver" >= "{table}"."_ver"',
                values,
            )
        if batch:
            bulk = (
                self._bulk_search_index(table) if search_index and len(batch) >= BULK_ROWS else None
            )
            if bulk is None:
                self.db.connection().executemany(plain, batch)
            else:
                # many new rows: fill the full-text index in one set-based statement afterwards
                # instead of row by row from its trigger (about 4x faster); same transaction, and
                # the trigger is restored exactly as it was
                name, trigger_sql, fill_sql = bulk
                (before,) = self.db.execute_sql(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()
                self.db.execute_sql(f'DROP TRIGGER "{name}"')
                self.db.connection().executemany(plain, batch)
                self.db.execute_sql(trigger_sql)
                self.db.execute_sql(fill_sql, (before,))
        return max_hlc

    def _bulk_search_index(self, table: str) -> tuple[str, str, str] | None:
        """``(trigger, its SQL, a set-based fill)`` for a table's FTS insert trigger, if it has the
        simple ``INSERT INTO fts(cols) VALUES (new.a, …)`` form; ``None`` otherwise."""
        row = self.db.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
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
            exists = self.db.execute_sql("SELECT 1 FROM _conflict WHERE id = ?", (cid.bytes,)).fetchone()
            new += exists is None
            self.db.execute_sql(
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
        for table in self._local_columns:
            for fk in self.db.execute_sql(f'PRAGMA foreign_key_list("{table}")').fetchall():
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
                for (child_id,) in self.db.execute_sql(
                    f'SELECT id FROM "{child}" WHERE "{column}" = ?', (key,)
                ).fetchall():
                    queue.append((child, bytes(child_id)))
        now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        for table, key in doomed:
            self.db.execute_sql(
                "INSERT OR REPLACE INTO _outbox_parked (seq, tbl, row_id, op, base_ver, hlc, fields, "
                "schema_version, created_at, error, parked_at, tx) SELECT seq, tbl, row_id, op, "
                "base_ver, hlc, fields, schema_version, created_at, ?, ?, tx FROM _outbox "
                "WHERE tbl = ? AND row_id = ?",
                ("the record is no longer visible to you", now_ms, table, key),
            )
            self.db.execute_sql("DELETE FROM _outbox WHERE tbl = ? AND row_id = ?", (table, key))
            self.db.execute_sql(f'DELETE FROM "{table}" WHERE id = ?', (key,))
        return len(doomed)

    def _purge_local(self, rows: list[tuple[Any, ...]]) -> int:
        count = 0
        for tbl, row_id in rows:
            if tbl in self._local_columns:
                cursor = self.db.execute_sql(f'DELETE FROM "{tbl}" WHERE id = ?', (row_id.bytes,))
                count += cursor.rowcount
        return count


class _HoldBack(Exception):
    """Rolls a push transaction back to send it again without these entries (their action had a
    change refused for good)."""

    def __init__(self, seqs: dict[int, str]) -> None:
        super().__init__(f"{len(seqs)} entries held back")
        self.seqs = seqs


HELD_BACK = "refused together with another change of the same action: {reason}"


def _same_transactions(parked: dict[int, str], txs: dict[int, Any]) -> dict[int, str]:
    """``parked`` plus every other entry of the local transactions it touches (same reason)."""
    reasons: dict[Any, str] = {}
    for seq, reason in parked.items():
        tx = txs.get(seq)
        if tx is not None and tx not in reasons:
            reasons[tx] = reason
    result = dict(parked)
    for seq, tx in txs.items():
        if tx in reasons and seq not in result:
            result[seq] = HELD_BACK.format(reason=reasons[tx])
    return result


class ReplicaRestored(SyncError):
    """The server has seen higher outbox numbers than this file ever issued: a restored or copied
    file. Pushing would reuse numbers the server skips, so the file takes a new device identity and
    re-downloads, and its pending changes are replayed under the new identity."""

    def __init__(self, server_seq: int, local_seq: int) -> None:
        super().__init__(
            _("This database was restored from a backup or copied from another computer; it will "
              "download the server's data again and then send its own changes.")
        )
        self.server_seq = server_seq
        self.local_seq = local_seq


def reincarnate(db: peewee.Database) -> uuid.UUID:
    """Give a restored or copied replica a new device identity and make it re-download."""
    db = getattr(db, "obj", db)
    new = uuid7()
    with db.atomic("IMMEDIATE"):
        capture.meta_set(db, "device_id", str(new))
        capture.meta_set(db, "incarnation", int(capture.meta_get(db, "incarnation", 1) or 1) + 1)
        db.execute_sql("DELETE FROM _sync_meta WHERE k LIKE 'cursor:%' OR k LIKE 'page:%'")
    return new


def foreign_keys(pg: Any) -> list[tuple[str, str, str]]:
    """``(child_table, column, parent_table)`` among the business tables of the current schema."""
    return [
        (child, column, parent)
        for child, column, parent in pg.execute(
            "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text "
            "FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
            "AND a.attnum = c.conkey[1] WHERE c.contype = 'f' "
            "AND c.connamespace = current_schema()::regnamespace"
        ).fetchall()
    ]


# --- the merge ---------------------------------------------------------------------------------


@dataclass
class RowChange:
    table: str
    row_id: uuid.UUID
    insert: bool = False
    seqs: list[int] = field(default_factory=list)
    fields: dict[str, list[Any]] = field(default_factory=dict)  # name -> [value, hlc, base]


class Merger:
    """The per-field merge inside the push transaction."""

    def __init__(self, replica: Replica, pg: Any) -> None:
        self.replica = replica
        self.pg = pg
        self.device = replica.device
        self.columns = replica._columns
        self.conflicts: list[tuple[Any, ...]] = []
        self.written_alive: dict[str, set[uuid.UUID]] = {}
        self.written_deleted: dict[str, set[uuid.UUID]] = {}

    @staticmethod
    def coalesce(entries: list[tuple[Any, ...]]) -> dict[tuple[str, bytes], RowChange]:
        changes: dict[tuple[str, bytes], RowChange] = {}
        for seq, table, row_id, op, base_ver, hlc_value, fields, _sv in entries:
            key = (table, bytes(row_id))
            change = changes.get(key)
            if change is None:
                change = changes[key] = RowChange(table, uuid.UUID(bytes=bytes(row_id)))
            change.seqs.append(seq)
            if op == "I":
                change.insert = True
            for name, value in json.loads(fields).items():
                known = change.fields.get(name)
                if known is None:
                    change.fields[name] = [value, hlc_value, base_ver]
                else:
                    known[0] = value
                    known[1] = max(known[1], hlc_value)
                    known[2] = min(known[2], base_ver)
        return changes

    def apply(self, entries: list[tuple[Any, ...]], isolated: bool) -> dict[int, str]:
        changes = self.coalesce(entries)
        by_table: dict[str, list[RowChange]] = {}
        for change in changes.values():
            by_table.setdefault(change.table, []).append(change)
        parked: dict[int, str] = {}
        order = [t for t in self.columns if t in by_table] + [t for t in by_table if t not in self.columns]
        for table in order:
            if table not in self.columns:
                for change in by_table[table]:
                    for seq in change.seqs:
                        parked[seq] = f"table {table} does not exist on the server"
                continue
            if table in self.replica._content_tables:
                self._upload_bodies(table, by_table[table])
            parked.update(self._apply_table(table, by_table[table], isolated))
        self._compensate()
        if self.conflicts:
            self.pg.cursor().executemany(
                "INSERT INTO sync.conflict (id, tbl, row_id, field, kind, winner, loser, winner_device, "
                "loser_device, winner_hlc, loser_hlc) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                self.conflicts,
            )
        return parked

    def _upload_bodies(self, table: str, changes: list[RowChange]) -> None:
        """Put the bodies of the hashes this batch names into ``sync.blob``, unless the server
        already holds them (content-addressed: each body crosses the wire once)."""
        hashes = {c.fields["sha256"][0] for c in changes if "sha256" in c.fields}
        hashes.discard(None)
        if not hashes:
            return
        known = {r[0] for r in self.pg.execute(
            "SELECT sha256 FROM sync.blob WHERE sha256 = ANY(%s)", (sorted(hashes),)).fetchall()}
        uploads = []
        for digest in sorted(hashes - known):
            row = self.replica.db.execute_sql(
                f'SELECT content FROM "{table}" WHERE sha256 = ? LIMIT 1', (digest,)
            ).fetchone()
            if row is not None and hashlib.sha256(bytes(row[0])).hexdigest() == digest:
                uploads.append((digest, bytes(row[0])))
        if uploads:
            self.pg.cursor().executemany(
                "INSERT INTO sync.blob (sha256, content) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                uploads,
            )

    def _apply_table(self, table: str, changes: list[RowChange], isolated: bool) -> dict[int, str]:
        from psycopg.types.json import Jsonb

        types = self.columns[table]
        current: dict[uuid.UUID, dict[str, Any]] = {}
        wanted = sorted({f for c in changes for f in c.fields if f in types} | {"deleted_at"})
        wanted = [c for c in wanted if c in types]
        select = ", ".join(f'"{c}"' for c in wanted)
        cursor = self.pg.execute(
            f'SELECT id, _ver, _fv, {select} FROM "{table}" WHERE id = ANY(%s) ORDER BY id FOR UPDATE',
            ([c.row_id for c in changes],),
        )
        for row in cursor.fetchall():
            current[row[0]] = {"_ver": row[1], "_fv": row[2] or {}, **dict(zip(wanted, row[3:]))}
        inserts: dict[tuple[str, ...], list[list[Any]]] = {}
        updates: dict[tuple[str, ...], list[list[Any]]] = {}
        parked: dict[int, str] = {}
        device_text = str(self.device)
        for change in changes:
            fields = {k: v for k, v in change.fields.items() if k in types}
            server_row = current.get(change.row_id)
            if server_row is None:
                if not change.insert:
                    for seq in change.seqs:
                        parked[seq] = "the row no longer exists on the server (purged or not visible)"
                    continue
                names = tuple(sorted(fields))
                top = max(v[1] for v in fields.values()) if fields else 0
                hints = {k: v[1] for k, v in fields.items()}
                values = [change.row_id, *(to_server(fields[n][0], types[n]) for n in names)]
                inserts.setdefault(names, []).append([*values, top, self.device, Jsonb(hints)])
                self._track(table, change.row_id, fields.get("deleted_at", [None])[0] is None)
                continue
            fv = server_row["_fv"]
            writes: dict[str, tuple[Any, int]] = {}
            for name, (value, hc, base) in fields.items():
                if change.insert:
                    base = 0
                server_value = server_row[name]
                mine = to_server(value, types[name])
                if mine == server_value:
                    continue
                version = fv.get(name) or fv.get("*") or {"h": 0, "o": None, "v": 0}
                concurrent = int(version["v"]) > base and version.get("o") != device_text
                if not concurrent:
                    writes[name] = (mine, hc)
                    continue
                theirs = (int(version["h"]), str(version.get("o") or ""))
                if name in MAX_MERGED_FIELDS:  # the larger value wins, whoever wrote last
                    if mine is not None and (server_value is None or mine > server_value):
                        writes[name] = (mine, hc)
                    continue
                if is_derived(name):  # bookkeeping or derived from other fields: no user conflict
                    if (hc, device_text) > theirs:
                        writes[name] = (mine, hc)
                    continue
                if (hc, device_text) > theirs:
                    writes[name] = (mine, hc)
                    self._conflict(table, change.row_id, name, "field", value, to_wire(server_value),
                                   self.device, version.get("o"), hc, theirs[0])
                else:
                    self._conflict(table, change.row_id, name, "field", to_wire(server_value), value,
                                   version.get("o"), self.device, theirs[0], hc)
            deleted = server_row.get("deleted_at")
            if deleted is not None and "deleted_at" not in writes and writes:
                version = fv.get("deleted_at") or fv.get("*") or {"v": 0, "o": None, "h": 0}
                bases = [v[2] for v in fields.values()]
                if int(version["v"]) > min(bases, default=0) and version.get("o") != device_text:
                    edits = {k: to_wire(v[0]) for k, v in writes.items()}
                    self._conflict(table, change.row_id, "deleted_at", "edit_of_deleted",
                                   to_wire(deleted), edits, version.get("o"), self.device,
                                   int(version["h"]), max(v[1] for v in writes.values()))
            if not writes:
                continue
            names = tuple(sorted(writes))
            top = max(hc for _v, hc in writes.values())
            hints = {k: hc for k, (_v, hc) in writes.items()}
            updates.setdefault(names, []).append(
                [*(writes[n][0] for n in names), top, self.device, Jsonb(hints), change.row_id]
            )
            alive = (writes["deleted_at"][0] if "deleted_at" in writes else deleted) is None
            self._track(table, change.row_id, alive)
        self._write(table, inserts, updates, isolated, parked, changes)
        return parked

    def _track(self, table: str, row_id: uuid.UUID, alive: bool) -> None:
        target = self.written_alive if alive else self.written_deleted
        target.setdefault(table, set()).add(row_id)

    def _write(
        self,
        table: str,
        inserts: dict[tuple[str, ...], list[list[Any]]],
        updates: dict[tuple[str, ...], list[list[Any]]],
        isolated: bool,
        parked: dict[int, str],
        changes: list[RowChange],
    ) -> None:
        seqs_of = {c.row_id: c.seqs for c in changes}
        statements: list[tuple[str, list[list[Any]]]] = []
        for names, rows in inserts.items():
            cols = ", ".join(f'"{n}"' for n in ("id", *names, "_hlc", "_origin", "_fv"))
            marks = ", ".join(["%s"] * (len(names) + 4))
            statements.append(
                (f'INSERT INTO "{table}" ({cols}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING', rows)
            )
        for names, rows in updates.items():
            sets = ", ".join(f'"{n}" = %s' for n in names)
            statements.append(
                (f'UPDATE "{table}" SET {sets}, _hlc = %s, _origin = %s, _fv = %s WHERE id = %s', rows)
            )
        for statement, rows in statements:
            if not isolated:
                self.pg.cursor().executemany(statement, rows)
                continue
            for row in rows:
                row_id = row[0] if statement.startswith("INSERT") else row[-1]
                try:
                    with self.pg.transaction():
                        self.pg.execute(statement, row)
                except Exception as error:  # a permanent refusal of this row: park its entries
                    if server.is_clock_refusal(error):
                        raise ClockOffError(None) from error
                    if not _is_permanent(error):
                        raise
                    for seq in seqs_of.get(row_id, []):
                        parked[seq] = str(error).strip().splitlines()[0]
                    for bucket in (self.written_alive, self.written_deleted):
                        bucket.get(table, set()).discard(row_id)

    def _conflict(
        self, table: str, row_id: uuid.UUID, name: str, kind: str, winner: Any, loser: Any,
        winner_device: Any, loser_device: Any, winner_hlc: int, loser_hlc: int,
    ) -> None:
        from psycopg.types.json import Jsonb

        self.conflicts.append(
            (uuid7(), table, row_id, name, kind, Jsonb(winner), Jsonb(loser),
             _as_uuid(winner_device), _as_uuid(loser_device), winner_hlc, loser_hlc)
        )

    def _compensate(self) -> None:
        """Add-wins for references: no live child may point at a deleted parent.

        A parent deleted by this batch while a live child references it stays alive; a live child
        written by this batch revives its deleted parent. Each revival is a server-stamped edit
        (newer than the delete) with a conflict row so the user learns why. Repeats up the chain.
        """
        revive: dict[str, set[uuid.UUID]] = {}
        for child, column, parent in self.replica._fks:
            deleted = self.written_deleted.get(parent)
            if deleted and child in self.columns:
                rows = self.pg.execute(
                    f'SELECT DISTINCT "{column}" FROM "{child}" WHERE "{column}" = ANY(%s) '
                    "AND deleted_at IS NULL",
                    (list(deleted),),
                ).fetchall()
                revive.setdefault(parent, set()).update(r[0] for r in rows)
        frontier = {t: set(ids) for t, ids in self.written_alive.items()}
        seen: set[tuple[str, uuid.UUID]] = set()
        while frontier:
            next_frontier: dict[str, set[uuid.UUID]] = {}
            for child, column, parent in self.replica._fks:
                ids = frontier.get(child)
                if not ids or parent not in self.columns:
                    continue
                rows = self.pg.execute(
                    f'SELECT p.id FROM "{parent}" p JOIN "{child}" c ON c."{column}" = p.id '
                    "WHERE c.id = ANY(%s) AND p.deleted_at IS NOT NULL",
                    (list(ids),),
                ).fetchall()
                for (parent_id,) in rows:
                    if (parent, parent_id) not in seen:
                        revive.setdefault(parent, set()).add(parent_id)
                        next_frontier.setdefault(parent, set()).add(parent_id)
            frontier = next_frontier
            for table, ids in revive.items():
                seen.update((table, i) for i in ids)
        for table, ids in revive.items():
            if not ids:
                continue
            rows = self.pg.execute(
                f'UPDATE "{table}" SET deleted_at = NULL WHERE id = ANY(%s) AND deleted_at IS NOT NULL '
                "RETURNING id, _hlc, _origin",
                (list(ids),),
            ).fetchall()
            for row_id, stamp, origin in rows:
                self._conflict(table, row_id, "deleted_at", "revived", None, "deleted", origin,
                               None, stamp, 0)


# Concurrent writes keep the larger value: how far a deal has got in its pipeline (the furthest
# open/won stage order it entered) only grows with moves, so two devices moving one deal offline
# keep the furthest stage either reached, as its merged stage history implies.
MAX_MERGED_FIELDS = {"reached_order"}

DERIVED_SUFFIXES = ("_key", "_e164")
DERIVED_FIELDS = {"updated_at", "search_text"}


def is_derived(name: str) -> bool:
    """Fields the app derives from others (search text, normalised keys) or stamps on every save
    (``updated_at``): concurrent writes to them are decided by (HLC, origin) like any field but are
    not shown as conflicts (the user conflict, if any, is on the field they were derived from)."""
    return name in DERIVED_FIELDS or name.endswith(DERIVED_SUFFIXES)


def _as_uuid(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def _is_permanent(error: Exception) -> bool:
    from desktop_crm._drivers import load_psycopg

    errors = load_psycopg().errors
    return isinstance(
        error,
        (errors.IntegrityError, errors.InsufficientPrivilege, errors.RaiseException, errors.DataError),
    )


def open_replica(path: str | Path) -> peewee.Database:
    """Open (creating if needed) and migrate a local SQLite file; binds the app's database proxy."""
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate

    db = open_database(str(path))
    migrate(db)
    return db


def combine(first: SyncResult, second: SyncResult) -> SyncResult:
    """One result for two rounds run back to back (the second sends what the first brought about)."""
    second.pushed += first.pushed
    second.pulled += first.pulled
    second.conflicts += first.conflicts
    second.parked += first.parked
    second.purged += first.purged
    second.bootstrapped = second.bootstrapped or first.bootstrapped
    second.details["tables"] = sorted(
        set(first.details.get("tables", ())) | set(second.details.get("tables", ()))
    )
    return second


def sync_once(
    local_path: str | Path,
    server_url: str,
    progress: Callable[[int, int, str], None] | None = None,
    app_version: str = __version__,
    after_round: Callable[[], int] | None = None,
) -> SyncResult:
    """The ``desktop-crm sync`` round: open (or create) the replica, sync, close.

    ``after_round`` runs local follow-up work on what was pulled (re-freezing invoices that received
    their final number); when it changed anything, a second round sends it at once.
    """
    new_file = not Path(local_path).exists()
    db = open_replica(local_path)
    try:
        if new_file:
            capture.make_replica(db, upload_existing=False)
        replica = Replica(db, server_url, app_version=app_version)
        try:
            result = replica.sync(progress)
        except ReplicaRestored:
            reincarnate(db)
            replica = Replica(db, server_url, app_version=app_version)
            result = replica.sync(progress)
        if after_round is not None and after_round():
            result = combine(result, replica.sync(progress))
        return result
    finally:
        if not db.is_closed():
            db.close()


__all__ = [
    "CrashPoint",
    "Replica",
    "ReplicaRestored",
    "SyncResult",
    "open_replica",
    "reincarnate",
    "sync_once",
    "to_local",
    "to_server",
]
