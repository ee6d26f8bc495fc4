"""Extension points of the models layer, filled by the layers above at start-up.

The models know nothing of the application above them; a layer that must take part in opening or
migrating a database registers a hook here instead (sync does it in ``desktop_crm.sync.install``,
called once by every entry point: ``cli.main``, the tests' ``conftest``, the benchmarks):

* :data:`SQLITE_DATABASE_HOOKS` run on every SQLite database object as it is made, before it
  connects (SQL functions registered there exist on each of its connections);
* :data:`MIGRATION_STEP_HOOKS` run on a SQLite database inside each migration step's transaction,
  after the step and its version bump, with the new version;
* :data:`ROW_SAVE_HOOKS` run in ``BaseModel.save`` before a row is written, with the row, whether
  it is new and the fields its caller set; each may return what to run once the row is written
  (field history, ``models.history``).

Registering is idempotent; hooks run in the order they were registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import peewee

SqliteDatabaseHook = Callable[[peewee.SqliteDatabase], None]
MigrationStepHook = Callable[[peewee.Database, int], None]
RowSaveHook = Callable[[Any, bool, frozenset[str]], Callable[[], None] | None]

SQLITE_DATABASE_HOOKS: list[SqliteDatabaseHook] = []
MIGRATION_STEP_HOOKS: list[MigrationStepHook] = []
ROW_SAVE_HOOKS: list[RowSaveHook] = []


def on_sqlite_database(hook: SqliteDatabaseHook) -> None:
    """Run ``hook(db)`` on every SQLite database made from now on (``models.db.make_database``)."""
    if hook not in SQLITE_DATABASE_HOOKS:
        SQLITE_DATABASE_HOOKS.append(hook)


def after_migration_step(hook: MigrationStepHook) -> None:
    """Run ``hook(db, version)`` inside each migration step of a SQLite database."""
    if hook not in MIGRATION_STEP_HOOKS:
        MIGRATION_STEP_HOOKS.append(hook)


def on_row_save(hook: RowSaveHook) -> None:
    """Run ``hook(row, new, set_fields)`` before each ``BaseModel.save`` writes; what it returns
    (if anything) runs right after the write, in the same transaction."""
    if hook not in ROW_SAVE_HOOKS:
        ROW_SAVE_HOOKS.append(hook)
