"""Sales plans: progress arithmetic (months, quarters, per pipeline, amount vs count, currency)
and who may change plans, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from desktop_crm.errors import PermissionDenied, ValidationError
from desktop_crm.services.reporting import plans
from desktop_crm.services.system import session

from .conftest import World

MARCH = dt.date(2026, 3, 1)


def _plan(world: World, **values: object) -> plans.Plan:
    base: dict[str, object] = {"owner_id": world.mine.id, "period_kind": "month",
                               "period_start": MARCH, "metric": "amount", "target": "100000",
                               "currency": "RUB"}
    base.update(values)
    return plans.save_plan(None, base)


def test_periods() -> None:
    assert plans.period_start("quarter", dt.date(2026, 5, 17)) == dt.date(2026, 4, 1)
    assert plans.period_end("quarter", dt.date(2026, 10, 1)) == dt.date(2027, 1, 1)
    assert plans.period_end("month", dt.date(2026, 12, 1)) == dt.date(2027, 1, 1)
    assert plans.shift_period("quarter", dt.date(2026, 1, 1), -1) == dt.date(2025, 10, 1)
    assert plans.elapsed_share("month", MARCH, dt.date(2026, 2, 27)) == 0
    assert plans.elapsed_share("month", MARCH, dt.date(2026, 3, 31)) == 1
    assert plans.elapsed_share("month", MARCH, dt.date(2026, 4, 5)) == 1


def test_month_amount_counts_won_deals_of_the_month_in_the_plan_currency(world: World) -> None:
    plan = _plan(world, period_start=dt.date(2026, 3, 20))  # normalised to the 1st
    assert plan.period_start == MARCH
    world.won("sales", world.mine, "30000.50", dt.datetime(2026, 3, 2, 9))
    world.won("wholesale", world.mine, "20000.25", dt.datetime(2026, 3, 31, 23, 59))
    world.won("sales", world.mine, "999", dt.datetime(2026, 4, 1, 0, 0))  # next month
    world.won("sales", world.mine, "999", dt.datetime(2026, 2, 28, 23, 0))  # last month
    world.won("sales", world.mine, "777", dt.datetime(2026, 3, 5), currency="EUR")
    world.won("sales", world.other, "888", dt.datetime(2026, 3, 5))  # someone else
    world.open_deal(world.mine)
    progress = plans.progress(plan, dt.date(2026, 3, 10))
    assert progress.achieved == Decimal("50000.75")
    assert isinstance(progress.achieved, Decimal)
    assert progress.percent == Decimal("50.0")
    assert progress.expected == Decimal("32258.06")  # 100000 × 10/31, half-up
    assert progress.on_track
    assert not plans.progress(plan, dt.date(2026, 3, 25)).on_track  # 80645.16 expected


def test_quarter_count_per_pipeline_and_team(world: World) -> None:
    team = _plan(world, owner_id=world.head.id, team=True, period_kind="quarter",
                 metric="count", target="4", currency="", pipeline_id=world.sales.id)
    assert team.period_start == dt.date(2026, 1, 1) and team.currency == ""
    world.won("sales", world.head, "1", dt.datetime(2026, 1, 10))
    world.won("sales", world.mine, "1", dt.datetime(2026, 3, 30), currency="EUR")
    world.won("wholesale", world.mine, "1", dt.datetime(2026, 2, 1))  # other pipeline
    world.won("sales", world.other, "1", dt.datetime(2026, 2, 1))  # not in the team
    world.won("sales", world.mine, "1", dt.datetime(2026, 4, 1))  # next quarter
    progress = plans.progress(team, dt.date(2026, 2, 14))
    assert progress.achieved == 2 and progress.percent == Decimal("50.0")
    assert progress.expected == Decimal("2.0")  # 4 × 45/90 (Jan 31 + Feb 14 of 90 days)
    assert progress.on_track


def test_validation(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        _plan(world, target="0")
    assert refused.value.field == "target"
    with pytest.raises(ValidationError):
        _plan(world, metric="count", target="2.5")
    with pytest.raises(ValidationError):
        _plan(world, currency="рубли")
    with pytest.raises(ValidationError) as refused:
        _plan(world, owner_id=world.other.id, team=True)  # leads nobody
    assert refused.value.field == "owner_id"
    _plan(world)
    with pytest.raises(ValidationError):
        _plan(world, target="5")  # the same plan twice


def test_rights_manager_cannot_head_edits_team(world: World) -> None:
    plan = _plan(world)
    session.sign_in(world.mine.id)
    assert [p.id for p in plans.plans("month", MARCH)] == [plan.id]  # reads their own
    with pytest.raises(PermissionDenied):
        plans.save_plan(plan.id, {**_values(plan), "target": "1"})
    with pytest.raises(PermissionDenied):
        plans.delete_plan(plan.id)
    session.sign_in(world.other.id)
    assert plans.plans("month", MARCH) == []  # not theirs
    session.sign_in(world.head.id)
    changed = plans.save_plan(plan.id, {**_values(plan), "target": "120000"})
    assert changed.target == Decimal("120000.00")
    team = _plan(world, owner_id=world.head.id, team=True)
    assert team.who.endswith(world.head.name)
    with pytest.raises(PermissionDenied):  # outside the team
        _plan(world, owner_id=world.other.id)
    with pytest.raises(PermissionDenied):  # not their own personal plan
        _plan(world, owner_id=world.head.id)
    session.sign_in(world.mine.id)
    assert {p.id for p in plans.plans_of(world.mine.id, dt.date(2026, 3, 3))} == {plan.id, team.id}
    session.sign_in(world.admin.id)
    plans.delete_plan(team.id)
    assert [p.id for p in plans.plans("month", MARCH)] == [plan.id]


def _values(plan: plans.Plan) -> dict[str, object]:
    return {"owner_id": plan.owner_id, "team": plan.team, "period_kind": plan.period_kind,
            "period_start": plan.period_start, "metric": plan.metric, "target": plan.target,
            "currency": plan.currency, "pipeline_id": plan.pipeline_id}


def test_analytics_shows_plan_against_fact(world: World) -> None:
    from desktop_crm.services.reporting import analytics
    from desktop_crm.services.reporting.analytics import Period, ReportScope

    _plan(world, pipeline_id=world.sales.id)
    _plan(world, owner_id=world.head.id, team=True, metric="count", target="3", currency="",
          pipeline_id=world.wholesale.id)  # another pipeline: not in this report
    deal = world.won("sales", world.mine, "25000", dt.datetime(2026, 3, 3), title="Выиграна")
    scope = ReportScope(world.sales.id, Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
    report = analytics.managers(scope, now=dt.datetime(2026, 3, 16, 12))
    table = report.plans_table()
    [row] = table.rows
    assert row.cells[0] == world.mine.name and row.cells[5] == Decimal("25.0")
    assert row.cells[7] == "Behind"  # 25 % done, 16/31 of the month gone
    assert row.filter is not None
    from desktop_crm.models import Deal
    assert [d.id for d in row.filter.apply(Deal.select())] == [deal.id]
