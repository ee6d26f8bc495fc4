"""What each login may read and write on the server, table by table (issue 17, point 2).

Table-driven tests over every business table of the server: for each preset role and scope a login
reads a row of its own and a row of someone else, updates each (a no-op update still passes every
policy and trigger), tries to delete one, and inserts a copy of one. A table added without a rule
in ``policies`` or without a line in ``EXPECTED`` fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from desktop_crm.models.enums import Preset
from desktop_crm.models.people import PRESET_ACTIONS
from desktop_crm.sync import policies
from desktop_crm.sync.server import synced_server_tables
from tests.sync.rights_world import World, build, connected, drop_logins

pytestmark = pytest.mark.postgres

PERSONS = ("admin", "head", "mgr_a", "mgr_b", "acct")
SCOPED = "scoped"  # follows its deal/lead/quote/invoice: visible to the scope, writable when visible
PERSONAL = "personal"  # each person's own rows (notifications, own settings)
# table -> (kind, the rights of which one is needed for a no-op update of a row it sees)
EXPECTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "user": ("users", ("manage_users",)),
    "own_company": ("shared", ("change_settings",)),
    "pipeline": ("shared", ("change_settings",)),
    "stage": ("shared", ("change_settings",)),
    "product_group": ("shared", ("change_prices",)),
    "product": ("shared", ("change_prices",)),
    "access_role": ("shared", ("manage_users",)),
    "role_scope": ("shared", ("manage_users",)),
    "company": ("shared", ("edit",)),
    "contact": ("shared", ("edit",)),
    "duplicate_dismissal": ("shared", ()),
    "number_sequence": ("shared", ()),
    "lead": (SCOPED, ("edit",)),
    "deal": (SCOPED, ("edit",)),
    "deal_line": (SCOPED, ("edit",)),
    "activity": (SCOPED, ()),
    "stage_change": (SCOPED, ()),
    "quote": (SCOPED, ("edit", "issue_documents")),
    "quote_line": (SCOPED, ()),
    "invoice": (SCOPED, ("edit", "issue_documents")),
    "invoice_line": (SCOPED, ()),
    "issued_paper": (SCOPED, ("issue_documents",)),
    "payment": (SCOPED, ("register_payments",)),
    "bank_statement": ("shared", ("register_payments",)),
    "bank_line": (SCOPED, ("register_payments",)),
    "document_file": (SCOPED, ()),
    "notification": (PERSONAL, ()),
    "setting": (PERSONAL, ()),
    "mail_account": (PERSONAL, ()),
    "mail_message": (SCOPED, ()),
    "mail_attachment": (SCOPED, ()),
    "sales_plan": ("plan", ("change_settings",)),
    "custom_field": ("shared", ("change_settings",)),
    "custom_value": (SCOPED, ("edit",)),
    "field_change": ("history", ()),  # append-only: read with its record, never updated
    "automation_rule": ("shared", ("change_settings",)),
    "automation_run": (SCOPED, ("edit",)),  # a robot's run on a deal one may change
}
PRESETS = {"admin": Preset.ADMIN, "head": Preset.HEAD, "mgr_a": Preset.MANAGER,
           "mgr_b": Preset.MANAGER, "acct": Preset.ACCOUNTANT}
RIGHTS = {person: {str(a) for a in PRESET_ACTIONS[preset]} for person, preset in PRESETS.items()}
SEES_ROWS_OF = {"admin": {"a", "b"}, "head": {"a"}, "mgr_a": {"a"}, "mgr_b": {"b"},
                "acct": {"a", "b"}}


@pytest.fixture(scope="module")
def world(pg_server: str, sync_template: str) -> Iterator[World]:
    from tests.pg import _admin, create_database, drop_database

    url = create_database(pg_server, "rights_matrix")
    name = url.rsplit("/", 1)[1]
    _admin(pg_server, f'DROP DATABASE "{name}"')
    _admin(pg_server, f'CREATE DATABASE "{name}" TEMPLATE "{sync_template}"')
    built = build(url)
    yield built
    drop_logins(built, url)
    drop_database(pg_server, url)


def expected(table: str, person: str, who: str) -> tuple[bool, str]:
    """(visible, outcome of a no-op update: ok / hidden / refused) of row ``who`` for ``person``."""
    kind, needed = EXPECTED[table]
    may = not needed or bool(RIGHTS[person] & set(needed))
    if kind == "history":  # no login may update an entry, whether it sees it or not
        return who in SEES_ROWS_OF[person], "refused"
    if kind == "plan":  # a manager's plan: read by them, changed by their head or the settings
        if "change_settings" in RIGHTS[person] or (person, who) == ("head", "a"):
            return True, "ok"
        owner = {"a": "mgr_a", "b": "mgr_b"}[who]
        return (True, "refused") if person == owner else (False, "hidden")
    if kind == PERSONAL:
        if who == "business":  # a setting of the whole business
            return True, "ok" if "change_settings" in RIGHTS[person] else "refused"
        return who == person, "ok" if who == person else "hidden"
    if kind == "users":
        own = {"a": "mgr_a", "b": "mgr_b"}[who] == person
        return True, "ok" if own or may else "refused"
    if kind == "shared":
        return True, "ok" if may else "refused"
    if who not in SEES_ROWS_OF[person]:
        return False, "hidden"
    return True, "ok" if may else "refused"


def attempt_update(conn, table: str, row_id) -> str:
    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()
    try:
        with conn.transaction():
            count = conn.execute(f'UPDATE "{table}" SET id = id WHERE id = %s', (row_id,)).rowcount
            raise psycopg.Rollback()
    except psycopg.errors.InsufficientPrivilege:
        return "refused"
    return "ok" if count == 1 else "hidden"


def test_every_table_has_rules_and_forced_row_level_security(world):
    with connected(world.url) as conn:
        tables = synced_server_tables(conn)
        missing = [t for t in tables if t not in EXPECTED or policies.table_policies(t) is None]
        assert missing == [], f"tables without a rights rule: {missing}"
        flags = dict(conn.execute(
            "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class "
            "WHERE relnamespace = current_schema()::regnamespace AND relname = ANY(%s)", (tables,)
        ).fetchall())
        assert {t for t, on in flags.items() if not on} == set()
        policies_of = {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_policies WHERE schemaname = current_schema()").fetchall()}
        assert set(tables) <= policies_of


@pytest.mark.parametrize("person", PERSONS)
def test_what_each_login_reads_and_writes(world, person):
    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()
    failures = []
    with connected(world.url_of(person)) as conn:
        conn.autocommit = True
        for table in synced_server_tables(conn):
            rows = dict(world.rows.get(table, {}))
            if EXPECTED[table][0] == PERSONAL:  # one's own row and someone else's
                other = "mgr_b" if person != "mgr_b" else "mgr_a"
                rows = {k: v for k, v in rows.items() if k in (person, other, "business")}
            for who, row_id in rows.items():
                visible, outcome = expected(table, person, who)
                seen = conn.execute(f'SELECT count(*) FROM "{table}" WHERE id = %s', (row_id,)).fetchone()[0]
                got = attempt_update(conn, table, row_id)
                if (bool(seen), got) != (visible, outcome):
                    failures.append(f"{table}[{who}]: read {bool(seen)} (want {visible}), "
                                    f"update {got} (want {outcome})")
            if rows:
                row_id = next(iter(rows.values()))
                with pytest.raises(psycopg.errors.InsufficientPrivilege):  # rows are deleted softly
                    conn.execute(f'DELETE FROM "{table}" WHERE id = %s', (row_id,))
    assert failures == []


@pytest.mark.parametrize("person", PERSONS)
def test_a_login_cannot_widen_itself(world, person):
    from desktop_crm._drivers import load_psycopg

    errors = load_psycopg().errors
    with connected(world.url_of(person)) as conn:
        conn.autocommit = True
        # it reads its own mapping only, and cannot change it or add one
        logins = conn.execute("SELECT login, scope FROM sync.login").fetchall()
        assert [r[0] for r in logins] == [world.login(person)]
        for statement in ("UPDATE sync.login SET scope = 'all'",
                          f"INSERT INTO sync.login (login, user_id, scope) VALUES "
                          f"('{world.login(person)}x', '{world.users['admin']}', 'all')",
                          "DELETE FROM sync.login"):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
        # nor re-point a device or the server's bookkeeping
        for statement in ("UPDATE sync.number_series SET next_no = 1",
                          "DELETE FROM sync.number_series", "INSERT INTO sync.doc_unlocked (doc) "
                          "VALUES (gen_random_uuid())"):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)


def test_the_server_functions_are_definer_functions_with_a_fixed_search_path(world):
    with connected(world.url) as conn:
        rows = conn.execute(
            "SELECT p.proname, p.prosecdef, p.proconfig FROM pg_proc p "
            "WHERE p.pronamespace = 'sync'::regnamespace AND p.proname = ANY(%s)",
            ([re.sub(r"\(.*", "", f) for f in policies.FUNCTIONS],),
        ).fetchall()
        assert len(rows) == len(policies.FUNCTIONS)
        for name, definer, config in rows:
            assert definer, name
            assert config == ["search_path=pg_catalog, pg_temp"], name


# what a copy of row "a" must change to be a new row the table accepts (unique keys, numbering)
INSERT_CHANGES: dict[str, dict[str, object]] = {
    "number_sequence": {"year": 1999, "next_value": 1},
    "invoice": {"status": "draft", "sequence_number": None, "number": "", "year": None},
    # the first paper of a device series nobody numbered yet (the server checks series are gapless)
    "issued_paper": {"series": "X9", "sequence_number": 1, "number": "A-X9-1"},
    "access_role": {"preset": ""},
}
# tables whose new rows are checked against one right (or one of several), beside the scope
INSERT_RIGHTS: dict[str, tuple[str, ...]] = {
    "company": ("create",), "contact": ("create",), "lead": ("create",), "deal": ("create",),
    "deal_line": ("create",), "quote": ("issue_documents",), "invoice": ("create", "issue_documents"),
    "payment": ("register_payments",), "issued_paper": ("issue_documents",),
    "bank_line": ("register_payments",), "custom_value": ("edit",),
    "automation_run": ("edit",),  # a robot acted on a deal for a user who may change it
}
FROZEN_PARENT = {"quote_line", "invoice_line"}  # lines of a sent quote / an issued invoice


def expected_insert(table: str, person: str, who: str) -> bool:
    kind, needed = EXPECTED[table]
    if table in FROZEN_PARENT:
        return False
    if kind == "plan":
        return "change_settings" in RIGHTS[person] or (person, who) == ("head", "a")
    if kind == "history":  # only one's own entries (row "a" is mgr_a's, on mgr_a's deal)
        return person == "mgr_a"
    if kind == PERSONAL:
        return who == person or table == "notification" or "change_settings" in RIGHTS[person]
    if kind in ("shared", "users"):
        needed = INSERT_RIGHTS.get(table, needed)
        return not needed or bool(RIGHTS[person] & set(needed))
    if who not in SEES_ROWS_OF[person]:
        return False
    needed = INSERT_RIGHTS.get(table, ())
    return not needed or bool(RIGHTS[person] & set(needed))


@pytest.mark.parametrize("person", PERSONS)
def test_what_each_login_may_insert(world, person):
    """A copy of an existing row (new id) inserted as the login: allowed or refused per table."""
    import json
    import uuid

    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()
    failures = []
    with connected(world.url) as owner, connected(world.url_of(person)) as conn:
        conn.autocommit = True
        for table in synced_server_tables(owner):
            rows = world.rows.get(table, {})
            who = person if EXPECTED[table][0] == PERSONAL else "a"
            if who not in rows:
                continue
            (value,) = owner.execute(
                f'SELECT to_jsonb(t) FROM "{table}" t WHERE id = %s', (rows[who],)).fetchone()
            for meta in ("_ver", "_hlc", "_origin", "_fv", "_xid"):
                value.pop(meta, None)
            value.update(INSERT_CHANGES.get(table, {}), id=str(uuid.uuid4()))
            try:
                with conn.transaction():
                    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    conn.execute(f'INSERT INTO "{table}" SELECT * FROM jsonb_populate_record('
                                 f'NULL::"{table}", %s)', (json.dumps(value),))
                    raise psycopg.Rollback()
                got = True
            except (psycopg.errors.InsufficientPrivilege, psycopg.errors.CheckViolation):
                got = False
            want = expected_insert(table, person, who)
            if got != want:
                failures.append(f"{table}[{who}]: insert {'allowed' if got else 'refused'}")
    assert failures == []


def test_server_init_switches_jit_off_for_the_database(pg_url):
    from desktop_crm.sync.server import init_server

    init_server(pg_url)
    with connected(pg_url) as conn:
        assert conn.execute("SHOW jit").fetchone() == ("off",)


def test_an_issued_paper_never_changes_on_the_server(world):
    """An administrator's login may delete an issued paper but not change its number."""
    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()
    row_id = world.rows["issued_paper"]["a"]
    with connected(world.url_of("admin")) as conn:
        with pytest.raises(psycopg.Error) as refused, conn.transaction():
            conn.execute("UPDATE issued_paper SET number = 'X' WHERE id = %s", (row_id,))
        assert "cannot change" in str(refused.value)
        with conn.transaction():
            assert conn.execute("UPDATE issued_paper SET id = id WHERE id = %s", (row_id,)).rowcount == 1


