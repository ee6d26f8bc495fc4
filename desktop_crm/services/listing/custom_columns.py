"""Custom fields in lists: each live field of a list's entity is an optional column, a sort key
and a filter.

A column is a correlated lookup of the record's value through the ``(row_id, field_id)`` index, so
it costs one index probe per *shown* row (the page), never a join over the whole table. Sorting by
a custom column (:class:`ValueSort`) reads the records in two parts, one after the other: those
holding a value, along the field's ``(field_id, value)`` index joined to the records (a page stops
after its rows), and those without one, by key. Which part comes first follows where the engine
puts NULLs, as for every nullable column (SQLite: first ascending; PostgreSQL: last ascending), and
ties are broken by the row key in the sort's direction, as in every list. A link column orders by
the linked name, which no index holds: it sorts by the lookup itself (every matching row). A filter
is ``id IN (rows whose value matches)``, read through the ``(field_id, value)`` indexes of
``custom_value``. Field ids are written into the statements as literals: the compiled statements
of a list are cached and bind only what the list binds (limit, offset, keys).

Filter conditions are plain tuples ``(column key, operator, first, second)`` kept in
:class:`~desktop_crm.services.listing.list_types.ListFilter` (saved per user as they are):

========== =================================== ==========================================
operator   kinds                               ``first`` / ``second``
========== =================================== ==========================================
contains   text                                the text / ""
range      number, money, date                 from / to (``"1200.5"``, ISO dates; "" open)
is         list, contact link, company link    the choice / the id
has        multi-list                          one choice
yes, no    yes/no                              "" / ""
========== =================================== ==========================================
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import peewee

from desktop_crm import money, validation
from desktop_crm.entities import Entity
from desktop_crm.errors import ValidationError
from desktop_crm.ids import as_uuid
from desktop_crm.models import Company, Contact, CustomFieldKind, CustomValue, dialect
from desktop_crm.models.custom import NUMBER_PLACES
from desktop_crm.services.listing.list_types import Column
from desktop_crm.services.system.custom_fields import CUSTOM_ENTITIES, CustomFieldDTO, fields

PREFIX = "cf_"
OP_CONTAINS = "contains"
OP_RANGE = "range"
OP_IS = "is"
OP_HAS = "has"
OP_YES = "yes"
OP_NO = "no"

Condition = tuple[str, str, str, str]

#: The value column and the list column kind of each field kind.
_STORED: dict[CustomFieldKind, tuple[str, str]] = {
    CustomFieldKind.TEXT: ("text_value", "text"),
    CustomFieldKind.LIST: ("text_value", "text"),
    CustomFieldKind.MULTI_LIST: ("text_value", "text"),
    CustomFieldKind.YES_NO: ("text_value", "bool"),
    CustomFieldKind.NUMBER: ("number_value", "number"),
    CustomFieldKind.MONEY: ("number_value", "money"),
    CustomFieldKind.DATE: ("date_value", "date"),
    CustomFieldKind.CONTACT_LINK: ("link_id", "text"),
    CustomFieldKind.COMPANY_LINK: ("link_id", "text"),
}


def operators(kind: CustomFieldKind) -> tuple[str, ...]:
    """The filter operators a field of ``kind`` offers."""
    if kind == CustomFieldKind.TEXT:
        return (OP_CONTAINS,)
    if kind in (CustomFieldKind.NUMBER, CustomFieldKind.MONEY, CustomFieldKind.DATE):
        return (OP_RANGE,)
    if kind == CustomFieldKind.MULTI_LIST:
        return (OP_HAS,)
    if kind == CustomFieldKind.YES_NO:
        return (OP_YES, OP_NO)
    return (OP_IS,)


def has_custom_fields(entity: str) -> bool:
    return entity in CUSTOM_ENTITIES


def version(entity: str) -> str:
    """Changes whenever a field of ``entity`` is added, changed, archived or removed."""
    sql = ('SELECT COUNT(*), MAX(updated_at) FROM custom_field WHERE entity = ?'
           if dialect.is_sqlite() else
           'SELECT COUNT(*), MAX(updated_at) FROM custom_field WHERE entity = %s')
    count, latest = dialect.fetch_all(sql, [Entity(entity).value])[0]
    return f"{count}/{latest}"


def listed_fields(entity: str) -> list[CustomFieldDTO]:
    """The fields a list shows: the live, unarchived fields of the entity, every pipeline's."""
    return fields(entity) if has_custom_fields(entity) else []


def column_key(item: CustomFieldDTO) -> str:
    return PREFIX + item.key


# --- columns -------------------------------------------------------------------------------------


