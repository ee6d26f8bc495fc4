"""What each application login may read and write on the shared PostgreSQL (issue 17, point 2).

Functions (schema ``sync``, ``SECURITY DEFINER`` with a fixed ``search_path``; policies call them
as ``(SELECT …)`` so each is evaluated once per statement, never per row):

* ``is_app()`` — the session is an application login (a member of ``crm_user``, not a superuser).
  Everything else (the owner running ``server init``, maintenance) is not restricted here.
* ``my_user()`` — the CRM user ``sync.login`` maps this login to (``NULL``: unmapped).
* ``has_right(action)`` — the mapped user's role allows ``action`` (an ``Action`` value). Keyed on
  the user's access role (``access_role.actions``) when the rights tables exist, else on the old
  ``user.role`` enum mapped to the presets (admin, head, manager). An unmapped or inactive user has
  no right at all.
* ``scope_users(scope)`` — the responsible users a scope covers: ``NULL`` for ``all``, the user for
  ``own``, the user and the users whose head they are for ``team``.
* ``pipelines_in(scope)`` — the pipelines whose effective scope for this login is ``scope`` (the
  role's per-pipeline override from ``role_scope``, else the role's default scope).
* ``default_scope()`` — the role's default scope (leads and parties' timelines use it).

Row visibility (``SELECT`` and the rows an ``UPDATE`` may touch) follows RIGHTS_SPEC: deals by their
pipeline's scope, leads by the default scope, everything hanging off a deal, lead, quote or invoice
by its parent. Parties (contacts, companies), the catalog, pipelines, users and the own companies
stay readable by every login, so a visible row never references a row its replica cannot hold; a
party's *timeline* (comments, calls, tasks on a contact or company and not on a deal or lead)
follows the party's responsible under the default scope, and an entry is also visible to its own
author and assignee — the parties' visibility rule. A user's own settings and notifications are
theirs alone.

Writes: business-wide tables need the right that governs them (``change_settings`` for own companies,
business settings, pipelines and stages; ``change_prices`` for the catalog; ``manage_users`` for
users and roles). Actions on records (create, edit, delete, reopen, issue documents, register
payments) are checked by the ``sync.guard_row`` trigger; sent, accepted and issued documents are
frozen by ``sync.guard_document`` / ``sync.guard_document_line``; counters by
``sync.guard_counter``. Refusals raise ``insufficient_privilege`` or ``check_violation`` with a
hint ``desktop-crm:refused:<code>`` that the replica turns into a translated reason.
"""

from __future__ import annotations

from typing import Any

REFUSED_HINT = "desktop-crm:refused:"

ALL_ACTIONS = (
    "view", "create", "edit", "delete", "export", "import", "reopen", "issue_documents",
    "register_payments", "change_settings", "change_prices", "manage_users",
)
# the presets of RIGHTS_SPEC keyed on the old ``user.role`` enum, until the rights tables exist
LEGACY_PRESETS = {
    "admin": ALL_ACTIONS,
    "head": ("view", "create", "edit", "delete", "export", "import", "reopen", "issue_documents",
             "register_payments"),
    "sales": ("view", "create", "edit", "delete", "issue_documents"),
}

# business-wide tables: readable by every login, writable with this right
SHARED_BY_RIGHT = {
    "own_company": "change_settings",
    "pipeline": "change_settings",
    "stage": "change_settings",
    "product_group": "change_prices",
    "product": "change_prices",
    "access_role": "manage_users",
    "role_scope": "manage_users",
    "bank_statement": "register_payments",  # an imported statement's header (account, period, file)
    "custom_field": "change_settings",
    "automation_rule": "change_settings",  # robots and triggers are configured in Settings
}
# shared tables any login with the action may write (parties are the business's address book)
SHARED_BY_ACTION = {"company", "contact", "duplicate_dismissal"}
# children and the parent they follow: (column, parent table)
SCOPED_BY_PARENT = {
    "deal_line": [("deal_id", "deal")],
    "stage_change": [("deal_id", "deal")],
    "quote": [("deal_id", "deal")],
    "invoice": [("deal_id", "deal")],
    "issued_paper": [("deal_id", "deal")],
    "quote_line": [("quote_id", "quote")],
    "invoice_line": [("invoice_id", "invoice")],
    "payment": [("invoice_id", "invoice")],
    "mail_attachment": [("mail_message_id", "mail_message")],
    "automation_run": [("deal_id", "deal")],  # a robot's run on a deal: only on deals one may write
}
# user columns only a user manager may change (a login must never widen itself)
PRIVILEGED_USER_COLUMNS = ("role", "head_id", "access_role_id", "active", "login", "deleted_at")
# document columns frozen once a quote is sent or an invoice issued
FROZEN_DOCUMENT_COLUMNS = (
    "number", "own_company_id", "contact_id", "company_id", "deal_id", "currency", "vat_mode",
    "subtotal", "vat_total", "total", "buyer_snapshot", "issue_date", "sequence_number", "series",
    "year", "revision", "parent_id", "quote_id",
)
META = ("_ver", "_hlc", "_origin", "_fv", "_xid", "updated_at")
# what may change on an issued paper (акт, УПД, DDT…): its deletion and sync bookkeeping, and
# once (from not cancelled to cancelled) its cancellation
MUTABLE_PAPER_COLUMNS = (*META, "deleted_at")
PAPER_CANCEL_COLUMNS = ("cancelled_at", "cancelled_by_id", "cancel_reason")
_PAPER_FREE = list(MUTABLE_PAPER_COLUMNS + PAPER_CANCEL_COLUMNS)
GUARDED_TABLES = {  # tables whose writes the action trigger checks
    "deal", "lead", "contact", "company", "deal_line", "quote", "invoice", "payment", "activity",
    "stage_change", "document_file", "issued_paper", "bank_line", "automation_run",
}


