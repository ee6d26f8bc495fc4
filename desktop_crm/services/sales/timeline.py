"""The timeline of a deal, lead, contact or company: comments, interactions, tasks and system events.

API for the cards (ids and plain values in, :class:`ActivityInfo` out; each call is one transaction):

* ``add_comment(user, text, deal=…|lead=…|contact=…|company=…)``
* ``log_interaction(user, kind, body, client_answered, deal=…|lead=…|contact=…, occurred_at=None)``
  — a call, meeting, e-mail or message. Only one the client answered, with a detailed comment
  (``rules.is_detailed``), counts for lead conversion and keeps a deal active; the deal's
  ``last_interaction_at``/``correct`` are refreshed in the same transaction.
* ``add_task(user, subject, due_at, assignee=None, deal=…)``, ``complete_task(task_id, user, result="")``,
  ``cancel_task(task_id, user)``, ``reschedule_task(task_id, user, due_at)``
* ``log_document(user, deal, document_type, document_id, number)`` — an issued quote or invoice.
* ``delete_entry(activity_id, user)`` — a mistaken entry (soft delete; the deal is refreshed).
* ``timeline(deal=…, limit=100, before=None)`` → ``list[TimelineEntry]``, newest first, with author,
  time and a title in the UI language. Stage changes, conversions and merges are written by their
  services as entries of kind ``stage_change`` / ``system`` whose ``payload`` says what happened.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desktop_crm import validation
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import N_, _
from desktop_crm.ids import (
    ActivityId,
    CompanyId,
    ContactId,
    DealId,
    IdLike,
    LeadId,
    StageId,
    UserId,
    as_uuid,
    optional_uuid,
)
from desktop_crm.models import (
    Action,
    Activity,
    ActivityKind,
    ActivityStatus,
    Deal,
    Lead,
    LeadStatus,
    User,
    database,
    utcnow,
)
from desktop_crm.models.base import column_text
from desktop_crm.models.history import update_recorded
from desktop_crm.services.sales import rules
from desktop_crm.services.sales.automation import rules as automation_rules
from desktop_crm.services.system import rights


@dataclass(frozen=True, slots=True)
class ActivityInfo:
    """A timeline entry (comment, interaction, task, document) as saved."""

    id: ActivityId
    kind: ActivityKind
    subject: str
    body: str
    status: ActivityStatus
    client_answered: bool
    due_at: dt.datetime | None
    done_at: dt.datetime | None
    created_at: dt.datetime
    author_id: UserId | None
    assignee_id: UserId | None
    deal_id: DealId | None
    lead_id: LeadId | None
    contact_id: ContactId | None
    company_id: CompanyId | None
    stage_id: StageId | None
    payload: dict[str, Any]


def _info(row: Activity) -> ActivityInfo:
    return ActivityInfo(
        id=ActivityId(row.id), kind=ActivityKind(row.kind), subject=row.subject, body=row.body,
        status=ActivityStatus(row.status), client_answered=bool(row.client_answered),
        due_at=row.due_at, done_at=row.done_at, created_at=row.created_at,
        author_id=UserId(row.author_id) if row.author_id else None,
        assignee_id=UserId(row.assignee_id) if row.assignee_id else None,
        deal_id=DealId(row.deal_id) if row.deal_id else None,
        lead_id=LeadId(row.lead_id) if row.lead_id else None,
        contact_id=ContactId(row.contact_id) if row.contact_id else None,
        company_id=CompanyId(row.company_id) if row.company_id else None,
        stage_id=StageId(row.stage_id) if row.stage_id else None,
        payload=dict(row.payload or {}),
    )


@dataclass(frozen=True, slots=True)
class Links:
    deal: uuid.UUID | None = None
    lead: uuid.UUID | None = None
    contact: uuid.UUID | None = None
    company: uuid.UUID | None = None


def _resolve_links(
    deal: IdLike | None = None,
    lead: IdLike | None = None,
    contact: IdLike | None = None,
    company: IdLike | None = None,
) -> Links:
    """Where an entry belongs: a deal entry also shows on its contact and company, a lead's on its contact."""
    deal_row = Deal.get_by_id(as_uuid(deal)) if deal is not None else None
    lead_row = Lead.get_by_id(as_uuid(lead)) if lead is not None else None
    contact_id = optional_uuid(contact)
    company_id = optional_uuid(company)
    if deal_row is not None:
        contact_id = contact_id or deal_row.contact_id
        company_id = company_id or deal_row.company_id
    if lead_row is not None:
        contact_id = contact_id or lead_row.contact_id
    if deal_row is None and lead_row is None and contact_id is None and company_id is None:
        raise ValidationError(_("Choose the deal, lead, contact or company this entry belongs to."))
    return Links(
        deal=deal_row.id if deal_row else None,
        lead=lead_row.id if lead_row else None,
        contact=contact_id,
        company=company_id,
    )


