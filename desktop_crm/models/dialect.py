"""The database dialect: what differs between SQLite and PostgreSQL, and the speed tricks, in one place.

Services say what they want — "this select, read along the live-rows index of these columns",
"count the live rows", "the month of this date", "the median of this column", "a temporary table
keyed by deal" — and this module decides how on each engine. Services ask here instead of
comparing engine names or editing SQL text.

* **Engine** — :func:`is_sqlite`, :func:`is_postgres`, :func:`database_key` (which database the
  models are bound to, for caches); :func:`execute`, :func:`fetch_all` and :func:`tuples` run
  statements with types the peewee stubs do not give.
* **Row keys** — :func:`row_key`: the rowid on SQLite (8 bytes, stored in every index), the UUID
  on PostgreSQL; :func:`read_keys` streams them compactly; :func:`row_key_param` binds one.
* **Index hints** (SQLite only; PostgreSQL's planner has statistics) — :func:`live_index`,
  :func:`along_index`, :func:`along_named_index`, :func:`index_hint`, :func:`live_index_hint`.
  SQLite's planner guesses
  ten rows per key for an index without statistics (a migration adds indexes after the last
  ``ANALYZE``), so statements that are fast only along one index name it with ``INDEXED BY``,
  found by its columns, so that a database without it (an older schema) still works unhinted.
  :func:`reads_along_index` decides when a filtered list walks its sort index.
* **Compiled SQL** — :class:`SqlCache` (peewee spends longer building a seven-join query than
  SQLite running it), :func:`paged` (one compiled statement serves every block: ``LIMIT`` and
  ``OFFSET`` are bound at run time) and :func:`marked` (any parameters bound at run time).
* **Counting** — :func:`count` (exact) and :func:`count_live_rows` (exact; SQLite reads the
  narrowest partial index over live rows instead of the table).
* **Seeking key by key** — :func:`present_keys`: conditions naming the keys present, so that
  SQLite reads a grouped range query as one short range per key (a loose index scan finds them).
* **SQL pieces** — :func:`uuid_text_sql`, :func:`nulls_first`, :func:`month_key`,
  :func:`median_aggregate`, :func:`for_update`, and :class:`TempTables`.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import peewee

from desktop_crm.models.base import database
from desktop_crm.models.db import engine
from desktop_crm.models.fields import coerce_uuid

T = TypeVar("T")


# --- engine -----------------------------------------------------------------------------------
def bound(db: peewee.Database | peewee.DatabaseProxy | None = None) -> peewee.Database:
    """``db``, else the database the models are bound to (unwrapping the proxy)."""
    if isinstance(db, peewee.Database):
        return db
    target: peewee.Database = (db or database).obj
    return target


def execute(sql: str, params: Sequence[Any] | None = None, db: peewee.Database | None = None) -> Any:
    """Run ``sql`` on ``db`` (else the bound database) and return the DB-API cursor."""
    return bound(db).execute_sql(sql, params)


def tuples(query: Any) -> list[tuple[Any, ...]]:
    """Every row of a peewee select as a tuple (the stubs type a select's rows as model rows)."""
    return list(query.tuples())


def is_sqlite(db: peewee.Database | None = None) -> bool:
    return engine(bound(db)) == "sqlite"


def is_postgres(db: peewee.Database | None = None) -> bool:
    return engine(bound(db)) == "postgres"


def database_key() -> tuple[str, str]:
    """Which database the models are bound to (engine and file or URL), for the caches."""
    db = bound()
    return engine(db), str(db.database)


# --- row keys ---------------------------------------------------------------------------------
def row_key(model: Any) -> Any:
    """The cheapest unique key of a row: ``rowid`` on SQLite, the id on PostgreSQL."""
    return peewee.Column(model, "rowid") if is_sqlite() else model.id


def same_key(value: Any) -> Any:
    """A key read back from the database, comparable with those :func:`read_keys` returns."""
    return value if is_sqlite() else coerce_uuid(value)


def row_key_param(model: Any, key: object) -> object:
    """A key as :func:`row_key` read it (e.g. kept in a keyset cursor), as a statement parameter
    bound by hand: the rowid as it is on SQLite, the id as the driver takes it on PostgreSQL."""
    return key if is_sqlite() else model.id.db_value(key)


def read_keys(cursor: Any, cancelled: Callable[[], bool] | None = None,
              batch: int = 50_000) -> Sequence[Any]:
    """The first column of every row of ``cursor``, in batches, stopping early when ``cancelled``.

    SQLite rowids go to an ``array`` (8 bytes a key); PostgreSQL UUIDs to a list.
    """
    sqlite = is_sqlite()
    keys: array[int] | list[Any] = array("q") if sqlite else []
    while True:
        rows = cursor.fetchmany(batch)
        if not rows:
            break
        if isinstance(keys, array):
            keys.extend([record[0] for record in rows])
        else:
            keys.extend(coerce_uuid(record[0]) for record in rows)
        if cancelled is not None and cancelled():
            break
    return keys


# --- index hints (SQLite) -----------------------------------------------------------------------
_LIVE_INDEXES: dict[tuple[Any, ...], str | None] = {}


@dataclass(frozen=True, slots=True)
class _IndexInfo:
    name: str
    columns: tuple[str, ...]
    live_only: bool  # partial over live rows: ``WHERE deleted_at IS NULL`` and nothing else


def _indexes(table: str) -> list[_IndexInfo]:
    found = []
    for name, sql in execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", [table]
    ).fetchall():
        text = " ".join((sql or "").replace('"', "").lower().split())
        head = text.partition("(")[2].partition(")")[0]
        where = text.partition(" where ")[2].replace("(", "").replace(")", "").strip()
        columns = tuple(c.strip() for c in head.split(","))
        found.append(_IndexInfo(name, columns, where == "deleted_at is null"))
    return found


