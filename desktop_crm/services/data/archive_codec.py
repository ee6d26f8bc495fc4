"""How the business archive writes each value of a table into a CSV cell, and reads it back
(``services/data/archive.py``), the same on SQLite and PostgreSQL.

A cell is the value as a person reads it: ids as UUID text, dates ``YYYY-MM-DD``, date-times
``YYYY-MM-DD HH:MM:SS[.ffffff]`` (UTC, as stored), amounts with a dot (exact, never rounded),
``true``/``false``, JSON as stored. An empty cell is "no value" (NULL) — except in a text column
that may be NULL, where NULL is written ``\\N`` (and a text that is exactly ``\\N`` gets one more
backslash), so that an empty text and no text stay apart.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

import peewee

from desktop_crm.models.fields import EnumField, JSONField, ScaledDecimalField, UUIDKeyField

NULL = "\\N"
_ESCAPED_NULL = re.compile(r"^\\+N$")


class CellError(ValueError):
    """A cell that is not a value of its column."""


def _target(field: peewee.Field) -> peewee.Field:
    """The field whose values a column holds (a foreign key holds its target's)."""
    while isinstance(field, peewee.ForeignKeyField):
        field = field.rel_field
    return field


def _is_text(field: peewee.Field) -> bool:
    return isinstance(_target(field), peewee.CharField | peewee.TextField) and not isinstance(
        _target(field), EnumField)


def encode(field: peewee.Field, raw: Any) -> str:
    """The cell of a value as the database returned it (``raw``)."""
    target = _target(field)
    if raw is None:
        return NULL if field.null and _is_text(field) else ""
    if isinstance(target, JSONField | EnumField) or _is_text(field):
        text = str(raw)
        return "\\" + text if _ESCAPED_NULL.match(text) else text
    value = target.python_value(raw)
    if isinstance(target, UUIDKeyField):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def decode(field: peewee.Field, cell: str) -> Any:
    """The value to insert for ``cell`` (raises :class:`CellError`)."""
    target = _target(field)
    text_column = _is_text(field) or isinstance(target, JSONField)
    if cell == NULL and field.null and text_column:
        return None
    if cell == "" and not text_column:
        return None
    try:
        return _decode_value(target, cell)
    except (ValueError, ArithmeticError, TypeError) as error:
        raise CellError(str(error)) from error


def _decode_value(target: peewee.Field, cell: str) -> Any:
    if isinstance(target, peewee.CharField | peewee.TextField):  # JSON and enums are text too
        text = cell[1:] if _ESCAPED_NULL.match(cell) and cell != NULL else cell
        if isinstance(target, JSONField):
            return peewee.Value(text)  # the stored text itself, not dumped again
        return target.enum_class(text).value if isinstance(target, EnumField) else text
    if isinstance(target, UUIDKeyField):
        return uuid.UUID(cell)
    if isinstance(target, peewee.BooleanField):
        if cell not in ("true", "false"):
            raise ValueError(f"not true or false: {cell!r}")
        return cell == "true"
    if isinstance(target, ScaledDecimalField | peewee.DecimalField):
        return Decimal(cell)
    if isinstance(target, peewee.IntegerField):  # also BigIntegerField
        return int(cell)
    if isinstance(target, peewee.DateTimeField):
        return dt.datetime.fromisoformat(cell)
    if isinstance(target, peewee.DateField):
        return dt.date.fromisoformat(cell)
    if isinstance(target, peewee.BlobField):
        return base64.b64decode(cell.encode("ascii"), validate=True)
    raise ValueError(f"no reading for the column type {type(target).__name__}")
