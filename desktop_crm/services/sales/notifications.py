"""In-app notifications: created by the rules (a closed deal notifies the responsible's head),
listed and counted for the bell in the main window.

API (plain values; each call owns its transaction):

* ``notify(user, title, body="", link_kind="", link_id=None)`` → :class:`NotificationInfo`
* ``unread_count(user)`` → ``int`` (served by the ``(user, read_at)`` index)
* ``list_notifications(user, unread_only=False, limit=50)`` → newest first
* ``mark_read(notification_id)`` / ``mark_all_read(user)``
* ``tell_assigned(person, actor, message, title, link_kind, link_id)``: the one who was given a
  task, a deal or a lead by someone else learns it, in their language (nothing when they gave it
  to themselves)

Texts are written in the recipient's language (``User.locale``), not the sender's.
"""

from __future__ import annotations

import datetime as dt
import gettext
import uuid
from dataclasses import dataclass

from desktop_crm.i18n import LANGUAGES, SOURCE_LANGUAGE, current_language, translator
from desktop_crm.ids import IdLike, NotificationId, UserId, as_uuid
from desktop_crm.models import Notification, database, utcnow


@dataclass(frozen=True, slots=True)
class NotificationInfo:
    id: NotificationId
    user_id: UserId
    title: str
    body: str
    link_kind: str
    link_id: str
    created_at: dt.datetime
    read_at: dt.datetime | None


def _info(row: Notification) -> NotificationInfo:
    return NotificationInfo(
        NotificationId(row.id), UserId(row.user_id), row.title, row.body, row.link_kind, row.link_id,
        row.created_at, row.read_at,
    )


def recipient_language(locale: str | None) -> str:
    """The language of a recipient whose ``User.locale`` is ``locale``: their own setting, else the
    current UI language."""
    language = (locale or "").strip()[:2] or current_language() or SOURCE_LANGUAGE
    return language if language in LANGUAGES else SOURCE_LANGUAGE


def recipient_translator(locale: str | None) -> gettext.NullTranslations:
    """gettext of the recipient's language (see :func:`recipient_language`)."""
    return translator(recipient_language(locale))


def notify(
    user: IdLike,
    title: str,
    body: str = "",
    link_kind: str = "",
    link_id: uuid.UUID | str | None = None,
    notification_id: uuid.UUID | None = None,
) -> NotificationInfo:
    """``notification_id``: a robot's notification has an id derived from its run (else new)."""
    with database.atomic():
        return _info(
            Notification.create(
                **({"id": notification_id} if notification_id is not None else {}),
                user=as_uuid(user),
                title=title[:300],
                body=body,
                link_kind=link_kind,
                link_id=str(link_id or ""),
            )
        )


def tell_assigned(person: IdLike | None, actor: IdLike | None, message: str, title: str,
                  link_kind: str, link_id: uuid.UUID | str) -> NotificationInfo | None:
    """``message`` (an ``N_``-marked text with ``{title}``) to ``person``, when ``actor`` is not them."""
    from desktop_crm.models import User

    if person is None or (actor is not None and as_uuid(actor) == as_uuid(person)):
        return None
    user = User.get_or_none(User.id == as_uuid(person))
    if user is None:
        return None
    text = recipient_translator(user.locale).gettext(message).format(title=title)
    return notify(user.id, text, "", link_kind, link_id)


def unread_count(user: IdLike) -> int:
    return int(
        Notification.alive()
        .where((Notification.user == as_uuid(user)) & Notification.read_at.is_null())
        .count()
    )


def list_notifications(user: IdLike, unread_only: bool = False, limit: int = 50) -> list[NotificationInfo]:
    query = Notification.alive().where(Notification.user == as_uuid(user))
    if unread_only:
        query = query.where(Notification.read_at.is_null())
    return [_info(row) for row in query.order_by(Notification.created_at.desc()).limit(limit)]


def mark_read(notification_id: IdLike) -> None:
    with database.atomic():
        notification = Notification.get_by_id(as_uuid(notification_id))
        if notification.read_at is None:
            notification.read_at = utcnow()
            notification.save()


def mark_all_read(user: IdLike) -> int:
    with database.atomic():
        rows = list(
            Notification.alive().where(
                (Notification.user == as_uuid(user)) & Notification.read_at.is_null()
            )
        )
        now = utcnow()
        for row in rows:
            row.read_at = now
            row.save()
        return len(rows)
