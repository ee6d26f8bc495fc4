"""Where robots fire: the services call :func:`on_event` inside the transaction of the user's action
(a stage change, an accepted quote, a paid invoice, a stored reply, a field set) — never sync's
apply of pulled rows, so a stage change made elsewhere does not fire robots again here.

Exactly once per rule, deal and event: a run's id is ``uuid5`` of the three (:func:`run_id`), the
event's key being the event's own id (the stage change, the quote, the invoice, the received
message), so the same event seen twice — replayed, re-delivered, seen on a second replica — finds
its run and does nothing. Runs sync; their effects have ids derived from the run.

Delayed rules leave a ``pending`` run owned by this device; :func:`run_due` (at start-up, on the main
window's timer, ``desktop-crm automation run-due``) executes those whose time has come if the deal
is still in the stage, and records the others as skipped. A robot that moves a deal fires the
robots of the stage it enters; chains stop at :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from desktop_crm.errors import CrmError, DatabaseError
from desktop_crm.i18n import _
from desktop_crm.ids import IdLike, as_uuid, optional_uuid
from desktop_crm.models import (
    Activity,
    ActivityKind,
    AutomationRule,
    AutomationRun,
    Deal,
    Stage,
    database,
    dialect,
    utcnow,
)
from desktop_crm.services.sales.automation import actions
from desktop_crm.services.sales.automation.rules import Event, condition_holds

MAX_DEPTH = 3  # a robot's move may fire robots, whose move may fire robots: no further
RUNS_NAMESPACE = uuid.UUID("6f1c2a5e-3b1d-5c7e-9a40-2d8e61f0b7a3")
PENDING, DONE, SKIPPED = "pending", "done", "skipped"

_depth: contextvars.ContextVar[int] = contextvars.ContextVar("automation_depth", default=0)


@dataclass(frozen=True, slots=True)
class DealEvent:
    """Something that happened to a deal. ``key``: the event's own id (see the module docstring);
    ``field``: the field of a ``field_set`` event."""

    kind: Event
    deal_id: uuid.UUID
    key: str
    field: str = ""


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: uuid.UUID
    rule_id: uuid.UUID
    deal_id: uuid.UUID
    state: str
    due_at: dt.datetime
    reason: str


def _run_info(row: AutomationRun) -> RunInfo:
    return RunInfo(row.id, row.rule_id, row.deal_id, row.state, row.due_at, row.reason)


def run_id(rule_id: IdLike, deal_id: IdLike, event_key: str) -> uuid.UUID:
    """The id of the run of ``rule_id`` on ``deal_id`` for the event ``event_key``: the same on
    every computer."""
    return uuid.uuid5(RUNS_NAMESPACE, f"{as_uuid(rule_id)}/{as_uuid(deal_id)}/{event_key}")


def this_device() -> str:
    from desktop_crm.services.mail.outbox import this_device as device

    return device()


def _matching(deal: Deal, event: DealEvent) -> list[AutomationRule]:
    query = AutomationRule.alive().where(
        (AutomationRule.pipeline == deal.pipeline_id) & (AutomationRule.event == event.kind.value)
        & (AutomationRule.active == True)  # noqa: E712
    )
    if event.kind == Event.ENTERING_STAGE:
        query = query.where(AutomationRule.stage == deal.stage_id)
    else:
        query = query.where(AutomationRule.stage.is_null() | (AutomationRule.stage == deal.stage_id))
    if event.kind == Event.FIELD_SET:
        query = query.where(AutomationRule.event_field == event.field)
    return list(query.order_by(AutomationRule.position, AutomationRule.created_at))


def on_event(event: DealEvent, user: IdLike | None, now: dt.datetime | None = None) -> list[RunInfo]:
    """Fire the robots and triggers ``event`` starts (inside the caller's transaction): a run per
    matching rule whose condition holds, done now or left pending for later. An event already
    seen makes no new run."""
    now = now or utcnow()
    actor = optional_uuid(user)
    made = []
    with database.atomic():
        deal = Deal.get_or_none((Deal.id == event.deal_id) & Deal.deleted_at.is_null())
        if deal is None:
            return []
        for rule in _matching(deal, event):
            if not condition_holds(deal, rule.condition):
                continue
            key = event.key[:300]
            identity = run_id(rule.id, deal.id, key)
            if AutomationRun.select(AutomationRun.id).where(AutomationRun.id == identity).exists():
                continue
            run = AutomationRun.create(
                id=identity, rule=rule.id, deal=deal.id, event_key=key, state=PENDING,
                due_at=now + dt.timedelta(days=rule.delay_days), stage=deal.stage_id,
                device=this_device(), depth=_depth.get(),
            )
            if run.depth >= MAX_DEPTH:
                _finish(run, deal, SKIPPED, now, {"did": "chain"},
                        _("Too many robots in a row: a robot's move fired robots {count} times.")
                        .format(count=MAX_DEPTH))
            elif rule.delay_days == 0:
                _execute(run, rule, deal, actor, now)
            made.append(_run_info(run))
            deal = Deal.get_by_id(deal.id)  # what the robot changed is what the next one sees
    return made


def _finish(run: AutomationRun, deal: Deal, state: str, now: dt.datetime,
            payload: dict[str, Any], reason: str = "") -> None:
    run.state = state
    run.done_at = now
    run.reason = reason
    run.save()
    Activity.create(
        id=actions.effect_id(run.id, "timeline"), kind=ActivityKind.SYSTEM, deal=deal.id,
        contact=deal.contact_id, company=deal.company_id, done_at=now,
        payload={"event": "automation", "state": state, "automation_run": str(run.id),
                 "reason": reason, **payload},
    )


def _execute(run: AutomationRun, rule: AutomationRule, deal: Deal, actor: uuid.UUID | None,
             now: dt.datetime) -> None:
    token = _depth.set(run.depth + 1)
    try:
        with database.atomic():  # a savepoint: a refused action leaves nothing half-done
            payload = actions.perform(rule, deal, run.id, actor, now)
    except DatabaseError:
        raise
    except CrmError as refusal:
        _finish(run, Deal.get_by_id(deal.id), SKIPPED, now, {"did": rule.action}, refusal.message)
        return
    finally:
        _depth.reset(token)
    _finish(run, Deal.get_by_id(deal.id), DONE, now, payload)


def run_due(user: IdLike | None, now: dt.datetime | None = None) -> list[RunInfo]:
    """Execute this device's pending runs whose time has come, each in its own transaction: done
    if the deal is still in the stage it was in when the event happened, else skipped. Runs of
    other devices are theirs (they sync here done or skipped)."""
    now = now or utcnow()
    with database.atomic():
        due = [row.id for row in AutomationRun.alive(AutomationRun.id).where(
            (AutomationRun.state == PENDING) & (AutomationRun.due_at <= now)
            & (AutomationRun.device == this_device())).order_by(AutomationRun.due_at)]
    return [info for info in (_run_one(identity, user, now) for identity in due) if info is not None]


def _run_one(identity: uuid.UUID, user: IdLike | None, now: dt.datetime) -> RunInfo | None:
    with database.atomic():
        # locked on PostgreSQL (two windows on one server database); SQLite writers queue anyway
        run = dialect.for_update(AutomationRun.select().where(
            (AutomationRun.id == identity) & (AutomationRun.state == PENDING))).first()
        if run is None:  # done meanwhile (another window, a pulled row)
            return None
        deal = Deal.get_or_none((Deal.id == run.deal_id) & Deal.deleted_at.is_null())
        rule = AutomationRule.get_or_none((AutomationRule.id == run.rule_id)
                                          & AutomationRule.deleted_at.is_null())
        if deal is None:
            run.state, run.done_at, run.reason = SKIPPED, now, _("The deal no longer exists.")
            run.save()
        elif rule is None or not rule.active:
            _finish(run, deal, SKIPPED, now, {"did": "off"},
                    _("The rule was switched off or deleted before its time came."))
        elif deal.stage_id != run.stage_id:
            stage = Stage.get_or_none(Stage.id == run.stage_id)
            _finish(run, deal, SKIPPED, now, {"did": rule.action},
                    _("The deal left the stage «{stage}» before the robot's time came.").format(
                        stage=stage.name if stage else "—"))
        else:
            token = _depth.set(run.depth)
            try:
                _execute(run, rule, deal, optional_uuid(user) or deal.responsible_id, now)
            finally:
                _depth.reset(token)
        return _run_info(run)


def runs_of(deal: IdLike) -> list[RunInfo]:
    """The deal's runs, oldest first (what the robots did and will do)."""
    with database.atomic():
        return [_run_info(row) for row in AutomationRun.alive()
                .where(AutomationRun.deal == as_uuid(deal)).order_by(AutomationRun.created_at)]
