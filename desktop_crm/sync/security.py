"""Roles and row-level security on the shared PostgreSQL (sync.md §2.13, issue 17).

* One PostgreSQL ``LOGIN`` role per person, member of ``crm_user`` (managers also ``crm_manager``);
  ``sync.login`` maps the login to exactly one CRM user (and, until the rights tables exist, a
  scope ``own`` / ``team`` / ``all``). A login reads only its own mapping and cannot change it.
* Policies key on ``session_user`` through the functions of :mod:`desktop_crm.sync.policies`
  (``SECURITY DEFINER`` with a fixed ``search_path``, evaluated once per statement); never on a
  setting the client could change itself. ``FORCE ROW LEVEL SECURITY`` is on for **every**
  business table, so owners are not exempt either; a table without a rule gets no grant at all
  (``install`` returns it, and the tests fail on it).
* Application roles get ``SELECT, INSERT, UPDATE`` (no ``DELETE``: rows are deleted softly; only the
  administrator's purge deletes). What a login may write is decided by the policies and the guard
  triggers (rights of its role, frozen documents, counters).
* ``sync.refused`` keeps what a push was refused, with the reason, readable by the login that sent it.
* ``sync.visibility`` notes rows whose own columns moved them between scopes (a deal's responsible
  or pipeline); ``sync.rescope`` notes changes of who sees what for many rows at once (a user's
  role, team or mapping, a role's scope or per-pipeline scopes): a replica that pulls one re-checks
  the scoped rows it holds (evicting what it may no longer see) and downloads them again.
"""

from __future__ import annotations

from typing import Any

from desktop_crm.sync import policies

# a change of these columns can take the row out of (or into) a login's scope
SCOPE_COLUMNS: dict[str, tuple[str, ...]] = {
    "deal": ("responsible_id", "pipeline_id"),
    "lead": ("responsible_id",),
}

