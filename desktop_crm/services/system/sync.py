"""Sync for the UI, as plain data: status, Sync now, first-time setup, conflicts, change listening.

No Qt here: the views run these functions through ``workers.run_in_background`` (off the GUI thread)
and show the plain results. The database is the application's bound one (``models.database``):

* a local SQLite file that is not a replica: mode ``local`` (setup offers to make it one);
* a replica: mode ``replica`` — its server URL (without password; the password lives in the OS
  keyring), interval and last result are kept in the file's own ``_sync_meta``, never in synced
  settings (they belong to this device, not to the business);
* a PostgreSQL database: mode ``direct`` — nothing to sync; :class:`ChangeListener` tells the views
  which tables another user changed (``LISTEN crm_changed``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from desktop_crm.entities import Entity
from desktop_crm.i18n import N_, _
from desktop_crm.models import credentials, database
from desktop_crm.models.db import engine
from desktop_crm.sync import capture
from desktop_crm.sync.hlc import CLOCK_WARN_MS
from desktop_crm.sync.replica import (
    RESPONSE_TIMEOUT_S,
    Replica,
    ReplicaRestored,
    SyncResult,
    combine,
    record_outcome,
    reincarnate,
)
from desktop_crm.sync.server import (
    CertificateChanged,
    CertificateUntrusted,
    ClockOffError,
    PasswordNeeded,
    SyncError,
    check_compatible,
    clock_off_text,
    connect,
    connection_error,
)

DEFAULT_INTERVAL_S = 300

@dataclass(frozen=True)
class SyncStatus:
    mode: str  # "local" | "replica" | "direct"
    server: str = ""
    last_sync_at: str | None = None  # ISO UTC
    last_error: str = ""
    pending: int = 0
    conflicts: int = 0
    parked: int = 0
    interval_s: int = DEFAULT_INTERVAL_S
    clock_offset_ms: int | None = None  # this computer's clock minus the server's, when measured
    clock_error: bool = False  # the last round stopped because the clock is off


@dataclass(frozen=True)
class ConflictView:
    id: str
    table: str
    row_id: str
    field: str
    kind: str
    mine: Any
    theirs: Any
    i_lost: bool
    created_at: str
    record: str = ""  # "Deal “Курс для отдела продаж”": what a person calls the record
    field_label: str = ""  # "Title": the field as the forms label it


#: The record kinds a conflict may name, as people call them.
_RECORD_KINDS = {
    "deal": N_("Deal"), "deal_line": N_("Product line"), "contact": N_("Contact"),
    "company": N_("Company"), "lead": N_("Lead"), "product": N_("Product"),
    "product_group": N_("Product group"), "quote": N_("Quote"), "quote_line": N_("Quote line"),
    "invoice": N_("Invoice"), "invoice_line": N_("Invoice line"), "payment": N_("Payment"),
    "activity": N_("Timeline entry"), "pipeline": N_("Pipeline"), "stage": N_("Stage"),
    "user": N_("User"), "setting": N_("Setting"), "own_company": N_("Own company"),
}
#: Column names that are not a deal field of the rules, as the forms label them.
_FIELD_LABELS = {
    "title": N_("Title"), "name": N_("Name"), "amount": N_("Amount"), "price": N_("Price"),
    "quantity": N_("Quantity"), "stage_id": N_("Stage"), "status": N_("Status"),
    "last_name": N_("Last name"), "first_name": N_("First name"), "middle_name": N_("Middle name"),
    "mobile_phone": N_("Mobile phone"), "work_phone": N_("Work phone"),
    "private_email": N_("Private e-mail"), "work_email": N_("Work e-mail"),
    "birth_date": N_("Birth date"), "short_name": N_("Short name"), "legal_name": N_("Legal name"),
    "body": N_("Text"), "subject": N_("Subject"), "due_at": N_("Due"), "notes": N_("Notes"),
    "deleted_at": N_("Deleted"), "city": N_("City"), "probability": N_("Probability"),
    "currency": N_("Currency"),
}


def field_label(column: str) -> str:
    """A column as a person reads it ("contact_id" → "Contact")."""
    from desktop_crm.services.sales import rules

    if column in _FIELD_LABELS:
        return _(_FIELD_LABELS[column])
    name = column.removesuffix("_id")
    label = rules.field_label(name)
    return label if label != name else name.replace("_", " ").capitalize()


def record_label(table: str, row_id: uuid.UUID) -> str:
    """A record as a person names it: its kind and title ("Deal “Курс”"), or its kind alone."""
    from desktop_crm.models import ALL_MODELS

    kind = _(_RECORD_KINDS[table]) if table in _RECORD_KINDS else table
    model = next((m for m in ALL_MODELS if m._meta.table_name == table), None)
    row = model.get_or_none(model.id == row_id) if model is not None else None
    if row is None:
        return kind
    for attribute in ("title", "full_name", "short_name", "legal_name", "name", "number", "subject"):
        value = getattr(row, attribute, None)
        if isinstance(value, str) and value.strip():
            return _("{kind} “{title}”").format(kind=kind, title=value.strip())
    return kind


def _db() -> Any:
    db = database.obj
    if db is None:
        raise RuntimeError("no database is open")
    return db


def status() -> SyncStatus:
    db = database.obj
    if db is None:
        return SyncStatus(mode="local")
    if engine(db) == "postgres":
        return SyncStatus(mode="direct")
    if not capture.is_replica(db) or not capture.meta_get(db, "server_url"):
        return SyncStatus(mode="local")
    parked = int(db.execute_sql("SELECT count(*) FROM _outbox_parked").fetchone()[0])
    return SyncStatus(
        mode="replica",
        server=capture.meta_get(db, "server_url") or "",
        last_sync_at=capture.meta_get(db, "last_sync_at"),
        last_error=capture.meta_get(db, "last_error") or "",
        pending=capture.pending_count(db),
        conflicts=capture.open_conflicts(db),
        parked=parked,
        interval_s=int(capture.meta_get(db, "interval_s", DEFAULT_INTERVAL_S) or DEFAULT_INTERVAL_S),
        clock_offset_ms=_int_or_none(capture.meta_get(db, "clock_offset_ms")),
        clock_error=capture.meta_get(db, "last_error_kind") == "clock",
    )


def _int_or_none(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def set_interval(seconds: int) -> None:
    db = _db()
    with db.atomic():
        capture.meta_set(db, "interval_s", max(30, int(seconds)))


def test_connection(url: str, password: str = "") -> dict[str, Any]:
    """Connect, check the versions; returns what the wizard shows. Raises :class:`SyncError`."""
    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()
    extra = {"password": password} if password else {}
    try:
        with connect(url, response_timeout=RESPONSE_TIMEOUT_S, **extra) as conn, conn.transaction():
            schema_version, minimum = check_compatible(conn)
            (rows,) = conn.execute("SELECT count(*) FROM deal").fetchone()
            (login,) = conn.execute("SELECT session_user").fetchone()
    except psycopg.OperationalError as error:
        raise connection_error(url, error) from error
    return {"schema_version": schema_version, "min_app_version": minimum, "deals": rows,
            "login": login}


def set_up(url: str, password: str, progress: Callable[[int, int, str], None] | None = None) -> SyncResult:
    """First-time setup: remember the password in the keyring, make this file a replica (its
    existing rows are queued for upload), then sync once (the initial download)."""
    db = _db()
    if engine(db) != "sqlite":
        raise SyncError(_("Only a local database can be synchronised with a server."))
    test_connection(url, password)
    plain_url = credentials.strip_password(url)
    kept = credentials.remember_password(plain_url, password) if password else True
    capture.make_replica(db)
    with db.atomic():
        capture.meta_set(db, "server_url", plain_url)
    result = sync_now(progress)
    if not kept:
        result.details["password_notice"] = credentials.not_remembered_text()
    return result


@dataclass(frozen=True)
class ServerCertificate:
    """The certificate a server presents, for the user to compare before trusting it."""

    fingerprint: str  # SHA-256, ``AB:CD:…``
    der: bytes


def server_certificate(url: str) -> ServerCertificate:
    """Read (not trust) the certificate of the server at ``url``. Raises :class:`CrmError`."""
    der = credentials.fetch_certificate(url)
    return ServerCertificate(credentials.fingerprint(der), der)


def trust_certificate(url: str, certificate: ServerCertificate) -> str:
    """Pin ``certificate`` for ``url``'s server; returns the URL that accepts only it."""
    return credentials.trust_certificate(url, certificate.der)


