"""Building a list's statements from a :class:`ListFilter` and a :class:`Sort`, and reading rows.

Text filters go through the search index (``models/search.py``), so case and ё/е never matter.
Rows with equal sort values are ordered by key so that blocks never overlap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import peewee

from desktop_crm import validation
from desktop_crm.ids import as_uuid
from desktop_crm.models import Company, Contact, Deal, Product, dialect
from desktop_crm.models.fields import EnumField, coerce_uuid
from desktop_crm.models.search import match_condition
from desktop_crm.services.listing import custom_columns
from desktop_crm.services.listing.list_specs import ColumnSource, ListSource
from desktop_crm.services.listing.list_types import (
    F_PRODUCT_GROUP,
    F_TEXT,
    ListFilter,
    Row,
    Sort,
)
from desktop_crm.services.system import rights


def where(source: ListSource, flt: ListFilter, user_id: str | None) -> list[Any]:
    """The conditions of the rows ``flt`` keeps (the first one: live rows)."""
    model = source.model
    conditions: list[Any] = [model.deleted_at.is_null()]
    visible = rights.scope_condition(model)
    if visible is not None:
        conditions.append(visible)
    if source.extra_where is not None:
        conditions.append(source.extra_where())
    text = validation.search_value(flt.text)
    if text and F_TEXT in source.spec.filters:
        if model is Deal:
            conditions.append(_deal_text(text))
        elif source.searchable:
            conditions.append(match_condition(model, text))
        elif source.text_field is not None:
            conditions.append(source.text_field.contains(text))
    if source.responsible_field is not None:
        conditions.extend(_responsible_conditions(source.responsible_field, flt, user_id))
    if model is Deal:
        conditions.extend(_deal_conditions(flt))
    if flt.product_group and F_PRODUCT_GROUP in source.spec.filters:
        group_field = Deal.product_group if model is Deal else Product.group
        conditions.append(group_field == as_uuid(flt.product_group))
    if flt.active is not None and source.active_where is not None:
        conditions.append(source.active_where(flt.active))
    if flt.date_field and flt.date_field in source.date_columns:
        conditions.extend(_date_conditions(source.date_columns[flt.date_field], flt))
    if flt.custom and source.version:
        conditions.extend(custom_columns.conditions(source.spec.entity, model, flt.custom))
    return conditions


def _deal_text(text: str) -> Any:
    """A deal whose title, contact or company matches: three lookups in the search indexes, each
    led to the deals by an index (``rowid``, ``contact_id``, ``company_id``) and united, so the
    planner starts from the few matches instead of reading the deals along their sort order."""
    contacts = Contact.select(Contact.id).where(match_condition(Contact, text),
                                                Contact.deleted_at.is_null())
    companies = Company.select(Company.id).where(match_condition(Company, text),
                                                 Company.deleted_at.is_null())
    key = peewee.Column(Deal, "rowid") if dialect.is_sqlite() else Deal.id
    inner = Deal.alias("text_deal")
    inner_key = peewee.Column(inner, "rowid") if dialect.is_sqlite() else inner.id
    live = inner.deleted_at.is_null()
    by_title = inner.select(inner_key).where(match_condition(inner, text))
    by_contact = inner.select(inner_key).where(inner.contact.in_(contacts), live)
    by_company = inner.select(inner_key).where(inner.company.in_(companies), live)
    return key.in_(by_title | by_contact | by_company)


def _responsible_conditions(column: Any, flt: ListFilter, user_id: str | None) -> list[Any]:
    """The chosen responsible users, narrowed to the user for "mine" (nothing when they clash)."""
    ids = set(flt.responsible)
    if flt.mine and user_id:
        me = str(user_id)
        ids = {me} if not ids or me in ids else ids & {me}
        if not ids:
            return [peewee.SQL("1 = 0")]
    return [column.in_([as_uuid(i) for i in sorted(ids)])] if ids else []


def _deal_conditions(flt: ListFilter) -> list[Any]:
    conditions = []
    if flt.pipeline:
        conditions.append(Deal.pipeline == as_uuid(flt.pipeline))
    if flt.stages:
        conditions.append(Deal.stage.in_([as_uuid(s) for s in flt.stages]))
    if flt.correct is not None:
        conditions.append(Deal.correct == flt.correct)
    return conditions


def _date_conditions(column: Any, flt: ListFilter) -> list[Any]:
    """``date_from`` to ``date_to``, both days included (up to midnight after for timestamps)."""
    conditions = []
    is_datetime = isinstance(column, peewee.DateTimeField)
    if flt.date_from is not None:
        start = dt.datetime.combine(flt.date_from, dt.time()) if is_datetime else flt.date_from
        conditions.append(column >= start)
    if flt.date_to is not None:
        if is_datetime:
            conditions.append(column < dt.datetime.combine(flt.date_to + dt.timedelta(days=1),
                                                           dt.time()))
        else:
            conditions.append(column <= flt.date_to)
    return conditions


def sort_column(source: ListSource, sort: Sort | None) -> tuple[ColumnSource | None, bool]:
    """The sortable column ``sort`` names (else the list's default) and whether descending."""
    column_key, descending = (sort.column, sort.descending) if sort else source.spec.default_sort
    col = _sortable(source, column_key)
    if col is None:
        column_key, descending = source.spec.default_sort
        col = _sortable(source, column_key)
    return col, descending


def _sortable(source: ListSource, key: str) -> ColumnSource | None:
    return next((c for c in source.cols if c.column.key == key and c.order is not None), None)


def order(source: ListSource, sort: Sort | None) -> list[Any]:
    col, descending = sort_column(source, sort)
    exprs = list(col.order if isinstance(col.order, tuple) else (col.order,)) if col else []
    exprs.append(dialect.row_key(source.model))
    return [peewee.Ordering(e, "DESC" if descending else "ASC") for e in exprs]


def along_sort_index(source: ListSource, sort: Sort | None) -> tuple[str, tuple[str, ...]] | None:
    """The table and the single column whose index serves the sort (None for composite orders)."""
    column_key = sort.column if sort else source.spec.default_sort[0]
    col = _sortable(source, column_key)
    if col is None or not isinstance(col.order, peewee.Field):
        return None
    return source.model._meta.table_name, (col.order.column_name,)


def rows_query(source: ListSource) -> Any:
    """The select of a list's rows: key, id, then every column's expressions, with the joins."""
    select = [dialect.row_key(source.model), source.model.id]
    for col in source.cols:
        select.extend(col.exprs)
    return source.joins(source.model.select(*select))


def to_rows(source: ListSource, raw: Sequence[Sequence[Any]]) -> list[Row]:
    rows = []
    plan = [(col.value, len(col.exprs), convs)
            for col, convs in zip(source.cols, _converters(source), strict=True)]
    for record in raw:
        values = []
        position = 2
        for make, width, convs in plan:
            if width == 1:
                value = record[position]
                conv = convs[0]
                if conv is not None and value is not None:
                    value = conv(value)
                values.append(make(value))
            else:
                parts = record[position:position + width]
                values.append(make(*[c(v) if (c is not None and v is not None) else v
                                     for c, v in zip(convs, parts, strict=True)]))
            position += width
        rows.append(Row(record[0], str(coerce_uuid(record[1])), tuple(values)))
    return rows


def _to_datetime(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value[:10])


Converter = Callable[[Any], Any] | None


def _converter(expr: Any) -> Converter:
    """A quick ``python_value``: plain text needs none; dates parse with ``fromisoformat``."""
    field_ = getattr(expr, "field", expr)  # aliased models give field aliases
    if isinstance(field_, (EnumField, peewee.CharField, peewee.TextField)):
        return None  # enum labels look plain strings up directly
    if isinstance(field_, peewee.DateTimeField):
        return _to_datetime
    if isinstance(field_, peewee.DateField):
        return _to_date
    if isinstance(field_, peewee.BooleanField):
        return bool
    converter: Converter = getattr(field_, "python_value", None)
    return converter


_CONVERTERS: dict[tuple[str, str], list[list[Converter]]] = {}


def _converters(source: ListSource) -> list[list[Converter]]:
    key = (source.spec.entity, source.version)
    cached = _CONVERTERS.get(key)
    if cached is None:
        cached = [[_converter(expr) for expr in col.exprs] for col in source.cols]
        _CONVERTERS[key] = cached
    return cached
