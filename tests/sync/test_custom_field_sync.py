"""Custom fields and their values travel between replicas; two computers filling fields of the
same record offline make one value row per field, merged column by column."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop_crm.entities import Entity
from desktop_crm.models import CustomValue
from desktop_crm.models.custom import value_id
from desktop_crm.services.system import custom_fields as cf
from desktop_crm.services.system import custom_values as cv
from tests.factories import make_deal, make_pipeline, make_stages
from tests.sync.helpers import admin, new_replica, use

pytestmark = pytest.mark.postgres


def test_fields_and_values_reach_another_replica_and_merge(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    pipeline = make_pipeline("Корпоративные продажи")
    deal = make_deal("Внедрение", stage=make_stages(pipeline, ["Квалификация"])[0])
    preset = {f.key: f for f in cf.add_sales_preset(pipeline.id)}
    cf.update_field(preset["competitors"].id, options=["SAP", "1С"])
    a.sync()
    b = new_replica(tmp_path / "b.db", server_url)
    b.sync()
    use(b)
    assert [f.key for f in cf.fields(Entity.DEALS)] == list(preset)
    # offline on both: B gives the budget and the competitors, A the need; one row each
    cv.set_values(Entity.DEALS, deal.id, {"budget": "500000", "competitors": ["1С"]})
    use(a)
    cv.set_values(Entity.DEALS, deal.id, {"need": "CRM на 50 мест", "competitors": ["SAP"]})
    a.sync()
    b.sync()
    a.sync()
    for replica in (a, b):
        use(replica)
        got = cv.values_by_key(Entity.DEALS, deal.id)
        assert got["budget"] == Decimal("500000.00") and got["need"] == "CRM на 50 мест"
        assert got["competitors"] in {("SAP",), ("1С",)}
    use(a)
    competitors = cv.values_by_key(Entity.DEALS, deal.id)["competitors"]
    use(b)
    assert cv.values_by_key(Entity.DEALS, deal.id)["competitors"] == competitors  # one winner
    assert CustomValue.select().count() == 3
    with admin(server_url) as conn:
        rows = conn.execute("SELECT id, number_value FROM custom_value WHERE number_value IS NOT NULL"
                            ).fetchall()
        assert rows == [(value_id(preset["budget"].id, deal.id), 5_000_000_000)]  # 4 places


def test_a_login_writes_custom_values_only_on_records_it_may_edit(server_url):
    import uuid

    from desktop_crm._drivers import load_psycopg
    from tests.sync.rights_world import build, connected, drop_logins

    errors = load_psycopg().errors
    world = build(server_url)
    try:
        field_b = world.rows["custom_field"]["b"]
        deal_a, deal_b = world.rows["deal"]["a"], world.rows["deal"]["b"]
        insert = ("INSERT INTO custom_value (id, created_at, updated_at, _ver, _hlc, field_id, entity, "
                  "row_id, text_value) VALUES (%s, now(), now(), 0, 0, %s, %s, %s, 'mine')")
        with connected(world.url_of("mgr_a")) as conn:
            conn.autocommit = True
            for entity, deal in (("deals", deal_b), ("contacts", deal_b)):  # another's deal, or
                with pytest.raises(errors.InsufficientPrivilege), conn.transaction():  # renamed
                    conn.execute(insert, (uuid.uuid4(), field_b, entity, deal))
            conn.execute(insert, (value_id(field_b, deal_a), field_b, "deals", deal_a))
            assert conn.execute("SELECT count(*) FROM custom_value WHERE row_id = %s",
                                (deal_b,)).fetchone() == (0,)  # not even seen
    finally:
        drop_logins(world, server_url)