def _has_right_body(schema: str, rights_tables: bool) -> str:
    if rights_tables:
        lookup = f"""
    SELECT r.actions INTO acts FROM sync.login l
      JOIN "{schema}"."user" u ON u.id = l.user_id
      JOIN "{schema}"."access_role" r ON r.id = u.access_role_id
     WHERE l.login = session_user AND u.deleted_at IS NULL AND u.active AND r.deleted_at IS NULL;
    RETURN acts IS NOT NULL AND action = ANY (string_to_array(acts, ','));"""
    else:
        cases = " ".join(
            f"WHEN '{role}' THEN ARRAY[{', '.join(repr(a) for a in actions)}]"
            for role, actions in LEGACY_PRESETS.items()
        )
        lookup = f"""
    SELECT u.role INTO acts FROM sync.login l JOIN "{schema}"."user" u ON u.id = l.user_id
     WHERE l.login = session_user AND u.deleted_at IS NULL AND u.active;
    RETURN acts IS NOT NULL AND action = ANY (CASE acts {cases} ELSE ARRAY[]::text[] END);"""
    return lookup


def _scope_sql(schema: str, rights_tables: bool) -> str:
    if rights_tables:
        default_scope = f"""
    SELECT r.scope FROM sync.login l
      JOIN "{schema}"."user" u ON u.id = l.user_id AND u.deleted_at IS NULL AND u.active
      JOIN "{schema}"."access_role" r ON r.id = u.access_role_id
     WHERE l.login = session_user"""
        pipelines = f"""
    SELECT coalesce(array_agg(p.id), ARRAY[]::uuid[]) FROM "{schema}"."pipeline" p
     WHERE coalesce((SELECT rs.scope FROM "{schema}"."role_scope" rs
                      JOIN "{schema}"."user" u ON u.access_role_id = rs.role_id
                     WHERE u.id = sync.my_user() AND rs.pipeline_id = p.id
                       AND rs.deleted_at IS NULL LIMIT 1), sync.default_scope()) = sc"""
    else:
        default_scope = f"""
    SELECT l.scope FROM sync.login l
      JOIN "{schema}"."user" u ON u.id = l.user_id AND u.deleted_at IS NULL AND u.active
     WHERE l.login = session_user"""
        pipelines = f"""
    SELECT CASE WHEN sync.default_scope() = sc
                THEN coalesce(array_agg(p.id), ARRAY[]::uuid[]) ELSE ARRAY[]::uuid[] END
      FROM "{schema}"."pipeline" p"""
    definer = "STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
    return f"""
CREATE OR REPLACE FUNCTION sync.is_app() RETURNS boolean LANGUAGE sql {definer} AS $$
    SELECT coalesce((SELECT NOT r.rolsuper AND pg_has_role(r.oid, 'crm_user', 'MEMBER')
                       FROM pg_roles r WHERE r.rolname = session_user), false)
$$;
CREATE OR REPLACE FUNCTION sync.my_user() RETURNS uuid LANGUAGE sql {definer} AS $$
    SELECT l.user_id FROM sync.login l WHERE l.login = session_user
$$;
CREATE OR REPLACE FUNCTION sync.default_scope() RETURNS text LANGUAGE sql {definer} AS $$
    {default_scope}
$$;
CREATE OR REPLACE FUNCTION sync.has_right(action text) RETURNS boolean LANGUAGE plpgsql {definer}
AS $body$
DECLARE
    acts text;
BEGIN
    IF NOT sync.is_app() THEN
        RETURN true;
    END IF;
    {_has_right_body(schema, rights_tables)}
END
$body$;
CREATE OR REPLACE FUNCTION sync.scope_users(sc text) RETURNS uuid[] LANGUAGE plpgsql {definer}
AS $body$
DECLARE
    me uuid := sync.my_user();
    result uuid[];
BEGIN
    IF NOT sync.is_app() OR sc = 'all' THEN
        RETURN NULL;
    END IF;
    IF me IS NULL OR sc IS NULL THEN
        RETURN ARRAY[]::uuid[];
    END IF;
    IF sc = 'own' THEN
        RETURN ARRAY[me];
    END IF;
    SELECT array_agg(u.id) INTO result FROM "{schema}"."user" u WHERE u.id = me OR u.head_id = me;
    RETURN coalesce(result, ARRAY[me]);
END
$body$;
CREATE OR REPLACE FUNCTION sync.pipelines_in(sc text) RETURNS uuid[] LANGUAGE sql {definer} AS $$
    {pipelines}
$$;
CREATE OR REPLACE FUNCTION sync.scope_for(pipeline uuid) RETURNS text LANGUAGE sql {definer} AS $$
    SELECT CASE WHEN NOT sync.is_app() THEN 'all'
                WHEN pipeline = ANY (sync.pipelines_in('all')) THEN 'all'
                WHEN pipeline = ANY (sync.pipelines_in('team')) THEN 'team'
                WHEN pipeline = ANY (sync.pipelines_in('own')) THEN 'own' END
$$;
-- kept for code that still asks for the login's default scope as the users it covers
CREATE OR REPLACE FUNCTION sync.my_scope() RETURNS uuid[] LANGUAGE sql {definer} AS $$
    SELECT sync.scope_users(sync.default_scope())
$$;
CREATE OR REPLACE FUNCTION sync.as_uuid(text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN $1 ~* '^[0-9a-f]{{8}}-?[0-9a-f]{{4}}-?[0-9a-f]{{4}}-?[0-9a-f]{{4}}-?[0-9a-f]{{12}}$'
                THEN $1::uuid END
$$;
"""


