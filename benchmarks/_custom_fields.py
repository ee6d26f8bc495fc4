"""``--custom-fields N`` of the list and board benchmarks: a private copy of the demo database with
N custom fields on deals, every deal holding a value in each, shown as list columns.

The copy (``benchmarks/.cache/custom-<name>``) is made with SQLite's online backup and migrated;
the shared demo is only read. The fields are added once (kinds in turn: text, number, money, date,
list, yes/no, multi-list, contact link, company link) with their values written in bulk — the value
indexes dropped and made again afterwards, as a bulk load does — and kept for later runs: a run
asking for fewer fields sees only the first N (the others removed, their values left in place).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from pathlib import Path

from benchmarks._common import note, private_copy

KINDS = ("text", "number", "money", "date", "list", "yes_no", "multi_list", "contact_link",
         "company_link")
CHOICES = ["Банки", "Ритейл", "Производство", "Логистика", "Медицина"]
VALUE_INDEXES = ("custom_value_row_id_field_id", "custom_value_field_id_text_value",
                 "custom_value_field_id_number_value", "custom_value_field_id_date_value",
                 "custom_value_field_id_link_id")


def add_argument(parser: object) -> None:
    parser.add_argument("--custom-fields", type=int, default=None,  # type: ignore[attr-defined]
                        help="run on a private copy with N custom fields on deals (0: none)")


def prepared(source: Path, wanted: int) -> Path:
    """The private copy of ``source`` with exactly ``wanted`` live custom fields on deals."""
    target = private_copy(source, "custom")
    from desktop_crm.models import database
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate

    db = open_database(str(target))
    migrated = migrate(db)
    if migrated.backup is not None:  # a throwaway copy: its pre-migration backup is gigabytes
        migrated.backup.unlink(missing_ok=True)
    db.close()
    database.initialize(None)
    connection = sqlite3.connect(target)
    try:
        _ensure_fields(connection, wanted)
    finally:
        connection.close()
    _show_as_columns(target)
    return target


def _show_as_columns(target: Path) -> None:
    """The benchmark user's Deals list shows every live custom field as a column (what a user
    who chose them in the column chooser sees)."""
    from desktop_crm.models import database
    from desktop_crm.models.db import open_database
    from desktop_crm.services.listing import lists, preferences
    from desktop_crm.services.system.session import sign_in_for_tool

    db = open_database(str(target))
    try:
        user = sign_in_for_tool()
        layout = [[c.key, c.width, not c.visible and not c.key.startswith("cf_")]
                  for c in lists.spec("deals").columns]
        preferences.save_list_state("deals", str(user.id), columns=layout)
        note(f"Deals list columns: {sum(1 for _k, _w, hidden in layout if not hidden)} shown")
    finally:
        db.close()
        database.initialize(None)


def _ensure_fields(connection: sqlite3.Connection, wanted: int) -> None:
    from desktop_crm.ids import uuid7
    from desktop_crm.models.custom import value_id

    connection.create_function(
        "value_id", 2, lambda field, row: value_id(uuid.UUID(bytes=field), uuid.UUID(bytes=row)).bytes,
        deterministic=True)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    existing = connection.execute(
        "SELECT id, position FROM custom_field WHERE entity = 'deals' AND key LIKE 'bench_%' "
        "ORDER BY position").fetchall()
    connection.execute("UPDATE custom_field SET deleted_at = NULL WHERE key LIKE 'bench_%' "
                       "AND entity = 'deals' AND position < ?", (wanted,))
    connection.execute("UPDATE custom_field SET deleted_at = ? WHERE key LIKE 'bench_%' "
                       "AND entity = 'deals' AND position >= ?", (now, wanted))
    connection.commit()
    if len(existing) >= wanted:
        note(f"{wanted} custom fields on deals (of {len(existing)} made earlier)")
        return
    note(f"adding {wanted - len(existing)} custom fields with a value on every deal…")
    connection.execute("PRAGMA cache_size = -1000000")
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    ddl = dict(connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'custom_value'"))
    for name in VALUE_INDEXES:
        connection.execute(f'DROP INDEX IF EXISTS "{name}"')
    for position in range(len(existing), wanted):
        kind = KINDS[position % len(KINDS)]
        field_id = uuid7().bytes
        options = json.dumps(CHOICES if kind in ("list", "multi_list") else [], ensure_ascii=False)
        connection.execute(
            "INSERT INTO custom_field (id, created_at, updated_at, deleted_at, _ver, _hlc, entity,"
            " key, label, preset, kind, options, block, position, archived, pipeline_id)"
            " VALUES (?, ?, ?, NULL, 0, 0, 'deals', ?, ?, NULL, ?, ?, 'Анкета', ?, 0, NULL)",
            (field_id, now, now, f"bench_{position + 1}", f"Поле {position + 1}", kind, options,
             position))
        connection.execute(
            "INSERT INTO custom_value (id, created_at, updated_at, deleted_at, _ver, _hlc, field_id,"
            " entity, row_id, text_value, number_value, date_value, link_id)"
            f" SELECT value_id(?1, d.id), ?2, ?2, NULL, 0, 0, ?1, 'deals', d.id, {_values(kind)}"
            " FROM deal d WHERE d.deleted_at IS NULL", (field_id, now))
        connection.commit()
        note(f"  field {position + 1}/{wanted} ({kind})")
    for name in VALUE_INDEXES:
        connection.execute(ddl[name])
    connection.execute("ANALYZE custom_value")
    connection.commit()


def _values(kind: str) -> str:
    """The SQL of (text_value, number_value, date_value, link_id) of deal ``d`` for ``kind``."""
    if kind == "text":
        return "'Источник ' || (d.rowid % 997), NULL, NULL, NULL"
    if kind == "number":
        return "NULL, (d.rowid % 500) * 10000, NULL, NULL"
    if kind == "money":
        return "NULL, ((d.rowid * 37) % 5000000) * 10000, NULL, NULL"
    if kind == "date":
        return "NULL, NULL, date('2026-01-01', '+' || (d.rowid % 730) || ' days'), NULL"
    if kind == "list":
        return "json_extract('" + json.dumps(CHOICES, ensure_ascii=False) + \
            "', '$[' || (d.rowid % 5) || ']'), NULL, NULL, NULL"
    if kind == "yes_no":
        return "CAST(d.rowid % 2 AS TEXT), NULL, NULL, NULL"
    if kind == "multi_list":
        return ("json_array(json_extract('" + json.dumps(CHOICES, ensure_ascii=False)
                + "', '$[' || (d.rowid % 5) || ']')), NULL, NULL, NULL")
    if kind == "contact_link":
        return "NULL, NULL, NULL, d.contact_id"
    return "NULL, NULL, NULL, d.company_id"
