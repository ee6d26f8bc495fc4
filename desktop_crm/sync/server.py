"""The shared PostgreSQL: installing and upgrading the sync layer (``desktop-crm server init``).

The business tables on the server are the application's own tables, created and upgraded by the
same migrations as every other database (so direct-PostgreSQL users and replicas share one set of
tables). ``init_server`` then adds what sync needs, idempotently (run it again after every app
upgrade; it only adds what is missing and replaces functions and triggers):

* per synced table: ``_origin uuid``, ``_fv jsonb`` (per-field versions ``{f: {h, o, v}}``, a ``"*"``
  entry for fields unchanged since the insert), ``_xid xid8`` (the writer's transaction, for pull),
  an index on ``(_xid, id)``, the row-level stamp trigger and a statement-level ``NOTIFY``;
* schema ``sync``: ``schema_meta``, ``device``, ``push_log``, ``conflict``, ``purged``,
  ``number_series``, ``login`` (login → CRM user and scope), ``visibility``;
* roles ``crm_user`` / ``crm_manager`` (``NOLOGIN``), grants, and row-level security (``security``).

The stamp trigger is generic (it diffs ``to_jsonb(NEW)`` against ``to_jsonb(OLD)``) rather than
generated per table: a column added by a later migration is versioned at once without re-running
``server init`` (sync.md measured ~17 µs per updated row, irrelevant for sync-sized writes).
Every writer goes through it: pushes, direct-mode users and admin SQL. A writer that supplies
per-field HLC hints in ``_fv`` (the push) must name a device registered to its own login; any other
write is stamped with the server's clock and the login's "server origin".
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from desktop_crm import __version__
from desktop_crm.errors import CrmError
from desktop_crm.i18n import _, ngettext
from desktop_crm.sync import hlc as hlc_mod

log = logging.getLogger(__name__)

SYNC_PROTOCOL = 1
META_COLUMNS = ("_ver", "_hlc", "_origin", "_fv", "_xid")


class SyncError(CrmError):
    """Sync cannot run (server unreachable, refused, incompatible); the message is for the user."""


class PasswordNeeded(SyncError):
    """The server asks for a password that nothing supplied (no keyring, none typed or given)."""


class CertificateUntrusted(SyncError):
    """The server's certificate is not signed by a trusted authority (a self-signed office server:
    the setup wizard offers to pin it)."""


class CertificateChanged(SyncError):
    """The server presents another certificate than the one pinned for it: refused."""


def connection_error(url: str, error: BaseException) -> SyncError:
    """The :class:`SyncError` to show for a failed connection to ``url``: a clear sentence for
    what the user can act on (a password, a certificate), else the server's own words."""
    from desktop_crm.models.credentials import explain_connection_error, pinned_fingerprint

    message = explain_connection_error(url, error)
    text = str(error)
    if message is None:
        return SyncError(_("Cannot reach the server: {reason}").format(reason=" ".join(text.split())))
    if "no password supplied" in text:
        return PasswordNeeded(message)
    if "certificate verify failed" in text or "root certificate file" in text:
        return CertificateChanged(message) if pinned_fingerprint(url) else CertificateUntrusted(message)
    return SyncError(message)


class VersionRefused(SyncError):
    """This application is too old (or the server's schema too old) to sync; nothing was written."""


# The server marks its refusals of HLCs beyond the drift bound with this hint, so a client tells
# "your clock is off" (kept, retried once the clock is fixed) apart from a refusal for good (parked).
CLOCK_HINT = "desktop-crm:clock-drift"


def duration_text(ms: int) -> str:
    """``ms`` as a rounded amount of minutes, hours or days ("7 minutes", "3 hours", "1 day")."""
    minutes = max(1, round(abs(ms) / 60_000))
    if minutes < 120:
        return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
    hours = round(minutes / 60)
    if hours < 48:
        return ngettext("{n} hour", "{n} hours", hours).format(n=hours)
    days = round(hours / 24)
    return ngettext("{n} day", "{n} days", days).format(n=days)


def clock_off_text(offset_ms: int) -> str:
    """The short status-bar text for a clock ``offset_ms`` ahead (+) or behind (-) the server."""
    if offset_ms >= 0:
        return _("your clock is {amount} fast").format(amount=duration_text(offset_ms))
    return _("your clock is {amount} slow").format(amount=duration_text(offset_ms))


