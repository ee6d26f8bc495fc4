"""Storing a fetched message: who it is with, where it belongs, whether it is the client's reply.

``store_message`` runs inside the fetch's transaction:

* an SDI receipt (a PEC message carrying ``…_RC_001.xml`` and the like) goes to ``billing.sdi``;
* a Message-ID already stored (sent by the outbox, fetched before, fetched by another device) is
  skipped — a message without one is keyed by its content's hash;
* only parties and deals within the fetching user's rights scope are linked (a manager's mailbox
  fills his own clients' timelines; an administrator's, everyone's);
* direction: from one of our own addresses (the account's, any user's) or found in the sent folder
  it is the manager's; otherwise the client's. The other side must be a known contact (work or
  private e-mail), company (e-mail) or open lead, else the message is ignored;
* it is linked to the contact, their company and their open deal (the most recently changed one;
  the company's when the contact has none), stored with its attachments, and written on the
  timeline as an e-mail interaction: **answered** when the client wrote it (seed 002 rule 1 counts
  it, as the "The client answered" checkbox does) and not when the manager did. A client's reply
  (``In-Reply-To``/``References`` naming our message) also marks our message's entry answered.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

import peewee

from desktop_crm.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Company,
    Contact,
    Deal,
    Lead,
    LeadStatus,
    MailAttachment,
    MailDirection,
    MailMessage,
    MailStatus,
    User,
    utcnow,
)
from desktop_crm.services.mail.parse import ParsedMessage
from desktop_crm.services.sales import rules
from desktop_crm.services.system import rights

MAX_SUBJECT = 300


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: uuid.UUID
    incoming: bool  # the client's message (False: the manager's, found in the mailbox)
    subject: str
    sender: str
    counterpart: str  # the contact's, company's or lead's name
    contact_id: uuid.UUID | None
    company_id: uuid.UUID | None
    deal_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    attachments: int
    answered_ours: bool  # it answered a message of ours, now marked answered too
    deal_title: str = ""


@dataclass
class Outcome:
    stored: StoredMessage | None = None
    duplicate: bool = False
    receipts: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Party:
    contact: Contact | None
    company: Company | None
    lead: Lead | None
    deal: Deal | None

    @property
    def name(self) -> str:
        if self.contact is not None:
            return str(self.contact.full_name)
        if self.company is not None:
            return str(self.company.short_name or self.company.legal_name)
        return str(self.lead.full_name) if self.lead is not None else ""


def message_key(parsed: ParsedMessage, raw: bytes) -> str:
    return parsed.message_id or f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.invalid>"


def known_own_addresses(extra: set[str]) -> set[str]:
    """The account's addresses and every user's: a message from one of them is the manager's."""
    users = {row.email_key for row in User.alive(User.email_key).where(User.email_key != "")}
    return {a.lower() for a in extra} | users


def _visible(model: Any) -> Any:
    """Only what the fetching user may see (rights scope): mail is linked within it."""
    scope = rights.scope_condition(model)
    return model.alive() if scope is None else model.alive().where(scope)


def _open_deal(*conditions: peewee.Expression) -> Any:
    for condition in conditions:
        deal = (_visible(Deal).where(condition & Deal.closed_at.is_null())
                .order_by(Deal.updated_at.desc()).first())
        if deal is not None:
            return deal
    return None


