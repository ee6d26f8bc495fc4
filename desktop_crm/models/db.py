"""Opening a database: a SQLite file (the embedded default) or a PostgreSQL server URL."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import peewee

from desktop_crm.config import default_database_url
from desktop_crm.errors import (
    DatabaseBusy,
    DatabaseCorrupt,
    DatabaseFileDamaged,
    DatabaseFolderMissing,
    DatabaseReadOnly,
    DatabaseUnavailable,
    DatabaseUnreadable,
    classify,
)
from desktop_crm.i18n import _
from desktop_crm.models import changes, hooks
from desktop_crm.models.base import database

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
    "cache_size": -64000,
    "temp_store": "memory",
}
UUID_COLUMN_TYPES = {"sqlite": {"UUIDKEY": "BLOB"}, "postgres": {"UUIDKEY": "UUID"}}


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL (``sqlite:///path``) or plain path."""
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    return Path(url)


def redact(url: str) -> str:
    """A database URL fit for logs and the status bar (no password)."""
    if not is_postgres_url(url):
        return str(sqlite_path(url))
    parsed = urlparse(url)
    if parsed.password:
        netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
        return parsed._replace(netloc=netloc).geturl()
    return url


# A PostgreSQL server that vanishes must not hang the application: give up connecting after
# CONNECT_TIMEOUT_S; TCP keepalives find a peer gone while the connection is idle, tcp_user_timeout
# one that stops acknowledging what we send (sync adds a deadline on every reply on top).
CONNECT_TIMEOUT_S = 10
TCP_OPTIONS: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60_000,
}


# --- SQLite: writers take the lock up front, the GUI thread never waits long for it --------------

#: How long a connection of the interactive (GUI) thread waits for another writer before it asks
#: the user: short enough that the window never stalls noticeably (a frame is ~16 ms, a stall the
#: user feels ~100 ms); other threads and the commands wait ``SQLITE_PRAGMAS["busy_timeout"]``.
INTERACTIVE_BUSY_TIMEOUT_MS = 40

BusyPrompt = Callable[[], bool]


class _Interactive:
    """Which thread is the GUI's and how it asks "the database is busy: retry?" (the shell sets it)."""

    thread: int | None = None
    prompt: BusyPrompt | None = None


def set_interactive_thread(prompt: BusyPrompt | None) -> None:
    """Make the calling thread the interactive one (``prompt`` returns True for "Retry"), or, with
    ``None``, no thread any more.

    Its SQLite connections wait at most :data:`INTERACTIVE_BUSY_TIMEOUT_MS` for the write lock; when
    a transaction cannot begin in that time, ``prompt()`` is asked (a dialog with Retry, whose own
    event loop keeps the window alive) and the transaction begins again or fails with
    :class:`DatabaseBusy`."""
    _Interactive.thread = threading.get_ident() if prompt is not None else None
    _Interactive.prompt = prompt
    bound = database.obj
    if isinstance(bound, CrmSqliteDatabase) and not bound.is_closed():
        bound.apply_busy_timeout()


class CrmSqliteDatabase(peewee.SqliteDatabase):
    """A SQLite database whose every top-level transaction is ``BEGIN IMMEDIATE``.

    A deferred transaction that reads and then writes cannot wait for another writer (SQLite
    would have to break its snapshot), so it fails at once with "database is locked" whatever the
    busy timeout. Taking the write lock at ``BEGIN`` makes concurrent writers queue on the busy
    timeout instead. A database opened read-only keeps deferred transactions (reads only).
    """

    def __init__(self, database: str, *, read_only: bool = False, **kwargs: Any) -> None:
        self.read_only = read_only
        super().__init__(database, lock_type=None if read_only else "IMMEDIATE", **kwargs)

    def _connect(self) -> sqlite3.Connection:
        peewee_db: Any = self  # peewee's stubs do not declare its connection internals
        conn: sqlite3.Connection
        if self.read_only:  # the file's rights say so: never try to create or change it
            uri = Path(self.database).resolve().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, timeout=peewee_db._timeout,
                                   isolation_level=None, check_same_thread=False)
            try:
                peewee_db._add_conn_hooks(conn)
            except Exception:
                conn.close()
                raise
        else:
            base: Any = peewee.SqliteDatabase
            conn = base._connect(peewee_db)
        if _Interactive.thread == threading.get_ident():
            conn.execute(f"PRAGMA busy_timeout = {INTERACTIVE_BUSY_TIMEOUT_MS}")
        return conn

    def apply_busy_timeout(self) -> None:
        """Set this thread's connection's busy timeout (interactive thread or not)."""
        interactive = _Interactive.thread == threading.get_ident()
        timeout = INTERACTIVE_BUSY_TIMEOUT_MS if interactive else SQLITE_PRAGMAS["busy_timeout"]
        execute_sql(self, f"PRAGMA busy_timeout = {timeout}")

    def begin(self, lock_type: str | None = None) -> None:
        while True:
            try:
                super().begin(lock_type)
                return
            except peewee.OperationalError as error:
                if not isinstance(classify(error), DatabaseBusy):
                    raise
                prompt = _Interactive.prompt if _Interactive.thread == threading.get_ident() else None
                if prompt is None or not prompt():
                    raise DatabaseBusy() from error


