"""Field history (schema step 18): who changed which field of which record, when, on which device.

Every save of a tracked row (:data:`TRACKED`, filled by the services with what belongs to which
entity) by a signed-in user writes ``field_change`` rows in the same transaction as the change:
one per changed field with its old and new value as raw text (the service formats them for
display), or one for the row's creation, deletion or restoration. The capture point is
``BaseModel.save`` (:func:`record_save`, registered in ``models.hooks``), not a database trigger:

* it runs the same on a single-user SQLite file, on a replica and directly on PostgreSQL;
* it knows the acting user and the device (the services say who through :func:`set_author_source`);
* rows that sync applies (raw SQL, capture silenced) never pass through it, so a pushed change
  applied on the server or a pulled one applied on a replica makes no second entry: the entry
  itself travels, as an ordinary synced row, in the same transaction as the change it describes.

Bulk changes a user makes (a selection's responsible, deletion and restoration, a merge) run one
``UPDATE`` for many rows instead of saves: the services run them through :func:`update_recorded`,
which records them the same way, set-based.

The rows are never updated or deleted (no service edits them; the server grants no ``UPDATE``).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import peewee

from desktop_crm.ids import uuid7
from desktop_crm.models import hooks
from desktop_crm.models.base import BaseModel, database, fk, utcnow
from desktop_crm.models.db import execute_sql
from desktop_crm.models.fields import UUIDKeyField
from desktop_crm.models.people import User

CREATED, CHANGED, DELETED, RESTORED = "created", "changed", "deleted", "restored"
# columns that are bookkeeping or derived from others: never shown as a user's change
UNRECORDED = frozenset({
    "id", "created_at", "updated_at", "deleted_at", "row_version", "hlc", "search_text",
    "board_rank", "reached_order", "missing_fields", "correct", "stage_entered_at",
    "last_interaction_at", "buyer_snapshot", "frozen",
})
UNRECORDED_SUFFIXES = ("_key", "_e164")
_ROWS_PER_INSERT = 500  # 16 parameters a row: within every engine's limit per statement


class FieldChange(BaseModel):
    """One recorded change. ``entity``/``row_id``: the record whose history it belongs to (a
    custom value's change belongs to its entity row); ``field``: the changed column (or the key a
    label registry knows, e.g. a custom field's id), empty for a whole-row event; ``kind``:
    ``created``, ``changed``, ``deleted`` or ``restored``; ``action``: one id per user action (one
    transaction), so a card groups what was saved together."""

    entity = peewee.CharField(max_length=40)
    row_id = UUIDKeyField()
    field = peewee.CharField(max_length=80, default="")
    kind = peewee.CharField(max_length=10, default=CHANGED)
    old_value = peewee.TextField(null=True)
    new_value = peewee.TextField(null=True)
    action = UUIDKeyField()
    user = fk(User, null=True, backref="field_changes")
    user_id: uuid.UUID | None
    device_id = UUIDKeyField(null=True)
    device_name = peewee.CharField(max_length=100, default="")

    class Meta:
        table_name = "field_change"
        indexes = ((("entity", "row_id", "created_at"), False),)


@dataclass(frozen=True)
class Author:
    """Who is saving: the signed-in user and the device (a replica's id; ``None`` elsewhere)."""

    user_id: uuid.UUID
    device_id: uuid.UUID | None
    device_name: str


@dataclass(frozen=True)
class Tracked:
    """How a table's saves are recorded. ``owner(row)``: ``(entity, row id)`` the change belongs
    to (``None``: not recorded); ``field_key(row, column)``: the ``field`` it is recorded under
    (``field_key(row, "")`` for a whole-row event); ``row_events``: record creation, deletion and
    restoration as whole-row events (a child row's value, such as a custom value, records its
    value's change instead); ``skipped``: columns not recorded (a line's link to its owner);
    ``reads``: the columns besides ``id`` that ``owner`` and ``field_key`` read (a bulk change
    reads only these and the changed ones)."""

    owner: Callable[[Any], tuple[str, uuid.UUID] | None]
    field_key: Callable[[Any, str], str]
    row_events: bool = True
    skipped: frozenset[str] = frozenset()
    reads: frozenset[str] = frozenset()


def own_row(table: str) -> Tracked:
    """A record whose history is its own (a deal, a contact, …)."""
    return Tracked(lambda row: (table, row.id), lambda _row, column: column)


#: table name → how its saves are recorded (filled by the services at import)
TRACKED: dict[str, Tracked] = {}
_author_source: list[Callable[[], Author | None]] = []
# the action id of this thread's open one_action() scope (a worker's bulk change is not the
# GUI thread's save)
_shared_action: ContextVar[uuid.UUID | None] = ContextVar("history_action", default=None)


def track(table: str, tracked: Tracked) -> None:
    TRACKED[table] = tracked


def set_author_source(source: Callable[[], Author | None]) -> None:
    """``source()`` says who saves now (``None``: nobody signed in, nothing is recorded)."""
    _author_source[:] = [source]


def recorded_column(name: str) -> bool:
    return name not in UNRECORDED and not name.endswith(UNRECORDED_SUFFIXES)


def raw_text(field: peewee.Field, value: Any) -> str | None:
    """A column's value as the text history keeps (the service formats it for display)."""
    if value is None:
        return None
    if isinstance(field, peewee.ForeignKeyField):
        value = getattr(value, "id", value)
    canonical = field.python_value(field.db_value(value)) if not isinstance(
        field, peewee.ForeignKeyField) else value
    if canonical is None:
        return None
    return _text(canonical)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, (Decimal, uuid.UUID, int, float)):
        return str(value)
    return str(value)


@contextmanager
def one_action() -> Iterator[None]:
    """What is recorded inside is one user action even across transactions (a bulk stage change
    moves each deal in its own transaction, so one refusal does not undo the others)."""
    if _shared_action.get() is not None:
        yield
        return
    token = _shared_action.set(uuid7())
    try:
        yield
    finally:
        _shared_action.reset(token)


def _action_id() -> uuid.UUID:
    """One id per user action: the :func:`one_action` scope's, else the outermost transaction's
    (a save outside one is its own)."""
    shared = _shared_action.get()
    if shared is not None:
        return shared
    db: Any = database.obj
    top = db.top_transaction() if db is not None else None
    if top is None:
        return uuid7()
    action = getattr(top, "_crm_history_action", None)
    if action is None:
        action = top._crm_history_action = uuid7()
    return action


def _author() -> Author | None:
    return _author_source[0]() if _author_source else None


def record_save(row: BaseModel, new: bool, set_fields: frozenset[str]) -> Callable[[], None] | None:
    """Before ``row`` is written: read what its recorded fields held, and return what writes the
    ``field_change`` rows once the row is saved (``None``: nothing to record)."""
    tracked = TRACKED.get(row._meta.table_name)
    if tracked is None:
        return None
    author = _author()
    if author is None:
        return None
    fields = row._meta.fields
    names = sorted(n for n in set_fields if n in fields and n not in tracked.skipped and (
        recorded_column(n) or n == "deleted_at"))
    if not new and not names:
        return None
    before: dict[str, Any] = {}
    if not new:
        model = type(row)
        found = model.select(*(fields[n] for n in names)).where(model.id == row.id).dicts().first()
        if found is None:
            return None
        before = found

    def write() -> None:
        owner = tracked.owner(row)
        if owner is None:
            return
        entries = _entries(row, tracked, new, names, before)
        if entries:
            _insert(owner, entries, author)

    return write


def _entries(row: BaseModel, tracked: Tracked, new: bool, names: list[str],
             before: dict[str, Any]) -> list[tuple[str, str, str | None, str | None]]:
    """``(kind, field, old, new)`` of one save."""
    fields = row._meta.fields
    if new and tracked.row_events:
        return [(CREATED, tracked.field_key(row, ""), None, None)]
    entries: list[tuple[str, str, str | None, str | None]] = []
    for name in names:
        field = fields[name]
        old = None if new else raw_text(field, before.get(name))
        value = raw_text(field, row.__data__.get(name))
        if old == value:
            continue
        if name == "deleted_at" and tracked.row_events:
            entries.append((DELETED if value is not None else RESTORED, tracked.field_key(row, ""),
                            None, None))
        else:
            entries.append((CHANGED, tracked.field_key(row, name), old, value))
    return entries


def _insert(owner: tuple[str, uuid.UUID],
            entries: list[tuple[str, str, str | None, str | None]], author: Author) -> None:
    _insert_many([(owner, entry) for entry in entries], author)


def _insert_many(entries: list[tuple[tuple[str, uuid.UUID], tuple[str, str, str | None, str | None]]],
                 author: Author) -> None:
    """Write ``(owner, (kind, field, old, new))`` entries of one action, a few hundred rows per
    multi-row ``INSERT``."""
    action, now = _action_id(), utcnow()
    rows = [
        {"id": uuid7(), "created_at": now, "updated_at": now, "row_version": 0, "hlc": 0,
         "entity": entity, "row_id": row_id, "field": field[:80], "kind": kind,
         "old_value": old, "new_value": value, "action": action, "user": author.user_id,
         "device_id": author.device_id, "device_name": author.device_name[:100]}
        for (entity, row_id), (kind, field, old, value) in entries
    ]
    fields = FieldChange._meta.sorted_fields
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    one = "(" + ", ".join([database.obj.param] * len(fields)) + ")"
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start:start + _ROWS_PER_INSERT]
        params = [f.db_value(row.get(f.name)) for row in chunk for f in fields]
        # written as SQL: peewee's query builder costs more than the database for a bulk change's
        # thousands of entries. No RETURNING: a login may write an entry it may not read back (a
        # setting hides history from its role), and row security refuses to return such a row
        execute_sql(database, f'INSERT INTO "{FieldChange._meta.table_name}" ({columns}) VALUES '
                    + ", ".join([one] * len(chunk)), params)


