"""Health checks of a database: readable, right schema version, intact, references valid.

``run_checks(url, checks)`` opens the database once and runs a list of :class:`Check` in order; each
returns a :class:`Outcome` (translated title and message, optional details). A failed *blocking*
check (the file cannot be opened, the schema is missing or newer) stops the run: the later checks
would only report noise. ``desktop-crm check`` prints the outcomes; other issues add their own checks
(for example the sales-rules report) to the same list.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop_crm.i18n import _, ngettext

#: Above this size SQLite gets ``quick_check`` instead of the full ``integrity_check``.
QUICK_CHECK_ABOVE_BYTES = 512 * 1024 * 1024
MAX_DETAILS = 20


@dataclass(frozen=True)
class Outcome:
    key: str
    ok: bool
    title: str
    message: str
    details: tuple[str, ...] = ()
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["details"] = list(self.details)
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass
class Context:
    """What the checks share: the URL, the open database (once opened) and the options."""

    url: str
    full: bool = False
    db: Any = None
    engine: str = ""
    version: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    key: str
    run: Callable[[Context], Outcome]
    blocking: bool = False  # stop after this check when it fails


def run_checks(url: str, checks: list[Check] | None = None, *, full: bool = False) -> list[Outcome]:
    """Run ``checks`` (the database checks by default) and close the database afterwards."""
    from desktop_crm.models import database

    context = Context(url=url, full=full)
    previous = database.obj
    outcomes: list[Outcome] = []
    try:
        for check in checks if checks is not None else database_checks():
            started = time.perf_counter()
            outcome = _run_one(check, context)
            outcome = Outcome(**{**asdict(outcome), "seconds": time.perf_counter() - started,
                                 "details": tuple(outcome.details)})
            outcomes.append(outcome)
            if check.blocking and not outcome.ok:
                break
    finally:
        if context.db is not None and not context.db.is_closed():
            context.db.close()
        if previous is not None:
            database.initialize(previous)
    return outcomes


def _run_one(check: Check, context: Context) -> Outcome:
    """One check; a database the environment stops (damaged pages, a lock) fails it with the
    typed error's message instead of ending the run with a traceback."""
    from desktop_crm.errors import classify

    try:
        return check.run(context)
    except Exception as error:
        typed = classify(error)
        if typed is None:
            raise
        return Outcome(check.key, False, _("Database"), typed.message)


def database_checks() -> list[Check]:
    return [
        Check("open", check_open, blocking=True),
        Check("schema_version", check_schema_version, blocking=True),
        Check("integrity", check_integrity),
        Check("foreign_keys", check_foreign_keys),
        Check("refused_changes", check_refused_changes),
    ]


# --- the checks ------------------------------------------------------------------------------------


def check_open(context: Context) -> Outcome:
    from desktop_crm.errors import DatabaseError, DatabaseFileDamaged
    from desktop_crm.models.db import (
        engine,
        is_postgres_url,
        is_read_only,
        open_database,
        redact,
        sqlite_path,
    )

    title = _("Database")
    name = redact(context.url)
    if not is_postgres_url(context.url):
        path = sqlite_path(context.url)
        if not path.is_file():
            return Outcome("open", False, title, _("{name}: no such file.").format(name=name))
    try:
        context.db = open_database(context.url)
    except DatabaseFileDamaged as error:
        return Outcome("open", False, title, error.message, _backup_hint(error.path))
    except DatabaseError as error:
        return Outcome("open", False, title, error.message)
    context.engine = engine(context.db)
    if context.engine == "sqlite":
        size = Path(context.db.database).stat().st_size
        context.extra["size"] = size
        message = _("{name} (SQLite, {size} MB)").format(name=name, size=_megabytes(size))
        if is_read_only(context.db):
            message = _("{name} (SQLite, {size} MB, read-only)").format(
                name=name, size=_megabytes(size))
    else:
        server = context.db.execute_sql("SHOW server_version").fetchone()[0]
        message = _("{name} (PostgreSQL {version})").format(name=name, version=server)
    return Outcome("open", True, title, message)


def _backup_hint(path: Path) -> tuple[str, ...]:
    from desktop_crm.models.schema import latest_backup

    backup = latest_backup(path)
    if backup is None:
        return ()
    return (_("The latest backup is {backup}; the application offers to put it back when it "
              "starts on this file.").format(backup=backup),)


def check_schema_version(context: Context) -> Outcome:
    from desktop_crm.errors import DatabaseUnreadable
    from desktop_crm.models.schema import LATEST_VERSION, current_version

    title = _("Schema version")
    try:
        version = current_version(context.db)
    except DatabaseUnreadable as error:
        return Outcome("schema_version", False, title, error.message)
    context.version = version
    if version is None:
        return Outcome("schema_version", False, title, _(
            "The database is empty: run “desktop-crm migrate” to create the tables."))
    if version < LATEST_VERSION:
        return Outcome("schema_version", False, title, _(
            "Schema {found} is older than this version's {known}: run “desktop-crm migrate” to "
            "upgrade it (a SQLite file is backed up first).").format(found=version, known=LATEST_VERSION))
    if version > LATEST_VERSION:
        return Outcome("schema_version", False, title, _(
            "Schema {found} was written by a newer Desktop CRM (this version knows {known}); it is "
            "refused. Update the application to use this database.").format(
                found=version, known=LATEST_VERSION))
    return Outcome("schema_version", True, title,
                   _("{version}, up to date.").format(version=version))


