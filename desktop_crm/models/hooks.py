"""Extension points of the models layer, filled by the layers above at start-up.

The models know nothing of the application above them; a layer that must take part in opening or
migrating a database registers a hook here instead (sync does it in ``desktop_crm.sync.install``,
called once by every entry point: ``cli.main``, the tests' ``conftest``, the benchmarks):

* :data:`SQLITE_DATABASE_HOOKS` run on every SQLite database object as it is made, before it
  connects (SQL functions registered there exist on each of its connections);
* :data:`MIGRATION_STEP_HOOKS` run on a SQLite database inside each migration step's transaction,
  after the step and its version bump, with the new version.

Registering is idempotent; hooks run in the order they were registered.
"""

from __future__ import annotations

from collections.abc import Callable

import peewee

SqliteDatabaseHook = Callable[[peewee.SqliteDatabase], None]
MigrationStepHook = Callable[[peewee.Database, int], None]

SQLITE_DATABASE_HOOKS: list[SqliteDatabaseHook] = []
MIGRATION_STEP_HOOKS: list[MigrationStepHook] = []


def on_sqlite_database(hook: SqliteDatabaseHook) -> None:
    """Run ``hook(db)`` on every SQLite database made from now on (``models.db.make_database``)."""
    if hook not in SQLITE_DATABASE_HOOKS:
        SQLITE_DATABASE_HOOKS.append(hook)


def after_migration_step(hook: MigrationStepHook) -> None:
    """Run ``hook(db, version)`` inside each migration step of a SQLite database."""
    if hook not in MIGRATION_STEP_HOOKS:
        MIGRATION_STEP_HOOKS.append(hook)