class ClockOffError(SyncError):
    """This computer's clock differs from the server's by more than the drift bound
    (``hlc.MAX_DRIFT_MS``), or the server refused a change stamped that far ahead. Nothing was
    written; every pending change is kept and goes out once the clock is set right."""

    def __init__(self, offset_ms: int | None) -> None:
        if offset_ms is None:
            message = _(
                "The server refused changes stamped with a time too far ahead of its own clock. "
                "Set the correct date, time and time zone on this computer, then sync again; "
                "your unsynced changes are kept."
            )
        elif offset_ms > 0:
            message = _(
                "This computer's clock is {amount} ahead of the server's. Set the correct date, "
                "time and time zone on this computer, then sync again; your unsynced changes "
                "are kept."
            ).format(amount=duration_text(offset_ms))
        else:
            message = _(
                "This computer's clock is {amount} behind the server's. Set the correct date, "
                "time and time zone on this computer, then sync again; your unsynced changes "
                "are kept."
            ).format(amount=duration_text(offset_ms))
        super().__init__(message)
        self.offset_ms = offset_ms


def server_clock_offset(conn: Any, clock: Any) -> int:
    """Milliseconds by which ``clock`` (seconds, like ``time.time``) is ahead of the server's clock
    (negative: behind), measured against the middle of the round trip."""
    before = clock()
    (server_ms,) = conn.execute(
        "SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
    ).fetchone()
    after = clock()
    return int((before + after) * 500) - int(server_ms)


def is_clock_refusal(error: BaseException) -> bool:
    diag = getattr(error, "diag", None)
    return getattr(diag, "message_hint", None) == CLOCK_HINT


def version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in str(text).split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


