"""The per-field merge of a push, inside its server transaction (sync.md §2.7).

The entries of a batch are coalesced per row and field (last value, highest HLC, lowest base
version). Each target row is locked; a field *conflicts* when the server changed it after the
client's base version and the change came from another device. The winner is the larger
``(hlc, origin)``; the loser's value is kept in ``sync.conflict`` (and mirrored locally by the next
pull). Fields nobody else touched merge silently. Then no live child may point at a deleted parent
(add-wins, :meth:`Merger._compensate`).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import peewee

from desktop_crm.ids import uuid7
from desktop_crm.models.db import execute_sql
from desktop_crm.sync import server
from desktop_crm.sync.bulk import BulkInsert
from desktop_crm.sync.layout import Layout
from desktop_crm.sync.policies import APPEND_ONLY
from desktop_crm.sync.server import ClockOffError
from desktop_crm.sync.wire import to_server, to_wire

# Concurrent writes keep the larger value: how far a deal has got in its pipeline (the furthest
# open/won stage order it entered) only grows with moves, so two devices moving one deal offline
# keep the furthest stage either reached, as its merged stage history implies.
MAX_MERGED_FIELDS = {"reached_order"}

DERIVED_SUFFIXES = ("_key", "_e164")
DERIVED_FIELDS = {"updated_at", "search_text"}
NO_VERSION: dict[str, Any] = {"h": 0, "o": None, "v": 0}


def is_derived(name: str) -> bool:
    """Fields the app derives from others (search text, normalised keys) or stamps on every save
    (``updated_at``): concurrent writes to them are decided by (HLC, origin) like any field but are
    not shown as conflicts (the user conflict, if any, is on the field they were derived from)."""
    return name in DERIVED_FIELDS or name.endswith(DERIVED_SUFFIXES)


@dataclass
class RowChange:
    table: str
    row_id: uuid.UUID
    insert: bool = False
    seqs: list[int] = field(default_factory=list)
    fields: dict[str, list[Any]] = field(default_factory=dict)  # name -> [value, hlc, base]


# columns of one statement -> the parameter rows it is run with
Statements = dict[tuple[str, ...], list[list[Any]]]


@dataclass
class _TableWrites:
    """What the merge of one table's changes decided to write, and what it refused."""

    inserts: Statements = field(default_factory=dict)
    updates: Statements = field(default_factory=dict)
    parked: dict[int, str] = field(default_factory=dict)  # seq -> reason


