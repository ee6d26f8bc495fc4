"""Sales plans: a target per manager or per head's team, per month or quarter, optionally per
pipeline, as an amount of money (Decimal, in the plan's currency) or as a count of won deals.

* Who may change plans: a role with ``change_settings`` any plan; a head their team's plan and the
  plans of the users whose head they are. Everyone reads their own plans (and their head's team
  plan); a head also their team's; ``change_settings`` all of them.
* :func:`progress` says what was achieved: deals moved to a won stage (``closed_at``) within the
  period, of the plan's owner (or of the whole team), in the plan's pipeline when it names one;
  amounts only in the plan's currency. "Expected by today" is the linear share of the target for
  the days of the period gone by (today included); on track when achieved ≥ expected.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from desktop_crm import money
from desktop_crm.errors import CrmError, PermissionDenied, ValidationError
from desktop_crm.i18n import N_, _
from desktop_crm.i18n.formatting import format_amount, format_money
from desktop_crm.ids import IdLike, PipelineId, UserId, as_uuid
from desktop_crm.models import Action, Deal, Pipeline, SalesPlan, Stage, StageKind, User, database
from desktop_crm.services.system import rights
from desktop_crm.validation import currency_value, date_value, enum_value, money_value


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


class Metric(StrEnum):
    AMOUNT = "amount"
    COUNT = "count"


PERIOD_LABELS = {PeriodKind.MONTH: N_("Month"), PeriodKind.QUARTER: N_("Quarter")}
METRIC_LABELS = {Metric.AMOUNT: N_("Amount of won deals"), Metric.COUNT: N_("Number of won deals")}


@dataclass(frozen=True, slots=True)
class Plan:
    id: uuid.UUID
    owner_id: UserId
    owner_name: str
    team: bool
    period_kind: PeriodKind
    period_start: dt.date
    pipeline_id: PipelineId | None
    pipeline_name: str  # "" for every pipeline
    metric: Metric
    target: Decimal
    currency: str  # "" for a count

    @property
    def who(self) -> str:
        return _("Team of {name}").format(name=self.owner_name) if self.team else self.owner_name


@dataclass(frozen=True, slots=True)
class Progress:
    plan: Plan
    achieved: Decimal  # money in the plan's currency, or a whole count
    expected: Decimal  # what the linear pace asks for by today
    percent: Decimal | None  # achieved / target × 100, one place; None for a zero target
    elapsed: Decimal  # the share of the period gone by, 0…1

    @property
    def on_track(self) -> bool:
        return self.achieved >= self.expected


@dataclass(frozen=True, slots=True)
class Person:
    id: UserId
    name: str
    head_id: UserId | None
    leads_team: bool


# --- periods -------------------------------------------------------------------------------------


def period_start(kind: PeriodKind | str, day: dt.date) -> dt.date:
    """The first day of the month or quarter containing ``day``."""
    if PeriodKind(kind) == PeriodKind.QUARTER:
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, day.month, 1)


def period_end(kind: PeriodKind | str, start: dt.date) -> dt.date:
    """The first day after the period beginning on ``start``."""
    months = 3 if PeriodKind(kind) == PeriodKind.QUARTER else 1
    month = start.month - 1 + months
    return dt.date(start.year + month // 12, month % 12 + 1, 1)


def period_label(kind: PeriodKind | str, start: dt.date) -> str:
    if PeriodKind(kind) == PeriodKind.QUARTER:
        return _("Q{quarter} {year}").format(quarter=(start.month - 1) // 3 + 1, year=start.year)
    from babel.dates import format_date as babel_format_date

    from desktop_crm.i18n.formatting import babel_locale

    return babel_format_date(start, format="LLLL y", locale=babel_locale(None))


def shift_period(kind: PeriodKind | str, start: dt.date, steps: int) -> dt.date:
    months = (3 if PeriodKind(kind) == PeriodKind.QUARTER else 1) * steps
    month = start.year * 12 + start.month - 1 + months
    return dt.date(month // 12, month % 12 + 1, 1)


def elapsed_share(kind: PeriodKind | str, start: dt.date, today: dt.date) -> Decimal:
    """The share of the period's days gone by, today counted whole (0 before, 1 after)."""
    end = period_end(kind, start)
    total = (end - start).days
    gone = min(max((today - start).days + 1, 0), total)
    return Decimal(gone) / Decimal(total)