def default_sslmode(url: str) -> str:
    """The TLS mode a new connection to ``url`` starts with: ``prefer`` on this computer (loopback),
    ``verify-full`` for any other host."""
    return credentials.default_sslmode(url)


def password_notice() -> str | None:
    """Why a password is asked for again (no keyring on this computer), or ``None``."""
    return credentials.not_remembered_text() if credentials.keyring_problem() else None


def provide_password(password: str) -> bool:
    """The password for the configured server, typed when the server asked for it: used for the
    rest of this session, and remembered in the keyring when there is one (returns whether)."""
    url = capture.meta_get(_db(), "server_url")
    if not url:
        raise SyncError(_("Sync is not set up for this database."))
    return credentials.remember_password(url, password)


def sync_now(progress: Callable[[int, int, str], None] | None = None) -> SyncResult:
    """One round with the configured server; the outcome is recorded for the status bar."""
    db = _db()
    url = capture.meta_get(db, "server_url")
    if not url:
        raise SyncError(_("Sync is not set up for this database."))
    try:
        try:
            result = Replica(db, url).sync(progress)
        except ReplicaRestored:
            reincarnate(db)
            result = Replica(db, url).sync(progress)
        from desktop_crm.services.billing.invoices import refreeze_final_numbers

        if refreeze_final_numbers():  # invoices that got their final number: send the new files
            result = combine(result, Replica(db, url).sync(progress))
    except SyncError as error:
        record_outcome(db, error=error)
        raise
    record_outcome(db, result)
    return result


