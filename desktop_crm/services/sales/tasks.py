"""My tasks and my notifications, as plain values for the Tasks section.

* ``my_tasks(user_id, now=None, tz=None)`` → :class:`TaskBuckets`: overdue, due today (in the
  desktop's time zone), upcoming; each :class:`TaskItem` names the record it belongs to.
* ``task_item(task_id)`` → one task (any status) or ``None``.
* ``complete(task_id, user_id, comment)`` → the :class:`~services.rules.CommentVerdict` of the
  comment (the hint "not detailed" is shown, it does not block completing);
  ``reschedule(task_id, user_id, due_at_utc)``; ``comment_hint(text)`` for live hints.
* ``notification_items(user_id, unread_only=False)``, ``unread_count(user_id)``,
  ``mark_read(id)``, ``mark_all_read(user_id)``.

Times in the database are naive UTC; ``tz`` (default: the system's) decides where "today" ends.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from desktop_crm.entities import Entity
from desktop_crm.ids import ActivityId, IdLike, NotificationId, as_uuid
from desktop_crm.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Company,
    Contact,
    Deal,
    Lead,
    Notification,
    utcnow,
)
from desktop_crm.services.sales import notifications, rules, timeline
from desktop_crm.services.system import rights


@dataclass(frozen=True, slots=True)
class TaskItem:
    id: ActivityId
    subject: str
    body: str
    due_at: dt.datetime | None  # naive UTC
    status: str
    overdue: bool
    link_entity: str  # an Entity ("deals", "leads", "contacts", "companies") or ""
    link_id: uuid.UUID | None  # the id of a record of ``link_entity``
    link_title: str


@dataclass(frozen=True, slots=True)
class TaskBuckets:
    overdue: list[TaskItem]
    today: list[TaskItem]
    upcoming: list[TaskItem]

    @property
    def total(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.upcoming)


_Titles = dict[tuple[Entity, uuid.UUID], str]

#: The records a task may belong to, in the order its link is looked for.
_TASK_LINKS = (Entity.DEALS, Entity.LEADS, Entity.CONTACTS, Entity.COMPANIES)
#: What a task can be added to from the Tasks section.
_TASK_TARGETS = (Entity.DEALS, Entity.LEADS, Entity.CONTACTS)


def _titles(activities: list[Activity]) -> _Titles:
    """The titles of the records the tasks belong to: one query per kind, not one per task."""
    wanted: dict[Entity, set[uuid.UUID]] = {entity: set() for entity in _TASK_LINKS}
    for activity in activities:
        link = _link_key(activity)
        if link is not None:
            wanted[link[0]].add(link[1])
    titles: _Titles = {}
    if wanted[Entity.DEALS]:
        for deal in Deal.select(Deal.id, Deal.title).where(Deal.id.in_(list(wanted[Entity.DEALS]))):
            titles[Entity.DEALS, deal.id] = deal.title
    if wanted[Entity.LEADS]:
        for lead in Lead.select(Lead.id, Lead.title).where(Lead.id.in_(list(wanted[Entity.LEADS]))):
            titles[Entity.LEADS, lead.id] = lead.title
    if wanted[Entity.CONTACTS]:
        for contact in Contact.select(
            Contact.id, Contact.last_name, Contact.first_name, Contact.middle_name
        ).where(Contact.id.in_(list(wanted[Entity.CONTACTS]))):
            titles[Entity.CONTACTS, contact.id] = contact.full_name
    if wanted[Entity.COMPANIES]:
        for company in Company.select(Company.id, Company.short_name, Company.legal_name).where(
            Company.id.in_(list(wanted[Entity.COMPANIES]))
        ):
            titles[Entity.COMPANIES, company.id] = company.short_name or company.legal_name
    return titles


def _link_key(activity: Activity) -> tuple[Entity, uuid.UUID] | None:
    keys = {
        Entity.DEALS: activity.deal_id,
        Entity.LEADS: activity.lead_id,
        Entity.CONTACTS: activity.contact_id,
        Entity.COMPANIES: activity.company_id,
    }
    for entity in _TASK_LINKS:
        key = keys[entity]
        if key is not None:
            return entity, key
    return None


def _item(activity: Activity, now: dt.datetime, titles: _Titles | None = None) -> TaskItem:
    titles = titles if titles is not None else _titles([activity])
    link = _link_key(activity)
    return TaskItem(
        id=ActivityId(activity.id),
        subject=activity.subject,
        body=activity.body,
        due_at=activity.due_at,
        status=str(activity.status),
        overdue=bool(
            activity.status == ActivityStatus.PLANNED
            and activity.due_at is not None
            and activity.due_at < now
        ),
        link_entity=str(link[0]) if link else "",
        link_id=link[1] if link else None,
        link_title=titles.get(link, "") if link else "",
    )


def end_of_local_day(now_utc: dt.datetime, tz: dt.tzinfo | None = None) -> dt.datetime:
    """The naive-UTC moment at which the local day containing ``now_utc`` ends."""
    aware = now_utc.replace(tzinfo=dt.UTC).astimezone(tz)  # tz None: the system's zone
    tomorrow = dt.datetime.combine(aware.date() + dt.timedelta(days=1), dt.time(), aware.tzinfo)
    return tomorrow.astimezone(dt.UTC).replace(tzinfo=None)


def _planned_tasks(user_id: uuid.UUID, limit: int) -> list[Activity]:
    """The user's planned tasks, the most urgent first (served by the assignee/status/due index)."""
    return list(
        Activity.alive()
        .where(
            (Activity.assignee == user_id)
            & (Activity.status == ActivityStatus.PLANNED)
            & (Activity.kind == ActivityKind.TASK)
        )
        .order_by(Activity.due_at)
        .limit(limit)
    )


