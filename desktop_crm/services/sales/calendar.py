"""The calendar: tasks, meetings and contacts' birthdays of some users in a span of time.

* ``calendar_people()`` → the :class:`CalendarPerson` s the acting user may look at (oneself first,
  then the colleagues within the role's scope).
* ``entries(user_ids, start, end, now=None, tz=None)`` → :class:`CalendarEntry` s between two
  naive-UTC moments, sorted by time; birthdays of the users' contacts fall on local days.
* ``reschedule(task_id, user_id, due_at)`` moves a task (one transaction): refused without the edit
  right, outside the scope, for a done task or for a task of a closed deal.
* ``export_ics(user_id, now=None)`` → the user's tasks and meetings as an iCalendar (RFC 5545)
  text; see :mod:`desktop_crm.services.sales.ical`.

Times in and out are naive UTC; ``tz`` (default: the system's) decides the local days.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from peewee import fn

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import ActivityId, ContactId, IdLike, UserId, as_uuid
from desktop_crm.models import (
    Action,
    Activity,
    ActivityKind,
    ActivityStatus,
    Contact,
    Deal,
    User,
    database,
    utcnow,
)
from desktop_crm.models.enums import Scope
from desktop_crm.services.sales import ical, tasks, timeline
from desktop_crm.services.system import rights

KINDS = (ActivityKind.TASK, ActivityKind.MEETING)


@dataclass(frozen=True, slots=True)
class CalendarPerson:
    id: UserId
    name: str
    me: bool


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    kind: str  # "task", "meeting" or "birthday"
    id: ActivityId | ContactId
    subject: str
    body: str
    start: dt.datetime  # naive UTC; a birthday: the local day's midnight in UTC
    all_day: bool
    status: str  # "planned", "done", "cancelled" ("" for a birthday)
    overdue: bool
    movable: bool  # a planned task the user may drag
    owner_id: UserId | None
    owner_name: str
    link_entity: str
    link_id: uuid.UUID | None
    link_title: str


def calendar_people() -> list[CalendarPerson]:
    actor = rights.current()
    me = actor.user_id if actor is not None else None
    people: list[CalendarPerson] = []
    query = User.alive().where(User.active == True).order_by(User.name)  # noqa: E712
    mine = [user for user in query if user.id == me]
    for user in mine:
        people.append(CalendarPerson(UserId(user.id), user.name, True))
    if rights.scope_for(None) != Scope.OWN:
        for user in query:
            if user.id != me and rights.in_scope(user.id):
                people.append(CalendarPerson(UserId(user.id), user.name, False))
    return people


def _local_midnight_utc(day: dt.date, tz: dt.tzinfo | None) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time())
    aware = local.replace(tzinfo=tz) if tz is not None else local.astimezone()
    return aware.astimezone(dt.UTC).replace(tzinfo=None)


def _local_date(moment: dt.datetime, tz: dt.tzinfo | None) -> dt.date:
    return moment.replace(tzinfo=dt.UTC).astimezone(tz).date()


def _activity_entries(owners: list[uuid.UUID], start: dt.datetime, end: dt.datetime,
                      now: dt.datetime, names: dict[uuid.UUID, str]) -> list[CalendarEntry]:
    tasks_of = ((Activity.kind == ActivityKind.TASK) & Activity.assignee.in_(owners)
                & (Activity.due_at >= start) & (Activity.due_at < end))
    when = fn.COALESCE(Activity.due_at, Activity.done_at)
    meetings_of = ((Activity.kind == ActivityKind.MEETING) & (when >= start) & (when < end)
                   & (Activity.assignee.in_(owners)
                      | (Activity.assignee.is_null() & Activity.author.in_(owners))))
    query = Activity.alive().where(tasks_of | meetings_of)
    condition = rights.activity_condition()
    if condition is not None:
        query = query.where(condition)
    rows = list(query.limit(5000))
    titles = tasks._titles(rows)
    closed = _closed_deals({row.deal_id for row in rows if row.deal_id is not None})
    may_edit = rights.can(Action.EDIT)
    result = []
    for row in rows:
        item = tasks._item(row, now, titles)
        due = row.due_at or row.done_at or now
        owner = row.assignee_id or row.author_id
        result.append(CalendarEntry(
            kind=str(row.kind), id=ActivityId(row.id), subject=row.subject, body=row.body,
            start=due, all_day=False, status=str(row.status), overdue=item.overdue,
            movable=bool(may_edit and row.status == ActivityStatus.PLANNED
                         and row.kind == ActivityKind.TASK and row.deal_id not in closed),
            owner_id=UserId(owner) if owner else None,
            owner_name=names.get(owner, "") if owner else "",
            link_entity=item.link_entity, link_id=item.link_id, link_title=item.link_title,
        ))
    return result


def _closed_deals(ids: set[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return {row.id for row in Deal.select(Deal.id).where(Deal.id.in_(list(ids))
                                                         & Deal.closed_at.is_null(False))}


def _birthday_entries(owners: list[uuid.UUID], start: dt.datetime, end: dt.datetime,
                      tz: dt.tzinfo | None, names: dict[uuid.UUID, str]) -> list[CalendarEntry]:
    first, last = _local_date(start, tz), _local_date(end - dt.timedelta(microseconds=1), tz)
    days: dict[tuple[int, int], list[dt.date]] = {}
    day = first
    while day <= last and len(days) < 400:
        days.setdefault((day.month, day.day), []).append(day)
        day += dt.timedelta(days=1)
    months = sorted({month for month, _day in days})
    query = Contact.alive().where(Contact.birth_date.is_null(False) & Contact.responsible.in_(owners)
                                  & Contact.birth_date.month.in_(months))
    condition = rights.scope_condition(Contact)
    if condition is not None:
        query = query.where(condition)
    result = []
    for contact in query.limit(20000):
        born = contact.birth_date
        if born is None or contact.responsible_id is None:
            continue
        key = (born.month, born.day)
        if key == (2, 29) and (2, 29) not in days:  # born on 29 February: the 28th in common years
            key = (2, 28)
        for on in days.get(key, []):
            result.append(CalendarEntry(
                kind="birthday", id=ContactId(contact.id),
                subject=_("Birthday: {name}").format(name=contact.full_name),
                body="", start=_local_midnight_utc(on, tz), all_day=True, status="",
                overdue=False, movable=False, owner_id=UserId(contact.responsible_id),
                owner_name=names.get(contact.responsible_id, ""), link_entity="contacts",
                link_id=contact.id, link_title=contact.full_name,
            ))
    return result


def entries(user_ids: Sequence[IdLike], start: dt.datetime, end: dt.datetime,
            now: dt.datetime | None = None, tz: dt.tzinfo | None = None) -> list[CalendarEntry]:
    """The tasks, meetings and birthdays of ``user_ids`` from ``start`` up to ``end``."""
    owners = [as_uuid(user) for user in user_ids]
    for owner in owners:
        rights.require_self_or_scope(owner)
    if not owners or end <= start:
        return []
    now = now or utcnow()
    names = {user.id: user.name for user in User.select(User.id, User.name).where(User.id.in_(owners))}
    found = _activity_entries(owners, start, end, now, names)
    found += _birthday_entries(owners, start, end, tz, names)
    found.sort(key=lambda entry: (not entry.all_day, entry.start, entry.subject))
    return found


def reschedule(task_id: IdLike, user_id: IdLike, due_at: dt.datetime) -> None:
    """Move a planned task to ``due_at`` (naive UTC) in one transaction."""
    rights.require(Action.EDIT)
    rights.require_visible(Activity, as_uuid(task_id))
    with database.atomic():
        task = Activity.get_or_none((Activity.id == as_uuid(task_id)) & Activity.deleted_at.is_null())
        if task is not None and task.deal_id is not None:
            deal = Deal.get_or_none(Deal.id == task.deal_id)
            if deal is not None and deal.closed_at is not None:
                raise ValidationError(_("The deal is closed: its tasks can no longer be moved."))
        timeline.reschedule_task(task_id, user_id, due_at)


def export_ics(user_id: IdLike, now: dt.datetime | None = None) -> str:
    """The user's tasks (VTODO) and meetings (VEVENT) that have a time, as iCalendar text."""
    rights.require_self_or_scope(user_id)
    actor = rights.current()
    if actor is None or actor.user_id != as_uuid(user_id):  # one's own diary is not a data export
        rights.require(Action.EXPORT)
    now = now or utcnow()
    user = as_uuid(user_id)
    query = Activity.alive().where(
        ((Activity.kind == ActivityKind.TASK) & (Activity.assignee == user)
         & Activity.due_at.is_null(False))
        | ((Activity.kind == ActivityKind.MEETING)
           & fn.COALESCE(Activity.due_at, Activity.done_at).is_null(False)
           & ((Activity.assignee == user) | (Activity.assignee.is_null() & (Activity.author == user))))
    )
    condition = rights.activity_condition()
    if condition is not None:
        query = query.where(condition)
    rows = list(query.order_by(Activity.created_at))
    titles = tasks._titles(rows)
    items = []
    for row in rows:
        item = tasks._item(row, now, titles)
        when = row.due_at or row.done_at or now
        link = f"{item.link_title}" if item.link_title else ""
        description = "\n".join(part for part in (link, row.body) if part)
        items.append(ical.Item(
            uid=f"{row.id}@desktop-crm", kind="event" if row.kind == ActivityKind.MEETING else "todo",
            summary=row.subject, description=description, when=when,
            status=str(row.status), created=row.created_at, modified=row.updated_at or row.created_at,
        ))
    return ical.calendar(items, now)
