"""What the entity cards read and write that the rules services do not already offer.

The contact and lead cards save through ``services.contacts`` and ``services.leads`` (rules 1, 4,
5); this module gives them plain values to show and live, per-field checks while typing:

* ``contact_card(contact_id)`` / ``lead_card(lead_id)`` → dicts of the edited fields plus display
  extras; ``contact_field_errors(values, contact_id)`` → ``{field: message}`` from the rules
  (required preset, phone and e-mail formats, own users' e-mails);
  ``phone_preview(raw)`` → the number as it will be stored, written internationally.
* ``deals_of(contact=…|company=…)`` → :class:`DealSummary` rows; ``contacts_of_company(id)``.
* Companies: ``company_card(id)``, ``requisites_field_errors(values)``,
  ``save_company(id | None, values, user)`` (:class:`RequisitesInvalid` lists every wrong field).
* Products: ``product_card(id)``, ``save_product(id | None, values, user)``, ``product_groups()``,
  ``add_product_group(name)``.
* Conversion: ``conversion_check(lead_id)``, ``conversion_duplicates(lead_id)``,
  ``convert_lead(…)`` with the wizard's plain choices.

Every write is one transaction; money is ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import phonenumbers

from desktop_crm import money, validation
from desktop_crm.countries import DEFAULT
from desktop_crm.entities import Entity
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import ContactId, DealId, IdLike, as_uuid
from desktop_crm.models import (
    Action,
    Company,
    Contact,
    Deal,
    Lead,
    OwnCompany,
    Product,
    ProductGroup,
    Stage,
    database,
)
from desktop_crm.models.base import column_text
from desktop_crm.normalize import phone_e164
from desktop_crm.services.billing import requisites
from desktop_crm.services.listing.lists import Choice
from desktop_crm.services.sales import contacts, leads, rules
from desktop_crm.services.system import custom_values, rights


def _str_id(value: Any) -> str | None:
    return str(value) if value else None


# --- contacts -------------------------------------------------------------------------------------


def contact_card(contact_id: IdLike) -> dict[str, Any] | None:
    """The contact's editable values (ids as strings) plus ``full_name``; ``None`` when gone."""
    contact = contacts.find_contact(contact_id)
    if contact is None:
        return None
    rights.require_visible(Contact, contact.id)
    values = contacts.contact_values(contact)
    values["company"] = _str_id(values.get("company"))
    values["responsible"] = _str_id(values.get("responsible"))
    values["full_name"] = contact.full_name
    return values


def phone_region() -> str:
    return str(rules.PHONE_REGION.get())


