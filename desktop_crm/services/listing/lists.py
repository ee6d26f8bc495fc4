"""The query layer behind every list: filters, indexed sorting, counts, blocks and id snapshots.

Views never build queries; a windowed table model asks this module for

* :func:`spec` — the columns (which ones sort through an index), filters and date fields of a list;
* :func:`count` — how many rows match a :class:`ListFilter`;
* :func:`fetch_page` — one block of rows by position (``LIMIT/OFFSET``: quick near the top);
* :func:`snapshot` — the keys of *all* matching rows in display order (8 bytes per row on SQLite:
  the rowid; the UUID on PostgreSQL), built off the GUI thread, and :func:`fetch_keys` — the rows
  of some keys, in that order (deep jumps without ``OFFSET`` scans);
* the filter bar's choices (users, pipelines and stages, product groups) and
  :func:`record_summary`.

Rows are plain :class:`Row` tuples: ``key``, ``id`` (UUID string) and the column values (``Decimal``
amounts, dates, translated labels). What each list is made of lives in :mod:`list_specs`, how its
statements are built in :mod:`list_query`, and how each engine runs them in ``models/dialect.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from desktop_crm.i18n import _
from desktop_crm.ids import as_uuid
from desktop_crm.models import Pipeline, ProductGroup, Stage, User, dialect
from desktop_crm.services.listing import custom_columns
from desktop_crm.services.listing.list_query import (
    along_sort_index,
    order,
    rows_query,
    sort_column,
    to_rows,
    where,
)
from desktop_crm.services.listing.list_specs import ListSource, source, spec
from desktop_crm.services.listing.list_types import (
    F_ACTIVE,
    F_CORRECT,
    F_DATES,
    F_MINE,
    F_PIPELINE,
    F_PRODUCT_GROUP,
    F_RESPONSIBLE,
    F_STAGE,
    F_TEXT,
    Choice,
    Column,
    ListFilter,
    ListSpec,
    Row,
    Snapshot,
    Sort,
)
from desktop_crm.services.system import rights

# Compiled block statements: building a seven-join query costs peewee more than SQLite needs to
# run it.
_PAGES: dialect.SqlCache[dialect.PagedSql] = dialect.SqlCache(64)
_VALUE_PAGES: dialect.SqlCache[tuple[dialect.PagedSql, dialect.PagedSql]] = dialect.SqlCache(64)
_BY_KEYS: dialect.SqlCache[tuple[str, list[Any]]] = dialect.SqlCache(64)


def total(entity: str) -> int:
    """All live rows of a list (what a filter is measured against)."""
    return count(entity, None)


def count(entity: str, flt: ListFilter | None = None, user_id: str | None = None) -> int:
    src = source(entity)
    conditions = where(src, flt or ListFilter(), user_id)
    if len(conditions) == 1:  # only "alive"
        return dialect.count_live_rows(src.model._meta.table_name)
    return dialect.count(src.model.select().where(*conditions))


def dense(entity: str, flt: ListFilter | None, matching: int) -> bool:
    """Whether :func:`fetch_page` and :func:`snapshot` should be asked ``dense`` for a filter that
    matches ``matching`` rows (see ``models.dialect.reads_along_index``)."""
    return (flt is not None and not flt.is_empty()
            and dialect.reads_along_index(matching, lambda: total(entity)))


def _dense_order(src: ListSource, flt: ListFilter, sort: Sort | None, dense: bool,
                 sql: str) -> str:
    """``sql`` reading the rows along the sort column's index when the filter keeps most rows."""
    along = along_sort_index(src, sort) if dense and not flt.is_empty() else None
    if along is None:
        return sql
    table, columns = along
    return dialect.along_index(sql, table, columns, exact=True, first_only=True)


def fetch_page(
    entity: str,
    flt: ListFilter | None,
    sort: Sort | None,
    offset: int,
    limit: int,
    user_id: str | None = None,
    dense: bool = False,
) -> list[Row]:
    """One block of rows by position.

    ``dense``: the filter keeps a large share of the rows (the caller knows from :func:`count`);
    on SQLite the rows are then read along the sort column's index, stopping after ``limit``
    matches, instead of collecting every match and sorting it.
    """
    src = source(entity)
    flt = flt or ListFilter()
    if _value_sort(src, sort)[0] is not None:
        return _page_by_value(src, flt, sort, offset, limit, user_id)

    def build() -> dialect.PagedSql:
        return dialect.paged(rows_query(src).where(*where(src, flt, user_id))
                             .order_by(*order(src, sort)))

    # the active filter's cut-off moves with the clock: not cached
    key = None if flt.active is not None else (entity, src.version, flt, sort, user_id,
                                               rights.cache_key())
    page = _PAGES.get(key, build)
    sql = _dense_order(src, flt, sort, dense, page.sql)
    return to_rows(src, dialect.fetch_all(sql, page.bind(limit, offset)))


def snapshot(
    entity: str,
    flt: ListFilter | None,
    sort: Sort | None,
    user_id: str | None = None,
    cancelled: Callable[[], bool] | None = None,
    dense: bool = False,
) -> Snapshot:
    """The keys of every matching row in display order (no joins; streamed in batches).

    ``dense`` as in :func:`fetch_page`: walk the sort index rather than sort the matches.
    """
    src = source(entity)
    flt = flt or ListFilter()
    keys_query = src.model.select(dialect.row_key(src.model)).where(*where(src, flt, user_id))
    value_sort, descending = _value_sort(src, sort)
    if value_sort is not None:
        keys: Sequence[Any] | None = None
        for part in value_sort.parts(src.model, keys_query, descending):
            if keys is not None and cancelled is not None and cancelled():
                break
            sql, params = part.sql()
            read = dialect.read_keys(dialect.execute(sql, params), cancelled)
            keys = read if keys is None else keys + read  # type: ignore[operator]
        return Snapshot(keys if keys is not None else [])
    query = keys_query.order_by(*order(src, sort))
    sql, params = query.sql()
    sql = _dense_order(src, flt, sort, dense, sql)
    cursor = dialect.execute(sql, params)
    return Snapshot(dialect.read_keys(cursor, cancelled))