# --- reading -------------------------------------------------------------------------------------


def team_of(head_id: uuid.UUID) -> list[uuid.UUID]:
    """A head and the users whose head they are."""
    return [head_id] + [u.id for u in User.alive().select(User.id).where(User.head == head_id)]


def _plan(row: Any, names: Mapping[uuid.UUID, str], pipelines: Mapping[uuid.UUID, str]) -> Plan:
    return Plan(
        id=row.id, owner_id=UserId(row.owner_id), owner_name=names.get(row.owner_id, ""),
        team=bool(row.team), period_kind=PeriodKind(row.period_kind),
        period_start=row.period_start,
        pipeline_id=PipelineId(row.pipeline_id) if row.pipeline_id else None,
        pipeline_name=pipelines.get(row.pipeline_id, "") if row.pipeline_id else "",
        metric=Metric(row.metric),
        target=row.target if row.metric == Metric.AMOUNT else row.target.quantize(Decimal(1)),
        currency=row.currency,
    )


def _names() -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, str]]:
    users = {u.id: u.name for u in User.select(User.id, User.name)}
    pipelines = {p.id: p.name for p in Pipeline.select(Pipeline.id, Pipeline.name)}
    return users, pipelines


def _may_read(row: Any, actor: rights.Actor) -> bool:
    if Action.CHANGE_SETTINGS in actor.actions or actor.user_id is None:
        return True
    if row.owner_id == actor.user_id or row.owner_id in actor.team:
        return True
    if row.team:  # the team plan of one's own head
        head = User.select(User.head).where(User.id == actor.user_id).scalar()
        return bool(head == row.owner_id)
    return False


def _actor() -> rights.Actor:
    actor = rights.current()
    if actor is None:
        raise PermissionDenied(_("Sign in first."))
    return actor


def plans(kind: PeriodKind | str, start: dt.date) -> list[Plan]:
    """The plans of one period the signed-in user may read, teams first, then by name."""
    actor = _actor()
    kind = PeriodKind(kind)
    start = period_start(kind, start)
    names, pipelines = _names()
    rows = SalesPlan.alive().where(
        (SalesPlan.period_kind == kind) & (SalesPlan.period_start == start))
    found = [_plan(r, names, pipelines) for r in rows if _may_read(r, actor)]
    return sorted(found, key=lambda p: (not p.team, p.owner_name.casefold(), p.pipeline_name,
                                        p.metric))


def plans_of(user_id: IdLike, today: dt.date) -> list[Plan]:
    """The plans that concern a user now: theirs, their team's (as its head) and their head's
    team plan, for the current month and quarter."""
    key = as_uuid(user_id)
    actor = _actor()
    head = User.select(User.head).where(User.id == key).scalar()
    owners = [key] + ([head] if head else [])
    names, pipelines = _names()
    result = []
    for kind in PeriodKind:
        rows = SalesPlan.alive().where(
            (SalesPlan.period_kind == kind) & (SalesPlan.period_start == period_start(kind, today))
            & SalesPlan.owner.in_(owners))
        for row in rows:
            if (row.owner_id == key or row.team) and _may_read(row, actor):
                result.append(_plan(row, names, pipelines))
    return sorted(result, key=lambda p: (p.team, p.period_kind != PeriodKind.MONTH,
                                         p.pipeline_name, p.metric))


def people() -> list[Person]:
    """Whom a plan may be for: active users, with whether they lead a team."""
    heads = {u.head_id for u in User.alive().select(User.head).where(User.head.is_null(False))}
    return [Person(UserId(u.id), u.name, UserId(u.head_id) if u.head_id else None, u.id in heads)
            for u in User.alive().where(User.active == True).order_by(User.name)]  # noqa: E712


# --- progress ------------------------------------------------------------------------------------


