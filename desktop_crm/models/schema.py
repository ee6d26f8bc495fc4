"""Creating, migrating and describing the schema.

A new database is created from the models at the latest version. An older one is upgraded step by
step (``migrations/``): each step runs in one transaction together with its version bump, and a
SQLite file is backed up first. A database written by a newer application is refused.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee

from desktop_crm import __version__
from desktop_crm.errors import DatabaseReadOnly, DatabaseTooNew, DatabaseUnreadable
from desktop_crm.i18n import _
from desktop_crm.models import ALL_MODELS, SchemaVersion, hooks
from desktop_crm.models.db import engine, execute_sql, is_read_only
from desktop_crm.models.migrations import STEPS
from desktop_crm.models.people import create_preset_roles
from desktop_crm.models.search import create_search_index

log = logging.getLogger(__name__)

LATEST_VERSION = max(STEPS)


@dataclass(frozen=True)
class MigrationResult:
    from_version: int | None  # None: the database was empty and has been created
    to_version: int
    backup: Path | None

    @property
    def created(self) -> bool:
        return self.from_version is None

    @property
    def migrated(self) -> bool:
        return self.from_version is not None and self.from_version != self.to_version


def table_names(db: peewee.Database) -> set[str]:
    return set(db.get_tables())


def current_version(db: peewee.Database) -> int | None:
    """The schema version stored in the database; ``None`` for an empty database."""
    tables = table_names(db)
    if "schema_version" not in tables:
        if tables & {model._meta.table_name for model in ALL_MODELS}:
            raise DatabaseUnreadable(
                _("The database has CRM tables but no schema version; it cannot be used safely.")
            )
        if tables:
            raise DatabaseUnreadable(_("The database belongs to another application."))
        return None
    row = SchemaVersion.select().order_by(SchemaVersion.id).first()
    return row.version if row else None


def _upsert_version(version: int) -> None:
    updated = (
        SchemaVersion.update(version=version, app_version=__version__, migrated_at=_now())
        .where(SchemaVersion.id == 1)
        .execute()
    )
    if not updated:
        SchemaVersion.create(id=1, version=version, app_version=__version__, migrated_at=_now())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def create_schema(db: peewee.Database) -> None:
    """Create every table and index of the latest version in an empty database."""
    with db.atomic():
        db.create_tables([SchemaVersion, *ALL_MODELS])
        create_search_index(db, engine(db))
        create_preset_roles()
        _upsert_version(LATEST_VERSION)


def backup_sqlite(db: peewee.Database, version: int) -> Path:
    """Copy the SQLite file beside itself before it is migrated (online backup, WAL-safe)."""
    source = Path(db.database)
    stamp_text = _now().strftime("%Y%m%d-%H%M%S")
    target = source.with_name(f"{source.stem}.v{version}-{stamp_text}.bak{source.suffix}")
    with sqlite3.connect(target) as copy:
        connection: Callable[[], sqlite3.Connection] = db.connection
        connection().backup(copy)
    copy.close()
    return target


def migrate(
    db: peewee.Database, progress: Callable[[int, int], None] | None = None
) -> MigrationResult:
    """Bring the database to ``LATEST_VERSION`` (create it when empty)."""
    version = current_version(db)
    if version is None:
        _refuse_read_only(db, version)
        create_schema(db)
        return MigrationResult(None, LATEST_VERSION, None)
    if version > LATEST_VERSION:
        raise DatabaseTooNew(
            _(
                "The database was created by a newer version of Desktop CRM (schema {found}, "
                "this version knows {known}). Update the application to open it."
            ).format(found=version, known=LATEST_VERSION)
        )
    if version == LATEST_VERSION:
        return MigrationResult(version, version, None)
    _refuse_read_only(db, version)
    backup = backup_sqlite(db, version) if engine(db) == "sqlite" else None
    start = version
    for step_version in range(version + 1, LATEST_VERSION + 1):
        log.info("migrating schema %s -> %s", step_version - 1, step_version)
        with db.atomic():
            step = STEPS.get(step_version)  # a number reserved by a parallel branch may be absent
            if step is not None:
                step(db, engine(db))
            _upsert_version(step_version)
            if engine(db) == "sqlite":  # e.g. a sync replica regenerates its capture triggers
                for hook in hooks.MIGRATION_STEP_HOOKS:
                    hook(db, step_version)
        if progress:
            progress(step_version - start, LATEST_VERSION - start)
    return MigrationResult(start, LATEST_VERSION, backup)


def _refuse_read_only(db: peewee.Database, version: int | None) -> None:
    if not is_read_only(db):
        return
    if version is None:
        raise DatabaseReadOnly(_(
            "The database file is empty and read-only, so no database can be created in it. "
            "Check that you may write to the file."))
    raise DatabaseReadOnly(_(
        "The database (schema {found}) must be upgraded to schema {known} before this version can "
        "use it, but the file is read-only. Check that you may write to it, or ask your "
        "administrator.").format(found=version, known=LATEST_VERSION))


# --- backups: the copy made before each upgrade, and putting one back ------------------------------


def backups_of(path: Path) -> list[Path]:
    """The backups :func:`backup_sqlite` made of ``path``, newest first."""
    pattern = f"{path.stem}.v*-*.bak{path.suffix}"
    found = [candidate for candidate in path.parent.glob(pattern) if candidate.is_file()]
    return sorted(found, key=lambda candidate: candidate.stat().st_mtime, reverse=True)


def latest_backup(path: Path) -> Path | None:
    found = backups_of(path)
    return found[0] if found else None


def restore_backup(path: Path, backup: Path) -> Path:
    """Put ``backup`` in the place of the (damaged) database ``path``; the damaged file and its
    journal files are kept beside it, renamed. Returns where the damaged file went."""
    import shutil

    stamp_text = _now().strftime("%Y%m%d-%H%M%S")
    damaged = path.with_name(f"{path.stem}.damaged-{stamp_text}{path.suffix}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.replace(damaged.with_name(damaged.name + suffix))
    shutil.copy2(backup, path)
    return damaged


def snapshot(db: peewee.Database) -> dict[str, object]:
    """A comparable description of the schema: columns, indexes, foreign keys and triggers."""
    return _sqlite_snapshot(db) if engine(db) == "sqlite" else _postgres_snapshot(db)


def _sqlite_snapshot(db: peewee.Database) -> dict[str, object]:
    result: dict[str, object] = {}
    rows = execute_sql(
        db, "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    ).fetchall()
    for kind, name, table, sql in rows:
        if kind == "table":
            columns = execute_sql(db, f'PRAGMA table_info("{name}")').fetchall()
            foreign = execute_sql(db, f'PRAGMA foreign_key_list("{name}")').fetchall()
            result[f"table {name}"] = {
                "columns": sorted((c[1], c[2].upper(), c[3], c[4], c[5]) for c in columns),
                "foreign_keys": sorted((f[2], f[3], f[4], f[6]) for f in foreign),
                "virtual": (sql or "").upper().startswith("CREATE VIRTUAL"),
            }
        elif kind == "index":
            columns = execute_sql(db, f'PRAGMA index_info("{name}")').fetchall()
            where = (sql or "").upper().partition(" WHERE ")[2]
            unique = "UNIQUE" in (sql or "").upper().split("INDEX")[0]
            result[f"index {table}.{[c[2] for c in columns]}"] = (unique, where)
        elif kind == "trigger":
            result[f"trigger {name}"] = " ".join((sql or "").split())
    return result


def _postgres_snapshot(db: peewee.Database) -> dict[str, object]:
    result: dict[str, object] = {}
    columns = execute_sql(
        db,
        "SELECT table_name, column_name, data_type, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_schema = current_schema()"
    ).fetchall()
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for table, column, data_type, nullable, default in sorted(columns):
        tables.setdefault(f"table {table}", []).append((column, data_type, nullable, default))
    result.update(tables)
    for table, definition in execute_sql(
        db, "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    ).fetchall():
        key = definition.partition(" ON ")[2]
        result[f"index {table} {key}"] = "UNIQUE" in definition.partition(" ON ")[0]
    for _name, table, definition in execute_sql(
        db,
        "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = current_schema()::regnamespace"
    ).fetchall():
        result[f"constraint {table} {definition}"] = True
    return result
