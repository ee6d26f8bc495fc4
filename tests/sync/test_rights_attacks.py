"""Each attack of issue 17 ("Where it stands"), as psql as the login and as a forged sync push from an
edited replica: the server refuses it, the rest of the push applies, the replica keeps the refused
changes aside with a translated reason, and ``desktop-crm check`` reports them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from desktop_crm.models import credentials
from tests.sync.helpers import new_replica
from tests.sync.rights_world import PASSWORD, World, build, connected, drop_logins

pytestmark = pytest.mark.postgres


@pytest.fixture
def world(server_url: str) -> Iterator[World]:
    built = build(server_url)
    yield built
    drop_logins(built, server_url)


def _errors():
    from desktop_crm._drivers import load_psycopg

    return load_psycopg().errors


def refused(conn, statement: str, params=()) -> str:
    """Run ``statement`` as the login; it must be refused. Returns the server's message."""
    errors = _errors()
    with pytest.raises((errors.InsufficientPrivilege, errors.CheckViolation)) as caught, \
            conn.transaction():
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred checks (counters) run now
        conn.execute(statement, params)
    return str(caught.value)


def allowed(conn, statement: str, params=()) -> int:
    """Run ``statement`` as the login in a transaction rolled back afterwards; returns its rowcount."""
    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()
    count = -1
    with conn.transaction():
        count = conn.execute(statement, params).rowcount
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred checks (counters) run now
        raise psycopg.Rollback()
    return count


def test_the_attacks_as_psql_are_refused(world):
    psql_attacks(world)


