"""Field types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import enum
import json
import uuid
from decimal import Decimal
from typing import Any

import peewee

from desktop_crm import money, validation


def _is_postgres(field: peewee.Field) -> bool:
    database = field.model._meta.database
    database = getattr(database, "obj", database)
    return isinstance(database, peewee.PostgresqlDatabase)


class UUIDKeyField(peewee.Field):
    """A UUID stored natively: ``uuid`` on PostgreSQL, a 16-byte ``BLOB`` on SQLite.

    The column type ``UUIDKEY`` is mapped per engine in ``models.db`` (``field_types``).
    """

    field_type = "UUIDKEY"

    def db_value(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, uuid.UUID):
            value = coerce_uuid(value)
        return value if _is_postgres(self) else value.bytes

    def python_value(self, value: Any) -> uuid.UUID | None:
        return None if value is None else coerce_uuid(value)


def coerce_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return uuid.UUID(bytes=bytes(value))
    return uuid.UUID(str(value))


class ScaledDecimalField(peewee.BigIntegerField):
    """A ``Decimal`` stored as an exact integer of ``10**-places`` units.

    SQLite has no exact decimal type (NUMERIC columns turn "0.10" into a float), so amounts are kept
    as integers of minor units on both engines; SQL ``SUM`` stays exact and is converted back with
    :func:`money.from_minor_units`. Values are rounded half-up on the way in.
    """

    def __init__(self, places: int = money.MONEY_PLACES, *args: Any, **kwargs: Any) -> None:
        self.places = places
        super().__init__(*args, **kwargs)

    def db_value(self, value: Any) -> int | None:
        if value is None:
            return None
        return validation.stored_units(value, self.name, self.places)

    def python_value(self, value: Any) -> Decimal | None:
        if value is None:
            return None
        return money.from_minor_units(value, self.places)


def MoneyField(**kwargs: Any) -> ScaledDecimalField:  # noqa: N802 - reads like a field class
    kwargs.setdefault("default", Decimal("0.00"))
    return ScaledDecimalField(money.MONEY_PLACES, **kwargs)


def QuantityField(**kwargs: Any) -> ScaledDecimalField:  # noqa: N802
    kwargs.setdefault("default", Decimal("1.000"))
    return ScaledDecimalField(money.QTY_PLACES, **kwargs)


def PercentField(**kwargs: Any) -> ScaledDecimalField:  # noqa: N802
    kwargs.setdefault("default", Decimal("0.00"))
    return ScaledDecimalField(money.PERCENT_PLACES, **kwargs)


class EnumField(peewee.CharField):
    """A ``StrEnum`` member stored as its value."""

    def __init__(self, enum_class: type[enum.StrEnum], *args: Any, **kwargs: Any) -> None:
        self.enum_class = enum_class
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return self.enum_class(value).value

    def python_value(self, value: Any) -> enum.StrEnum | None:
        return None if value is None else self.enum_class(value)


class JSONField(peewee.TextField):
    """JSON kept as text, portable across engines (lists and dicts of plain values)."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        # controls are escaped by JSON; bidi controls are dropped (they can only be inside
        # strings) and a lone surrogate, which no database can encode, is refused
        return validation.stored_text(validation.BIDI_CONTROLS.sub("", text), self.name,
                                      max_length=None)

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)