def _create(user: IdLike | None, links: Links, **values: Any) -> Activity:
    """A timeline entry; ``user`` None: written by the application itself (no author)."""
    return Activity.create(
        author=optional_uuid(user),
        deal=links.deal,
        lead=links.lead,
        contact=links.contact,
        company=links.company,
        **values,
    )


def _refresh_deal(deal_id: uuid.UUID | None) -> None:
    if deal_id is not None:
        rules.refresh_deal(Deal.get_by_id(deal_id))


def add_comment(
    user: IdLike,
    text: str,
    deal: IdLike | None = None,
    lead: IdLike | None = None,
    contact: IdLike | None = None,
    company: IdLike | None = None,
) -> ActivityInfo:
    """A comment in the timeline. A detailed one satisfies the deal's "detailed comment" field."""
    rights.require_parents(Action.VIEW, deal, lead, contact, company)
    text = column_text(Activity, "body", text, label=N_("comment"))
    if not text:
        raise ValidationError(_("Write the comment first."), field="body")
    with database.atomic():
        links = _resolve_links(deal, lead, contact, company)
        activity = _create(user, links, kind=ActivityKind.COMMENT, body=text, done_at=utcnow())
        _refresh_deal(links.deal)
        return _info(activity)


def log_interaction(
    user: IdLike,
    kind: ActivityKind | str,
    body: str,
    client_answered: bool,
    deal: IdLike | None = None,
    lead: IdLike | None = None,
    contact: IdLike | None = None,
    occurred_at: dt.datetime | None = None,
    subject: str = "",
) -> ActivityInfo:
    """A call, meeting, e-mail or message with the client, as it happened (``occurred_at``, UTC).

    ``client_answered`` is False for an unanswered call or a message with no reply: logged, shown,
    but it neither allows a conversion nor keeps a deal active.
    """
    rights.require_parents(Action.VIEW, deal, lead, contact)
    kind = validation.enum_value(kind, ActivityKind, "kind", label=N_("kind"))
    body = column_text(Activity, "body", body, label=N_("text"))
    subject = column_text(Activity, "subject", subject)
    occurred_at = validation.datetime_value(occurred_at, "occurred_at", label=N_("date"))
    if kind not in (ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.EMAIL, ActivityKind.MESSAGE):
        raise ValidationError(_("Only calls, meetings, e-mails and messages are interactions."), field="kind")
    now = utcnow()
    when = occurred_at or now
    if when > now + dt.timedelta(minutes=5):
        raise ValidationError(
            _("An interaction cannot be logged in the future; plan a task instead."), field="occurred_at"
        )
    with database.atomic():
        links = _resolve_links(deal, lead, contact)
        activity = _create(
            user,
            links,
            kind=kind,
            subject=subject,
            body=body,
            client_answered=bool(client_answered),
            status=ActivityStatus.DONE,
            done_at=when,
        )
        _refresh_deal(links.deal)
        if links.lead is not None:
            # The first contact with the client puts a new lead in progress.
            update_recorded(Lead, {"status": LeadStatus.IN_PROGRESS, "updated_at": utcnow()},
                            (Lead.id == links.lead) & (Lead.status == LeadStatus.NEW))
        return _info(activity)


