"""A sales plan set on one computer reaches the server and another replica, with its progress."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from desktop_crm.models import SalesPlan, StageKind, User
from desktop_crm.services.reporting import plans
from tests.factories import make_deal, make_pipeline, make_stages
from tests.sync.helpers import admin, new_replica, use

pytestmark = pytest.mark.postgres


def test_a_plan_travels_to_the_server_and_another_replica(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    anna = User.create(name="Anna")
    pipeline = make_pipeline("Sales")
    won = next(s for s in make_stages(pipeline, ["New"], won="Won") if s.kind == StageKind.WON)
    made = plans.save_plan(None, {"owner_id": anna.id, "period_kind": "quarter",
                                  "period_start": dt.date(2026, 5, 5), "metric": "amount",
                                  "target": "9000.50", "currency": "EUR",
                                  "pipeline_id": pipeline.id})
    make_deal("Big one", stage=won, responsible=anna, amount=Decimal("4500.25"), currency="EUR",
              closed_at=dt.datetime(2026, 6, 1, 12))
    a.sync()
    with admin(server_url) as conn:
        row = conn.execute("SELECT owner_id, period_kind, period_start, target, currency "
                           "FROM sales_plan WHERE id = %s", (made.id,)).fetchone()
        assert row == (anna.id, "quarter", dt.date(2026, 4, 1), 900050, "EUR")
    b = new_replica(tmp_path / "b.db", server_url)
    b.sync()
    use(b)
    assert SalesPlan.select().count() == 1
    [there] = plans.plans("quarter", dt.date(2026, 4, 1))
    assert there.target == Decimal("9000.50") and there.pipeline_id == pipeline.id
    assert plans.progress(there, dt.date(2026, 6, 30)).percent == Decimal("50.0")