def find_party(addresses: tuple[str, ...]) -> _Party | None:
    """The first address (in order) that is a known contact, company or open lead."""
    for address in addresses:
        key = address.strip().casefold()
        if not key:
            continue
        contact = _visible(Contact).where(
            (Contact.work_email_key == key) | (Contact.private_email_key == key)
        ).order_by(Contact.updated_at.desc()).first()
        if contact is not None:
            company = Company.get_or_none(Company.id == contact.company_id) if contact.company_id else None
            conditions = [Deal.contact == contact.id]
            if company is not None:
                conditions.append(Deal.company == company.id)
            return _Party(contact, company, None, _open_deal(*conditions))
        company = _visible(Company).where(
            (peewee.fn.LOWER(Company.email) == key) | (peewee.fn.LOWER(Company.pec) == key)
        ).first()
        if company is not None:
            return _Party(None, company, None, _open_deal(Deal.company == company.id))
        lead = _visible(Lead).where(
            ((peewee.fn.LOWER(Lead.private_email) == key) | (peewee.fn.LOWER(Lead.work_email) == key))
            & Lead.status.in_([LeadStatus.NEW, LeadStatus.IN_PROGRESS])
        ).first()
        if lead is not None:
            return _Party(None, None, lead, None)
    return None


def _thread_party(parsed: ParsedMessage, party: _Party) -> _Party:
    """A reply belongs where our message it answers belongs (its deal), when that deal is open and
    the sender is the same contact or company; else the sender's own open deal."""
    ids = [i for i in (parsed.in_reply_to, *reversed(parsed.references)) if i]
    if not ids:
        return party
    ours = (MailMessage.alive().where(MailMessage.message_id.in_(ids)
                                      & (MailMessage.direction == MailDirection.OUT)
                                      & MailMessage.deal.is_null(False)).first())
    if ours is None:
        return party
    deal = _visible(Deal).where((Deal.id == ours.deal_id) & Deal.closed_at.is_null()).first()
    same = deal is not None and (
        (party.contact is not None and deal.contact_id == party.contact.id)
        or (party.company is not None and deal.company_id == party.company.id))
    return _Party(party.contact, party.company, party.lead, deal) if same else party


def _answered_ours(parsed: ParsedMessage) -> Any:
    """Our message this one replies to (by In-Reply-To, else References), with its timeline entry."""
    ids = [i for i in (parsed.in_reply_to, *reversed(parsed.references)) if i]
    if not ids:
        return None
    ours = (MailMessage.alive().where(MailMessage.message_id.in_(ids)
                                      & (MailMessage.direction == MailDirection.OUT)
                                      & MailMessage.activity.is_null(False)).first())
    if ours is None:
        return None
    return Activity.alive().where(Activity.id == ours.activity_id).first()


def _links(party: _Party) -> tuple[uuid.UUID | None, ...]:
    """``(deal, contact, company, lead)`` ids: the party's own, else its deal's."""
    deal = party.deal
    contact = party.contact.id if party.contact is not None else (deal.contact_id if deal else None)
    company = party.company.id if party.company is not None else (deal.company_id if deal else None)
    return (deal.id if deal else None, contact, company, party.lead.id if party.lead else None)


def _create(
    parsed: ParsedMessage, key: str, outgoing: bool, user: object, account: uuid.UUID | None,
    links: tuple[uuid.UUID | None, ...],
) -> tuple[Any, Any]:
    """The timeline entry and the stored message (without its attachments)."""
    deal_id, contact_id, company_id, lead_id = links
    now = utcnow()
    activity = Activity.create(
        kind=ActivityKind.EMAIL, status=ActivityStatus.DONE, done_at=min(parsed.date or now, now),
        author=user if outgoing else None, subject=parsed.subject[:MAX_SUBJECT], body=parsed.body,
        client_answered=not outgoing, deal=deal_id, contact=contact_id, company=company_id,
        lead=lead_id,
    )
    message = MailMessage.create(
        account=account, author=user if outgoing else None,
        direction=MailDirection.OUT if outgoing else MailDirection.IN,
        status=MailStatus.SENT if outgoing else MailStatus.RECEIVED,
        message_id=key, in_reply_to=parsed.in_reply_to, refs=" ".join(parsed.references),
        sender=parsed.sender, to_addresses=", ".join(parsed.to), cc_addresses=", ".join(parsed.cc),
        subject=parsed.subject[:500], body=parsed.body, date=parsed.date,
        deal=deal_id, contact=contact_id, company=company_id, lead=lead_id,
        client_answered=not outgoing, activity=activity.id,
    )
    return activity, message