def achieved(plan: Plan) -> Decimal:
    """Won deals closed within the plan's period, by its owner or team, in its pipeline."""
    start = dt.datetime.combine(plan.period_start, dt.time())
    end = dt.datetime.combine(period_end(plan.period_kind, plan.period_start), dt.time())
    users = team_of(plan.owner_id) if plan.team else [plan.owner_id]
    query = (
        Deal.select(Deal.amount)
        .join(Stage, on=(Deal.stage == Stage.id))
        .where(
            Deal.deleted_at.is_null() & (Stage.kind == StageKind.WON)
            & (Deal.closed_at >= start) & (Deal.closed_at < end)
            & Deal.responsible.in_(users)
        )
    )
    if plan.pipeline_id is not None:
        query = query.where(Deal.pipeline == plan.pipeline_id)
    if plan.metric == Metric.COUNT:
        return Decimal(query.count())
    query = query.where(Deal.currency == plan.currency)
    return money.round_money(sum((d.amount for d in query), Decimal("0.00")))


def progress(plan: Plan, today: dt.date) -> Progress:
    done = achieved(plan)
    share = elapsed_share(plan.period_kind, plan.period_start, today)
    expected = plan.target * share
    expected = (money.round_money(expected) if plan.metric == Metric.AMOUNT
                else expected.quantize(Decimal("0.1")))
    percent = (None if plan.target == 0
               else (done * 100 / plan.target).quantize(Decimal("0.1")))
    return Progress(plan, done, expected, percent, share)


def format_value(plan: Plan, value: Decimal) -> str:
    """A target, an achievement or an expectation as shown: money in the plan's currency, or a
    number of deals (one decimal for a pace between whole deals)."""
    if plan.metric == Metric.COUNT:
        whole = value == value.to_integral_value()
        return format_amount(value, places=0 if whole else 1)
    return format_money(value, plan.currency)


def progress_in(pipeline_id: IdLike, first: dt.date, last: dt.date,
                today: dt.date) -> tuple[Progress, ...]:
    """Progress of the readable plans whose month or quarter starts between ``first`` and ``last``
    and that count this pipeline (theirs, or every pipeline) — the analytics' plan table."""
    actor = rights.current()
    if actor is None:
        return ()
    names, pipelines = _names()
    rows = SalesPlan.alive().where(
        (SalesPlan.period_start >= first) & (SalesPlan.period_start <= last)
        & (SalesPlan.pipeline.is_null() | (SalesPlan.pipeline == as_uuid(pipeline_id))))
    found = [_plan(r, names, pipelines) for r in rows if _may_read(r, actor)]
    found.sort(key=lambda p: (p.period_start, p.period_kind, not p.team, p.owner_name.casefold()))
    return tuple(progress(p, today) for p in found)


def progress_of(user_id: IdLike, today: dt.date) -> list[Progress]:
    """The progress of every plan concerning a user now (the home screen)."""
    return [progress(plan, today) for plan in plans_of(user_id, today)]


def plan(plan_id: IdLike) -> Plan:
    row = SalesPlan.alive().where(SalesPlan.id == as_uuid(plan_id)).first()
    if row is None or not _may_read(row, _actor()):
        raise CrmError(_("The plan no longer exists."))
    names, pipelines = _names()
    return _plan(row, names, pipelines)


# --- changing ------------------------------------------------------------------------------------


def may_edit(owner_id: IdLike, team: bool) -> bool:
    """A head edits their team's plan and their people's; ``change_settings`` every plan."""
    actor = rights.current()
    if actor is None:
        return False
    if Action.CHANGE_SETTINGS in actor.actions:
        return True
    key = as_uuid(owner_id)
    if team:
        return key == actor.user_id and len(actor.team) > 1
    return key != actor.user_id and key in actor.team