def live_index(table: str, columns: Sequence[str], exact: bool = False) -> str | None:
    """SQLite: the partial index over live rows whose columns start with ``columns`` (are exactly
    ``columns`` when ``exact``); the shortest name when several do. None elsewhere or when none."""
    if not is_sqlite():
        return None
    wanted = tuple(columns)
    key = (database_key(), table, wanted, exact)
    if key not in _LIVE_INDEXES:
        names = [
            index.name for index in _indexes(table)
            if index.live_only and (index.columns == wanted if exact
                                    else index.columns[:len(wanted)] == wanted)
        ]
        _LIVE_INDEXES[key] = min(names, key=len) if names else None
    return _LIVE_INDEXES[key]


def narrowest_live_index(table: str) -> str | None:
    """SQLite: the partial index over live rows with the fewest columns (the cheapest to count)."""
    if not is_sqlite():
        return None
    key = (database_key(), table, "narrowest")
    if key not in _LIVE_INDEXES:
        live = [index for index in _indexes(table) if index.live_only]
        _LIVE_INDEXES[key] = min(live, key=lambda i: len(i.columns)).name if live else None
    return _LIVE_INDEXES[key]


def index_exists(name: str, db: peewee.Database | None = None) -> bool:
    """SQLite: whether an index of this name exists (False on PostgreSQL: hints are SQLite's)."""
    return is_sqlite(db) and execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", [name], db
    ).fetchone() is not None


def index_hint(name: str | None) -> str:
    """`` INDEXED BY "name"`` to follow a table in hand-written SQL (SQLite, when ``name``)."""
    return f' INDEXED BY "{name}"' if name and is_sqlite() else ""


def named_index_hint(name: str, db: peewee.Database | None = None) -> str:
    """:func:`index_hint` for an index known by name, when the database has it."""
    return index_hint(name) if index_exists(name, db) else ""


def live_index_hint(table: str, columns: Sequence[str]) -> str:
    """:func:`index_hint` for the live-rows index of ``table`` starting with ``columns``."""
    return index_hint(live_index(table, columns))


def along_named_index(sql: str, table: str, name: str, alias: str = "t1") -> str:
    """``sql`` (as peewee writes it) with its first ``FROM "table" AS "alias"`` read through the
    index ``name``; unchanged on PostgreSQL or when the database lacks that index. For an index
    that is partial over more than the live rows: the statement must say all its conditions."""
    hint = named_index_hint(name)
    source = f'FROM "{table}" AS "{alias}"'
    return sql.replace(source, source + hint, 1) if hint else sql


