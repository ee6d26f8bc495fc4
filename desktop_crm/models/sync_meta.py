"""A replica's own bookkeeping as the rest of the application reads it: the ``_sync_meta`` table.

Sync creates the table when a SQLite file becomes a replica of a shared server
(``desktop_crm.sync.capture.make_replica``) and keeps its device id, clock state and cursors there;
services read it too (provisional invoice numbers belong to the device), so it lives in the models
layer, which every layer may use.
"""

from __future__ import annotations

import uuid
from typing import Any

import peewee

from desktop_crm.models.db import execute_sql

Database = peewee.Database | peewee.DatabaseProxy


def is_replica(db: Database) -> bool:
    """Whether this database is a sync replica (it has the bookkeeping)."""
    return bool(
        execute_sql(
            db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sync_meta'"
        ).fetchone()
    )


def meta_get(db: Database, key: str, default: Any = None) -> Any:
    row = execute_sql(db, "SELECT v FROM _sync_meta WHERE k = ?", (key,)).fetchone()
    return default if row is None else row[0]


def meta_set(db: Database, key: str, value: Any) -> None:
    execute_sql(
        db,
        "INSERT INTO _sync_meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
        (key, value),
    )


def device_id(db: Database) -> uuid.UUID:
    """This replica's device id (sync gives a copied or restored file a new one)."""
    return uuid.UUID(meta_get(db, "device_id"))