FUNCTIONS = ("is_app()", "my_user()", "default_scope()", "has_right(text)", "scope_users(text)",
             "pipelines_in(text)", "scope_for(uuid)", "my_scope()")


def _refuse(message: str, code: str, errcode: str = "insufficient_privilege") -> str:
    return (f"RAISE EXCEPTION {message} USING ERRCODE = '{errcode}', "
            f"HINT = '{REFUSED_HINT}{code}'")


_NEED_REFUSAL = _refuse(
    "'permission denied: the role of % lacks the right \"%\"', session_user, action", "right")

GUARDS_SQL = f"""
CREATE TABLE IF NOT EXISTS sync.doc_unlocked (
    doc uuid NOT NULL,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (doc, xid));

CREATE OR REPLACE FUNCTION sync.need(action text) RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $body$
BEGIN
    IF NOT sync.has_right(action) THEN
        {_NEED_REFUSAL};
    END IF;
END
$body$;

CREATE OR REPLACE FUNCTION sync.guard_row() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    newj jsonb;
    oldj jsonb;
BEGIN
    -- actions on records: create, edit, delete, reopen, issue documents, register payments
    IF NOT sync.is_app() THEN
        RETURN NEW;
    END IF;
    newj := to_jsonb(NEW);  -- after the check above: a bulk write by the owner never needs it
    IF TG_TABLE_NAME IN ('payment', 'bank_line') THEN
        PERFORM sync.need('register_payments');
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'issued_paper' THEN
        -- an issued paper (акт, УПД, DDT…) is written once, by whoever may issue documents
        PERFORM sync.need('issue_documents');
        IF TG_OP = 'UPDATE' AND newj -> 'deleted_at' IS DISTINCT FROM to_jsonb(OLD) -> 'deleted_at' THEN
            PERFORM sync.need('delete');
        END IF;
        IF TG_OP = 'UPDATE' AND (newj - ARRAY{_PAPER_FREE!r}::text[])
           IS DISTINCT FROM (to_jsonb(OLD) - ARRAY{_PAPER_FREE!r}::text[]) THEN
            {_refuse("'issued paper % cannot change', OLD.number", "document", "check_violation")};
        END IF;
        -- cancelling is the one change: once, from not cancelled to cancelled, with a reason
        IF TG_OP = 'UPDATE' AND (newj - ARRAY{list(MUTABLE_PAPER_COLUMNS)!r}::text[])
           IS DISTINCT FROM (to_jsonb(OLD) - ARRAY{list(MUTABLE_PAPER_COLUMNS)!r}::text[])
           AND (to_jsonb(OLD) ->> 'cancelled_at' IS NOT NULL OR newj ->> 'cancelled_at' IS NULL
                OR coalesce(newj ->> 'cancel_reason', '') = '') THEN
            {_refuse("'issued paper % cannot change: it can only be cancelled once, with a reason', "
                     "OLD.number", "document", "check_violation")};
        END IF;
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'automation_run' THEN
        -- a robot acted on a deal for its user: who may not edit deals pushes no runs
        PERFORM sync.need('edit');
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME IN ('activity', 'stage_change', 'document_file') THEN
        -- timeline entries and issued files: anyone who may see the record may add to it
        IF TG_OP = 'UPDATE' AND newj -> 'deleted_at' IS DISTINCT FROM 'null'::jsonb
           AND to_jsonb(OLD) -> 'deleted_at' = 'null'::jsonb THEN
            PERFORM sync.need('delete');
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF TG_TABLE_NAME IN ('quote', 'invoice') THEN
            IF NOT (sync.has_right('create') OR sync.has_right('issue_documents')) THEN
                PERFORM sync.need('create');
            END IF;
            IF NEW.status::text <> 'draft' THEN
                PERFORM sync.need('issue_documents');
            END IF;
        ELSE
            PERFORM sync.need('create');
        END IF;
        RETURN NEW;
    END IF;
    oldj := to_jsonb(OLD);
    IF newj -> 'deleted_at' IS DISTINCT FROM oldj -> 'deleted_at' THEN
        PERFORM sync.need('delete');
    END IF;
    IF TG_TABLE_NAME = 'deal' AND oldj ->> 'closed_at' IS NOT NULL AND newj ->> 'closed_at' IS NULL THEN
        PERFORM sync.need('reopen');
    END IF;
    IF TG_TABLE_NAME IN ('quote', 'invoice') THEN
        IF NEW.status IS DISTINCT FROM OLD.status THEN
            IF NEW.status::text IN ('partially_paid', 'paid')
               OR OLD.status::text IN ('partially_paid', 'paid') THEN
                PERFORM sync.need('register_payments');
            ELSE
                PERFORM sync.need('issue_documents');
            END IF;
            RETURN NEW;
        END IF;
        IF newj -> 'paid_amount' IS DISTINCT FROM oldj -> 'paid_amount' THEN
            PERFORM sync.need('register_payments');
            RETURN NEW;
        END IF;
        IF NOT (sync.has_right('edit') OR sync.has_right('issue_documents')) THEN
            PERFORM sync.need('edit');
        END IF;
        RETURN NEW;
    END IF;
    PERFORM sync.need('edit');
    RETURN NEW;
END
$body$;

CREATE OR REPLACE FUNCTION sync.guard_user() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    k text;
BEGIN
    -- a local sign-in password hash never lives on the server (logins have their own passwords)
    IF to_jsonb(NEW) ? 'password_hash' THEN
        NEW := jsonb_populate_record(NEW, jsonb_build_object('password_hash', ''));
    END IF;
    IF NOT sync.is_app() OR sync.has_right('manage_users') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM sync.need('manage_users');
    END IF;
    IF OLD.id IS DISTINCT FROM sync.my_user() THEN
        {_refuse("'permission denied: only a user manager may change user %', OLD.id", "users")};
    END IF;
    FOREACH k IN ARRAY ARRAY{list(PRIVILEGED_USER_COLUMNS)!r}::text[] LOOP
        IF to_jsonb(NEW) -> k IS DISTINCT FROM to_jsonb(OLD) -> k THEN
            {_refuse("'permission denied: only a user manager may change the % of a user', k",
                     "users")};
        END IF;
    END LOOP;
    RETURN NEW;
END
$body$;

CREATE OR REPLACE FUNCTION sync.doc_is_unlocked(doc uuid) RETURNS boolean LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM sync.doc_unlocked u
                    WHERE u.doc = $1 AND u.xid = pg_current_xact_id_if_assigned())
$$;

CREATE OR REPLACE FUNCTION sync.guard_document() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    k text;
    newj jsonb := to_jsonb(NEW);
    oldj jsonb;
BEGIN
    -- a sent/accepted quote, an issued invoice: only its status (and payments) may change; the
    -- transaction that sends or issues it may still complete it (lines, totals, number)
    IF NOT sync.is_app() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' OR OLD.status::text = 'draft' THEN
        IF NEW.status::text <> 'draft' THEN
            DELETE FROM sync.doc_unlocked u WHERE pg_xact_status(u.xid) = 'committed';
            INSERT INTO sync.doc_unlocked (doc) VALUES (NEW.id) ON CONFLICT DO NOTHING;
        END IF;
        RETURN NEW;
    END IF;
    IF sync.doc_is_unlocked(OLD.id) THEN
        RETURN NEW;
    END IF;
    IF NEW.status::text = 'draft' THEN
        {_refuse("'% % is % and cannot return to draft', TG_TABLE_NAME, OLD.number, OLD.status",
                 "document", "check_violation")};
    END IF;
    oldj := to_jsonb(OLD);
    FOREACH k IN ARRAY ARRAY{list(FROZEN_DOCUMENT_COLUMNS)!r}::text[] LOOP
        IF newj ? k AND newj -> k IS DISTINCT FROM oldj -> k THEN
            {_refuse("'% % is %: its % cannot change', TG_TABLE_NAME, OLD.number, OLD.status, k",
                     "document", "check_violation")};
        END IF;
    END LOOP;
    RETURN NEW;
END
$body$;

CREATE OR REPLACE FUNCTION sync.guard_document_line() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    doc uuid;
    st text;
    num text;
BEGIN
    IF NOT sync.is_app() OR (TG_OP = 'UPDATE' AND to_jsonb(NEW) - ARRAY{list(META)!r}
                                                 = to_jsonb(OLD) - ARRAY{list(META)!r}) THEN
        RETURN NEW;
    END IF;
    doc := CASE TG_TABLE_NAME WHEN 'quote_line' THEN (to_jsonb(NEW) ->> 'quote_id')::uuid
                              ELSE (to_jsonb(NEW) ->> 'invoice_id')::uuid END;
    FOR i IN 1..2 LOOP  -- the line's document now, and (an update) the one it belonged to
        IF TG_TABLE_NAME = 'quote_line' THEN
            EXECUTE format('SELECT status::text, number FROM %I.quote WHERE id = $1', TG_TABLE_SCHEMA)
                INTO st, num USING doc;
        ELSE
            EXECUTE format('SELECT status::text, number FROM %I.invoice WHERE id = $1', TG_TABLE_SCHEMA)
                INTO st, num USING doc;
        END IF;
        IF st IS NOT NULL AND st <> 'draft' AND NOT sync.doc_is_unlocked(doc) THEN
            {_refuse("'% % is %: its lines cannot change', "
                     "replace(TG_TABLE_NAME, '_line', ''), num, st", "document", "check_violation")};
        END IF;
        EXIT WHEN TG_OP = 'INSERT';
        doc := CASE TG_TABLE_NAME WHEN 'quote_line' THEN (to_jsonb(OLD) ->> 'quote_id')::uuid
                                  ELSE (to_jsonb(OLD) ->> 'invoice_id')::uuid END;
    END LOOP;
    RETURN NEW;
END
$body$;

CREATE OR REPLACE FUNCTION sync.guard_counter() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
BEGIN
    -- counters only advance as documents take numbers: never back (a reset repeats numbers),
    -- never re-keyed; the pattern is a setting
    IF NOT sync.is_app() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.next_value < OLD.next_value THEN
            {_refuse("'document counter % cannot go back from % to %', OLD.id, OLD.next_value, "
                     "NEW.next_value", "counter")};
        END IF;
        IF NEW.own_company_id IS DISTINCT FROM OLD.own_company_id
           OR NEW.document_type IS DISTINCT FROM OLD.document_type
           OR NEW.year IS DISTINCT FROM OLD.year OR NEW.series IS DISTINCT FROM OLD.series
           OR NEW.deleted_at IS DISTINCT FROM OLD.deleted_at THEN
            {_refuse("'document counter % cannot be re-keyed or deleted', OLD.id", "counter")};
        END IF;
        IF NEW.pattern IS DISTINCT FROM OLD.pattern THEN
            PERFORM sync.need('change_settings');
        END IF;
    ELSIF NEW.deleted_at IS NOT NULL THEN
        {_refuse("'document counter % cannot be deleted', NEW.id", "counter")};
    END IF;
    RETURN NEW;
END
$body$;

CREATE OR REPLACE FUNCTION sync.check_counter() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    issued int;
BEGIN
    -- at commit: an invoice or paper counter is never ahead of the documents numbered from it
    -- (skipping numbers would leave a gap in the series and stop every later issue)
    IF NOT sync.is_app() OR NEW.document_type::text NOT IN ('invoice', 'paper') THEN
        RETURN NULL;
    END IF;
    -- the server's own guard counter (sync.number_series, advanced by every numbered invoice or
    -- paper); not the documents themselves, which row-level security may hide from this login
    SELECT n.next_no - 1 INTO issued FROM sync.number_series n
     WHERE n.own_company_id = NEW.own_company_id AND n.doc_type = NEW.document_type::text
       AND n.series = NEW.series AND n.year = NEW.year;
    IF NEW.next_value > coalesce(issued, 0) + 1 THEN
        {_refuse("'document counter % cannot skip numbers (next % after %)', NEW.id, "
                 "NEW.next_value, coalesce(issued, 0)", "counter")};
    END IF;
    RETURN NULL;
END
$body$;
"""