def _already_answered(key: str) -> bool:
    replies = MailMessage.alive(MailMessage.id).where(
        (MailMessage.direction == MailDirection.IN)
        & ((MailMessage.in_reply_to == key) | MailMessage.refs.contains(key))
    )
    return bool(replies.exists())


def _fire_reply_robots(deal_id: uuid.UUID | None, outgoing: bool, key: str, user: object) -> None:
    """The client's reply is an event of its deal (keyed by its Message-ID: fetched twice, on one
    computer or two, it is acted on once)."""
    if deal_id is None or outgoing:
        return
    from desktop_crm.services.sales.automation import engine
    from desktop_crm.services.sales.automation.rules import Event

    engine.on_event(engine.DealEvent(Event.CLIENT_REPLIED, deal_id, key),
                    user if isinstance(user, uuid.UUID) else None)


def store_message(
    parsed: ParsedMessage, raw: bytes, *, is_sent: bool, own_addresses: set[str],
    user: object, account: uuid.UUID | None,
) -> Outcome:
    from desktop_crm.services.billing import sdi  # a PEC inbox also holds SDI's receipts

    receipts = sdi.apply_receipts(parsed, user)
    if receipts is not None:
        return Outcome(receipts=receipts)
    key = message_key(parsed, raw)
    if MailMessage.alive(MailMessage.id).where(MailMessage.message_id == key).exists():
        return Outcome(duplicate=True)
    outgoing = is_sent or parsed.sender in own_addresses
    counterparts = parsed.recipients if outgoing else (parsed.sender,)
    party = find_party(tuple(a for a in counterparts if a not in own_addresses))
    if party is not None and not outgoing:
        party = _thread_party(parsed, party)
    if party is None:
        return Outcome()
    now = utcnow()
    deal_id, contact_id, company_id, lead_id = _links(party)
    activity, message = _create(parsed, key, outgoing, user, account,
                                (deal_id, contact_id, company_id, lead_id))
    files: list[dict[str, object]] = []
    for attachment in parsed.attachments:
        row = MailAttachment.create(
            mail_message=message.id, filename=attachment.filename[:255] or "attachment",
            mime_type=attachment.mime_type[:100], size=len(attachment.content),
            content=attachment.content, sha256=hashlib.sha256(attachment.content).hexdigest(),
        )
        files.append({"id": str(row.id), "filename": row.filename, "size": row.size})
    # as the outbox writes it: the timeline shows the attachments (messages.attachment_content)
    activity.payload = {"mail_message": str(message.id), "direction": "out" if outgoing else "in",
                        "from": parsed.sender, "to": list(parsed.to), "attachments": files}
    if outgoing and _already_answered(key):  # the client's reply was stored before this copy
        activity.client_answered = True
    activity.save()
    answered = _answered_ours(parsed) if not outgoing else None
    if answered is not None and not answered.client_answered:
        answered.client_answered = True
        answered.save()
        if answered.deal_id and answered.deal_id != deal_id:
            rules.refresh_deal(Deal.get_by_id(answered.deal_id))
    if party.deal is not None:
        rules.refresh_deal(Deal.get_by_id(party.deal.id))
    _fire_reply_robots(deal_id, outgoing, key, user)
    if party.lead is not None and not outgoing and party.lead.status == LeadStatus.NEW:
        Lead.update(status=LeadStatus.IN_PROGRESS, updated_at=now).where(Lead.id == party.lead.id).execute()
    return Outcome(stored=StoredMessage(
        message.id, not outgoing, parsed.subject, parsed.sender, party.name, contact_id, company_id,
        deal_id, lead_id, len(parsed.attachments), answered is not None,
        str(party.deal.title) if party.deal is not None else "",
    ))

