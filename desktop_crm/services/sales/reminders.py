"""Reminders at tasks' due times, their snoozes, and contacts' birthdays.

* ``due_reminders(user_id, now)`` → :class:`Reminder` s of the user's planned tasks that are due at
  ``now`` and not snoozed past it (each with ``key``: the task and the moment it fell due or its
  snooze ended, so a desktop tells it once per key).
* ``snooze(user_id, task_id, choice, now, tz=None)`` → the naive-UTC moment the reminder returns:
  ``"10m"``, ``"1h"`` or ``"tomorrow"`` (9:00 the next local day). Snoozes are kept per user in the
  database (a per-user setting), so they survive a restart and follow the user.
* ``birthdays_on(user_id, now, tz=None)`` → :class:`Birthday` s of the user's contacts today.

``now`` is always given by the caller (the desktop's clock, a test's chosen moment).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import ActivityId, ContactId, IdLike, as_uuid
from desktop_crm.models import Activity, ActivityKind, ActivityStatus, Contact, User, database
from desktop_crm.models.db import is_read_only
from desktop_crm.services.sales import tasks
from desktop_crm.services.system import rights
from desktop_crm.services.system.settings import SettingSpec, declare

SNOOZES: SettingSpec[dict[str, str]] = declare("reminders.snoozed", {}, per_user=True)  # id: ISO UTC
CHOICES = ("10m", "1h", "tomorrow")
MORNING = dt.time(9, 0)


@dataclass(frozen=True, slots=True)
class Reminder:
    task_id: ActivityId
    key: str
    subject: str
    body: str
    due_at: dt.datetime
    snoozed_until: dt.datetime | None
    link_entity: str
    link_id: uuid.UUID | None
    link_title: str


@dataclass(frozen=True, slots=True)
class Birthday:
    contact_id: ContactId
    name: str
    age: int | None


def _snoozes(user_id: IdLike) -> dict[str, dt.datetime]:
    raw = SNOOZES.get(as_uuid(user_id))
    result: dict[str, dt.datetime] = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            try:
                result[str(key)] = dt.datetime.fromisoformat(str(value))
            except ValueError:
                continue
    return result


def snoozed(user_id: IdLike) -> dict[str, dt.datetime]:
    """The user's snoozes: task id → until (naive UTC)."""
    rights.require_self(user_id)
    return _snoozes(user_id)


def due_reminders(user_id: IdLike, now: dt.datetime) -> list[Reminder]:
    rights.require_self(user_id)
    rows = list(
        Activity.alive().where(
            (Activity.assignee == as_uuid(user_id)) & (Activity.status == ActivityStatus.PLANNED)
            & (Activity.kind == ActivityKind.TASK) & (Activity.due_at <= now)
        ).order_by(Activity.due_at).limit(200)
    )
    snoozes = _snoozes(user_id)
    titles = tasks._titles(rows)
    result = []
    for row in rows:
        until = snoozes.get(str(row.id))
        if until is not None and until > now:
            continue
        item = tasks._item(row, now, titles)
        due = row.due_at or now
        moment = until if until is not None and until > due else due
        result.append(Reminder(
            ActivityId(row.id), f"{row.id}@{moment.isoformat()}", row.subject, row.body, due,
            until, item.link_entity, item.link_id, item.link_title,
        ))
    return result


def snooze_until(choice: str, now: dt.datetime, tz: dt.tzinfo | None = None) -> dt.datetime:
    if choice == "10m":
        return now + dt.timedelta(minutes=10)
    if choice == "1h":
        return now + dt.timedelta(hours=1)
    if choice == "tomorrow":
        local = now.replace(tzinfo=dt.UTC).astimezone(tz)
        morning = dt.datetime.combine(local.date() + dt.timedelta(days=1), MORNING, local.tzinfo)
        return morning.astimezone(dt.UTC).replace(tzinfo=None)
    raise ValidationError(_("Choose for how long to snooze the reminder."))


def snooze(user_id: IdLike, task_id: IdLike, choice: str, now: dt.datetime,
           tz: dt.tzinfo | None = None) -> dt.datetime:
    """Put the reminder of a task off (one transaction); returns when it comes back."""
    rights.require_self(user_id)
    until = snooze_until(choice, now, tz)
    user = User.get_or_none(User.id == as_uuid(user_id))
    if user is None or is_read_only(database):
        return until
    with database.atomic():
        alive = {str(row.id) for row in Activity.alive().where(
            (Activity.assignee == user.id) & (Activity.status == ActivityStatus.PLANNED))}
        kept = {key: value.isoformat() for key, value in _snoozes(user.id).items()
                if key in alive and value > now}
        kept[str(as_uuid(task_id))] = until.isoformat()
        SNOOZES.set(kept, user.id)
    return until


def birthdays_on(user_id: IdLike, now: dt.datetime, tz: dt.tzinfo | None = None) -> list[Birthday]:
    """The user's contacts whose birthday is today (29 February: on the 28th in common years)."""
    rights.require_self(user_id)
    today = now.replace(tzinfo=dt.UTC).astimezone(tz).date()
    query = Contact.alive().where(Contact.birth_date.is_null(False)
                                  & (Contact.responsible == as_uuid(user_id))
                                  & (Contact.birth_date.month == today.month))
    leap = _is_leap(today.year)
    result = []
    for contact in query.limit(20000):
        born = contact.birth_date
        if born is None:
            continue
        month, day = born.month, born.day
        if (month, day) == (2, 29) and not leap:
            day = 28
        if (month, day) == (today.month, today.day):
            age = today.year - born.year if born.year > 1 else None
            result.append(Birthday(ContactId(contact.id), contact.full_name, age))
    return result


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
