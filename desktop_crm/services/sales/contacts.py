"""Client contacts: required fields (rule 4), own e-mails refused, duplicates (rule 5) and merging.

API for the contact card, imports and lead conversion (plain values; each call one transaction):

* ``create_contact(values, user, not_duplicate_of=())`` → :class:`ContactInfo`
* ``update_contact(contact_id, values, user, not_duplicate_of=())`` → :class:`ContactInfo`

  ``values`` maps field names of :data:`CONTACT_FIELDS` to plain values (``company`` and
  ``responsible`` as ids). Refusals: :class:`MissingRequiredFields` (preset
  ``rules.contact_required_preset``: "full" = seed 002 — last and first name, mobile phone,
  birth date, private e-mail; "light" = a name plus a phone or an e-mail),
  :class:`OwnEmailRefused`, :class:`ValidationError` (a phone or e-mail that is not valid) and
  :class:`DuplicateContact` naming the existing contact. To save anyway after the user said
  "not a duplicate", pass the shown ids in ``not_duplicate_of``: the decision is recorded
  (:class:`DuplicateDismissal`) and respected from then on.
* ``find_duplicates(values, exclude=None)`` → ``list[DuplicateMatch]`` for live warnings in the card.
* ``required_contact_fields()`` → the field names the card should mark as required.
* ``mark_not_duplicate(contact_a, contact_b, user)``
* ``merge_contacts(survivor_id, other_id, user, values=None)`` → :class:`MergeResult`: deals,
  leads, timeline entries and documents move to the survivor, ``values`` are the field values the
  user picked (by default the survivor's, gaps filled from the other), the other contact is
  deleted and the merge is logged in the survivor's timeline.

Two contacts are duplicates when ``rules.duplicate_min_matches`` (2) of these match after
normalisation: full name (case, ё/е, spaces and word order ignored; a missing middle name is
tolerated), a phone (E.164, region ``rules.phone_region``), birth date, an e-mail (case-folded).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from peewee import SQL

from desktop_crm import countries, validation
from desktop_crm.countries.base import compact
from desktop_crm.entities import Entity
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import N_, _
from desktop_crm.ids import CompanyId, ContactId, IdLike, UserId, as_uuid, optional_uuid
from desktop_crm.models import (
    Action,
    Activity,
    ActivityKind,
    Contact,
    Deal,
    DuplicateDismissal,
    Invoice,
    Lead,
    Quote,
    User,
    database,
    utcnow,
)
from desktop_crm.models.base import column_text
from desktop_crm.models.db import engine
from desktop_crm.models.history import update_recorded
from desktop_crm.normalize import email_key, name_key, phone_e164
from desktop_crm.services.sales import rules
from desktop_crm.services.sales.rule_errors import (
    DuplicateContact,
    DuplicateMatch,
    MissingRequiredFields,
    OwnEmailRefused,
)
from desktop_crm.services.system import custom_values, rights

#: Fields a contact card edits, with their labels for messages.
CONTACT_FIELDS: dict[str, str] = {
    "last_name": N_("last name"),
    "first_name": N_("first name"),
    "middle_name": N_("middle name"),
    "birth_date": N_("birth date"),
    "mobile_phone": N_("mobile phone"),
    "work_phone": N_("work phone"),
    "private_email": N_("private e-mail"),
    "work_email": N_("work e-mail"),
    "company": N_("company"),
    "responsible": N_("responsible"),
    "position": N_("position"),
    "source": N_("source"),
    "comment": N_("comment"),
    # what a private client's country needs on an invoice (step 8)
    "country": N_("country"),
    "fiscal_code": N_("tax code (codice fiscale)"),
    "inn": N_("personal INN"),
    "address": N_("address"),
    "postal_code": N_("postal code"),
    "city": N_("city"),
    "province": N_("province"),
}
TEXT_FIELDS = (
    "last_name", "first_name", "middle_name", "mobile_phone", "work_phone", "private_email",
    "work_email", "position", "source", "comment", "address", "city",
)
FISCAL_FIELDS = ("country", "fiscal_code", "inn", "postal_code", "province")
PHONE_FIELDS = ("mobile_phone", "work_phone")
EMAIL_FIELDS = ("private_email", "work_email")
MATCH_LABELS = {
    "name": N_("full name"),
    "phone": N_("phone"),
    "birth_date": N_("birth date"),
    "email": N_("e-mail"),
}
#: Rule 4 presets: "full" is the seed's list; "light" suits Italian small businesses.
PRESETS: dict[str, tuple[str, ...]] = {
    "full": ("last_name", "first_name", "birth_date", "mobile_phone", "private_email"),
    "light": ("first_name", "mobile_phone"),  # a name and a phone or e-mail; see _missing()
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


def contact_field_label(name: str) -> str:
    label = CONTACT_FIELDS.get(name)
    return _(label) if label else name


def required_contact_fields() -> list[str]:
    """The fields the card marks as required under the configured preset."""
    return list(PRESETS.get(rules.CONTACT_PRESET.get(), PRESETS["full"]))


def _missing(values: Mapping[str, Any]) -> list[str]:
    preset = rules.CONTACT_PRESET.get()
    if preset == "light":
        missing = []
        if not (values.get("first_name") or values.get("last_name")):
            missing.append("first_name")
        if not any(values.get(f) for f in (*PHONE_FIELDS, *EMAIL_FIELDS)):
            missing.append("mobile_phone")
        return missing
    return [name for name in PRESETS["full"] if not values.get(name)]


def fiscal_countries() -> list[tuple[str, str]]:
    """The countries a private client's fiscal data follows, as (code, translated name)."""
    return [(code, _(rules_of.name)) for code, rules_of in countries.REGISTERED.items()]


