"""Stage transitions of deals (seed 003 and Bitrix24), for the kanban and the deal card.

* ``can_move(deal, stage)`` → :class:`MoveCheck` — ask before a drop: ``allowed``, a translated
  ``reason`` when not, the ``missing`` fields to highlight, and ``needs_lost_reason`` for lost.
* ``move_deal(deal, stage, user, lost_reason=None, comment="")`` → :class:`MoveResult`
  Open stages may follow in any order. Entering a stage creates its task templates
  (``Stage.task_templates``: ``{"subject", "due_days"}``) as planned tasks for the responsible;
  the planned tasks of the stage being left are cancelled. Lost needs a reason from
  ``rules.lost_reasons()``; won (and any stage with ``requires_correct_deal``) needs a correct
  deal; a stage's ``required_fields`` must be filled to enter it. A final stage closes the deal and
  notifies the responsible's head. Every move writes a ``StageChange`` (with the seconds spent in the
  old stage) and a timeline entry. Refusals raise :class:`StageChangeRefused`.
* ``undo_move(result, user)`` — takes back the move just made (the kanban's "Undo"): stage, dates,
  tasks, the stage change, its timeline entry and notifications are restored exactly.
* ``reopen_deal(deal, stage, user)`` — after a final stage the stage cannot change, except by an
  administrator (:class:`PermissionDenied` otherwise); the reopening is logged.
* ``Deal.reached_order`` — the furthest step reached — follows every stage a deal enters
  (:func:`reach`); :func:`recompute_reached` rebuilds it from the history when stages are reordered.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from peewee import SQL, fn

from desktop_crm.i18n import N_, _
from desktop_crm.i18n.formatting import format_money
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import (
    Action,
    Activity,
    ActivityKind,
    ActivityStatus,
    Deal,
    DealLine,
    Notification,
    Stage,
    StageChange,
    StageKind,
    User,
    database,
    utcnow,
)
from desktop_crm.services.sales import notifications, rules
from desktop_crm.services.sales.automation import engine as robots
from desktop_crm.services.sales.automation.rules import Event
from desktop_crm.services.sales.rule_errors import PermissionDenied, StageChangeRefused
from desktop_crm.services.system import rights, settings


def _deal(deal: IdLike) -> Deal:
    row = Deal.get_or_none((Deal.id == as_uuid(deal)) & Deal.deleted_at.is_null())
    if row is None:
        raise StageChangeRefused(_("The deal no longer exists."))
    return row


def _stage(stage: IdLike) -> Stage:
    row = Stage.get_or_none((Stage.id == as_uuid(stage)) & Stage.deleted_at.is_null())
    if row is None:
        raise StageChangeRefused(_("The stage no longer exists."))
    return row


def reach(reached: int, kind: StageKind | str, sort_order: int) -> int:
    """A deal's ``reached_order`` once it has entered a stage of this ``kind`` and ``sort_order``: the
    highest ``sort_order`` among the open and won stages it has entered. Lost stages are off the
    ladder: a lost deal keeps the step it was lost from. Moving back to an earlier stage does not
    lower it."""
    return reached if kind == StageKind.LOST else max(reached, sort_order)


def recompute_reached(
    pipeline_id: IdLike, lowest: int | None = None, highest: int | None = None
) -> int:
    """Rebuild ``reached_order`` of a pipeline's deals from their stage history (after its stages
    were reordered, deleted or changed kind), as schema step 6 backfilled it: the current stage and
    every stage left, live open/won stages of the deal's pipeline only, 0 when none.

    ``lowest``/``highest``: only deals whose value lies in that range — when only the stages with
    ``sort_order`` in that range changed, a deal whose furthest step lies outside it keeps it (its
    furthest stage is unchanged, and no changed stage can pass it). Returns the deals rewritten."""
    ladder = Stage.alias("ladder")
    left = StageChange.select(SQL("1")).where(
        StageChange.deal == Deal.id,
        StageChange.from_stage == ladder.id,
        StageChange.deleted_at.is_null(),
    )
    top = ladder.select(fn.MAX(ladder.sort_order)).where(
        ladder.pipeline == Deal.pipeline,
        ladder.kind != StageKind.LOST,
        ladder.deleted_at.is_null(),
        (ladder.id == Deal.stage) | fn.EXISTS(left),
    )
    query = Deal.update(reached_order=fn.COALESCE(top, 0)).where(Deal.pipeline == as_uuid(pipeline_id))
    if lowest is not None:
        query = query.where(Deal.reached_order >= lowest)
    if highest is not None:
        query = query.where(Deal.reached_order <= highest)
    with database.atomic():
        return int(query.execute())


@dataclass(frozen=True, slots=True)
class MoveCheck:
    allowed: bool
    reason: str = ""
    missing: list[str] = field(default_factory=list)
    needs_lost_reason: bool = False


def _check(deal: Deal, target: Stage, lines: Sequence[DealLine] | None = None) -> MoveCheck:
    if target.pipeline_id != deal.pipeline_id:
        return MoveCheck(False, _("The stage belongs to another pipeline."))
    if target.id == deal.stage_id:
        return MoveCheck(False, _("The deal is already in this stage."))
    if deal.closed_at is not None:
        return MoveCheck(
            False, _("The deal is closed; only an administrator can reopen it.")
        )
    missing = rules.deal_missing_fields(deal, stage=target, lines=lines)
    if rules.stage_requires_correct(target):
        blocking = missing
    else:
        own = set(target.required_fields or [])
        blocking = [name for name in missing if name in own]
    if blocking:
        if target.kind == StageKind.WON:
            reason = _("Only a correct deal can be won. Missing: {fields}.")
        else:
            reason = _("To move the deal to “{stage}”, fill in: {fields}.")
        return MoveCheck(
            False, reason.format(stage=target.name, fields=rules.field_list(blocking)), blocking
        )
    return MoveCheck(
        True, needs_lost_reason=target.kind == StageKind.LOST and bool(rules.LOST_REASON_REQUIRED.get())
    )


def can_move(deal: IdLike, stage: IdLike) -> MoveCheck:
    """May the deal enter ``stage`` now? (No change is made; cheap enough for a drag-over.)"""
    try:
        with settings.snapshot():
            return _check(_deal(deal), _stage(stage))
    except StageChangeRefused as refusal:
        return MoveCheck(False, refusal.message)


@dataclass(frozen=True, slots=True)
class MoveResult:
    """What a move changed, so that the UI can show it and :func:`undo_move` can take it back."""

    deal_id: uuid.UUID
    from_stage_id: uuid.UUID | None
    to_stage_id: uuid.UUID
    stage_change_id: uuid.UUID
    timeline_entry_id: uuid.UUID
    created_task_ids: list[uuid.UUID]
    cancelled_task_ids: list[uuid.UUID]
    notification_ids: list[uuid.UUID]
    closed: bool
    previous_stage_entered_at: dt.datetime | None
    previous_closed_at: dt.datetime | None
    previous_lost_reason: str
    previous_reached_order: int | None = None


def _create_stage_tasks(deal: Deal, stage: Stage, user: IdLike, now: dt.datetime) -> list[uuid.UUID]:
    created = []
    assignee = deal.responsible_id or as_uuid(user)
    for template in stage.task_templates or []:
        subject = str(template.get("subject", "")).strip() if isinstance(template, dict) else str(template)
        if not subject:
            continue
        days = template.get("due_days") if isinstance(template, dict) else None
        days = int(rules.TASK_DUE_DAYS.get() if days is None else days)
        task = Activity.create(
            kind=ActivityKind.TASK,
            subject=subject[:300],
            body=str(template.get("body", "")) if isinstance(template, dict) else "",
            status=ActivityStatus.PLANNED,
            due_at=now + dt.timedelta(days=days),
            author=as_uuid(user),
            assignee=assignee,
            deal=deal.id,
            contact=deal.contact_id,
            company=deal.company_id,
            stage=stage.id,
            payload={"from_template": True},
        )
        created.append(task.id)
    return created


def _cancel_stage_tasks(deal: Deal, stage_id: uuid.UUID, now: dt.datetime) -> list[uuid.UUID]:
    # The deal's planned activities (its few rows, along the activity(deal_id) index), the stage's
    # tasks picked here: given kind and stage in SQL, SQLite may read every task of the business
    # through activity(kind, due_at) instead (an index added after the last ANALYZE looks cheap).
    planned = Activity.alive().where(
        (Activity.deal == deal.id) & (Activity.status == ActivityStatus.PLANNED)
    )
    tasks = [
        task for task in planned
        if task.kind == ActivityKind.TASK and str(task.stage_id) == str(stage_id)
    ]
    for task in tasks:
        task.status = ActivityStatus.CANCELLED
        task.done_at = now
        task.payload = {**(task.payload or {}), "cancelled_by_stage_change": True}
        task.save()
    return [task.id for task in tasks]


def _timeline_entry(
    deal: Deal, old: Stage | None, new: Stage, user: IdLike, now: dt.datetime, event: str,
    seconds: int, lost_reason: str = "", comment: str = "",
) -> Activity:
    return Activity.create(
        kind=ActivityKind.STAGE_CHANGE,
        body=comment,
        author=as_uuid(user),
        deal=deal.id,
        contact=deal.contact_id,
        company=deal.company_id,
        stage=new.id,
        done_at=now,
        payload={
            "event": event,
            "from_id": str(old.id) if old else None,
            "from_name": old.name if old else None,
            "to_id": str(new.id),
            "to_name": new.name,
            "to_kind": str(new.kind),
            "lost_reason": lost_reason,
            "seconds_in_previous": seconds,
        },
    )


def start_deal(deal_id: IdLike, user: IdLike, now: dt.datetime | None = None, tasks: bool = True
               ) -> None:
    """Record a new deal's first stage: the stage change, the timeline entry and the stage's tasks
    (not for a closed deal an import brings in: ``tasks=False``).

    Called by the deal service inside its transaction.
    """
    now = now or utcnow()
    deal = _deal(deal_id)
    stage = Stage.get_by_id(deal.stage_id)
    change = StageChange.create(
        deal=deal.id, from_stage=None, to_stage=stage.id, changed_at=now, author=as_uuid(user)
    )
    _timeline_entry(deal, None, stage, user, now, "created", 0, deal.lost_reason)
    if tasks:
        _create_stage_tasks(deal, stage, user, now)
        _fire_stage_robots(deal.id, change.id, user, now)


def _fire_stage_robots(deal_id: uuid.UUID, change_id: uuid.UUID, user: IdLike,
                       now: dt.datetime) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """The robots of the stage the deal entered (the stage change is the event); the tasks and
    notifications they made, so that an undo takes them back with the move."""
    from desktop_crm.services.sales.automation.actions import effect_id

    runs = robots.on_event(robots.DealEvent(Event.ENTERING_STAGE, deal_id, str(change_id)), user, now)
    done = [run.id for run in runs if run.state == robots.DONE]
    if not done:
        return [], []
    tasks = [row.id for row in Activity.alive(Activity.id).where(
        Activity.id.in_([effect_id(identity, "task") for identity in done]))]
    notes = [row.id for row in Notification.alive(Notification.id).where(
        Notification.id.in_([effect_id(identity, "notification") for identity in done]))]
    return tasks, notes


def _notify_head(deal: Deal, stage: Stage, lost_reason: str) -> list[uuid.UUID]:
    if deal.responsible_id is None:
        return []
    responsible = User.get_or_none(User.id == deal.responsible_id)
    if responsible is None or responsible.head_id is None:
        return []
    head = User.get_or_none((User.id == responsible.head_id) & User.deleted_at.is_null())
    if head is None:
        return []
    tr = notifications.recipient_translator(head.locale)
    if stage.kind == StageKind.WON:
        title = tr.gettext(N_("Deal won: {title}")).format(title=deal.title)
        body = tr.gettext(N_("{manager} won the deal “{title}” ({amount}).")).format(
            manager=responsible.name,
            title=deal.title,
            amount=format_money(deal.amount, deal.currency, notifications.recipient_language(head.locale)),
        )
    else:
        title = tr.gettext(N_("Deal lost: {title}")).format(title=deal.title)
        body = tr.gettext(N_("{manager} lost the deal “{title}”. Reason: {reason}.")).format(
            manager=responsible.name, title=deal.title, reason=lost_reason or "—"
        )
    return [notifications.notify(head, title, body, "deal", deal.id).id]


def move_deal(
    deal: IdLike, stage: IdLike, user: IdLike, lost_reason: str | None = None, comment: str = "",
    now: dt.datetime | None = None, board_rank: int | None = None, won_reason: str | None = None,
) -> MoveResult:
    """Move the deal to ``stage`` (see the module docstring); one transaction.

    ``board_rank``: where the kanban puts the card in its new column, saved with the move.
    ``won_reason``: why a deal moved to a won stage was won (one of ``rules.won_reasons()``; may
    be left out); kept, like a lost deal's reason, in ``Deal.lost_reason`` — the closing reason.
    """
    with database.atomic(), settings.snapshot():  # the rules' settings: one read
        row, target = _deal(deal), _stage(stage)
        rights.require_on(Deal, row.id, Action.EDIT)
        lines = row.live_lines()  # read once: for the check and for the refresh
        check = _check(row, target, lines)
        if not check.allowed:
            raise StageChangeRefused(check.reason, check.missing)
        reason = (lost_reason or "").strip()
        if target.kind == StageKind.LOST and rules.LOST_REASON_REQUIRED.get():
            allowed = rules.lost_reasons()
            if not reason:
                raise StageChangeRefused(_("Choose why the deal was lost."))
            if reason not in allowed:
                raise StageChangeRefused(
                    _("“{reason}” is not one of the reasons for lost deals: {reasons}.").format(
                        reason=reason, reasons=", ".join(allowed)
                    )
                )
            if rules.reason_needs_comment(reason) and not (comment or "").strip():
                raise StageChangeRefused(_("Say in the comment why the deal was lost."))
        won = (won_reason or "").strip() if target.kind == StageKind.WON else ""
        if won and won not in rules.won_reasons():
            raise StageChangeRefused(
                _("“{reason}” is not one of the reasons for won deals: {reasons}.").format(
                    reason=won, reasons=", ".join(rules.won_reasons())))
        now = now or utcnow()
        old = Stage.get_or_none(Stage.id == row.stage_id)
        entered = row.stage_entered_at or row.created_at
        seconds = max(0, int((now - entered).total_seconds()))
        previous = (row.stage_entered_at, row.closed_at, row.lost_reason)
        cancelled = _cancel_stage_tasks(row, row.stage_id, now)
        change = StageChange.create(
            deal=row.id, from_stage=row.stage_id, to_stage=target.id, changed_at=now,
            author=as_uuid(user), seconds_in_previous=seconds,
        )
        closing = target.kind in (StageKind.WON, StageKind.LOST)
        reached = row.reached_order
        row.stage = target.id
        row.reached_order = reach(reached, target.kind, target.sort_order)
        row.stage_entered_at = now
        if closing:
            row.closed_at = now
            row.lost_reason = reason if target.kind == StageKind.LOST else won
        entry = _timeline_entry(
            row, old, target, user, now, "moved", seconds, row.lost_reason, (comment or "").strip()
        )
        created = _create_stage_tasks(row, target, user, now)
        if board_rank is not None:
            row.board_rank = board_rank
        rules.refresh_deal(row, stage=target, lines=lines)
        notified = _notify_head(row, target, row.lost_reason) if closing else []
        robot_tasks, robot_notes = _fire_stage_robots(row.id, change.id, user, now)
        return MoveResult(
            deal_id=row.id,
            from_stage_id=old.id if old else None,
            to_stage_id=target.id,
            stage_change_id=change.id,
            timeline_entry_id=entry.id,
            created_task_ids=created + robot_tasks,
            cancelled_task_ids=cancelled,
            notification_ids=notified + robot_notes,
            closed=closing,
            previous_stage_entered_at=previous[0],
            previous_closed_at=previous[1],
            previous_lost_reason=previous[2],
            previous_reached_order=reached,
        )


def undo_move(result: MoveResult, user: IdLike) -> None:
    """Take back a move just made, as if it had not happened (refused once the deal moved on)."""
    with database.atomic(), settings.snapshot():  # the rules' settings: one read
        row = _deal(result.deal_id)
        last = (
            StageChange.alive()
            .where(StageChange.deal == row.id)
            .order_by(StageChange.changed_at.desc(), StageChange.id.desc())
            .first()
        )
        if row.stage_id != result.to_stage_id or last is None or last.id != result.stage_change_id:
            raise StageChangeRefused(_("The deal has changed since; the move can no longer be undone."))
        if row.closed_at is not None and result.previous_closed_at is None:
            _require_reopen(user)  # taking back a won or lost move reopens the deal: the same rule
        row.stage = result.from_stage_id
        row.stage_entered_at = result.previous_stage_entered_at
        row.closed_at = result.previous_closed_at
        row.lost_reason = result.previous_lost_reason
        if result.previous_reached_order is not None:
            row.reached_order = result.previous_reached_order
        for model, ids in (
            (StageChange, [result.stage_change_id]),
            (Activity, [result.timeline_entry_id]),
            (Notification, result.notification_ids),
        ):
            for item in model.alive().where(model.id.in_(ids)):
                item.soft_delete()
        for task in Activity.alive().where(Activity.id.in_(result.created_task_ids)):
            if task.status == ActivityStatus.PLANNED:
                task.soft_delete()
        for task in Activity.alive().where(Activity.id.in_(result.cancelled_task_ids)):
            task.status = ActivityStatus.PLANNED
            task.done_at = None
            payload = dict(task.payload or {})
            payload.pop("cancelled_by_stage_change", None)
            task.payload = payload
            task.save()
        rules.refresh_deal(row)


def _require_reopen(user: IdLike) -> User:
    """The acting user, who must hold the right to reopen closed deals (administrators do)."""
    actor = User.get_or_none(User.id == as_uuid(user))
    rights.require(Action.REOPEN)
    if actor is None or not rights.user_may(actor.id, Action.REOPEN):
        raise PermissionDenied(_("Your role does not allow you to reopen closed deals."))
    return actor


def reopen_deal(
    deal: IdLike, stage: IdLike, user: IdLike, comment: str = "", now: dt.datetime | None = None
) -> MoveResult:
    """An administrator brings a closed deal back to an open stage; logged like a move."""
    with database.atomic(), settings.snapshot():  # the rules' settings: one read
        actor = _require_reopen(user)
        row, target = _deal(deal), _stage(stage)
        rights.require_visible(Deal, row.id)
        if row.closed_at is None:
            raise StageChangeRefused(_("The deal is not closed."))
        if target.pipeline_id != row.pipeline_id or target.kind != StageKind.OPEN:
            raise StageChangeRefused(_("A deal is reopened into an open stage of its pipeline."))
        rules.ensure_single_open_deal(row.contact_id, row.product_group_id, exclude_id=row.id)
        now = now or utcnow()
        old = Stage.get_or_none(Stage.id == row.stage_id)
        seconds = max(0, int((now - (row.stage_entered_at or row.created_at)).total_seconds()))
        previous = (row.stage_entered_at, row.closed_at, row.lost_reason)
        change = StageChange.create(
            deal=row.id, from_stage=row.stage_id, to_stage=target.id, changed_at=now,
            author=actor.id, seconds_in_previous=seconds,
        )
        reached = row.reached_order
        row.stage = target.id
        row.reached_order = reach(reached, target.kind, target.sort_order)
        row.stage_entered_at = now
        row.closed_at = None
        row.lost_reason = ""
        entry = _timeline_entry(
            row, old, target, actor, now, "reopened", seconds, "", (comment or "").strip()
        )
        created = _create_stage_tasks(row, target, actor, now)
        rules.refresh_deal(row)
        robot_tasks, robot_notes = _fire_stage_robots(row.id, change.id, actor.id, now)
        return MoveResult(
            deal_id=row.id, from_stage_id=old.id if old else None, to_stage_id=target.id,
            stage_change_id=change.id, timeline_entry_id=entry.id,
            created_task_ids=created + robot_tasks, cancelled_task_ids=[],
            notification_ids=robot_notes, closed=False,
            previous_stage_entered_at=previous[0], previous_closed_at=previous[1],
            previous_lost_reason=previous[2], previous_reached_order=reached,
        )