SYNC_SCHEMA_SQL = f"""
CREATE SCHEMA IF NOT EXISTS sync;
CREATE TABLE IF NOT EXISTS sync.schema_meta (
    id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    schema_version int NOT NULL,
    min_app_version text NOT NULL DEFAULT '0',
    sync_protocol int NOT NULL DEFAULT {SYNC_PROTOCOL},
    app_version text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS sync.login (
    login text PRIMARY KEY,
    user_id uuid,
    scope text NOT NULL DEFAULT 'own' CHECK (scope IN ('own', 'team', 'all')));
CREATE TABLE IF NOT EXISTS sync.device (
    device_id uuid PRIMARY KEY,
    incarnation int NOT NULL DEFAULT 1,
    login text NOT NULL DEFAULT session_user,
    last_pushed_seq bigint NOT NULL DEFAULT 0,
    last_pulled_xid xid8,
    last_seen timestamptz,
    app_version text NOT NULL DEFAULT '',
    stale boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS sync.push_log (
    device_id uuid NOT NULL,
    seq_from bigint NOT NULL,
    seq_to bigint NOT NULL,
    n int NOT NULL,
    login text NOT NULL DEFAULT session_user,
    committed_at timestamptz NOT NULL DEFAULT now());
ALTER TABLE sync.push_log ADD COLUMN IF NOT EXISTS parked jsonb;  -- seq -> reason, refused for good
-- a token the device's file and the server share, renewed by every push: tells a restored or
-- copied file (it holds an older token) from the one the server last heard from
ALTER TABLE sync.device ADD COLUMN IF NOT EXISTS lineage text;
CREATE INDEX IF NOT EXISTS push_log_device ON sync.push_log (device_id, seq_from);
CREATE TABLE IF NOT EXISTS sync.conflict (
    id uuid PRIMARY KEY,
    tbl text NOT NULL,
    row_id uuid NOT NULL,
    field text NOT NULL,
    kind text NOT NULL,
    winner jsonb,
    loser jsonb,
    winner_device uuid,
    loser_device uuid,
    winner_hlc bigint,
    loser_hlc bigint,
    loser_login text NOT NULL DEFAULT session_user,
    created_at timestamptz NOT NULL DEFAULT now(),
    resolved_by text,
    resolved_at timestamptz,
    _xid xid8 NOT NULL DEFAULT pg_current_xact_id());
CREATE INDEX IF NOT EXISTS conflict_xid ON sync.conflict (_xid, id);
CREATE INDEX IF NOT EXISTS conflict_row ON sync.conflict (tbl, row_id);
CREATE TABLE IF NOT EXISTS sync.purged (
    tbl text NOT NULL,
    row_id uuid NOT NULL,
    purged_at timestamptz NOT NULL DEFAULT now(),
    _xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (tbl, row_id));
CREATE INDEX IF NOT EXISTS purged_xid ON sync.purged (_xid);
CREATE TABLE IF NOT EXISTS sync.number_series (
    own_company_id uuid NOT NULL,
    doc_type text NOT NULL,
    series text NOT NULL,
    year int NOT NULL,
    next_no int NOT NULL DEFAULT 1,
    device_id uuid,
    state text NOT NULL DEFAULT 'open',
    PRIMARY KEY (own_company_id, doc_type, series, year));

CREATE TABLE IF NOT EXISTS sync.blob (
    sha256 text PRIMARY KEY,
    content bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (encode(sha256(content), 'hex') = sha256));

CREATE OR REPLACE FUNCTION sync.fill_content() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    -- file bodies travel by hash: a row that names a hash without its bytes takes them from the
    -- content store (uploaded by the pushing device, verified by the store's CHECK)
    IF NEW.content IS NULL
       OR (TG_OP = 'UPDATE' AND NEW.sha256 IS DISTINCT FROM OLD.sha256 AND NEW.content = OLD.content) THEN
        NEW.content := (SELECT b.content FROM sync.blob b WHERE b.sha256 = NEW.sha256);
    END IF;
    RETURN NEW;
END
$body$;

CREATE OR REPLACE FUNCTION sync.login_origin() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT md5('server-origin:' || session_user)::uuid $$;

CREATE OR REPLACE FUNCTION sync.now_hlc() RETURNS bigint LANGUAGE sql VOLATILE AS
$$ SELECT (floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) << 16 $$;

CREATE OR REPLACE FUNCTION sync.stamp() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    now_hlc bigint := sync.now_hlc();
    bound bigint := now_hlc + ({hlc_mod.MAX_DRIFT_MS}::bigint << 16);
    supplied boolean;
    hints jsonb;
    newj jsonb;
    oldj jsonb;
    fv jsonb;
    k text;
    val jsonb;
    h bigint;
    prev bigint;
    maxh bigint := 0;
    changed boolean := false;
BEGIN
    IF TG_OP = 'INSERT' THEN
        supplied := NEW._fv IS NOT NULL AND coalesce(NEW._hlc, 0) > 0;
    ELSE
        supplied := NEW._fv IS DISTINCT FROM OLD._fv;
    END IF;
    IF supplied THEN
        hints := NEW._fv;
        IF NEW._hlc > bound THEN
            RAISE EXCEPTION 'HLC % is more than % ms ahead of the server clock', NEW._hlc,
                {hlc_mod.MAX_DRIFT_MS} USING ERRCODE = 'check_violation', HINT = '{CLOCK_HINT}';
        END IF;
        IF NEW._origin IS NULL OR NOT EXISTS (
            SELECT 1 FROM sync.device d WHERE d.device_id = NEW._origin AND d.login = session_user
        ) THEN
            RAISE EXCEPTION 'origin % is not a device of %', NEW._origin, session_user
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSE
        hints := NULL;
        NEW._origin := sync.login_origin();
        NEW._hlc := CASE WHEN TG_OP = 'UPDATE' THEN greatest(now_hlc, OLD._hlc + 1) ELSE now_hlc END;
    END IF;
    IF TG_OP = 'INSERT' THEN
        NEW._ver := 1;
        fv := jsonb_build_object('*', jsonb_build_object('h', NEW._hlc, 'o', NEW._origin, 'v', 1));
        -- no per-field clocks (every field written at the row's clock, as in a first upload):
        -- the row as JSON is not needed, which halves this trigger's cost on a bulk insert
        IF hints IS NOT NULL AND hints <> '{{}}'::jsonb THEN
            newj := to_jsonb(NEW) - ARRAY['id', '_ver', '_hlc', '_origin', '_fv', '_xid'];
            FOR k, val IN SELECT key, value FROM jsonb_each(hints) LOOP
                h := (val #>> '{{}}')::bigint;
                IF h > bound THEN
                    RAISE EXCEPTION 'HLC % is too far ahead', h
                    USING ERRCODE = 'check_violation', HINT = '{CLOCK_HINT}';
                END IF;
                IF h <> NEW._hlc AND newj ? k THEN
                    fv := fv || jsonb_build_object(k, jsonb_build_object('h', h, 'o', NEW._origin, 'v', 1));
                END IF;
            END LOOP;
        END IF;
        NEW._fv := fv;
        NEW._xid := pg_current_xact_id();
        RETURN NEW;
    END IF;
    newj := to_jsonb(NEW) - ARRAY['id', '_ver', '_hlc', '_origin', '_fv', '_xid'];
    oldj := to_jsonb(OLD) - ARRAY['id', '_ver', '_hlc', '_origin', '_fv', '_xid'];
    fv := coalesce(OLD._fv, '{{}}'::jsonb);
    NEW._ver := OLD._ver + 1;
    FOR k, val IN SELECT key, value FROM jsonb_each(newj) LOOP
        prev := coalesce((fv -> k ->> 'h')::bigint, (fv -> '*' ->> 'h')::bigint, 0);
        -- a push may also re-write a field's current value with a newer clock (a device changed
        -- it and back): the newer version is recorded, so an older copy's change cannot win later
        IF oldj -> k IS DISTINCT FROM val OR coalesce((hints ->> k)::bigint > prev, false) THEN
            changed := true;
            h := coalesce((hints ->> k)::bigint, NEW._hlc);
            IF h > bound THEN
                RAISE EXCEPTION 'HLC % is too far ahead', h
                    USING ERRCODE = 'check_violation', HINT = '{CLOCK_HINT}';
            END IF;
            h := greatest(h, prev + 1);  -- field versions never go backwards (clock trouble)
            fv := fv || jsonb_build_object(k, jsonb_build_object('h', h, 'o', NEW._origin, 'v', NEW._ver));
            maxh := greatest(maxh, h);
        END IF;
    END LOOP;
    IF NOT changed THEN
        NEW._ver := OLD._ver;
        NEW._hlc := OLD._hlc;
        NEW._origin := OLD._origin;
        NEW._fv := OLD._fv;
        NEW._xid := OLD._xid;
        RETURN NEW;
    END IF;
    NEW._hlc := greatest(OLD._hlc, maxh);
    NEW._fv := fv;
    NEW._xid := pg_current_xact_id();
    RETURN NEW;
END
$body$;

CREATE OR REPLACE FUNCTION sync.notify_change() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    PERFORM pg_notify('crm_changed', TG_TABLE_NAME);  -- no row data: nothing leaks past RLS
    RETURN NULL;
END
$body$;
"""


