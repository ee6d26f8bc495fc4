"""How values cross the wire between a replica and the server.

Values travel in the *local encoding* (UUIDs and blobs as hex text, booleans as 0/1, timestamps as
ISO text, money as integer minor units), exactly as the capture triggers write them, so money moves
as the same integers on both sides. :func:`to_server` turns such a value into what psycopg sends for
a column; :func:`local_expression` makes PostgreSQL return a column already in SQLite's encoding.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

INTEGER_TYPES = {"integer", "bigint", "smallint"}


def to_server(value: Any, data_type: str) -> Any:
    """A value in the local encoding → the Python value psycopg sends for ``data_type``."""
    if value is None:
        return None
    if data_type == "uuid":
        return uuid.UUID(hex=value) if isinstance(value, str) else uuid.UUID(bytes=bytes(value))
    if data_type == "bytea":
        return bytes.fromhex(value) if isinstance(value, str) else bytes(value)
    if data_type == "boolean":
        return bool(value)
    if data_type.startswith("timestamp"):
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if data_type == "date":
        return dt.date.fromisoformat(value) if isinstance(value, str) else value
    if data_type in INTEGER_TYPES:
        return int(value)
    return value


def to_local(value: Any) -> Any:
    """A value read from PostgreSQL → what SQLite stores (what the app's fields write)."""
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return value.bytes
    if isinstance(value, (bytes, memoryview, bytearray)):
        return bytes(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def local_expression(column: str, data_type: str) -> str:
    """SQL that makes PostgreSQL return a column already in SQLite's encoding, so a pulled row goes
    into ``executemany`` as it arrives (no per-value Python conversion). Mirrors :func:`to_local`:
    UUIDs as 16 bytes, booleans as 0/1, timestamps as ``datetime.isoformat(" ")`` text (fraction
    only when not zero), dates as ISO text."""
    ref = f'"{column}"'
    if data_type == "uuid":
        return f"uuid_send({ref})"
    if data_type == "boolean":
        return f"{ref}::int"
    if data_type == "timestamp without time zone":
        return (
            f"CASE WHEN extract(microseconds FROM {ref})::bigint %% 1000000 = 0 "
            f"THEN to_char({ref}, 'YYYY-MM-DD HH24:MI:SS') "
            f"ELSE to_char({ref}, 'YYYY-MM-DD HH24:MI:SS.US') END"
        )
    if data_type == "date":
        return f"to_char({ref}, 'YYYY-MM-DD')"
    return ref


def to_wire(value: Any) -> Any:
    """A local value → JSON (the outbox encoding: blobs as upper-case hex)."""
    value = to_local(value)
    if isinstance(value, bytes):
        return value.hex().upper()
    return value
