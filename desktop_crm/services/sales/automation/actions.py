"""What a robot does to a deal: each action makes its effects with ids derived from the run
(:func:`effect_id`), so the same run done on two replicas merges into one task, one e-mail, one
notification on the server. An action that cannot be done refuses with a translated ``CrmError``;
the engine records the run as skipped with that reason.

Each action returns the payload of its timeline entry (``texts.timeline_title`` renders it)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import as_uuid
from desktop_crm.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    AutomationRule,
    Contact,
    Deal,
    Stage,
    User,
)
from desktop_crm.services.sales.automation.rules import (
    CUSTOM_PREFIX,
    Act,
    Person,
    field_spec,
    stored_value,
)

ROBOT_DOMAIN = "robots.desktop-crm.invalid"


def effect_id(run_id: uuid.UUID, what: str) -> uuid.UUID:
    """The id of what run ``run_id`` made of kind ``what`` (task, mail, notification, timeline)."""
    return uuid.uuid5(run_id, what)


def _person(deal: Deal, params: dict[str, Any], actor: uuid.UUID | None) -> User:
    who = Person(params.get("who") or Person.RESPONSIBLE)
    if who == Person.USER:
        person = User.get_or_none((User.id == as_uuid(params["user_id"])) & User.deleted_at.is_null())
        if person is None:
            raise ValidationError(_("The colleague the rule names no longer works here."))
        return person
    responsible_id = deal.responsible_id or actor
    responsible = User.get_or_none(User.id == responsible_id) if responsible_id else None
    if responsible is None:
        raise ValidationError(_("The deal has no responsible."))
    if who == Person.RESPONSIBLE:
        return responsible
    head = User.get_or_none((User.id == responsible.head_id) & User.deleted_at.is_null()) \
        if responsible.head_id else None
    if head is None:
        raise ValidationError(_("{name} has no head.").format(name=responsible.name))
    return head


def _acting(deal: Deal, actor: uuid.UUID | None) -> uuid.UUID:
    """Who a robot acts for: the user whose action fired it, else the deal's responsible."""
    acting = actor or deal.responsible_id
    if acting is None:
        raise ValidationError(_("The deal has no responsible."))
    return acting


def create_task(deal: Deal, params: dict[str, Any], run_id: uuid.UUID, actor: uuid.UUID | None,
                now: dt.datetime) -> dict[str, Any]:
    assignee = _person(deal, params, actor)
    task = Activity.create(
        id=effect_id(run_id, "task"), kind=ActivityKind.TASK, subject=str(params["text"])[:300],
        status=ActivityStatus.PLANNED, due_at=now + dt.timedelta(days=int(params["due_days"])),
        author=actor, assignee=assignee.id, deal=deal.id, contact=deal.contact_id,
        company=deal.company_id, stage=deal.stage_id, payload={"automation_run": str(run_id)},
    )
    return {"did": "task", "subject": task.subject, "name": assignee.name}


def notify(deal: Deal, params: dict[str, Any], run_id: uuid.UUID, actor: uuid.UUID | None,
           now: dt.datetime) -> dict[str, Any]:
    from desktop_crm.services.sales import notifications

    person = _person(deal, params, actor)
    notifications.notify(person.id, str(params["text"]), deal.title, "deal", deal.id,
                         notification_id=effect_id(run_id, "notification"))
    return {"did": "notify", "name": person.name, "subject": str(params["text"])}


def _language(contact: Contact | None, sender: User | None) -> str:
    from desktop_crm.services.sales import notifications

    country = (getattr(contact, "country", "") or "").upper()
    if country in ("RU", "IT"):
        return country.lower()
    return notifications.recipient_language(sender.locale if sender else None)


def send_email(deal: Deal, params: dict[str, Any], run_id: uuid.UUID, actor: uuid.UUID | None,
               now: dt.datetime) -> dict[str, Any]:
    from desktop_crm.documents import mail_templates
    from desktop_crm.services.mail import accounts, document_mail, outbox

    to, cc = document_mail.recipients(deal.id)
    if not to:
        raise ValidationError(_("The deal's contact and company have no e-mail address."))
    author = deal.responsible_id or actor
    sender = User.get_or_none(User.id == author) if author else None
    contact = Contact.get_or_none(Contact.id == deal.contact_id) if deal.contact_id else None
    account = accounts.account_of(author)
    context = {
        "deal": {"title": deal.title},
        "contact": {"first_name": contact.first_name if contact else "",
                    "last_name": contact.last_name if contact else ""},
    }
    sender_values = {"name": account.display_name if account else (sender.name if sender else ""),
                     "address": account.address if account else ""}
    subject, body = mail_templates.render_mail(context, str(params["template"]),
                                               _language(contact, sender), sender_values)
    queued = outbox.queue(outbox.OutgoingMessage(
        to=to, cc=cc, subject=subject, body=body, deal_id=deal.id,
        row_id=effect_id(run_id, "mail"), message_id=f"<{run_id}@{ROBOT_DOMAIN}>",
    ), user=author)
    return {"did": "email", "subject": queued.subject, "name": to}


def set_field(deal: Deal, params: dict[str, Any], run_id: uuid.UUID, actor: uuid.UUID | None,
              now: dt.datetime) -> dict[str, Any]:
    from desktop_crm.services.sales import deals

    key = str(params["field"])
    value = stored_value(key, params.get("value"))
    if key.startswith(CUSTOM_PREFIX):
        from desktop_crm.services.system import custom_values

        custom_values.set_values("deals", deal.id, {key.removeprefix(CUSTOM_PREFIX): value})
    else:
        deals.update_deal(deal.id, {key: value}, _acting(deal, actor))
    return {"did": "field", "field": key, "value": str(params.get("value", ""))}


def move_to(deal: Deal, params: dict[str, Any], run_id: uuid.UUID, actor: uuid.UUID | None,
            now: dt.datetime) -> dict[str, Any]:
    from desktop_crm.services.sales import stages

    target = Stage.get_or_none((Stage.id == as_uuid(params["stage_id"])) & Stage.deleted_at.is_null())
    if target is None:
        raise ValidationError(_("The stage the rule moves deals to no longer exists."))
    stages.move_deal(deal.id, target.id, _acting(deal, actor), now=now)
    return {"did": "move", "stage": target.name}


PERFORMERS = {
    Act.CREATE_TASK: create_task, Act.NOTIFY: notify, Act.SEND_EMAIL: send_email,
    Act.SET_FIELD: set_field, Act.MOVE_TO: move_to,
}


def perform(rule: AutomationRule, deal: Deal, run_id: uuid.UUID, actor: uuid.UUID | None,
            now: dt.datetime) -> dict[str, Any]:
    """Do what ``rule`` says to ``deal`` (inside the caller's transaction)."""
    params = dict(rule.params or {})
    if rule.action == Act.SET_FIELD and field_spec(str(params.get("field"))) is None:
        raise ValidationError(_("The field the rule sets no longer exists."))
    return PERFORMERS[Act(rule.action)](deal, params, run_id, actor, now)
