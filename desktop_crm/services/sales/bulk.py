"""Actions on many selected records at once: assign the responsible, change the stage, delete.

Each action is one transaction and returns what is needed to undo it; each is one moment of the
field history of every record it changed (``models.history.update_recorded``):

* :func:`assign_responsible` → the previous responsible of each record (:func:`restore_responsible`);
* :func:`soft_delete` → the ids actually deleted (:func:`restore`);
* :func:`change_stage` goes deal by deal through the stage rules (``services.stages.move_deal``):
  a refusal for one deal does not stop the others; the result lists moved and refused deals (the
  moves are one moment of history all the same: ``models.history.one_action``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError, PermissionDenied, ValidationError
from desktop_crm.i18n import _, ngettext
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import (
    Action,
    Activity,
    Company,
    Contact,
    Deal,
    Invoice,
    Lead,
    Product,
    Quote,
    Stage,
    User,
    database,
    utcnow,
)
from desktop_crm.models.history import one_action, update_recorded
from desktop_crm.services.sales import rules, stages
from desktop_crm.services.system import rights

MODELS: dict[Entity, Any] = {
    Entity.DEALS: Deal,
    Entity.LEADS: Lead,
    Entity.CONTACTS: Contact,
    Entity.COMPANIES: Company,
    Entity.PRODUCTS: Product,
    Entity.TASKS: Activity,
    Entity.QUOTES: Quote,
    Entity.INVOICES: Invoice,
}
"""The model of each entity that has bulk actions (peewee models are untyped: ``Any``)."""
RESPONSIBLE_FIELDS: dict[Entity, str] = {
    Entity.DEALS: "responsible",
    Entity.LEADS: "responsible",
    Entity.CONTACTS: "responsible",
    Entity.COMPANIES: "responsible",
    Entity.TASKS: "assignee",
}
DELETABLE: tuple[Entity, ...] = (
    Entity.DEALS, Entity.LEADS, Entity.CONTACTS, Entity.COMPANIES, Entity.PRODUCTS, Entity.TASKS,
)


class BulkProgress(Protocol):
    """What a long bulk action reports to (the workers' ``Progress``); ``check`` raises when the
    user cancelled."""

    def check(self) -> None: ...

    def report(self, done: int, total: int) -> None: ...


def _ids(ids: Sequence[IdLike]) -> list[uuid.UUID]:
    return [as_uuid(i) for i in ids]


def _model(entity: str) -> Any:
    try:
        return MODELS[Entity(entity)]
    except (KeyError, ValueError):
        raise KeyError(f"no bulk actions for {entity!r}") from None


def _chunks(values: list[uuid.UUID], size: int = 500) -> list[list[uuid.UUID]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


def assign_responsible(
    entity: str, ids: Sequence[IdLike], user_id: IdLike
) -> dict[str, str | None]:
    """Make ``user_id`` responsible for the records; returns ``{id: previous responsible id}``."""
    if entity not in RESPONSIBLE_FIELDS:
        raise ValidationError(_("These records have no responsible person."))
    model = _model(entity)
    field_name = RESPONSIBLE_FIELDS[Entity(entity)]
    column = getattr(model, field_name)
    target = as_uuid(user_id)
    with database.atomic():
        rights.require_all(model, _ids(ids), Action.EDIT)
        if not rights.in_scope(target):
            raise PermissionDenied(_("You may only make someone within your scope responsible."))
        user: Any = User.alive().where(User.id == target).first()
        if user is None or not user.active:
            raise ValidationError(_("This user no longer exists or is not active."))
        previous: dict[str, str | None] = {}
        now = utcnow()
        for chunk in _chunks(_ids(ids)):
            rows = model.select(model.id, column).where(model.id.in_(chunk),
                                                        model.deleted_at.is_null())
            for row in rows:
                value = getattr(row, f"{field_name}_id")
                previous[str(row.id)] = str(value) if value else None
            update_recorded(model, {column: target, model.updated_at: now},
                            model.id.in_(chunk) & model.deleted_at.is_null())
        _tell_assigned(Entity(entity), user, [key for key, was in previous.items()
                                              if was != str(target)])
    return previous


def _assigned_title(tr: Any, entity: Entity, count: int) -> str:
    if entity == Entity.DEALS:
        text = tr.ngettext("{count} deal was assigned to you", "{count} deals were assigned to you",
                           count)
    elif entity == Entity.LEADS:
        text = tr.ngettext("{count} lead was assigned to you", "{count} leads were assigned to you",
                           count)
    elif entity == Entity.CONTACTS:
        text = tr.ngettext("{count} contact was assigned to you",
                           "{count} contacts were assigned to you", count)
    else:
        text = tr.ngettext("{count} company was assigned to you",
                           "{count} companies were assigned to you", count)
    return str(text).format(count=count)


def _tell_assigned(entity: Entity, person: Any, ids: list[str]) -> None:
    """The new responsible learns, in their language, what someone else gave them (one notice
    for the whole selection; a record of its own is linked)."""
    actor = rights.current()
    if not ids or (actor is not None and actor.user_id == person.id):
        return
    from desktop_crm.services.sales import notifications

    tr = notifications.recipient_translator(person.locale)
    title = _assigned_title(tr, entity, len(ids))
    link_kind, link_id = (entity.link_kind, ids[0]) if len(ids) == 1 else ("", None)
    notifications.notify(person.id, title, "", link_kind, link_id)


def restore_responsible(entity: str, previous: dict[str, str | None]) -> None:
    """Undo :func:`assign_responsible`."""
    model = _model(entity)
    column = getattr(model, RESPONSIBLE_FIELDS[Entity(entity)])
    by_value: dict[str | None, list[uuid.UUID]] = {}
    for record_id, value in previous.items():
        by_value.setdefault(value, []).append(as_uuid(record_id))
    now = utcnow()
    with database.atomic():
        rights.require_all(model, [as_uuid(i) for i in previous], Action.EDIT)
        for value, ids in by_value.items():
            for chunk in _chunks(ids):
                update_recorded(model, {column: as_uuid(value) if value else None,
                                        model.updated_at: now}, model.id.in_(chunk))


def soft_delete(entity: str, ids: Sequence[IdLike]) -> list[str]:
    """Mark the records deleted (recoverable with :func:`restore`); returns the ids deleted."""
    if entity not in DELETABLE:
        raise ValidationError(_("These records cannot be deleted from the list."))
    model = _model(entity)
    keys = _ids(ids)
    with database.atomic():
        rights.require_all(model, keys, Action.DELETE)
        if entity in (Entity.CONTACTS, Entity.COMPANIES):
            _refuse_with_open_deals(entity, keys)
        deleted: list[str] = []
        now = utcnow()
        for chunk in _chunks(keys):
            alive = [row.id for row in model.select(model.id).where(
                model.id.in_(chunk), model.deleted_at.is_null())]
            if alive:
                update_recorded(model, {model.deleted_at: now, model.updated_at: now},
                                model.id.in_(alive))
                deleted.extend(str(i) for i in alive)
    return deleted


def _refuse_with_open_deals(entity: str, keys: list[uuid.UUID]) -> None:
    column = Deal.contact if entity == Entity.CONTACTS else Deal.company
    for chunk in _chunks(keys):
        open_deals = int(
            Deal.select(Deal.id)
            .where(column.in_(chunk), Deal.deleted_at.is_null(), Deal.closed_at.is_null())
            .count()
        )
        if open_deals:
            raise CrmError(
                ngettext(
                    "The selection has {count} open deal; close or reassign it first.",
                    "The selection has {count} open deals; close or reassign them first.",
                    open_deals,
                ).format(count=open_deals)
            )


def restore(entity: str, ids: Sequence[IdLike]) -> None:
    """Undo :func:`soft_delete`."""
    model = _model(entity)
    now = utcnow()
    with database.atomic():
        rights.require(Action.DELETE)
        for chunk in _chunks(_ids(ids)):
            update_recorded(model, {model.deleted_at: None, model.updated_at: now},
                            model.id.in_(chunk))


@dataclass(frozen=True, slots=True)
class StageChangeOutcome:
    moved: list[str] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (id, title, reason)
    results: list[stages.MoveResult] = field(default_factory=list)  # for undo


def change_stage(
    ids: Sequence[IdLike],
    stage_id: IdLike,
    user_id: IdLike,
    lost_reason: str | None = None,
    progress: BulkProgress | None = None,
) -> StageChangeOutcome:
    """Move each deal to the stage through the stage rules (each move is its own transaction)."""
    outcome = StageChangeOutcome()
    stage_key = as_uuid(stage_id)
    user_key = as_uuid(user_id)
    keys = _ids(ids)
    with one_action():
        _move_each(keys, stage_key, user_key, lost_reason, progress, outcome)
    return outcome


def _move_each(keys: list[uuid.UUID], stage_key: uuid.UUID, user_key: uuid.UUID,
               lost_reason: str | None, progress: BulkProgress | None,
               outcome: StageChangeOutcome) -> None:
    for number, key in enumerate(keys, 1):
        if progress is not None:
            progress.check()
            progress.report(number, len(keys))
        deal: Any = Deal.get_or_none(Deal.id == key)
        if deal is None or deal.deleted_at is not None:
            continue
        if deal.stage_id == stage_key:
            continue
        try:
            result = stages.move_deal(key, stage_key, user_key, lost_reason=lost_reason)
        except CrmError as error:
            outcome.refused.append((str(key), deal.title, error.message))
        else:
            outcome.moved.append(str(key))
            outcome.results.append(result)


def undo_stage_change(outcome: StageChangeOutcome, user_id: IdLike) -> list[str]:
    """Take back the moves of :func:`change_stage`; returns reasons for moves that cannot be."""
    problems: list[str] = []
    with one_action():
        for result in reversed(outcome.results):
            try:
                stages.undo_move(result, as_uuid(user_id))
            except CrmError as error:
                problems.append(error.message)
    return problems


def stage_kind(stage_id: IdLike) -> str:
    """``open``/``won``/``lost`` of a stage (the UI asks for a lost reason before moving)."""
    stage: Any = Stage.get_by_id(as_uuid(stage_id))
    return str(stage.kind)


def lost_reasons() -> list[str]:
    return list(rules.lost_reasons())