class Merger:
    """The per-field merge inside the push transaction."""

    def __init__(self, db: peewee.Database, pg: Any, device: uuid.UUID, layout: Layout) -> None:
        from psycopg.types.json import Jsonb

        self.jsonb = Jsonb
        self.db = db
        self.pg = pg
        self.device = device
        self.device_text = str(device)
        self.layout = layout
        self.columns = layout.server_columns
        self.conflicts: list[tuple[Any, ...]] = []
        self.written_alive: dict[str, set[uuid.UUID]] = {}
        self.written_deleted: dict[str, set[uuid.UUID]] = {}
        # tables the set-based inserts wrote to (their rows are found by this transaction's id)
        self.bulk_tables: set[str] = set()
        # rows this push left exactly as this replica holds them, per table: new rows, and rows
        # nobody else had written since this replica's copy (:meth:`_merge_update`)
        self.as_held: dict[str, list[uuid.UUID]] = {}
        self.bulk_rows: dict[str, list[tuple[bytes, int]]] = {}
        self.revived: dict[str, set[uuid.UUID]] = {}

    @staticmethod
    def coalesce(entries: list[tuple[Any, ...]]) -> dict[tuple[str, bytes], RowChange]:
        changes: dict[tuple[str, bytes], RowChange] = {}
        for seq, table, row_id, op, base_ver, hlc_value, fields, _sv in entries:
            key = (table, bytes(row_id))
            change = changes.get(key)
            if change is None:
                change = changes[key] = RowChange(table, uuid.UUID(bytes=bytes(row_id)))
            change.seqs.append(seq)
            if op == "I":
                change.insert = True
            for name, value in json.loads(fields).items():
                known = change.fields.get(name)
                if known is None:
                    change.fields[name] = [value, hlc_value, base_ver]
                else:
                    known[0] = value
                    known[1] = max(known[1], hlc_value)
                    known[2] = min(known[2], base_ver)
        return changes

    def apply(self, entries: list[tuple[Any, ...]], isolated: bool) -> dict[int, str]:
        """Merge and write ``entries``; returns ``{seq: reason}`` of those refused for good."""
        if not isolated:  # row by row (finding what the server refuses) takes the merge path
            bulk = BulkInsert(self.pg, self.device, self.layout).apply(entries)
            entries = bulk.rest
            self.bulk_rows = bulk.rows
            self.bulk_tables = set(bulk.rows)
        changes = self.coalesce(entries)
        by_table: dict[str, list[RowChange]] = {}
        for change in changes.values():
            by_table.setdefault(change.table, []).append(change)
        parked: dict[int, str] = {}
        order = [t for t in self.columns if t in by_table] + [t for t in by_table if t not in self.columns]
        for table in order:
            if table not in self.columns:
                for change in by_table[table]:
                    for seq in change.seqs:
                        parked[seq] = f"table {table} does not exist on the server"
                continue
            if table in self.layout.content_tables:
                self._upload_bodies(table, by_table[table])
            parked.update(self._apply_table(table, by_table[table], isolated))
        self._compensate()
        if self.conflicts:
            self.pg.cursor().executemany(
                "INSERT INTO sync.conflict (id, tbl, row_id, field, kind, winner, loser, winner_device, "
                "loser_device, winner_hlc, loser_hlc) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                self.conflicts,
            )
        return parked

    def _upload_bodies(self, table: str, changes: list[RowChange]) -> None:
        """Put the bodies of the hashes this batch names into ``sync.blob``, unless the server
        already holds them (content-addressed: each body crosses the wire once)."""
        hashes = {c.fields["sha256"][0] for c in changes if "sha256" in c.fields}
        hashes.discard(None)
        if not hashes:
            return
        known = {r[0] for r in self.pg.execute(
            "SELECT sha256 FROM sync.blob WHERE sha256 = ANY(%s)", (sorted(hashes),)).fetchall()}
        uploads = []
        for digest in sorted(hashes - known):
            row = execute_sql(
                self.db, f'SELECT content FROM "{table}" WHERE sha256 = ? LIMIT 1', (digest,)
            ).fetchone()
            if row is not None and hashlib.sha256(bytes(row[0])).hexdigest() == digest:
                uploads.append((digest, bytes(row[0])))
        if uploads:
            self.pg.cursor().executemany(
                "INSERT INTO sync.blob (sha256, content) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                uploads,
            )

    # -- one table --

    def _apply_table(self, table: str, changes: list[RowChange], isolated: bool) -> dict[int, str]:
        """Lock the rows, merge each change into an insert or an update, write them in bulk."""
        types = self.columns[table]
        current = self._lock_rows(table, changes, types)
        writes = _TableWrites()
        for change in changes:
            fields = {k: v for k, v in change.fields.items() if k in types}
            server_row = current.get(change.row_id)
            if server_row is None:
                self._merge_insert(table, change, fields, types, writes)
            else:
                self._merge_update(table, change, fields, types, server_row, writes)
        self._write(table, writes, isolated, changes)
        return writes.parked

    def _lock_rows(
        self, table: str, changes: list[RowChange], types: dict[str, str]
    ) -> dict[uuid.UUID, dict[str, Any]]:
        """The server's current values of the fields the changes touch (and ``deleted_at``), with
        ``_ver`` and the field versions ``_fv``, of the rows locked for this transaction."""
        wanted = sorted({f for c in changes for f in c.fields if f in types} | {"deleted_at"})
        wanted = [c for c in wanted if c in types]
        select = ", ".join(f'"{c}"' for c in wanted)
        # an append-only table's rows never change (and its logins may not lock them): no lock
        lock = "" if table in APPEND_ONLY else " FOR UPDATE"
        cursor = self.pg.execute(
            f'SELECT id, _ver, _fv, {select} FROM "{table}" WHERE id = ANY(%s) ORDER BY id{lock}',
            ([c.row_id for c in changes],),
        )
        return {
            row[0]: {"_ver": row[1], "_fv": row[2] or {}, **dict(zip(wanted, row[3:], strict=True))}
            for row in cursor.fetchall()
        }

    def _merge_insert(
        self, table: str, change: RowChange, fields: dict[str, list[Any]], types: dict[str, str],
        writes: _TableWrites,
    ) -> None:
        """A row the server does not have: inserted when the change created it, else parked."""
        if not change.insert:
            for seq in change.seqs:
                writes.parked[seq] = "the row no longer exists on the server (purged or not visible)"
            return
        names = tuple(sorted(fields))
        top = max(v[1] for v in fields.values()) if fields else 0
        # a field written at the row's clock needs no hint (the server stamps it with that clock)
        hints = {k: v[1] for k, v in fields.items() if v[1] != top}
        values = [change.row_id, *(to_server(fields[n][0], types[n]) for n in names)]
        writes.inserts.setdefault(names, []).append([*values, top, self.device, self.jsonb(hints)])
        self.as_held.setdefault(table, []).append(change.row_id)
        self._track(table, change.row_id, fields.get("deleted_at", [None])[0] is None)

    def _merge_update(
        self, table: str, change: RowChange, fields: dict[str, list[Any]], types: dict[str, str],
        server_row: dict[str, Any], writes: _TableWrites,
    ) -> None:
        """A row the server has: each field merged on its own; the winners become one update."""
        won: dict[str, tuple[Any, int]] = {}
        for name, (value, hc, base) in fields.items():
            decided = self._merge_field(
                table, change.row_id, name, value, hc, 0 if change.insert else base,
                server_row[name], server_row["_fv"], types[name],
            )
            if decided is not None:
                won[name] = decided
        deleted = server_row.get("deleted_at")
        edits = {k: v for k, v in won.items() if v[0] != server_row[k]}
        if deleted is not None and "deleted_at" not in won and edits:
            self._note_edit_of_deleted(table, change.row_id, fields, edits, deleted, server_row["_fv"])
        if not won:
            return
        if not change.insert and min(v[2] for v in fields.values()) == server_row["_ver"]:
            # nobody wrote the row since this replica's copy: the update leaves it as held here
            self.as_held.setdefault(table, []).append(change.row_id)
        names = tuple(sorted(won))
        top = max(hc for _v, hc in won.values())
        hints = {k: hc for k, (_v, hc) in won.items()}
        writes.updates.setdefault(names, []).append(
            [*(won[n][0] for n in names), top, self.device, self.jsonb(hints), change.row_id]
        )
        alive = (won["deleted_at"][0] if "deleted_at" in won else deleted) is None
        self._track(table, change.row_id, alive)

    def _merge_field(
        self, table: str, row_id: uuid.UUID, name: str, value: Any, hc: int, base: int,
        server_value: Any, field_versions: dict[str, Any], data_type: str,
    ) -> tuple[Any, int] | None:
        """``(value, hlc)`` to write when this device's value of one field wins, else ``None``.

        A change the server saw no concurrent write to wins; a concurrent one is decided by
        :data:`MAX_MERGED_FIELDS`, or by the larger ``(hlc, origin)``, recorded as a conflict
        unless the field is derived."""
        mine = to_server(value, data_type)
        version = field_versions.get(name) or field_versions.get("*") or NO_VERSION
        if mine == server_value:
            # the same value, written later than the server's version of it (changed and back,
            # or written alike on two devices): its newer clock is recorded, so an older copy's
            # change of the field (a restored backup replaying it) cannot win afterwards
            return (mine, hc) if hc > int(version["h"]) else None
        theirs_device = version.get("o")
        if int(version["v"]) <= base or theirs_device == self.device_text:  # not concurrent
            return mine, hc
        theirs = (int(version["h"]), str(theirs_device or ""))
        mine_newer = (hc, self.device_text) > theirs
        if name in MAX_MERGED_FIELDS:  # the larger value wins, whoever wrote last
            larger = mine is not None and (server_value is None or mine > server_value)
            return (mine, hc) if larger else None
        if is_derived(name):  # bookkeeping or derived from other fields: no user conflict
            return (mine, hc) if mine_newer else None
        if mine_newer:
            self._conflict(table, row_id, name, "field", value, to_wire(server_value),
                           self.device, theirs_device, hc, theirs[0])
            return mine, hc
        self._conflict(table, row_id, name, "field", to_wire(server_value), value,
                       theirs_device, self.device, theirs[0], hc)
        return None

    def _note_edit_of_deleted(
        self, table: str, row_id: uuid.UUID, fields: dict[str, list[Any]],
        won: dict[str, tuple[Any, int]], deleted: Any, field_versions: dict[str, Any],
    ) -> None:
        """Edits that win on a row another device deleted after this one last saw it: the row stays
        deleted and the user learns what was edited (an ``edit_of_deleted`` conflict)."""
        version = field_versions.get("deleted_at") or field_versions.get("*") or NO_VERSION
        bases = [v[2] for v in fields.values()]
        if int(version["v"]) > min(bases, default=0) and version.get("o") != self.device_text:
            edits = {k: to_wire(v[0]) for k, v in won.items()}
            self._conflict(table, row_id, "deleted_at", "edit_of_deleted",
                           to_wire(deleted), edits, version.get("o"), self.device,
                           int(version["h"]), max(v[1] for v in won.values()))

    def _track(self, table: str, row_id: uuid.UUID, alive: bool) -> None:
        target = self.written_alive if alive else self.written_deleted
        target.setdefault(table, set()).add(row_id)

    def _write(
        self, table: str, writes: _TableWrites, isolated: bool, changes: list[RowChange]
    ) -> None:
        """Run the inserts and updates: in bulk, or (``isolated``) row by row in savepoints, parking
        the entries of a row the server refuses for good."""
        seqs_of = {c.row_id: c.seqs for c in changes}
        statements: list[tuple[str, list[list[Any]]]] = []
        for names, rows in writes.inserts.items():
            cols = ", ".join(f'"{n}"' for n in ("id", *names, "_hlc", "_origin", "_fv"))
            marks = ", ".join(["%s"] * (len(names) + 4))
            statements.append(
                (f'INSERT INTO "{table}" ({cols}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING', rows)
            )
        for names, rows in writes.updates.items():
            sets = ", ".join(f'"{n}" = %s' for n in names)
            statements.append(
                (f'UPDATE "{table}" SET {sets}, _hlc = %s, _origin = %s, _fv = %s WHERE id = %s', rows)
            )
        for statement, rows in statements:
            if not isolated:
                self.pg.cursor().executemany(statement, rows)
                continue
            for row in rows:
                row_id = row[0] if statement.startswith("INSERT") else row[-1]
                try:
                    with self.pg.transaction():
                        self.pg.execute(statement, row)
                except Exception as error:  # a permanent refusal of this row: park its entries
                    if server.is_clock_refusal(error):
                        raise ClockOffError(None) from error
                    if not is_permanent(error):
                        raise
                    for seq in seqs_of.get(row_id, []):
                        writes.parked[seq] = str(error).strip().splitlines()[0]
                    for bucket in (self.written_alive, self.written_deleted):
                        bucket.get(table, set()).discard(row_id)

    def _conflict(
        self, table: str, row_id: uuid.UUID, name: str, kind: str, winner: Any, loser: Any,
        winner_device: Any, loser_device: Any, winner_hlc: int, loser_hlc: int,
    ) -> None:
        self.conflicts.append(
            (uuid7(), table, row_id, name, kind, self.jsonb(winner), self.jsonb(loser),
             _as_uuid(winner_device), _as_uuid(loser_device), winner_hlc, loser_hlc)
        )

    # -- references --

    def _compensate(self) -> None:
        """Add-wins for references: no live child may point at a deleted parent.

        A parent deleted by this batch while a live child references it stays alive; a live child
        written by this batch revives its deleted parent. Each revival is a server-stamped edit
        (newer than the delete) with a conflict row so the user learns why. Repeats up the chain.
        """
        revive = self._parents_kept_by_live_children()
        frontier = {t: set(ids) for t, ids in self.written_alive.items()}
        seen: set[tuple[str, uuid.UUID]] = set()
        first = True
        while frontier or first:
            next_frontier: dict[str, set[uuid.UUID]] = {}
            for parent, parent_id in self._deleted_parents(frontier, first):
                if (parent, parent_id) not in seen:
                    revive.setdefault(parent, set()).add(parent_id)
                    next_frontier.setdefault(parent, set()).add(parent_id)
            frontier = next_frontier
            first = False
            for table, ids in revive.items():
                seen.update((table, i) for i in ids)
        for table, ids in revive.items():
            if not ids:
                continue
            rows = self.pg.execute(
                f'UPDATE "{table}" SET deleted_at = NULL WHERE id = ANY(%s) AND deleted_at IS NOT NULL '
                "RETURNING id, _hlc, _origin",
                (list(ids),),
            ).fetchall()
            for row_id, stamp, origin in rows:
                self.revived.setdefault(table, set()).add(row_id)
                self._conflict(table, row_id, "deleted_at", "revived", None, "deleted", origin,
                               None, stamp, 0)

    def _deleted_parents(
        self, frontier: dict[str, set[uuid.UUID]], first: bool
    ) -> list[tuple[str, uuid.UUID]]:
        """``(parent table, id)`` of deleted parents the live rows of ``frontier`` reference (and,
        ``first``, the live rows the bulk inserts wrote): one statement for every reference."""
        parts: list[str] = []
        params: list[Any] = []
        for child, column, parent in self.layout.foreign_keys:
            if parent not in self.columns:
                continue
            ids = frontier.get(child)
            if ids:
                parts.append(
                    f'SELECT %s::text, p.id FROM "{parent}" p JOIN "{child}" c ON c."{column}" = p.id '
                    "WHERE c.id = ANY(%s) AND p.deleted_at IS NOT NULL"
                )
                params += [parent, list(ids)]
            if first and child in self.bulk_tables:  # live rows the bulk inserts wrote
                parts.append(
                    f'SELECT DISTINCT %s::text, p.id FROM "{parent}" p JOIN "{child}" c '
                    f'ON c."{column}" = p.id WHERE c._xid = pg_current_xact_id() '
                    "AND c.deleted_at IS NULL AND p.deleted_at IS NOT NULL"
                )
                params.append(parent)
        if not parts:
            return []
        query = " UNION ALL ".join(f"({part})" for part in parts)
        return [(str(t), i) for t, i in self.pg.execute(query, params).fetchall()]

    def _parents_kept_by_live_children(self) -> dict[str, set[uuid.UUID]]:
        """Parents this batch deleted that a live child on the server still references."""
        revive: dict[str, set[uuid.UUID]] = {}
        for child, column, parent in self.layout.foreign_keys:
            if child not in self.columns:
                continue
            deleted = self.written_deleted.get(parent)
            if deleted:
                rows = self.pg.execute(
                    f'SELECT DISTINCT "{column}" FROM "{child}" WHERE "{column}" = ANY(%s) '
                    "AND deleted_at IS NULL",
                    (list(deleted),),
                ).fetchall()
                revive.setdefault(parent, set()).update(r[0] for r in rows)
            if parent in self.bulk_tables:  # tombstones the bulk inserts wrote
                rows = self.pg.execute(
                    f'SELECT DISTINCT c."{column}" FROM "{child}" c JOIN "{parent}" p '
                    f'ON p.id = c."{column}" WHERE p._xid = pg_current_xact_id() '
                    "AND p.deleted_at IS NOT NULL AND c.deleted_at IS NULL"
                ).fetchall()
                revive.setdefault(parent, set()).update(r[0] for r in rows)
        return revive


def _as_uuid(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def is_permanent(error: Exception) -> bool:
    """Whether the server refused for good (a rule, a permission, bad data), not for now."""
    from desktop_crm._drivers import load_psycopg

    errors = load_psycopg().errors
    return isinstance(
        error,
        (errors.IntegrityError, errors.InsufficientPrivilege, errors.RaiseException, errors.DataError),
    )
