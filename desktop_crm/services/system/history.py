"""Field history of a record, as a card's History tab shows it (issue 23, part 6).

What is recorded, and where: ``models.history`` writes a ``field_change`` row for every change of
a tracked table's fields saved by a signed-in user (the capture point is ``BaseModel.save``; why,
in that module). This module tells it

* who is saving (:func:`_author`: the signed-in user, the replica's device id, the computer's
  name) — nobody signed in (the tests' built-in administrator has no user row) records nothing;
* which tables belong to which record (:data:`OWN_TABLES`, :data:`LINE_TABLES`); other services
  add theirs with :func:`track_child` and label their keys with :func:`register_field_labels`
  (custom field values: one key per custom field, labelled by the field's label);

and reads it back for the card: newest first, grouped per user action (one moment, one person),
filtered by field, a window at a time, with display values (a stage's name, a user's name, money
in the record's currency, dates in the user's language). Nobody edits history: there is no service
to; on the shared server application logins may only insert their own entries
(``sync.policies``).

Who may see it: whoever may see the record, narrowed by the business setting
``history.visible_to`` (everyone who sees the record, those whose role may edit records, or only
those who manage users); the server's row security applies the same rule to the rows it sends.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import peewee

from desktop_crm.errors import PermissionDenied, ValidationError
from desktop_crm.i18n import N_, _
from desktop_crm.i18n.formatting import (
    format_amount,
    format_date,
    format_datetime,
    format_money,
    format_quantity,
)
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import (
    Action,
    Activity,
    Company,
    Contact,
    Deal,
    DealLine,
    FieldChange,
    Invoice,
    InvoiceLine,
    Lead,
    Product,
    Quote,
    QuoteLine,
    User,
    database,
)
from desktop_crm.models import history as recorder
from desktop_crm.models.base import BaseModel
from desktop_crm.models.db import engine
from desktop_crm.models.fields import EnumField, ScaledDecimalField
from desktop_crm.models.sync_meta import device_id, is_replica
from desktop_crm.services.system import custom_values, rights, settings
from desktop_crm.validation import FIELD_LABELS

EVERYONE, EDITORS, USER_MANAGERS = "everyone", "editors", "user_managers"
VISIBILITY_LABELS: dict[str, str] = {
    EVERYONE: N_("Everyone who may see the record"),
    EDITORS: N_("Those whose role may edit records"),
    USER_MANAGERS: N_("Only those who manage users and rights"),
}
_REQUIRED_ACTION = {EDITORS: Action.EDIT, USER_MANAGERS: Action.MANAGE_USERS}
VISIBLE_TO = settings.declare("history.visible_to", EVERYONE)
PAGE_SIZE = 200
MAX_PAGE = 1000

#: the records with a History tab and their tables
OWN_TABLES: dict[str, type[BaseModel]] = {
    "deal": Deal, "contact": Contact, "company": Company, "lead": Lead, "product": Product,
    "activity": Activity, "quote": Quote, "invoice": Invoice,
}
#: lines recorded as changes of the record they belong to: table → (model, owner column)
LINE_TABLES: dict[str, tuple[type[BaseModel], str]] = {
    "deal_line": (DealLine, "deal"), "quote_line": (QuoteLine, "quote"),
    "invoice_line": (InvoiceLine, "invoice"),
}
_CURRENCY_OF = {"deal": Deal, "quote": Quote, "invoice": Invoice, "product": Product}

# labels of columns validation does not label (it labels the ones every form shares)
_LABELS: dict[str, str] = {
    "pipeline": N_("pipeline"), "stage": N_("stage"), "contact": N_("contact"),
    "company": N_("company"), "responsible": N_("responsible"),
    "product_group": N_("product group"), "group": N_("product group"),
    "source_lead": N_("lead it came from"), "closed_at": N_("closed on"),
    "own_company": N_("our company"), "status": N_("status"), "converted_at": N_("converted on"),
    "mobile_phone": N_("mobile phone"), "work_phone": N_("work phone"),
    "private_email": N_("private e-mail"), "work_email": N_("work e-mail"),
    "photo": N_("photo"), "unit_code": N_("unit code"), "active": N_("active"),
    "kind": N_("kind"), "done_at": N_("done on"), "author": N_("author"),
    "assignee": N_("assignee"), "client_answered": N_("client answered"), "deal": N_("deal"),
    "lead": N_("lead"), "payload": N_("details"), "number": N_("number"),
    "revision": N_("revision"), "parent": N_("previous revision"), "sent_at": N_("sent on"),
    "language": N_("language"), "vat_mode": N_("VAT mode"), "subtotal": N_("subtotal"),
    "vat_total": N_("VAT"), "total": N_("total"), "intro": N_("introduction"),
    "terms": N_("terms"), "print_options": N_("print options"), "quote": N_("quote"),
    "series": N_("series"), "year": N_("year"), "sequence_number": N_("sequence number"),
    "paid_amount": N_("paid amount"), "issued_at": N_("issued on"),
    "cancelled_at": N_("cancelled on"), "credit_for": N_("credited invoice"),
    "product": N_("product"), "line_order": N_("line order"), "net_amount": N_("net amount"),
    "vat_amount": N_("VAT amount"), "total_amount": N_("line total"), "natura": N_("natura code"),
    "deleted_at": N_("deleted"),
}
_VALUE_LABELS: dict[str, str] = {
    "new": N_("New"), "in_progress": N_("In progress"), "converted": N_("Converted"),
    "junk": N_("Junk"), "planned": N_("Planned"), "done": N_("Done"), "cancelled": N_("Cancelled"),
    "draft": N_("Draft"), "sent": N_("Sent"), "accepted": N_("Accepted"),
    "rejected": N_("Rejected"), "expired": N_("Expired"), "superseded": N_("Superseded"),
    "issued": N_("Issued"), "partially_paid": N_("Partially paid"), "paid": N_("Paid"),
}
_EVENTS = {
    recorder.CREATED: N_("Created"), recorder.DELETED: N_("Deleted"),
    recorder.RESTORED: N_("Restored"),
}
_LINE_EVENTS = {
    recorder.CREATED: N_("Line “{name}” added"), recorder.DELETED: N_("Line “{name}” removed"),
    recorder.RESTORED: N_("Line “{name}” restored"),
}
_MONEY_COLUMNS = frozenset({"amount", "price", "subtotal", "vat_total", "total", "paid_amount",
                            "net_amount", "vat_amount", "total_amount"})
_QUANTITY_COLUMNS = frozenset({"quantity"})

FieldLabel = Callable[[str], str]
FieldDisplay = Callable[[str, str | None], str]
_EXTRA_LABELS: dict[str, tuple[FieldLabel, FieldDisplay | None]] = {}


@dataclass(frozen=True)
class HistoryEntry:
    """One changed field (or a whole-row event: ``field`` empty, ``label`` says what happened)."""

    field: str
    label: str
    kind: str
    old_text: str
    new_text: str


@dataclass(frozen=True)
class HistoryMoment:
    """What one person saved in one action: ``at`` in UTC (naive)."""

    action_id: uuid.UUID
    at: dt.datetime
    user_name: str
    device_name: str
    entries: tuple[HistoryEntry, ...]


@dataclass(frozen=True)
class HistoryPage:
    """A window of a record's history, newest first. ``fields``: every field the record's history
    names, ``(key, label)``, for the filter; ``total``: how many changes match the filter."""

    moments: tuple[HistoryMoment, ...]
    total: int
    offset: int
    shown: int
    fields: tuple[tuple[str, str], ...]

    @property
    def has_more(self) -> bool:
        return self.offset + self.shown < self.total


# --- recording -------------------------------------------------------------------------------------


def _author() -> recorder.Author | None:
    actor = rights.current()
    if actor is None or actor.user_id is None:
        return None
    device = None
    if engine(database) == "sqlite" and is_replica(database):
        device = device_id(database)
    return recorder.Author(actor.user_id, device, platform.node())


def _line_owner(column: str) -> Callable[[Any], tuple[str, uuid.UUID] | None]:
    def owner(row: Any) -> tuple[str, uuid.UUID] | None:
        value = row.__data__.get(column)
        return (column, value) if value is not None else None

    return owner


def _line_key(table: str) -> Callable[[Any, str], str]:
    return lambda row, column: f"{table}/{row.id}/{column}"


def track_child(table: str, owner: Callable[[Any], tuple[str, uuid.UUID] | None],
                field_key: Callable[[Any, str], str], skipped: frozenset[str] = frozenset()) -> None:
    """Record the saves of ``table``'s rows as changes of the record ``owner(row)`` names, each
    column under ``field_key(row, column)`` (label the keys with :func:`register_field_labels`);
    a new row's values are changes from nothing (a custom field's first value). ``owner`` and
    ``field_key`` may read the ``skipped`` columns (a bulk change reads those with each row)."""
    recorder.track(table, recorder.Tracked(owner, field_key, row_events=False, skipped=skipped,
                                           reads=skipped))


def register_field_labels(prefix: str, label: FieldLabel,
                          display: FieldDisplay | None = None) -> None:
    """Label the history keys starting with ``prefix`` (``label(key)``) and, optionally, show their
    raw values (``display(key, raw)``); e.g. custom fields: ``custom:<field id>``."""
    _EXTRA_LABELS[prefix] = (label, display)


def install() -> None:
    """Start recording: who saves, and which tables belong to which record (idempotent). Called
    by every entry point, beside ``sync.capture.install`` (``cli.main``, the tests' ``conftest``,
    the benchmarks)."""
    recorder.set_author_source(_author)
    for table in OWN_TABLES:
        recorder.track(table, recorder.own_row(table))
    for table, (_model, column) in LINE_TABLES.items():  # a line added, changed, removed
        recorder.track(table, recorder.Tracked(_line_owner(column), _line_key(table),
                                               skipped=frozenset({column}),
                                               reads=frozenset({column})))
    # a custom field's value: a change of the record it belongs to, named by the field's label
    # (its values are soft-deleted with the record, which already records "Deleted")
    track_child("custom_value", custom_values.history_owner, custom_values.history_key,
                skipped=frozenset({"entity", "row_id", "field", "deleted_at"}))
    register_field_labels(custom_values.HISTORY_PREFIX, custom_values.history_label,
                          custom_values.history_display)


# --- who may see it --------------------------------------------------------------------------------


def visibility() -> str:
    """The business setting: who may see field history (:data:`VISIBILITY_LABELS`)."""
    value = VISIBLE_TO.get()
    return value if value in VISIBILITY_LABELS else EVERYONE


def visibility_choices() -> list[tuple[str, str]]:
    """``(value, label)`` of each choice of :func:`set_visibility`, in the UI language."""
    return [(value, _(label)) for value, label in VISIBILITY_LABELS.items()]


def set_visibility(value: str) -> None:
    rights.require(Action.MANAGE_USERS)
    if value not in VISIBILITY_LABELS:
        raise ValidationError(_("Choose who may see field history from the list."), "visible_to")
    with database.atomic():
        VISIBLE_TO.set(value)


def may_see_history() -> bool:
    """Whether the signed-in user's role may see field history at all."""
    actor = rights.current()
    if actor is None or Action.VIEW not in actor.actions:
        return False
    needed = _REQUIRED_ACTION.get(visibility())
    return needed is None or needed in actor.actions


