"""Roles and row-level security on the shared PostgreSQL (sync.md §2.13).

* One PostgreSQL ``LOGIN`` role per person, member of ``crm_user`` (managers also ``crm_manager``);
  ``sync.login`` maps the login to its CRM user and a scope: ``own`` (rows where the user is
  responsible), ``team`` (the user, the people whose head they are, and their own head's team) or
  ``all``.
* Policies key on ``session_user`` through ``sync.my_scope()`` (``SECURITY DEFINER`` with a fixed
  ``search_path``, evaluated once per query as ``(SELECT sync.my_scope())``); never on a setting the
  client could change itself. ``FORCE ROW LEVEL SECURITY`` is on, so owners are not exempt either.
* Scoped tables: deals and leads by ``responsible_id`` (unassigned rows are visible to everyone), and
  everything hanging off them (lines, stage changes, activities, quotes, invoices, payments) through
  their parent. Parties, catalog and users are shared by the whole business, so a visible row never
  references a row its user cannot see (foreign keys stay intact on every replica).
* Application roles get ``SELECT, INSERT, UPDATE`` (no ``DELETE``: rows are deleted softly; only the
  administrator's purge deletes).
"""

from __future__ import annotations

from typing import Any

SCOPED_BY_OWNER = {"deal": "responsible_id", "lead": "responsible_id"}
SCOPED_BY_PARENT = {
    "deal_line": [("deal_id", "deal")],
    "stage_change": [("deal_id", "deal")],
    "activity": [("deal_id", "deal"), ("lead_id", "lead")],
    "quote": [("deal_id", "deal")],
    "invoice": [("deal_id", "deal")],
    "quote_line": [("quote_id", "quote")],
    "invoice_line": [("invoice_id", "invoice")],
    "payment": [("invoice_id", "invoice")],
}

ROLES_SQL = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crm_user') THEN
        CREATE ROLE crm_user NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crm_manager') THEN
        CREATE ROLE crm_manager NOLOGIN IN ROLE crm_user;
    END IF;
END
$$;
"""


VISIBILITY_SQL = """
CREATE TABLE IF NOT EXISTS sync.visibility (
    tbl text NOT NULL,
    row_id uuid NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    _xid xid8 NOT NULL DEFAULT pg_current_xact_id());
CREATE INDEX IF NOT EXISTS visibility_xid ON sync.visibility (_xid);
CREATE OR REPLACE FUNCTION sync.note_scope_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
BEGIN
    -- ids only: replicas that can no longer see the row learn to evict it (sync.md §2.8)
    INSERT INTO sync.visibility (tbl, row_id) VALUES (TG_TABLE_NAME, NEW.id);
    RETURN NULL;
END
$body$;
REVOKE ALL ON FUNCTION sync.note_scope_change() FROM PUBLIC;
"""


def _scope_function(schema: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION sync.my_scope() RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    me uuid;
    sc text;
    boss uuid;
    result uuid[];
BEGIN
    SELECT l.user_id, l.scope INTO me, sc FROM sync.login l WHERE l.login = session_user;
    IF NOT FOUND THEN
        -- an application login without a mapping sees no scoped rows; the owner/admin sees all
        IF pg_has_role(session_user, 'crm_user', 'MEMBER') THEN
            RETURN ARRAY[]::uuid[];
        END IF;
        RETURN NULL;
    END IF;
    IF sc = 'all' THEN
        RETURN NULL;
    END IF;
    IF sc = 'own' OR me IS NULL THEN
        RETURN ARRAY[me];
    END IF;
    SELECT u.head_id INTO boss FROM "{schema}"."user" u WHERE u.id = me;
    SELECT array_agg(u.id) INTO result FROM "{schema}"."user" u
     WHERE u.id = me OR u.head_id = me
        OR (boss IS NOT NULL AND (u.head_id = boss OR u.id = boss));
    RETURN coalesce(result, ARRAY[me]);
END
$body$;
REVOKE ALL ON FUNCTION sync.my_scope() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sync.my_scope() TO crm_user;
"""


def _policy_condition(table: str) -> str | None:
    if table in SCOPED_BY_OWNER:
        column = SCOPED_BY_OWNER[table]
        return (
            f"((SELECT sync.my_scope()) IS NULL OR {column} IS NULL "
            f"OR {column} = ANY ((SELECT sync.my_scope())::uuid[]))"
        )
    if table in SCOPED_BY_PARENT:
        parts = [
            f'({column} IS NULL OR EXISTS (SELECT 1 FROM "{parent}" p WHERE p.id = {column}))'
            for column, parent in SCOPED_BY_PARENT[table]
        ]
        return " AND ".join(parts)
    return None


