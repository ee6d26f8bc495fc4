"""Opening a database: a SQLite file (the embedded default) or a PostgreSQL server URL."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import peewee

from desktop_crm.errors import (
    DatabaseBusy,
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


def make_database(url: str) -> peewee.Database:
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
    path.parent.mkdir(parents=True, exist_ok=True)
    db = peewee.SqliteDatabase(
        str(path), pragmas=SQLITE_PRAGMAS, field_types=UUID_COLUMN_TYPES["sqlite"]
    )
    # e.g. sync's hlc_now(), which a replica's capture triggers call: a database made without it
    # cannot write to a replica ("fail closed")
    for hook in hooks.SQLITE_DATABASE_HOOKS:
        hook(db)
    changes.watch(db)
    return db


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


def open_database(url: str) -> peewee.Database:
    """Create, connect and bind the application's database proxy; unreadable files are refused.

    A database that is there but cannot be used just now (locked, a server that does not answer,
    a read-only file) raises its own typed error, so the user is told to wait or to check the
    server rather than that the file is not a database.
    """
    db = make_database(url)
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
        raise DatabaseUnreadable(
            _("Cannot open the database {name}: {reason}").format(name=redact(url), reason=error)
        ) from error
    database.initialize(db)
    return db
