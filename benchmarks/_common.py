"""Shared helpers of the benchmarks (see /work/shared/guides/benchmarks.md for the contract)."""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
from pathlib import Path
from typing import Any

from desktop_crm.services.system import history, rights
from desktop_crm.sync import capture

# What cli.main does first, done once for every benchmark (each imports this module): sync takes
# part in opening and migrating databases, as in the application.
capture.install()
history.install()
# The benchmarks measure what an administrator sees (every row, every action), acting as the
# built-in administrator the tests use; the application itself always signs someone in.
rights.act_as(rights.administrator())

CACHE = Path(__file__).resolve().parent / ".cache"



def parser(description: str, deals: int = 1_000_000) -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--db", help="an existing demo database (SQLite path) to reuse")
    result.add_argument("--deals", type=int, default=deals, help="deals in a database built here")
    result.add_argument("--repeat", type=int, default=5, help="timed runs after one warm-up")
    return result


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def emit(metric: str, value: Any, unit: str, goal: Any, **extra: Any) -> None:
    print(json.dumps({"metric": metric, "value": value, "unit": unit, "goal": goal,
                      "extra": extra}, ensure_ascii=False), flush=True)


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def demo_database(args: argparse.Namespace) -> Path:
    """``--db``, else the shared 1M demo when it fits, else a cached demo built here."""
    if args.db:
        return Path(args.db)
    shared = CACHE / "demo-1m.db"
    if args.deals == 1_000_000 and shared.exists():
        note(f"using the shared demo database {shared}")
        return shared
    path = CACHE / f"demo-{args.deals}.db"
    if path.exists():
        note(f"using the cached demo database {path}")
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    note(f"building a demo database with {args.deals} deals in {path} (once; reused later)…")
    from desktop_crm.services.data.demo import DemoOptions, build_demo

    # the lists, board and reports measured here read rows, not stored document files
    build_demo(str(path), DemoOptions(deals=args.deals, files=False))
    return path


def open_readonly(path: Path):
    """Bind the models to ``path`` opened read-only (shared benchmark databases stay untouched)."""
    import peewee

    from desktop_crm.models.base import database
    from desktop_crm.models.db import SQLITE_PRAGMAS, UUID_COLUMN_TYPES

    pragmas = {k: v for k, v in SQLITE_PRAGMAS.items() if k not in ("journal_mode", "synchronous")}
    db = peewee.SqliteDatabase(f"file:{path.resolve()}?mode=ro", uri=True, pragmas=pragmas,
                               field_types=UUID_COLUMN_TYPES["sqlite"])
    db.connect()
    database.initialize(db)
    return db


def private_copy(source: Path, prefix: str) -> Path:
    """A copy of ``source`` for a benchmark that writes (``CACHE/<prefix>-<name>``), refreshed when
    the source is newer: shared demo databases are only read."""
    if source.name.startswith(f"{prefix}-"):
        note(f"using the private copy {source}")
        return source
    target = CACHE / f"{prefix}-{source.name}"
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        note(f"using the private copy {target}")
        return target
    note(f"copying {source} to {target} (the benchmark writes)…")
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    # SQLite's online backup, not a file copy: a file copied while someone migrates the source
    # (its WAL not yet checkpointed) is a malformed database. The backup reads one consistent
    # snapshot; it is written beside the target and renamed, so an interrupted copy leaves nothing.
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    reader = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)
    writer = sqlite3.connect(partial)
    try:
        reader.backup(writer, pages=65536)
    finally:
        writer.close()
        reader.close()
    partial.replace(target)
    return target