def _fiscal_errors(cleaned: Mapping[str, Any]) -> None:
    """A private client's codice fiscale (Italy's rules) and personal ИНН (Russia's), checked by the
    strategies of the countries that issue them."""
    for name, code in (("fiscal_code", "IT"), ("inn", "RU")):
        if not cleaned.get(name):
            continue
        checks = countries.country(code).requisite_checks(lambda field: str(cleaned.get(field) or ""))
        message = checks[name]() if name in checks else None
        if message:
            raise ValidationError(message, field=name)
    if cleaned.get("inn") and len(str(cleaned["inn"])) != 12:
        raise ValidationError(_("A person's ИНН has 12 digits."), field="inn")


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"unknown contact fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name in TEXT_FIELDS:
            cleaned[name] = column_text(Contact, name, value, label=CONTACT_FIELDS[name])
        elif name in FISCAL_FIELDS:
            cleaned[name] = column_text(Contact, name, compact(value), label=CONTACT_FIELDS[name])
        elif name == "birth_date":
            value = validation.date_value(value, name, label=CONTACT_FIELDS[name])
            if value is not None and value > dt.date.today():
                raise ValidationError(_("The birth date cannot be in the future."), field="birth_date")
            cleaned[name] = value
        else:  # company, responsible
            cleaned[name] = optional_uuid(value) if value else None
    _fiscal_errors(cleaned)
    return cleaned


def _validate_formats(values: Mapping[str, Any]) -> None:
    region = str(rules.PHONE_REGION.get())
    for name in PHONE_FIELDS:
        raw = values.get(name)
        if raw and not phone_e164(raw, region):
            raise ValidationError(
                _("“{phone}” is not a valid phone number.").format(phone=raw), field=name
            )
    for name in EMAIL_FIELDS:
        raw = values.get(name)
        if raw and not _EMAIL.match(raw):
            raise ValidationError(
                _("“{email}” is not a valid e-mail address.").format(email=raw), field=name
            )


def _check_own_emails(values: Mapping[str, Any]) -> None:
    if not rules.REFUSE_OWN_EMAILS.get():
        return
    for name in EMAIL_FIELDS:
        key = email_key(values.get(name))
        if not key:
            continue
        owner = User.alive().where(User.email_key == key).first()
        if owner is not None:
            raise OwnEmailRefused(
                _(
                    "{email} is the address of {user}, a user of this CRM; a client contact "
                    "needs the client's own address."
                ).format(email=values.get(name), user=owner.name),
                field=name,
            )