def add_task(
    user: IdLike,
    subject: str,
    due_at: dt.datetime,
    assignee: IdLike | None = None,
    deal: IdLike | None = None,
    lead: IdLike | None = None,
    contact: IdLike | None = None,
    body: str = "",
    stage: IdLike | None = None,
) -> ActivityInfo:
    """A planned task for ``assignee`` (the author when none), due at ``due_at`` (UTC)."""
    rights.require_parents(Action.VIEW, deal, lead, contact)
    subject = column_text(Activity, "subject", subject)
    body = column_text(Activity, "body", body, label=N_("text"))
    due = validation.datetime_value(due_at, "due_at")
    if not subject:
        raise ValidationError(_("Say what the task is."), field="subject")
    if due is None:
        raise ValidationError(_("Choose when the task is due."), field="due_at")
    with database.atomic():
        links = _resolve_links(deal, lead, contact)
        task = _create(
            user,
            links,
            kind=ActivityKind.TASK,
            subject=subject,
            body=body,
            due_at=due,
            status=ActivityStatus.PLANNED,
            assignee=optional_uuid(assignee) or as_uuid(user),
            stage=optional_uuid(stage),
        )
        if task.assignee_id is not None and task.assignee_id != as_uuid(user):
            from desktop_crm.services.sales import notifications

            notifications.tell_assigned(task.assignee_id, user, N_("Task assigned to you: {title}"),
                                        subject, "task", task.id)
        return _info(task)


def _planned_task(task_id: IdLike) -> Activity:
    task = Activity.get_or_none((Activity.id == as_uuid(task_id)) & Activity.deleted_at.is_null())
    if task is None or task.kind != ActivityKind.TASK:
        raise ValidationError(_("The task no longer exists."))
    if task.status != ActivityStatus.PLANNED:
        raise ValidationError(_("The task is already done or cancelled."))
    return task


def complete_task(task_id: IdLike, user: IdLike, result: str = "") -> ActivityInfo:
    """Mark a task done; ``result`` (what came out of it) is added to its text."""
    rights.require_on(Activity, as_uuid(task_id), Action.VIEW)
    result = column_text(Activity, "body", result, label=N_("result"))
    with database.atomic():
        task = _planned_task(task_id)
        task.status = ActivityStatus.DONE
        task.done_at = utcnow()
        if result.strip():
            task.body = (task.body + "\n\n" if task.body else "") + result.strip()
        task.payload = {**(task.payload or {}), "completed_by": str(as_uuid(user))}
        task.save()
        return _info(task)


def cancel_task(task_id: IdLike, user: IdLike) -> ActivityInfo:
    rights.require_on(Activity, as_uuid(task_id), Action.VIEW)
    with database.atomic():
        task = _planned_task(task_id)
        task.status = ActivityStatus.CANCELLED
        task.done_at = utcnow()
        task.payload = {**(task.payload or {}), "cancelled_by": str(as_uuid(user))}
        task.save()
        return _info(task)


def reschedule_task(task_id: IdLike, user: IdLike, due_at: dt.datetime) -> ActivityInfo:
    rights.require_on(Activity, as_uuid(task_id), Action.VIEW)
    due = validation.datetime_value(due_at, "due_at")
    if due is None:
        raise ValidationError(_("Choose when the task is due."), field="due_at")
    with database.atomic():
        task = _planned_task(task_id)
        task.payload = {
            **(task.payload or {}),
            "rescheduled_from": task.due_at.isoformat() if task.due_at else None,
            "rescheduled_by": str(as_uuid(user)),
        }
        task.due_at = due
        task.save()
        return _info(task)


def log_document(
    user: IdLike | None, deal: IdLike, document_type: str, document_id: uuid.UUID | str, number: str,
    language: str = "",
) -> ActivityInfo:
    """An issued quote or invoice in the deal's timeline (called by the documents service)."""
    with database.atomic():
        links = _resolve_links(deal=deal)
        return _info(
            _create(
                user,
                links,
                kind=ActivityKind.DOCUMENT,
                done_at=utcnow(),
                payload={
                    "document_type": str(document_type),
                    "document_id": str(document_id),
                    "number": number,
                    "language": language,
                },
            )
        )


