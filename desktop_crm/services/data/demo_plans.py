"""Sales plan examples for the screenshots and the demo: for the current month and quarter, a plan
per manager (an amount in the currency they sell in most, a count of won deals per quarter) and a
team plan per head, sized on what each sold before. Added once: a period that has plans is left."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from decimal import Decimal

from desktop_crm.models import Deal, SalesPlan, Stage, StageKind, User, database
from desktop_crm.services.reporting.plans import Metric, PeriodKind, period_start, shift_period


def _won(users: list[uuid.UUID], since: dt.date, until: dt.date) -> list[Deal]:
    return list(
        Deal.select(Deal.amount, Deal.currency)
        .join(Stage, on=(Deal.stage == Stage.id))
        .where(Deal.deleted_at.is_null() & (Stage.kind == StageKind.WON)
               & Deal.responsible.in_(users)
               & (Deal.closed_at >= dt.datetime.combine(since, dt.time()))
               & (Deal.closed_at < dt.datetime.combine(until, dt.time())))
    )


def _round_up(value: Decimal, step: Decimal) -> Decimal:
    return max(step, ((value / step).to_integral_value(rounding="ROUND_CEILING")) * step)


def _amount_plan(owner: uuid.UUID, team: bool, users: list[uuid.UUID], month: dt.date) -> None:
    history = _won(users, shift_period(PeriodKind.MONTH, month, -6), month)
    if not history:
        return
    currency = Counter(d.currency for d in history).most_common(1)[0][0]
    total = sum((d.amount for d in history if d.currency == currency), Decimal(0))
    target = _round_up(total / 6 * Decimal("1.2"), Decimal(10000))
    SalesPlan.create(owner=owner, team=team, period_kind=PeriodKind.MONTH, period_start=month,
                     metric=Metric.AMOUNT, target=target, currency=currency)


def add_plan_examples(today: dt.date | None = None) -> int:
    """Plans for the month and quarter of ``today`` (when they have none); how many were added."""
    today = today or dt.date.today()
    month = period_start(PeriodKind.MONTH, today)
    quarter = period_start(PeriodKind.QUARTER, today)
    if SalesPlan.alive().where(SalesPlan.period_start.in_([month, quarter])).exists():
        return 0
    people = list(User.alive().where(User.active == True))  # noqa: E712
    with database.atomic():
        for user in people:
            team = [u.id for u in people if u.head_id == user.id]
            if team:
                _amount_plan(user.id, True, [user.id, *team], month)
            elif user.head_id is not None:
                _amount_plan(user.id, False, [user.id], month)
                before = _won([user.id], shift_period(PeriodKind.QUARTER, quarter, -1), quarter)
                SalesPlan.create(owner=user.id, period_kind=PeriodKind.QUARTER,
                                 period_start=quarter, metric=Metric.COUNT,
                                 target=Decimal(max(3, len(before) + 1)))
    return int(SalesPlan.alive().where(SalesPlan.period_start.in_([month, quarter])).count())