# --- duplicates -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Identity:
    """The normalised identifying fields of a person."""

    name: str
    short_name: str  # last + first only
    phones: frozenset[str]
    birth_date: dt.date | None
    emails: frozenset[str]


def identity(values: Mapping[str, Any]) -> Identity:
    region = str(rules.PHONE_REGION.get())
    phones = {phone_e164(values.get(f), region) for f in PHONE_FIELDS}
    emails = {email_key(values.get(f)) for f in EMAIL_FIELDS}
    birth = validation.date_value(values.get("birth_date"), "birth_date",
                                  label=CONTACT_FIELDS["birth_date"])
    return Identity(
        name=name_key(values.get("last_name"), values.get("first_name"), values.get("middle_name")),
        short_name=name_key(values.get("last_name"), values.get("first_name")),
        phones=frozenset(p for p in phones if p),
        birth_date=birth,
        emails=frozenset(e for e in emails if e),
    )


def _names_match(a: Identity, b: Identity) -> bool:
    if not a.name or not b.name:
        return False
    if a.name == b.name:
        return True
    # One of them lacks the middle name: the shorter full name is contained in the longer one.
    words_a, words_b = a.name.split(), b.name.split()
    shorter, longer = sorted((words_a, words_b), key=len)
    if len(shorter) < 2 or len(longer) - len(shorter) != 1:
        return False
    remaining = list(longer)
    for word in shorter:
        if word not in remaining:
            return False
        remaining.remove(word)
    return True


def _matched_fields(a: Identity, b: Identity) -> tuple[str, ...]:
    """Which identifying fields of two people match (rule 5)."""
    found = []
    if _names_match(a, b):
        found.append("name")
    if a.phones & b.phones:
        found.append("phone")
    if a.birth_date is not None and a.birth_date == b.birth_date:
        found.append("birth_date")
    if a.emails & b.emails:
        found.append("email")
    return tuple(found)


def is_duplicate(a: Identity, b: Identity) -> bool:
    return len(_matched_fields(a, b)) >= int(rules.DUPLICATE_MIN_MATCHES.get())


def contact_values(contact: ContactInfo) -> dict[str, Any]:
    """The fields of a contact as :data:`CONTACT_FIELDS` names them (``company`` and ``responsible``
    as ids): what :func:`find_duplicates` and the card take."""
    return _values(contact)


def _values(contact: Contact | ContactInfo) -> dict[str, Any]:
    values = {name: getattr(contact, name) for name in (*TEXT_FIELDS, *FISCAL_FIELDS)}
    values.update(
        birth_date=contact.birth_date, company=contact.company_id, responsible=contact.responsible_id
    )
    return values


def find_contact(contact_id: IdLike) -> ContactInfo | None:
    """The live contact with this id, or ``None`` when it was deleted (or never existed)."""
    contact = Contact.get_or_none((Contact.id == as_uuid(contact_id)) & Contact.deleted_at.is_null())
    return _info(contact) if contact is not None else None


def _dismissed_with(contact_id: uuid.UUID | None) -> set[uuid.UUID]:
    if contact_id is None:
        return set()
    rows = DuplicateDismissal.alive().where(
        (DuplicateDismissal.contact == contact_id) | (DuplicateDismissal.other_contact == contact_id)
    )
    return {row.other_contact_id if row.contact_id == contact_id else row.contact_id for row in rows}


def _contains_words(words: list[str]) -> Any:
    """Contacts whose folded search text holds all the words (served by the search index),
    so that "Иванов Иван" finds "Иванов Иван Иванович" in any word order."""
    if engine(database.obj) == "sqlite":
        match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        return SQL('"t1".rowid IN (SELECT rowid FROM contact_fts WHERE contact_fts MATCH ?)', [match])
    condition = Contact.search_text.contains(words[0])
    for word in words[1:]:
        condition = condition & Contact.search_text.contains(word)
    return condition