NUMBERING_SQL = r"""
CREATE OR REPLACE FUNCTION sync.format_number(pattern text, seq int, yr int, series text)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    -- services.numbering.format_number for the patterns it offers: {seq}, {seq:0Nd}, {seq:Nd},
    -- {year}, {yy}, {series}; a series the pattern does not mention is appended as "/series"
    result text := pattern;
    m text[];
    digits text := seq::text;
BEGIN
    FOR m IN SELECT regexp_matches(pattern, '\{seq:(0?)(\d+)d\}', 'g') LOOP
        result := replace(result, '{seq:' || m[1] || m[2] || 'd}',
            CASE WHEN length(digits) >= m[2]::int THEN digits
                 ELSE lpad(digits, m[2]::int, CASE WHEN m[1] = '0' THEN '0' ELSE ' ' END) END);
    END LOOP;
    result := replace(result, '{seq}', digits);
    result := replace(result, '{year}', yr::text);
    result := replace(result, '{yy}', lpad((yr % 100)::text, 2, '0'));
    result := replace(result, '{series}', series);
    IF position('{' in result) > 0 THEN
        RAISE EXCEPTION 'number pattern "%" cannot be applied on the server', pattern
            USING ERRCODE = 'check_violation';
    END IF;
    IF series <> '' AND position('{series' in pattern) = 0 THEN
        result := result || '/' || series;
    END IF;
    RETURN result;
END
$body$;

CREATE OR REPLACE FUNCTION sync.final_invoice_number(
    company uuid, yr int, series_name text, schema_name text, OUT seq int, OUT number text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    -- an invoice issued offline under a provisional number (sync.md §2.11 option A) gets the next
    -- number of the company's series now, inside the pushing transaction: the application's
    -- counter row (number_sequence, locked first, as issuing in direct mode does) and the server's
    -- guard counter (sync.number_series) advance together; a rollback gives the number back
    seq_id uuid;
    pat text;
    country text;
    expected int;
BEGIN
    EXECUTE format('SELECT id, pattern FROM %I.number_sequence WHERE own_company_id = $1 '
                   'AND document_type = ''invoice'' AND year = $2 AND series = $3 FOR UPDATE',
                   schema_name)
        INTO seq_id, pat USING company, yr, series_name;
    IF seq_id IS NULL THEN
        EXECUTE format('SELECT upper(coalesce(country, '''')) FROM %I.own_company WHERE id = $1',
                       schema_name) INTO country USING company;
        EXECUTE format('SELECT s.value::jsonb #>> ''{}'' FROM %I.setting s WHERE s.key = $1 '
                       'AND s.user_id IS NULL AND s.deleted_at IS NULL '
                       'ORDER BY s.updated_at DESC LIMIT 1', schema_name)
            INTO pat USING 'documents.number_pattern.' || lower(coalesce(country, '')) || '.invoice';
        pat := coalesce(pat, CASE country WHEN 'IT' THEN '{year}/{seq:04d}' ELSE '{seq}' END);
        EXECUTE format('INSERT INTO %I.number_sequence (id, created_at, updated_at, _ver, _hlc, '
                       'own_company_id, document_type, year, series, pattern, next_value) '
                       'VALUES ($5, now(), now(), 0, 0, $1, ''invoice'', $2, $3, $4, 1) '
                       'ON CONFLICT DO NOTHING', schema_name)
            USING company, yr, series_name, pat,
                  -- the id every device derives for this counter (numbering.counter_id)
                  md5('number_sequence:' || company::text || ':invoice:' || yr::text || ':'
                      || series_name)::uuid;
        EXECUTE format('SELECT id, pattern FROM %I.number_sequence WHERE own_company_id = $1 '
                       'AND document_type = ''invoice'' AND year = $2 AND series = $3 FOR UPDATE',
                       schema_name)
            INTO seq_id, pat USING company, yr, series_name;
    END IF;
    INSERT INTO sync.number_series (own_company_id, doc_type, series, year, next_no)
    VALUES (company, 'invoice', series_name, yr, 1)
    ON CONFLICT DO NOTHING;
    SELECT next_no INTO expected FROM sync.number_series
     WHERE own_company_id = company AND doc_type = 'invoice'
       AND series = series_name AND year = yr
       FOR UPDATE;
    seq := expected;
    number := sync.format_number(pat, expected, yr, series_name);
    EXECUTE format('UPDATE %I.number_sequence SET next_value = greatest(next_value, $1), '
                   'updated_at = now() WHERE id = $2', schema_name) USING expected + 1, seq_id;
    UPDATE sync.number_series SET next_no = expected + 1
     WHERE own_company_id = company AND doc_type = 'invoice'
       AND series = series_name AND year = yr;
END
$body$;
REVOKE ALL ON FUNCTION sync.final_invoice_number(uuid, int, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION sync.check_invoice_number() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    expected int;
BEGIN
    IF NEW.sequence_number IS NULL AND NEW.status::text <> 'draft' AND NEW.number LIKE 'PRV-%'
       AND (TG_OP = 'INSERT' OR OLD.sequence_number IS NULL) THEN
        NEW.series := coalesce(NEW.series, '');
        NEW.year := coalesce(NEW.year, extract(year FROM coalesce(NEW.issue_date, current_date))::int);
        SELECT f.seq, f.number INTO NEW.sequence_number, NEW.number
          FROM sync.final_invoice_number(NEW.own_company_id, NEW.year, NEW.series, TG_TABLE_SCHEMA) f;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.sequence_number IS NOT NULL THEN
        IF NEW.sequence_number IS DISTINCT FROM OLD.sequence_number
           OR NEW.series IS DISTINCT FROM OLD.series
           OR NEW.year IS DISTINCT FROM OLD.year
           OR NEW.number IS DISTINCT FROM OLD.number
           OR NEW.own_company_id IS DISTINCT FROM OLD.own_company_id
           OR NEW.total IS DISTINCT FROM OLD.total
           OR NEW.subtotal IS DISTINCT FROM OLD.subtotal
           OR NEW.vat_total IS DISTINCT FROM OLD.vat_total THEN
            RAISE EXCEPTION 'invoice % is issued: its number and amounts cannot change', OLD.number
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.sequence_number IS NULL THEN
        RETURN NEW;
    END IF;
    -- a number is being given: it must be exactly the next one of its series (no gap, no repeat)
    INSERT INTO sync.number_series (own_company_id, doc_type, series, year, next_no)
    VALUES (NEW.own_company_id, 'invoice', NEW.series, NEW.year, 1)
    ON CONFLICT DO NOTHING;
    SELECT next_no INTO expected FROM sync.number_series
     WHERE own_company_id = NEW.own_company_id AND doc_type = 'invoice'
       AND series = NEW.series AND year = NEW.year
       FOR UPDATE;
    IF NEW.sequence_number <> expected THEN
        RAISE EXCEPTION 'invoice number % in series "%" of % is not the next one (expected %)',
            NEW.sequence_number, NEW.series, NEW.year, expected USING ERRCODE = 'check_violation';
    END IF;
    UPDATE sync.number_series SET next_no = expected + 1
     WHERE own_company_id = NEW.own_company_id AND doc_type = 'invoice'
       AND series = NEW.series AND year = NEW.year;
    RETURN NEW;
END
$body$;
REVOKE ALL ON FUNCTION sync.check_invoice_number() FROM PUBLIC;
"""