def make_database(url: str, *, read_only: bool = False) -> peewee.Database:
    """Create (not yet connect) the database for a path or URL."""
    if is_postgres_url(url):
        from desktop_crm._drivers import load_psycopg

        load_psycopg()
        server = peewee.PostgresqlDatabase(
            url, field_types=UUID_COLUMN_TYPES["postgres"], prefer_psycopg3=True,
            connect_timeout=CONNECT_TIMEOUT_S, **TCP_OPTIONS,
        )
        changes.watch(server)  # committed writes announce their tables (windows refresh)
        return server
    path = sqlite_path(url)
    pragmas = dict(SQLITE_PRAGMAS)
    if read_only:  # switching the journal mode is a write
        pragmas.pop("journal_mode")
    db = CrmSqliteDatabase(
        str(path), read_only=read_only, pragmas=pragmas, field_types=UUID_COLUMN_TYPES["sqlite"]
    )
    # e.g. sync's hlc_now(), which a replica's capture triggers call: a database made without it
    # cannot write to a replica ("fail closed")
    for hook in hooks.SQLITE_DATABASE_HOOKS:
        hook(db)
    changes.watch(db)
    return db


def is_read_only(db: peewee.Database | peewee.DatabaseProxy) -> bool:
    """True for a SQLite file opened read-only (the user may not write it)."""
    return bool(getattr(getattr(db, "obj", db), "read_only", False))


def engine(db: peewee.Database | peewee.DatabaseProxy) -> str:
    db = getattr(db, "obj", db)
    return "postgres" if isinstance(db, peewee.PostgresqlDatabase) else "sqlite"


class Cursor(Protocol):
    """What ``execute_sql`` returns: a DB-API cursor (sqlite3 or psycopg); rows are tuples."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


def execute_sql(
    db: peewee.Database | peewee.DatabaseProxy, sql: str, params: Sequence[Any] | None = None
) -> Cursor:
    """``db.execute_sql`` with types (peewee's stubs leave the method unannotated)."""
    run: Callable[[str, Sequence[Any] | None], Cursor] = db.execute_sql
    return run(sql, params)


def open_database(url: str, *, create_folder: bool = False) -> peewee.Database:
    """Create, connect and bind the application's database proxy; unreadable files are refused.

    A database that is there but cannot be used just now (locked, a server that does not answer)
    raises its own typed error, so the user is told to wait or to check the server rather than
    that the file is not a database. A SQLite file the user may not write is opened read-only
    (:func:`is_read_only`); one in a folder that does not exist is refused
    (:class:`DatabaseFolderMissing`) unless ``create_folder``; a damaged one is
    :class:`DatabaseCorrupt`.
    """
    read_only = False
    if not is_postgres_url(url):
        path = sqlite_path(url)
        if not path.parent.is_dir():
            own = path.parent == sqlite_path(default_database_url()).parent  # the app's data folder
            if not (create_folder or own):
                raise DatabaseFolderMissing(path)
            path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise DatabaseUnreadable(
                _("{name} is a folder, not a database file.").format(name=redact(url)))
        read_only = path.exists() and not os.access(path, os.W_OK)
    db = make_database(url, read_only=read_only)
    try:
        db.connect()
        execute_sql(db, "SELECT 1").fetchone()
        if engine(db) == "sqlite":
            execute_sql(db, "SELECT count(*) FROM sqlite_master").fetchone()
    except (peewee.DatabaseError, sqlite3.DatabaseError) as error:
        if not db.is_closed():
            db.close()
        typed = classify(error)
        if isinstance(typed, DatabaseBusy | DatabaseUnavailable | DatabaseReadOnly):
            raise typed from error
        if isinstance(typed, DatabaseCorrupt):
            raise DatabaseFileDamaged(sqlite_path(url), str(error)) from error
        raise DatabaseUnreadable(
            _("Cannot open the database {name}: {reason}").format(name=redact(url), reason=error)
        ) from error
    database.initialize(db)
    return db
