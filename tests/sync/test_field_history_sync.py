"""Field history between replicas and the server: a replica's entries travel once, with the change
they describe, as its own login's user and device; applying a change (pushed on the server, pulled
on a replica) writes no second entry; forged or edited entries are refused and kept aside."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from desktop_crm.models import FieldChange, credentials
from desktop_crm.models.sync_meta import device_id
from desktop_crm.services.sales import deals
from desktop_crm.services.system import history, rights
from tests.sync.helpers import new_replica, use
from tests.sync.rights_world import PASSWORD, World, build, connected, drop_logins

pytestmark = pytest.mark.postgres


@pytest.fixture
def world(server_url: str) -> Iterator[World]:
    built = build(server_url)
    yield built
    drop_logins(built, server_url)


def _replica(world: World, tmp_path, name: str):
    url = world.bare_url_of("mgr_a")
    credentials.remember_password(url, PASSWORD)
    replica = new_replica(tmp_path / f"{name}.db", url)
    replica.sync()
    return replica


def _server_titles(world: World) -> list[tuple]:
    with connected(world.url) as conn:
        return conn.execute(
            "SELECT old_value, new_value, user_id, device_id FROM field_change "
            "WHERE row_id = %s AND field = 'title' ORDER BY created_at",
            (world.rows["deal"]["a"],)).fetchall()


def test_a_replicas_history_travels_once_and_arrives_once(world, tmp_path):
    manager, deal_id = world.users["mgr_a"], world.rows["deal"]["a"]
    laptop = _replica(world, tmp_path, "laptop")
    phone = _replica(world, tmp_path, "phone")
    use(laptop)
    with rights.acting(rights.load_actor(manager)):
        deals.update_deal(deal_id, {"title": "Deal a, renamed"}, manager)
    result = laptop.sync()
    assert result.parked == 0
    laptop_device = device_id(laptop.db)
    assert _server_titles(world) == [("Deal", "Deal a", manager, None),  # made on the server
                                     ("Deal a", "Deal a, renamed", manager, laptop_device)]

    use(phone)
    phone.sync()  # the deal's change and its entry arrive; applying them records nothing more
    assert phone.db.execute_sql("SELECT count(*) FROM _outbox").fetchone() == (0,)
    entries = [(r.old_value, r.new_value, r.device_id) for r in FieldChange.select().where(
        (FieldChange.row_id == deal_id) & (FieldChange.field == "title")).order_by(FieldChange.created_at)]
    assert entries == [("Deal", "Deal a", None), ("Deal a", "Deal a, renamed", laptop_device)]
    with rights.acting(rights.load_actor(manager)):
        page = history.record_history("deal", deal_id, field="title")
        assert [e.new_text for m in page.moments for e in m.entries] == ["Deal a, renamed", "Deal a"]
        deals.update_deal(deal_id, {"title": "Deal a, from the phone"}, manager)
    phone.sync()
    use(laptop)
    laptop.sync()
    assert len(_server_titles(world)) == 3
    assert FieldChange.select().where(FieldChange.row_id == deal_id,
                                      FieldChange.field == "title").count() == 3
    assert laptop.db.execute_sql("SELECT count(*) FROM _outbox").fetchone() == (0,)


def test_forged_and_edited_entries_are_refused(world, tmp_path):
    manager, deal_id = world.users["mgr_a"], world.rows["deal"]["a"]
    laptop = _replica(world, tmp_path, "laptop")
    use(laptop)
    common = {"entity": "deal", "row_id": deal_id, "field": "title", "action": uuid.uuid4()}
    FieldChange.create(user=world.users["mgr_b"], new_value="in someone else's name", **common)
    FieldChange.create(user=manager, device_id=uuid.uuid4(), new_value="from a device not mine",
                       **common)
    FieldChange.create(user=manager, entity="deal", row_id=world.rows["deal"]["b"], field="title",
                       action=uuid.uuid4(), new_value="about a deal I may not see")
    laptop.db.execute_sql("UPDATE field_change SET new_value = 'rewritten' WHERE id = ?",
                          (world.rows["field_change"]["a"].bytes,))
    FieldChange.create(user=manager, device_id=device_id(laptop.db), new_value="mine", **common)
    result = laptop.sync()
    assert (result.pushed, result.parked) == (1, 4)
    assert [row[1] for row in _server_titles(world)] == ["Deal a", "mine"]


def test_directly_on_postgresql_a_login_records_its_own_history(world):
    """The application connected straight to the server as a manager's login: the entry is written
    under the row security of that login, even where the setting hides history from managers."""
    from desktop_crm.models.db import open_database
    from desktop_crm.sync.server import _bound_proxy

    manager, deal_id = world.users["mgr_a"], world.rows["deal"]["a"]
    with _bound_proxy(world.url):
        history.VISIBLE_TO.set(history.USER_MANAGERS)
    db = open_database(world.url_of("mgr_a"))
    try:
        with rights.acting(rights.load_actor(manager)):
            deals.update_deal(deal_id, {"title": "Deal a, directly"}, manager)
            assert not history.may_see_history()
        assert FieldChange.select().where(FieldChange.row_id == deal_id).count() == 0  # hidden
    finally:
        db.close()
    assert _server_titles(world)[-1] == ("Deal a", "Deal a, directly", manager, None)