def delete_entry(activity_id: IdLike, user: IdLike) -> None:
    """Remove a mistaken comment, interaction or task (soft delete); the deal is refreshed."""
    rights.require_on(Activity, as_uuid(activity_id), Action.VIEW)
    with database.atomic():
        activity = Activity.get_or_none(
            (Activity.id == as_uuid(activity_id)) & Activity.deleted_at.is_null()
        )
        if activity is None:
            return
        if activity.kind in (ActivityKind.STAGE_CHANGE, ActivityKind.SYSTEM, ActivityKind.DOCUMENT):
            raise ValidationError(_("System entries of the timeline cannot be deleted."))
        activity.payload = {**(activity.payload or {}), "deleted_by": str(as_uuid(user))}
        activity.soft_delete()
        _refresh_deal(activity.deal_id)


# --- reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a timeline, ready to show: ``title`` is in the UI language."""

    id: ActivityId
    kind: ActivityKind
    title: str
    body: str
    author: str
    created_at: dt.datetime
    occurred_at: dt.datetime
    status: ActivityStatus
    due_at: dt.datetime | None
    client_answered: bool
    counts_as_interaction: bool
    overdue: bool
    deal_id: DealId | None
    payload: dict[str, Any] = field(default_factory=dict)


_KIND_TITLES = {
    ActivityKind.COMMENT: lambda a: _("Comment"),
    ActivityKind.CALL: lambda a: _("Call") if a.client_answered else _("Call, no answer"),
    ActivityKind.MEETING: lambda a: _("Meeting"),
    ActivityKind.EMAIL: lambda a: _("E-mail") if a.client_answered else _("E-mail, no reply"),
    ActivityKind.MESSAGE: lambda a: _("Message") if a.client_answered else _("Message, no reply"),
}


_SDI_TITLES = {
    "sent": N_("Invoice n. {number} sent to SDI ({file})"),
    "delivered": N_("SDI: invoice n. {number} delivered to the client"),
    "rejected": N_("SDI: invoice n. {number} rejected"),
    "not_delivered": N_("SDI: invoice n. {number} not delivered (in the client's tax drawer)"),
    "accepted": N_("SDI: invoice n. {number} accepted by the public administration"),
    "refused": N_("SDI: invoice n. {number} refused by the public administration"),
    "deadline_passed": N_("SDI: no answer from the public administration in time for invoice n. {number}"),
    "attested": N_("SDI: transmission of invoice n. {number} attested, not deliverable"),
}


def _sdi_title(payload: dict[str, Any]) -> str:
    """An SDI event (``billing.sdi``): the status its receipt gave the invoice."""
    template = _SDI_TITLES.get(str(payload.get("status")))
    if template is None:
        return _("SDI: {status}").format(status=payload.get("status", ""))
    return _(template).format(number=payload.get("number", ""), file=payload.get("file", ""))


def _mail_title(activity: Activity, payload: dict[str, Any]) -> str:
    """The title of an e-mail: sent (the outbox, or found in the sent folder) or the client's
    (fetched); '' for any other entry."""
    if activity.kind == ActivityKind.EMAIL and payload.get("direction") == "in":  # the client wrote it
        return _("E-mail from the client: {subject}").format(subject=activity.subject or "—")
    if activity.kind != ActivityKind.EMAIL or payload.get("direction") != "out":
        return ""
    return _("E-mail sent to {to}: {subject}").format(
        to=", ".join(payload.get("to") or []), subject=activity.subject)


# system entries whose title is made from their payload alone, by their ``event``
_PAYLOAD_TITLES: dict[str, Callable[[dict[str, Any]], str]] = {
    "sdi": _sdi_title,
    "automation": automation_rules.timeline_title,  # what a robot did (or why it did not)
}