def _value_sort(src: ListSource, sort: Sort | None) -> tuple[custom_columns.ValueSort | None, bool]:
    """The custom field's value sort when ``sort`` names a custom column sorted along its index."""
    col, descending = sort_column(src, sort)
    return (col.value_sort if col is not None else None), descending


def _page_by_value(src: ListSource, flt: ListFilter, sort: Sort | None, offset: int, limit: int,
                   user_id: str | None) -> list[Row]:
    """A block of a list sorted by a custom field's value: the keys from its first part, then (past
    the end of it) from its second, and their rows (a group of equal values is sorted by key
    without reading every column of it); the first part is counted only when a block starts
    beyond it."""
    value_sort, descending = _value_sort(src, sort)
    assert value_sort is not None

    def parts() -> Any:
        keys = src.model.select(dialect.row_key(src.model)).where(*where(src, flt, user_id))
        return value_sort.parts(src.model, keys, descending)

    def build() -> tuple[dialect.PagedSql, dialect.PagedSql]:
        first, second = parts()
        return dialect.paged(first), dialect.paged(second)

    key = None if flt.active is not None else (src.spec.entity, src.version, flt, sort, user_id,
                                               rights.cache_key())
    first, second = _VALUE_PAGES.get(key, build)
    keys = [r[0] for r in dialect.fetch_all(first.sql, first.bind(limit, offset))]
    if len(keys) < limit:
        # a short first block ends the first part; an empty one beyond the start needs its length
        counted = keys or offset == 0
        first_length = offset + len(keys) if counted else dialect.count(parts()[0].order_by())
        keys += [r[0] for r in dialect.fetch_all(
            second.sql, second.bind(limit - len(keys), max(0, offset - first_length)))]
    return fetch_keys(src.spec.entity, [dialect.same_key(k) for k in keys])


def fetch_keys(entity: str, keys: Sequence[Any]) -> list[Row]:
    """The rows of ``keys`` in the order given (rows deleted since the snapshot are skipped)."""
    if not keys:
        return []
    src = source(entity)
    wanted = list(keys)
    sql, params = _BY_KEYS.get(
        (entity, src.version, len(wanted)),
        lambda: rows_query(src).where(dialect.row_key(src.model).in_(wanted)).sql())
    if len(params) != len(wanted):
        raise RuntimeError("unexpected query shape")
    rows = to_rows(src, dialect.fetch_all(sql, wanted))
    by_key = {dialect.same_key(r.key): r for r in rows}
    return [by_key[k] for k in wanted if k in by_key]


# --- filter bar choices -------------------------------------------------------------------------
def responsible_choices() -> list[Choice]:
    query = User.alive(User.id, User.name).where(User.active == True)  # noqa: E712
    return [Choice(str(id_), name) for id_, name in dialect.tuples(query.order_by(User.name))]


def pipeline_choices() -> list[Choice]:
    query = Pipeline.alive(Pipeline.id, Pipeline.name).order_by(Pipeline.sort_order, Pipeline.name)
    return [Choice(str(id_), name) for id_, name in dialect.tuples(query)]


def stage_choices(pipeline_id: str | None = None) -> list[Choice]:
    query = Stage.alive(Stage.id, Stage.name, Stage.pipeline).order_by(Stage.pipeline,
                                                                       Stage.sort_order)
    if pipeline_id:
        query = query.where(Stage.pipeline == as_uuid(pipeline_id))
    return [Choice(str(id_), name, str(pipeline)) for id_, name, pipeline in dialect.tuples(query)]


def product_group_choices() -> list[Choice]:
    query = ProductGroup.alive(ProductGroup.id, ProductGroup.name).order_by(
        ProductGroup.sort_order, ProductGroup.name)
    return [Choice(str(id_), name) for id_, name in dialect.tuples(query)]


def custom_filter_fields(entity: str) -> list[custom_columns.FilterField]:
    """The custom fields a list can be filtered by, with their operators and choices."""
    return custom_columns.filter_fields(entity)


def record_summary(entity: str, record_id: str) -> list[tuple[str, Any, str]]:
    """``(translated column title, value, kind)`` of one record (a read-only view of the row)."""
    src = source(entity)
    sql, params = rows_query(src).where(src.model.id == as_uuid(record_id)).sql()
    rows = to_rows(src, dialect.fetch_all(sql, params))
    if not rows:
        return []
    return [(_(c.column.title), v, c.column.kind)
            for c, v in zip(src.cols, rows[0].values, strict=True)]


__all__ = [
    "F_ACTIVE", "F_CORRECT", "F_DATES", "F_MINE", "F_PIPELINE", "F_PRODUCT_GROUP",
    "F_RESPONSIBLE", "F_STAGE", "F_TEXT", "Choice", "Column", "ListFilter", "ListSpec", "Row",
    "Snapshot", "Sort", "count", "custom_filter_fields", "dense", "fetch_keys", "fetch_page",
    "product_group_choices", "record_summary", "responsible_choices", "snapshot", "spec",
    "stage_choices", "total",
]
