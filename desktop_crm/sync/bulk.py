"""Set-based inserts of a push: rows the server does not hold yet, in bulk (issue 24).

The first sync of a database that already holds rows uploads every one of them as an insert. Merging
those one by one in Python (decode each entry, convert each value, send each row) cost most of that
sync. Here the batch's *simple inserts* (a row's only entry in the batch, an insert) travel as they
are in the outbox: ``COPY`` into a temporary staging table, then one ``INSERT … SELECT`` per table
that decodes the local encoding on the server (:data:`~desktop_crm.sync.wire` documents it) and
inserts the rows the server does not have. The server's triggers (stamps, rights, guards) and its
row-level security see each row exactly as in the row-by-row path, so nothing a login pushes this
way exceeds its rights; a refusal fails the statement and the push falls back to the row-by-row
path, which finds and parks the offenders.

Entries this path leaves alone (the row exists on the server, the entry lacks some field, the table
holds file bodies or a column type not decoded here) go through the field-by-field merge as before.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from desktop_crm.sync.layout import Layout

# fewer simple inserts than this: the row-by-row path is as fast and sends fewer statements
MIN_ROWS = 200
STAGE = "crm_push_stage"
STAGE_DDL = (
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (seq bigint, tbl text, row_id bytea, hlc bigint, "
    "fields jsonb) ON COMMIT DELETE ROWS"
)
STRING_TYPES = ("character varying", "text", "character")
Entry = tuple[Any, ...]  # seq, tbl, row_id, op, base_ver, hlc, fields, schema_version


@dataclass
class BulkResult:
    """What the set-based inserts did: the entries left for the merge, rows inserted per table."""

    rest: list[Entry]
    # table -> (row id, clock) of each row inserted here
    rows: dict[str, list[tuple[bytes, int]]] = field(default_factory=dict)


def simple_inserts(entries: list[Entry], tables: set[str]) -> tuple[list[Entry], list[Entry]]:
    """``(simple inserts into tables, everything else)``: a simple insert is the only entry of its
    row in the batch and creates the row."""
    counts = Counter((e[1], bytes(e[2])) for e in entries)
    simple: list[Entry] = []
    rest: list[Entry] = []
    for entry in entries:
        if entry[3] == "I" and entry[1] in tables and counts[(entry[1], bytes(entry[2]))] == 1:
            simple.append(entry)
        else:
            rest.append(entry)
    return simple, rest


def decode_expression(column: str, sql_type: str) -> str:
    """SQL turning the local encoding of ``column`` in the staged ``s.fields`` into its column
    type; strings stay text, so the insert's own assignment check refuses a value too long."""
    value = f"(s.fields ->> '{column}')"
    if sql_type == "bytea":
        return f"decode({value}, 'hex')"
    if sql_type.startswith(STRING_TYPES):
        return value
    return f"{value}::{sql_type}"


class BulkInsert:
    """The set-based inserts of one push transaction."""

    def __init__(self, pg: Any, device: Any, layout: Layout) -> None:
        self.pg = pg
        self.device = device
        self.layout = layout

    def eligible_tables(self) -> dict[str, list[tuple[str, str]]]:
        """``{table: [(column, SQL type)]}`` of the tables whose inserts may take this path: on both
        sides, no file bodies, only scalar column types (the local fields the server has)."""
        types = _sql_types(self.pg, list(self.layout.server_columns))
        result: dict[str, list[tuple[str, str]]] = {}
        for table, local in self.layout.local_columns.items():
            server = types.get(table)
            if server is None or table in self.layout.content_tables:
                continue
            columns = [(c, server[c]) for c in local if c in server and c != "id"]
            if all(not t.endswith("[]") for _c, t in columns):
                result[table] = columns
        return result

    def apply(self, entries: list[Entry]) -> BulkResult:
        both = {t for t in self.layout.local_columns if t in self.layout.server_columns}
        if len(simple_inserts(entries, both)[0]) < MIN_ROWS:  # no catalog question for a few
            return BulkResult(entries)
        tables = self.eligible_tables()
        simple, rest = simple_inserts(entries, set(tables))
        if len(simple) < MIN_ROWS:
            return BulkResult(entries)
        self.pg.execute(STAGE_DDL)
        with self.pg.cursor().copy(
            f"COPY {STAGE} (seq, tbl, row_id, hlc, fields) FROM STDIN"
        ) as copy:
            for seq, table, row_id, _op, _base, hlc, fields, _sv in simple:
                copy.write_row((seq, table, bytes(row_id), hlc, fields))
        result = BulkResult(rest)
        staged = Counter(e[1] for e in simple)
        left: set[int] = set()
        for table in [t for t in self.layout.server_columns if t in staged]:
            if self._insert(table, tables[table]) < staged[table]:
                left.update(self._not_inserted(table))
        self.pg.execute(f"TRUNCATE {STAGE}")
        if left:  # these go through the merge, in their place in the batch
            keep = left | {e[0] for e in rest}
            result.rest = [e for e in entries if e[0] in keep]
        for seq, table, row_id, _op, _base, hlc, _fields, _sv in simple:
            if seq not in left:
                result.rows.setdefault(table, []).append((bytes(row_id), int(hlc)))
        return result

    def _not_inserted(self, table: str) -> list[int]:
        """The staged entries of ``table`` this transaction did not insert."""
        return [r[0] for r in self.pg.execute(
            f"SELECT s.seq FROM {STAGE} s WHERE s.tbl = %s AND NOT EXISTS (SELECT 1 FROM \"{table}\" t "
            "WHERE t.id = encode(s.row_id, 'hex')::uuid AND t._xid = pg_current_xact_id())",
            (table,),
        ).fetchall()]

    def _insert(self, table: str, columns: list[tuple[str, str]]) -> int:
        """Insert the staged rows of ``table`` the server does not have and that carry every
        field; returns how many were inserted."""
        names = ", ".join(f'"{c}"' for c, _t in columns)
        values = ", ".join(decode_expression(c, t) for c, t in columns)
        keys = "ARRAY[" + ", ".join(f"'{c}'" for c, _t in columns) + "]::text[]"
        cursor = self.pg.execute(
            f'INSERT INTO "{table}" (id, {names}, _hlc, _origin, _fv) '
            f"SELECT encode(s.row_id, 'hex')::uuid, {values}, s.hlc, %s, '{{}}'::jsonb "
            f"FROM {STAGE} s WHERE s.tbl = %s AND s.fields ?& {keys} "
            f'AND NOT EXISTS (SELECT 1 FROM "{table}" t WHERE t.id = encode(s.row_id, \'hex\')::uuid) '
            # in the outbox's order, as the merge writes them (a numbered series must arrive in
            # its order: the server checks each number is the next one)
            "ORDER BY s.seq ON CONFLICT (id) DO NOTHING",
            (self.device, table),
        )
        return int(cursor.rowcount)


def _sql_types(pg: Any, tables: list[str]) -> dict[str, dict[str, str]]:
    """``{table: {column: SQL type as written in a cast}}`` of ``tables`` in the current schema."""
    result: dict[str, dict[str, str]] = {}
    for table, column, sql_type in pg.execute(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod) "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(%s) "
        "AND a.attnum > 0 AND NOT a.attisdropped",
        (tables,),
    ).fetchall():
        result.setdefault(table, {})[column] = sql_type
    return result