def install(conn: Any, tables: list[str]) -> None:
    """Roles, grants and policies; idempotent (policies are dropped and re-created)."""
    (schema,) = conn.execute("SELECT current_schema()").fetchone()
    conn.execute(ROLES_SQL)
    conn.execute(_scope_function(schema))
    conn.execute(f'GRANT USAGE ON SCHEMA "{schema}", sync TO crm_user')
    conn.execute('GRANT SELECT ON "schema_version" TO crm_user')
    conn.execute(VISIBILITY_SQL)
    for table, column in SCOPED_BY_OWNER.items():
        if table in tables:
            conn.execute(f'DROP TRIGGER IF EXISTS _sync_scope_change ON "{table}"')
            conn.execute(
                f'CREATE TRIGGER _sync_scope_change AFTER UPDATE OF {column} ON "{table}" FOR EACH ROW '
                f"WHEN (OLD.{column} IS DISTINCT FROM NEW.{column}) "
                "EXECUTE FUNCTION sync.note_scope_change()"
            )
    for table in tables:
        conn.execute(f'GRANT SELECT, INSERT, UPDATE ON "{table}" TO crm_user')
        condition = _policy_condition(table)
        conn.execute(f'DROP POLICY IF EXISTS crm_scope ON "{table}"')
        if condition is None:
            conn.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
            continue
        conn.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        conn.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        conn.execute(
            f'CREATE POLICY crm_scope ON "{table}" USING ({condition}) WITH CHECK ({condition})'
        )
    conn.execute(
        "GRANT SELECT ON sync.schema_meta, sync.purged, sync.number_series, sync.visibility TO crm_user"
    )
    conn.execute("GRANT SELECT, INSERT, UPDATE ON sync.device, sync.conflict TO crm_user")
    conn.execute("GRANT SELECT, INSERT ON sync.push_log, sync.blob TO crm_user")
    conn.execute("GRANT SELECT ON sync.login TO crm_user")
    # conflicts carry field values: a login sees a conflict only when it can see the row itself
    (schema_name,) = conn.execute("SELECT current_schema()").fetchone()
    conn.execute(
        f"""CREATE OR REPLACE FUNCTION sync.row_visible(tbl text, row_id uuid) RETURNS boolean
        LANGUAGE plpgsql STABLE SET search_path = "{schema_name}", pg_temp AS $body$
        DECLARE
            found boolean;
        BEGIN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id = $1)', tbl)
                INTO found USING row_id;  -- runs with the caller's rights: RLS decides
            RETURN found;
        END
        $body$"""
    )
    conn.execute("ALTER TABLE sync.conflict ENABLE ROW LEVEL SECURITY")
    conn.execute("ALTER TABLE sync.conflict FORCE ROW LEVEL SECURITY")
    conn.execute("DROP POLICY IF EXISTS visible_rows ON sync.conflict")
    conn.execute(
        "CREATE POLICY visible_rows ON sync.conflict USING (NOT pg_has_role(session_user, "
        "'crm_user', 'MEMBER') OR sync.row_visible(tbl, row_id)) WITH CHECK (true)"
    )
    own_rows = {
        "device": "login = session_user",
        "push_log": "login = session_user",
        "login": "login = session_user",
    }
    for table, condition in own_rows.items():
        conn.execute(f"ALTER TABLE sync.{table} ENABLE ROW LEVEL SECURITY")
        conn.execute(f"ALTER TABLE sync.{table} FORCE ROW LEVEL SECURITY")
        conn.execute(f"DROP POLICY IF EXISTS own_rows ON sync.{table}")
        conn.execute(
            f"CREATE POLICY own_rows ON sync.{table} USING ({condition} "
            f"OR NOT pg_has_role(session_user, 'crm_user', 'MEMBER')) WITH CHECK ({condition} "
            f"OR NOT pg_has_role(session_user, 'crm_user', 'MEMBER'))"
        )


def add_login(
    conn: Any,
    login: str,
    password: str,
    user_id: Any,
    scope: str = "own",
    manager: bool = False,
) -> None:
    """Create (or update) one person's login role and its scope; run as an administrator."""
    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()
    ident = psycopg.sql.Identifier(login)
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    conn.execute(
        psycopg.sql.SQL("{} ROLE {} LOGIN PASSWORD {}").format(
            psycopg.sql.SQL(verb), ident, psycopg.sql.Literal(password)
        )
    )
    conn.execute(psycopg.sql.SQL("GRANT crm_user TO {}").format(ident))
    if manager:
        conn.execute(psycopg.sql.SQL("GRANT crm_manager TO {}").format(ident))
    conn.execute(
        "INSERT INTO sync.login (login, user_id, scope) VALUES (%s, %s, %s) "
        "ON CONFLICT (login) DO UPDATE SET user_id = excluded.user_id, scope = excluded.scope",
        (login, user_id, scope),
    )