def test_an_issued_paper_is_cancelled_once_with_a_reason_by_a_login_that_may_issue(world):
    """Cancelling is the one change of an issued paper the server lets through: once, with a
    reason, by a login whose role may issue and cancel documents."""
    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()
    row_id = world.rows["issued_paper"]["a"]
    cancel = ("UPDATE issued_paper SET cancelled_at = now(), cancel_reason = %s WHERE id = %s")
    with connected(world.url_of("admin")) as conn:
        with pytest.raises(psycopg.Error) as refused, conn.transaction():
            conn.execute(cancel, ("", row_id))  # no reason
        assert "cancelled once, with a reason" in str(refused.value)
        with pytest.raises(psycopg.Error) as refused, conn.transaction():
            conn.execute("UPDATE issued_paper SET cancelled_at = now(), cancel_reason = 'x', "
                         "frozen = '{}' WHERE id = %s", (row_id,))
        assert "cannot change" in str(refused.value)
        with conn.transaction():
            assert conn.execute(cancel, ("Ошибка", row_id)).rowcount == 1
        with pytest.raises(psycopg.Error) as refused, conn.transaction():
            conn.execute(cancel, ("Другая причина", row_id))  # a second time
        assert "cancelled once" in str(refused.value)
        with pytest.raises(psycopg.Error) as refused, conn.transaction():
            conn.execute("UPDATE issued_paper SET cancelled_at = NULL WHERE id = %s", (row_id,))
        assert "cancelled once" in str(refused.value)


def test_a_paper_counter_never_skips_the_papers_numbered_from_it(world):
    """Like an invoice counter: a login may not set a paper series' counter past the papers the
    server has numbered in it (the next paper would leave a gap)."""
    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()
    insert = ("INSERT INTO number_sequence (id, created_at, updated_at, _ver, _hlc, own_company_id, "
              "document_type, year, series, pattern, next_value) SELECT gen_random_uuid(), now(), "
              "now(), 0, 0, own_company_id, 'paper', year, 'act', '{seq}', %s FROM issued_paper "
              "WHERE id = %s")
    row_id = world.rows["issued_paper"]["a"]
    with connected(world.url_of("admin")) as conn:
        (issued,) = conn.execute("SELECT count(*) FROM issued_paper WHERE kind = 'act'").fetchone()
        with pytest.raises(psycopg.Error) as refused, conn.transaction():
            conn.execute(insert, (issued + 5, row_id))
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the check that runs at commit, now
        assert "skip numbers" in str(refused.value)
        with conn.transaction():
            assert conn.execute(insert, (issued + 1, row_id)).rowcount == 1
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            raise psycopg.Rollback()  # allowed; not kept