def numbering_sql(schema: str) -> list[str]:
    """Invoice numbers: gapless per (own company, series, year), immutable once given (§2.11).

    The counter lives in ``sync.number_series`` and is advanced by the ``SECURITY DEFINER`` trigger
    only (application roles cannot update it). Existing numbered invoices seed the counters, so
    ``server init`` on a database already in use continues each series where it stands.
    """
    return [
        NUMBERING_SQL,
        f'DROP TRIGGER IF EXISTS _sync_invoice_number ON "{schema}"."invoice"',
        f'CREATE TRIGGER _sync_invoice_number BEFORE INSERT OR UPDATE ON "{schema}"."invoice" '
        "FOR EACH ROW EXECUTE FUNCTION sync.check_invoice_number()",
        "INSERT INTO sync.number_series (own_company_id, doc_type, series, year, next_no) "
        "SELECT own_company_id, 'invoice', series, year, max(sequence_number) + 1 "
        f'FROM "{schema}"."invoice" WHERE sequence_number IS NOT NULL '
        "GROUP BY own_company_id, series, year "
        "ON CONFLICT (own_company_id, doc_type, series, year) DO UPDATE "
        "SET next_no = greatest(sync.number_series.next_no, excluded.next_no)",
    ]


def table_sql(table: str) -> list[str]:
    return [
        f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS _origin uuid',
        f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS _fv jsonb',
        f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS _xid xid8 NOT NULL DEFAULT pg_current_xact_id()',
        f'CREATE INDEX IF NOT EXISTS "{table}__xid_id" ON "{table}" (_xid, id)',
        f'DROP TRIGGER IF EXISTS _sync_stamp ON "{table}"',
        f'CREATE TRIGGER _sync_stamp BEFORE INSERT OR UPDATE ON "{table}" '
        "FOR EACH ROW EXECUTE FUNCTION sync.stamp()",
        f'DROP TRIGGER IF EXISTS _sync_notify ON "{table}"',
        f'CREATE TRIGGER _sync_notify AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION sync.notify_change()",
    ]


