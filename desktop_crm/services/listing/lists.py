"""The query layer behind every list: filters, indexed sorting, counts, blocks and id snapshots.

Views never build queries; a windowed table model asks this module for

* :func:`spec` — the columns (which ones sort through an index), filters and date fields of a list;
* :func:`count` — how many rows match a :class:`ListFilter`;
* :func:`fetch_page` — one block of rows by position (``LIMIT/OFFSET``: quick near the top);
* :func:`snapshot` — the keys of *all* matching rows in display order (8 bytes per row on SQLite:
  the rowid; the UUID on PostgreSQL), built off the GUI thread, and :func:`fetch_keys` — the rows
  of some keys, in that order (deep jumps without ``OFFSET`` scans);
* :func:`iter_rows` — every matching row in order, in batches (exports);
* :func:`filter_choices` — the values offered by the filter bar (users, pipelines and stages…).

Rows are plain :class:`Row` tuples: ``key``, ``id`` (UUID string) and the column values (``Decimal``
amounts, dates, translated labels). Text filters go through the search index (FTS5 on SQLite,
trigram ``LIKE`` on PostgreSQL), so case and ё/е never matter.

Sorting is offered only on columns whose ``ORDER BY`` an index serves on large tables; rows with
equal sort values are ordered by key so that blocks never overlap.
"""

from __future__ import annotations

import datetime as dt
import uuid
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import peewee

from desktop_crm.i18n import N_, _
from desktop_crm.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Company,
    Contact,
    Deal,
    Invoice,
    Lead,
    LeadStatus,
    Pipeline,
    Product,
    ProductGroup,
    Quote,
    Stage,
    User,
    database,
)
from desktop_crm.models.db import engine
from desktop_crm.models.search import fts_query, fts_table, query_tokens

ENTITIES = ("deals", "leads", "contacts", "companies", "products", "tasks", "quotes", "invoices")

# Filter names a list may support (the filter bar shows only those).
F_TEXT = "text"
F_RESPONSIBLE = "responsible"
F_MINE = "mine"
F_PIPELINE = "pipeline"
F_STAGE = "stage"
F_PRODUCT_GROUP = "product_group"
F_DATES = "dates"
F_ACTIVE = "active"
F_CORRECT = "correct"


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # N_-marked; translate where shown
    kind: str = "text"  # text | money | number | percent | date | datetime | bool
    sortable: bool = False
    visible: bool = True
    width: int = 140
    currency_column: str | None = None  # money: the column holding the currency code


@dataclass(frozen=True)
class ListSpec:
    entity: str
    title: str  # N_-marked
    columns: tuple[Column, ...]
    filters: frozenset[str]
    date_fields: tuple[tuple[str, str], ...]  # (key, N_-marked title)
    default_sort: tuple[str, bool]  # (column key, descending)
    search_hint: str = N_("Filter…")  # N_-marked placeholder of the text filter
    # the active/inactive filter's choices: any, active, inactive (N_-marked)
    active_labels: tuple[str, str, str] = (N_("Any activity"), N_("Active deals"),
                                           N_("Inactive deals"))

    def column_index(self, key: str) -> int:
        return [c.key for c in self.columns].index(key)