def check_integrity(context: Context) -> Outcome:
    title = _("Integrity")
    if context.engine != "sqlite":
        return _postgres_constraints(context)
    size = context.extra.get("size", 0)
    quick = size > QUICK_CHECK_ABOVE_BYTES and not context.full
    pragma = "quick_check" if quick else "integrity_check"
    rows = [row[0] for row in context.db.execute_sql(f"PRAGMA {pragma}({MAX_DETAILS})").fetchall()]
    ok = rows == ["ok"]
    if quick:
        message = (_("Quick check passed (the file is large, {size} MB: “check --full” runs the "
                     "complete integrity check).") if ok else
                   _("The quick check found damage (the file is large, {size} MB).")).format(
            size=_megabytes(size))
    else:
        message = _("Integrity check passed.") if ok else _("The integrity check found damage.")
    return Outcome("integrity", ok, title, message, () if ok else tuple(rows))


def check_foreign_keys(context: Context) -> Outcome:
    title = _("References")
    if context.engine != "sqlite":
        return _postgres_references(context)
    rows = context.db.execute_sql("PRAGMA foreign_key_check").fetchall()
    if not rows:
        return Outcome("foreign_keys", True, title, _("Every reference points to an existing row."))
    per_table: dict[tuple[str, str], int] = {}
    for table, _rowid, parent, _fkid in rows:
        per_table[table, parent] = per_table.get((table, parent), 0) + 1
    details = tuple(
        _("{table} → {parent}: {count}").format(table=table, parent=parent, count=count)
        for (table, parent), count in sorted(per_table.items())
    )
    return Outcome("foreign_keys", False, title, ngettext(
        "{count} reference points to a missing row.",
        "{count} references point to missing rows.", len(rows)).format(count=len(rows)),
        details[:MAX_DETAILS])


def check_refused_changes(context: Context) -> Outcome:
    """A replica's changes the server refused for good (a right, a frozen document): kept aside
    until the user sends them again or discards them, so the check does not call that all well."""
    from desktop_crm.models.sync_meta import is_replica
    from desktop_crm.services.system.sync import describe_refusal

    title = _("Refused changes")
    if context.engine != "sqlite" or not is_replica(context.db):
        return Outcome("refused_changes", True, title, _("Not a replica: nothing is sent to a server."))
    rows = context.db.execute_sql("SELECT tbl, error FROM _outbox_parked ORDER BY seq").fetchall()
    if not rows:
        return Outcome("refused_changes", True, title, _("The server accepted every change sent."))
    details = tuple(
        _("{table}: {reason}").format(table=table, reason=describe_refusal(error))
        for table, error in rows[:MAX_DETAILS]
    )
    return Outcome("refused_changes", False, title, ngettext(
        "The server refused {count} change; it is kept aside (Sync › Refused changes).",
        "The server refused {count} changes; they are kept aside (Sync › Refused changes).",
        len(rows)).format(count=len(rows)), details)


# --- PostgreSQL --------------------------------------------------------------------------------------


def _foreign_keys(db: Any) -> list[tuple[str, str, str, str, str, bool, bool]]:
    """(constraint, table, column, parent table, parent column, deferrable, validated)."""
    rows: list[tuple[str, str, str, str, str, bool, bool]] = db.execute_sql(
        "SELECT c.conname, c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, "
        "pa.attname, c.condeferrable, c.convalidated FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1] "
        "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace "
        "ORDER BY 2, 3").fetchall()
    return rows


def _postgres_constraints(context: Context) -> Outcome:
    """Deferred constraints are enforced at commit: make them immediate and list any not validated."""
    title = _("Integrity")
    db = context.db
    keys = _foreign_keys(db)
    with db.atomic() as transaction:
        db.execute_sql("SET CONSTRAINTS ALL IMMEDIATE")
        transaction.rollback()
    not_validated = [f"{table}.{column} ({name})" for name, table, column, *_rest, valid in keys
                     if not valid]
    deferred = sum(1 for key in keys if key[5])
    if not_validated:
        return Outcome("integrity", False, title, _(
            "Some constraints were never validated against the existing rows."),
            tuple(not_validated[:MAX_DETAILS]))
    return Outcome("integrity", True, title, ngettext(
        "{count} deferred constraint is valid.", "{count} deferred constraints are valid.",
        deferred).format(count=deferred))


def _postgres_references(context: Context) -> Outcome:
    """Every foreign key re-verified row by row (what SQLite's foreign_key_check does)."""
    title = _("References")
    db = context.db
    details = []
    total = 0
    for _name, table, column, parent, parent_column, _deferrable, _valid in _foreign_keys(db):
        count = db.execute_sql(
            f'SELECT count(*) FROM {table} c WHERE c."{column}" IS NOT NULL AND NOT EXISTS '
            f'(SELECT 1 FROM {parent} p WHERE p."{parent_column}" = c."{column}")').fetchone()[0]
        if count:
            total += count
            details.append(_("{table} → {parent}: {count}").format(
                table=table.strip('"'), parent=parent.strip('"'), count=count))
    if not total:
        return Outcome("foreign_keys", True, title, _("Every reference points to an existing row."))
    return Outcome("foreign_keys", False, title, ngettext(
        "{count} reference points to a missing row.",
        "{count} references point to missing rows.", total).format(count=total),
        tuple(details[:MAX_DETAILS]))


def _megabytes(size: int) -> str:
    from decimal import Decimal

    from desktop_crm.i18n.formatting import format_amount

    return format_amount(Decimal(size) / Decimal(1_000_000), places=1)
