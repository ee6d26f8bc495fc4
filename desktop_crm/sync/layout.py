"""The table layout a sync round works with: the server's synced tables and this replica's.

Read once per pair of schema versions (server and replica) by ``Replica`` before a round; push, pull
and the merge consult it instead of asking either database again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import peewee

from desktop_crm.sync import capture, server


@dataclass(frozen=True)
class Layout:
    # {table: {column: PostgreSQL data type}} of the server's synced tables, in dependency order
    server_columns: dict[str, dict[str, str]] = field(default_factory=dict)
    # {table: {column: declared SQLite type}} of this replica's synced tables (row fields only)
    local_columns: dict[str, dict[str, str]] = field(default_factory=dict)
    # (child table, column, parent table) among the server's business tables
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)
    # tables holding file bodies addressed by hash, on both sides
    content_tables: frozenset[str] = frozenset()

    def pulled_tables(self) -> list[str]:
        """The tables a pull downloads: on the server and here, in the server's order."""
        return [t for t in self.server_columns if t in self.local_columns]


def read_layout(pg: Any, db: peewee.Database) -> Layout:
    server_columns = server.server_columns(pg)
    local_columns = {t: dict(capture.field_columns(db, t)) for t in capture.synced_tables(db)}
    content = set(server.content_tables(pg, list(server_columns))) & set(local_columns)
    return Layout(server_columns, local_columns, foreign_keys(pg), frozenset(content))


def foreign_keys(pg: Any) -> list[tuple[str, str, str]]:
    """``(child_table, column, parent_table)`` among the business tables of the current schema."""
    return [
        (child, column, parent)
        for child, column, parent in pg.execute(
            # table names as they are, not as regclass quotes them ("user")
            "SELECT ch.relname::text, a.attname, pa.relname::text "
            "FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
            "JOIN pg_class ch ON ch.oid = c.conrelid JOIN pg_class pa ON pa.oid = c.confrelid "
            "AND a.attnum = c.conkey[1] WHERE c.contype = 'f' "
            "AND c.connamespace = current_schema()::regnamespace"
        ).fetchall()
    ]