def find_duplicates(
    values: Mapping[str, Any], exclude: IdLike | None = None, ignore: Iterable[IdLike] = ()
) -> list[DuplicateMatch]:
    """Existing live contacts that the values duplicate (most matching fields first).

    ``exclude`` is the contact being edited (its recorded "not a duplicate" decisions apply);
    ``ignore`` lists contacts the user has just said are different people.
    """
    me = identity(values)
    conditions = []
    if me.phones:
        phones = list(me.phones)
        conditions += [Contact.mobile_phone_e164.in_(phones), Contact.work_phone_e164.in_(phones)]
    if me.emails:
        emails = list(me.emails)
        conditions += [Contact.private_email_key.in_(emails), Contact.work_email_key.in_(emails)]
    if me.name:
        conditions.append(Contact.name_key.in_({me.name, me.short_name} - {""}))
        words = me.short_name.split()
        if len(words) >= 2:
            conditions.append(_contains_words(words))
    if not conditions:
        return []
    condition = conditions[0]
    for extra in conditions[1:]:
        condition = condition | extra
    query = Contact.alive().where(condition)
    exclude_id = optional_uuid(exclude)
    if exclude_id is not None:
        query = query.where(Contact.id != exclude_id)
    skip = _dismissed_with(exclude_id) | {as_uuid(x) for x in ignore}
    matches = []
    for candidate in query.limit(200):
        if candidate.id in skip:
            continue
        found = _matched_fields(me, identity(_values(candidate)))
        if len(found) >= int(rules.DUPLICATE_MIN_MATCHES.get()):
            matches.append(DuplicateMatch(candidate.id, candidate.full_name, found))
    matches.sort(key=lambda m: (-len(m.matched), m.name))
    return matches


def _duplicate_error(matches: list[DuplicateMatch]) -> DuplicateContact:
    first = matches[0]
    fields = ", ".join(_(MATCH_LABELS[name]) for name in first.matched)
    if len(matches) == 1:
        message = _(
            "This contact duplicates {name} (same {fields}). Open the existing contact, or "
            "confirm that this is a different person."
        ).format(name=first.name or "—", fields=fields)
    else:
        message = _(
            "This contact duplicates {name} (same {fields}) and {count} more. Open the existing "
            "contact, or confirm that this is a different person."
        ).format(name=first.name or "—", fields=fields, count=len(matches) - 1)
    return DuplicateContact(message, matches)


def _record_dismissals(contact_id: uuid.UUID, others: Iterable[IdLike], user: IdLike) -> None:
    for other in others:
        other_id = as_uuid(other)
        if other_id == contact_id or other_id in _dismissed_with(contact_id):
            continue
        low, high = sorted((contact_id, other_id), key=lambda u: u.bytes)
        DuplicateDismissal.create(contact=low, other_contact=high, decided_by=as_uuid(user))


def mark_not_duplicate(contact_a: IdLike, contact_b: IdLike, user: IdLike) -> None:
    """Record that two look-alike contacts are different people (rule 5 will not flag them again)."""
    rights.require_all(Contact, [as_uuid(contact_a), as_uuid(contact_b)], Action.EDIT)
    with database.atomic():
        first, second = Contact.get_by_id(as_uuid(contact_a)), Contact.get_by_id(as_uuid(contact_b))
        _record_dismissals(first.id, [second.id], user)
        for this, other in ((first, second), (second, first)):
            Activity.create(
                kind=ActivityKind.SYSTEM,
                author=as_uuid(user),
                contact=this.id,
                done_at=utcnow(),
                payload={
                    "event": "duplicate_dismissed", "other_id": str(other.id), "other_name": other.full_name,
                },
            )


# --- create and edit --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContactInfo:
    """A client contact as saved (phones also as stored for matching, E.164)."""

    id: ContactId
    full_name: str
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date | None
    mobile_phone: str
    mobile_phone_e164: str
    work_phone: str
    work_phone_e164: str
    private_email: str
    work_email: str
    company_id: CompanyId | None
    responsible_id: UserId | None
    position: str
    source: str
    comment: str
    # what a private client's country needs on an invoice (codice fiscale, personal ИНН, address)
    country: str = ""
    fiscal_code: str = ""
    inn: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    province: str = ""


