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
from typing import Any

from desktop_crm.i18n import _
from desktop_crm.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Company,
    Contact,
    Deal,
    Lead,
    utcnow,
)
from desktop_crm.services.sales import notifications, rules, timeline


def _uuid(value: Any) -> uuid.UUID:
    value = getattr(value, "id", value)
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


@dataclass(frozen=True)
class TaskItem:
    id: str
    subject: str
    body: str
    due_at: dt.datetime | None  # naive UTC
    status: str
    overdue: bool
    link_entity: str  # "deals", "leads", "contacts", "companies" or ""
    link_id: str
    link_title: str


@dataclass(frozen=True)
class TaskBuckets:
    overdue: list[TaskItem]
    today: list[TaskItem]
    upcoming: list[TaskItem]

    @property
    def total(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.upcoming)


def _titles(activities: list[Activity]) -> dict[tuple[str, Any], str]:
    """The titles of the records the tasks belong to: one query per kind, not one per task."""
    wanted: dict[str, set[Any]] = {"deals": set(), "leads": set(), "contacts": set(),
                                   "companies": set()}
    for activity in activities:
        entity, key = _link_key(activity)
        if entity:
            wanted[entity].add(key)
    titles: dict[tuple[str, Any], str] = {}
    if wanted["deals"]:
        for key, title in Deal.select(Deal.id, Deal.title).where(
                Deal.id.in_(list(wanted["deals"]))).tuples():
            titles["deals", key] = title
    if wanted["leads"]:
        for key, title in Lead.select(Lead.id, Lead.title).where(
                Lead.id.in_(list(wanted["leads"]))).tuples():
            titles["leads", key] = title
    if wanted["contacts"]:
        for row in Contact.select(Contact.id, Contact.last_name, Contact.first_name,
                                  Contact.middle_name).where(
                Contact.id.in_(list(wanted["contacts"]))):
            titles["contacts", row.id] = row.full_name
    if wanted["companies"]:
        for key, short, legal in Company.select(Company.id, Company.short_name,
                                                Company.legal_name).where(
                Company.id.in_(list(wanted["companies"]))).tuples():
            titles["companies", key] = short or legal
    return titles


def _link_key(activity: Activity) -> tuple[str, Any]:
    for entity, key in (("deals", activity.deal_id), ("leads", activity.lead_id),
                        ("contacts", activity.contact_id), ("companies", activity.company_id)):
        if key is not None:
            return entity, key
    return "", None


def _item(activity: Activity, now: dt.datetime,
          titles: dict[tuple[str, Any], str] | None = None) -> TaskItem:
    titles = titles if titles is not None else _titles([activity])
    entity, key = _link_key(activity)
    return TaskItem(
        id=str(activity.id),
        subject=activity.subject,
        body=activity.body,
        due_at=activity.due_at,
        status=str(activity.status),
        overdue=bool(
            activity.status == ActivityStatus.PLANNED
            and activity.due_at is not None
            and activity.due_at < now
        ),
        link_entity=entity,
        link_id=str(key) if key is not None else "",
        link_title=titles.get((entity, key), "") if entity else "",
    )


def end_of_local_day(now_utc: dt.datetime, tz: dt.tzinfo | None = None) -> dt.datetime:
    """The naive-UTC moment at which the local day containing ``now_utc`` ends."""
    aware = now_utc.replace(tzinfo=dt.UTC).astimezone(tz)  # tz None: the system's zone
    tomorrow = dt.datetime.combine(aware.date() + dt.timedelta(days=1), dt.time(), aware.tzinfo)
    return tomorrow.astimezone(dt.UTC).replace(tzinfo=None)


def my_tasks(user_id: Any, now: dt.datetime | None = None, tz: dt.tzinfo | None = None,
             limit: int = 500) -> TaskBuckets:
    """The user's planned tasks in three groups, the most urgent first."""
    now = now or utcnow()
    day_end = end_of_local_day(now, tz)
    overdue: list[TaskItem] = []
    today: list[TaskItem] = []
    upcoming: list[TaskItem] = []
    planned = timeline.planned_tasks(_uuid(user_id), limit=limit)
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


def task_item(task_id: Any) -> TaskItem | None:
    activity = Activity.get_or_none(
        (Activity.id == _uuid(task_id)) & Activity.deleted_at.is_null()
        & (Activity.kind == ActivityKind.TASK)
    )
    return _item(activity, utcnow()) if activity is not None else None


def comment_hint(text: str) -> rules.CommentVerdict:
    """Rule 3 on the completion comment: whether it is detailed, and the hint when it is not."""
    return rules.is_detailed(text)


def complete(task_id: Any, user_id: Any, comment: str) -> rules.CommentVerdict:
    """Mark the task done with what came out of it (one transaction)."""
    timeline.complete_task(_uuid(task_id), _uuid(user_id), result=comment or "")
    return rules.is_detailed(comment)


def reschedule(task_id: Any, user_id: Any, due_at: dt.datetime) -> None:
    timeline.reschedule_task(_uuid(task_id), _uuid(user_id), due_at)


def add_task(user_id: Any, subject: str, due_at: dt.datetime, entity: str, entity_id: Any) -> str:
    """A planned task for the user on a deal, lead or contact."""
    key = {"deals": "deal", "leads": "lead", "contacts": "contact"}.get(entity)
    if key is None:
        raise ValueError(f"tasks belong to deals, leads or contacts, not {entity}")
    task = timeline.add_task(_uuid(user_id), subject, due_at, **{key: _uuid(entity_id)})
    return str(task.id)


# --- notifications ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationItem:
    id: str
    title: str
    body: str
    created_at: dt.datetime
    read: bool
    link_entity: str
    link_id: str


_LINK_ENTITIES = {"deal": "deals", "lead": "leads", "contact": "contacts", "company": "companies",
                  "task": "tasks"}


def notification_items(user_id: Any, unread_only: bool = False,
                       limit: int = 100) -> list[NotificationItem]:
    rows = notifications.list_notifications(_uuid(user_id), unread_only=unread_only, limit=limit)
    return [
        NotificationItem(
            str(row.id), row.title, row.body, row.created_at, row.read_at is not None,
            _LINK_ENTITIES.get(row.link_kind, row.link_kind), row.link_id,
        )
        for row in rows
    ]


def unread_count(user_id: Any) -> int:
    return notifications.unread_count(_uuid(user_id))


def mark_read(notification_id: Any) -> None:
    notifications.mark_read(_uuid(notification_id))


def mark_all_read(user_id: Any) -> int:
    return notifications.mark_all_read(_uuid(user_id))


def no_link_text() -> str:
    return _("not linked")
