"""The reports read SQLite along chosen indexes: the funnel key by key (``dialect.present_keys``:
the keys present are found by skipping along an index, then one range per key is read), time in
stages along the index of end dates (``dialect.along_index``), the forecast along the index of
open deals (``dialect.along_named_index``). On random data, a report computed so
equals the report computed by the direct query, for every user's scope, on both engines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_crm.models import Action, Deal, Scope, StageChange, StageKind, dialect
from desktop_crm.services.reporting.analytics import (
    Period,
    ReportScope,
    forecast,
    funnel,
    stage_time,
)
from desktop_crm.services.system import rights
from tests.factories import make_deal, make_pipeline, make_stage, make_user

START = dt.datetime(2025, 1, 1)
PERIOD = Period(dt.date(2025, 3, 1), dt.date(2025, 8, 31))

deal_specs = st.lists(
    st.tuples(
        st.integers(0, 5),  # stage: four of the pipeline, one of another pipeline, one deleted
        st.integers(0, 6),  # furthest step reached
        st.sampled_from(["RUB", "EUR", "USD"]),
        st.integers(0, 300),  # created, days after START
        st.integers(0, 2),  # responsible: the manager, a colleague, nobody
        st.booleans(),  # deleted
        st.booleans(),  # in the other pipeline
    ),
    max_size=40,
)


@pytest.fixture
def world(any_db: object) -> Iterator[dict[str, Any]]:
    pipeline = make_pipeline("Продажи")
    other = make_pipeline("Other", is_default=False)
    stages = [make_stage(pipeline, name, order, kind) for name, order, kind in (
        ("New", 1, StageKind.OPEN), ("Offer", 2, StageKind.OPEN), ("Won", 3, StageKind.WON),
        ("Lost", 4, StageKind.LOST))]
    stages.append(make_stage(other, "Elsewhere", 1))
    gone = make_stage(pipeline, "Gone", 5)
    gone.deleted_at = START
    gone.save()
    stages.append(gone)
    users = [make_user("Anna"), make_user("Boris"), None]
    yield {"pipeline": pipeline, "other": other, "stages": stages, "users": users}
    rights.act_as(rights.administrator())


def _build(world: dict[str, Any], specs: list[tuple[Any, ...]]) -> None:
    StageChange.delete().execute()
    Deal.delete().execute()
    for stage, reached, currency, day, responsible, deleted, elsewhere in specs:
        deal = make_deal(
            "Deal", stage=world["stages"][stage],
            pipeline=world["other"] if elsewhere else world["pipeline"],
            reached_order=reached, currency=currency, amount=f"{day * 7 + reached}.50",
            created_at=START + dt.timedelta(days=day, hours=responsible),
            expected_close_date=(START + dt.timedelta(days=day + 20 * reached)).date(),
            closed_at=START + dt.timedelta(days=day + 9) if stage in (2, 3) else None,
            responsible=world["users"][responsible],
            deleted_at=START if deleted else None,
        )
        for stay in range(reached % 3):  # stays that ended: some in the period, some not
            StageChange.create(
                deal=deal, from_stage=world["stages"][(stage + stay) % 6],
                to_stage=world["stages"][(stage + stay + 1) % 6],
                changed_at=START + dt.timedelta(days=day + 40 * stay),
                seconds_in_previous=day * 3600 + stay * 7,
                deleted_at=START if stay == 1 and responsible == 2 else None)


def _direct(report: Any, scope: ReportScope, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patch:
        patch.setattr(dialect, "present_keys", lambda *_args: [])
        patch.setattr(dialect, "along_index", lambda sql, *_args, **_options: sql)
        patch.setattr(dialect, "along_named_index", lambda sql, *_args, **_options: sql)
        return report(scope)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=deal_specs, own=st.booleans())
def test_reports_read_along_their_indexes_equal_the_direct_query(world, monkeypatch, specs, own):
    _build(world, specs)
    manager = world["users"][0]
    actor = rights.Actor(manager.id, manager.name, frozenset(Action), Scope.OWN,
                         team=frozenset({manager.id}))
    rights.act_as(actor if own else rights.administrator())
    scope = ReportScope(world["pipeline"].id, PERIOD)
    assert funnel(scope) == _direct(funnel, scope, monkeypatch)
    assert stage_time(scope) == _direct(stage_time, scope, monkeypatch)
    assert forecast(scope) == _direct(forecast, scope, monkeypatch)


def test_on_sqlite_the_keys_present_narrow_the_query_without_changing_it(db):
    pipeline = make_pipeline("Продажи")
    stage = make_stage(pipeline, "New", 1)
    for currency, reached in (("RUB", 1), ("EUR", 1), ("RUB", 3), ("USD", 2)):
        make_deal("Deal", stage=stage, currency=currency, reached_order=reached,
                  created_at=START)
    keys = [Deal.stage, Deal.reached_order, Deal.currency]
    conditions = dialect.present_keys(Deal, {Deal.pipeline: pipeline.id}, keys)
    assert len(conditions) == 3  # one per key
    present = [
        sorted(dialect.tuples(Deal.select(key).where(condition).distinct()))
        for key, condition in zip(keys, conditions, strict=True)
    ]
    assert present[1:] == [[(1,), (2,), (3,)], [("EUR",), ("RUB",), ("USD",)]]