def _info(contact: Contact) -> ContactInfo:
    return ContactInfo(
        id=ContactId(contact.id), full_name=contact.full_name, last_name=contact.last_name,
        first_name=contact.first_name, middle_name=contact.middle_name,
        birth_date=contact.birth_date, mobile_phone=contact.mobile_phone,
        mobile_phone_e164=contact.mobile_phone_e164, work_phone=contact.work_phone,
        work_phone_e164=contact.work_phone_e164, private_email=contact.private_email,
        work_email=contact.work_email,
        company_id=CompanyId(contact.company_id) if contact.company_id else None,
        responsible_id=UserId(contact.responsible_id) if contact.responsible_id else None,
        position=contact.position, source=contact.source, comment=contact.comment,
        country=contact.country or "", fiscal_code=contact.fiscal_code or "", inn=contact.inn or "",
        address=contact.address or "", postal_code=contact.postal_code or "", city=contact.city or "",
        province=contact.province or "",
    )


def _apply(contact: Contact, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        setattr(contact, name, value)
    contact.phone_region = str(rules.PHONE_REGION.get())


def _missing_error(missing: list[str]) -> MissingRequiredFields:
    return MissingRequiredFields(
        _("Fill in the required fields: {fields}.").format(
            fields=", ".join(contact_field_label(name) for name in missing)
        ),
        missing,
    )


def create_contact(
    values: Mapping[str, Any],
    user: IdLike,
    not_duplicate_of: Iterable[IdLike] = (),
    check_required: bool = True,
) -> ContactInfo:
    """Create a client contact, enforcing rules 4 and 5 (see the module docstring).

    ``check_required=False`` is for imports of old address books only: formats, own e-mails and
    duplicates are still checked.
    """
    cleaned = _clean(values)
    missing = _missing(cleaned) if check_required else []
    if missing:
        raise _missing_error(missing)
    _validate_formats(cleaned)
    _check_own_emails(cleaned)
    ignore = [as_uuid(x) for x in not_duplicate_of]
    with database.atomic():
        matches = find_duplicates(cleaned, ignore=ignore)
        if matches:
            raise _duplicate_error(matches)
        contact = Contact(responsible=as_uuid(user) if "responsible" not in cleaned else None)
        _apply(contact, cleaned)
        contact.save()
        _record_dismissals(contact.id, ignore, user)
        return _info(contact)


IDENTIFYING = ("last_name", "first_name", "middle_name", "birth_date", *PHONE_FIELDS, *EMAIL_FIELDS)


def update_contact(
    contact_id: IdLike, values: Mapping[str, Any], user: IdLike, not_duplicate_of: Iterable[IdLike] = ()
) -> ContactInfo:
    """Edit a contact. A required field cannot be emptied; fields that were already empty
    (old or imported contacts) do not block other edits."""
    cleaned = _clean(values)
    with database.atomic():
        contact = Contact.get_or_none((Contact.id == as_uuid(contact_id)) & Contact.deleted_at.is_null())
        if contact is None:
            raise ValidationError(_("The contact no longer exists."))
        before = _values(contact)
        after = {**before, **cleaned}
        newly_missing = [name for name in _missing(after) if name not in _missing(before)]
        if newly_missing:
            raise _missing_error(newly_missing)
        _validate_formats({k: v for k, v in cleaned.items() if v != before.get(k)})
        _check_own_emails({k: v for k, v in cleaned.items() if k in EMAIL_FIELDS})
        ignore = [as_uuid(x) for x in not_duplicate_of]
        if any(after.get(f) != before.get(f) for f in IDENTIFYING) or ignore:
            matches = find_duplicates(after, exclude=contact.id, ignore=ignore)
            if matches:
                raise _duplicate_error(matches)
        _apply(contact, cleaned)
        contact.save()
        _record_dismissals(contact.id, ignore, user)
        return _info(contact)


# --- merge ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MergeResult:
    survivor_id: uuid.UUID
    merged_id: uuid.UUID
    moved: dict[str, int]
    #: (product group id, [deal ids]): open deals now doubled in one product group (rule 2),
    #: for the UI to point at — the merge itself never fails on them.
    doubled_deals: list[tuple[uuid.UUID | None, list[uuid.UUID]]]
    #: the timeline entry logging the merge: ``services.sales.merge.undo_merge`` takes it
    log_id: uuid.UUID | None = None


#: What a merge moves from the merged contact to the survivor (``services.sales.merge`` shows it).
MERGED_LINKS: tuple[tuple[Entity, Any], ...] = (
    (Entity.DEALS, Deal),
    (Entity.LEADS, Lead),
    (Entity.ACTIVITIES, Activity),
    (Entity.QUOTES, Quote),
    (Entity.INVOICES, Invoice),
)


def merge_contacts(
    survivor_id: IdLike, other_id: IdLike, user: IdLike, values: Mapping[str, Any] | None = None
) -> MergeResult:
    """Merge ``other`` into ``survivor`` (see the module docstring)."""
    rights.require_all(Contact, [as_uuid(survivor_id), as_uuid(other_id)], Action.EDIT)
    rights.require(Action.DELETE)
    with database.atomic():
        survivor = Contact.get_or_none((Contact.id == as_uuid(survivor_id)) & Contact.deleted_at.is_null())
        other = Contact.get_or_none((Contact.id == as_uuid(other_id)) & Contact.deleted_at.is_null())
        if survivor is None or other is None:
            raise ValidationError(_("One of the contacts no longer exists."))
        if survivor.id == other.id:
            raise ValidationError(_("A contact cannot be merged with itself."))
        kept, gone = _values(survivor), _values(other)
        chosen = {name: kept.get(name) or gone.get(name) for name in CONTACT_FIELDS}
        chosen.update(_clean(values or {}))
        _validate_formats(chosen)
        _check_own_emails(chosen)
        now = utcnow()
        moved: dict[str, int] = {}
        moved_ids: dict[str, list[str]] = {}
        for label, model in MERGED_LINKS:
            ids = [str(row.id) for row in model.select(model.id).where(model.contact == other.id)]
            moved_ids[label] = ids
            moved[label] = update_recorded(model, {"contact": survivor.id, "updated_at": now},
                                           model.contact == other.id)
        for row in DuplicateDismissal.alive().where(
            (DuplicateDismissal.contact == other.id) | (DuplicateDismissal.other_contact == other.id)
        ):
            row.soft_delete()
        _apply(survivor, chosen)
        survivor.save()
        carried = custom_values.carry_values(Entity.CONTACTS, other.id, survivor.id)
        merged_name = other.full_name
        other.soft_delete()
        entry = Activity.create(
            kind=ActivityKind.SYSTEM,
            author=as_uuid(user),
            contact=survivor.id,
            done_at=now,
            payload={
                "event": "contacts_merged",
                "merged_id": str(other.id),
                "merged_name": merged_name,
                "merged_values": {k: (str(v) if v is not None else None) for k, v in gone.items()},
                "survivor_values": {k: (str(v) if v is not None else None) for k, v in kept.items()},
                "moved": moved,
                "moved_ids": moved_ids,
                "custom_carried": [str(i) for i in carried],
            },
        )
        return MergeResult(survivor.id, other.id, moved, _doubled_deals(survivor.id), entry.id)


def _doubled_deals(contact_id: uuid.UUID) -> list[tuple[uuid.UUID | None, list[uuid.UUID]]]:
    groups: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for deal in Deal.alive().where(
        (Deal.contact == contact_id) & Deal.closed_at.is_null() & Deal.product_group.is_null(False)
    ):
        groups.setdefault(deal.product_group_id, []).append(deal.id)
    return [(group, ids) for group, ids in groups.items() if len(ids) > 1]


__all__ = [
    "CONTACT_FIELDS",
    "ContactInfo",
    "MergeResult",
    "contact_values",
    "create_contact",
    "find_contact",
    "find_duplicates",
    "identity",
    "is_duplicate",
    "mark_not_duplicate",
    "merge_contacts",
    "required_contact_fields",
    "update_contact",
]