REFUSED_SQL = """
CREATE TABLE IF NOT EXISTS sync.refused (
    id bigserial PRIMARY KEY,
    device_id uuid NOT NULL,
    seq bigint NOT NULL,
    tbl text NOT NULL,
    row_id uuid,
    reason text NOT NULL,
    login text NOT NULL DEFAULT session_user,
    refused_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS refused_device ON sync.refused (device_id, seq);

-- who sees what changed for many rows at once (a role, its scopes, a team, a login's mapping):
-- replicas that pull one of these re-check what they hold and download what they may now see
CREATE TABLE IF NOT EXISTS sync.rescope (
    id bigserial PRIMARY KEY,
    changed_at timestamptz NOT NULL DEFAULT now(),
    _xid xid8 NOT NULL DEFAULT pg_current_xact_id());
CREATE INDEX IF NOT EXISTS rescope_xid ON sync.rescope (_xid);
CREATE OR REPLACE FUNCTION sync.note_rescope() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
BEGIN
    INSERT INTO sync.rescope DEFAULT VALUES;
    RETURN NULL;
END
$body$;
REVOKE ALL ON FUNCTION sync.note_rescope() FROM PUBLIC;
"""
# The policies' sub-plans make the planner's estimates large enough to switch on JIT compilation,
# which then costs far more than the query (0.7 s instead of 40 ms to count 40 000 timeline entries
# for a manager): a CRM's short queries never gain from it, so new sessions of this database skip it.
NO_JIT_SQL = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'jit stays on: only the database owner may switch it off';
END
$$;
"""
# (table, the statement that changes who sees what)
RESCOPE_TRIGGERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ('"user"', ("head_id", "access_role_id", "active", "deleted_at")),
    ('"access_role"', ("scope", "deleted_at")),
    ('"role_scope"', ("role_id", "pipeline_id", "scope", "deleted_at")),
    ("sync.login", ("user_id", "scope")),
)

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


def install(conn: Any, tables: list[str]) -> list[str]:
    """Roles, grants and policies; idempotent (policies are dropped and re-created). Returns the
    business tables no rule covers (closed to application logins)."""
    (schema,) = conn.execute("SELECT current_schema()").fetchone()
    conn.execute(ROLES_SQL)
    rights_tables = conn.execute(
        "SELECT to_regclass(format('%I.access_role', current_schema())) IS NOT NULL"
    ).fetchone()[0]
    policies.install_functions(conn, schema, bool(rights_tables))
    unguarded: list[str] = []
    conn.execute(f'GRANT USAGE ON SCHEMA "{schema}", sync TO crm_user')
    conn.execute('GRANT SELECT ON "schema_version" TO crm_user')
    conn.execute(VISIBILITY_SQL)
    conn.execute(REFUSED_SQL)
    conn.execute(NO_JIT_SQL)
    for table, columns in RESCOPE_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS _sync_rescope ON {table}")
        conn.execute(f"DROP TRIGGER IF EXISTS _sync_rescope_new ON {table}")
        if table.strip('"') not in tables and not table.startswith("sync."):
            continue
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        conn.execute(  # a real change of one of them, row by row (rare: an administrator's edit)
            f"CREATE TRIGGER _sync_rescope AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION sync.note_rescope()")
        if table == '"role_scope"':  # a new per-pipeline scope changes what the role sees
            conn.execute(f"CREATE TRIGGER _sync_rescope_new AFTER INSERT ON {table} "
                         "FOR EACH ROW EXECUTE FUNCTION sync.note_rescope()")
    for table, columns in SCOPE_COLUMNS.items():
        if table in tables:
            changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
            conn.execute(f'DROP TRIGGER IF EXISTS _sync_scope_change ON "{table}"')
            conn.execute(
                f'CREATE TRIGGER _sync_scope_change AFTER UPDATE OF {", ".join(columns)} ON "{table}" '
                f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION sync.note_scope_change()"
            )
    for table in tables:
        if not policies.install_policies(conn, table):
            unguarded.append(table)
    if "user" in tables:  # hashes a file copied to the server brought along (the trigger blanks them)
        conn.execute(
            """UPDATE "user" SET password_hash = '' WHERE to_jsonb("user") ->> 'password_hash' <> ''"""
        )
    conn.execute(
        "GRANT SELECT ON sync.schema_meta, sync.purged, sync.number_series, sync.visibility, "
        "sync.rescope TO crm_user"
    )
    conn.execute("GRANT SELECT, INSERT, UPDATE ON sync.device, sync.conflict TO crm_user")
    conn.execute("GRANT SELECT, INSERT ON sync.push_log, sync.blob, sync.refused TO crm_user")
    conn.execute("GRANT USAGE ON SEQUENCE sync.refused_id_seq TO crm_user")
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
        "CREATE POLICY visible_rows ON sync.conflict USING (NOT (SELECT sync.is_app()) "
        "OR sync.row_visible(tbl, row_id)) WITH CHECK (true)"
    )
    own_rows = {
        "device": "login = session_user",
        "push_log": "login = session_user",
        "login": "login = session_user",
        "refused": "login = session_user",
    }
    for table, condition in own_rows.items():
        conn.execute(f"ALTER TABLE sync.{table} ENABLE ROW LEVEL SECURITY")
        conn.execute(f"ALTER TABLE sync.{table} FORCE ROW LEVEL SECURITY")
        conn.execute(f"DROP POLICY IF EXISTS own_rows ON sync.{table}")
        conn.execute(
            f"CREATE POLICY own_rows ON sync.{table} USING ({condition} "
            f"OR NOT (SELECT sync.is_app())) WITH CHECK ({condition} OR NOT (SELECT sync.is_app()))"
        )
    _rescope_when_rules_change(conn, tables, bool(rights_tables))
    return unguarded


def _rescope_when_rules_change(conn: Any, tables: list[str], rights_tables: bool) -> None:
    """When this ``server init`` installed different read rules than the last one (an upgrade),
    every replica re-checks what it holds once: rows an older, wider rule let it download (others'
    notifications, files, notes) are evicted, rows a wider rule now shows are downloaded."""
    import hashlib

    rules = [str(rights_tables)] + [f"{t}:{policies.table_policies(t)}" for t in sorted(tables)]
    digest = hashlib.sha256("\n".join(rules).encode()).hexdigest()
    conn.execute("ALTER TABLE sync.schema_meta ADD COLUMN IF NOT EXISTS rules_hash text")
    row = conn.execute("SELECT rules_hash FROM sync.schema_meta WHERE id = 1").fetchone()
    if row is not None and row[0] != digest:
        if row[0] is not None or conn.execute("SELECT EXISTS (SELECT 1 FROM sync.device)").fetchone()[0]:
            conn.execute("INSERT INTO sync.rescope DEFAULT VALUES")
        conn.execute("UPDATE sync.schema_meta SET rules_hash = %s WHERE id = 1", (digest,))


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
