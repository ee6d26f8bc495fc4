"""A SQLite replica of the shared PostgreSQL and its sync round: push, then pull.

:class:`Replica` is the local side: it turns the file into a replica on first use (bootstrap of the
bookkeeping, ``capture.make_replica``), holds its state (device id, the table layout, the server
connection) and runs a round: version gate, clock check and device registration, then
:func:`~desktop_crm.sync.push.push` batch after batch, resolutions, and one
:class:`~desktop_crm.sync.pull.Pull`. :func:`sync_once` is the ``desktop-crm sync`` command's round.
The merge of a push is :mod:`desktop_crm.sync.merge`; the value encoding :mod:`desktop_crm.sync.wire`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee

from desktop_crm import __version__
from desktop_crm._drivers import load_psycopg
from desktop_crm.errors import DatabaseReadOnly
from desktop_crm.i18n import _
from desktop_crm.ids import uuid7
from desktop_crm.models.db import CONNECT_TIMEOUT_S, execute_sql, is_read_only, open_database
from desktop_crm.models.schema import migrate
from desktop_crm.sync import capture, server
from desktop_crm.sync import hlc as hlc_mod
from desktop_crm.sync.layout import Layout, read_layout
from desktop_crm.sync.own_writes import OwnWrites, value_changing_tables
from desktop_crm.sync.pull import Progress, Pull
from desktop_crm.sync.push import ReplicaRestored, push
from desktop_crm.sync.server import ClockOffError, SyncError

log = logging.getLogger(__name__)

PUSH_BATCH = 20_000
PULL_PAGE = 5_000
# A server that keeps the TCP connection but stops answering (sync.md §2.14, black hole) fails the
# round after this long without a reply; PostgreSQL's own statement_timeout (120 s in a push) covers a
# slow but live server, so this only has to outlast a normal reply.
RESPONSE_TIMEOUT_S = 90.0

# Called with the name of each checkpoint a round passes (``Replica.checkpoint``); tests pass one
# that raises (or ends the process) to simulate a crash there.
FaultHook = Callable[[str], None]


@dataclass
class SyncResult:
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    parked: int = 0  # refused for good in this round
    parked_total: int = 0  # refused changes kept aside in the replica after this round
    purged: int = 0
    bootstrapped: bool = False
    horizon: int = 0
    clock_offset_ms: int = 0  # this computer's clock minus the server's, measured this round
    open_conflicts: int = 0  # conflicts in the replica nobody has reviewed yet (set by sync_once)
    details: dict[str, Any] = field(default_factory=dict)


class CrashPoint(Exception):
    """Raised by a test's crash hook to stop a round at a named point (simulated process death)."""


