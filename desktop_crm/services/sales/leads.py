"""Leads and their conversion into a contact and a deal (rule 1).

API for the lead card (plain values; one transaction each):

* ``create_lead(values, user)`` / ``update_lead(lead_id, values, user)`` → :class:`LeadInfo`. Many leads may
  share one contact, each with its own ``responsible`` (default: the user). ``values``: ``title``,
  the person fields (``last_name``, ``first_name``, ``middle_name``, ``birth_date``,
  ``mobile_phone``, ``work_phone``, ``private_email``, ``work_email``), ``company_name``,
  ``source``, ``comment``, ``responsible``, ``contact``.
* Interactions are logged with ``services.timeline.log_interaction(user, kind, body,
  client_answered, lead=lead_id)``.
* ``conversion_check(lead_id)`` → ``(allowed, reason)`` to enable the "Convert" button with a hint.
* ``convert_lead(lead_id, user, pipeline=None, existing_contact=None, create_company=False,
  contact_values=None, deal_values=None, not_duplicate_of=())`` → :class:`Conversion`.
  Allowed only when the lead has a logged call, meeting, e-mail or message that the client
  answered, with a detailed comment (a message nobody answered does not count):
  :class:`ConversionRefused` otherwise. Without ``existing_contact`` a new contact is made from
  the lead (``contact_values`` fill what the lead lacks, e.g. the birth date) under the contact
  rules — :class:`DuplicateContact` names a contact the lead duplicates, so the UI can offer to
  use it. A lead already linked to a contact converts to that contact. The deal starts in the
  pipeline's first open stage, linked to the lead; the lead's timeline is shared with the new
  contact and deal; the lead becomes converted.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desktop_crm import validation
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import N_, _
from desktop_crm.ids import CompanyId, ContactId, DealId, IdLike, LeadId, UserId, as_uuid, optional_uuid
from desktop_crm.models import (
    Action,
    Activity,
    ActivityKind,
    Company,
    Contact,
    Deal,
    Lead,
    LeadStatus,
    Pipeline,
    database,
    utcnow,
)
from desktop_crm.models.base import column_text
from desktop_crm.models.history import update_recorded
from desktop_crm.services.sales import contacts, deals, rules
from desktop_crm.services.sales.rule_errors import ConversionRefused
from desktop_crm.services.system import rights

PERSON_FIELDS = (
    "last_name", "first_name", "middle_name", "birth_date", "mobile_phone", "work_phone",
    "private_email", "work_email",
)
LEAD_FIELDS = (*PERSON_FIELDS, "title", "company_name", "source", "comment", "responsible", "contact")


@dataclass(frozen=True, slots=True)
class LeadInfo:
    """A lead as saved."""

    id: LeadId
    title: str
    status: LeadStatus
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date | None
    mobile_phone: str
    work_phone: str
    private_email: str
    work_email: str
    company_name: str
    source: str
    comment: str
    contact_id: ContactId | None
    responsible_id: UserId | None
    converted_at: dt.datetime | None


def _info(lead: Lead) -> LeadInfo:
    return LeadInfo(
        id=LeadId(lead.id), title=lead.title, status=LeadStatus(lead.status),
        last_name=lead.last_name, first_name=lead.first_name, middle_name=lead.middle_name,
        birth_date=lead.birth_date, mobile_phone=lead.mobile_phone, work_phone=lead.work_phone,
        private_email=lead.private_email, work_email=lead.work_email,
        company_name=lead.company_name, source=lead.source, comment=lead.comment,
        contact_id=ContactId(lead.contact_id) if lead.contact_id else None,
        responsible_id=UserId(lead.responsible_id) if lead.responsible_id else None,
        converted_at=lead.converted_at,
    )


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(LEAD_FIELDS)
    if unknown:
        raise ValueError(f"unknown lead fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("responsible", "contact"):
            cleaned[name] = optional_uuid(value) if value else None
        elif name == "birth_date":
            cleaned[name] = validation.date_value(value, name)
        else:
            cleaned[name] = column_text(Lead, name, value)
    return cleaned


def _default_title(values: Mapping[str, Any]) -> str:
    name = " ".join(v for v in (values.get("last_name"), values.get("first_name")) if v)
    return name or str(values.get("company_name") or "") or str(values.get("mobile_phone") or "") or str(
        values.get("private_email") or values.get("work_email") or ""
    )


def _region() -> str:
    return str(rules.PHONE_REGION.get())


def create_lead(values: Mapping[str, Any], user: IdLike, tell: bool = True) -> LeadInfo:
    """A new lead; the title defaults to the person's or company's name. A responsible other than
    ``user`` is notified (``tell=False``: an import, which would notify once per row)."""
    cleaned = _clean(values)
    cleaned["title"] = cleaned.get("title") or _default_title(cleaned)
    if not cleaned["title"]:
        raise ValidationError(
            _("Give the lead a title, a name, a company, a phone or an e-mail."), field="title"
        )
    cleaned.setdefault("responsible", as_uuid(user))
    with database.atomic():
        lead = Lead(**cleaned)
        lead.phone_region = _region()
        lead.save()
        if tell:
            _tell_assigned(lead, user)
        return _info(lead)


def _alive_lead(lead_id: IdLike) -> Lead:
    lead = Lead.get_or_none((Lead.id == as_uuid(lead_id)) & Lead.deleted_at.is_null())
    if lead is None:
        raise ValidationError(_("The lead no longer exists."))
    return lead


def update_lead(lead_id: IdLike, values: Mapping[str, Any], user: IdLike) -> LeadInfo:
    cleaned = _clean(values)
    if "title" in cleaned and not cleaned["title"]:
        raise ValidationError(_("Give the lead a title."), field="title")
    with database.atomic():
        lead = _alive_lead(lead_id)
        if lead.status == LeadStatus.CONVERTED and set(cleaned) - {"comment", "responsible"}:
            raise ValidationError(_("A converted lead is kept as it was; edit its contact or deal."))
        previous_responsible = lead.responsible_id
        for name, value in cleaned.items():
            setattr(lead, name, value)
        lead.phone_region = _region()
        lead.save()
        if lead.responsible_id != previous_responsible:
            _tell_assigned(lead, user)
        return _info(lead)


def _tell_assigned(lead: Lead, user: IdLike) -> None:
    """The new responsible learns that someone else gave them the lead."""
    from desktop_crm.services.sales import notifications

    notifications.tell_assigned(lead.responsible_id, user, N_("Lead assigned to you: {title}"),
                                lead.title, "lead", lead.id)


def _qualifying_interaction(lead: Lead) -> Activity | None:
    """The latest answered interaction with a detailed comment logged on the lead (rule 1)."""
    candidates = (
        Activity.alive()
        .where((Activity.lead == lead.id) & Activity.kind.in_(rules.interaction_kinds()))
        .order_by(Activity.done_at.desc())
    )
    policy = rules.comment_policy()
    for activity in candidates:
        if rules.counts_as_interaction(activity, policy):
            return activity
    return None


def conversion_check(lead_id: IdLike) -> tuple[bool, str]:
    """May the lead be converted now? ``(False, reason)`` names what is still needed."""
    lead = _alive_lead(lead_id)
    if lead.status == LeadStatus.CONVERTED:
        return False, _("The lead is already converted.")
    if _qualifying_interaction(lead) is None:
        return False, _(
            "Before converting, log a call, meeting, e-mail or message in which the client "
            "answered, with a detailed comment on what was discussed and agreed."
        )
    return True, ""


@dataclass(frozen=True, slots=True)
class Conversion:
    lead_id: LeadId
    contact_id: ContactId
    deal_id: DealId
    company_id: CompanyId | None
    contact_created: bool


def convert_lead(
    lead_id: IdLike,
    user: IdLike,
    pipeline: IdLike | None = None,
    existing_contact: IdLike | None = None,
    create_company: bool = False,
    contact_values: Mapping[str, Any] | None = None,
    deal_values: Mapping[str, Any] | None = None,
    not_duplicate_of: Iterable[IdLike] = (),
) -> Conversion:
    """Turn the lead into a contact and a deal (see the module docstring); all or nothing."""
    with database.atomic():
        lead = _alive_lead(lead_id)
        allowed, reason = conversion_check(lead.id)
        if not allowed:
            raise ConversionRefused(reason)
        now = utcnow()
        company_id: uuid.UUID | None = None
        if existing_contact is None and lead.contact_id is not None:
            existing_contact = lead.contact_id  # a lead made for a known client converts to it
        if existing_contact is not None:
            existing = Contact.get_or_none(
                (Contact.id == as_uuid(existing_contact)) & Contact.deleted_at.is_null()
            )
            if existing is None:
                raise ValidationError(_("The contact no longer exists."))
            contact_id, contact_name = existing.id, existing.full_name
            created = False
            company_id = existing.company_id
        else:
            values = {name: getattr(lead, name) for name in PERSON_FIELDS}
            values = {k: v for k, v in values.items() if v not in ("", None)}
            values.update(source=lead.source, responsible=lead.responsible_id or as_uuid(user))
            values.update(contact_values or {})
            if create_company:
                company_id = _create_company(lead, user)
                values.setdefault("company", company_id)
            made = contacts.create_contact(values, user, not_duplicate_of=not_duplicate_of)
            contact_id, contact_name = made.id, made.full_name
            created = True
        if create_company and company_id is None:
            company_id = _create_company(lead, user)
        pipeline_id = optional_uuid(pipeline)
        if pipeline_id is None:
            default = (
                Pipeline.alive().order_by(Pipeline.is_default.desc(), Pipeline.sort_order).get_or_none()
            )
            pipeline_id = default.id if default else None
        deal_input: dict[str, Any] = {
            "title": lead.title,
            "pipeline": pipeline_id,
            "contact": contact_id,
            "company": company_id,
            "responsible": lead.responsible_id or as_uuid(user),
            "comment": lead.comment,
            "source_lead": lead.id,
        }
        deal_input.update(deal_values or {})
        deal = deals.create_deal(deal_input, user)
        # The lead's history belongs to the client and the sale from now on.
        update_recorded(Activity, {"contact": contact_id, "updated_at": now},
                        (Activity.lead == lead.id) & Activity.contact.is_null())
        update_recorded(Activity, {"deal": deal.id, "updated_at": now},
                        (Activity.lead == lead.id) & Activity.deal.is_null())
        lead.status = LeadStatus.CONVERTED
        lead.converted_at = now
        lead.contact = contact_id
        lead.save()
        Activity.create(
            kind=ActivityKind.SYSTEM,
            author=as_uuid(user),
            lead=lead.id,
            contact=contact_id,
            deal=deal.id,
            company=company_id,
            done_at=now,
            payload={
                "event": "lead_converted",
                "lead_id": str(lead.id),
                "contact_id": str(contact_id),
                "contact_name": contact_name,
                "deal_id": str(deal.id),
                "deal_title": deal.title,
                "contact_created": created,
            },
        )
        rules.refresh_deal(Deal.get_by_id(deal.id))
        return Conversion(
            LeadId(lead.id), ContactId(contact_id), deal.id,
            CompanyId(company_id) if company_id else None, created,
        )


def _create_company(lead: Lead, user: IdLike) -> uuid.UUID:
    name = (lead.company_name or "").strip()
    if not name:
        raise ValidationError(_("The lead names no company to create."), field="company_name")
    company = Company.create(
        legal_name=name, short_name=name, responsible=lead.responsible_id or as_uuid(user)
    )
    company_id: uuid.UUID = company.id
    return company_id


def mark_junk(lead_id: IdLike, user: IdLike, reason: str = "") -> LeadInfo:
    """Close a lead that will never become a sale (spam, a wrong number)."""
    rights.require_on(Lead, as_uuid(lead_id), Action.EDIT)
    with database.atomic():
        lead = _alive_lead(lead_id)
        if lead.status == LeadStatus.CONVERTED:
            raise ValidationError(_("The lead is already converted."))
        lead.status = LeadStatus.JUNK
        if reason.strip():
            lead.comment = (lead.comment + "\n" if lead.comment else "") + reason.strip()
        lead.save()
        return _info(lead)