def psql_attacks(world: World) -> None:
    rows, users = world.rows, world.users
    with connected(world.url_of("mgr_a")) as conn:
        conn.autocommit = True
        # self-promotion to administrator, and a new admin user
        assert "user manager" in refused(
            conn, 'UPDATE "user" SET role = \'admin\' WHERE id = %s', (users["mgr_a"],))
        refused(conn, 'INSERT INTO "user" (id, created_at, updated_at, _ver, _hlc, name, email, '
                      "email_key, role, locale, active) VALUES (gen_random_uuid(), now(), now(), 0, 0, "
                      "'Evil', '', '', 'admin', '', true)")
        assert allowed(conn, 'UPDATE "user" SET name = \'Manager A.\' WHERE id = %s',
                       (users["mgr_a"],)) == 1  # one's own name is one's own
        # the bank account printed on everyone's invoices
        assert "row-level security" in refused(
            conn, "UPDATE own_company SET account = '40702810999999999999', bank_name = 'Evil'")
        # counters: reset, skip ahead, delete
        counter = rows["number_sequence"]["a"]
        assert "cannot go back" in refused(
            conn, "UPDATE number_sequence SET next_value = 1 WHERE id = %s", (counter,))
        assert "skip numbers" in refused(
            conn, "UPDATE number_sequence SET next_value = 100 WHERE id = %s", (counter,))
        refused(conn, "DELETE FROM number_sequence WHERE id = %s", (counter,))
        refused(conn, "UPDATE number_sequence SET deleted_at = now() WHERE id = %s", (counter,))
        # catalog prices, stages, settings of the business
        refused(conn, "UPDATE product SET price = 1")
        refused(conn, "UPDATE stage SET name = 'Won!', kind = 'won'")
        refused(conn, "INSERT INTO stage (id, created_at, updated_at, _ver, _hlc, pipeline_id, name, "
                      "sort_order, kind, probability, color, task_templates, required_fields, "
                      "requires_correct_deal) SELECT gen_random_uuid(), now(), now(), 0, 0, id, 'X', "
                      "9, 'open', 0, '#fff', '[]', '[]', false FROM pipeline LIMIT 1")
        refused(conn, "UPDATE setting SET value = '1' WHERE user_id IS NULL")
        refused(conn, "INSERT INTO setting (id, created_at, updated_at, _ver, _hlc, key, value) "
                      "VALUES (gen_random_uuid(), now(), now(), 0, 0, 'rules.inactivity_days', '1')")
        assert allowed(conn, "UPDATE setting SET value = '{\"w\": 2}' WHERE user_id = %s",
                       (users["mgr_a"],)) == 1
        # one's own sent quote: totals, lines, prices, buyer, seller, number, back to draft
        quote = rows["quote"]["a"]
        for change in ("total = 999999", "subtotal = 999999", "number = 'Q-1'",
                       "company_id = NULL", "own_company_id = NULL", "status = 'draft'"):
            refused(conn, f"UPDATE quote SET {change} WHERE id = %s", (quote,))
        assert "lines cannot change" in refused(
            conn, "UPDATE quote_line SET price = 99999, total_amount = 99999 WHERE quote_id = %s",
            (quote,))
        refused(conn, "INSERT INTO quote_line (id, created_at, updated_at, _ver, _hlc, quote_id, name, "
                      "quantity, unit, unit_code, price, discount_percent, vat_rate, line_order, "
                      "net_amount, vat_amount, total_amount) VALUES (gen_random_uuid(), now(), now(), "
                      "0, 0, %s, 'Extra', 1, '', '', 5000, 0, 0, 9, 5000, 0, 5000)", (quote,))
        assert allowed(conn, "UPDATE quote SET status = 'accepted' WHERE id = %s", (quote,)) == 1
        # an issued invoice: lines and buyer
        refused(conn, "UPDATE invoice_line SET price = 1 WHERE invoice_id = %s", (rows["invoice"]["a"],))
        refused(conn, "UPDATE invoice SET company_id = NULL WHERE id = %s", (rows["invoice"]["a"],))
        # others' issued files, notifications and comments on contacts and companies
        files = conn.execute("SELECT filename, content FROM document_file").fetchall()
        assert [f[0] for f in files] == ["quote-a.pdf"]
        assert conn.execute("SELECT title FROM notification").fetchall() == [("For mgr_a",)]
        assert allowed(conn, "UPDATE notification SET read_at = now() WHERE user_id <> %s",
                       (users["mgr_a"],)) == 0
        bodies = {r[0] for r in conn.execute("SELECT body FROM activity").fetchall()}
        assert bodies == {"On deal a", "Confidential note on contact a",
                          "Confidential note on company a"}
        assert conn.execute("SELECT count(*) FROM setting WHERE user_id IS NOT NULL").fetchone() == (1,)
        # one's own comment on someone else's contact: allowed, and visible to its author
        conn.execute("INSERT INTO activity (id, created_at, updated_at, _ver, _hlc, kind, subject, "
                     "body, status, author_id, client_answered, contact_id, payload) VALUES "
                     "(gen_random_uuid(), now(), now(), 0, 0, 'comment', '', 'Mine on b', 'done', "
                     "%s, false, %s, '{}') RETURNING id", (users["mgr_a"], rows["contact"]["b"]))
        refused(conn, "INSERT INTO activity (id, created_at, updated_at, _ver, _hlc, kind, subject, "
                      "body, status, author_id, client_answered, contact_id, payload) VALUES "
                      "(gen_random_uuid(), now(), now(), 0, 0, 'comment', '', 'Forged', 'done', "
                      "%s, false, %s, '{}')", (users["mgr_b"], rows["contact"]["b"]))
    with connected(world.url_of("head")) as conn:
        conn.autocommit = True
        # a head rewires head_id to widen the team (someone else's, or its own)
        assert "user manager" in refused(
            conn, 'UPDATE "user" SET head_id = %s WHERE id = %s', (users["head"], users["mgr_b"]))
        refused(conn, 'UPDATE "user" SET head_id = %s WHERE id = %s', (users["admin"], users["head"]))
        refused(conn, 'UPDATE "user" SET role = \'admin\' WHERE id = %s', (users["head"],))
        assert conn.execute("SELECT title FROM deal ORDER BY title").fetchall() == [("Deal a",)]
    with connected(world.url_of("admin")) as conn:
        conn.autocommit = True  # the administrator's role may do what the others may not
        assert allowed(conn, "UPDATE own_company SET bank_name = 'New bank'") == 2
        assert allowed(conn, 'UPDATE "user" SET head_id = %s WHERE id = %s',
                       (users["head"], users["mgr_b"])) == 1
        # …but not change a sent quote either
        refused(conn, "UPDATE quote SET total = 1 WHERE id = %s", (rows["quote"]["b"],))
    with connected(world.url) as conn:  # nothing of it reached the server
        assert conn.execute("SELECT count(*) FROM own_company WHERE bank_name = 'Evil'").fetchone() == (0,)
        assert conn.execute('SELECT role FROM "user" WHERE id = %s',
                            (users["mgr_a"],)).fetchone() == ("sales",)


