"""A small hand-made pipeline for the analytics tests (every figure in the tests is computed by
hand from the table below), built with ``tests.factories``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from desktop_crm.models import (
    Deal,
    Pipeline,
    ProductGroup,
    Stage,
    StageChange,
    StageKind,
    User,
)
from desktop_crm.services.reporting.analytics import Period, ReportScope
from desktop_crm.services.sales import rules
from tests.factories import make_deal, make_pipeline, make_product_group, make_stage, make_user

DAY = 86400
NOW = dt.datetime(2026, 3, 31, 12, 0)
PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def d(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@dataclass
class Sales:
    pipeline: Pipeline
    stages: dict[str, Stage]
    users: dict[str, User]
    groups: dict[str, ProductGroup]
    deals: dict[str, Deal]

    @property
    def scope(self) -> ReportScope:
        return ReportScope(self.pipeline.id, PERIOD)


@pytest.fixture
def sales(any_db: object) -> Sales:
    return build_sales()


@pytest.fixture
def sales_sqlite(db: object) -> Sales:
    return build_sales()


def build_sales() -> Sales:
    pipeline = make_pipeline("Продажи")
    spec = [
        ("New", StageKind.OPEN, 10, "10"),
        ("Proposal", StageKind.OPEN, 20, "40"),
        ("Negotiation", StageKind.OPEN, 30, "70"),
        ("Won", StageKind.WON, 40, "100"),
        ("Lost", StageKind.LOST, 50, "0"),
    ]
    stages = {name: make_stage(pipeline, name, order, kind, probability=p) for name, kind, order, p in spec}
    other = make_pipeline("Other", is_default=False)
    x_stage = make_stage(other, "X", 10)
    x2_stage = make_stage(other, "X2", 20)
    users = {name: make_user(name) for name in ("Anna", "Boris")}
    groups = {name: make_product_group(name) for name in ("Hardware", "Services")}
    deals: dict[str, Deal] = {}

    def deal(key: str, created: str, currency: str, amount: str, stage: str, **fields: object) -> Deal:
        fields.setdefault("pipeline", pipeline)
        row = make_deal(
            key,
            created_at=d(created),
            currency=currency,
            amount=amount,
            stage=stages[stage] if stage in stages else fields.pop("stage_row"),
            **fields,
        )
        deals[key] = row
        return row

    def move(key: str, from_stage: str | None, to_stage: str, at: str, days: int) -> None:
        StageChange.create(
            deal=deals[key],
            from_stage=stages[from_stage] if from_stage else None,
            to_stage=stages[to_stage],
            changed_at=d(at),
            seconds_in_previous=days * DAY,
        )

    anna, boris = users["Anna"], users["Boris"]
    hardware, services = groups["Hardware"], groups["Services"]
    #   deal  created     cur.   amount   now in       who    group     closed      reason
    #   D1    2026-01-05  RUB  1000.00   Won          Anna   Hardware  2026-02-01
    #   D2    2026-01-07  RUB  2000.00   Lost         Anna   Services  2026-01-15  Price
    #   D3    2026-02-01  EUR   500.00   Proposal     Boris  Hardware  open, expected 03-15
    #   D4    2026-02-10  RUB   300.00   New          Boris  –         open, expected 02-20
    #   D5    2026-01-20  RUB   700.50   Won          Boris  Services  2026-03-01
    #   D6    2026-03-05  RUB   100.00   Lost         –      –         2026-03-05  (none)
    #   D7    2025-12-20  RUB   400.00   Lost         Anna   –         2026-02-10  " Price "
    #   D10   2026-02-15  RUB   250.00   New          Anna   Hardware  open, expected 04-10
    #   D11   2026-03-10  RUB   333.33   Negotiation  Boris  –         open, expected 03-28
    #   D13   2025-11-01  EUR  1200.00   Won          Boris  Hardware  2026-03-20
    #   D8 is in the other pipeline, D9 is deleted.
    # reached_order (the furthest step, by sort_order: New 10, Proposal 20, Negotiation 30, Won 40;
    # lost is off the ladder), as services.stages keeps it and schema step 6 backfills it from the
    # current stage and the stages left: D1 40, D2 20 (lost from Proposal), D3 20, D4 10, D5 40,
    # D6 0 (created lost: no step), D7 30, D10 20 (back to New, still reached Proposal), D11 30,
    # D13 40 (skipped to Won), D8 20 (X2 of its own pipeline), D9 40.
    deal("D1", "2026-01-05 09:00", "RUB", "1000.00", "Won", responsible=anna,
         product_group=hardware, closed_at=d("2026-02-01 10:00"), correct=True, reached_order=40)
    move("D1", "New", "Proposal", "2026-01-10 09:00", 5)
    move("D1", "Proposal", "Negotiation", "2026-01-20 09:00", 10)
    move("D1", "Negotiation", "Won", "2026-02-01 10:00", 12)
    deal("D2", "2026-01-07 09:00", "RUB", "2000.00", "Lost", responsible=anna,
         product_group=services, closed_at=d("2026-01-15 10:00"), lost_reason="Price",
         reached_order=20)
    move("D2", "New", "Proposal", "2026-01-09 09:00", 2)
    move("D2", "Proposal", "Lost", "2026-01-15 10:00", 6)
    deal("D3", "2026-02-01 09:00", "EUR", "500.00", "Proposal", responsible=boris,
         product_group=hardware, expected_close_date=dt.date(2026, 3, 15), correct=True,
         last_interaction_at=d("2026-03-25 10:00"), reached_order=20)
    move("D3", "New", "Proposal", "2026-02-05 09:00", 4)
    deal("D4", "2026-02-10 09:00", "RUB", "300.00", "New", responsible=boris,
         expected_close_date=dt.date(2026, 2, 20), correct=False, reached_order=10)
    deal("D5", "2026-01-20 09:00", "RUB", "700.50", "Won", responsible=boris,
         product_group=services, closed_at=d("2026-03-01 09:00"), correct=True, reached_order=40)
    move("D5", "Negotiation", "Won", "2026-03-01 09:00", 40)
    deal("D6", "2026-03-05 09:00", "RUB", "100.00", "Lost", closed_at=d("2026-03-05 09:00"),
         reached_order=0)
    deal("D7", "2025-12-20 09:00", "RUB", "400.00", "Lost", responsible=anna,
         closed_at=d("2026-02-10 09:00"), lost_reason=" Price ", reached_order=30)
    move("D7", "New", "Proposal", "2025-12-28 09:00", 8)
    move("D7", "Proposal", "Negotiation", "2026-01-03 09:00", 6)
    move("D7", "Negotiation", "Lost", "2026-02-10 09:00", 38)
    deal("D10", "2026-02-15 09:00", "RUB", "250.00", "New", responsible=anna,
         product_group=hardware, expected_close_date=dt.date(2026, 4, 10), correct=True,
         last_interaction_at=d("2026-02-26 10:00"), reached_order=20)
    move("D10", "New", "Proposal", "2026-02-20 09:00", 5)
    move("D10", "Proposal", "New", "2026-02-25 09:00", 5)
    deal("D11", "2026-03-10 09:00", "RUB", "333.33", "Negotiation", responsible=boris,
         expected_close_date=dt.date(2026, 3, 28), correct=True,
         last_interaction_at=d("2026-03-30 10:00"), reached_order=30)
    deal("D13", "2025-11-01 09:00", "EUR", "1200.00", "Won", responsible=boris,
         product_group=hardware, closed_at=d("2026-03-20 09:00"), correct=True, reached_order=40)
    move("D13", "New", "Won", "2026-03-20 09:00", 139)
    # other pipeline: never counted
    deal("D8", "2026-01-15 09:00", "RUB", "900.00", "", stage_row=x2_stage, pipeline=other,
         responsible=anna, expected_close_date=dt.date(2026, 3, 1), reached_order=20)
    StageChange.create(deal=deals["D8"], from_stage=x_stage, to_stage=x2_stage,
                       changed_at=d("2026-01-20 09:00"), seconds_in_previous=3 * DAY)
    # deleted: never counted
    deal("D9", "2026-01-10 09:00", "RUB", "5000.00", "Won", responsible=anna,
         product_group=hardware, closed_at=d("2026-01-12 09:00"),
         expected_close_date=dt.date(2026, 3, 1), reached_order=40)
    move("D9", "New", "Won", "2026-01-12 09:00", 100)
    deals["D9"].soft_delete()
    rules.INACTIVITY_DAYS.set(30)
    return Sales(pipeline, stages, users, groups, deals)


