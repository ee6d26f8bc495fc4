"""Settings with declarative defaults.

A module declares each setting it reads once, at import time::

    INACTIVITY_DAYS = declare("rules.inactivity_days", 60)
    INACTIVITY_DAYS.get()            # business-wide value or the default
    INACTIVITY_DAYS.set(30)

Only values that differ from the default are stored (``Setting`` rows). A per-user setting falls
back to the business-wide value, then to the default.

Every ``get()`` reads the database, so a value saved by another user or process is seen at once.
A service action that reads many settings (a stage move runs the rules, which read a dozen) wraps
itself in :func:`snapshot`: inside the block the first ``get()`` loads all business-wide settings in
one query (a user's own settings in one more, when asked for) and later reads are answered from
that snapshot. The snapshot lives only as long as the block, in the calling thread (a
``ContextVar``), so nothing is cached across actions, users or processes; ``set()``/``reset()``
inside the block drop it, so the action sees its own writes. Blocks nest (the outer one is used).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from desktop_crm.ids import IdLike, optional_uuid
from desktop_crm.models import Setting, database

T = TypeVar("T")

REGISTRY: dict[str, SettingSpec[Any]] = {}


@dataclass(frozen=True)
class SettingSpec(Generic[T]):
    key: str
    default: T
    per_user: bool = False

    def get(self, user: IdLike | None = None) -> T:
        users = [optional_uuid(user), None] if (self.per_user and user is not None) else [None]
        current = _SNAPSHOT.get()
        result: T
        for owner in users:
            if current is not None:
                found, value = current.lookup(self.key, owner)
                if found:
                    result = copy.deepcopy(value)
                    return result
                continue
            row = _row(self.key, owner)
            if row is not None:
                result = row.value
                return result
        return copy.deepcopy(self.default)

    def set(self, value: T, user: IdLike | None = None) -> None:
        if user is not None and not self.per_user:
            raise ValueError(f"{self.key} is a business-wide setting")
        _forget_snapshot()
        with database.atomic():
            row = _row(self.key, user)
            if row is None:
                Setting.create(key=self.key, user=optional_uuid(user), value=value)
            else:
                row.value = value
                row.save()

    def reset(self, user: IdLike | None = None) -> None:
        _forget_snapshot()
        with database.atomic():
            row = _row(self.key, user)
            if row is not None:
                row.soft_delete()


def _row(key: str, user: IdLike | None) -> Setting | None:
    owner = optional_uuid(user)
    query = Setting.alive().where(Setting.key == key)
    query = query.where(Setting.user.is_null()) if owner is None else query.where(Setting.user == owner)
    row: Setting | None = query.order_by(Setting.updated_at.desc()).first()
    return row


class Snapshot:
    """The stored settings as one query found them (see :func:`snapshot`)."""

    def __init__(self) -> None:
        self.queries = 0
        self._values: dict[Any, dict[str, Any]] = {}  # owner id (None: business) -> key -> value

    def lookup(self, key: str, user: IdLike | None) -> tuple[bool, Any]:
        owner = optional_uuid(user)
        if owner not in self._values:
            self._values[owner] = self._load(owner)
        values = self._values[owner]
        return (True, values[key]) if key in values else (False, None)

    def _load(self, owner: uuid.UUID | None) -> dict[str, Any]:
        self.queries += 1
        query = Setting.alive(Setting.key, Setting.value)
        query = query.where(Setting.user.is_null()) if owner is None else query.where(
            Setting.user == owner)
        # oldest first, so that the newest row of a key wins (as in ``_row``)
        pairs: list[Any] = list(query.order_by(Setting.updated_at).tuples())
        return dict(pairs)

    def forget(self) -> None:
        self._values.clear()


_SNAPSHOT: ContextVar[Snapshot | None] = ContextVar("settings_snapshot", default=None)


@contextmanager
def snapshot() -> Iterator[Snapshot]:
    """Read the settings once for the length of the block (one user action); see the module doc."""
    current = _SNAPSHOT.get()
    if current is not None:
        yield current
        return
    made = Snapshot()
    token = _SNAPSHOT.set(made)
    try:
        yield made
    finally:
        _SNAPSHOT.reset(token)


def _forget_snapshot() -> None:
    current = _SNAPSHOT.get()
    if current is not None:
        current.forget()


def declare(key: str, default: T, per_user: bool = False) -> SettingSpec[T]:
    if key in REGISTRY:
        raise ValueError(f"setting {key} is declared twice")
    spec = SettingSpec(key, default, per_user)
    REGISTRY[key] = spec
    return spec