def _require_history(entity: str, row_id: uuid.UUID) -> type[BaseModel]:
    model = OWN_TABLES.get(entity)
    if model is None:
        raise ValidationError(_("This kind of record has no history."), "entity")
    if not may_see_history():
        raise PermissionDenied(_("Your role does not allow you to see the history of changes."))
    rights.require_visible(model, row_id)
    return model


# --- reading it ------------------------------------------------------------------------------------


def record_history(entity: str, row_id: IdLike, field: str = "", offset: int = 0,
                   limit: int = PAGE_SIZE) -> HistoryPage:
    """A window of the history of ``entity``'s row ``row_id``: changes ``offset`` to
    ``offset + limit`` (newest first), of ``field`` only when given."""
    key = as_uuid(row_id)
    model = _require_history(entity, key)
    offset, limit = max(0, int(offset)), min(max(1, int(limit)), MAX_PAGE)
    mine = (FieldChange.entity == entity) & (FieldChange.row_id == key)
    condition = mine & (FieldChange.field == field) if field else mine
    with database.atomic():
        total = FieldChange.select().where(condition).count()
        rows = list(FieldChange.select().where(condition)
                    .order_by(FieldChange.created_at.desc(), FieldChange.id.desc())
                    .offset(offset).limit(limit))
        named: Any = FieldChange.select(FieldChange.field).where(
            mine & (FieldChange.field != "")).distinct().tuples()
        keys = [str(key) for (key,) in named if not str(key).endswith("/")]
        display = _Display(model, key, rows)
        moments = _moments(rows, display)
        fields = tuple(sorted(((k, display.label(k)) for k in keys), key=lambda pair: pair[1].lower()))
    return HistoryPage(moments, total, offset, len(rows), fields)