def entities_of_tables(tables: Iterable[str]) -> set[str]:
    """The entity keys the views reload (``context.changed``) for changed tables; a table of no
    entity stands for itself."""
    return {str(Entity.of_table(t) or t) for t in tables}


def changed_entities(result: SyncResult) -> set[str]:
    return entities_of_tables(result.details.get("tables", ()))


# --- conflicts ------------------------------------------------------------------------------------


def list_conflicts(include_resolved: bool = False) -> list[ConflictView]:
    db = _db()
    if not capture.is_replica(db):
        return []
    me = capture.device_id(db).bytes
    where = "" if include_resolved else "WHERE resolved_at IS NULL"
    result = []
    for cid, table, row_id, name, kind, winner, loser, _wdev, ldev, created in db.execute_sql(
        "SELECT id, tbl, row_id, field, kind, winner, loser, winner_device, loser_device, "
        f"created_at FROM _conflict {where} ORDER BY created_at"
    ):
        i_lost = ldev is not None and bytes(ldev) == me
        winner_value, loser_value = json.loads(winner), json.loads(loser)
        mine, theirs = (loser_value, winner_value) if i_lost else (winner_value, loser_value)
        row_uuid = uuid.UUID(bytes=bytes(row_id))
        result.append(ConflictView(
            id=uuid.UUID(bytes=bytes(cid)).hex, table=table, row_id=row_uuid.hex,
            field=name, kind=kind, mine=mine, theirs=theirs, i_lost=i_lost, created_at=created,
            record=record_label(table, row_uuid), field_label=field_label(name) if name else "",
        ))
    return result


def resolve_conflict(conflict_id: str, keep: str) -> None:
    """``keep`` is ``"mine"`` or ``"theirs"``. The chosen value becomes an ordinary new edit (new
    HLC, captured and pushed like any edit) when it differs from the row's current value; the
    conflict is marked resolved here and on the server at the next push."""
    if keep not in ("mine", "theirs"):
        raise ValueError(keep)
    db = _db()
    view = next((c for c in list_conflicts() if c.id == uuid.UUID(conflict_id).hex), None)
    if view is None:
        return
    value = view.mine if keep == "mine" else view.theirs
    types = dict(capture.field_columns(db, view.table))
    row_key = uuid.UUID(view.row_id).bytes
    with db.atomic():
        if view.kind == "field" and view.field in types:
            local = bytes.fromhex(value) if ("BLOB" in types[view.field] and value) else value
            db.execute_sql(
                f'UPDATE "{view.table}" SET "{view.field}" = ? WHERE id = ? AND "{view.field}" IS NOT ?',
                (local, row_key, local),
            )
        elif view.kind == "revived" and keep == "theirs":  # "theirs" = the delete: delete again
            db.execute_sql(
                f'UPDATE "{view.table}" SET deleted_at = ? WHERE id = ?', (_now_text(), row_key)
            )
        elif view.kind == "edit_of_deleted" and keep == "mine":  # "mine" = my edit: restore
            db.execute_sql(f'UPDATE "{view.table}" SET deleted_at = NULL WHERE id = ?', (row_key,))
        db.execute_sql(
            "UPDATE _conflict SET resolved_at = ?, resolved_by = 'local' WHERE id = ?",
            (_now_text(), uuid.UUID(conflict_id).bytes),
        )


