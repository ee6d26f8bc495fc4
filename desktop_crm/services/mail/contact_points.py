"""How a deal's client is reached: the e-mail addresses and phone numbers of its contact and
company, for the links on the deal card (write an e-mail, call, log a call)."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import Action, Company, Contact, Deal, database
from desktop_crm.services.system import rights


@dataclass(frozen=True)
class ContactPoints:
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()


def _unique(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        text = value.strip()
        if text and text.lower() not in seen:
            seen[text.lower()] = text
    return tuple(seen.values())


def of_deal(deal_id: IdLike) -> ContactPoints:
    rights.require_on(Deal, as_uuid(deal_id), Action.VIEW)
    with database.atomic():
        deal = Deal.alive().where(Deal.id == as_uuid(deal_id)).first()
        if deal is None:
            return ContactPoints()
        contact = Contact.get_or_none(Contact.id == deal.contact_id) if deal.contact_id else None
        company = Company.get_or_none(Company.id == deal.company_id) if deal.company_id else None
    emails, phones = [], []
    if contact is not None:
        emails += [contact.work_email, contact.private_email]
        phones += [contact.mobile_phone, contact.work_phone]
    if company is not None:
        emails.append(company.email)
        phones.append(company.phone)
    return ContactPoints(_unique(emails), _unique(phones))
