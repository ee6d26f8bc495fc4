"""Who is working: the current user of this desktop, as plain data for the UI.

The machine remembers which user it works as (the UI keeps the id in its local settings); when that
user is gone or there is none yet, the first active administrator is taken, then any active user,
and an empty database gets a first administrator named after the operating-system account.
"""

from __future__ import annotations

import getpass
import uuid
from dataclasses import dataclass
from typing import Any

from desktop_crm.models import Role, User, database


@dataclass(frozen=True)
class UserRef:
    """A user as the UI sees it (no database object)."""

    id: uuid.UUID
    name: str
    role: str
    locale: str


def _ref(user: User) -> UserRef:
    return UserRef(user.id, user.name, str(user.role), user.locale or "")


def current_user(preferred_id: str | uuid.UUID | None = None) -> UserRef:
    """The user this desktop works as (creating the first administrator in an empty database)."""
    with database.atomic():
        if preferred_id:
            try:
                key = uuid.UUID(str(preferred_id))
            except ValueError:
                key = None
            if key is not None:
                user = User.alive().where(User.id == key, User.active == True).first()  # noqa: E712
                if user is not None:
                    return _ref(user)
        active = User.alive().where(User.active == True)  # noqa: E712
        user = active.where(User.role == Role.ADMIN).order_by(User.created_at).first()
        if user is None:
            user = active.order_by(User.created_at).first()
        if user is None:
            name = _os_user_name()
            user = User.create(name=name, role=Role.ADMIN)
        return _ref(user)


def _os_user_name() -> str:
    try:
        return getpass.getuser() or "admin"
    except (KeyError, OSError):
        return "admin"


def users() -> list[UserRef]:
    """Active users, by name (pickers: responsible, assignee)."""
    query: list[Any] = list(User.alive().where(User.active == True).order_by(User.name))  # noqa: E712
    return [_ref(user) for user in query]