@dataclass(frozen=True)
class ParkedChange:
    seq: int
    table: str
    row_id: str
    fields: dict[str, Any]
    error: str  # the server's own words (English, technical)
    op: str = "U"  # "I" a new record, "U" a change
    parked_at: str = ""  # ISO UTC
    reason: str = ""  # what it means, translated
    tx: int | None = None  # the local transaction (user action) it belongs to


# The server's refusals, from its own (English) messages, in words for the user. First match wins.
_REFUSALS: tuple[tuple[tuple[str, ...], Callable[[], str]], ...] = (
    (("only a user manager",),
     lambda: _("Only someone allowed to manage users may change users, their roles and teams.")),
    (("document counter",),
     lambda: _("Document counters only advance as documents are numbered: they cannot be reset, "
               "skip numbers or be deleted.")),
    (("is sent:", "is accepted:", "is rejected:", "is expired:", "is superseded:",
      "cannot return to draft"),
     lambda: _("The document was already sent or issued: its lines, prices, totals, buyer, seller "
               "and number cannot change any more.")),
    (("paper number",),
     lambda: _("The paper's number does not follow on in its series on the server (another device "
               "may number the same series).")),
    (("issued paper",),
     lambda: _("The paper is issued: it cannot change any more; it can only be cancelled once.")),
    (("is issued", "cannot change"),
     lambda: _("The invoice is issued: its number and amounts cannot change any more.")),
    (("not the next one",),
     lambda: _("The invoice number does not follow on in its series on the server (another device "
               "may number the same series).")),
    (("row-level security", "permission denied", "not a device of"),
     lambda: _("You are not allowed to make this change.")),
    (("no longer visible",),
     lambda: _("The record is no longer visible to you (it was reassigned or its access changed).")),
    (("no longer exists", "purged"),
     lambda: _("The record no longer exists on the server.")),
    (("does not exist on the server",),
     lambda: _("The server does not know this kind of record yet; it needs an upgrade.")),
    (("foreign key", "violates"),
     lambda: _("The change refers to a record the server does not have, or breaks one of its rules.")),
)


# the rights of a role, as a refusal names them
_RIGHT_LABELS = {
    "view": N_("view records"),
    "create": N_("create records"),
    "edit": N_("edit records"),
    "delete": N_("delete records"),
    "export": N_("export"),
    "import": N_("import"),
    "reopen": N_("reopen closed deals"),
    "issue_documents": N_("issue and cancel documents"),
    "register_payments": N_("register payments"),
    "change_settings": N_("change settings"),
    "change_prices": N_("change catalog prices"),
    "manage_users": N_("manage users"),
}
_RIGHT_RE = re.compile(r'lacks the right "(\w+)"')
_POLICY_RE = re.compile(r'row-level security policy for table "(\w+)"')


def _missing_right(error: str) -> str | None:
    """The right a refusal names: the guard's own words, or the table's right for a policy."""
    from desktop_crm.sync.policies import SHARED_BY_RIGHT

    found = _RIGHT_RE.search(error)
    if found:
        return found.group(1)
    found = _POLICY_RE.search(error)
    if found:
        return SHARED_BY_RIGHT.get(found.group(1))
    return None


def describe_refusal(error: str) -> str:
    """A translated explanation of why the server refused a change (the raw text stays available)."""
    right = _missing_right(error or "")
    if right in _RIGHT_LABELS:
        return _("Your role does not allow you to {right}.").format(right=_(_RIGHT_LABELS[right]))
    text = (error or "").lower()
    for needles, message in _REFUSALS:
        if any(n in text for n in needles):
            return message()
    return _("The server refused the change.")


def list_parked() -> list[ParkedChange]:
    """Changes the server refused for good (a rule or a permission), kept for the user."""
    db = _db()
    if not capture.is_replica(db):
        return []
    result = []
    with db.atomic():
        capture.upgrade_bookkeeping(db)  # a replica made before parked changes kept their action
    for seq, table, row_id, op, fields, error, parked_at, tx in db.execute_sql(
        "SELECT seq, tbl, row_id, op, fields, error, parked_at, tx FROM _outbox_parked ORDER BY seq"
    ):
        when = dt.datetime.fromtimestamp(parked_at / 1000, dt.UTC).replace(tzinfo=None) if parked_at else None
        result.append(ParkedChange(
            seq, table, uuid.UUID(bytes=bytes(row_id)).hex, json.loads(fields), error, op,
            when.isoformat(" ", "seconds") if when else "", describe_refusal(error), tx,
        ))
    return result


