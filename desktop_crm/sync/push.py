"""Push: the replica's pending changes to the server, one server transaction per batch (sync.md §2.7).

The outbox is read in ``seq`` order, a batch extended to the end of the local transaction of its
last entry (``_outbox.tx``), and merged field by field (:mod:`desktop_crm.sync.merge`). One server
transaction per batch: version gate, lock the device row, skip ``seq <= last_pushed_seq`` (so a
retry after a lost acknowledgement applies nothing twice), merge and write, record conflicts,
advance ``last_pushed_seq``, commit. Only then are the entries deleted locally.

Entries the server refuses for good (a rule, a permission) are parked in ``_outbox_parked`` with the
server's message, with every other change of the same local transaction, so the rest keeps syncing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from desktop_crm.i18n import _
from desktop_crm.models.db import execute_sql
from desktop_crm.sync import capture, own_writes, server
from desktop_crm.sync.merge import Merger
from desktop_crm.sync.own_writes import OwnWrites
from desktop_crm.sync.server import ClockOffError, SyncError

if TYPE_CHECKING:
    from desktop_crm.sync.replica import Replica

log = logging.getLogger(__name__)

HELD_BACK = "refused together with another change of the same action: {reason}"
LINEAGE, LINEAGE_NEXT = "lineage", "lineage_next"


class ReplicaRestored(SyncError):
    """This file is not the one the server last heard from under its device id: a file restored
    from a backup, or a copy of a replica (two computers seeded from one file). Pushing would reuse
    outbox numbers the server skips as already applied, so the file takes a new device identity and
    re-downloads, and its pending changes are replayed under the new identity (with the clocks of
    when they were made, so newer server values win).

    Told by the *lineage*: a random token the server and the file share, renewed by every push
    (:func:`_check_lineage`); and, for a device the server has no token of yet, by the server
    having acknowledged more outbox numbers than this file ever issued."""

    def __init__(self, server_seq: int, local_seq: int) -> None:
        super().__init__(
            _("This database was restored from a backup or copied from another computer; it will "
              "download the server's data again and then send its own changes.")
        )
        self.server_seq = server_seq
        self.local_seq = local_seq


class _HoldBack(Exception):
    """Rolls a push transaction back to send it again without these entries (their action had a
    change refused for good)."""

    def __init__(self, seqs: dict[int, str]) -> None:
        super().__init__(f"{len(seqs)} entries held back")
        self.seqs = seqs


def push(replica: Replica, pg: Any) -> tuple[int, int, bool]:
    """Push one batch; returns (entries applied, entries parked, more pending).

    A local transaction is one user action: when the server refuses one of its changes for
    good, all of its changes are held back together (parked), so the server never shows part
    of an action (the deal without its lines, an issued invoice's files without the issue).
    """
    db = replica.db
    entries = capture.iter_outbox(db, replica.push_batch)
    if not entries:
        return 0, 0, False
    replica.lineage_next = _next_lineage(db)
    max_seq = entries[-1][0]
    txs = dict(execute_sql(
        db, "SELECT seq, tx FROM _outbox WHERE seq BETWEEN ? AND ?", (entries[0][0], max_seq)
    ).fetchall())
    applied, parked = _push_until_accepted(replica, pg, entries, max_seq, txs)
    replica.checkpoint("after_server_commit")
    with db.atomic("IMMEDIATE"):
        if parked:
            now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
            for seq, error in parked.items():
                execute_sql(
                    db,
                    "INSERT OR REPLACE INTO _outbox_parked (seq, tbl, row_id, op, base_ver, hlc, "
                    "fields, schema_version, created_at, error, parked_at, tx) SELECT seq, tbl, "
                    "row_id, op, base_ver, hlc, fields, schema_version, created_at, ?, ?, tx "
                    "FROM _outbox WHERE seq = ?",
                    (error, now_ms, seq),
                )
        execute_sql(db, "DELETE FROM _outbox WHERE seq <= ?", (max_seq,))
        _take_versions(db, replica.pushed_own)
        capture.meta_set(db, LINEAGE, replica.lineage_next)
        execute_sql(db, "DELETE FROM _sync_meta WHERE k = ?", (LINEAGE_NEXT,))
    replica.own.add(replica.pushed_own)
    return applied, len(parked), len(entries) >= replica.push_batch


def _take_versions(db: Any, own: OwnWrites) -> None:
    """Rows the push left as held here take the server's version and clock, as a pull would give
    them (the pull skips them); capture stays silent (nothing changed)."""
    if not own.versions and not own.inserted:
        return
    with capture.applying(db):
        for table, versions in own.versions.items():
            db.connection().executemany(
                f'UPDATE "{table}" SET "_ver" = ?, "_hlc" = ? WHERE id = ?',
                [(ver, clock, row_id) for row_id, (ver, clock, _xid) in versions.items()],
            )
        for table, rows in own.inserted.items():
            db.connection().executemany(
                f'UPDATE "{table}" SET "_ver" = 1, "_hlc" = ? WHERE id = ?',
                [(clock, row_id) for row_id, clock in rows],
            )


def _push_until_accepted(
    replica: Replica, pg: Any, entries: list[tuple[Any, ...]], max_seq: int, txs: dict[int, Any]
) -> tuple[int, dict[int, str]]:
    """Run the server transaction until it commits: once in bulk; when refused, again row by row
    to find the offenders; again without the actions they belong to. Returns what
    :func:`_push_transaction` returned for the committed attempt."""
    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()
    held: dict[int, str] = {}
    isolated = False
    while True:
        try:
            with pg.transaction():
                applied, parked = _push_transaction(replica, pg, entries, max_seq, isolated, held)
                more = _same_transactions(parked, txs)
                if set(more) - set(parked):
                    raise _HoldBack(more)  # roll back; push again without those actions
            return applied, parked
        except _HoldBack as hold:
            held.update(hold.seqs)
        except (psycopg.errors.IntegrityError, psycopg.errors.InsufficientPrivilege,
                psycopg.errors.RaiseException, psycopg.errors.DataError) as error:
            if server.is_clock_refusal(error):  # kept, not parked: fix the clock and retry
                raise ClockOffError(None) from error
            if isolated:
                raise
            isolated = True
            log.info("push refused (%s); retrying row by row to park the offenders", error)


def _push_transaction(
    replica: Replica, pg: Any, entries: list[tuple[Any, ...]], max_seq: int, isolated: bool,
    held: dict[int, str],
) -> tuple[int, dict[int, str]]:
    """The server side of a push; returns (entries applied, {seq: reason} refused for good).

    ``held`` entries are not sent (another change of their action was refused) but count as
    refused. What is refused is written into ``sync.push_log`` with the batch, so a retry after
    a lost acknowledgement learns it again instead of dropping those entries unparked."""
    from psycopg.types.json import Jsonb

    replica.pushed_own = OwnWrites()
    pg.execute(  # both for this transaction only, in one round trip
        "SELECT set_config('lock_timeout', '5s', true), set_config('statement_timeout', '120s', true)"
    )
    server.check_compatible(pg, replica.app_version)
    last = _last_pushed_seq(replica, pg)
    fresh = [e for e in entries if e[0] > last]
    todo = [e for e in fresh if e[0] not in held]
    parked: dict[int, str] = {s: r for s, r in held.items() if s > last}
    if fresh[:1] != entries[:1]:  # part of the batch was acknowledged before (lost reply)
        parked.update(_refused_before(replica, pg, entries[0][0], min(last, max_seq)))
    if todo:
        if isolated:
            pg.execute("SET CONSTRAINTS ALL IMMEDIATE")
        merger = Merger(replica.db, pg, replica.device, replica.layout)
        parked.update(merger.apply(todo, isolated))
        replica.pushed_own = own_writes.collect(
            pg, merger.bulk_rows, merger.as_held, merger.revived,
            replica.value_changing_tables(pg),
        )
    if fresh:
        refused = {str(s): r for s, r in parked.items() if s > last}
        _keep_refused(pg, replica, fresh, refused)
        pg.execute(
            "INSERT INTO sync.push_log (device_id, seq_from, seq_to, n, parked) "
            "VALUES (%s, %s, %s, %s, %s)",
            (replica.device, fresh[0][0], max_seq, len(fresh), Jsonb(refused) if refused else None),
        )
    pg.execute(
        "UPDATE sync.device SET last_pushed_seq = greatest(last_pushed_seq, %s), lineage = %s, "
        "last_seen = now() WHERE device_id = %s",
        (max_seq, replica.lineage_next, replica.device),
    )
    return len(todo) - len([s for s in parked if s > last and s not in held]), parked


def _next_lineage(db: Any) -> str:
    """A fresh token for this push to leave on the server, added to the file's list of tokens
    still unacknowledged *before* the server transaction: when the acknowledgement is lost (a crash
    after the server commit), the next push is recognised as this file's continuation. A token is
    never reused, so a copy made while one was unacknowledged is told apart once either file pushed
    again."""
    token = secrets.token_hex(16)
    with db.atomic("IMMEDIATE"):
        capture.meta_set(db, LINEAGE_NEXT, json.dumps([*_pending_lineages(db), token][-1000:]))
    return token


def _pending_lineages(db: Any) -> list[str]:
    try:
        pending = json.loads(capture.meta_get(db, LINEAGE_NEXT) or "[]")
    except ValueError:
        return []
    return [str(t) for t in pending] if isinstance(pending, list) else []


def _keep_refused(
    pg: Any, replica: Replica, fresh: list[tuple[Any, ...]], refused: dict[str, str]
) -> None:
    """The server's own record of what it refused from this device and why (``sync.refused``,
    readable by the login that pushed): the administrator sees attempts a replica made."""
    if not refused or pg.execute("SELECT to_regclass('sync.refused')").fetchone()[0] is None:
        return  # a server not yet upgraded by ``server init``: the replica still keeps them
    rows = [
        (replica.device, seq, table, uuid.UUID(bytes=bytes(row_id)), refused[str(seq)])
        for seq, table, row_id, *_rest in fresh
        if str(seq) in refused
    ]
    pg.cursor().executemany(
        "INSERT INTO sync.refused (device_id, seq, tbl, row_id, reason) VALUES (%s, %s, %s, %s, %s)",
        rows,
    )


def _last_pushed_seq(replica: Replica, pg: Any) -> int:
    """The highest ``seq`` the server acknowledged for this device (its row locked), after making
    sure this file is the one the server last heard from (:class:`ReplicaRestored`)."""
    row = pg.execute(
        "SELECT last_pushed_seq, lineage FROM sync.device WHERE device_id = %s FOR UPDATE",
        (replica.device,),
    ).fetchone()
    if row is None:
        raise SyncError(_("This device is not registered on the server."))
    last, lineage = int(row[0]), row[1]
    highest_issued = execute_sql(
        replica.db, "SELECT seq FROM sqlite_sequence WHERE name = '_outbox'"
    ).fetchone()
    issued = int(highest_issued[0]) if highest_issued is not None else 0
    if lineage is not None:
        _check_lineage(replica, lineage, last, issued)
    elif last > issued:
        raise ReplicaRestored(last, issued)
    return last


def _check_lineage(replica: Replica, lineage: str, last: int, issued: int) -> None:
    """The server's token must be this file's current one or one of its own unacknowledged
    pushes; anything else means another file (an older backup, or a copy that pushed first) spoke
    under this device id since this file last did."""
    known = {capture.meta_get(replica.db, LINEAGE), *_pending_lineages(replica.db)}
    if lineage not in known:
        log.warning("device %s: lineage differs from the server's; treating the file as restored",
                    replica.device)
        raise ReplicaRestored(last, issued)


def _refused_before(replica: Replica, pg: Any, low: int, high: int) -> dict[int, str]:
    refused: dict[int, str] = {}
    for (entries,) in pg.execute(
        "SELECT parked FROM sync.push_log WHERE device_id = %s AND parked IS NOT NULL "
        "AND seq_to >= %s AND seq_from <= %s",
        (replica.device, low, high),
    ).fetchall():
        for seq_text, reason in entries.items():
            if low <= int(seq_text) <= high:
                refused[int(seq_text)] = reason
    return refused


def _same_transactions(parked: dict[int, str], txs: dict[int, Any]) -> dict[int, str]:
    """``parked`` plus every other entry of the local transactions it touches (same reason)."""
    reasons: dict[Any, str] = {}
    for seq, reason in parked.items():
        tx = txs.get(seq)
        if tx is not None and tx not in reasons:
            reasons[tx] = reason
    result = dict(parked)
    for seq, tx in txs.items():
        if tx in reasons and seq not in result:
            result[seq] = HELD_BACK.format(reason=reasons[tx])
    return result