def phone_placeholder() -> str:
    """An example mobile number of the business's phone region, as a field's placeholder
    ("+7 912 345-67-89" in Russia, "+39 312 345 6789" in Italy)."""
    region = phone_region()
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return ""
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_preview(raw: str | None) -> str:
    """The phone as it will be stored, in international notation ("" when not a valid number)."""
    e164 = phone_e164(raw, phone_region())
    if not e164:
        return ""
    return phonenumbers.format_number(
        phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def required_contact_fields() -> list[str]:
    return contacts.required_contact_fields()


def contact_field_errors(values: Mapping[str, Any], contact_id: IdLike | None = None) -> dict[str, str]:
    """Inline messages per field for the contact card, as the rules would refuse a save.

    Required fields are reported only for a new contact (an old one may lack them; saving does
    not require what was already empty). Phone and e-mail formats and own users' e-mails are
    checked field by field, so every wrong field gets its own message at once.
    """
    errors: dict[str, str] = {}
    try:
        cleaned = contacts._clean(values)
    except ValidationError as error:
        errors[error.field or "birth_date"] = error.message
        cleaned = contacts._clean({k: v for k, v in values.items() if k != "birth_date"})
    if contact_id is None:
        for name in contacts._missing(cleaned):
            errors.setdefault(name, _("Required."))
    for name in (*contacts.PHONE_FIELDS, *contacts.EMAIL_FIELDS):
        if not cleaned.get(name):
            continue
        try:
            contacts._validate_formats({name: cleaned[name]})
            if name in contacts.EMAIL_FIELDS:
                contacts._check_own_emails({name: cleaned[name]})
        except ValidationError as error:
            errors[name] = error.message
    return errors


@dataclass(frozen=True, slots=True)
class DuplicateInfo:
    contact_id: ContactId
    name: str
    matched: str  # translated, joined


def live_duplicates(values: Mapping[str, Any], contact_id: IdLike | None = None,
                    ignore: tuple[IdLike, ...] = ()) -> list[DuplicateInfo]:
    """Contacts the values duplicate (rule 5), for the warning shown while typing."""
    try:
        cleaned = contacts._clean(values)
    except ValidationError:
        cleaned = contacts._clean({k: v for k, v in values.items() if k != "birth_date"})
    matches = contacts.find_duplicates(
        cleaned, exclude=as_uuid(contact_id) if contact_id else None,
        ignore=[as_uuid(i) for i in ignore],
    )
    return [
        DuplicateInfo(
            ContactId(m.contact_id), m.name,
            ", ".join(_(contacts.MATCH_LABELS[name]) for name in m.matched),
        )
        for m in matches
    ]


def save_contact(contact_id: IdLike | None, values: Mapping[str, Any], user: IdLike,
                 not_duplicate_of: tuple[IdLike, ...] = ()) -> str:
    """Create (``contact_id`` None) or update a contact under the rules; returns its id."""
    rights.guard_write(Contact, contact_id, values.get("responsible", rights._UNCHANGED))
    if contact_id is None:
        return str(contacts.create_contact(values, user, not_duplicate_of=not_duplicate_of).id)
    return str(contacts.update_contact(contact_id, values, user, not_duplicate_of=not_duplicate_of).id)


def mark_not_duplicate(contact_a: IdLike, contact_b: IdLike, user: IdLike) -> None:
    contacts.mark_not_duplicate(contact_a, contact_b, user)


@dataclass(frozen=True, slots=True)
class DealSummary:
    id: DealId
    title: str
    stage: str
    amount: Decimal
    currency: str
    closed: bool
    correct: bool


def deals_of(
    contact: IdLike | None = None, company: IdLike | None = None, limit: int = 200
) -> list[DealSummary]:
    query = (
        Deal.alive(Deal.id, Deal.title, Deal.amount, Deal.currency, Deal.closed_at, Deal.correct,
                   Stage.name)
        .join(Stage, on=(Deal.stage == Stage.id))
    )
    if contact is not None:
        query = query.where(Deal.contact == as_uuid(contact))
    elif company is not None:
        query = query.where(Deal.company == as_uuid(company))
    else:
        raise ValueError("deals_of() needs a contact or a company")
    rows = query.order_by(Deal.created_at.desc()).limit(limit)
    return [
        DealSummary(DealId(row.id), row.title, row.stage.name, money.to_decimal(row.amount), row.currency,
                    row.closed_at is not None, bool(row.correct))
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class PersonSummary:
    id: ContactId
    name: str
    phone: str
    email: str
    position: str


def contacts_of_company(company_id: IdLike, limit: int = 500) -> list[PersonSummary]:
    query = (
        Contact.alive()
        .where(Contact.company == as_uuid(company_id))
        .order_by(Contact.last_name, Contact.first_name)
        .limit(limit)
    )
    return [
        PersonSummary(ContactId(c.id), c.full_name, c.mobile_phone or c.work_phone,
                      c.work_email or c.private_email, c.position)
        for c in query
    ]


# --- leads ----------------------------------------------------------------------------------------


def lead_card(lead_id: IdLike) -> dict[str, Any] | None:
    lead = Lead.get_or_none((Lead.id == as_uuid(lead_id)) & Lead.deleted_at.is_null())
    if lead is None:
        return None
    rights.require_visible(Lead, lead.id)
    values: dict[str, Any] = {name: getattr(lead, name) for name in leads.PERSON_FIELDS}
    values.update(
        title=lead.title, company_name=lead.company_name, source=lead.source, comment=lead.comment,
        responsible=_str_id(lead.responsible_id), contact=_str_id(lead.contact_id),
        status=str(lead.status), converted=lead.status == "converted",
    )
    return values


def save_lead(lead_id: IdLike | None, values: Mapping[str, Any], user: IdLike) -> str:
    rights.guard_write(Lead, lead_id, values.get("responsible", rights._UNCHANGED))
    if lead_id is None:
        return str(leads.create_lead(values, user).id)
    return str(leads.update_lead(lead_id, values, user).id)


def conversion_duplicates(lead_id: IdLike) -> list[DuplicateInfo]:
    """Existing contacts the lead's person duplicates: the wizard offers them instead of a new one."""
    card = lead_card(lead_id)
    if card is None:
        return []
    values = {name: card[name] for name in leads.PERSON_FIELDS if card.get(name)}
    return live_duplicates(values)


def convert_lead(
    lead_id: IdLike, user: IdLike, pipeline: IdLike | None, existing_contact: IdLike | None = None,
    create_company: bool = False, contact_values: Mapping[str, Any] | None = None,
    not_duplicate_of: Sequence[IdLike] = (),
) -> leads.Conversion:
    """Rule 1 conversion with the wizard's plain choices."""
    rights.guard_write(Lead, lead_id)
    rights.require(Action.CREATE)
    return leads.convert_lead(
        lead_id, user,
        pipeline=pipeline or None,
        existing_contact=existing_contact or None,
        create_company=create_company,
        contact_values=contact_values,
        not_duplicate_of=not_duplicate_of,
    )


def conversion_check(lead_id: IdLike) -> tuple[bool, str]:
    return leads.conversion_check(lead_id)


# --- companies ------------------------------------------------------------------------------------

REQUISITE_FIELDS = (
    "legal_name", "short_name", "country", "inn", "kpp", "ogrn", "bank_name", "bik",
    "corr_account", "account", "vat_number", "fiscal_code", "rea", "iban", "bic", "address",
    "postal_code", "city", "province", "email", "phone",
)
#: Numbers stored compact (no spaces or dashes, upper case).
COMPACT_FIELDS = (
    "inn", "kpp", "ogrn", "bik", "corr_account", "account", "vat_number", "fiscal_code", "iban",
    "bic",
)
COMPANY_FIELDS = (*REQUISITE_FIELDS, "website", "comment", "responsible", "sdi_code", "pec")


class RequisitesInvalid(ValidationError):
    """Some requisites are wrong; ``errors`` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        first = next(iter(errors))
        super().__init__(
            _("Some requisites are not valid: correct the highlighted fields."), field=first
        )
        self.errors = dict(errors)

    def field_messages(self) -> dict[str, str]:
        return dict(self.errors)


def _clean_requisites(values: Mapping[str, Any], allowed: tuple[str, ...],
                      model: type[Company | OwnCompany] = Company) -> dict[str, Any]:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name in COMPACT_FIELDS:  # the length is the column's, checked after the country's rules
            cleaned[name] = requisites.compact(validation.text_value(value, name, max_length=100))
        elif name == "country":
            cleaned[name] = validation.country_value(value, name)
        elif name == "responsible":
            cleaned[name] = as_uuid(value) if value else None
        elif name in model._meta.fields:  # every other requisite is a text column
            cleaned[name] = column_text(model, name, value)
            if name == "province":
                cleaned[name] = cleaned[name].upper()
        else:
            cleaned[name] = value
    if "vat_number" in cleaned:
        cleaned["vat_number"] = cleaned["vat_number"].removeprefix("IT")
    return cleaned


def requisites_field_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """``{field: message}`` for the requisites as typed (only the country's own numbers)."""
    probe = {name: values.get(name, "") for name in REQUISITE_FIELDS}
    probe["country"] = str(probe.get("country") or DEFAULT.code).upper()
    errors = requisites.requisites_errors(SimpleNamespace(**probe))
    if not (str(values.get("short_name") or "").strip() or str(values.get("legal_name") or "").strip()):
        errors["short_name"] = _("Give the company a name.")
    return errors


def company_card(company_id: IdLike) -> dict[str, Any] | None:
    company = Company.get_or_none((Company.id == as_uuid(company_id)) & Company.deleted_at.is_null())
    if company is None:
        return None
    rights.require_visible(Company, company.id)
    values = {name: getattr(company, name) or "" for name in COMPANY_FIELDS}
    values["responsible"] = _str_id(company.responsible_id)
    values["display_name"] = company.short_name or company.legal_name
    return values


def save_company(company_id: IdLike | None, values: Mapping[str, Any], user: IdLike) -> str:
    """Create or update a client company; wrong requisites refuse the save with every message."""
    rights.guard_write(Company, company_id, values.get("responsible", rights._UNCHANGED))
    cleaned = _clean_requisites(values, COMPANY_FIELDS)
    with database.atomic():
        company = (
            Company(responsible=as_uuid(user)) if company_id is None
            else Company.get_or_none((Company.id == as_uuid(company_id)) & Company.deleted_at.is_null())
        )
        if company is None:
            raise ValidationError(_("The company no longer exists."))
        for name, value in cleaned.items():
            setattr(company, name, value)
        errors = requisites_field_errors({n: getattr(company, n) for n in REQUISITE_FIELDS})
        if errors:
            raise RequisitesInvalid(errors)
        company.save()
        return str(company.id)


# --- products -------------------------------------------------------------------------------------

PRODUCT_FIELDS = ("name", "sku", "unit", "unit_code", "price", "currency", "vat_rate", "group",
                  "active")
CURRENCIES = ("RUB", "EUR", "USD")


def product_card(product_id: IdLike) -> dict[str, Any] | None:
    product = Product.get_or_none((Product.id == as_uuid(product_id)) & Product.deleted_at.is_null())
    if product is None:
        return None
    values = {name: getattr(product, name) for name in PRODUCT_FIELDS if name != "group"}
    values["group"] = _str_id(product.group_id)
    values["price"] = money.to_decimal(product.price)
    values["vat_rate"] = money.to_decimal(product.vat_rate)
    return values


def parse_decimal(value: Any, field: str, places: int) -> Decimal:
    """A user-typed number ("1 200,50" in Russian, "1.200,50" in Italian, "1200.5") as a
    ``Decimal`` with ``places`` places (:func:`validation.decimal_value`)."""
    return validation.decimal_value(value, field, places=places, maximum=validation.MAX_MONEY,
                                    minimum=-validation.MAX_MONEY)


def product_field_errors(values: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    checks: dict[str, Any] = {
        "name": lambda v: validation.text_value(v, "name", max_length=300, required=True),
        "sku": lambda v: validation.text_value(v, "sku", max_length=64),
        "unit": lambda v: validation.text_value(v, "unit", max_length=20),
        "unit_code": lambda v: validation.text_value(v, "unit_code", max_length=8),
        "price": lambda v: validation.money_value(v, "price"),
        "vat_rate": lambda v: validation.percent_value(v, "vat_rate"),
        "currency": lambda v: validation.currency_value(v, "currency"),
    }
    for name, check in checks.items():
        try:
            check(values.get(name))
        except ValidationError as error:
            errors[name] = error.message
    if "name" in errors and not str(values.get("name") or "").strip():
        errors["name"] = _("Give the product a name.")
    return errors


def save_product(product_id: IdLike | None, values: Mapping[str, Any], user: IdLike) -> str:
    rights.require(Action.CHANGE_PRICES)  # the catalog: its products and their prices
    unknown = set(values) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValueError(f"unknown product fields: {sorted(unknown)}")
    errors = product_field_errors({**(product_card(product_id) or {}), **values}
                                  if product_id else values)
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationError(message, field=field)
    with database.atomic():
        product = (
            Product() if product_id is None
            else Product.get_or_none((Product.id == as_uuid(product_id)) & Product.deleted_at.is_null())
        )
        if product is None:
            raise ValidationError(_("The product no longer exists."))
        if not str(values.get("vat_rate") if values.get("vat_rate") is not None else "").strip() and (
                product_id is None or "vat_rate" in values):
            # VAT left blank: the own company's default rate in force, never 0 by accident
            from desktop_crm.services.billing.documents import default_vat_rate

            values = {**values, "vat_rate": default_vat_rate()}
        for name, value in values.items():
            if name == "price":
                value = validation.money_value(value, name)
            elif name == "vat_rate":
                value = validation.percent_value(value, name)
            elif name == "group":
                value = as_uuid(value) if value else None
            elif name == "currency":
                value = validation.currency_value(value, name)
            elif name == "active":
                value = bool(value)
            else:
                value = column_text(Product, name, value)
            setattr(product, name, value)
        product.save()
        return str(product.id)


def product_groups() -> list[Choice]:
    query = ProductGroup.alive().order_by(ProductGroup.sort_order, ProductGroup.name)
    return [Choice(str(g.id), g.name) for g in query]


def add_product_group(name: str) -> str:
    rights.require(Action.CHANGE_PRICES)
    name = column_text(ProductGroup, "name", name)
    if not name:
        raise ValidationError(_("Give the product group a name."), field="name")
    with database.atomic():
        existing = ProductGroup.alive().where(ProductGroup.name == name).first()
        if existing is not None:
            return str(existing.id)
        last = ProductGroup.alive().order_by(ProductGroup.sort_order.desc()).first()
        group = ProductGroup.create(name=name, sort_order=(last.sort_order + 1) if last else 0)
        return str(group.id)



def save_with_custom(entity: Entity, save: Callable[[], str],
                     custom: Mapping[str, Any] | None) -> str:
    """A card's save and its custom fields (``custom_values.set_values``) in one transaction:
    a refused value leaves the record as it was."""
    with database.atomic():
        record_id = save()
        if custom:
            custom_values.set_values(entity, record_id, custom)
        return record_id