def parked_action(seqs: list[int]) -> list[int]:
    """``seqs`` and every other refused change of the same user actions (local transactions): an
    action is sent again or discarded as a whole, as it was refused as a whole."""
    db = _db()
    wanted = set(seqs)
    txs = {tx for seq, tx in db.execute_sql("SELECT seq, tx FROM _outbox_parked") if seq in wanted and tx}
    return sorted(
        seq for seq, tx in db.execute_sql("SELECT seq, tx FROM _outbox_parked")
        if seq in wanted or (tx is not None and tx in txs)
    )


def parked_count() -> int:
    db = database.obj
    if db is None or engine(db) != "sqlite" or not capture.is_replica(db):
        return 0
    return int(db.execute_sql("SELECT count(*) FROM _outbox_parked").fetchone()[0])


def retry_parked(seqs: list[int]) -> int:
    """Send refused changes again (after the cause was fixed on the server, or the record edited):
    each goes back to the outbox as a new entry with a new clock stamp. One transaction."""
    db = _db()
    moved = 0
    with db.atomic():
        for seq in parked_action(seqs):
            if db.execute_sql("SELECT 1 FROM _outbox_parked WHERE seq = ?", (seq,)).fetchone() is None:
                continue
            db.execute_sql("UPDATE _sync_meta SET v = hlc_now(v) WHERE k = 'hlc'")
            db.execute_sql(
                "INSERT INTO _outbox (tbl, row_id, op, base_ver, hlc, fields, schema_version, "
                "created_at, tx) SELECT tbl, row_id, op, base_ver, (SELECT v FROM _sync_meta WHERE "
                "k = 'hlc'), fields, schema_version, created_at, tx FROM _outbox_parked WHERE seq = ?",
                (seq,),
            )
            db.execute_sql("DELETE FROM _outbox_parked WHERE seq = ?", (seq,))
            moved += 1
    return moved


def discard_parked(seqs: int | list[int]) -> int:
    """Drop refused changes for good. The records come again from the server at the next sync (only
    those records), so they show the server's values; a refused new record disappears. One
    transaction; returns how many were dropped."""
    db = _db()
    dropped = 0
    with db.atomic():
        for seq in parked_action([seqs] if isinstance(seqs, int) else list(seqs)):
            row = db.execute_sql(
                "SELECT tbl, row_id FROM _outbox_parked WHERE seq = ?", (seq,)
            ).fetchone()
            if row is None:
                continue
            table, row_id = row
            db.execute_sql("DELETE FROM _outbox_parked WHERE seq = ?", (seq,))
            key = f"refetch:{table}"
            wanted = json.loads(capture.meta_get(db, key, "[]") or "[]")
            if bytes(row_id).hex() not in wanted:
                wanted.append(bytes(row_id).hex())
            capture.meta_set(db, key, json.dumps(wanted))
            dropped += 1
    return dropped


def _now_text() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" ")


# --- direct mode: other users' changes ---------------------------------------------------------


class ChangeListener:
    """``LISTEN crm_changed`` on its own connection; :meth:`wait` returns the tables that changed.

    The payload is only a table name (no row data, nothing leaks past row-level security); the
    views reload what they show for those tables.
    """

    def __init__(self, url: str | None = None, **connect_kwargs: Any) -> None:
        from desktop_crm._drivers import load_psycopg

        psycopg = load_psycopg()
        if url is None:  # direct mode: reuse the open database's connection parameters
            info = _db().connection().info
            self.conn = psycopg.connect(info.dsn, password=info.password, autocommit=True)
        else:
            self.conn = connect(url, autocommit=True, **connect_kwargs)
        self.conn.execute("LISTEN crm_changed")

    def wait(self, timeout: float) -> set[str]:
        tables = {n.payload for n in self.conn.notifies(timeout=timeout, stop_after=1)}
        if tables:  # drain what arrives together, then return
            tables.update(n.payload for n in self.conn.notifies(timeout=0.05))
        return tables

    def close(self) -> None:
        self.conn.close()