def test_sending_a_quote_completes_it_in_the_same_transaction(world):
    """The transaction that sends a draft may still set its lines, totals and number; later ones not."""
    rows = world.rows
    with connected(world.url) as conn:
        conn.autocommit = True
        conn.execute("UPDATE quote SET status = 'draft' WHERE id = %s", (rows["quote"]["a"],))
    with connected(world.url_of("mgr_a")) as conn:
        conn.autocommit = True
        with conn.transaction():
            conn.execute("UPDATE quote SET status = 'sent', number = 'Q-7' WHERE id = %s",
                         (rows["quote"]["a"],))
            conn.execute("UPDATE quote_line SET price = 120 WHERE quote_id = %s", (rows["quote"]["a"],))
            conn.execute("UPDATE quote SET total = 120 WHERE id = %s", (rows["quote"]["a"],))
        refused(conn, "UPDATE quote_line SET price = 130 WHERE quote_id = %s", (rows["quote"]["a"],))


def forge(db, statement: str, params=()) -> None:
    """An edit made behind the application's back in the replica file (captured for the push)."""
    db.execute_sql(statement, params)


def test_the_attacks_as_a_forged_push_are_refused_and_the_rest_applies(world, tmp_path, qtbot, capsys):
    from desktop_crm.services.system import sync as sync_service
    from desktop_crm.services.system.integrity import run_checks

    url = world.bare_url_of("mgr_a")
    credentials.remember_password(url, PASSWORD)
    laptop = new_replica(tmp_path / "mgr_a.db", url)
    laptop.sync()
    db = laptop.db
    rows, users = world.rows, world.users
    # what the replica downloaded: nobody else's files, notifications, notes or own settings
    assert db.execute_sql("SELECT filename FROM document_file").fetchall() == [("quote-a.pdf",)]
    assert db.execute_sql("SELECT title FROM notification").fetchall() == [("For mgr_a",)]
    assert {r[0] for r in db.execute_sql("SELECT body FROM activity").fetchall()} == {
        "On deal a", "Confidential note on contact a", "Confidential note on company a"}
    assert db.execute_sql("SELECT count(*) FROM setting WHERE user_id IS NOT NULL").fetchone() == (1,)
    assert db.execute_sql("SELECT count(*) FROM deal").fetchone() == (1,)
    assert db.execute_sql("PRAGMA foreign_key_check").fetchall() == []

    def b(value):
        return value.bytes

    forge(db, 'UPDATE "user" SET role = \'admin\' WHERE id = ?', (b(users["mgr_a"]),))
    forge(db, "UPDATE own_company SET account = '40702810999999999999' WHERE id = ?",
          (b(rows["own_company"]["a"]),))
    forge(db, "UPDATE number_sequence SET next_value = 1 WHERE id = ?", (b(rows["number_sequence"]["a"]),))
    forge(db, "UPDATE product SET price = '1.00' WHERE id = ?", (b(rows["product"]["a"]),))
    forge(db, "UPDATE stage SET name = 'Won!' WHERE id = ?", (b(rows["stage"]["a"]),))
    forge(db, "UPDATE setting SET value = '1' WHERE id = ?", (b(rows["setting"]["business"]),))
    forge(db, "UPDATE quote SET total = '999999.00' WHERE id = ?", (b(rows["quote"]["a"]),))
    forge(db, "UPDATE quote_line SET price = '99999.00' WHERE id = ?", (b(rows["quote_line"]["a"]),))
    forge(db, 'UPDATE "user" SET head_id = ? WHERE id = ?', (b(users["mgr_a"]), b(users["mgr_b"])))
    forge(db, "UPDATE deal SET title = 'Deal a, renamed' WHERE id = ?", (b(rows["deal"]["a"]),))
    result = laptop.sync()
    assert (result.pushed, result.parked) == (1, 9)
    with connected(world.url) as conn:
        assert conn.execute("SELECT title FROM deal WHERE id = %s", (rows["deal"]["a"],)).fetchone() == (
            "Deal a, renamed",)
        assert conn.execute('SELECT role::text, head_id FROM "user" WHERE id = %s',
                            (users["mgr_a"],)).fetchone() == ("sales", users["head"])
        assert conn.execute("SELECT count(*) FROM own_company WHERE account LIKE '%%9999'").fetchone() == (0,)
        assert conn.execute("SELECT next_value FROM number_sequence WHERE id = %s",
                            (rows["number_sequence"]["a"],)).fetchone() == (3,)
        assert conn.execute("SELECT min(price) FROM product").fetchone()[0] > 1
        assert conn.execute("SELECT count(*) FROM stage WHERE name = 'Won!'").fetchone() == (0,)
        total = conn.execute("SELECT total FROM quote WHERE id = %s", (rows["quote"]["a"],)).fetchone()
        assert total == (10000,)  # minor units: unchanged
        assert conn.execute("SELECT head_id FROM \"user\" WHERE id = %s",
                            (users["mgr_b"],)).fetchone() == (None,)
    # the server keeps what it refused, readable by that login only
    with connected(world.url_of("mgr_a")) as conn:
        kept = conn.execute("SELECT tbl, reason FROM sync.refused ORDER BY seq").fetchall()
        assert sorted(t for t, _r in kept) == sorted(
            ["user", "own_company", "number_sequence", "product", "stage", "setting", "quote",
             "quote_line", "user"])
    with connected(world.url_of("mgr_b")) as conn:
        assert conn.execute("SELECT count(*) FROM sync.refused").fetchone() == (0,)
    # the replica shows them with a translated reason
    from desktop_crm.models import database

    database.initialize(db)
    reasons = {c.table: c.reason for c in sync_service.list_parked()}
    assert reasons["own_company"] == "Your role does not allow you to change settings."
    assert reasons["product"] == "Your role does not allow you to change catalog prices."
    assert "cannot be reset" in reasons["number_sequence"]
    assert "already sent or issued" in reasons["quote"]
    assert "already sent or issued" in reasons["quote_line"]
    assert "manage users" in reasons["user"]
    # the Refused changes dialog (Sync menu) shows the reasons, in the user's language
    from desktop_crm import i18n
    from desktop_crm.views.sync.parked import ParkedChangesDialog

    dialog = ParkedChangesDialog()
    qtbot.addWidget(dialog)
    shown = {dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())}
    assert "Your role does not allow you to change catalog prices." in shown
    i18n.set_language("ru")
    try:
        dialog.reload()
        shown = {dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())}
        assert "Ваша роль не позволяет: менять цены каталога." in shown
    finally:
        i18n.set_language("en")
    dialog.close()
    # and ``desktop-crm check`` does not say all is well
    outcomes = {o.key: o for o in run_checks(str(tmp_path / "mgr_a.db"))}
    refused_outcome = outcomes["refused_changes"]
    assert not refused_outcome.ok
    assert "refused 9 changes" in refused_outcome.message
    assert any(d == "own_company: Your role does not allow you to change settings."
               for d in refused_outcome.details)
    assert json.dumps(refused_outcome.as_dict())  # --json prints it
    from desktop_crm.cli import main

    database.initialize(db)
    assert main(["check", "--db", str(tmp_path / "mgr_a.db")]) == 1
    printed = capsys.readouterr().out
    assert "✗ Refused changes: The server refused 9 changes" in printed