def install_functions(conn: Any, schema: str, rights_tables: bool) -> None:
    conn.execute(_scope_sql(schema, rights_tables))
    conn.execute(GUARDS_SQL)
    for name in (*FUNCTIONS, "need(text)", "doc_is_unlocked(uuid)"):
        conn.execute(f"REVOKE ALL ON FUNCTION sync.{name} FROM PUBLIC")
        conn.execute(f"GRANT EXECUTE ON FUNCTION sync.{name} TO crm_user")
    conn.execute("REVOKE ALL ON sync.doc_unlocked FROM PUBLIC")


def _in_scope(column: str, scope_expr: str) -> str:
    return f"{column} = ANY ((SELECT sync.scope_users({scope_expr}))::uuid[])"


APP = "NOT (SELECT sync.is_app())"
DEFAULT_SCOPE = (
    "({c} IS NULL OR (SELECT sync.scope_users(sync.default_scope())) IS NULL "
    "OR {c} = ANY ((SELECT sync.scope_users(sync.default_scope()))::uuid[]))"
)


def deal_condition() -> str:
    return (
        f"({APP} OR responsible_id IS NULL "
        "OR pipeline_id = ANY ((SELECT sync.pipelines_in('all'))::uuid[]) "
        "OR (pipeline_id = ANY ((SELECT sync.pipelines_in('team'))::uuid[]) "
        "AND responsible_id = ANY ((SELECT sync.scope_users('team'))::uuid[])) "
        "OR (pipeline_id = ANY ((SELECT sync.pipelines_in('own'))::uuid[]) "
        "AND responsible_id = (SELECT sync.my_user())))"
    )