def _literal(value: uuid.UUID) -> peewee.SQL:
    return peewee.SQL(f"X'{value.hex}'" if dialect.is_sqlite() else f"'{value}'::uuid")


def _value_of(model: Any, item: CustomFieldDTO, number: int) -> Any:
    """The record's stored value of ``item`` (a correlated lookup along ``(row_id, field_id)``);
    a link's linked name."""
    value = CustomValue.alias(f"cv{number}")
    live = (value.row_id == model.id) & (value.field == _literal(item.id)) & value.deleted_at.is_null()
    if item.kind == CustomFieldKind.CONTACT_LINK:
        person = Contact.alias(f"cv{number}_contact")
        blank, space = peewee.SQL("''"), peewee.SQL("' '")  # literals: the statement binds nothing
        name = (peewee.fn.COALESCE(person.last_name, blank).concat(space)
                .concat(peewee.fn.COALESCE(person.first_name, blank)))
        return (value.select(peewee.fn.TRIM(name))
                .join(person, on=(person.id == value.link_id)).where(live))
    if item.kind == CustomFieldKind.COMPANY_LINK:
        company = Company.alias(f"cv{number}_company")
        return (value.select(peewee.fn.COALESCE(company.short_name, company.legal_name))
                .join(company, on=(company.id == value.link_id)).where(live))
    return value.select(getattr(value, _STORED[item.kind][0])).where(live)


def _shown(kind: CustomFieldKind) -> Callable[[Any], Any]:
    """How a stored value becomes the list's value (plain text, ``Decimal``, date, bool)."""
    if kind in (CustomFieldKind.NUMBER, CustomFieldKind.MONEY):
        return lambda v: None if v is None else money.from_minor_units(v, NUMBER_PLACES).normalize()
    if kind == CustomFieldKind.DATE:
        return _as_date
    if kind == CustomFieldKind.YES_NO:
        return lambda v: None if v is None else v == "1"
    if kind == CustomFieldKind.MULTI_LIST:
        return _choices_text
    return lambda v: v


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _choices_text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        chosen = json.loads(value)
    except ValueError:
        return str(value)
    return ", ".join(str(c) for c in chosen) if isinstance(chosen, list) else str(chosen)


ListedColumn = tuple[Column, Any, Callable[[Any], Any], "ValueSort | None"]


def columns(entity: str, model: Any, currency_column: str | None) -> list[ListedColumn]:
    """``(column, expression, value maker, value sort)`` of each listed field, hidden until
    chosen; sortable (along the value index unless it is a link)."""
    made = []
    for number, item in enumerate(listed_fields(entity)):
        stored, kind = _STORED[item.kind]
        column = Column(column_key(item), item.preset or item.label, kind, sortable=True,
                        visible=False, width=140 if kind == "text" else 110,
                        currency_column=currency_column if kind == "money" else None)
        linked = item.kind in (CustomFieldKind.CONTACT_LINK, CustomFieldKind.COMPANY_LINK)
        made.append((column, _value_of(model, item, number), _shown(item.kind),
                     None if linked else ValueSort(item.id, stored)))
    return made


@dataclass(frozen=True)
class ValueSort:
    """Sorting a list by the stored value of one field (``column``: ``text_value``,
    ``number_value`` or ``date_value``): the records holding a value, read along the field's
    ``(field_id, column)`` index, and the records without one."""

    field_id: uuid.UUID
    column: str

    def nulls_first(self, descending: bool) -> bool:
        """Whether the records without a value come first: where the engine orders NULLs."""
        return dialect.is_sqlite() != descending

    def parts(self, model: Any, query: Any, descending: bool) -> tuple[Any, Any]:
        """``query`` (a select of ``model``'s rows with its conditions, unordered) as the two
        ordered parts the list shows one after the other."""
        direction = "DESC" if descending else "ASC"
        key = dialect.row_key(model)
        value = CustomValue.alias("sort_value")
        stored = getattr(value, self.column)
        holding = (query.join_from(model, value, on=self._held(model, value))
                   .order_by(peewee.Ordering(stored, direction), peewee.Ordering(key, direction)))
        held = CustomValue.alias("sort_held")
        lacking = (query.where(peewee.NodeList((peewee.SQL("NOT EXISTS"),
                                                held.select(peewee.SQL("1"))
                                                .where(self._held(model, held)))))
                   .order_by(peewee.Ordering(key, direction)))
        return (lacking, holding) if self.nulls_first(descending) else (holding, lacking)

    def _held(self, model: Any, value: Any) -> Any:
        return ((value.field == _literal(self.field_id)) & (value.row_id == model.id)
                & value.deleted_at.is_null() & getattr(value, self.column).is_null(False))


# --- filters -------------------------------------------------------------------------------------