def test_rights_follow_the_users_access_role_and_its_pipeline_scopes(world):
    import uuid

    from desktop_crm.models.enums import Preset
    from desktop_crm.models.people import PRESET_IDS

    rows, users = world.rows, world.users
    custom = uuid.uuid4()
    with connected(world.url) as conn:
        conn.autocommit = True
        conn.execute(
            "INSERT INTO access_role (id, created_at, updated_at, _ver, _hlc, name, preset, actions, "
            "scope) VALUES (%s, now(), now(), 0, 0, 'Pricing', '', 'change_prices,edit,view', 'own')",
            (custom,))
        conn.execute('UPDATE "user" SET access_role_id = %s WHERE id = %s', (custom, users["mgr_a"]))
        service_deal = conn.execute(
            "INSERT INTO deal (id, created_at, updated_at, _ver, _hlc, title, pipeline_id, stage_id, "
            "responsible_id, currency, amount, probability, lost_reason, comment, correct, "
            "missing_fields, board_rank, search_text) SELECT gen_random_uuid(), now(), now(), 0, 0, "
            "'Service deal b', %s, stage_id, responsible_id, 'RUB', 0, 0, '', '', false, '[]', 0, '' "
            "FROM deal WHERE id = %s RETURNING id", (world.service_pipeline, rows["deal"]["b"]),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO role_scope (id, created_at, updated_at, _ver, _hlc, role_id, pipeline_id, "
            "scope) VALUES (gen_random_uuid(), now(), now(), 0, 0, %s, %s, 'all')",
            (custom, world.service_pipeline))
        # a local sign-in hash never stays on the server
        conn.execute('UPDATE "user" SET password_hash = %s WHERE id = %s', ("argon2$x", users["acct"]))
        assert conn.execute('SELECT password_hash FROM "user" WHERE id = %s',
                            (users["acct"],)).fetchone() == ("",)
    with connected(world.url_of("mgr_a")) as conn:
        conn.autocommit = True
        assert allowed(conn, "UPDATE product SET price = 1") == 2  # the custom role may
        refused(conn, "UPDATE own_company SET bank_name = 'x'")
        refused(conn, "INSERT INTO lead (id, created_at, updated_at, _ver, _hlc, title) "
                      "VALUES (gen_random_uuid(), now(), now(), 0, 0, 'No create right')")
        assert conn.execute("SELECT sync.scope_for(%s), sync.scope_for(%s)",
                            (world.service_pipeline, rows["pipeline"]["a"])).fetchone() == ("all", "own")
        titles = {r[0] for r in conn.execute("SELECT title FROM deal").fetchall()}
        assert titles == {"Deal a", "Service deal b"}  # all in Service, own in Sales
        assert conn.execute("SELECT sync.my_user(), sync.has_right('change_prices'), "
                            "sync.has_right('change_settings')").fetchone() == (
            users["mgr_a"], True, False)
    with connected(world.url) as conn:  # back to the manager preset; a disabled user has no right
        conn.autocommit = True
        conn.execute('UPDATE "user" SET access_role_id = %s WHERE id = %s',
                     (PRESET_IDS[Preset.MANAGER], users["mgr_a"]))
        conn.execute('UPDATE "user" SET active = false WHERE id = %s', (users["mgr_b"],))
    with connected(world.url_of("mgr_a")) as conn:
        assert {r[0] for r in conn.execute("SELECT title FROM deal").fetchall()} == {"Deal a"}
        assert service_deal is not None
    with connected(world.url_of("mgr_b")) as conn:
        conn.autocommit = True
        assert allowed(conn, "UPDATE deal SET title = 'still here' WHERE id = %s",
                       (rows["deal"]["b"],)) == 0  # a disabled user sees nobody's records
        assert conn.execute("SELECT count(*) FROM deal WHERE responsible_id IS NOT NULL").fetchone() == (0,)
        refused(conn, "UPDATE contact SET comment = 'x'")


def test_an_unmapped_application_login_sees_no_ones_rows_and_may_do_nothing(world, server_url):
    from tests.sync.helpers import admin

    login = f"nobody_{world.suffix}"
    with admin(server_url) as conn:
        conn.execute(f"CREATE ROLE \"{login}\" LOGIN PASSWORD '{PASSWORD}' IN ROLE crm_user")
    try:
        url = world.url_of("admin").replace(world.login("admin"), login)
        with connected(url) as conn:
            conn.autocommit = True
            assert conn.execute("SELECT count(*) FROM deal").fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM notification").fetchone() == (0,)
            assert conn.execute("SELECT sync.my_user(), sync.has_right('view')").fetchone() == (None, False)
            refused(conn, "UPDATE contact SET comment = 'x'")
    finally:
        with admin(server_url) as conn:
            conn.execute(f'DROP ROLE "{login}"')


def test_a_refusal_in_direct_mode_is_a_clear_translated_message(world):
    from desktop_crm.errors import DatabaseRefused, classify
    from desktop_crm.sync.policies import REFUSED_HINT

    errors = _errors()
    with connected(world.url_of("mgr_a")) as conn:
        conn.autocommit = True
        caught = []
        for statement in ("UPDATE product SET price = 1",  # row-level security
                          "UPDATE number_sequence SET next_value = 0",  # a guard, with its hint
                          "UPDATE quote_line SET price = 1"):  # a frozen document (check_violation)
            try:
                conn.execute(statement)
            except (errors.InsufficientPrivilege, errors.CheckViolation) as error:
                caught.append(error)
        assert len(caught) == 3
        assert caught[1].diag.message_hint.startswith(REFUSED_HINT)
        for error in caught:
            kind = classify(error)
            assert isinstance(kind, DatabaseRefused)
            assert "The server refused this change" in kind.message


def test_a_change_of_team_reaches_the_heads_replica(world, tmp_path):
    """A team change is a change of who sees what for many rows at once: the head's replica evicts
    what it may no longer see and downloads the older rows it may now see."""
    from desktop_crm.models import database

    url = world.bare_url_of("head")
    credentials.remember_password(url, PASSWORD)
    laptop = new_replica(tmp_path / "head.db", url)
    laptop.sync()

    def held(table):
        return sorted(r[0] for r in laptop.db.execute_sql(f'SELECT title FROM "{table}"').fetchall())

    assert held("deal") == ["Deal a"]
    with connected(world.url) as conn:
        conn.autocommit = True
        conn.execute('UPDATE "user" SET head_id = NULL WHERE id = %s', (world.users["mgr_a"],))
        conn.execute('UPDATE "user" SET head_id = %s WHERE id = %s',
                     (world.users["head"], world.users["mgr_b"]))
    result = laptop.sync()
    assert held("deal") == ["Deal b"]
    quotes = laptop.db.execute_sql("SELECT number FROM quote").fetchall()
    assert quotes == [("Q-b",)]
    assert laptop.db.execute_sql("SELECT count(*) FROM quote_line").fetchone() == (1,)
    assert laptop.db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    assert result.pulled > 0
    database.initialize(laptop.db)


def test_direct_mode_work_of_a_manager_passes_the_servers_rules(world):
    direct_mode_work(world)


def direct_mode_work(world: World) -> None:
    """The application itself, connected directly as a manager's login, quotes and invoices its
    own deal through the services: numbering, freezing and the timeline all pass the server's rules;
    a payment (the manager preset may not register payments) is refused with a clear message."""
    from desktop_crm.errors import DatabaseRefused, classify
    from desktop_crm.models import database
    from desktop_crm.models.db import open_database
    from desktop_crm.services.billing import invoices, quotes

    previous = database.obj
    db = open_database(world.url_of("mgr_a"))
    try:
        deal = world.rows["deal"]["a"]
        user = world.users["mgr_a"]
        quote = quotes.create_from_deal(deal, user)
        sent = quotes.send(quote.id, user)
        assert sent.number
        quotes.accept(sent.id, user)
        invoice = quotes.to_invoice(sent.id, user)
        issued = invoices.issue(invoice.id, user)
        assert issued.number == "3"  # the series goes on after the two issued before
        with pytest.raises(Exception) as caught:
            invoices.register_payment(issued.id, "10.00", user=user)
        assert isinstance(classify(caught.value), DatabaseRefused)
    finally:
        db.close()
        database.initialize(previous)
    with connected(world.url) as conn:
        (next_value,) = conn.execute(
            "SELECT next_value FROM number_sequence WHERE id = %s",
            (world.rows["number_sequence"]["a"],)).fetchone()
        assert next_value == 4
        assert conn.execute("SELECT count(*) FROM payment").fetchone() == (2,)


@pytest.fixture
def owned_world(pg_server: str, sync_template: str) -> Iterator[World]:
    """The same business on a database owned by an ordinary login (no superuser), as on a managed
    PostgreSQL service: row-level security is forced on the owner too, so the server's own
    functions must never depend on rows a caller cannot see. (``sync_template``: the cluster's
    ``crm_user`` role exists already, made by the superuser, as an earlier ``server init`` left it.)"""
    import uuid
    from urllib.parse import urlparse, urlunparse

    from desktop_crm.sync.server import init_server
    from tests.pg import _admin, drop_database

    owner = f"owner_{uuid.uuid4().hex[:6]}"
    _admin(pg_server, f"CREATE ROLE \"{owner}\" LOGIN CREATEROLE PASSWORD '{PASSWORD}'")
    _admin(pg_server, f'CREATE DATABASE "{owner}" OWNER "{owner}"')
    parsed = urlparse(pg_server)
    url = urlunparse(parsed._replace(netloc=f"{owner}:{PASSWORD}@{parsed.hostname}:{parsed.port}",
                                     path=f"/{owner}"))
    init_server(url)
    built = build(url)
    yield built
    drop_logins(built, urlunparse(urlparse(pg_server)._replace(path=f"/{owner}")))
    drop_database(pg_server, url)
    _admin(pg_server, f'DROP ROLE "{owner}"')


def test_the_rules_hold_on_a_database_owned_by_an_ordinary_login(owned_world):
    psql_attacks(owned_world)
    direct_mode_work(owned_world)


def test_an_upgraded_server_makes_replicas_drop_what_older_rules_let_them_download(world, tmp_path):
    """Replicas made under the old, open rules hold others' notifications: the first ``server init``
    with new rules makes each of them re-check what it holds at its next sync."""
    from desktop_crm.models import database
    from desktop_crm.sync import capture
    from desktop_crm.sync.server import init_server

    url = world.bare_url_of("mgr_a")
    credentials.remember_password(url, PASSWORD)
    laptop = new_replica(tmp_path / "mgr_a.db", url)
    laptop.sync()
    with connected(world.url) as conn:
        (row,) = conn.execute("SELECT to_jsonb(n) FROM notification n WHERE id = %s",
                              (world.rows["notification"]["mgr_b"],)).fetchone()
    with laptop.db.atomic(), capture.applying(laptop.db):  # as an older server sent it
        laptop.db.execute_sql(
            "INSERT INTO notification (id, created_at, updated_at, _ver, _hlc, user_id, title, body, "
            "link_kind, link_id) VALUES (?, ?, ?, 1, 0, ?, ?, '', '', '')",
            (world.rows["notification"]["mgr_b"].bytes, row["created_at"], row["updated_at"],
             world.users["mgr_b"].bytes, row["title"]))
    assert laptop.db.execute_sql("SELECT count(*) FROM notification").fetchone() == (2,)
    laptop.sync()
    assert laptop.db.execute_sql("SELECT count(*) FROM notification").fetchone() == (2,)  # unnoticed
    with connected(world.url) as conn:
        conn.autocommit = True
        conn.execute("UPDATE sync.schema_meta SET rules_hash = 'the rules of an older version'")
    init_server(world.url)
    laptop.sync()
    assert laptop.db.execute_sql("SELECT title FROM notification").fetchall() == [("For mgr_a",)]
    with connected(world.url) as conn:
        before = conn.execute("SELECT count(*) FROM sync.rescope").fetchone()
    init_server(world.url)  # the same rules again: nothing to re-check
    with connected(world.url) as conn:
        assert conn.execute("SELECT count(*) FROM sync.rescope").fetchone() == before
    database.initialize(laptop.db)
