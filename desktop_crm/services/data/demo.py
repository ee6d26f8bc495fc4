"""A realistic, reproducible demo database, from a few deals to a million.

``build_demo(url, DemoOptions(deals=…, seed=…, locale="ru"|"it"|"both"))`` fills an empty SQLite
file or PostgreSQL database with Russian and Italian sellers, their users, pipelines (the stages of
the seed documents), catalog, client companies, contacts, leads, deals with lines, timelines, stage
history, quotes, invoices and payments.

Everything derives from one seeded random generator and a fixed "now" (:data:`DEMO_NOW`), ids
included (UUIDv7 shaped: the row's creation time, then random bits from the generator), so the same
seed always gives the same database.

Rows go in through one bulk path on both engines: raw ``executemany`` on the driver's cursor, in
big transactions, with every stored value precomputed (folded search texts, name keys, e-mail keys,
E.164 phones, cached amounts and correctness flags as the sales rules define them). Secondary
indexes and search triggers are dropped for the load and re-created from their own DDL afterwards,
then the search index is rebuilt. A SQLite demo is built beside its target and renamed into place
only when complete; a PostgreSQL demo is one transaction. Either way nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.services.data.demo_automation import add_robot_examples
from desktop_crm.services.data.demo_base import DEMO_NOW, Progress
from desktop_crm.services.data.demo_builder import _Builder

__all__ = ["DEMO_NOW", "DemoError", "DemoOptions", "DemoSummary", "build_demo"]

LOCALES = ("ru", "it", "both")


class DemoError(CrmError):
    """The demo database cannot be built where asked."""


@dataclass(frozen=True)
class DemoOptions:
    deals: int = 5_000
    seed: int = 1
    locale: str = "both"
    now: dt.datetime = DEMO_NOW
    # issue the papers and store every issued document's files while building (most of the time of
    # a standard demo: each document is rendered); False leaves them to the first print
    files: bool = True

    def __post_init__(self) -> None:
        if self.deals < 0:
            raise DemoError(_("The number of deals cannot be negative."))
        if self.locale not in LOCALES:
            raise DemoError(_("Unknown demo locale {locale}: use ru, it or both.").format(
                locale=self.locale))


@dataclass
class DemoSummary:
    url: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def deals(self) -> int:
        return self.rows.get("deal", 0)


def build_demo(url: str, options: DemoOptions | None = None,
               progress: Progress | None = None) -> DemoSummary:
    """Build the demo into ``url`` (a SQLite path that does not exist yet or is an empty database,
    or an empty PostgreSQL database). Returns how many rows each table received."""
    from desktop_crm.models import database
    from desktop_crm.models.db import is_postgres_url, open_database, sqlite_path
    from desktop_crm.models.schema import migrate

    options = options or DemoOptions()
    started = time.perf_counter()
    previous = database.obj
    db: Any  # peewee's stubs leave ``execute_sql`` untyped: the database is handled as ``Any`` here
    if is_postgres_url(url):
        db = open_database(url)
        try:
            migrate(db)
            _refuse_filled(db, url)
            with db.atomic():
                rows = _Builder(db, "postgres", options, progress).run()
                localise_settings(options.locale)
                add_robot_examples()
        finally:
            db.close()
            database.initialize(previous)
    else:
        target = sqlite_path(url)
        if target.exists() and target.stat().st_size > 0:
            _refuse_existing_file(target)
        building = target.with_name(target.name + ".building")
        _remove_sqlite_files(building)
        db = open_database(str(building), create_folder=True)
        try:
            migrate(db)
            db.execute_sql("PRAGMA journal_mode = OFF")
            db.execute_sql("PRAGMA synchronous = OFF")
            db.execute_sql("PRAGMA cache_size = -1000000")
            rows = _Builder(db, "sqlite", options, progress).run()
            localise_settings(options.locale)
            add_robot_examples()
            db.execute_sql("PRAGMA journal_mode = WAL")
            db.close()
            _remove_sqlite_files(target)
            os.replace(building, target)
        except BaseException:
            if not db.is_closed():
                db.close()
            _remove_sqlite_files(building)
            raise
        finally:
            database.initialize(previous)
    return DemoSummary(url, rows, time.perf_counter() - started)


def localise_settings(locale: str) -> None:
    """An Italian-only demo is an Italian business: Italian phone numbers, Italian filler phrases
    listed first (the built-in list starts with the Russian ones)."""
    if locale != "it":
        return
    from desktop_crm.services.sales import rules

    rules.PHONE_REGION.set("IT")
    phrases = [str(p) for p in rules.COMMENT_STOP_PHRASES.default]
    cyrillic = [p for p in phrases if any("\u0400" <= c <= "\u04ff" for c in p)]
    rules.COMMENT_STOP_PHRASES.set([p for p in phrases if p not in cyrillic] + cyrillic)


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()


def _refuse_existing_file(path: Path) -> None:
    """An existing file is only replaced when it is an empty, freshly created CRM database."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            filled = "deal" not in tables or conn.execute(
                'SELECT (SELECT count(*) FROM "user") + (SELECT count(*) FROM deal)').fetchone()[0]
        conn.close()
    except sqlite3.DatabaseError:
        filled = True
    if filled:
        raise DemoError(
            _("{path} already exists. The demo is only built into a new file: choose another "
              "name or remove that file first.").format(path=path))


def _refuse_filled(db: Any, url: str) -> None:
    from desktop_crm.models.db import redact

    count = db.execute_sql('SELECT (SELECT count(*) FROM "user") + (SELECT count(*) FROM deal)')
    if count.fetchone()[0]:
        raise DemoError(
            _("The database {name} already holds data. The demo is only built into an empty "
              "database.").format(name=redact(url)))