def _parent(column: str, parent: str) -> str:
    return f'EXISTS (SELECT 1 FROM "{parent}" p WHERE p.id = {column})'


def activity_condition(table_has_assignee: bool = True) -> str:
    # a party's timeline: the party's responsible under the default scope, and the entry's own
    # author and assignee (parties are readable by all, so no reference dangles either way)
    assignee = "assignee_id = (SELECT sync.my_user()) OR " if table_has_assignee else ""
    party = (
        f"(author_id = (SELECT sync.my_user()) OR {assignee}"
        "EXISTS (SELECT 1 FROM \"{t}\" p WHERE p.id = {c} AND "
        + DEFAULT_SCOPE.format(c="p.responsible_id") + "))"
    )
    return (
        f"({APP} OR CASE WHEN deal_id IS NOT NULL THEN {_parent('deal_id', 'deal')} "
        f"WHEN lead_id IS NOT NULL THEN {_parent('lead_id', 'lead')} "
        f"WHEN contact_id IS NOT NULL THEN {party.format(t='contact', c='contact_id')} "
        f"WHEN company_id IS NOT NULL THEN {party.format(t='company', c='company_id')} "
        f"ELSE {'true' if table_has_assignee else 'author_id = (SELECT sync.my_user())'} END)"
    )


def document_file_condition() -> str:
    return (
        f"({APP} OR CASE document_type::text "
        "WHEN 'quote' THEN EXISTS (SELECT 1 FROM quote q WHERE q.id = sync.as_uuid(document_id)) "
        "WHEN 'invoice' THEN EXISTS (SELECT 1 FROM invoice i WHERE i.id = sync.as_uuid(document_id)) "
        "WHEN 'paper' THEN EXISTS (SELECT 1 FROM issued_paper p WHERE p.id = sync.as_uuid(document_id)) "
        "ELSE true END)"
    )


