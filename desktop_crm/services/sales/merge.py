"""Merging two contacts as the merge screen shows it: both contacts' values side by side, what
moves to the contact that is kept, the merge itself (``contacts.merge_contacts``) and its undo.

Undo puts everything back as it was before the merge: the merged contact lives again with its own
values, the deals, leads, timeline entries and documents that moved go back to it, and the kept
contact gets its previous values. It is refused once either contact was deleted since.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from desktop_crm.entities import Entity
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _, ngettext
from desktop_crm.i18n.formatting import format_date
from desktop_crm.ids import ContactId, IdLike, as_uuid
from desktop_crm.models import Activity, ActivityKind, Company, Contact, User, database, utcnow
from desktop_crm.models.history import update_recorded
from desktop_crm.services.sales import contacts
from desktop_crm.services.sales.contacts import CONTACT_FIELDS, MERGED_LINKS, MergeResult
from desktop_crm.services.system import custom_values


def _count_text(kind: str, count: int) -> str:
    """How many records of a kind moved, in a sentence."""
    if kind == Entity.DEALS:
        text = ngettext("{count} deal", "{count} deals", count)
    elif kind == Entity.LEADS:
        text = ngettext("{count} lead", "{count} leads", count)
    elif kind == Entity.ACTIVITIES:
        text = ngettext("{count} timeline entry", "{count} timeline entries", count)
    elif kind == Entity.QUOTES:
        text = ngettext("{count} quote", "{count} quotes", count)
    else:
        text = ngettext("{count} invoice", "{count} invoices", count)
    return text.format(count=count)


@dataclass(frozen=True)
class MergeField:
    name: str
    label: str  # translated
    left: str  # each contact's value as shown
    right: str
    left_value: Any  # as the contacts service takes it
    right_value: Any

    @property
    def differs(self) -> bool:
        return self.left != self.right


@dataclass(frozen=True)
class MergeSide:
    id: ContactId
    name: str
    links: dict[str, int]  # entity → how many records point at the contact


@dataclass(frozen=True)
class MergePreview:
    left: MergeSide
    right: MergeSide
    fields: list[MergeField]


def _alive(contact_id: IdLike) -> Any:
    row = Contact.get_or_none((Contact.id == as_uuid(contact_id)) & Contact.deleted_at.is_null())
    if row is None:
        raise ValidationError(_("One of the contacts no longer exists."))
    return row


def _shown(name: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    if name == "birth_date":
        return format_date(value)
    if name == "company":
        company = Company.get_or_none(Company.id == value)
        return (company.short_name or company.legal_name) if company else ""
    if name == "responsible":
        user = User.get_or_none(User.id == value)
        return user.name if user else ""
    return str(value)


def _links(contact_id: uuid.UUID) -> dict[str, int]:
    return {str(label): int(model.select().where(model.contact == contact_id).count())
            for label, model in MERGED_LINKS}


def links_text(links: dict[str, int]) -> str:
    """«2 deals, 1 lead, 14 timeline entries» (only what there is; "nothing" when empty)."""
    parts = [_count_text(str(kind), links[str(kind)]) for kind, _model in MERGED_LINKS
             if links.get(str(kind))]
    return ", ".join(parts) if parts else _("nothing")


def merge_preview(left_id: IdLike, right_id: IdLike) -> MergePreview:
    """Both contacts field by field, and what points at each of them."""
    if as_uuid(left_id) == as_uuid(right_id):
        raise ValidationError(_("A contact cannot be merged with itself."))
    left, right = _alive(left_id), _alive(right_id)
    left_values, right_values = contacts._values(left), contacts._values(right)
    fields = [
        MergeField(name, contacts.contact_field_label(name), _shown(name, left_values.get(name)),
                   _shown(name, right_values.get(name)), left_values.get(name),
                   right_values.get(name))
        for name in CONTACT_FIELDS
    ]
    return MergePreview(MergeSide(ContactId(left.id), left.full_name, _links(left.id)),
                        MergeSide(ContactId(right.id), right.full_name, _links(right.id)), fields)


def namesake_pair(scan: int = 2000) -> tuple[ContactId, ContactId] | None:
    """Two contacts with the same last and first name (the likeliest duplicates; any two when
    none share a name): what the merge screen's screenshot shows."""
    rows: list[Any] = list(Contact.alive().order_by(Contact.last_name, Contact.first_name)
                           .limit(scan))
    for a, b in itertools.pairwise(rows):
        if (a.last_name, a.first_name) == (b.last_name, b.first_name):
            return ContactId(a.id), ContactId(b.id)
    return (ContactId(rows[0].id), ContactId(rows[1].id)) if len(rows) > 1 else None