def conditions(entity: str, model: Any, wanted: Sequence[Condition]) -> list[Any]:
    """The conditions of ``wanted`` on ``model``'s rows; a condition naming no listed field or
    holding a value that cannot be read (an old saved filter) is left out."""
    if not wanted:
        return []
    by_column = {column_key(f): f for f in listed_fields(entity)}
    made = []
    for condition in wanted:
        if len(condition) != 4:
            continue
        key, operator, first, second = condition
        item = by_column.get(key)
        if item is None or operator not in operators(item.kind):
            continue
        try:
            made.append(_condition(model, item, operator, first, second))
        except (ValidationError, ValueError, InvalidOperation):
            continue
    return made


def _matching(item: CustomFieldDTO, condition: Any) -> Any:
    return (CustomValue.select(CustomValue.row_id)
            .where(CustomValue.field == item.id, CustomValue.deleted_at.is_null(), condition))


def _condition(model: Any, item: CustomFieldDTO, operator: str, first: str, second: str) -> Any:
    value = CustomValue.text_value
    if operator == OP_CONTAINS:
        needle = validation.search_value(first)
        if not needle:
            raise ValueError("empty text")
        return model.id.in_(_matching(item, _contains(value, needle)))
    if operator == OP_IS:
        if item.kind in (CustomFieldKind.CONTACT_LINK, CustomFieldKind.COMPANY_LINK):
            return model.id.in_(_matching(item, CustomValue.link_id == as_uuid(first)))
        return model.id.in_(_matching(item, value == first))
    if operator == OP_HAS:
        return model.id.in_(_matching(item, _contains(value, json.dumps(first, ensure_ascii=False),
                                                       case=False)))
    if operator == OP_YES:
        return model.id.in_(_matching(item, value == "1"))
    if operator == OP_NO:
        return model.id.not_in(_matching(item, value == "1"))
    return model.id.in_(_matching(item, _range(item, first, second)))


def _contains(column: Any, needle: str, case: bool = True) -> Any:
    """``column`` holds ``needle`` (ignoring case when ``case``; ASCII letters only on SQLite)."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if dialect.is_sqlite():
        return peewee.NodeList((column, peewee.SQL("LIKE ? ESCAPE '\\'", [f"%{escaped}%"])))
    return peewee.Expression(column, "ILIKE" if case else "LIKE", f"%{escaped}%")


def _range(item: CustomFieldDTO, first: str, second: str) -> Any:
    if item.kind == CustomFieldKind.DATE:
        column: Any = CustomValue.date_value
        low: Any = validation.date_value(first, item.column) if first else None
        high: Any = validation.date_value(second, item.column) if second else None
    else:
        column = CustomValue.number_value
        low = Decimal(first) if first else None
        high = Decimal(second) if second else None
    if low is None and high is None:
        return column.is_null(False)
    if low is None:
        return column <= high
    if high is None:
        return column >= low
    return column.between(low, high)


#: How many linked contacts or companies a link filter offers (those the field holds).
MAX_LINK_CHOICES = 300


@dataclass(frozen=True)
class FilterField:
    """A custom field as the filter bar offers it."""

    column: str  # "cf_<key>"
    title: str  # translated
    kind: CustomFieldKind
    operators: tuple[str, ...]
    choices: tuple[tuple[str, str], ...]  # (value, shown): list options, linked records


def filter_fields(entity: str) -> list[FilterField]:
    return [FilterField(column_key(f), f.label, f.kind, operators(f.kind), _choices(f))
            for f in listed_fields(entity)]


def _choices(item: CustomFieldDTO) -> tuple[tuple[str, str], ...]:
    if item.kind in (CustomFieldKind.LIST, CustomFieldKind.MULTI_LIST):
        return tuple((o, o) for o in item.options)
    if item.kind not in (CustomFieldKind.CONTACT_LINK, CustomFieldKind.COMPANY_LINK):
        return ()
    linked = (CustomValue.select(CustomValue.link_id).distinct()
              .where(CustomValue.field == item.id, CustomValue.link_id.is_null(False),
                     CustomValue.deleted_at.is_null())
              .limit(MAX_LINK_CHOICES))
    if item.kind == CustomFieldKind.CONTACT_LINK:
        people = Contact.select(Contact.id, Contact.last_name, Contact.first_name).where(
            Contact.id.in_(linked))
        named = [(str(p.id), " ".join(n for n in (p.last_name, p.first_name) if n)) for p in people]
    else:
        companies = Company.select(Company.id, Company.short_name, Company.legal_name).where(
            Company.id.in_(linked))
        named = [(str(c.id), c.short_name or c.legal_name or "") for c in companies]
    return tuple(sorted(named, key=lambda pair: pair[1].casefold()))

