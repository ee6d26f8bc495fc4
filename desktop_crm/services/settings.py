"""Settings with declarative defaults.

A module declares each setting it reads once, at import time::

    INACTIVITY_DAYS = declare("rules.inactivity_days", 60)
    INACTIVITY_DAYS.get()            # business-wide value or the default
    INACTIVITY_DAYS.set(30)

Only values that differ from the default are stored (``Setting`` rows). A per-user setting falls
back to the business-wide value, then to the default.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from desktop_crm.models import Setting, User, database

T = TypeVar("T")

REGISTRY: dict[str, SettingSpec[Any]] = {}


@dataclass(frozen=True)
class SettingSpec(Generic[T]):
    key: str
    default: T
    per_user: bool = False

    def get(self, user: User | None = None) -> T:
        users = [user, None] if (self.per_user and user is not None) else [None]
        for owner in users:
            row = _row(self.key, owner)
            if row is not None:
                return row.value  # type: ignore[no-any-return]
        return copy.deepcopy(self.default)

    def set(self, value: T, user: User | None = None) -> None:
        if user is not None and not self.per_user:
            raise ValueError(f"{self.key} is a business-wide setting")
        with database.atomic():
            row = _row(self.key, user)
            if row is None:
                Setting.create(key=self.key, user=user, value=value)
            else:
                row.value = value
                row.save()

    def reset(self, user: User | None = None) -> None:
        with database.atomic():
            row = _row(self.key, user)
            if row is not None:
                row.soft_delete()


def _row(key: str, user: User | None) -> Setting | None:
    query = Setting.alive().where(Setting.key == key)
    query = query.where(Setting.user.is_null()) if user is None else query.where(Setting.user == user)
    return query.order_by(Setting.updated_at.desc()).first()


def declare(key: str, default: T, per_user: bool = False) -> SettingSpec[T]:
    if key in REGISTRY:
        raise ValueError(f"setting {key} is declared twice")
    spec = SettingSpec(key, default, per_user)
    REGISTRY[key] = spec
    return spec
