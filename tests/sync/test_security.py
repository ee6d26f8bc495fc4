"""Row-level security keyed on session_user: one PostgreSQL login per person (sync.md §2.13)."""

from __future__ import annotations

import uuid
from urllib.parse import urlparse, urlunparse

import pytest

from desktop_crm.models import Deal, Pipeline, Role, Stage, User, credentials
from desktop_crm.sync import security
from desktop_crm.sync.server import connect
from tests.sync.helpers import admin, new_replica, use

pytestmark = pytest.mark.postgres


def as_login(url, login):
    parsed = urlparse(url)
    return urlunparse(parsed._replace(netloc=f"{login}@{parsed.hostname}:{parsed.port}"))


@pytest.fixture
def world(server_url, tmp_path):
    """An office replica (the administrator) with four users, two teams and their deals."""
    office = new_replica(tmp_path / "office.db", server_url)
    use(office)
    boss = User.create(name="Boss")
    carla = User.create(name="Carla", head=boss, role=Role.HEAD)  # the head preset: scope team
    alice = User.create(name="Alice", head=carla)  # Carla's team: Carla and Alice
    bob = User.create(name="Bob")
    pipeline = Pipeline.create(name="P")
    stage = Stage.create(pipeline=pipeline, name="S")
    deals = {
        who.name: Deal.create(title=f"{who.name}'s deal", pipeline=pipeline, stage=stage,
                              responsible=who)
        for who in (alice, carla, bob)
    }
    Deal.create(title="Unassigned", pipeline=pipeline, stage=stage)
    office.sync()
    suffix = uuid.uuid4().hex[:6]
    logins = {}
    with admin(server_url) as conn:
        for user, scope in ((alice, "own"), (carla, "team"), (bob, "own")):
            login = f"{user.name.lower()}_{suffix}"
            security.add_login(conn, login, "s3cret", user.id, scope)
            logins[user.name] = login
    yield {"office": office, "logins": logins, "deals": deals, "stage": stage, "users":
           {"alice": alice, "bob": bob, "carla": carla}, "pipeline": pipeline}
    with admin(server_url) as conn:
        for login in logins.values():
            conn.execute(f'DROP OWNED BY "{login}"')
            conn.execute(f'DROP ROLE IF EXISTS "{login}"')


def titles(conn):
    return sorted(r[0] for r in conn.execute("SELECT title FROM deal").fetchall())


def test_each_login_sees_only_its_scope(server_url, world):
    with connect(as_login(server_url, world["logins"]["Alice"])) as conn:
        assert titles(conn) == ["Alice's deal", "Unassigned"]
    with connect(as_login(server_url, world["logins"]["Carla"])) as conn:  # team scope
        assert titles(conn) == ["Alice's deal", "Carla's deal", "Unassigned"]
    with connect(as_login(server_url, world["logins"]["Bob"])) as conn:
        assert titles(conn) == ["Bob's deal", "Unassigned"]


def test_a_login_cannot_write_rows_outside_its_scope_nor_escape_by_a_setting(server_url, world):
    from desktop_crm._drivers import load_psycopg

    errors = load_psycopg().errors
    bob_deal = world["deals"]["Bob"].id
    with connect(as_login(server_url, world["logins"]["Alice"])) as conn:
        conn.autocommit = True
        # a GUC the client controls changes nothing
        conn.execute("SELECT set_config('app.user', 'bob', false)")
        assert conn.execute("UPDATE deal SET title = 'hijacked' WHERE id = %s", (bob_deal,)).rowcount == 0
        assert titles(conn) == ["Alice's deal", "Unassigned"]
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(  # the spoofed insert: a deal assigned to someone outside the scope
                "INSERT INTO deal (id, created_at, updated_at, _ver, _hlc, title, pipeline_id, "
                "stage_id, responsible_id, currency, amount, probability, lost_reason, comment, "
                "correct, missing_fields, board_rank, search_text) VALUES (%s, now(), now(), 0, 0, "
                "'spoof', %s, %s, %s, 'RUB', 0, 0, '', '', false, '[]', 0, '')",
                (uuid.uuid4(), world["pipeline"].id, world["stage"].id, world["users"]["bob"].id),
            )
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("DELETE FROM deal WHERE id = %s", (bob_deal,))
        with pytest.raises(errors.InsufficientPrivilege, match="not a device"):
            conn.execute(  # claiming another device's origin
                "UPDATE deal SET title = 'x', _hlc = 1, _origin = %s, _fv = '{}' WHERE title = "
                "'Unassigned'", (world["office"].device,),
            )
    with admin(server_url) as conn:
        assert conn.execute("SELECT title FROM deal WHERE id = %s", (bob_deal,)).fetchone() == (
            "Bob's deal",)


