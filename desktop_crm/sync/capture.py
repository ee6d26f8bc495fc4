"""Change capture on a SQLite replica: triggers write every local change to ``_outbox``.

A file becomes a *replica* on its first sync (:func:`make_replica`); a purely local database never
carries the sync bookkeeping, so local-only work pays nothing for it and the bookkeeping is not part
of the schema comparison of ``tests/test_schema.py`` (it is not a migration step: it belongs to the
sync role of a file, not to the schema version). What it installs:

* ``_outbox``: pending local changes (``AUTOINCREMENT`` so a ``seq`` is never reused), each with
  the id of its local transaction (``tx``, from ``sync_tx()``): a push batch always ends on a
  transaction boundary, so one user action reaches the server in one server transaction;
* ``_sync_meta``: key → value (device id, incarnation, HLC state, pull cursors, server identity);
* ``_sync_flag``: one row; ``applying = 1`` while remote rows are applied, which silences capture;
* ``_conflict``: the mirror of the server's conflicts visible to this user;
* ``_outbox_parked``: entries the server refused for good, kept for the user, never dropped;
* per synced table: ``AFTER INSERT``/``AFTER UPDATE`` capture triggers and a ``BEFORE DELETE``
  guard (rows are deleted softly; physical deletes only while applying, i.e. purge and eviction).

The triggers call ``hlc_now(prev)``, a Python function registered on every connection by
:func:`register_sqlite_functions` (a hook of ``models.db.make_database``, see :func:`install`). A
connection without it cannot write to a replica: the statement fails with "no such function" ("fail
closed"), so no change can slip past capture. The clock state is the ``_sync_meta`` row ``hlc``,
read and advanced inside the writing transaction, so it is monotonic across connections and
processes sharing the file.

Triggers are generated from the *physical* columns of each table, so they are regenerated after every
migration step in the step's own transaction (:func:`after_migration_step`).
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import peewee

from desktop_crm.ids import uuid7
from desktop_crm.models import ALL_MODELS, hooks
from desktop_crm.models.db import execute_sql
from desktop_crm.models.people import (
    PRESET_ACTIONS,
    PRESET_IDS,
    PRESET_NAMES,
    PRESET_SCOPES,
    actions_text,
)
from desktop_crm.models.schema import current_version
from desktop_crm.models.sync_meta import device_id, is_replica, meta_get, meta_set
from desktop_crm.sync import hlc as hlc_mod

LOCAL_META_COLUMNS = ("id", "_ver", "_hlc")
# columns that stay in their file: never captured, pushed or pulled
LOCAL_ONLY_COLUMNS: dict[str, tuple[str, ...]] = {"user": ("password_hash",)}
CONTENT_COLUMN, HASH_COLUMN = "content", "sha256"
BOOKKEEPING_TABLES = ("_outbox", "_sync_meta", "_sync_flag", "_conflict", "_outbox_parked")

BOOKKEEPING_DDL = (
    """CREATE TABLE IF NOT EXISTS _outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tbl TEXT NOT NULL, row_id BLOB NOT NULL, op TEXT NOT NULL,
        base_ver INTEGER NOT NULL, hlc INTEGER NOT NULL, fields TEXT NOT NULL,
        schema_version INTEGER NOT NULL, created_at INTEGER NOT NULL, tx INTEGER)""",
    "CREATE INDEX IF NOT EXISTS _outbox_row ON _outbox (tbl, row_id)",
    "CREATE TABLE IF NOT EXISTS _sync_meta (k TEXT PRIMARY KEY, v) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS _sync_flag (id INTEGER PRIMARY KEY, applying INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO _sync_flag (id, applying) VALUES (1, 0)",
    """CREATE TABLE IF NOT EXISTS _conflict (
        id BLOB PRIMARY KEY, tbl TEXT NOT NULL, row_id BLOB NOT NULL, field TEXT NOT NULL,
        winner TEXT, loser TEXT, winner_device BLOB, loser_device BLOB, loser_login TEXT,
        kind TEXT NOT NULL, created_at TEXT NOT NULL, resolved_at TEXT, resolved_by TEXT)""",
    "CREATE INDEX IF NOT EXISTS _conflict_row ON _conflict (tbl, row_id)",
    """CREATE TABLE IF NOT EXISTS _outbox_parked (
        seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, row_id BLOB NOT NULL, op TEXT NOT NULL,
        base_ver INTEGER NOT NULL, hlc INTEGER NOT NULL, fields TEXT NOT NULL,
        schema_version INTEGER NOT NULL, created_at INTEGER NOT NULL,
        error TEXT NOT NULL, parked_at INTEGER NOT NULL, tx INTEGER)""",
)

# Pending-change upcasters: ``UPCASTS[n](table, fields) -> fields`` rewrites an outbox entry written
# by schema ``n - 1`` for schema ``n`` (renamed or split fields). Registered by migration steps that
# rename or split a synced column; a step that only adds columns needs none.
UPCASTS: dict[int, Callable[[str, dict[str, Any]], dict[str, Any]]] = {}


# --- connection functions ----------------------------------------------------------------------


def install() -> None:
    """Take part in opening and migrating databases (idempotent): every SQLite database gets the
    capture functions, and a replica's capture follows each migration step. Called once by every
    entry point (``cli.main``, the tests' ``conftest``, the benchmarks) before any database opens."""
    hooks.on_sqlite_database(register_sqlite_functions)
    hooks.after_migration_step(after_migration_step)


def register_sqlite_functions(db: peewee.SqliteDatabase, clock: hlc_mod.Clock | None = None) -> None:
    """Register ``hlc_now(prev)`` and ``hlc_recv(prev, remote)`` on every connection of ``db``.

    ``clock`` (seconds, like ``time.time``) can be swapped later with :func:`set_clock` (tests inject
    skewed clocks per replica).
    """
    holder: list[hlc_mod.Clock] = [clock or time.time]
    raw: Any = db  # peewee's per-thread state and the attributes set here are not in its stubs
    raw._sync_clock = holder

    @db.func("hlc_now", 1)
    def hlc_now(prev: int | None) -> int:
        return hlc_mod.tick(int(prev or 0), hlc_mod.physical_ms(holder[0]))

    @db.func("sync_tx", 0)
    def sync_tx() -> int | None:
        """The local transaction a captured change belongs to (sync.md §2.4 ``tx``): an id kept on
        peewee's outermost transaction object of this thread; outside a transaction, the id of the
        statement being run; ``None`` for SQL that bypassed peewee (the trigger then uses the
        statement's clock, the same for all rows of one statement)."""
        state = raw._state
        transactions = getattr(state, "transactions", None)
        if not transactions:
            return getattr(state, "crm_statement_tx", None)
        top = transactions[0]
        tx = getattr(top, "_crm_sync_tx", None)
        if tx is None:
            tx = top._crm_sync_tx = secrets.randbits(62) + 1
        return tx

    # Outside a transaction every statement commits alone: each gets its own id (set just before
    # it runs), so its rows travel together and are never grouped with the next statement's.
    plain_execute_sql: Callable[..., Any] = db.execute_sql

    def execute_sql_with_tx(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        state = raw._state
        if not getattr(state, "transactions", None):
            state.crm_statement_tx = secrets.randbits(62) + 1
        return plain_execute_sql(sql, params, *args, **kwargs)

    raw.execute_sql = execute_sql_with_tx

    @db.func("hlc_recv", 2)
    def hlc_recv(prev: int | None, remote: int | None) -> int:
        return hlc_mod.observe(int(prev or 0), int(remote or 0), hlc_mod.physical_ms(holder[0]))


def set_clock(db: peewee.Database | peewee.DatabaseProxy, clock: hlc_mod.Clock) -> None:
    target: Any = getattr(db, "obj", db)
    target._sync_clock[0] = clock


def clock_of(db: peewee.Database | peewee.DatabaseProxy) -> hlc_mod.Clock:
    holder: list[hlc_mod.Clock] | None = getattr(getattr(db, "obj", db), "_sync_clock", None)
    return holder[0] if holder else time.time


# --- reading the local schema ------------------------------------------------------------------


def synced_tables(db: peewee.Database) -> list[str]:
    """Tables that sync, parents first: every table with ``_ver`` and ``_hlc`` columns.

    The order follows ``models.ALL_MODELS`` (dependency order); tables a newer step added that the
    list does not know yet come last (foreign keys are deferred, so order is an optimisation only).
    """
    present = set(db.get_tables())
    candidates = [m._meta.table_name for m in ALL_MODELS if m._meta.table_name in present]
    candidates += sorted(present - set(candidates))
    result = []
    for table in candidates:
        if table.startswith(("_", "sqlite_")) or table.endswith(("_fts", "_fts_data")):
            continue
        columns = {c[1] for c in execute_sql(db, f'PRAGMA table_info("{table}")').fetchall()}
        if {"id", "_ver", "_hlc"} <= columns:
            result.append(table)
    return result


def table_columns(db: peewee.Database, table: str) -> list[tuple[str, str]]:
    """``(name, declared type)`` of the physical columns, in order."""
    return [(c[1], (c[2] or "").upper()) for c in execute_sql(db, f'PRAGMA table_info("{table}")')]


def field_columns(db: peewee.Database, table: str) -> list[tuple[str, str]]:
    """The columns that sync as row fields. A file body (``content`` beside a ``sha256``) does not:
    it moves by content hash, at most once per device and hash (``engine`` push and pull). Local-only
    columns (a user's local sign-in password hash) never leave the file nor arrive in it."""
    local_only = LOCAL_ONLY_COLUMNS.get(table, ())
    columns = [(n, t) for n, t in table_columns(db, table)
               if n not in LOCAL_META_COLUMNS and n not in local_only]
    names = {n for n, _t in columns}
    if {CONTENT_COLUMN, HASH_COLUMN} <= names:
        columns = [(n, t) for n, t in columns if n != CONTENT_COLUMN]
    return columns


def _encode(prefix: str, name: str, decl: str) -> str:
    ref = f'{prefix}"{name}"'
    if "BLOB" in decl:
        return f"CASE WHEN {ref} IS NULL THEN NULL ELSE hex({ref}) END"
    return ref


def fields_json(columns: list[tuple[str, str]], prefix: str) -> str:
    """A JSON object of all columns; BLOBs (UUID keys, files) as hex text."""
    if len(columns) <= 60:  # json_object takes at most 127 arguments
        args = ", ".join(f"'{n}', {_encode(prefix, n, t)}" for n, t in columns)
        return f"json_object({args})"
    parts = " UNION ALL ".join(f"SELECT '{n}' AS k, {_encode(prefix, n, t)} AS v" for n, t in columns)
    return f"(SELECT json_group_object(k, v) FROM ({parts}))"


def changed_fields_json(columns: list[tuple[str, str]]) -> str:
    parts = " UNION ALL ".join(
        f"SELECT '{n}' AS k, {_encode('NEW.', n, t)} AS v WHERE OLD.\"{n}\" IS NOT NEW.\"{n}\""
        for n, t in columns
    )
    return f"(SELECT json_group_object(k, v) FROM ({parts}))"


NOW_MS_SQL = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
# The local transaction of a change: ``sync_tx()`` (peewee's transaction, or the statement outside
# one). Only SQL that bypasses peewee falls back to SQLite's 'now', the same for every row of one
# statement (two such statements within one millisecond would share a group).
TX_SQL = f"coalesce(sync_tx(), -{NOW_MS_SQL})"
# A push batch is extended to the end of the transaction of its last entry, up to this many more
# entries (a single transaction larger than that is split: a bulk change of that size is rare and
# must not need unbounded memory).
MAX_TRANSACTION_EXTRA = 200_000
NOT_APPLYING = "(SELECT applying FROM _sync_flag WHERE id = 1) = 0"


def trigger_ddl(db: peewee.Database, table: str, schema_version: int) -> list[str]:
    columns = field_columns(db, table)
    changed_any = " OR ".join(f'OLD."{n}" IS NOT NEW."{n}"' for n, _t in columns)
    bump = "UPDATE _sync_meta SET v = hlc_now(v) WHERE k = 'hlc';"
    insert = (
        "INSERT INTO _outbox (tbl, row_id, op, base_ver, hlc, fields, schema_version, created_at, tx) "
        "VALUES ('{t}', NEW.id, '{op}', {base}, (SELECT v FROM _sync_meta WHERE k = 'hlc'), {fields}, "
        f"{schema_version}, {NOW_MS_SQL}, {TX_SQL});"
    )
    return [
        f'CREATE TRIGGER "_cap_{table}_ai" AFTER INSERT ON "{table}" WHEN {NOT_APPLYING} BEGIN '
        + bump
        + insert.format(t=table, op="I", base='NEW."_ver"', fields=fields_json(columns, "NEW."))
        + " END",
        f'CREATE TRIGGER "_cap_{table}_au" AFTER UPDATE ON "{table}" WHEN {NOT_APPLYING} '
        f"AND ({changed_any}) BEGIN "
        + bump
        + insert.format(t=table, op="U", base='OLD."_ver"', fields=changed_fields_json(columns))
        + " END",
        f'CREATE TRIGGER "_cap_{table}_bd" BEFORE DELETE ON "{table}" WHEN {NOT_APPLYING} BEGIN '
        "SELECT RAISE(ABORT, 'rows of a synced database are deleted softly (deleted_at)'); END",
    ]


def capture_triggers(db: peewee.Database) -> list[str]:
    return [
        name
        for (name,) in execute_sql(
            db, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '\\_cap\\_%' ESCAPE '\\'"
        )
    ]


def install_triggers(db: peewee.Database, schema_version: int) -> None:
    """(Re)create the capture triggers of every synced table; call inside a transaction."""
    for name in capture_triggers(db):
        execute_sql(db, f'DROP TRIGGER IF EXISTS "{name}"')
    for table in synced_tables(db):
        for statement in trigger_ddl(db, table, schema_version):
            execute_sql(db, statement)


# --- the replica role ----------------------------------------------------------------------------


def seed_hlc(db: peewee.Database) -> int:
    """The highest HLC this file has seen: stored state, row stamps and pending entries."""
    best = int(meta_get(db, "hlc", 0) or 0)
    for table in synced_tables(db):
        (value,) = execute_sql(db, f'SELECT coalesce(max("_hlc"), 0) FROM "{table}"').fetchone()
        best = max(best, int(value))
    for table in ("_outbox", "_outbox_parked"):
        (value,) = execute_sql(db, f"SELECT coalesce(max(hlc), 0) FROM {table}").fetchone()
        best = max(best, int(value))
    return best


def make_replica(db: peewee.Database, upload_existing: bool = True) -> uuid.UUID:
    """Turn a migrated local database into a replica (idempotent); return the device id.

    A database that already holds rows (for example a demo) queues all of them as inserts, so its
    first sync uploads everything it holds. Runs in one transaction.
    """
    with db.atomic():
        if is_replica(db) and meta_get(db, "device_id"):
            upgrade_bookkeeping(db)
            return device_id(db)
        for statement in BOOKKEEPING_DDL:
            execute_sql(db, statement)
        device = uuid7()
        meta_set(db, "device_id", str(device))
        meta_set(db, "incarnation", 1)
        meta_set(db, "hlc", 0)
        meta_set(db, "hlc", seed_hlc(db))
        version = current_version(db) or 0
        meta_set(db, "schema_version", version)
        install_triggers(db, version)
        remember_columns(db)
        if upload_existing:
            enqueue_all_rows(db, version)
    return device


def upgrade_bookkeeping(db: peewee.Database) -> None:
    """Bring the bookkeeping of a replica made by an earlier version up to date (in the caller's
    transaction): ``_outbox.tx`` and triggers that fill it. Entries queued before have no ``tx``
    and travel as before (each on its own)."""
    columns = {c[1] for c in execute_sql(db, "PRAGMA table_info(_outbox)")}
    if "tx" not in columns:
        execute_sql(db, "ALTER TABLE _outbox ADD COLUMN tx INTEGER")
        install_triggers(db, int(meta_get(db, "schema_version", 0) or 0))
    if "tx" not in {c[1] for c in execute_sql(db, "PRAGMA table_info(_outbox_parked)")}:
        execute_sql(db, "ALTER TABLE _outbox_parked ADD COLUMN tx INTEGER")


def row_clock_sql(db: peewee.Database, table: str) -> str:
    """SQL for the clock of a row's last local change: its stamp (``_hlc``, from the last pull) or
    the time of its last save (``updated_at``), whichever is later; 0 when it has neither."""
    names = {n for n, _t in table_columns(db, table)}
    stamp = 'coalesce("_hlc", 0)'
    for column in ("updated_at", "created_at"):
        if column in names:
            saved = (f'coalesce(CAST((julianday("{column}") - 2440587.5) * 86400000 AS INTEGER), 0) '
                     f"<< {hlc_mod.COUNTER_BITS}")
            return f"max({stamp}, {saved})"
    return stamp


def enqueue_all_rows(db: peewee.Database, schema_version: int) -> int:
    """Queue every live-or-tombstoned row as an insert (first upload of a local database).

    Each row travels with the clock of its *last local change* (:func:`row_clock_sql`), never with
    the time of the upload: a file that was copied, restored from a backup or seeded onto several
    computers before its first sync holds old values, and the server's newer values of the same
    rows must win (the stale ones are kept as conflict losers). A stamp is never above the clock
    state (a row saved under a clock that ran ahead) and never 0 (the server would restamp it as
    written now).
    """
    total = 0
    for table in synced_tables(db):
        (count,) = execute_sql(db, f'SELECT count(*) FROM "{table}"').fetchone()
        if not count:
            continue
        execute_sql(db, "UPDATE _sync_meta SET v = hlc_now(v) WHERE k = 'hlc'")
        ceiling = int(meta_get(db, "hlc"))
        where, params = _not_seed_rows(table)
        execute_sql(
            db,
            "INSERT INTO _outbox (tbl, row_id, op, base_ver, hlc, fields, schema_version, created_at) "
            f"SELECT ?, id, 'I', \"_ver\", min(?, max(1, {row_clock_sql(db, table)})), "
            f"{fields_json(field_columns(db, table), '')}, ?, {NOW_MS_SQL} "
            f'FROM "{table}" WHERE {where} ORDER BY id',
            (table, ceiling, schema_version, *params),
        )
        total += count
    return total


def _not_seed_rows(table: str) -> tuple[str, list[Any]]:
    """A condition leaving out the rows every database is created with (the preset roles, fixed
    ids) while they are as created: the server has them already, and uploading them would make a
    new file's copy look newer than the server's edits."""
    if table != "access_role":
        return "1", []
    conditions, params = [], []
    for preset, key in PRESET_IDS.items():
        conditions.append(
            '("id" = ? AND "deleted_at" IS NULL AND "name" = ? AND "preset" = ? AND "actions" = ? '
            'AND "scope" = ?)')
        params += [key.bytes, PRESET_NAMES[preset], preset.value,
                   actions_text(PRESET_ACTIONS[preset]), PRESET_SCOPES[preset].value]
    return f"NOT ({' OR '.join(conditions)})", params


def after_migration_step(db: peewee.Database, version: int) -> None:
    """Called by the migration runner inside each step's transaction on a SQLite database.

    On a replica: rewrite pending entries for the new schema (upcasting), regenerate the capture
    triggers from the new physical columns, and make tables that gained columns re-download.
    """
    if not is_replica(db):
        return
    upcast = UPCASTS.get(version)
    if upcast is not None:
        rows = execute_sql(
            db, "SELECT seq, tbl, fields FROM _outbox WHERE schema_version < ?", (version,)
        ).fetchall()
        for seq, table, fields in rows:
            execute_sql(
                db, "UPDATE _outbox SET fields = ? WHERE seq = ?",
                (json.dumps(upcast(table, json.loads(fields)), ensure_ascii=False), seq),
            )
    execute_sql(db, "UPDATE _outbox SET schema_version = ? WHERE schema_version < ?", (version, version))
    known = json.loads(meta_get(db, "columns", "{}") or "{}")
    current = {t: [n for n, _ in field_columns(db, t)] for t in synced_tables(db)}
    for table, names in current.items():
        if table in known and set(names) - set(known[table]):
            meta_set(db, f"cursor:{table}", 0)  # re-download the table to fill the new columns
    meta_set(db, "columns", json.dumps(current))
    meta_set(db, "schema_version", version)
    install_triggers(db, version)


def remember_columns(db: peewee.Database) -> None:
    current = {t: [n for n, _ in field_columns(db, t)] for t in synced_tables(db)}
    meta_set(db, "columns", json.dumps(current))


@contextmanager
def applying(db: peewee.Database) -> Iterator[None]:
    """Inside an open transaction: silence capture while remote rows are written."""
    execute_sql(db, "UPDATE _sync_flag SET applying = 1 WHERE id = 1")
    try:
        yield
    finally:
        execute_sql(db, "UPDATE _sync_flag SET applying = 0 WHERE id = 1")


def rebase_future_stamps(db: peewee.Database, limit_hlc: int, now_hlc: int) -> int:
    """Restamp pending changes (and the clock state) stamped beyond ``limit_hlc`` with ``now_hlc``.

    A clock that ran far ahead and was then set right leaves the HLC state and pending entries in
    the future; the server refuses such stamps (drift bound), and ticking on from the stored state
    would keep stamping new edits there. Called only once the physical clock agrees with the
    server's again: the entries then count as written now (the server keeps field versions monotonic
    on its side). One transaction; returns how many entries were restamped.
    """
    with db.atomic("IMMEDIATE"):
        cursor = execute_sql(
            db, "UPDATE _outbox SET hlc = ? WHERE hlc > ?", (now_hlc, limit_hlc)
        )
        restamped = cursor.rowcount
        if int(meta_get(db, "hlc", 0) or 0) > limit_hlc:
            meta_set(db, "hlc", now_hlc)
    return restamped


def pending_count(db: peewee.Database) -> int:
    if not is_replica(db):
        return 0
    return int(execute_sql(db, "SELECT count(*) FROM _outbox").fetchone()[0])


def open_conflicts(db: peewee.Database) -> int:
    if not is_replica(db):
        return 0
    return int(
        execute_sql(db, "SELECT count(*) FROM _conflict WHERE resolved_at IS NULL").fetchone()[0]
    )


OUTBOX_COLUMNS = "seq, tbl, row_id, op, base_ver, hlc, fields, schema_version"


def iter_outbox(db: peewee.Database, limit: int) -> list[tuple[Any, ...]]:
    """The next push batch: ``limit`` entries in ``seq`` order, extended to the end of the local
    transaction of the last one, so a transaction never straddles two server transactions (its
    entries are contiguous in ``seq``: SQLite has one writer at a time)."""
    rows = execute_sql(
        db, f"SELECT {OUTBOX_COLUMNS} FROM _outbox ORDER BY seq LIMIT ?", (limit,)
    ).fetchall()
    if len(rows) < limit or not rows:
        return rows
    last = rows[-1][0]
    (tx,) = execute_sql(db, "SELECT tx FROM _outbox WHERE seq = ?", (last,)).fetchone()
    if tx is None:
        return rows
    return rows + execute_sql(
        db, f"SELECT {OUTBOX_COLUMNS} FROM _outbox WHERE seq > ? AND tx = ? ORDER BY seq LIMIT ?",
        (last, tx, MAX_TRANSACTION_EXTRA),
    ).fetchall()


__all__ = [
    "BOOKKEEPING_TABLES",
    "UPCASTS",
    "after_migration_step",
    "applying",
    "device_id",
    "install_triggers",
    "is_replica",
    "make_replica",
    "meta_get",
    "meta_set",
    "pending_count",
    "register_sqlite_functions",
    "set_clock",
    "synced_tables",
]

