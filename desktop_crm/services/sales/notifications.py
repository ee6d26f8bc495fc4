"""In-app notifications: created by the rules (a closed deal notifies the responsible's head),
listed and counted for the bell in the main window.

API (plain values; each call owns its transaction):

* ``notify(user, title, body="", link_kind="", link_id=None)`` → ``Notification``
* ``unread_count(user)`` → ``int`` (served by the ``(user, read_at)`` index)
* ``list_notifications(user, unread_only=False, limit=50)`` → newest first
* ``mark_read(notification_id)`` / ``mark_all_read(user)``

Texts are written in the recipient's language (``User.locale``), not the sender's.
"""

from __future__ import annotations

import uuid
from typing import Any

from desktop_crm.i18n import LANGUAGES, SOURCE_LANGUAGE, current_language, translator
from desktop_crm.models import Notification, User, database, utcnow


def _user_id(user: Any) -> Any:
    return getattr(user, "id", user)


def recipient_language(user: User) -> str:
    """The recipient's language: their own setting, else the current UI language."""
    language = (user.locale or "").strip()[:2] or current_language() or SOURCE_LANGUAGE
    return language if language in LANGUAGES else SOURCE_LANGUAGE


def recipient_translator(user: User) -> Any:
    """gettext of the recipient's language."""
    return translator(recipient_language(user))


def notify(
    user: User | uuid.UUID,
    title: str,
    body: str = "",
    link_kind: str = "",
    link_id: uuid.UUID | str | None = None,
) -> Notification:
    with database.atomic():
        return Notification.create(
            user=_user_id(user),
            title=title[:300],
            body=body,
            link_kind=link_kind,
            link_id=str(link_id or ""),
        )


def unread_count(user: User | uuid.UUID) -> int:
    return (
        Notification.alive()
        .where((Notification.user == _user_id(user)) & Notification.read_at.is_null())
        .count()
    )


def list_notifications(
    user: User | uuid.UUID, unread_only: bool = False, limit: int = 50
) -> list[Notification]:
    query = Notification.alive().where(Notification.user == _user_id(user))
    if unread_only:
        query = query.where(Notification.read_at.is_null())
    return list(query.order_by(Notification.created_at.desc()).limit(limit))


def mark_read(notification_id: uuid.UUID) -> None:
    with database.atomic():
        notification = Notification.get_by_id(notification_id)
        if notification.read_at is None:
            notification.read_at = utcnow()
            notification.save()


def mark_all_read(user: User | uuid.UUID) -> int:
    with database.atomic():
        rows = list(
            Notification.alive().where(
                (Notification.user == _user_id(user)) & Notification.read_at.is_null()
            )
        )
        now = utcnow()
        for row in rows:
            row.read_at = now
            row.save()
        return len(rows)
