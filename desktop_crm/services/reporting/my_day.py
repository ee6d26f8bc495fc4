"""The home screen, "my day": what the signed-in salesperson should look at first.

* tasks overdue and due today (``services.sales.tasks.my_tasks``);
* deals at risk: their open deals that the house rules call inactive (rule 2: incorrect, never
  reached, or not reached with a detailed comment within ``rules.inactivity_days``), each with why;
* progress of the plans that concern them (``services.reporting.plans``);
* recent client replies: incoming e-mails written by the client and answered calls, meetings and
  messages on their deals, leads and clients in the last two weeks.

Everything is read in one call, meant for a background worker (``workers.run_in_background``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop_crm.entities import Entity
from desktop_crm.i18n import _, ngettext
from desktop_crm.ids import DealId, IdLike, as_uuid
from desktop_crm.models import (
    Activity,
    Deal,
    MailDirection,
    MailMessage,
    Stage,
    StageKind,
    utcnow,
)
from desktop_crm.services.reporting import plans
from desktop_crm.services.sales import rules, tasks
from desktop_crm.services.system import rights

RISK_LIMIT = 30
REPLY_DAYS = 14
REPLY_LIMIT = 10


@dataclass(frozen=True, slots=True)
class RiskyDeal:
    id: DealId
    title: str
    stage: str
    amount: Decimal
    currency: str
    reason: str  # translated: why the deal is at risk
    incorrect: bool


@dataclass(frozen=True, slots=True)
class Reply:
    entity: str  # an Entity value the reply opens ("deals", "leads", "contacts", "companies")
    entity_id: uuid.UUID
    title: str  # what the reply is about (the record's title)
    text: str  # the subject or the start of the comment
    at: dt.datetime  # naive UTC
    kind: str  # "email" or an ActivityKind value


@dataclass(frozen=True, slots=True)
class MyDay:
    overdue: list[tasks.TaskItem]
    today: list[tasks.TaskItem]
    at_risk: list[RiskyDeal]
    plans: list[plans.Progress]
    replies: list[Reply]


def _reason(deal: Any, now: dt.datetime) -> str:
    if not deal.correct:
        missing = list(deal.missing_fields or [])
        if missing:
            return _("Incomplete: {fields}").format(fields=rules.field_list(missing))
        return _("Incomplete: the deal lacks what its stage requires")
    if deal.last_interaction_at is None:
        return _("The client was never reached with a detailed comment")
    days = (now - deal.last_interaction_at).days
    return ngettext("No contact with the client for {days} day",
                    "No contact with the client for {days} days", days).format(days=days)


def deals_at_risk(user_id: IdLike, now: dt.datetime | None = None,
                  limit: int = RISK_LIMIT) -> list[RiskyDeal]:
    """The user's open deals that are not active under the house rules, the longest silent first."""
    rights.require_self_or_scope(user_id)
    now = now or utcnow()
    rows = (
        Deal.select(Deal.id, Deal.title, Deal.amount, Deal.currency, Deal.correct,
                    Deal.missing_fields, Deal.last_interaction_at, Stage.name.alias("stage_name"))
        .join(Stage, on=(Deal.stage == Stage.id))
        .where(Deal.deleted_at.is_null() & (Deal.responsible == as_uuid(user_id))
               & (Stage.kind == StageKind.OPEN) & rules.inactive_condition(now))
        .order_by(Deal.correct, Deal.last_interaction_at.asc(nulls="first"))
        .limit(limit)
        .objects()
    )
    return [RiskyDeal(DealId(r.id), r.title, getattr(r, "stage_name", ""), r.amount, r.currency,
                      _reason(r, now), not r.correct) for r in rows]


def _link(row: Any) -> tuple[str, uuid.UUID] | None:
    for entity, key in ((Entity.DEALS, row.deal_id), (Entity.LEADS, row.lead_id),
                        (Entity.CONTACTS, row.contact_id), (Entity.COMPANIES, row.company_id)):
        if key is not None:
            return str(entity), key
    return None


def recent_replies(user_id: IdLike, now: dt.datetime | None = None,
                   limit: int = REPLY_LIMIT) -> list[Reply]:
    """Client replies of the last two weeks on the user's deals (and, for e-mail, also on their
    leads and clients), the newest first."""
    rights.require_self_or_scope(user_id)
    key = as_uuid(user_id)
    since = (now or utcnow()) - dt.timedelta(days=REPLY_DAYS)
    mine = Deal.select(Deal.id).where(Deal.responsible == key)
    mails = (MailMessage.alive()
             .where((MailMessage.direction == MailDirection.IN)
                    & (MailMessage.client_answered == True)  # noqa: E712
                    & (MailMessage.created_at >= since)
                    & (MailMessage.deal.in_(mine) | (MailMessage.author == key)))
             .order_by(MailMessage.created_at.desc()).limit(limit))
    interactions = (Activity.alive()
                    .where((Activity.client_answered == True)  # noqa: E712
                           & Activity.kind.in_(rules.interaction_kinds())
                           & (Activity.created_at >= since) & Activity.deal.in_(mine))
                    .order_by(Activity.created_at.desc()).limit(limit))
    found: list[tuple[dt.datetime, Any, str, str]] = [
        (m.date or m.created_at, m, m.subject, "email") for m in mails]
    found += [(rules.interaction_time(a), a, (a.body or "").strip().splitlines()[0][:120]
               if (a.body or "").strip() else "", str(a.kind)) for a in interactions]
    found.sort(key=lambda item: item[0], reverse=True)
    titles = _titles([row for _at, row, _t, _k in found])
    replies = []
    for at, row, text, kind in found[:limit]:
        link = _link(row)
        if link is not None:
            replies.append(Reply(link[0], link[1], titles.get(link, ""), text, at, kind))
    return replies


def _titles(rows: list[Any]) -> dict[tuple[str, uuid.UUID], str]:
    deal_ids = [r.deal_id for r in rows if r.deal_id is not None]
    titles: dict[tuple[str, uuid.UUID], str] = {}
    if deal_ids:
        for deal in Deal.select(Deal.id, Deal.title).where(Deal.id.in_(deal_ids)):
            titles[str(Entity.DEALS), deal.id] = deal.title
    return titles


def my_day(user_id: IdLike, now: dt.datetime | None = None, tz: dt.tzinfo | None = None,
           today: dt.date | None = None) -> MyDay:
    """Everything the home screen shows for ``user_id`` (the signed-in user, or one of their team
    for a head)."""
    now = now or utcnow()
    buckets = tasks.my_tasks(user_id, now, tz)
    local_today = today or now.replace(tzinfo=dt.UTC).astimezone(tz).date()
    return MyDay(
        overdue=buckets.overdue,
        today=buckets.today,
        at_risk=deals_at_risk(user_id, now),
        plans=plans.progress_of(user_id, local_today),
        replies=recent_replies(user_id, now),
    )
