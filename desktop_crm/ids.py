"""UUIDv7 row identities made on the client (see ``shared/guides/sync.md`` §2.2).

Time-ordered keys keep B-tree inserts local on both SQLite and PostgreSQL; a record's id is its
global id from the moment it is created, so offline work never has to remap keys.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from typing import NewType, Protocol

from desktop_crm.errors import InvalidId
from desktop_crm.i18n import _

_lock = threading.Lock()
_last_ms = 0
_last_counter = 0


def uuid7(now_ms: int | None = None) -> uuid.UUID:
    """A RFC 9562 UUIDv7: 48-bit Unix milliseconds, then a 12-bit counter and 62 random bits.

    Ids made in the same millisecond by this process stay strictly increasing (the counter in
    ``rand_a`` is the "monotonic random" method of RFC 9562 §6.2).
    """
    global _last_ms, _last_counter
    with _lock:
        ms = int(time.time() * 1000) if now_ms is None else now_ms
        if ms <= _last_ms:
            ms = _last_ms
            _last_counter += 1
            if _last_counter > 0xFFF:
                ms += 1
                _last_counter = 0
        else:
            _last_counter = int.from_bytes(os.urandom(2), "big") & 0x3FF
        _last_ms = ms
        counter = _last_counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


def uuid7_time_ms(value: uuid.UUID) -> int:
    return value.int >> 80


# --- typed ids --------------------------------------------------------------------------------------
# One distinct type per entity, so that mypy refuses a contact's id where a deal's is expected. At
# run time each is the plain ``uuid.UUID`` of the row (``DealId(uuid)`` costs nothing).

DealId = NewType("DealId", uuid.UUID)
DealLineId = NewType("DealLineId", uuid.UUID)
LeadId = NewType("LeadId", uuid.UUID)
ContactId = NewType("ContactId", uuid.UUID)
CompanyId = NewType("CompanyId", uuid.UUID)
ProductId = NewType("ProductId", uuid.UUID)
ProductGroupId = NewType("ProductGroupId", uuid.UUID)
PipelineId = NewType("PipelineId", uuid.UUID)
StageId = NewType("StageId", uuid.UUID)
UserId = NewType("UserId", uuid.UUID)
ActivityId = NewType("ActivityId", uuid.UUID)
DocumentId = NewType("DocumentId", uuid.UUID)
"""A quote's or an invoice's id (both are document headers)."""
PaymentId = NewType("PaymentId", uuid.UUID)
BankLineId = NewType("BankLineId", uuid.UUID)
BankStatementId = NewType("BankStatementId", uuid.UUID)
OwnCompanyId = NewType("OwnCompanyId", uuid.UUID)
NotificationId = NewType("NotificationId", uuid.UUID)


class HasId(Protocol):
    """Anything that carries a row id: a DTO of a service or a model row inside the services."""

    @property
    def id(self) -> uuid.UUID: ...


IdLike = uuid.UUID | str | HasId
"""What a service accepts where it needs a row's id: the id itself, its text, or a DTO carrying it."""


def as_uuid(value: IdLike) -> uuid.UUID:
    """The row id behind ``value``; :class:`~desktop_crm.errors.InvalidId` (a translated
    ``ValidationError`` that is also a ``ValueError``) when it is not one.

    The one place where ids given to a service are normalised (a UUID, its canonical text as the UI
    and the CLI hold it, or a DTO or row that has an ``id``).
    """
    if isinstance(value, uuid.UUID):
        return value
    inner = value if isinstance(value, str) else getattr(value, "id", None)
    if isinstance(inner, uuid.UUID):
        return inner
    if isinstance(inner, str):
        try:
            return uuid.UUID(inner)
        except ValueError:
            pass
    raise InvalidId(_("This is not a valid reference to a record."), field="id")


def optional_uuid(value: IdLike | None) -> uuid.UUID | None:
    """:func:`as_uuid`, keeping ``None`` (and an empty text) as no id."""
    return None if value is None or value == "" else as_uuid(value)