__all__ = [
    "CLOCK_WARN_MS",
    "CertificateChanged",
    "CertificateUntrusted",
    "ChangeListener",
    "ClockOffError",
    "ConflictView",
    "ParkedChange",
    "PasswordNeeded",
    "ServerCertificate",
    "SyncStatus",
    "changed_entities",
    "clock_off_text",
    "default_sslmode",
    "describe_refusal",
    "discard_parked",
    "list_conflicts",
    "list_parked",
    "parked_action",
    "parked_count",
    "password_notice",
    "provide_password",
    "resolve_conflict",
    "retry_parked",
    "server_certificate",
    "set_interval",
    "set_up",
    "status",
    "sync_now",
    "test_connection",
    "trust_certificate",
]


# --- server logins (Settings › Users and rights) ------------------------------------------------


def server_logins_supported() -> bool:
    """A direct PostgreSQL connection to a server with the sync layer: each user's server login
    can be managed from the CRM (by a connection allowed to create roles)."""
    db = _db()
    if engine(db) != "postgres":
        return False
    return bool(db.execute_sql("SELECT to_regclass('sync.login') IS NOT NULL").fetchone()[0])


def server_logins() -> dict[str, tuple[str, bool]]:
    """``{CRM user id: (login, may log in)}`` of the mapped server logins."""
    if not server_logins_supported():
        return {}
    rows = _db().execute_sql(
        "SELECT l.user_id::text, l.login, coalesce(r.rolcanlogin, false) FROM sync.login l "
        "LEFT JOIN pg_roles r ON r.rolname = l.login WHERE l.user_id IS NOT NULL").fetchall()
    return {user_id: (login, bool(can)) for user_id, login, can in rows}


def _login_guard(login: str) -> None:
    """Only CRM logins: a role the CRM did not create (a superuser, the owner) is never touched."""
    from desktop_crm.errors import PermissionDenied, ValidationError
    from desktop_crm.models import Action
    from desktop_crm.services.system import rights

    rights.require(Action.MANAGE_USERS)
    if not server_logins_supported():
        raise ValidationError(_("This database is not a CRM server: server logins are managed "
                                "on a PostgreSQL server after “desktop-crm server init”."))
    login = login.strip()
    if not login or len(login) > 63 or any(c.isspace() or c in "\"'\\" for c in login):
        raise ValidationError(_("A login is one word of at most 63 characters."), field="login")
    row = _db().execute_sql(
        "SELECT rolsuper OR rolcreaterole OR NOT EXISTS (SELECT 1 FROM pg_auth_members m "
        "JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid AND g.rolname = 'crm_user') "
        "FROM pg_roles r WHERE rolname = %s", (login,)).fetchone()
    if row is not None and row[0]:
        raise PermissionDenied(_("The server role {login} is not a CRM login; it is left as it "
                                 "is.").format(login=login))


def _password_guard(password: str) -> None:
    from desktop_crm.errors import ValidationError

    if len(password) < 8:
        raise ValidationError(_("The password needs at least 8 characters."), field="password")


def create_server_login(user_id: Any, login: str, password: str) -> None:
    """Create (or re-enable) the server login of a CRM user, mapped to that user only."""
    from desktop_crm.errors import ValidationError
    from desktop_crm.models import User
    from desktop_crm.sync import security

    _login_guard(login)
    _password_guard(password)
    db = _db()
    with database.atomic():
        user = User.get_or_none((User.id == uuid.UUID(str(user_id))) & User.deleted_at.is_null())
        if user is None:
            raise ValidationError(_("The user no longer exists."))
        taken = db.execute_sql("SELECT user_id FROM sync.login WHERE login = %s",
                               (login.strip(),)).fetchone()
        if taken is not None and taken[0] is not None and taken[0] != user.id:
            raise ValidationError(_("This server login already belongs to another user."),
                                  field="login")
        security.add_login(db.connection(), login.strip(), password, user.id)
        if user.login != login.strip():
            user.login = login.strip()
            user.save()


def reset_server_login_password(login: str, password: str) -> None:
    from desktop_crm._drivers import load_psycopg

    _login_guard(login)
    _password_guard(password)
    sql = load_psycopg().sql
    with database.atomic():
        _db().connection().execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(login.strip()), sql.Literal(password)))


def disable_server_login(login: str) -> None:
    """The login can no longer connect (its mapping stays, for the history)."""
    from desktop_crm._drivers import load_psycopg

    _login_guard(login)
    sql = load_psycopg().sql
    with database.atomic():
        _db().connection().execute(
            sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(login.strip())))