def bank_line_condition() -> str:
    # a statement line matched to an invoice follows the invoice (and its payment); one waiting
    # for review names no invoice: only those who may register payments see it
    return (
        f"({APP} OR CASE WHEN invoice_id IS NULL THEN (SELECT sync.has_right('register_payments')) "
        f"ELSE {_parent('invoice_id', 'invoice')} AND "
        f"(payment_id IS NULL OR {_parent('payment_id', 'payment')}) END)"
    )


def sales_plan_policies() -> tuple[str, str, str]:
    # a plan is edited by whoever may change settings, and by a head: their team's plan (owned by
    # them, ``team``) and their people's; it is read also by its owner and their head's team
    may_edit = (
        "((SELECT sync.has_right('change_settings')) "
        "OR (team AND owner_id = (SELECT sync.my_user())) "
        "OR (NOT team AND EXISTS (SELECT 1 FROM \"user\" u WHERE u.id = owner_id "
        "AND u.head_id = (SELECT sync.my_user()))))"
    )
    read = (
        f"({APP} OR {may_edit} OR owner_id = (SELECT sync.my_user()) "
        "OR (team AND EXISTS (SELECT 1 FROM \"user\" u WHERE u.id = (SELECT sync.my_user()) "
        "AND u.head_id = owner_id)))"
    )
    return read, f"({APP} OR {may_edit})", f"({APP} OR {may_edit})"