def _moments(rows: list[Any], display: _Display) -> tuple[HistoryMoment, ...]:
    users = {u.id: u.name for u in User.select(User.id, User.name).where(
        User.id.in_({r.user_id for r in rows if r.user_id is not None}))}
    moments: list[HistoryMoment] = []
    current: list[HistoryEntry] = []
    for index, row in enumerate(rows):
        current.append(display.entry(row))
        following = rows[index + 1] if index + 1 < len(rows) else None
        if following is None or following.action != row.action or following.user_id != row.user_id:
            moments.append(HistoryMoment(
                row.action, row.created_at, users.get(row.user_id, "") if row.user_id else "",
                row.device_name, tuple(current)))
            current = []
    return tuple(moments)


class _Display:
    """Display texts of one record's changes: labels, names of referenced rows, formatted values."""

    def __init__(self, model: type[BaseModel], row_id: uuid.UUID, rows: list[Any]) -> None:
        self.model = model
        currency_model: Any = _CURRENCY_OF.get(model._meta.table_name)
        found = (currency_model.select(currency_model.currency).where(currency_model.id == row_id)
                 .scalar() if currency_model is not None else None)
        self.currency = str(found or "")
        self.names = self._reference_names(rows)
        self.line_names = self._line_names(rows)

    def _column(self, key: str) -> tuple[type[BaseModel], str]:
        parts = key.split("/")
        if len(parts) == 3 and parts[0] in LINE_TABLES:
            return LINE_TABLES[parts[0]][0], parts[2]
        return self.model, key

    def _reference_names(self, rows: list[Any]) -> dict[uuid.UUID, str]:
        wanted: dict[type[BaseModel], set[uuid.UUID]] = {}
        for row in rows:
            model, column = self._column(row.field)
            field = model._meta.fields.get(column)
            if isinstance(field, peewee.ForeignKeyField):
                for raw in (row.old_value, row.new_value):
                    if raw:
                        wanted.setdefault(field.rel_model, set()).add(uuid.UUID(raw))
        names: dict[uuid.UUID, str] = {}
        for rel_model, ids in wanted.items():
            for found in rel_model.select().where(rel_model.id.in_(ids)):
                names[found.id] = _row_name(found)
        return names

    def _line_names(self, rows: list[Any]) -> dict[str, str]:
        names: dict[str, str] = {}
        for row in sorted(rows, key=lambda r: r.created_at):
            parts = row.field.split("/")
            if len(parts) == 3 and parts[2] == "name" and row.new_value:
                names[parts[1]] = row.new_value
        for table, (line_model, _column) in LINE_TABLES.items():
            model: Any = line_model
            ids = {r.field.split("/")[1] for r in rows if r.field.startswith(table + "/")}
            missing = [uuid.UUID(i) for i in ids if i not in names]
            if missing:
                for found in model.select(model.id, model.name).where(model.id.in_(missing)).tuples():
                    names[str(found[0])] = str(found[1])
        return names

    def label(self, key: str) -> str:
        for prefix, (label, _display) in _EXTRA_LABELS.items():
            if key.startswith(prefix):
                return label(key)
        parts = key.split("/")
        if len(parts) == 3 and parts[0] in LINE_TABLES:
            name = self.line_names.get(parts[1], "")
            return _("Line “{name}”: {field}").format(name=name, field=_column_label(parts[2]))
        text = _column_label(key)
        return text[:1].upper() + text[1:]

    def entry(self, row: Any) -> HistoryEntry:
        if row.kind != recorder.CHANGED and row.field:
            name = self.line_names.get(row.field.split("/")[1], "") if "/" in row.field else ""
            text = _LINE_EVENTS.get(row.kind, row.kind)
            return HistoryEntry(row.field, _(text).format(name=name), row.kind, "", "")
        if row.kind != recorder.CHANGED:
            return HistoryEntry("", _(_EVENTS.get(row.kind, row.kind)), row.kind, "", "")
        return HistoryEntry(row.field, self.label(row.field), row.kind,
                            self.value(row.field, row.old_value), self.value(row.field, row.new_value))

    def value(self, key: str, raw: str | None) -> str:
        for prefix, (_label, display) in _EXTRA_LABELS.items():
            if key.startswith(prefix):
                return display(key, raw) if display is not None else (raw or "")
        if raw is None or raw == "":
            return ""
        model, column = self._column(key)
        field = model._meta.fields.get(column)
        try:
            return self._typed(field, column, raw)
        except (ValueError, InvalidOperation):
            return raw  # a value written by another version of the application: shown as kept

    def _typed(self, field: Any, column: str, raw: str) -> str:
        if isinstance(field, peewee.ForeignKeyField):
            return self.names.get(uuid.UUID(raw), _("(deleted record)"))
        if isinstance(field, peewee.BooleanField):
            return _("Yes") if raw == "true" else _("No")
        if isinstance(field, peewee.DateTimeField):
            moment = dt.datetime.fromisoformat(raw).replace(tzinfo=dt.UTC).astimezone()
            return format_datetime(moment.replace(tzinfo=None))
        if isinstance(field, peewee.DateField):
            return format_date(dt.date.fromisoformat(raw))
        if isinstance(field, ScaledDecimalField):
            return self._number(column, Decimal(raw), field.places)
        if isinstance(field, EnumField):
            text = _VALUE_LABELS.get(raw)
            return _(text) if text else raw
        if isinstance(field, peewee.BlobField):
            return _("(image)")
        if column in ("terms", "print_options", "payload"):
            return _json_text(raw)
        return raw

    def _number(self, column: str, number: Decimal, places: int) -> str:
        if column in _MONEY_COLUMNS and self.currency:
            return format_money(number, self.currency)
        if column in _QUANTITY_COLUMNS:
            return format_quantity(number)
        text = format_amount(number, places=places)
        return text + " %" if column in ("probability", "discount_percent", "vat_rate") else text


def _column_label(column: str) -> str:
    text = _LABELS.get(column) or FIELD_LABELS.get(column)
    return _(text) if text else column.replace("_", " ")


def _row_name(row: Any) -> str:
    for attribute in ("full_name", "title", "short_name", "legal_name", "name", "number"):
        value = getattr(row, attribute, None)
        if isinstance(value, str) and value:
            return value
    return str(row.id)


def _json_text(raw: str) -> str:
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in sorted(value.items()))
    return str(value)