def update_recorded(model: type[BaseModel], values: Mapping[str | peewee.Field, Any],
                    where: peewee.Expression) -> int:
    """``UPDATE model SET values WHERE where`` — a bulk change that bypasses ``save`` — recorded
    like saves are: one entry per changed field of each row (a deletion or restoration as a
    whole-row event), all in the current action. Set-based: the old values of the rows the
    update touches are read in one ``SELECT`` before it, the entries written in multi-row
    ``INSERT``s after it (callers keep ``where`` to a few hundred ids). Returns the rows updated."""
    data = {(key if isinstance(key, peewee.Field) else model._meta.combined[key]).name: value
            for key, value in values.items()}
    writer = _bulk_writer(model, data, where)
    count = int(model.update(**data).where(where).execute())
    if writer is not None:
        writer()
    return count


def _bulk_writer(model: type[BaseModel], data: dict[str, Any],
                 where: peewee.Expression) -> Callable[[], None] | None:
    tracked = TRACKED.get(model._meta.table_name)
    author = _author() if tracked is not None else None
    if tracked is None or author is None:
        return None
    fields = model._meta.fields
    names = sorted(n for n in data if n not in tracked.skipped and (
        recorded_column(n) or n == "deleted_at"))
    if not names:
        return None
    wanted = [fields[n] for n in sorted({"id", *names, *tracked.reads}) if n in fields]
    query: Any = model.select(*wanted).where(where).dicts()
    before: list[dict[str, Any]] = list(query)

    def write() -> None:
        entries: list[tuple[tuple[str, uuid.UUID], tuple[str, str, str | None, str | None]]] = []
        for stored in before:
            row = model(__no_default__=True, **stored)
            row.__data__.update(data)
            owner = tracked.owner(row)
            if owner is not None:
                entries.extend((owner, entry) for entry in _entries(row, tracked, False, names,
                                                                    stored))
        if entries:
            _insert_many(entries, author)

    return write


hooks.on_row_save(record_save)