def custom_value_conditions() -> tuple[str, str, str]:
    # a custom value follows its record: a deal's or a lead's is seen by whoever sees the record
    # (the record's own rules apply inside the subquery); a product's is changed by who may change
    # prices, any other by who may edit records
    record = (
        f"CASE entity WHEN 'deals' THEN {_parent('row_id', 'deal')} "
        f"WHEN 'leads' THEN {_parent('row_id', 'lead')} ELSE true END"
    )
    # ``entity`` must be its field's, or a value could escape its deal's rules under another name
    own_entity = ("EXISTS (SELECT 1 FROM custom_field f WHERE f.id = custom_value.field_id "
                  "AND f.entity = custom_value.entity)")
    write = (
        f"({APP} OR ({own_entity} AND CASE entity "
        "WHEN 'products' THEN (SELECT sync.has_right('change_prices')) "
        f"ELSE (SELECT sync.has_right('edit')) AND {record} END))"
    )
    return f"({APP} OR {record})", write, write


MINE = "user_id = (SELECT sync.my_user())"
JUST_WRITTEN = "_xid = pg_current_xact_id_if_assigned()"  # RETURNING of a row written for another


# field history (``field_change``): the records whose history it is, and the business setting that
# says who may see it (``services.system.history``: everyone who sees the record, those who may edit
# records, or those who manage users)
HISTORY_OWNERS = ("deal", "lead", "contact", "company", "product", "activity", "quote", "invoice")
APPEND_ONLY = {"field_change"}  # rows are inserted, never updated nor deleted


def field_change_policies() -> tuple[str, str, str]:
    owner = " ".join(f"WHEN '{t}' THEN {_parent('row_id', t)}" for t in HISTORY_OWNERS)
    owner_visible = f"(CASE entity {owner} ELSE false END)"
    setting = ("(SELECT s.value FROM setting s WHERE s.key = 'history.visible_to' "
               "AND s.user_id IS NULL AND s.deleted_at IS NULL LIMIT 1)")
    may_see = (
        f"(CASE coalesce({setting}, '\"everyone\"') "
        "WHEN '\"editors\"' THEN (SELECT sync.has_right('edit')) "
        "WHEN '\"user_managers\"' THEN (SELECT sync.has_right('manage_users')) "
        "ELSE (SELECT sync.has_right('view')) END)"
    )
    read = f"({APP} OR ({may_see} AND {owner_visible}))"
    # a login writes only its own entries, from one of its own devices (or none: a direct
    # connection), about a record it may see
    own_device = ("(device_id IS NULL OR EXISTS (SELECT 1 FROM sync.device d "
                  "WHERE d.device_id = field_change.device_id AND d.login = session_user))")
    insert = f"({APP} OR ({MINE} AND {own_device} AND {owner_visible}))"
    return read, insert, APP