def _refuse_unless_may_edit(owner_id: IdLike, team: bool) -> None:
    if not may_edit(owner_id, team):
        raise PermissionDenied(_("Only a head of sales (for their team) or someone who may change "
                                 "settings may set sales plans."))


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    kind = enum_value(values.get("period_kind") or PeriodKind.MONTH, PeriodKind, "period_kind",
                      label=N_("Period"))
    day = date_value(values.get("period_start"), "period_start", required=True,
                     label=N_("Period"))
    assert day is not None
    metric = enum_value(values.get("metric") or Metric.AMOUNT, Metric, "metric", label=N_("Goal"))
    target = money_value(values.get("target"), "target", label=N_("Target"))
    if target <= 0:
        raise ValidationError(_("Target: must be above zero."), field="target")
    currency = ""
    if metric == Metric.COUNT:
        if target != target.to_integral_value():
            raise ValidationError(_("Target: a number of deals is a whole number."), field="target")
    else:
        currency = currency_value(values.get("currency"), "currency")
    owner_text = values.get("owner_id")
    if not owner_text:
        raise ValidationError(_("Choose whose plan it is."), field="owner_id")
    owner = User.alive().where(User.id == as_uuid(owner_text)).first()
    if owner is None:
        raise ValidationError(_("Choose whose plan it is."), field="owner_id")
    team = bool(values.get("team"))
    if team and not User.alive().where(User.head == owner.id).exists():
        raise ValidationError(_("{name} leads no team: set the plan for them alone.").format(
            name=owner.name), field="owner_id")
    pipeline = values.get("pipeline_id") or None
    if pipeline is not None:
        pipeline = as_uuid(pipeline)
        if not Pipeline.alive().where(Pipeline.id == pipeline).exists():
            raise ValidationError(_("The pipeline no longer exists."), field="pipeline_id")
    return {"owner": owner.id, "team": team, "period_kind": kind,
            "period_start": period_start(kind, day), "pipeline": pipeline, "metric": metric,
            "target": target, "currency": currency}


def save_plan(plan_id: IdLike | None, values: Mapping[str, Any]) -> Plan:
    """Create or change a plan (``owner_id``, ``team``, ``period_kind``, ``period_start``,
    ``pipeline_id`` or None, ``metric``, ``target``, ``currency``); one transaction."""
    clean = _clean(values)
    _refuse_unless_may_edit(clean["owner"], clean["team"])
    with database.atomic():
        row: Any = SalesPlan() if plan_id is None else SalesPlan.alive().where(
            SalesPlan.id == as_uuid(plan_id)).first()
        if row is None:
            raise CrmError(_("The plan no longer exists."))
        if plan_id is not None:
            _refuse_unless_may_edit(row.owner_id, bool(row.team))
        same = SalesPlan.alive().where(
            (SalesPlan.owner == clean["owner"]) & (SalesPlan.team == clean["team"])
            & (SalesPlan.period_kind == clean["period_kind"])
            & (SalesPlan.period_start == clean["period_start"])
            & (SalesPlan.metric == clean["metric"])
            & (SalesPlan.pipeline.is_null() if clean["pipeline"] is None
               else SalesPlan.pipeline == clean["pipeline"]))
        if plan_id is not None:
            same = same.where(SalesPlan.id != row.id)
        if same.exists():
            raise ValidationError(_("There is already such a plan for this period: change it "
                                    "instead."), field="target")
        for name, value in clean.items():
            setattr(row, name, value)
        row.save()
    return plan(row.id)


def delete_plan(plan_id: IdLike) -> None:
    with database.atomic():
        row: Any = SalesPlan.alive().where(SalesPlan.id == as_uuid(plan_id)).first()
        if row is None:
            raise CrmError(_("The plan no longer exists."))
        _refuse_unless_may_edit(row.owner_id, bool(row.team))
        row.soft_delete()


def copy_period(kind: PeriodKind | str, source: dt.date, target: dt.date) -> int:
    """Copy the plans one may edit from one period to another that lacks them; how many."""
    copied = 0
    existing = {(p.owner_id, p.team, p.pipeline_id, p.metric) for p in plans(kind, target)}
    with database.atomic():
        for item in plans(kind, source):
            key = (item.owner_id, item.team, item.pipeline_id, item.metric)
            if key in existing or not may_edit(item.owner_id, item.team):
                continue
            SalesPlan.create(owner=item.owner_id, team=item.team, period_kind=PeriodKind(kind),
                             period_start=period_start(kind, target), pipeline=item.pipeline_id,
                             metric=item.metric, target=item.target, currency=item.currency)
            copied += 1
    return copied


def save_plans(changes: Sequence[tuple[IdLike | None, Mapping[str, Any]]],
               deleted: Sequence[IdLike] = ()) -> list[Plan]:
    """A page of edits saved at once: new and changed plans, and deleted ones (one transaction).
    A refusal names the row (``ValidationError.field`` is ``"<row>:<field>"``)."""
    saved = []
    with database.atomic():
        for gone in deleted:
            delete_plan(gone)
        for row, (plan_id, values) in enumerate(changes):
            try:
                saved.append(save_plan(plan_id, values))
            except ValidationError as error:
                raise ValidationError(error.message, field=f"{row}:{error.field or ''}") from None
    return saved