class Replica:
    """A SQLite replica of the shared PostgreSQL, bound to its peewee database object."""

    def __init__(
        self,
        db: peewee.Database,
        server_url: str,
        app_version: str = __version__,
        crash_hook: FaultHook | None = None,
        push_batch: int = PUSH_BATCH,
        pull_page: int = PULL_PAGE,
        keep_connection: bool = False,
        connect_timeout: float | None = None,
        response_timeout: float = RESPONSE_TIMEOUT_S,
    ) -> None:
        self.connect_timeout = connect_timeout or CONNECT_TIMEOUT_S
        self.response_timeout = response_timeout
        self.db: peewee.Database = getattr(db, "obj", db)
        self.server_url = server_url
        self.app_version = app_version
        self.crash_hook = crash_hook
        self.push_batch = push_batch
        self.pull_page = pull_page
        self.keep_connection = keep_connection
        self._pg: Any = None
        self._schema_key: tuple[Any, Any] | None = None
        self.layout = Layout()
        self.clock_offset_ms = 0
        self.lineage_next: str | None = None  # the token the push under way leaves on the server
        # what this replica's pushes left on the server as held here, until a pull passes it
        self.own = OwnWrites()
        self.pushed_own = OwnWrites()  # of the push transaction under way
        self._value_changing: frozenset[str] | None = None
        capture.make_replica(self.db)
        self.device = capture.device_id(self.db)

    # -- helpers --

    def checkpoint(self, point: str) -> None:
        """A named point of the round (``after_server_commit``, ``between_pull_pages``) where a
        test's :attr:`crash_hook` may stop it, as if the process died there."""
        if self.crash_hook is not None:
            self.crash_hook(point)

    def connect(self) -> Any:
        try:
            return server.connect(
                self.server_url, application_name=f"crm-sync/{self.device}",
                connect_timeout=max(2, round(self.connect_timeout)),
                response_timeout=self.response_timeout,
            )
        except load_psycopg().OperationalError as error:
            if "timeout expired" in str(error):
                raise SyncError(
                    _("The server did not answer within {seconds} s. Check the network connection; "
                      "your changes are kept and sync will try again.").format(
                        seconds=max(2, round(self.connect_timeout)))
                ) from error
            raise

    def _silent_server(self) -> SyncError | None:
        """The error to show when the connection was closed for want of a reply (black hole)."""
        seconds = getattr(self._pg, "crm_timed_out", None)
        if seconds is None:
            return None
        return SyncError(
            _("The server stopped answering (no reply within {seconds} s). Your changes are kept; "
              "sync will try again.").format(seconds=f"{seconds:g}")
        )

    # -- the round --

    def sync(self, progress: Progress | None = None) -> SyncResult:
        """Push everything pending, then pull; raises :class:`SyncError` with a user message.

        With ``keep_connection`` the server connection stays open between rounds (the app keeps
        one while online); otherwise each round connects and disconnects.
        """
        result = SyncResult()
        psycopg = load_psycopg()
        try:
            pg = self._connection()
            self._prepare(pg)
            result.clock_offset_ms = self.clock_offset_ms
            pending = capture.pending_count(self.db)
            while True:
                pushed, parked, more = push(self, pg)
                result.pushed += pushed
                result.parked += parked
                if progress and pending:
                    sent = min(pending, result.pushed + result.parked)
                    progress(sent if more else pending, pending, _("Uploading changes…"))
                if not more:
                    break
            self._push_resolutions(pg)
            pull = Pull(self).run(pg, progress=progress)
            result.details = pull.details
            result.pulled = pull.pulled
            result.conflicts = pull.conflicts
            result.purged = pull.purged
            result.bootstrapped = pull.bootstrapped
            result.horizon = pull.horizon
            result.parked_total = int(
                execute_sql(self.db, "SELECT count(*) FROM _outbox_parked").fetchone()[0]
            )
        except psycopg.OperationalError as error:
            silent = self._silent_server()
            self.close()
            if silent is not None:
                raise silent from error
            raise server.connection_error(self.server_url, error) from error
        except BaseException as error:
            silent = self._silent_server()
            self.close()
            if silent is not None and not isinstance(error, SyncError):
                raise silent from error
            raise
        if not self.keep_connection:
            self.close()
        return result

    def _push_resolutions(self, pg: Any) -> None:
        """Conflicts the user resolved here (keep mine / keep theirs) are marked on the server."""
        ids = [
            uuid.UUID(bytes=bytes(r[0]))
            for r in execute_sql(self.db, "SELECT id FROM _conflict WHERE resolved_by = 'local'")
        ]
        if not ids:
            return
        with pg.transaction():
            (login,) = pg.execute("SELECT session_user").fetchone()
            pg.execute(
                "UPDATE sync.conflict SET resolved_at = now(), resolved_by = session_user "
                "WHERE id = ANY(%s) AND resolved_at IS NULL",
                (ids,),
            )
        with self.db.atomic("IMMEDIATE"):
            execute_sql(
                self.db, "UPDATE _conflict SET resolved_by = ? WHERE resolved_by = 'local'", (login,)
            )

    def _connection(self) -> Any:
        if self._pg is None or self._pg.closed or self._pg.broken:
            self._pg = self.connect()
        return self._pg

    def value_changing_tables(self, pg: Any) -> frozenset[str]:
        """The synced tables whose server triggers may change values written (read once per
        layout; :func:`~desktop_crm.sync.own_writes.value_changing_tables`)."""
        if self._value_changing is None:
            self._value_changing = value_changing_tables(pg, list(self.layout.server_columns))
        return self._value_changing

    def close(self) -> None:
        if self._pg is not None:
            try:
                self._pg.close()
            finally:
                self._pg = None

    def _prepare(self, pg: Any) -> None:
        """Version gate, clock check and device registration, before any write."""
        with pg.transaction():
            schema_version, _minimum = server.check_compatible(pg, self.app_version)
            self._check_clock(pg)
            local_version = capture.meta_get(self.db, "schema_version")
            key = (schema_version, local_version)
            if self._schema_key != key:  # read the table layout once per schema pair
                self.layout = read_layout(pg, self.db)
                self._schema_key = key
                self._value_changing = None
            pg.execute(
                "INSERT INTO sync.device (device_id, app_version, last_seen) VALUES (%s, %s, now()) "
                "ON CONFLICT (device_id) DO UPDATE SET app_version = excluded.app_version, "
                "last_seen = now()",
                (self.device, self.app_version),
            )
            self._remember_identity(pg)

    def _remember_identity(self, pg: Any) -> None:
        """The CRM user this replica's server login maps to (``sync.login``): who works on this
        file (``services.system.session``). The server's owner is no application login: ''."""
        login, member, user_id = pg.execute(
            "SELECT session_user, EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g "
            "ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = 'crm_user' "
            "AND u.rolname = session_user AND NOT u.rolsuper), "
            "(SELECT user_id::text FROM sync.login WHERE login = session_user)"
        ).fetchone()
        capture.meta_set(self.db, "login", login if member else "")
        capture.meta_set(self.db, "login_user_id", (user_id or "") if member else "")

    def _check_clock(self, pg: Any) -> None:
        """Refuse to sync (nothing written, nothing lost) when this computer's clock is off by more
        than the drift bound: the server would refuse its stamps when ahead, and when behind, its
        edits would lose every concurrent conflict. Once the clock is right again, pending entries
        stamped while it ran ahead are restamped, or the server would keep refusing them."""
        clock = capture.clock_of(self.db)
        offset = server.server_clock_offset(pg, clock)
        self.clock_offset_ms = offset
        if abs(offset) > hlc_mod.MAX_DRIFT_MS:
            raise ClockOffError(offset)
        server_ms = hlc_mod.physical_ms(clock) - offset
        limit = hlc_mod.pack(server_ms + hlc_mod.MAX_DRIFT_MS, 0)
        (pending_max,) = execute_sql(self.db, "SELECT coalesce(max(hlc), 0) FROM _outbox").fetchone()
        state = int(capture.meta_get(self.db, "hlc", 0) or 0)
        if max(int(pending_max), state) > limit:
            restamped = capture.rebase_future_stamps(
                self.db, limit, hlc_mod.pack(hlc_mod.physical_ms(clock), 0)
            )
            log.warning("clock was ahead: %d pending changes restamped", restamped)