def table_policies(table: str) -> tuple[str, str, str] | None:
    """``(read, insert check, update check)`` of a business table (the update also needs
    ``read`` for the rows it touches), or ``None`` for a table this module does not know."""
    right = SHARED_BY_RIGHT.get(table)
    if right is not None:
        may = f"(SELECT sync.has_right('{right}'))"
        return "true", may, may
    if table in SHARED_BY_ACTION or table == "number_sequence":
        return "true", "true", "true"  # actions and counters: triggers
    if table == "user":
        mine = f"({APP} OR id = (SELECT sync.my_user()) OR (SELECT sync.has_right('manage_users')))"
        return "true", "(SELECT sync.has_right('manage_users'))", mine
    if table == "setting":
        business = "(user_id IS NULL AND (SELECT sync.has_right('change_settings')))"
        read = f"({APP} OR user_id IS NULL OR {MINE})"
        return read, f"({APP} OR {business} OR {MINE})", f"({APP} OR {business} OR {MINE})"
    if table == "notification":
        read = f"({APP} OR {MINE} OR {JUST_WRITTEN})"
        return read, "true", f"({APP} OR {MINE})"
    if table == "deal":
        return deal_condition(), deal_condition(), deal_condition()
    if table == "lead":
        condition = f"({APP} OR {DEFAULT_SCOPE.format(c='responsible_id')})"
        return condition, condition, condition
    if table == "activity":
        return activity_condition(), activity_condition(), activity_condition()
    if table == "mail_message":  # a message is on the timeline of its deal, lead or party
        condition = activity_condition(table_has_assignee=False)
        return condition, condition, condition
    if table == "mail_account":  # each user's own mailbox (its password never reaches the server)
        mine = f"({APP} OR {MINE})"
        return mine, mine, mine
    if table == "sales_plan":
        return sales_plan_policies()
    if table == "custom_value":
        return custom_value_conditions()
    if table == "field_change":
        return field_change_policies()
    if table == "document_file":
        return document_file_condition(), document_file_condition(), document_file_condition()
    if table == "bank_line":
        return bank_line_condition(), bank_line_condition(), bank_line_condition()
    if table in SCOPED_BY_PARENT:
        parts = [f"({c} IS NULL OR {_parent(c, p)})" for c, p in SCOPED_BY_PARENT[table]]
        condition = " AND ".join(parts)
        return condition, condition, condition
    return None


def install_policies(conn: Any, table: str) -> bool:
    """Grants, policies and guard triggers of one business table; ``False`` when the table has no
    rule (it is then closed to application logins: no grant at all)."""
    policies = table_policies(table)
    for name in ("crm_scope", "crm_read", "crm_insert", "crm_update"):
        conn.execute(f'DROP POLICY IF EXISTS {name} ON "{table}"')
    conn.execute(f'REVOKE ALL ON "{table}" FROM crm_user')
    if policies is None:
        return False
    read, insert, update = policies
    writes = "INSERT" if table in APPEND_ONLY else "INSERT, UPDATE"
    conn.execute(f'GRANT SELECT, {writes} ON "{table}" TO crm_user')
    conn.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    conn.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    conn.execute(f'CREATE POLICY crm_read ON "{table}" FOR SELECT USING ({read})')
    conn.execute(f'CREATE POLICY crm_insert ON "{table}" FOR INSERT WITH CHECK ({insert})')
    conn.execute(f'CREATE POLICY crm_update ON "{table}" FOR UPDATE USING ({read}) WITH CHECK ({update})')
    triggers = {
        "_sync_guard_row": ("BEFORE INSERT OR UPDATE", "sync.guard_row()", table in GUARDED_TABLES),
        "_sync_guard_user": ("BEFORE INSERT OR UPDATE", "sync.guard_user()", table == "user"),
        "_sync_guard_document": ("BEFORE INSERT OR UPDATE", "sync.guard_document()",
                                 table in ("quote", "invoice")),
        "_sync_guard_line": ("BEFORE INSERT OR UPDATE", "sync.guard_document_line()",
                             table in ("quote_line", "invoice_line")),
        "_sync_guard_counter": ("BEFORE INSERT OR UPDATE", "sync.guard_counter()",
                                table == "number_sequence"),
    }
    for name, (when, function, wanted) in triggers.items():
        conn.execute(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
        if wanted:
            conn.execute(
                f'CREATE TRIGGER {name} {when} ON "{table}" FOR EACH ROW EXECUTE FUNCTION {function}'
            )
    conn.execute(f'DROP TRIGGER IF EXISTS _sync_check_counter ON "{table}"')
    if table == "number_sequence":
        conn.execute(
            f'CREATE CONSTRAINT TRIGGER _sync_check_counter AFTER INSERT OR UPDATE ON "{table}" '
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync.check_counter()"
        )
    return True