# A filter keeping more than 1/DENSE_SHARE of a table's rows (2 %) is read along the sort column's
# index, stopping after one block, rather than by collecting every match and sorting it.
DENSE_SHARE = 50


def reads_along_index(matching: int, total: Callable[[], int]) -> bool:
    """Whether ``matching`` rows out of ``total()`` are many enough to walk the sort index for
    (SQLite only: PostgreSQL plans it from statistics, and ``total`` is then never counted)."""
    return is_sqlite() and matching * DENSE_SHARE > total()


def along_index(sql: str, table: str, columns: Sequence[str], *, exact: bool = False,
                alias: str = "t1", condition: str = "", first_only: bool = False) -> str:
    """``sql`` (as peewee writes it) with ``FROM "table" AS "alias"`` read through the live-rows
    index of ``columns`` (see :func:`live_index`); unchanged on PostgreSQL or without the index.

    ``alias`` is a regular expression; ``condition`` one that must follow the ``FROM`` (give a
    hint only where the statement constrains the index's first column, else SQLite fails);
    ``first_only`` hints the first such ``FROM`` alone.
    """
    index = live_index(table, columns, exact)
    if index is None:
        return sql
    pattern = re.compile(rf'FROM "{re.escape(table)}" AS "(?P<alias>{alias})"(?={condition})')
    return pattern.sub(lambda m: f'{m.group(0)} INDEXED BY "{index}"', sql,
                       count=1 if first_only else 0)


