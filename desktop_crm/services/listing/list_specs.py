"""The columns, joins and filters of each list: what :mod:`lists` reads its rows from.

Sorting is offered only on columns whose ``ORDER BY`` an index serves on large tables.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import peewee

from desktop_crm.entities import LIST_ENTITIES, Entity
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
)
from desktop_crm.models.base import BaseModel
from desktop_crm.services.listing import custom_columns
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
    Column,
    ListSpec,
)


@dataclass(frozen=True)
class ColumnSource:
    """A column of a list and the expressions it is read from (``value`` makes the shown value)."""

    column: Column
    exprs: tuple[Any, ...]
    value: Callable[..., Any] = lambda v: v
    order: Any = None  # expression for ORDER BY when sortable
    value_sort: custom_columns.ValueSort | None = None  # a custom field sorted along its index


@dataclass
class ListSource:
    """A list: its spec, the model and joins its rows come from, and how each filter applies."""

    spec: ListSpec
    model: type[BaseModel]
    cols: list[ColumnSource]
    joins: Callable[[peewee.ModelSelect[Any]], peewee.ModelSelect[Any]]
    responsible_field: Any = None
    date_columns: dict[str, Any] = field(default_factory=dict)
    searchable: bool = True
    text_field: Any = None  # non-indexed text search (document numbers)
    extra_where: Callable[[], Any] | None = None
    active_where: Callable[[bool], Any] | None = None
    version: str = ""  # of the custom fields shown as columns (compiled statements depend on it)


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
    "superseded": N_("Superseded"),
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


def _as_datetime(value: Any) -> dt.datetime | None:
    """A timestamp as stored (naive UTC; SQLite hands back text)."""
    if value is None:
        return None
    moment: dt.datetime
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.replace(tzinfo=None)


class _DealClock:
    """Rule 2's activity and the overdue task read from a row's own values against the clock.

    The statements hold no time (they are compiled once and cached), so "now" and the inactivity
    cut-off are applied here; the cut-off's setting is read at most once a minute, not per row.
    """

    def __init__(self) -> None:
        self._days: int | None = None
        self._read_at = 0.0

    def _cutoff(self, now: dt.datetime) -> dt.datetime:
        moment = time.monotonic()
        if self._days is None or moment - self._read_at > 60:
            from desktop_crm.services.sales import rules  # rule 2 lives with the sales rules

            self._days = int(rules.INACTIVITY_DAYS.get())
            self._read_at = moment
        return now - dt.timedelta(days=self._days)

    def forget(self) -> None:
        self._days = None

    def active(self, correct: Any, last_interaction: Any) -> bool:
        last = _as_datetime(last_interaction)
        if not correct or last is None:
            return False
        return last >= self._cutoff(_utcnow())

    def overdue(self, first_due: Any) -> bool:
        due = _as_datetime(first_due)
        return due is not None and due < _utcnow()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


_DEAL_CLOCK = _DealClock()


def _first_planned_task_due() -> Any:
    """The earliest due moment of the deal's planned tasks: a correlated ``MIN`` led by the
    timeline's index on ``deal_id`` (a deal has a handful of entries), in the same statement.
    Literal values, so the compiled statement binds only what the list binds; ``kind || ''``
    so that SQLite does not prefer the index of all tasks by kind (a scan per row)."""
    task = Activity.alias("planned_task")
    return (
        task.select(peewee.fn.MIN(task.due_at))
        .where(task.deal == Deal.id, task.deleted_at.is_null(),
               task.kind.concat(peewee.SQL("''")) == peewee.SQL(f"'{ActivityKind.TASK.value}'"),
               task.status.concat(peewee.SQL("''"))
               == peewee.SQL(f"'{ActivityStatus.PLANNED.value}'"))
    )


def _deals() -> ListSource:
    responsible = User.alias("responsible")
    spec_cols = [
        ColumnSource(Column("title", N_("Deal"), sortable=True, width=250), (Deal.title,), order=Deal.title),
        ColumnSource(Column("stage", N_("Stage"), width=150), (Stage.name,)),
        ColumnSource(Column("amount", N_("Amount"), "money", width=120, currency_column="currency"),
             (Deal.amount,)),
        ColumnSource(Column("currency", N_("Currency"), visible=False, width=70), (Deal.currency,)),
        ColumnSource(Column("contact", N_("Contact"), width=200),
             (Contact.last_name, Contact.first_name, Contact.middle_name), _name),
        ColumnSource(Column("company", N_("Company"), width=180),
             (Company.short_name, Company.legal_name), _company_name),
        ColumnSource(Column("responsible", N_("Responsible"), width=150), (responsible.name,)),
        ColumnSource(Column("pipeline", N_("Pipeline"), visible=False, width=150), (Pipeline.name,)),
        ColumnSource(Column("product_group", N_("Product group"), visible=False, width=150),
             (ProductGroup.name,)),
        ColumnSource(Column("expected_close_date", N_("Expected close"), "date", width=110),
             (Deal.expected_close_date,)),
        ColumnSource(Column("last_interaction_at", N_("Last interaction"), "datetime", sortable=True,
                    width=140), (Deal.last_interaction_at,), order=Deal.last_interaction_at),
        ColumnSource(Column("created_at", N_("Created"), "datetime", sortable=True, visible=False,
                    width=140), (Deal.created_at,), order=Deal.created_at),
        ColumnSource(Column("correct", N_("Correct"), "bool", visible=False, width=80), (Deal.correct,),
             _bool),
        ColumnSource(Column("active", N_("Active"), "bool", visible=False, width=80),
             (Deal.correct, Deal.last_interaction_at), _DEAL_CLOCK.active),
        ColumnSource(Column("overdue_task", N_("Overdue task"), "bool", visible=False, width=80),
             (_first_planned_task_due(),), _DEAL_CLOCK.overdue),
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

    return ListSource(
        ListSpec(
            Entity.DEALS, N_("Deals"), tuple(c.column for c in spec_cols),
            frozenset({F_TEXT, F_RESPONSIBLE, F_MINE, F_PIPELINE, F_STAGE, F_PRODUCT_GROUP,
                       F_DATES, F_ACTIVE, F_CORRECT}),
            (("created_at", N_("Created")), ("expected_close_date", N_("Expected close")),
             ("last_interaction_at", N_("Last interaction")), ("closed_at", N_("Closing date"))),
            ("created_at", True),
            search_hint=N_("Filter by title, contact or company…"),
        ),
        Deal, spec_cols, joins, Deal.responsible,
        {"created_at": Deal.created_at, "expected_close_date": Deal.expected_close_date,
         "last_interaction_at": Deal.last_interaction_at, "closed_at": Deal.closed_at},
        active_where=active,
    )


def _leads() -> ListSource:
    responsible = User.alias("responsible")
    cols = [
        ColumnSource(Column("title", N_("Lead"), width=240), (Lead.title,)),
        ColumnSource(Column("name", N_("Name"), width=200), (Lead.last_name, Lead.first_name,
                                                      Lead.middle_name), _name),
        ColumnSource(Column("company_name", N_("Company"), width=180), (Lead.company_name,)),
        ColumnSource(Column("phone", N_("Phone"), width=140), (Lead.mobile_phone,)),
        ColumnSource(Column("email", N_("E-mail address"), width=180), (Lead.private_email,)),
        ColumnSource(Column("source", N_("Source"), width=120), (Lead.source,)),
        ColumnSource(Column("status", N_("Status"), width=110), (Lead.status,), _label(_LEAD_STATUS)),
        ColumnSource(Column("responsible", N_("Responsible"), width=150), (responsible.name,)),
        ColumnSource(Column("created_at", N_("Created"), "datetime", sortable=True, width=140),
             (Lead.created_at,), order=Lead.created_at),
    ]

    def joins(query: peewee.ModelSelect) -> peewee.ModelSelect:
        return query.join_from(Lead, responsible, peewee.JOIN.LEFT_OUTER,
                               on=(Lead.responsible == responsible.id))

    def active(value: bool) -> Any:
        condition = Lead.status.in_([LeadStatus.NEW, LeadStatus.IN_PROGRESS])
        return condition if value else ~condition

    return ListSource(
        ListSpec(Entity.LEADS, N_("Leads"), tuple(c.column for c in cols),
                 frozenset({F_TEXT, F_RESPONSIBLE, F_MINE, F_DATES, F_ACTIVE}),
                 (("created_at", N_("Created")),), ("created_at", True),
                 search_hint=N_("Filter by title, name, company, phone…"),
                 active_labels=(N_("All leads"), N_("Open leads"), N_("Closed leads"))),
        Lead, cols, joins, Lead.responsible, {"created_at": Lead.created_at},
        active_where=active,
    )


def _contacts() -> ListSource:
    responsible = User.alias("responsible")
    cols = [
        ColumnSource(Column("name", N_("Name"), sortable=True, width=220),
             (Contact.last_name, Contact.first_name, Contact.middle_name), _name,
             order=(Contact.last_name, Contact.first_name)),
        ColumnSource(Column("company", N_("Company"), width=180), (Company.short_name, Company.legal_name),
             _company_name),
        ColumnSource(Column("position", N_("Position"), width=140), (Contact.position,)),
        ColumnSource(Column("mobile_phone", N_("Mobile phone"), width=140), (Contact.mobile_phone,)),
        ColumnSource(Column("work_phone", N_("Work phone"), visible=False, width=140),
             (Contact.work_phone,)),
        ColumnSource(Column("email", N_("E-mail address"), width=190),
                     (Contact.work_email, Contact.private_email),
             lambda work, private: work or private or ""),
        ColumnSource(Column("responsible", N_("Responsible"), width=150), (responsible.name,)),
        ColumnSource(Column("source", N_("Source"), visible=False, width=120), (Contact.source,)),
        ColumnSource(Column("birth_date", N_("Birth date"), "date", visible=False, width=100),
             (Contact.birth_date,)),
        ColumnSource(Column("created_at", N_("Created"), "datetime", visible=False, width=140),
             (Contact.created_at,)),
    ]

    def joins(query: peewee.ModelSelect) -> peewee.ModelSelect:
        return (
            query.join_from(Contact, Company, peewee.JOIN.LEFT_OUTER,
                            on=(Contact.company == Company.id))
            .join_from(Contact, responsible, peewee.JOIN.LEFT_OUTER,
                       on=(Contact.responsible == responsible.id))
        )

    return ListSource(
        ListSpec(Entity.CONTACTS, N_("Contacts"), tuple(c.column for c in cols),
                 frozenset({F_TEXT, F_RESPONSIBLE, F_MINE, F_DATES}),
                 (("created_at", N_("Created")), ("birth_date", N_("Birth date"))),
                 ("name", False), search_hint=N_("Filter by name, phone, e-mail…")),
        Contact, cols, joins, Contact.responsible,
        {"created_at": Contact.created_at, "birth_date": Contact.birth_date},
    )


def _companies() -> ListSource:
    responsible = User.alias("responsible")
    cols = [
        ColumnSource(Column("name", N_("Company"), sortable=True, width=240),
             (Company.short_name, Company.legal_name), _company_name,
             order=(Company.short_name, Company.legal_name)),
        ColumnSource(Column("inn", N_("INN"), width=120), (Company.inn,)),
        ColumnSource(Column("vat_number", N_("VAT number"), width=130), (Company.vat_number,)),
        ColumnSource(Column("city", N_("City"), width=130), (Company.city,)),
        ColumnSource(Column("phone", N_("Phone"), width=140), (Company.phone,)),
        ColumnSource(Column("email", N_("E-mail address"), width=180), (Company.email,)),
        ColumnSource(Column("responsible", N_("Responsible"), width=150), (responsible.name,)),
        ColumnSource(Column("created_at", N_("Created"), "datetime", visible=False, width=140),
             (Company.created_at,)),
    ]

    def joins(query: peewee.ModelSelect) -> peewee.ModelSelect:
        return query.join_from(Company, responsible, peewee.JOIN.LEFT_OUTER,
                               on=(Company.responsible == responsible.id))

    return ListSource(
        ListSpec(Entity.COMPANIES, N_("Companies"), tuple(c.column for c in cols),
                 frozenset({F_TEXT, F_RESPONSIBLE, F_MINE, F_DATES}),
                 (("created_at", N_("Created")),), ("name", False),
                 search_hint=N_("Filter by name, INN, VAT number, city…")),
        Company, cols, joins, Company.responsible, {"created_at": Company.created_at},
    )


def _products() -> ListSource:
    cols = [
        ColumnSource(Column("name", N_("Product"), sortable=True, width=260), (Product.name,),
             order=Product.name),
        ColumnSource(Column("sku", N_("SKU"), sortable=True, width=110), (Product.sku,), order=Product.sku),
        ColumnSource(Column("group", N_("Product group"), width=160), (ProductGroup.name,)),
        ColumnSource(Column("unit", N_("Unit"), width=70), (Product.unit,)),
        ColumnSource(Column("price", N_("Price"), "money", width=120, currency_column="currency"),
             (Product.price,)),
        ColumnSource(Column("currency", N_("Currency"), visible=False, width=70), (Product.currency,)),
        ColumnSource(Column("vat_rate", N_("VAT"), "percent", width=70), (Product.vat_rate,)),
        ColumnSource(Column("active", N_("Active"), "bool", width=70), (Product.active,), _bool),
    ]

    def joins(query: peewee.ModelSelect) -> peewee.ModelSelect:
        return query.join_from(Product, ProductGroup, peewee.JOIN.LEFT_OUTER,
                               on=(Product.group == ProductGroup.id))

    def active(value: bool) -> Any:
        return Product.active == value

    return ListSource(
        ListSpec(Entity.PRODUCTS, N_("Products"), tuple(c.column for c in cols),
                 frozenset({F_TEXT, F_PRODUCT_GROUP, F_ACTIVE}), (), ("name", False),
                 search_hint=N_("Filter by name or SKU…"),
                 active_labels=(N_("All products"), N_("Active products"),
                                N_("Inactive products"))),
        Product, cols, joins, None, {}, active_where=active,
    )


def _tasks() -> ListSource:
    assignee = User.alias("assignee")
    cols = [
        ColumnSource(Column("subject", N_("Task"), width=260), (Activity.subject,)),
        ColumnSource(Column("due_at", N_("Due"), "datetime", sortable=True, width=140), (Activity.due_at,),
             order=Activity.due_at),
        ColumnSource(Column("status", N_("Status"), width=110), (Activity.status,), _label(_TASK_STATUS)),
        ColumnSource(Column("deal", N_("Deal"), width=220), (Deal.title,)),
        ColumnSource(Column("contact", N_("Contact"), width=200),
             (Contact.last_name, Contact.first_name, Contact.middle_name), _name),
        ColumnSource(Column("assignee", N_("Assignee"), width=150), (assignee.name,)),
        ColumnSource(Column("done_at", N_("Completed"), "datetime", visible=False, width=140),
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

    return ListSource(
        ListSpec(Entity.TASKS, N_("Tasks"), tuple(c.column for c in cols),
                 frozenset({F_RESPONSIBLE, F_MINE, F_DATES, F_ACTIVE}),
                 (("due_at", N_("Due")),), ("due_at", False),
                 active_labels=(N_("All tasks"), N_("Open tasks"), N_("Closed tasks"))),
        Activity, cols, joins, Activity.assignee, {"due_at": Activity.due_at},
        searchable=False, extra_where=lambda: Activity.kind == ActivityKind.TASK,
        active_where=active,
    )


def _documents(entity: Entity, model: Any) -> ListSource:
    author = User.alias("author")
    cols = [
        ColumnSource(Column("number", N_("Number"), sortable=True, width=130), (model.number,),
             order=model.number),
        ColumnSource(Column("issue_date", N_("Date"), "date", sortable=True, width=100), (model.issue_date,),
             order=model.issue_date),
        ColumnSource(Column("client", N_("Client"), width=240),
             (Company.short_name, Company.legal_name, Contact.last_name, Contact.first_name),
             lambda short, legal, last, first: short or legal or _name(last, first)),
        ColumnSource(Column("status", N_("Status"), width=120), (model.status,), _label(_DOC_STATUS)),
        ColumnSource(Column("total", N_("Total"), "money", width=120, currency_column="currency"),
             (model.total,)),
        ColumnSource(Column("currency", N_("Currency"), visible=False, width=70), (model.currency,)),
        ColumnSource(Column("author", N_("Author"), width=150), (author.name,)),
    ]
    date_fields: tuple[tuple[str, str], ...] = (("issue_date", N_("Date")),)
    date_columns = {"issue_date": model.issue_date}
    if model is Invoice:
        cols.insert(2, ColumnSource(Column("due_date", N_("Due date"), "date", width=100),
                            (Invoice.due_date,)))
        cols.insert(6, ColumnSource(Column("paid_amount", N_("Paid"), "money", width=120,
                                   currency_column="currency"), (Invoice.paid_amount,)))
        date_fields += (("due_date", N_("Due date")),)
        date_columns["due_date"] = Invoice.due_date
    else:
        cols.insert(2, ColumnSource(Column("valid_until", N_("Valid until"), "date", width=100),
                            (Quote.valid_until,)))

    def joins(query: peewee.ModelSelect) -> peewee.ModelSelect:
        return (
            query.join_from(model, Company, peewee.JOIN.LEFT_OUTER, on=(model.company == Company.id))
            .join_from(model, Contact, peewee.JOIN.LEFT_OUTER, on=(model.contact == Contact.id))
            .join_from(model, author, peewee.JOIN.LEFT_OUTER, on=(model.author == author.id))
        )

    title = N_("Quotes") if model is Quote else N_("Invoices")
    return ListSource(
        ListSpec(entity, title, tuple(c.column for c in cols),
                 frozenset({F_TEXT, F_RESPONSIBLE, F_MINE, F_DATES}), date_fields,
                 ("issue_date", True), search_hint=N_("Filter by number…")),
        model, cols, joins, model.author, date_columns, searchable=False,
        text_field=model.number,
    )


_BUILDERS: dict[Entity, Callable[[], ListSource]] = {
    Entity.DEALS: _deals,
    Entity.LEADS: _leads,
    Entity.CONTACTS: _contacts,
    Entity.COMPANIES: _companies,
    Entity.PRODUCTS: _products,
    Entity.TASKS: _tasks,
    Entity.QUOTES: lambda: _documents(Entity.QUOTES, Quote),
    Entity.INVOICES: lambda: _documents(Entity.INVOICES, Invoice),
}
_SOURCES: dict[Entity, ListSource] = {}
_WITH_CUSTOM: dict[Entity, ListSource] = {}


def source(entity: str) -> ListSource:
    """The list of ``entity`` (one of :data:`desktop_crm.entities.LIST_ENTITIES`), with a column
    for each of its custom fields (rebuilt when the fields change)."""
    if not _SOURCES:
        _SOURCES.update((name, _BUILDERS[name]()) for name in LIST_ENTITIES)
    try:
        base = _SOURCES[Entity(entity)]
    except (KeyError, ValueError):
        raise KeyError(f"no list for {entity!r}") from None
    if not custom_columns.has_custom_fields(base.spec.entity):
        return base
    current = custom_columns.version(base.spec.entity)
    cached = _WITH_CUSTOM.get(base.spec.entity)
    if cached is None or cached.version != current:
        cached = _with_custom_columns(base, current)
        _WITH_CUSTOM[base.spec.entity] = cached
    return cached


def _with_custom_columns(base: ListSource, current: str) -> ListSource:
    keys = {c.column.key for c in base.cols}
    added = [ColumnSource(column, (expr,), make, order=expr, value_sort=value_sort)
             for column, expr, make, value_sort in custom_columns.columns(
                 base.spec.entity, base.model, "currency" if "currency" in keys else None)]
    cols = base.cols + added
    spec_ = replace(base.spec, columns=tuple(c.column for c in cols))
    return replace(base, spec=spec_, cols=cols, version=current)


def spec(entity: str) -> ListSpec:
    return source(entity).spec
