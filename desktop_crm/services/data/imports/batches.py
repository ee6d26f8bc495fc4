"""Import batches: what one import created and merged, and taking it back (see ``engine``).

Taking a batch back (undo, a failed or cancelled import, a batch a dead process left running)
restores every merged record from its before-image and removes every created one, in one
transaction. On a plain SQLite file created records are deleted for good, so the database is
exactly as before; on a sync replica or the shared PostgreSQL database they are deleted softly,
because other devices may already hold them and only a soft delete reaches them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import peewee

from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.i18n import _, ngettext
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import ALL_MODELS, Action, ImportBatch, ImportBatchItem, User, database, utcnow
from desktop_crm.models.db import engine, execute_sql
from desktop_crm.models.history import update_recorded
from desktop_crm.models.sync_meta import is_replica
from desktop_crm.services.data.imports.engine import BatchInfo, UndoReport, backup_before_import
from desktop_crm.services.system import rights

CREATED, MERGED = "created", "merged"
RUNNING, DONE, UNDONE = "running", "done", "undone"
#: A batch still ``running`` whose last chunk is older than this was left by a dead process.
STALE_AFTER = dt.timedelta(minutes=10)
_SKIPPED_COLUMNS = ("id", "row_version", "hlc")
_CHUNK = 500


def model_of(table: str) -> Any:
    for model in ALL_MODELS:
        if model._meta.table_name == table:
            return model
    raise KeyError(table)


# --- before-images --------------------------------------------------------------------------


def _encode(value: Any) -> list[Any]:
    if isinstance(value, uuid.UUID):
        return ["u", str(value)]
    if isinstance(value, dt.datetime):
        return ["t", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    if isinstance(value, Decimal):
        return ["n", str(value)]
    if isinstance(value, bytes):
        return ["b", value.hex()]
    return ["v", value]


def _decode(pair: list[Any]) -> Any:
    kind, value = pair
    if value is None:
        return None
    decoders: dict[str, Any] = {"u": uuid.UUID, "t": dt.datetime.fromisoformat,
                                "d": dt.date.fromisoformat, "n": Decimal, "b": bytes.fromhex}
    decoder = decoders.get(kind)
    return decoder(value) if decoder else value


def before_image(model: Any, row_id: uuid.UUID) -> dict[str, list[Any]]:
    """The fields of a row as they are now (not its key nor its sync clocks)."""
    values = model.select().where(model.id == row_id).dicts().get()
    return {name: _encode(value) for name, value in values.items() if name not in _SKIPPED_COLUMNS}


# --- writing a batch ------------------------------------------------------------------------


@dataclass
class BatchWriter:
    """Collects the items of the chunk being written; :meth:`flush` stores them with the chunk."""

    batch_id: uuid.UUID | None  # None: a dry run or a preview (items are not stored)
    pending: list[dict[str, Any]] = field(default_factory=list)
    created_ids: dict[str, set[uuid.UUID]] = field(default_factory=dict)

    def created(self, table: str, row_id: uuid.UUID) -> None:
        self.created_ids.setdefault(table, set()).add(row_id)
        self.pending.append({"table_name": table, "row_id": row_id, "action": CREATED,
                             "before": None, "after_updated_at": None})

    def was_created(self, table: str, row_id: uuid.UUID) -> bool:
        return row_id in self.created_ids.get(table, ())

    def merging(self, table: str, row_id: uuid.UUID) -> dict[str, Any] | None:
        """Call before changing a record; the returned item is completed by :meth:`merged`."""
        if self.was_created(table, row_id):
            return None  # created by this batch: undo removes it anyway
        item = {"table_name": table, "row_id": row_id, "action": MERGED,
                "before": before_image(model_of(table), row_id), "after_updated_at": None}
        return item

    def merged(self, item: dict[str, Any] | None) -> None:
        if item is None:
            return
        model = model_of(item["table_name"])
        row = model.select(model.updated_at).where(model.id == item["row_id"]).get()
        item["after_updated_at"] = row.updated_at
        self.pending.append(item)

    def merged_if_changed(self, item: dict[str, Any] | None) -> None:
        """:meth:`merged` for a record that a change elsewhere may or may not have touched."""
        if item is not None and before_image(model_of(item["table_name"]), item["row_id"]) != item[
                "before"]:
            self.merged(item)

    def flush(self) -> None:
        if self.batch_id is not None and self.pending:
            insert_rows(ImportBatchItem, [{**item, "batch": self.batch_id} for item in self.pending])
            ImportBatch.update(heartbeat_at=utcnow()).where(ImportBatch.id == self.batch_id).execute()
        self.pending.clear()

    def rollback_chunk(self, before: dict[str, set[uuid.UUID]]) -> None:
        """Forget the items of a chunk whose transaction rolled back."""
        self.pending.clear()
        self.created_ids = before


def insert_rows(model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows at once (``{field name: value}``, missing fields null; no defaults, no
    model checks: the caller did them). One multi-row ``INSERT`` per few hundred rows, written as
    SQL directly: peewee's query builder costs more than the database at this size. It still
    runs through ``execute_sql``, so change notices and sync capture see it as any write."""
    fields = [f for f in model._meta.sorted_fields if not (
        isinstance(f, peewee.AutoField) and all(f.name not in row for row in rows[:1]))]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    one = "(" + ", ".join([database.obj.param] * len(fields)) + ")"
    per_statement = max(1, min(500, 30000 // len(fields)))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        params = [f.db_value(row.get(f.name)) for row in chunk for f in fields]
        execute_sql(database, f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES '
                    + ", ".join([one] * len(chunk)), params)


def start_batch(entity: str, file_name: str, user_id: uuid.UUID | None) -> uuid.UUID:
    with database.atomic():
        batch = ImportBatch.create(entity=entity, file_name=file_name[:300], user=user_id,
                                   status=RUNNING)
    return uuid.UUID(str(batch.id))


def finish_batch(batch_id: uuid.UUID, created: int, merged: int, skipped: int, rejected: int) -> None:
    with database.atomic():
        ImportBatch.update(status=DONE, finished_at=utcnow(), created_count=created,
                           merged_count=merged, skipped_count=skipped, rejected_count=rejected,
                           ).where(ImportBatch.id == batch_id).execute()


# --- taking a batch back --------------------------------------------------------------------


def _items(batch_id: uuid.UUID) -> Iterator[Any]:
    return iter(ImportBatchItem.select().where(ImportBatchItem.batch == batch_id)
                .order_by(ImportBatchItem.id))


def _chunks(ids: list[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _hard_deletes() -> bool:
    """Created records are deleted for good only where nobody else can hold them: a SQLite file
    that is not a replica, a PostgreSQL database no device has synced with."""
    if engine(database.obj) == "sqlite":
        return not is_replica(database)
    registered = execute_sql(database, "SELECT to_regclass('sync.device') IS NOT NULL").fetchone()
    if not registered or not registered[0]:
        return True
    return not execute_sql(database, "SELECT EXISTS (SELECT 1 FROM sync.device)").fetchone()[0]


def _foreign_keys_to(tables: Iterable[str]) -> list[tuple[Any, peewee.ForeignKeyField]]:
    wanted = set(tables)
    found = []
    for model in ALL_MODELS:
        for fk in model._meta.refs:
            if fk.rel_model._meta.table_name in wanted:
                found.append((model, fk))
    return found


def _used_elsewhere(created: dict[str, list[uuid.UUID]]) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Created records that rows outside the batch point at: (by live rows, by deleted rows)."""
    ours = {table: set(ids) for table, ids in created.items()}
    live: set[uuid.UUID] = set()
    dead: set[uuid.UUID] = set()
    for model, fk in _foreign_keys_to(created):
        own = ours.get(model._meta.table_name, set())
        for chunk in _chunks(created[fk.rel_model._meta.table_name]):
            query = model.select(model.id, fk, model.deleted_at).where(fk.in_(chunk))
            for row in query.tuples():
                row_id, target, deleted = row
                if row_id not in own:
                    (dead if deleted is not None else live).add(target)
    return live, dead


def _take_back(batch_id: uuid.UUID, check: bool) -> tuple[int, int]:
    created: dict[str, list[uuid.UUID]] = {}
    merged: list[Any] = []
    for item in _items(batch_id):
        if item.action == CREATED:
            created.setdefault(item.table_name, []).append(item.row_id)
        else:
            merged.append(item)
    if check:
        _refuse_changed(merged)
    # the merged records first: a link the batch itself made (a merged contact now naming a
    # company the batch created) goes with its before-image and does not block the undo
    for item in reversed(merged):
        model = model_of(item.table_name)
        values = {name: _decode(pair) for name, pair in (item.before or {}).items()
                  if name in model._meta.fields}
        update_recorded(model, values, model.id == item.row_id)
    live, dead = _used_elsewhere(created)
    if live and check:
        raise CrmError(ngettext(
            "The import cannot be undone: {count} record it created is now used by other records "
            "(a deal, a task, a document…). Remove those links first.",
            "The import cannot be undone: {count} records it created are now used by other records "
            "(deals, tasks, documents…). Remove those links first.", len(live)).format(count=len(live)))
    hard = _hard_deletes()
    now = utcnow()
    order = [m._meta.table_name for m in ALL_MODELS]
    # children first: SQLite checks ON DELETE RESTRICT at once, even for a deferred key
    for table, ids in sorted(created.items(), key=lambda item: -order.index(item[0])):
        model = model_of(table)
        for chunk in _chunks(ids):
            if hard:
                soft = [i for i in chunk if i in dead or i in live]
                gone = [i for i in chunk if i not in dead and i not in live]
                if gone:
                    model.delete().where(model.id.in_(gone)).execute()
            else:
                soft = chunk
            if soft:
                update_recorded(model, {"deleted_at": now, "updated_at": now},
                                model.id.in_(soft) & model.deleted_at.is_null())
    ImportBatchItem.delete().where(ImportBatchItem.batch == batch_id).execute()
    return sum(len(ids) for ids in created.values()), len(merged)


def _refuse_changed(merged: list[Any]) -> None:
    changed = 0
    for item in merged:
        model = model_of(item.table_name)
        row = model.select(model.updated_at).where(model.id == item.row_id).first()
        if row is None or row.updated_at != item.after_updated_at:
            changed += 1
    if changed:
        raise CrmError(ngettext(
            "The import cannot be undone: {count} record it merged was changed afterwards; undoing "
            "would lose that change.",
            "The import cannot be undone: {count} records it merged were changed afterwards; undoing "
            "would lose those changes.", changed).format(count=changed))


def discard(batch_id: uuid.UUID) -> None:
    """Take back a batch that did not finish (failed, cancelled, left by a dead process): it
    leaves no trace, not even its batch row."""
    with database.atomic():
        _take_back(batch_id, check=False)
        ImportBatch.delete().where(ImportBatch.id == batch_id).execute()


def undo_import(batch_id: IdLike) -> UndoReport:
    rights.require(Action.IMPORT)
    recover_unfinished()
    wanted = as_uuid(batch_id)
    backup_before_import()
    with database.atomic():
        batch = ImportBatch.get_or_none(ImportBatch.id == wanted)
        if batch is None:
            raise ValidationError(_("There is no import {batch} in this database.").format(
                batch=wanted), field="batch")
        if batch.status == UNDONE:
            raise ValidationError(_("This import was already undone."), field="batch")
        if batch.status != DONE:
            raise ValidationError(_("This import is still running."), field="batch")
        actor = rights.current()
        if actor is not None and actor.user_id is not None and batch.user_id not in (
                None, actor.user_id) and not rights.can(Action.MANAGE_USERS):
            raise ValidationError(_("Only the user who imported, or an administrator, may undo "
                                    "this import."), field="batch")
        removed, restored = _take_back(wanted, check=True)
        ImportBatch.update(status=UNDONE, finished_at=utcnow()).where(
            ImportBatch.id == wanted).execute()
    return UndoReport(wanted, removed, restored)


def recover_unfinished(now: dt.datetime | None = None) -> int:
    """Discard the batches a dead process left ``running`` (see :data:`STALE_AFTER`)."""
    limit = (now or utcnow()) - STALE_AFTER
    stale = [b.id for b in ImportBatch.select(ImportBatch.id).where(
        (ImportBatch.status == RUNNING) & (ImportBatch.heartbeat_at < limit))]
    for batch_id in stale:
        discard(batch_id)
    return len(stale)


def list_batches(limit: int) -> list[BatchInfo]:
    query = (ImportBatch.select(ImportBatch, User.name.alias("importer")).join(
        User, peewee.JOIN.LEFT_OUTER, on=(ImportBatch.user == User.id))
        .where(ImportBatch.status != RUNNING)
        .order_by(ImportBatch.started_at.desc()).limit(limit).objects())
    result = []
    for batch in query:
        user_name = getattr(batch, "importer", None) or ""
        result.append(BatchInfo(uuid.UUID(str(batch.id)), batch.entity, batch.file_name,
                                batch.started_at.isoformat(timespec="seconds"), batch.status,
                                batch.created_count, batch.merged_count, user_name))
    return result
