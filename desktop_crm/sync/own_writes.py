"""What a push left on the server exactly as this replica holds it, so the pull after it skips it.

Without this, the first sync of a database that already holds rows downloaded every row it had just
uploaded (issue 24), and every round downloaded its own edits back. A pushed row is *as held here*
when the push wrote this replica's values and nothing else: a new row inserted as it is (the
set-based inserts of :mod:`desktop_crm.sync.bulk`), or an update of a row nobody else had written
since this replica's copy of it, and no server trigger that rewrites values touches the table (only
the stamp and the guards, which refuse or accept but never change a value, fire before its rows are
written). A parent revived by the push is not. The pull then skips, per table:

* whole push transactions (their ``_xid``) whose rows of the table are all as held here — a count in
  the push transaction proves nothing else wrote to the table in it;
* single rows at the version the push gave them (``_ver``), which the replica also takes locally
  together with the row's clock, so its next edit has the server's version as its base.

Anything else is downloaded as before; after a crash between the push and the pull, everything is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

# BEFORE ROW triggers that never change a value they let through (sync.server's stamp sets only the
# sync columns; the guards refuse or accept). A table with any other, or a newer one, is downloaded.
VALUE_KEEPING_TRIGGERS = frozenset({
    "_sync_stamp", "_sync_guard_row", "_sync_guard_document", "_sync_guard_line",
    "_sync_guard_counter",
})


@dataclass
class OwnWrites:
    # table -> push transactions whose rows of the table are all as this replica holds them
    xids: dict[str, set[int]] = field(default_factory=dict)
    # table -> {row id (16 bytes): (version, clock, push transaction)} of single rows
    versions: dict[str, dict[bytes, tuple[int, int, int]]] = field(default_factory=dict)
    # table -> (row id, clock) of the rows a skipped push transaction inserted (version 1); the
    # replica takes them at once and does not keep them
    inserted: dict[str, list[tuple[bytes, int]]] = field(default_factory=dict)

    def add(self, other: OwnWrites) -> None:
        for table, xids in other.xids.items():
            self.xids.setdefault(table, set()).update(xids)
        for table, versions in other.versions.items():
            self.versions.setdefault(table, {}).update(versions)

    def skips(self, table: str, row_id: bytes, version: int) -> bool:
        """Whether a pulled row (its id and ``_ver``) is the version this replica pushed."""
        known = self.versions.get(table, {}).get(row_id)
        return known is not None and known[0] == version

    def forget_below(self, horizon: int) -> None:
        """Drop what a pull up to ``horizon`` has passed (later pulls start above it)."""
        for table in list(self.xids):
            self.xids[table] = {x for x in self.xids[table] if x >= horizon}
            if not self.xids[table]:
                del self.xids[table]
        for table in list(self.versions):
            kept = {k: v for k, v in self.versions[table].items() if v[2] >= horizon}
            if kept:
                self.versions[table] = kept
            else:
                del self.versions[table]


def value_changing_tables(pg: Any, tables: list[str]) -> frozenset[str]:
    """Tables of ``tables`` with a BEFORE ROW trigger that may change the values written."""
    rows = pg.execute(
        "SELECT c.relname::text, t.tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace "
        "AND c.relname = ANY(%s) AND (t.tgtype & 3) = 3",  # ROW (1) and BEFORE (2)
        (tables,),
    ).fetchall()
    return frozenset(table for table, name in rows if name not in VALUE_KEEPING_TRIGGERS)


def collect(
    pg: Any, bulk_rows: dict[str, list[tuple[bytes, int]]], as_held: dict[str, list[uuid.UUID]],
    revived: dict[str, set[uuid.UUID]], value_changing: frozenset[str],
) -> OwnWrites:
    """Inside the push transaction, after its writes: what it left as this replica holds it."""
    result = OwnWrites()
    tables = (set(bulk_rows) | set(as_held)) - value_changing
    if not tables:
        return result
    (xid,) = pg.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()
    for table in sorted(tables):
        gone = revived.get(table, set())
        ids = [i for i in as_held.get(table, []) if i not in gone]
        versions: dict[bytes, tuple[int, int, int]] = {}
        if ids:
            for row_id, version, clock in pg.execute(
                f'SELECT id, _ver, _hlc FROM "{table}" WHERE id = ANY(%s) '
                "AND _xid = pg_current_xact_id()",
                (ids,),
            ).fetchall():
                versions[row_id.bytes] = (int(version), int(clock), int(xid))
        if versions:
            result.versions[table] = versions
        inserted = bulk_rows.get(table, [])
        if inserted:
            (written,) = pg.execute(
                f'SELECT count(*) FROM "{table}" WHERE _xid = pg_current_xact_id()'
            ).fetchone()
            if written == len(inserted) + len(versions):
                result.xids[table] = {int(xid)}
                result.inserted[table] = inserted
    return result


def xid_ranges(low: int, high: int, skipped: set[int]) -> list[tuple[int, int]]:
    """``[low, high)`` without the transactions in ``skipped``, as half-open ranges."""
    ranges = []
    for xid in sorted(x for x in skipped if low <= x < high):
        if xid > low:
            ranges.append((low, xid))
        low = xid + 1
    if low < high:
        ranges.append((low, high))
    return ranges