def my_tasks(user_id: IdLike, now: dt.datetime | None = None, tz: dt.tzinfo | None = None,
             limit: int = 500) -> TaskBuckets:
    """The user's planned tasks in three groups, the most urgent first."""
    rights.require_self_or_scope(user_id)
    now = now or utcnow()
    day_end = end_of_local_day(now, tz)
    overdue: list[TaskItem] = []
    today: list[TaskItem] = []
    upcoming: list[TaskItem] = []
    planned = _planned_tasks(as_uuid(user_id), limit)
    titles = _titles(planned)
    for activity in planned:
        item = _item(activity, now, titles)
        if activity.due_at is None or activity.due_at >= day_end:
            upcoming.append(item)
        elif activity.due_at < now:
            overdue.append(item)
        else:
            today.append(item)
    return TaskBuckets(overdue, today, upcoming)


def task_item(task_id: IdLike) -> TaskItem | None:
    activity = Activity.get_or_none(
        (Activity.id == as_uuid(task_id)) & Activity.deleted_at.is_null()
        & (Activity.kind == ActivityKind.TASK)
    )
    return _item(activity, utcnow()) if activity is not None else None


def comment_hint(text: str) -> rules.CommentVerdict:
    """Rule 3 on the completion comment: whether it is detailed, and the hint when it is not."""
    return rules.is_detailed(text)


def complete(task_id: IdLike, user_id: IdLike, comment: str) -> rules.CommentVerdict:
    """Mark the task done with what came out of it (one transaction)."""
    timeline.complete_task(task_id, user_id, result=comment or "")
    return rules.is_detailed(comment)


def reschedule(task_id: IdLike, user_id: IdLike, due_at: dt.datetime) -> None:
    timeline.reschedule_task(task_id, user_id, due_at)


def add_task(
    user_id: IdLike, subject: str, due_at: dt.datetime, entity: str, entity_id: IdLike
) -> ActivityId:
    """A planned task for the user on a deal, lead or contact."""
    if entity not in _TASK_TARGETS:
        raise ValueError(f"tasks belong to deals, leads or contacts, not {entity}")
    target = as_uuid(entity_id)
    task = timeline.add_task(
        user_id, subject, due_at,
        deal=target if entity == Entity.DEALS else None,
        lead=target if entity == Entity.LEADS else None,
        contact=target if entity == Entity.CONTACTS else None,
    )
    return ActivityId(task.id)


# --- notifications ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotificationItem:
    id: NotificationId
    title: str
    body: str
    created_at: dt.datetime
    read: bool
    link_entity: str
    link_id: str  # as the notification stores it: a record id's text, or "" for no link


def _link_entity(link_kind: str) -> str:
    """The entity a notification's link points at ("deals" for "deal"); an unknown kind as it is."""
    entity = Entity.of_link_kind(link_kind)
    return str(entity) if entity is not None else link_kind


def notification_items(user_id: IdLike, unread_only: bool = False,
                       limit: int = 100) -> list[NotificationItem]:
    rights.require_self(user_id)
    rows = notifications.list_notifications(user_id, unread_only=unread_only, limit=limit)
    return [
        NotificationItem(
            row.id, row.title, row.body, row.created_at, row.read_at is not None,
            _link_entity(row.link_kind), row.link_id,
        )
        for row in rows
    ]


def unread_count(user_id: IdLike) -> int:
    rights.require_self(user_id)
    return notifications.unread_count(user_id)


def mark_read(notification_id: IdLike) -> None:
    owner = Notification.get_or_none(Notification.id == as_uuid(notification_id))
    if owner is not None:
        rights.require_self(owner.user_id)
    notifications.mark_read(notification_id)


def mark_all_read(user_id: IdLike) -> int:
    rights.require_self(user_id)
    return notifications.mark_all_read(user_id)