def merge(survivor_id: IdLike, other_id: IdLike, user: IdLike,
          values: dict[str, Any]) -> MergeResult:
    """Merge ``other`` into ``survivor`` with the field values chosen (one transaction), after a
    backup of a SQLite database (``backups.before_risky_operation``)."""
    from desktop_crm.services.system.backups import before_risky_operation

    before_risky_operation("merge")
    chosen = {name: (value.isoformat() if isinstance(value, dt.date) else value)
              for name, value in values.items() if name in CONTACT_FIELDS}
    return contacts.merge_contacts(survivor_id, other_id, user, chosen)


def undo_merge(log_id: IdLike, user: IdLike) -> ContactId:
    """Undo the merge logged as ``log_id``; returns the contact brought back."""
    with database.atomic():
        entry = Activity.get_or_none((Activity.id == as_uuid(log_id)) & Activity.deleted_at.is_null())
        payload: dict[str, Any] = dict(entry.payload or {}) if entry else {}
        if entry is None or payload.get("event") != "contacts_merged" or payload.get("undone"):
            raise ValidationError(_("This merge can no longer be undone."))
        if entry.contact_id is None:
            raise ValidationError(_("This merge can no longer be undone."))
        survivor = _alive(entry.contact_id)
        merged = Contact.get_or_none(Contact.id == uuid.UUID(payload["merged_id"]))
        if merged is None or merged.deleted_at is None:
            raise ValidationError(_("This merge can no longer be undone."))
        now = utcnow()
        merged.deleted_at = None
        merged.save()
        for label, model in MERGED_LINKS:
            ids = [uuid.UUID(text) for text in payload.get("moved_ids", {}).get(str(label), [])]
            for start in range(0, len(ids), 500):
                update_recorded(model, {"contact": merged.id, "updated_at": now},
                                model.id.in_(ids[start:start + 500]) & (model.contact == survivor.id))
        previous = payload.get("survivor_values") or {}
        restored = {name: (value or "") for name, value in previous.items()
                    if name in contacts.TEXT_FIELDS}
        restored["birth_date"] = (dt.date.fromisoformat(previous["birth_date"])
                                  if previous.get("birth_date") else None)
        restored["company"] = uuid.UUID(previous["company"]) if previous.get("company") else None
        restored["responsible"] = (uuid.UUID(previous["responsible"]) if previous.get("responsible")
                                   else None)
        contacts._apply(survivor, restored)
        survivor.save()
        custom_values.clear_fields(Entity.CONTACTS, survivor.id, payload.get("custom_carried") or [])
        payload["undone"] = True
        entry.payload = payload
        entry.save()
        Activity.create(kind=ActivityKind.SYSTEM, author=as_uuid(user), contact=survivor.id,
                        done_at=now, payload={"event": "contacts_unmerged",
                                              "merged_id": str(merged.id),
                                              "merged_name": merged.full_name})
        return ContactId(merged.id)


__all__ = ["MergeField", "MergePreview", "MergeSide", "links_text", "merge", "merge_preview",
           "namesake_pair", "undo_merge"]