def reincarnate(db: peewee.Database) -> uuid.UUID:
    """Give a restored or copied replica a new device identity and make it re-download."""
    db = getattr(db, "obj", db)
    new = uuid7()
    with db.atomic("IMMEDIATE"):
        capture.meta_set(db, "device_id", str(new))
        capture.meta_set(db, "incarnation", int(capture.meta_get(db, "incarnation", 1) or 1) + 1)
        execute_sql(
            db, "DELETE FROM _sync_meta WHERE k LIKE 'cursor:%' OR k LIKE 'page:%' "
            "OR k IN ('lineage', 'lineage_next')",
        )
    return new


def open_replica(path: str | Path) -> peewee.Database:
    """Open (creating if needed) and migrate a local SQLite file; binds the app's database proxy."""
    db = open_database(str(path))
    if is_read_only(db):
        db.close()
        raise DatabaseReadOnly(_(
            "{name} is read-only: synchronising writes to it. Check that you may write to the "
            "file.").format(name=path))
    migrate(db)
    return db


def combine(first: SyncResult, second: SyncResult) -> SyncResult:
    """One result for two rounds run back to back (the second sends what the first brought about)."""
    second.pushed += first.pushed
    second.pulled += first.pulled
    second.conflicts += first.conflicts
    second.parked += first.parked
    second.purged += first.purged
    second.bootstrapped = second.bootstrapped or first.bootstrapped
    second.details["tables"] = sorted(
        set(first.details.get("tables", ())) | set(second.details.get("tables", ()))
    )
    return second


def record_outcome(db: Any, result: SyncResult | None = None,
                   error: SyncError | None = None, server_url: str | None = None) -> None:
    """What the status bar shows, kept in the replica: the server (without its password), when
    the last round succeeded, or why it failed. Written by every round, from the app's Sync now
    and from ``desktop-crm sync`` alike."""
    import datetime as dt

    from desktop_crm.models.credentials import strip_password

    if error is not None and not capture.is_replica(db):
        return  # a file that never synced stays exactly as it was after a failed first round
    with db.atomic():
        if server_url:
            capture.meta_set(db, "server_url", strip_password(server_url))
        if error is not None:
            capture.meta_set(db, "last_error", error.message)
            capture.meta_set(db, "last_error_kind", "clock" if isinstance(error, ClockOffError) else "")
            if isinstance(error, ClockOffError):
                capture.meta_set(db, "clock_offset_ms", error.offset_ms)
            return
        capture.meta_set(db, "last_sync_at", dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat())
        capture.meta_set(db, "last_error", "")
        capture.meta_set(db, "last_error_kind", "")
        if result is not None:
            capture.meta_set(db, "clock_offset_ms", result.clock_offset_ms)


def sync_once(
    local_path: str | Path,
    server_url: str,
    progress: Progress | None = None,
    app_version: str = __version__,
    after_round: Callable[[], int] | None = None,
) -> SyncResult:
    """The ``desktop-crm sync`` round: open (or create) the replica, sync, close.

    ``after_round`` runs local follow-up work on what was pulled (re-freezing invoices that received
    their final number); when it changed anything, a second round sends it at once.
    """
    new_file = not Path(local_path).exists()
    db = open_replica(local_path)
    try:
        if new_file:
            capture.make_replica(db, upload_existing=False)
        replica = Replica(db, server_url, app_version=app_version)
        try:
            try:
                result = replica.sync(progress)
            except ReplicaRestored:
                reincarnate(db)
                replica = Replica(db, server_url, app_version=app_version)
                result = replica.sync(progress)
            if after_round is not None and after_round():
                result = combine(result, replica.sync(progress))
        except SyncError as error:
            record_outcome(db, error=error, server_url=server_url)
            raise
        result.open_conflicts = capture.open_conflicts(db)
        # the app opening this file later shows a synchronised replica with Sync now enabled
        record_outcome(db, result, server_url=server_url)
        return result
    finally:
        if not db.is_closed():
            db.close()


__all__ = [
    "RESPONSE_TIMEOUT_S",
    "CrashPoint",
    "FaultHook",
    "Replica",
    "ReplicaRestored",
    "SyncResult",
    "combine",
    "open_replica",
    "reincarnate",
    "sync_once",
]