def synced_server_tables(conn: Any) -> list[str]:
    """Business tables on the server: those with ``id``, ``_ver`` and ``_hlc``, parents first."""
    from desktop_crm.models import ALL_MODELS

    rows = conn.execute(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_name IN ('id', '_ver', '_hlc') GROUP BY table_name HAVING count(*) = 3"
    ).fetchall()
    present = {r[0] for r in rows}
    ordered = [m._meta.table_name for m in ALL_MODELS if m._meta.table_name in present]
    return ordered + sorted(present - set(ordered))


def content_tables(conn: Any, tables: list[str]) -> list[str]:
    """Tables holding file bodies addressed by hash (``content bytea`` beside ``sha256``)."""
    columns = server_columns(conn)
    return [
        t for t in tables
        if columns.get(t, {}).get("content") == "bytea" and "sha256" in columns.get(t, {})
    ]


def server_columns(conn: Any) -> dict[str, dict[str, str]]:
    """``{table: {column: data_type}}`` of the synced tables (sync metadata excluded)."""
    tables = synced_server_tables(conn)
    result: dict[str, dict[str, str]] = {t: {} for t in tables}
    for table, column, data_type in conn.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ANY(%s) ORDER BY ordinal_position",
        (tables,),
    ).fetchall():
        if column not in META_COLUMNS:
            result[table][column] = data_type
    return result