@dataclass(frozen=True)
class ListFilter:
    """What the filter bar asks for. Plain values, so it can be saved per user as a dict."""

    text: str = ""
    responsible: tuple[str, ...] = ()  # user ids
    mine: bool = False
    pipeline: str | None = None
    stages: tuple[str, ...] = ()
    product_group: str | None = None
    date_field: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    active: bool | None = None
    correct: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("date_from", "date_to"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        data["responsible"] = list(self.responsible)
        data["stages"] = list(self.stages)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ListFilter:
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("date_from", "date_to"):
            if values.get(key):
                values[key] = dt.date.fromisoformat(values[key])
        for key in ("responsible", "stages"):
            if key in values:
                values[key] = tuple(values[key] or ())
        return cls(**values)

    def is_empty(self) -> bool:
        return self == ListFilter()

    def with_(self, **changes: Any) -> ListFilter:
        return replace(self, **changes)


@dataclass(frozen=True)
class Sort:
    column: str
    descending: bool = False


@dataclass(frozen=True)
class Row:
    key: Any  # rowid (SQLite) or UUID (PostgreSQL)
    id: str
    values: tuple[Any, ...]


@dataclass
class Snapshot:
    """Keys of all matching rows, in display order."""

    keys: Sequence[Any]

    def __len__(self) -> int:
        return len(self.keys)


# --- column definitions ---------------------------------------------------------------------
@dataclass(frozen=True)
class _Col:
    column: Column
    exprs: tuple[Any, ...]
    value: Callable[..., Any] = lambda v: v
    order: Any = None  # expression for ORDER BY when sortable


@dataclass
class _Entity:
    spec: ListSpec
    model: type[peewee.Model]
    cols: list[_Col]
    joins: Callable[[peewee.ModelSelect], peewee.ModelSelect]
    responsible_field: Any = None
    date_columns: dict[str, Any] = field(default_factory=dict)
    searchable: bool = True
    text_field: Any = None  # non-indexed text search (document numbers)
    extra_where: Callable[[], Any] | None = None
    active_where: Callable[[bool], Any] | None = None


def _name(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def _company_name(short: str | None, legal: str | None) -> str:
    return short or legal or ""


_LEAD_STATUS = {
    LeadStatus.NEW: N_("New"),
    LeadStatus.IN_PROGRESS: N_("In progress"),
    LeadStatus.CONVERTED: N_("Converted"),
    LeadStatus.JUNK: N_("Junk"),
}
_TASK_STATUS = {
    ActivityStatus.PLANNED: N_("Planned"),
    ActivityStatus.DONE: N_("Done"),
    ActivityStatus.CANCELLED: N_("Cancelled"),
}
_DOC_STATUS = {
    "draft": N_("Draft"),
    "sent": N_("Sent"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
    "expired": N_("Expired"),
    "issued": N_("Issued"),
    "partially_paid": N_("Partially paid"),
    "paid": N_("Paid"),
    "cancelled": N_("Cancelled"),
}


def _label(table: dict[Any, str]) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if value is None:
            return ""
        text = table.get(value) or table.get(str(value))
        return _(text) if text else str(value)

    return convert


def _bool(value: Any) -> bool:
    return bool(value)


def _deals() -> _Entity:
    responsible = User.alias("responsible")
    spec_cols = [
        _Col(Column("title", N_("Deal"), sortable=True, width=250), (Deal.title,), order=Deal.title),
        _Col(Column("stage", N_("Stage"), width=150), (Stage.name,)),
        _Col(Column("amount", N_("Amount"), "money", width=120, currency_column="currency"),
             (Deal.amount,)),
        _Col(Column("currency", N_("Currency"), visible=False, width=70), (Deal.currency,)),
        _Col(Column("contact", N_("Contact"), width=200),
             (Contact.last_name, Contact.first_name, Contact.middle_name), _name),
        _Col(Column("company", N_("Company"), width=180),
             (Company.short_name, Company.legal_name), _company_name),
        _Col(Column("responsible", N_("Responsible"), width=150), (responsible.name,)),
        _Col(Column("pipeline", N_("Pipeline"), visible=False, width=150), (Pipeline.name,)),
        _Col(Column("product_group", N_("Product group"), visible=False, width=150),
             (ProductGroup.name,)),
        _Col(Column("expected_close_date", N_("Expected close"), "date", width=110),
             (Deal.expected_close_date,)),
        _Col(Column("last_interaction_at", N_("Last interaction"), "datetime", sortable=True,
                    width=140), (Deal.last_interaction_at,), order=Deal.last_interaction_at),
        _Col(Column("created_at", N_("Created"), "datetime", sortable=True, visible=False,
                    width=140), (Deal.created_at,), order=Deal.created_at),
        _Col(Column("correct", N_("Correct"), "bool", visible=False, width=80), (Deal.correct,),
             _bool),
    ]

    def joins(query: peewee.ModelSelect) -> peewee.ModelSelect:
        return (
            query.join_from(Deal, Stage, peewee.JOIN.LEFT_OUTER, on=(Deal.stage == Stage.id))
            .join_from(Deal, Pipeline, peewee.JOIN.LEFT_OUTER, on=(Deal.pipeline == Pipeline.id))
            .join_from(Deal, Contact, peewee.JOIN.LEFT_OUTER, on=(Deal.contact == Contact.id))
            .join_from(Deal, Company, peewee.JOIN.LEFT_OUTER, on=(Deal.company == Company.id))
            .join_from(Deal, responsible, peewee.JOIN.LEFT_OUTER,
                       on=(Deal.responsible == responsible.id))
            .join_from(Deal, ProductGroup, peewee.JOIN.LEFT_OUTER,
                       on=(Deal.product_group == ProductGroup.id))
        )

    def active(value: bool) -> Any:
        from desktop_crm.services.sales import rules  # rule 2 lives with the sales rules

        return rules.active_condition() if value else rules.inactive_condition()

    return _Entity(
        ListSpec(
            "deals", N_("Deals"), tuple(c.column for c in spec_cols),
            frozenset({F_TEXT, F_RESPONSIBLE, F_MINE, F_PIPELINE, F_STAGE, F_PRODUCT_GROUP,
                       F_DATES, F_ACTIVE, F_CORRECT}),
            (("created_at", N_("Created")), ("expected_close_date", N_("Expected close")),
             ("last_interaction_at", N_("Last interaction")), ("closed_at", N_("Closing date"))),
            ("created_at", True),
            search_hint=N_("Filter by deal title…"),
        ),
        Deal, spec_cols, joins, Deal.responsible,
        {"created_at": Deal.created_at, "expected_close_date": Deal.expected_close_date,
         "last_interaction_at": Deal.last_interaction_at, "closed_at": Deal.closed_at},
        active_where=active,
    )


def _leads() -> _Entity:
    responsible = User.alias("responsible")
    cols = [
        _Col(Column("title", N_("Lead"), width=240), (Lead.title,)),
        _Col(Column("name", N_("Name"), width=200), (Lead.last_name, Lead.first_name,
                                                      Lead.middle_name), _name),
        _Col(Column("company_name", N_("Company"), width=180), (Lead.company_name,)),
        _Col(Column("phone", N_("Phone"), width=140), (Lead.mobile_phone,)),
        _Col(Column("email", N_("E-mail address"), width=180), (Lead.private_email,)),
        _Col(Column("source", N_("Source"), width=120), (Lead.source,)),
        _Col(Column("status", N_("Status"), width=110), (Lead.status,), _label(_LEAD_STATUS)),
        _Col(Column("responsible", N_("Responsible"), width=150), (responsible.name,)),
        _Col(Column("created_at", N_("Created"), "datetime", sortable=True, width=140),
             (Lead.created_at,), order=Lead.created_at),
    ]

    def joins(query: peewee.ModelSelect) -> peewee.ModelSelect:
        return query.join_from(Lead, responsible, peewee.JOIN.LEFT_OUTER,
                               on=(Lead.responsible == responsible.id))

    def active(value: bool) -> Any:
        condition = Lead.status.in_([LeadStatus.NEW, LeadStatus.IN_PROGRESS])
        return condition if value else ~condition

    return _Entity(
        ListSpec("leads", N_("Leads"), tuple(c.column for c in cols),
                 frozenset({F_TEXT, F_RESPONSIBLE, F_MINE, F_DATES, F_ACTIVE}),
                 (("created_at", N_("Created")),), ("created_at", True),
                 search_hint=N_("Filter by title, name, company, phone…"),
                 active_labels=(N_("All leads"), N_("Open leads"), N_("Closed leads"))),
        Lead, cols, joins, Lead.responsible, {"created_at": Lead.created_at},
        active_where=active,
    )


def _contacts() -> _Entity:
    responsible = User.alias("responsible")
    cols = [
        _Col(Column("name", N_("Name"), sortable=True, width=220),
             (Contact.last_name, Contact.first_name, Contact.middle_name), _name,
             order=(Contact.last_name, Contact.first_name)),
        _Col(Column("company", N_("Company"), width=180), (Company.short_name, Company.legal_name),
             _company_name),
        _Col(Column("position", N_("Position"), width=140), (Contact.position,)),
        _Col(Column("mobile_phone", N_("Mobile phone"), width=140), (Contact.mobile_phone,)),
        _Col(Column("work_phone", N_("Work phone"), visible=False, width=140),
             (Contact.work_phone,)),
        _Col(Column("email", N_("E-mail address"), width=190), (Contact.work_email, Contact.private_email),
             lambda work, private: work or private or ""),
        _Col(Column("responsible", N_("Responsible"), width=150), (responsible.name,)),
        _Col(Column("source", N_("Source"), visible=False, width=120), (Contact.source,)),
        _Col(Column("birth_date", N_("Birth date"), "date", visible=False, width=100),
             (Contact.birth_date,)),
        _Col(Column("created_at", N_("Created"), "datetime", visible=False, width=140),
             (Contact.created_at,)),
    ]

    def joins(query: peewee.ModelSelect) -> peewee.ModelSelect:
        return (
            query.join_from(Contact, Company, peewee.JOIN.LEFT_OUTER,
                            on=(Contact.company == Company.id))
            .join_from(Contact, responsible, peewee.JOIN.LEFT_OUTER,
                       on=(Contact.responsible == responsible.id))
        )

    return _Entity(
        ListSpec("contacts", N_("Contacts"), tuple(c.column for c in cols),
                 frozenset({F_TEXT, F_RESPONSIBLE, F_MINE, F_DATES}),
                 (("created_at", N_("Created")), ("birth_date", N_("Birth date"))),
                 ("name", False), search_hint=N_("Filter by name, phone, e-mail…")),
        Contact, cols, joins, Contact.responsible,
        {"created_at": Contact.created_at, "birth_date": Contact.birth_date},
    )


def _companies() -> _Entity:
    responsible = User.alias("responsible")
    cols = [
        _Col(Column("name", N_("Company"), sortable=True, width=240),
             (Company.short_name, Company.legal_name), _company_name,
             order=(Company.short_name, Company.legal_name)),
        _Col(Column("inn", N_("INN"), width=120), (Company.inn,)),
        _Col(Column("vat_number", N_("VAT number"), width=130), (Company.vat_number,)),
        _Col(Column("city", N_("City"), width=130), (Company.city,)),
        _Col(Column("phone", N_("Phone"), width=140), (Company.phone,)),
        _Col(Column("email", N_("E-mail address"), width=180), (Company.email,)),
        _Col(Column("responsible", N_("Responsible"), width=150), (responsible.name,)),
        _Col(Column("created_at", N_("Created"), "datetime", visible=False, width=140),
             (Company.created_at,)),
    ]

    def joins(query: peewee.ModelSelect) -> peewee.ModelSelect:
        return query.join_from(Company, responsible, peewee.JOIN.LEFT_OUTER,
                               on=(Company.responsible == responsible.id))

    return _Entity(
        ListSpec("companies", N_("Companies"), tuple(c.column for c in cols),
                 frozenset({F_TEXT, F_RESPONSIBLE, F_MINE, F_DATES}),
                 (("created_at", N_("Created")),), ("name", False),
                 search_hint=N_("Filter by name, INN, VAT number, city…")),
        Company, cols, joins, Company.responsible, {"created_at": Company.created_at},
    )


def _products() -> _Entity:
    cols = [
        _Col(Column("name", N_("Product"), sortable=True, width=260), (Product.name,),
             order=Product.name),
        _Col(Column("sku", N_("SKU"), sortable=True, width=110), (Product.sku,), order=Product.sku),
        _Col(Column("group", N_("Product group"), width=160), (ProductGroup.name,)),
        _Col(Column("unit", N_("Unit"), width=70), (Product.unit,)),
        _Col(Column("price", N_("Price"), "money", width=120, currency_column="currency"),
             (Product.price,)),
        _Col(Column("currency", N_("Currency"), visible=False, width=70), (Product.currency,)),
        _Col(Column("vat_rate", N_("VAT"), "percent", width=70), (Product.vat_rate,)),
        _Col(Column("active", N_("Active"), "bool", width=70), (Product.active,), _bool),
    ]

    def joins(query: peewee.ModelSelect) -> peewee.ModelSelect:
        return query.join_from(Product, ProductGroup, peewee.JOIN.LEFT_OUTER,
                               on=(Product.group == ProductGroup.id))

    def active(value: bool) -> Any:
        return Product.active == value

    return _Entity(
        ListSpec("products", N_("Products"), tuple(c.column for c in cols),
                 frozenset({F_TEXT, F_PRODUCT_GROUP, F_ACTIVE}), (), ("name", False),
                 search_hint=N_("Filter by name or SKU…"),
                 active_labels=(N_("All products"), N_("Active products"),
                                N_("Inactive products"))),
        Product, cols, joins, None, {}, active_where=active,
    )


def _tasks() -> _Entity:
    assignee = User.alias("assignee")
    cols = [
        _Col(Column("subject", N_("Task"), width=260), (Activity.subject,)),
        _Col(Column("due_at", N_("Due"), "datetime", sortable=True, width=140), (Activity.due_at,),
             order=Activity.due_at),
        _Col(Column("status", N_("Status"), width=110), (Activity.status,), _label(_TASK_STATUS)),
        _Col(Column("deal", N_("Deal"), width=220), (Deal.title,)),
        _Col(Column("contact", N_("Contact"), width=200),
             (Contact.last_name, Contact.first_name, Contact.middle_name), _name),
        _Col(Column("assignee", N_("Assignee"), width=150), (assignee.name,)),
        _Col(Column("done_at", N_("Completed"), "datetime", visible=False, width=140),
             (Activity.done_at,)),
    ]

    def joins(query: peewee.ModelSelect) -> peewee.ModelSelect:
        return (
            query.join_from(Activity, Deal, peewee.JOIN.LEFT_OUTER, on=(Activity.deal == Deal.id))
            .join_from(Activity, Contact, peewee.JOIN.LEFT_OUTER,
                       on=(Activity.contact == Contact.id))
            .join_from(Activity, assignee, peewee.JOIN.LEFT_OUTER,
                       on=(Activity.assignee == assignee.id))
        )

    def active(value: bool) -> Any:
        return (Activity.status == ActivityStatus.PLANNED) if value else (
            Activity.status != ActivityStatus.PLANNED
        )

    return _Entity(
        ListSpec("tasks", N_("Tasks"), tuple(c.column for c in cols),
                 frozenset({F_RESPONSIBLE, F_MINE, F_DATES, F_ACTIVE}),
                 (("due_at", N_("Due")),), ("due_at", False),
                 active_labels=(N_("All tasks"), N_("Open tasks"), N_("Closed tasks"))),
        Activity, cols, joins, Activity.assignee, {"due_at": Activity.due_at},
        searchable=False, extra_where=lambda: Activity.kind == ActivityKind.TASK,
        active_where=active,
    )


def _documents(entity: str, model: Any) -> _Entity:
    author = User.alias("author")
    cols = [
        _Col(Column("number", N_("Number"), sortable=True, width=130), (model.number,),
             order=model.number),
        _Col(Column("issue_date", N_("Date"), "date", sortable=True, width=100), (model.issue_date,),
             order=model.issue_date),
        _Col(Column("client", N_("Client"), width=240),
             (Company.short_name, Company.legal_name, Contact.last_name, Contact.first_name),
             lambda short, legal, last, first: short or legal or _name(last, first)),
        _Col(Column("status", N_("Status"), width=120), (model.status,), _label(_DOC_STATUS)),
        _Col(Column("total", N_("Total"), "money", width=120, currency_column="currency"),
             (model.total,)),
        _Col(Column("currency", N_("Currency"), visible=False, width=70), (model.currency,)),
        _Col(Column("author", N_("Author"), width=150), (author.name,)),
    ]
    date_fields: tuple[tuple[str, str], ...] = (("issue_date", N_("Date")),)
    date_columns = {"issue_date": model.issue_date}
    if model is Invoice:
        cols.insert(2, _Col(Column("due_date", N_("Due date"), "date", width=100),
                            (Invoice.due_date,)))
        cols.insert(6, _Col(Column("paid_amount", N_("Paid"), "money", width=120,
                                   currency_column="currency"), (Invoice.paid_amount,)))
        date_fields += (("due_date", N_("Due date")),)
        date_columns["due_date"] = Invoice.due_date
    else:
        cols.insert(2, _Col(Column("valid_until", N_("Valid until"), "date", width=100),
                            (Quote.valid_until,)))

    def joins(query: peewee.ModelSelect) -> peewee.ModelSelect:
        return (
            query.join_from(model, Company, peewee.JOIN.LEFT_OUTER, on=(model.company == Company.id))
            .join_from(model, Contact, peewee.JOIN.LEFT_OUTER, on=(model.contact == Contact.id))
            .join_from(model, author, peewee.JOIN.LEFT_OUTER, on=(model.author == author.id))
        )

    title = N_("Quotes") if model is Quote else N_("Invoices")
    return _Entity(
        ListSpec(entity, title, tuple(c.column for c in cols),
                 frozenset({F_TEXT, F_RESPONSIBLE, F_MINE, F_DATES}), date_fields,
                 ("issue_date", True), search_hint=N_("Filter by number…")),
        model, cols, joins, model.author, date_columns, searchable=False,
        text_field=model.number,
    )


_ENTITIES: dict[str, _Entity] = {}


def _entity(entity: str) -> _Entity:
    if not _ENTITIES:
        _ENTITIES.update(
            deals=_deals(), leads=_leads(), contacts=_contacts(), companies=_companies(),
            products=_products(), tasks=_tasks(), quotes=_documents("quotes", Quote),
            invoices=_documents("invoices", Invoice),
        )
    try:
        return _ENTITIES[entity]
    except KeyError:
        raise KeyError(f"no list for {entity!r}") from None


def spec(entity: str) -> ListSpec:
    return _entity(entity).spec


# --- query building ---------------------------------------------------------------------------
def _is_sqlite() -> bool:
    return engine(database) == "sqlite"


def _key_expr(model: Any) -> Any:
    return peewee.Column(model, "rowid") if _is_sqlite() else model.id


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(str(value))


def _where(ent: _Entity, flt: ListFilter, user_id: str | None) -> list[Any]:
    model = ent.model
    conditions: list[Any] = [model.deleted_at.is_null()]
    if ent.extra_where is not None:
        conditions.append(ent.extra_where())
    text = flt.text.strip()
    if text and F_TEXT in ent.spec.filters:
        if ent.searchable:
            conditions.append(_text_condition(model, text))
        elif ent.text_field is not None:
            conditions.append(ent.text_field.contains(text.strip()))
    if ent.responsible_field is not None:
        ids = set(flt.responsible)
        if flt.mine and user_id:
            ids = {str(user_id)} if not ids or str(user_id) in ids else ids & {str(user_id)}
            if not ids:
                conditions.append(peewee.SQL("1 = 0"))
        if ids:
            conditions.append(ent.responsible_field.in_([_uuid(i) for i in sorted(ids)]))
    if model is Deal:
        if flt.pipeline:
            conditions.append(Deal.pipeline == _uuid(flt.pipeline))
        if flt.stages:
            conditions.append(Deal.stage.in_([_uuid(s) for s in flt.stages]))
        if flt.correct is not None:
            conditions.append(Deal.correct == flt.correct)
    if flt.product_group and F_PRODUCT_GROUP in ent.spec.filters:
        group_field = Deal.product_group if model is Deal else Product.group
        conditions.append(group_field == _uuid(flt.product_group))
    if flt.active is not None and ent.active_where is not None:
        conditions.append(ent.active_where(flt.active))
    if flt.date_field and flt.date_field in ent.date_columns:
        column = ent.date_columns[flt.date_field]
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


def _text_condition(model: Any, text: str) -> Any:
    table = model._meta.table_name
    if _is_sqlite():
        query = fts_query(text)
        if not query:
            return peewee.SQL("1 = 1")
        fts = fts_table(table)
        return peewee.Column(model, "rowid").in_(
            peewee.SQL(f'(SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH ?)', [query])
        )
    condition: Any = peewee.SQL("1 = 1")
    for token in query_tokens(text):
        escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition = condition & peewee.Expression(model.search_text, "LIKE", f"%{escaped}%")
    return condition


def _order(ent: _Entity, sort: Sort | None) -> list[Any]:
    key = _key_expr(ent.model)
    column_key, descending = (sort.column, sort.descending) if sort else ent.spec.default_sort
    col = next((c for c in ent.cols if c.column.key == column_key and c.order is not None), None)
    if col is None:
        column_key, descending = ent.spec.default_sort
        col = next((c for c in ent.cols if c.column.key == column_key and c.order is not None), None)
    exprs = list(col.order if isinstance(col.order, tuple) else (col.order,)) if col else []
    exprs.append(key)
    return [e.desc() if descending else e.asc() for e in exprs]


def _rows_query(ent: _Entity) -> peewee.ModelSelect:
    select = [_key_expr(ent.model), ent.model.id]
    for col in ent.cols:
        select.extend(col.exprs)
    return ent.joins(ent.model.select(*select))


def _to_rows(ent: _Entity, raw: Sequence[Sequence[Any]], converters: list[Any]) -> list[Row]:
    rows = []
    plan = [(col.value, len(col.exprs), convs) for col, convs in zip(ent.cols, converters,
                                                                      strict=True)]
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
        rows.append(Row(record[0], str(_coerce_id(record[1])), tuple(values)))
    return rows


def _coerce_id(value: Any) -> uuid.UUID:
    from desktop_crm.models.fields import coerce_uuid

    return coerce_uuid(value)


def _to_datetime(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value[:10])


def _converter(expr: Any) -> Any:
    """A quick ``python_value``: plain text needs none; dates parse with ``fromisoformat``."""
    from desktop_crm.models.fields import EnumField

    field_ = getattr(expr, "field", expr)  # aliased models give field aliases
    if isinstance(field_, (EnumField, peewee.CharField, peewee.TextField)):
        return None  # enum labels look plain strings up directly
    if isinstance(field_, peewee.DateTimeField):
        return _to_datetime
    if isinstance(field_, peewee.DateField):
        return _to_date
    if isinstance(field_, peewee.BooleanField):
        return bool
    return getattr(field_, "python_value", None)


_CONVERTERS: dict[str, list[list[Any]]] = {}


def _converters(ent: _Entity) -> list[list[Any]]:
    cached = _CONVERTERS.get(ent.spec.entity)
    if cached is None:
        cached = [[_converter(expr) for expr in col.exprs] for col in ent.cols]
        _CONVERTERS[ent.spec.entity] = cached
    return cached


def _execute(query: peewee.ModelSelect) -> list[tuple[Any, ...]]:
    sql, params = query.sql()
    return database.execute_sql(sql, params).fetchall()


# Built SQL is cached: building a seven-join query costs peewee more than SQLite needs to run it.
_SQL_CACHE: dict[tuple[Any, ...], tuple[str, list[Any]]] = {}
_SQL_CACHE_SIZE = 64
BLOCK_SENTINEL = 987_654_321


def _cached_sql(key: tuple[Any, ...], build: Callable[[], peewee.Query]) -> tuple[str, list[Any]]:
    key = (_database_key(), *key)
    found = _SQL_CACHE.get(key)
    if found is None:
        if len(_SQL_CACHE) >= _SQL_CACHE_SIZE:
            _SQL_CACHE.pop(next(iter(_SQL_CACHE)))
        found = build().sql()
        _SQL_CACHE[key] = found
    return found


_PARTIAL_INDEXES: dict[tuple[Any, str], str | None] = {}


def _along_sort_index(ent: _Entity, sort: Sort | None, sql: str) -> str:
    """The query made to read the base table along the live-row index of its sort column."""
    column_key = sort.column if sort else ent.spec.default_sort[0]
    col = next((c for c in ent.cols if c.column.key == column_key and c.order is not None), None)
    if col is None or isinstance(col.order, tuple):
        return sql
    table = ent.model._meta.table_name
    index = _live_index_on(table, col.order.column_name)
    head = f'FROM "{table}" AS "t1"'
    if index is None or head not in sql:
        return sql
    return sql.replace(head, f'{head} INDEXED BY "{index}"', 1)


_SORT_INDEXES: dict[tuple[Any, str, str], str | None] = {}


def _live_index_on(table: str, column: str) -> str | None:
    """SQLite: a partial (live rows) index whose only column is ``column``."""
    key = (_database_key(), table, column)
    if key not in _SORT_INDEXES:
        found = None
        for name, sql in database.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", [table]
        ).fetchall():
            text = (sql or "").replace('"', "").lower()
            if text.endswith("where (deleted_at is null)") and f"({column})" in text:
                found = name
        _SORT_INDEXES[key] = found
    return _SORT_INDEXES[key]


def _database_key() -> tuple[str, str]:
    """Which database the models are bound to (engine and file or URL), for the caches."""
    return engine(database), str(database.obj.database)


def _live_rows_index(table: str) -> str | None:
    """SQLite: the narrowest index over the table's live rows (``WHERE deleted_at IS NULL``).

    Without statistics SQLite scans the whole table to count live rows; through this partial
    index the count reads only the index.
    """
    key = (_database_key(), table)
    if key not in _PARTIAL_INDEXES:
        best: tuple[int, str] | None = None
        for name, sql in database.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", [table]
        ).fetchall():
            text = (sql or "").replace('"', "").lower()
            if text.endswith("where (deleted_at is null)") or text.endswith(
                    "where deleted_at is null"):
                width = text.partition("(")[2].partition(")")[0].count(",") + 1
                if best is None or width < best[0]:
                    best = (width, name)
        _PARTIAL_INDEXES[key] = best[1] if best else None
    return _PARTIAL_INDEXES[key]


# --- public API -------------------------------------------------------------------------------
def total(entity: str) -> int:
    """All live rows of a list (what a filter is measured against)."""
    return count(entity, None)


def count(entity: str, flt: ListFilter | None = None, user_id: str | None = None) -> int:
    ent = _entity(entity)
    conditions = _where(ent, flt or ListFilter(), user_id)
    if len(conditions) == 1 and _is_sqlite():  # only "alive": count through a partial index
        table = ent.model._meta.table_name
        index = _live_rows_index(table)
        if index is not None:
            row = database.execute_sql(
                f'SELECT COUNT(*) FROM "{table}" INDEXED BY "{index}" WHERE deleted_at IS NULL'
            ).fetchone()
            return int(row[0])
    query = ent.model.select(peewee.fn.COUNT(peewee.SQL("*"))).where(*conditions)
    return int(query.scalar() or 0)


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
    ent = _entity(entity)
    flt = flt or ListFilter()

    def build() -> peewee.Query:  # LIMIT and OFFSET are the last two parameters
        return (
            _rows_query(ent)
            .where(*_where(ent, flt, user_id))
            .order_by(*_order(ent, sort))
            .limit(BLOCK_SENTINEL)
            .offset(BLOCK_SENTINEL)
        )

    if flt.active is not None:  # its cut-off moves with the clock: not cached
        sql, params = build().sql()
    else:
        sql, params = _cached_sql((entity, "page", flt, sort, user_id), build)
    if dense and not flt.is_empty() and _is_sqlite():
        sql = _along_sort_index(ent, sort, sql)
    if params[-2:] != [BLOCK_SENTINEL, BLOCK_SENTINEL]:
        raise RuntimeError("unexpected query shape")
    raw = database.execute_sql(sql, [*params[:-2], limit, offset]).fetchall()
    return _to_rows(ent, raw, _converters(ent))


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
    ent = _entity(entity)
    flt = flt or ListFilter()
    query = (
        ent.model.select(_key_expr(ent.model))
        .where(*_where(ent, flt, user_id))
        .order_by(*_order(ent, sort))
    )
    sql, params = query.sql()
    if dense and not flt.is_empty() and _is_sqlite():
        sql = _along_sort_index(ent, sort, sql)
    cursor = database.execute_sql(sql, params)
    if _is_sqlite():
        keys: Any = array("q")
        while True:
            batch = cursor.fetchmany(50_000)
            if not batch:
                break
            keys.extend([record[0] for record in batch])
            if cancelled is not None and cancelled():
                break
    else:
        keys = []
        while True:
            batch = cursor.fetchmany(50_000)
            if not batch:
                break
            keys.extend(_coerce_id(record[0]) for record in batch)
            if cancelled is not None and cancelled():
                break
    return Snapshot(keys)


def fetch_keys(entity: str, keys: Sequence[Any]) -> list[Row]:
    """The rows of ``keys`` in the order given (rows deleted since the snapshot are skipped)."""
    if not keys:
        return []
    ent = _entity(entity)
    key_expr = _key_expr(ent.model)
    wanted = list(keys)
    sql, params = _cached_sql((entity, "keys", len(wanted)),
                              lambda: _rows_query(ent).where(key_expr.in_(wanted)))
    if len(params) != len(wanted):
        raise RuntimeError("unexpected query shape")
    rows = _to_rows(ent, database.execute_sql(sql, wanted).fetchall(), _converters(ent))
    if not _is_sqlite():
        by_key = {_coerce_id(r.key): r for r in rows}
        return [by_key[k] for k in wanted if k in by_key]
    by_key = {r.key: r for r in rows}
    return [by_key[k] for k in wanted if k in by_key]


def iter_rows(
    entity: str,
    flt: ListFilter | None,
    sort: Sort | None,
    user_id: str | None = None,
    batch: int = 2000,
) -> Iterator[list[Row]]:
    """Every matching row in display order, ``batch`` rows at a time (exports)."""
    keys = snapshot(entity, flt, sort, user_id).keys
    for start in range(0, len(keys), batch):
        yield fetch_keys(entity, keys[start:start + batch])


# --- filter bar choices -------------------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    id: str
    name: str
    parent: str | None = None  # a stage's pipeline


def responsible_choices() -> list[Choice]:
    query = User.alive().where(User.active == True).order_by(User.name)  # noqa: E712
    return [Choice(str(u.id), u.name) for u in query]


def pipeline_choices() -> list[Choice]:
    query = Pipeline.alive().order_by(Pipeline.sort_order, Pipeline.name)
    return [Choice(str(p.id), p.name) for p in query]


def stage_choices(pipeline_id: str | None = None) -> list[Choice]:
    query = Stage.alive().order_by(Stage.pipeline, Stage.sort_order)
    if pipeline_id:
        query = query.where(Stage.pipeline == _uuid(pipeline_id))
    return [Choice(str(s.id), s.name, str(s.pipeline_id)) for s in query]


def product_group_choices() -> list[Choice]:
    query = ProductGroup.alive().order_by(ProductGroup.sort_order, ProductGroup.name)
    return [Choice(str(g.id), g.name) for g in query]


def record_summary(entity: str, record_id: str) -> list[tuple[str, Any, str]]:
    """``(translated column title, value, kind)`` of one record (a read-only view of the row)."""
    ent = _entity(entity)
    query = _rows_query(ent).where(ent.model.id == _uuid(record_id))
    rows = _to_rows(ent, _execute(query), _converters(ent))
    if not rows:
        return []
    return [(_(c.column.title), v, c.column.kind) for c, v in zip(ent.cols, rows[0].values,
                                                                   strict=True)]


__all__ = [
    "ENTITIES", "Choice", "Column", "ListFilter", "ListSpec", "Row", "Snapshot", "Sort", "count",
    "fetch_keys", "fetch_page", "iter_rows", "snapshot", "spec",
]