# --- compiled SQL ---------------------------------------------------------------------------------
class SqlCache(Generic[T]):
    """Compiled statements by key, per database, oldest dropped first beyond ``size``."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: dict[tuple[Any, ...], T] = {}

    def get(self, key: tuple[Any, ...] | None, build: Callable[[], T]) -> T:
        """The statement under ``key``, built once; ``key`` None: built every time (not cached)."""
        if key is None:
            return build()
        full = (database_key(), *key)
        found = self._items.get(full)
        if found is None:
            if len(self._items) >= self.size:
                self._items.pop(next(iter(self._items)))
            found = self._items[full] = build()
        return found

    def clear(self) -> None:
        self._items.clear()


# Stands for LIMIT and OFFSET while compiling; the real values are bound at run time.
BLOCK_SENTINEL = 987_654_321


@dataclass(frozen=True, slots=True)
class PagedSql:
    """A compiled ``SELECT … LIMIT ? OFFSET ?``: one statement serves every block."""

    sql: str
    params: tuple[Any, ...]

    def bind(self, limit: int, offset: int) -> list[Any]:
        return [*self.params, limit, offset]

    def along_index(self, table: str, columns: Sequence[str], exact: bool = False) -> PagedSql:
        """The same statement reading ``table`` along a live-rows index (see :func:`along_index`)."""
        return PagedSql(along_index(self.sql, table, columns, exact=exact, first_only=True),
                        self.params)


def paged(query: Any) -> PagedSql:
    """Compile ``query`` (a peewee select without limit or offset) for :meth:`PagedSql.bind`."""
    sql, params = query.limit(BLOCK_SENTINEL).offset(BLOCK_SENTINEL).sql()
    if params[-2:] != [BLOCK_SENTINEL, BLOCK_SENTINEL]:
        raise RuntimeError("unexpected query shape")
    return PagedSql(sql, tuple(params[:-2]))


@dataclass(frozen=True, slots=True)
class MarkedSql:
    """A statement compiled once with marker values (values no real row holds) standing for some
    of its parameters, run with the real values in their places (:func:`marked`)."""

    sql: str
    params: tuple[Any, ...]
    places: Mapping[int, str]  # parameter position -> name of the value that goes there

    def bind(self, values: Mapping[str, Any]) -> list[Any]:
        params = list(self.params)
        for index, name in self.places.items():
            params[index] = values[name]
        return params

    def run(self, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return fetch_all(self.sql, self.bind(values))


def marked(query: Any, marks: Mapping[str, Any], wanted: Iterable[str] | None = None,
           edit: Callable[[str], str] | None = None) -> MarkedSql:
    """Compile ``query`` (a peewee select built with the ``marks`` values, as the driver takes
    them) for :meth:`MarkedSql.run`. ``wanted``: the marks it must contain (default: all);
    ``edit`` rewrites the SQL (e.g. :func:`along_index`)."""
    sql, params = query.sql()
    places: dict[int, str] = {}
    for index, value in enumerate(params):
        for name, mark in marks.items():
            if type(value) is type(mark) and value == mark:
                places[index] = name
    expected = set(marks if wanted is None else wanted)
    if set(places.values()) != expected:
        raise RuntimeError(f"unexpected query shape: marks {sorted(set(places.values()))} "
                           f"found, {sorted(expected)} wanted")
    return MarkedSql(edit(sql) if edit else sql, tuple(params), places)


def fetch_all(sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    """Run hand-compiled SQL on the bound database (peewee's row building skipped)."""
    rows: list[tuple[Any, ...]] = execute(sql, list(params)).fetchall()
    return rows


# --- counting -------------------------------------------------------------------------------------
def count(query: Any) -> int:
    """The exact number of rows ``query`` (a peewee select) matches."""
    return int(query.select(peewee.fn.COUNT(peewee.SQL("*"))).scalar() or 0)


def count_live_rows(table: str) -> int:
    """The exact number of live rows (``deleted_at IS NULL``) of ``table``.

    Without statistics SQLite scans the whole table to count them; through the narrowest
    partial index over live rows it reads only that index.
    """
    hint = index_hint(narrowest_live_index(table))
    row = execute(f'SELECT COUNT(*) FROM "{table}"{hint} WHERE deleted_at IS NULL').fetchone()
    return int(row[0])


# --- seeking key by key ---------------------------------------------------------------------------
def present_keys(model: Any, equal: Mapping[Any, Any], keys: Sequence[Any]) -> list[peewee.ColumnBase]:
    """Conditions that keep every live row of ``model`` matching ``equal`` (so they change no
    result of a query already narrowed to those rows) but let SQLite read such a query as one short
    range per key: ``key IN (the values present)`` for each of ``keys``.

    A report grouping by ``keys`` and filtering the index's next column by a range (a period) then
    reads only the rows in the range, in the index's order, and never sorts; without them SQLite
    reads every row of ``equal`` along that index, or the range along another index and sorts.
    The values present are found in the same statement by skipping along the live-rows index of
    (``equal``'s columns, ``keys``…) from one distinct key to the next: one seek per key however
    many rows each has. ``keys`` are never NULL. Nothing on PostgreSQL (its planner does without
    the hint) or without such an index.
    """
    if not is_sqlite():
        return []
    table = model._meta.table_name
    fixed = [field.column_name for field in equal]
    names = [field.column_name for field in keys]
    index = live_index(table, [*fixed, *names])
    if index is None:
        return []
    if any(field.null for field in keys):
        raise ValueError("a NULL key cannot be skipped to")
    values = [field.db_value(value) for field, value in equal.items()]
    source = f'"{table}" INDEXED BY "{index}"'
    where = " AND ".join([*(f'"{name}" = ?' for name in fixed), "deleted_at IS NULL"])
    columns = ", ".join(f'"{name}"' for name in names)
    # the next key after k: the first index entry greater in the last column with the others
    # equal, else in the one before, …, else in the first
    nexts = []
    for level in reversed(range(len(names))):
        same = "".join(f' AND "{name}" = k."{name}"' for name in names[:level])
        rest = ", ".join(f'"{name}"' for name in names[level:])
        nexts.append(f'(SELECT rowid FROM {source} WHERE {where}{same} '
                     f'AND "{names[level]}" > k."{names[level]}" ORDER BY {rest} LIMIT 1)')
    present = (
        f"WITH RECURSIVE k({columns}) AS ("
        f"SELECT * FROM (SELECT {columns} FROM {source} WHERE {where} ORDER BY {columns} LIMIT 1) "
        f"UNION ALL SELECT {', '.join(f'n.{name!r}'.replace(chr(39), chr(34)) for name in names)} "
        f'FROM k JOIN "{table}" AS n ON n.rowid = COALESCE({", ".join(nexts)}))'
    )
    params = values * (1 + len(names))
    return [field.in_(peewee.SQL(f'({present} SELECT DISTINCT "{name}" FROM k)', params))
            for field, name in zip(keys, names, strict=True)]


# --- SQL pieces -----------------------------------------------------------------------------------
def uuid_text_sql(column: str, db: peewee.Database | None = None) -> str:
    """SQL reading a UUID key cheaply as text: canonical on PostgreSQL, 32 hex digits on SQLite
    (:func:`uuid_from_text` gives both the canonical form)."""
    return f"{column}::text" if is_postgres(db) else f"hex({column})"


def uuid_from_text(value: str) -> str:
    """The canonical text of a key read by :func:`uuid_text_sql` (hex digits get their dashes)."""
    if len(value) != 32:
        return value
    value = value.lower()
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def nulls_first(db: peewee.Database | None = None) -> str:
    """What follows an ascending ``ORDER BY`` column so that NULLs come first on both engines
    (SQLite does so by itself; a trailing `` NULLS FIRST`` keeps SQLite's index order usable)."""
    return " NULLS FIRST" if is_postgres(db) else ""


def month_key(column: Any) -> Any:
    """``YYYY-MM`` of a date column, for grouping.

    Literal formats: a bound parameter would differ between SELECT and GROUP BY for PostgreSQL.
    """
    if is_postgres():
        return peewee.fn.to_char(column, peewee.SQL("'YYYY-MM'"))
    return peewee.fn.strftime(peewee.SQL("'%Y-%m'"), column)


def median_aggregate(column: Any) -> Any | None:
    """An aggregate giving the median of ``column`` (as numeric), or None where the engine has
    none (SQLite: read the middle rows in order instead)."""
    if not is_postgres():
        return None
    return peewee.NodeList((
        peewee.SQL("CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY"), column,
        peewee.SQL(") AS numeric)"),
    ))


def for_update(query: Any) -> Any:
    """``query`` locking its rows until the transaction ends (PostgreSQL; SQLite's write
    transaction already holds the whole file)."""
    return query.for_update() if is_postgres() else query


class TempTables:
    """Temporary tables of one job on either engine: created with :meth:`create`, filled from a
    select or by :meth:`insert`, dropped by :meth:`drop_all` (on PostgreSQL also at commit).

    Column definitions may use ``{key}`` (a UUID key column) and ``{stamp}`` (a timestamp).
    """

    BATCH = 500

    def __init__(self, db: peewee.Database | None = None) -> None:
        self.db = bound(db)
        self.postgres = engine(self.db) == "postgres"
        self.names: list[str] = []

    def create(self, name: str, columns: str, select: str = "",
               params: list[Any] | None = None) -> None:
        key, stamp = ("UUID", "TIMESTAMP") if self.postgres else ("BLOB", "DATETIME")
        suffix = " ON COMMIT DROP" if self.postgres else ""
        self._run(f"CREATE TEMP TABLE {name} ({columns.format(key=key, stamp=stamp)}){suffix}")
        self.names.append(name)
        if select:
            self._run(f"INSERT INTO {name} {select}", params or [])
            self._analyse(name)

    def create_text_set(self, name: str, column: str) -> None:
        """A table of distinct texts looked up by equality (on PostgreSQL through a hash index:
        a b-tree index row has a size limit that long texts exceed)."""
        if self.postgres:
            self.create(name, f"{column} TEXT NOT NULL")
            self._run(f"CREATE INDEX ON {name} USING hash ({column})")
        else:
            self.create(name, f"{column} TEXT PRIMARY KEY")

    def insert(self, name: str, rows: list[tuple[Any, ...]]) -> None:
        mark = self.db.param
        for start in range(0, len(rows), self.BATCH):
            chunk = rows[start:start + self.BATCH]
            row_marks = "(" + ", ".join([mark] * len(chunk[0])) + ")"
            self._run(f"INSERT INTO {name} VALUES {', '.join([row_marks] * len(chunk))}",
                      [value for row in chunk for value in row])
        self._analyse(name)

    def drop_all(self) -> None:
        schema = "pg_temp" if self.postgres else "temp"
        for name in self.names:
            self._run(f"DROP TABLE IF EXISTS {schema}.{name}")

    def _analyse(self, name: str) -> None:
        if self.postgres:  # PostgreSQL plans the joins on them from statistics
            self._run(f"ANALYZE {name}")

    def _run(self, sql: str, params: list[Any] | None = None) -> None:
        execute(sql, params, self.db)