@contextlib.contextmanager
def _bound_proxy(url: str) -> Iterator[Any]:
    """The app's database proxy bound to ``url`` for the duration (restored afterwards)."""
    from desktop_crm.models import database
    from desktop_crm.models.db import open_database

    previous = database.obj
    db = open_database(url)
    try:
        yield db
    finally:
        if not db.is_closed():
            db.close()
        database.initialize(previous)


def connect(url: str, **kwargs: Any) -> Any:
    from desktop_crm.models.credentials import connect as _connect

    return _connect(url, **kwargs)


def init_server(url: str, min_app_version: str | None = None) -> dict[str, Any]:
    """Install or upgrade the sync layer on the PostgreSQL at ``url`` (run as its owner/admin)."""
    from desktop_crm.models.schema import LATEST_VERSION, migrate
    from desktop_crm.sync import security

    with _bound_proxy(url) as db:
        result = migrate(db)
    with connect(url) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('desktop_crm.server_init'))")
        conn.execute(SYNC_SCHEMA_SQL)
        tables = synced_server_tables(conn)
        for table in tables:
            for statement in table_sql(table):
                conn.execute(statement)
        for table in content_tables(conn, tables):
            conn.execute(f'DROP TRIGGER IF EXISTS _sync_fill_content ON "{table}"')
            conn.execute(
                f'CREATE TRIGGER _sync_fill_content BEFORE INSERT OR UPDATE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION sync.fill_content()"
            )
        if "invoice" in tables:
            (schema,) = conn.execute("SELECT current_schema()").fetchone()
            for statement in numbering_sql(schema):
                conn.execute(statement)
        if "issued_paper" in tables:
            from desktop_crm.sync.paper_numbers import paper_numbering_sql

            (schema,) = conn.execute("SELECT current_schema()").fetchone()
            for statement in paper_numbering_sql(schema):
                conn.execute(statement)
        row = conn.execute("SELECT min_app_version FROM sync.schema_meta WHERE id = 1").fetchone()
        minimum = min_app_version or (row[0] if row else "0")
        conn.execute(
            "INSERT INTO sync.schema_meta (id, schema_version, min_app_version, sync_protocol, "
            "app_version, updated_at) VALUES (1, %s, %s, %s, %s, now()) ON CONFLICT (id) DO UPDATE "
            "SET schema_version = excluded.schema_version, min_app_version = "
            "excluded.min_app_version, sync_protocol = excluded.sync_protocol, "
            "app_version = excluded.app_version, updated_at = now()",
            (LATEST_VERSION, minimum, SYNC_PROTOCOL, __version__),
        )
        security.install(conn, tables)
    return {
        "schema_version": LATEST_VERSION,
        "tables": len(tables),
        "migrated_from": result.from_version,
        "min_app_version": minimum,
    }


def check_compatible(conn: Any, app_version: str = __version__) -> tuple[int, str]:
    """Refuse to sync when this app is older than the server allows, or the server is behind.

    Runs before any write of a sync round; raises :class:`VersionRefused` with a user message.
    """
    from desktop_crm.models.schema import LATEST_VERSION

    try:
        row = conn.execute(
            "SELECT schema_version, min_app_version, sync_protocol FROM sync.schema_meta WHERE id = 1"
        ).fetchone()
    except Exception as error:  # undefined table: the server was never initialised
        raise VersionRefused(
            _("The server is not set up for sync. Ask the administrator to run "
              "“desktop-crm server init”.")
        ) from error
    if row is None:
        raise VersionRefused(
            _("The server is not set up for sync. Ask the administrator to run "
              "“desktop-crm server init”.")
        )
    schema_version, min_app, protocol = row
    if version_tuple(app_version) < version_tuple(min_app) or protocol > SYNC_PROTOCOL:
        raise VersionRefused(
            _("This version of Desktop CRM ({version}) is too old for the server, which needs "
              "{minimum} or newer. Update the application; your unsynced changes are kept.").format(
                version=app_version, minimum=min_app
            )
        )
    if schema_version < LATEST_VERSION:
        raise VersionRefused(
            _("The server's database (schema {server}) is older than this application "
              "(schema {local}). Ask the administrator to run “desktop-crm server init”; your "
              "unsynced changes are kept.").format(server=schema_version, local=LATEST_VERSION)
        )
    return schema_version, min_app


__all__ = [
    "CLOCK_HINT",
    "SYNC_PROTOCOL",
    "ClockOffError",
    "SyncError",
    "VersionRefused",
    "check_compatible",
    "init_server",
    "server_columns",
    "synced_server_tables",
]