def _describe(activity: Activity) -> str:
    """The entry's title in the UI language (system entries are rendered from their payload)."""
    payload = activity.payload or {}
    kind = activity.kind
    if kind in _KIND_TITLES:
        mail = _mail_title(activity, payload)
        if mail:
            return mail
        title = _KIND_TITLES[kind](activity)
        return f"{title}: {activity.subject}" if activity.subject else title
    if kind == ActivityKind.TASK:
        if activity.status == ActivityStatus.DONE:
            return _("Task done: {subject}").format(subject=activity.subject)
        if activity.status == ActivityStatus.CANCELLED:
            return _("Task cancelled: {subject}").format(subject=activity.subject)
        return _("Task: {subject}").format(subject=activity.subject)
    if kind == ActivityKind.STAGE_CHANGE:
        event = payload.get("event", "moved")
        names = {"old": payload.get("from_name") or "—", "new": payload.get("to_name") or "—"}
        if event == "reopened":
            return _("Deal reopened: {old} → {new}").format(**names)
        if event == "created":
            return _("Deal created in stage {new}").format(**names)
        if payload.get("to_kind") == "won":
            if payload.get("lost_reason"):  # the closing reason: why it was won
                return _("Deal won ({reason}): {old} → {new}").format(
                    reason=payload["lost_reason"], **names)
            return _("Deal won: {old} → {new}").format(**names)
        if payload.get("to_kind") == "lost":
            return _("Deal lost ({reason}): {old} → {new}").format(
                reason=payload.get("lost_reason") or "—", **names
            )
        return _("Stage changed: {old} → {new}").format(**names)
    if kind == ActivityKind.DOCUMENT:
        if payload.get("document_type") == "invoice":
            return _("Invoice issued: № {number}").format(number=payload.get("number", ""))
        return _("Quote issued: № {number}").format(number=payload.get("number", ""))
    event = payload.get("event")
    titled = _PAYLOAD_TITLES.get(str(event))
    if titled is not None:
        return titled(payload)
    if event == "lead_converted":
        return _("Lead converted into contact {contact} and deal {deal}").format(
            contact=payload.get("contact_name", ""), deal=payload.get("deal_title", "")
        )
    if event == "contacts_merged":
        return _("Contact {name} merged into this one").format(name=payload.get("merged_name", ""))
    if event == "contacts_unmerged":
        return _("Merge undone: contact {name} separated again").format(
            name=payload.get("merged_name", ""))
    if event == "duplicate_dismissed":
        return _("Marked as not a duplicate of {name}").format(name=payload.get("other_name", ""))
    return activity.subject or _("Note")


def timeline(
    deal: IdLike | None = None,
    lead: IdLike | None = None,
    contact: IdLike | None = None,
    company: IdLike | None = None,
    limit: int = 100,
    before: dt.datetime | None = None,
) -> list[TimelineEntry]:
    """Entries of one entity, newest first; page with ``before`` = the last entry's ``created_at``."""
    rights.require_parents(Action.VIEW, deal, lead, contact, company)
    if deal is not None:
        condition = Activity.deal == as_uuid(deal)
    elif lead is not None:
        condition = Activity.lead == as_uuid(lead)
    elif contact is not None:
        condition = Activity.contact == as_uuid(contact)
    elif company is not None:
        condition = Activity.company == as_uuid(company)
    else:
        raise ValueError("timeline() needs a deal, lead, contact or company")
    query = Activity.alive().where(condition)
    if before is not None:
        query = query.where(Activity.created_at < before)
    rows = list(query.order_by(Activity.created_at.desc(), Activity.id.desc()).limit(limit))
    author_ids = {row.author_id for row in rows if row.author_id}
    names = (
        {u.id: u.name for u in User.select(User.id, User.name).where(User.id.in_(list(author_ids)))}
        if author_ids
        else {}
    )
    now = utcnow()
    policy = rules.comment_policy()
    return [
        TimelineEntry(
            id=ActivityId(row.id),
            kind=row.kind,
            title=_describe(row),
            body=row.body,
            author=names.get(row.author_id, ""),
            created_at=row.created_at,
            occurred_at=row.done_at or row.created_at,
            status=row.status,
            due_at=row.due_at,
            client_answered=bool(row.client_answered),
            counts_as_interaction=rules.counts_as_interaction(row, policy),
            overdue=bool(
                row.kind == ActivityKind.TASK
                and row.status == ActivityStatus.PLANNED
                and row.due_at is not None
                and row.due_at < now
            ),
            deal_id=DealId(row.deal_id) if row.deal_id else None,
            payload=dict(row.payload or {}),
        )
        for row in rows
    ]


__all__ = [
    "ActivityInfo",
    "TimelineEntry",
    "add_comment",
    "add_task",
    "cancel_task",
    "complete_task",
    "delete_entry",
    "log_document",
    "log_interaction",
    "reschedule_task",
    "timeline",
]