def test_a_replica_of_a_sales_login_downloads_its_scope_and_parks_what_it_may_not_write(
    server_url, world, tmp_path
):
    url = as_login(server_url, world["logins"]["Alice"])
    credentials.remember_password(url, "s3cret")  # the tests' in-memory keyring
    assert credentials.stored_password(url) == "s3cret"
    laptop = new_replica(tmp_path / "alice.db", url)
    result = laptop.sync()
    assert result.bootstrapped
    use(laptop)
    assert sorted(d.title for d in Deal.select()) == ["Alice's deal", "Unassigned"]
    assert User.select().count() == 4  # shared rows stay visible: references never dangle
    assert laptop.db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    Deal.create(title="For Bob", pipeline=world["pipeline"].id, stage=world["stage"].id,
                responsible=world["users"]["bob"].id)
    Deal.update(title="Alice's bigger deal").where(Deal.title == "Alice's deal").execute()
    result = laptop.sync()
    assert (result.pushed, result.parked) == (1, 1)
    (error,) = laptop.db.execute_sql("SELECT error FROM _outbox_parked").fetchone()
    assert "row-level security" in error
    with admin(server_url) as conn:
        assert "For Bob" not in titles(conn)
        assert "Alice's bigger deal" in titles(conn)


def test_tls_defaults_and_no_password_in_urls():
    assert credentials.default_sslmode("postgresql://a@db.example.com/crm") == "verify-full"
    assert credentials.default_sslmode("postgresql://a@127.0.0.1/crm") == "prefer"
    url, _kwargs = credentials.conninfo("postgresql://a@db.example.com/crm?sslmode=require")
    assert "sslmode=require" in url
    assert credentials.strip_password("postgresql://a:pw@h:5432/crm") == "postgresql://a@h:5432/crm"


def test_a_row_that_leaves_a_scope_is_evicted_from_that_replica(server_url, world, tmp_path):
    from desktop_crm.models import DealLine

    office = world["office"]
    use(office)
    alice_deal = world["deals"]["Alice"]
    DealLine.create(deal=alice_deal.id, name="Line")
    office.sync()
    laptop = new_replica(tmp_path / "carla.db", as_login(server_url, world["logins"]["Carla"]))
    laptop.sync()
    use(laptop)
    assert Deal.select().where(Deal.id == alice_deal.id).count() == 1
    Deal.update(comment="carla was here").where(Deal.id == alice_deal.id).execute()  # pending
    use(office)
    Deal.update(responsible=world["users"]["bob"].id).where(Deal.id == alice_deal.id).execute()
    office.sync()
    laptop.sync()
    use(laptop)
    assert Deal.select().where(Deal.id == alice_deal.id).count() == 0
    assert DealLine.select().count() == 0
    assert laptop.db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    (error,) = laptop.db.execute_sql("SELECT error FROM _outbox_parked").fetchone()
    assert "not visible" in error  # carla's pending edit is kept aside, not lost


def test_conflicts_are_visible_only_to_logins_that_see_the_row(server_url, world):
    from desktop_crm.ids import uuid7

    bob_deal = world["deals"]["Bob"].id
    with admin(server_url) as conn:
        conn.execute(
            "INSERT INTO sync.conflict (id, tbl, row_id, field, kind, winner, loser) VALUES "
            "(%s, 'deal', %s, 'amount', 'field', '100', '200')", (uuid7(), bob_deal))
    with connect(as_login(server_url, world["logins"]["Alice"])) as conn:
        assert conn.execute("SELECT count(*) FROM sync.conflict").fetchone() == (0,)
    with connect(as_login(server_url, world["logins"]["Bob"])) as conn:
        assert conn.execute("SELECT count(*) FROM sync.conflict").fetchone() == (1,)
