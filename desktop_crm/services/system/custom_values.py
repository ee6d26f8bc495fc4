"""The values of custom fields on deals, contacts, companies, leads and products.

One ``custom_value`` row per (field, record), its id derived from both (``models.custom.value_id``),
so two computers filling the same field make one row that sync merges column by column. Clearing a
value empties the row's columns (the row stays, so a concurrent edit elsewhere merges with it).
Merging contacts copies the values the kept one lacks (:func:`carry_values`, undone by
:func:`clear_fields`); the merged contact keeps its own, hidden with it. (Records are never deleted
otherwise; an import's undo removes the value rows it created with the records.)

:func:`set_values` parses every value with ``validation`` by the field's kind — a refusal is a
``ValidationError`` naming the field by its label, and nothing is written — then writes them all
in one transaction (or in the caller's, when it is called inside one).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.i18n import _, translator
from desktop_crm.i18n.formatting import format_amount, format_date, format_money
from desktop_crm.ids import IdLike, as_uuid, optional_uuid
from desktop_crm.models import (
    Action,
    Company,
    Contact,
    CustomField,
    CustomFieldKind,
    CustomValue,
    Deal,
    Lead,
    Product,
    database,
)
from desktop_crm.models.base import BaseModel
from desktop_crm.models.custom import NUMBER_PLACES, TEXT_LENGTH, value_id
from desktop_crm.services.system import rights
from desktop_crm.services.system.custom_fields import (
    CustomFieldDTO,
    custom_entity,
    decode_choices,
    fields,
    to_dto,
)
from desktop_crm.validation import date_value, decimal_value, money_value, refuse, text_value

#: The largest number a number field keeps.
MAX_NUMBER = Decimal(10) ** 13
_MODELS: dict[Entity, type[BaseModel]] = {
    Entity.DEALS: Deal, Entity.CONTACTS: Contact, Entity.COMPANIES: Company, Entity.LEADS: Lead,
    Entity.PRODUCTS: Product,
}
_YES = frozenset({"1", "true", "yes", "y", "да", "д", "sì", "si", "s", "x", "✓"})
_NO = frozenset({"0", "false", "no", "n", "нет", "н", ""})

Value = str | Decimal | dt.date | bool | tuple[str, ...] | uuid.UUID | None


@dataclass(frozen=True, slots=True)
class CustomValueDTO:
    field: CustomFieldDTO
    value: Value  # text, Decimal, date, bool, a tuple of choices, a contact/company id, or None
    link_name: str = ""  # the linked contact's or company's name

    @property
    def key(self) -> str:
        return self.field.key

    @property
    def is_empty(self) -> bool:
        return self.value is None or self.value == () or self.value == ""


# --- reading -------------------------------------------------------------------------------------


def values_of(entity: Entity | str, row_id: IdLike) -> list[CustomValueDTO]:
    """Every live field of the record's entity (for a deal: of its pipeline) with its value, in
    the fields' order; an unfilled field has the value ``None``."""
    target = custom_entity(entity)
    record = as_uuid(row_id)
    pipeline_id = _deal_pipeline(record) if target == Entity.DEALS else None
    defined = fields(target, pipeline_id=pipeline_id)
    stored = _stored(record, [f.id for f in defined])
    return [_value_dto(item, stored.get(item.id)) for item in defined]


def blank_values(entity: Entity | str, pipeline_id: IdLike | None = None) -> list[CustomValueDTO]:
    """The fields a new record of ``entity`` (a deal: of ``pipeline_id``) shows, all unfilled."""
    return [CustomValueDTO(f, None)
            for f in fields(custom_entity(entity), pipeline_id=pipeline_id)]


def record_with_values(entity: Entity | str) -> uuid.UUID | None:
    """A record of ``entity`` with the most filled custom fields (the screenshots show it)."""
    from peewee import fn

    row = (CustomValue.alive().select(CustomValue.row_id)
           .where((CustomValue.entity == custom_entity(entity))
                  & (CustomValue.text_value.is_null(False) | CustomValue.number_value.is_null(False)
                     | CustomValue.date_value.is_null(False) | CustomValue.link_id.is_null(False)))
           .group_by(CustomValue.row_id)
           .order_by(fn.COUNT(CustomValue.id).desc(), CustomValue.row_id).first())
    return row.row_id if row is not None else None


def values_by_key(entity: Entity | str, row_id: IdLike) -> dict[str, Value]:
    return {v.key: v.value for v in values_of(entity, row_id)}


def formatted_values(entity: Entity | str, row_id: IdLike, language: str,
                     currency: str = "") -> dict[str, str]:
    """``{key: value as text}`` in ``language`` (money in ``currency`` when given), for documents:
    every field of the entity, archived ones and a deal field of another pipeline too, so a
    template naming a field always finds it; an unfilled field is ``""``."""
    defined = fields(custom_entity(entity), archived=True)
    stored = _stored(as_uuid(row_id), [f.id for f in defined])
    return {f.key: display_text(_value_dto(f, stored.get(f.id)), language, currency)
            for f in defined}


def display_text(item: CustomValueDTO, language: str | None = None, currency: str = "") -> str:
    """A value as a person reads it in ``language``."""
    value = item.value
    if value is None:
        return ""
    kind = item.field.kind
    if kind == CustomFieldKind.MONEY and isinstance(value, Decimal):
        return format_money(value, currency, language) if currency else format_amount(value, language)
    if kind == CustomFieldKind.NUMBER and isinstance(value, Decimal):
        places = max(0, -value.normalize().as_tuple().exponent)  # type: ignore[operator]
        return format_amount(value, language, places=min(places, NUMBER_PLACES))
    if isinstance(value, dt.date):
        return format_date(value, language)
    if isinstance(value, bool):
        words = translator(language).gettext if language else _
        return words("Yes") if value else words("No")
    if isinstance(value, tuple):
        return ", ".join(value)
    if isinstance(value, uuid.UUID):
        return item.link_name
    return str(value)


def required_missing(deal_id: IdLike, keys: Iterable[str]) -> list[CustomFieldDTO]:
    """The fields of ``keys`` (without ``cf_``) that the deal's pipeline shows and it leaves empty."""
    wanted = set(keys)
    return [v.field for v in values_of(Entity.DEALS, deal_id)
            if v.key in wanted and v.is_empty]


# --- writing -------------------------------------------------------------------------------------


def set_values(entity: Entity | str, row_id: IdLike, raw: Mapping[str, Any]) -> list[CustomValueDTO]:
    """Set the record's fields named by key (``cf_`` prefix allowed) to the given values (an
    empty value clears the field); all parsed first, then written in one transaction."""
    target = custom_entity(entity)
    record = as_uuid(row_id)
    _require_write(target, record)
    parsed = parse_values(target, record, raw)
    with database.atomic():
        before = values_by_key(target, record) if target == Entity.DEALS else {}
        _write(target, record, parsed)
        if target == Entity.DEALS:
            _refresh_deal_rules(record)
            _fire_field_robots(record, before)
    return values_of(target, record)


def _fire_field_robots(deal_id: uuid.UUID, before: Mapping[str, Value]) -> None:
    """Robots started by a custom field being given a new, non-empty value (as for a deal's own
    fields: keyed by the field, its value and the moment, so one edit is acted on once)."""
    from desktop_crm.services.sales.automation import engine
    from desktop_crm.services.sales.automation.rules import CUSTOM_PREFIX, Event

    actor = rights.current()
    moment = dt.datetime.now(dt.UTC).isoformat()
    for key, value in values_by_key(Entity.DEALS, deal_id).items():
        if value in (None, "", ()) or value == before.get(key):
            continue
        field = CUSTOM_PREFIX + key
        engine.on_event(engine.DealEvent(Event.FIELD_SET, deal_id, f"{field}={value}@{moment}", field),
                        actor.user_id if actor is not None else None)


def parse_values(entity: Entity | str, row_id: IdLike,
                 raw: Mapping[str, Any]) -> list[tuple[CustomFieldDTO, dict[str, Any]]]:
    """Each given value parsed for its field: ``(field, {column: value})``; a ``ValidationError``
    naming the field on the first refusal (an unknown key too)."""
    target = custom_entity(entity)
    record = as_uuid(row_id)
    pipeline_id = _deal_pipeline(record) if target == Entity.DEALS else None
    by_key = {f.key: f for f in fields(target, pipeline_id=pipeline_id)}
    parsed = []
    for name, value in raw.items():
        key = str(name).removeprefix("cf_")
        item = by_key.get(key)
        if item is None:
            raise ValidationError(_("There is no field “{name}”.").format(name=str(name)[:60]),
                                  field=str(name)[:60])
        parsed.append((item, parse_value(item, value)))
    return parsed


def parse_value(item: CustomFieldDTO, value: Any) -> dict[str, Any]:
    """The columns of ``custom_value`` that keep ``value`` of ``item`` (all ``None``: empty)."""
    columns: dict[str, Any] = {"text_value": None, "number_value": None, "date_value": None,
                               "link_id": None}
    name, label, kind = item.column, item.label, item.kind
    if _empty(value):
        return columns
    if kind == CustomFieldKind.TEXT:
        text = text_value(value, name, max_length=TEXT_LENGTH, label=label)
        columns["text_value"] = text or None
    elif kind == CustomFieldKind.NUMBER:
        columns["number_value"] = decimal_value(value, name, places=NUMBER_PLACES,
                                                maximum=MAX_NUMBER, minimum=-MAX_NUMBER, label=label)
    elif kind == CustomFieldKind.MONEY:
        columns["number_value"] = money_value(value, name, negative=True, label=label)
    elif kind == CustomFieldKind.DATE:
        columns["date_value"] = date_value(value, name, label=label)
    elif kind == CustomFieldKind.LIST:
        columns["text_value"] = _choice(item, value)
    elif kind == CustomFieldKind.MULTI_LIST:
        chosen = _choices(item, value)
        columns["text_value"] = json.dumps(chosen, ensure_ascii=False) if chosen else None
    elif kind == CustomFieldKind.YES_NO:
        columns["text_value"] = "1" if _yes_no(item, value) else "0"
    else:
        columns["link_id"] = _link(item, value)
    return columns


def carry_values(entity: Entity | str, from_id: IdLike, to_id: IdLike) -> list[uuid.UUID]:
    """Merging ``from_id`` into ``to_id``: each value the kept record lacks is copied from the
    merged one, whose own values stay with it (an undone merge brings them back). Returns the
    fields copied, for :func:`clear_fields` (call inside the merge's transaction)."""
    target = custom_entity(entity)
    source, kept = as_uuid(from_id), as_uuid(to_id)
    theirs = {r.field_id: r for r in CustomValue.alive().where(
        (CustomValue.entity == target) & (CustomValue.row_id == source))}
    ours = _stored(kept, list(theirs))
    copied = []
    for field_id, row in theirs.items():
        if not _row_empty(row) and (field_id not in ours or _row_empty(ours[field_id])):
            _store(target, kept, field_id, _columns_of(row))
            copied.append(field_id)
    return copied


def clear_fields(entity: Entity | str, row_id: IdLike, field_ids: Iterable[IdLike]) -> None:
    """Empty the record's values of ``field_ids`` (undoing a merge's copies; inside its
    transaction)."""
    empty = {"text_value": None, "number_value": None, "date_value": None, "link_id": None}
    for field_id in field_ids:
        _store(custom_entity(entity), as_uuid(row_id), as_uuid(field_id), dict(empty))


# --- helpers -------------------------------------------------------------------------------------


def _write(entity: Entity, record: uuid.UUID, parsed: list[tuple[CustomFieldDTO, dict[str, Any]]]
           ) -> None:
    for item, columns in parsed:
        _store(entity, record, item.id, columns)


def _store(entity: Entity, record: uuid.UUID, field_id: uuid.UUID, columns: dict[str, Any]) -> None:
    row = CustomValue.get_or_none(CustomValue.id == value_id(field_id, record))
    if row is None:
        if all(v is None for v in columns.values()):
            return
        CustomValue(id=value_id(field_id, record), field=field_id, entity=entity, row_id=record,
                    **columns).save(force_insert=True)
        return
    changed = {k: v for k, v in columns.items() if getattr(row, k) != v}
    if row.deleted_at is not None:
        row.deleted_at = None
        changed = columns
    for name, value in changed.items():
        setattr(row, name, value)
    if changed or row._dirty:
        row.save()


def _stored(record: uuid.UUID, field_ids: list[uuid.UUID]) -> dict[uuid.UUID, CustomValue]:
    if not field_ids:
        return {}
    ids = [value_id(f, record) for f in field_ids]
    return {r.field_id: r for r in CustomValue.alive().where(CustomValue.id.in_(ids))}


def _value_dto(item: CustomFieldDTO, row: CustomValue | None) -> CustomValueDTO:
    if row is None:
        return CustomValueDTO(item, None)
    kind = item.kind
    if kind in (CustomFieldKind.NUMBER, CustomFieldKind.MONEY):
        return CustomValueDTO(item, row.number_value)
    if kind == CustomFieldKind.DATE:
        return CustomValueDTO(item, row.date_value)
    if kind == CustomFieldKind.MULTI_LIST:
        return CustomValueDTO(item, tuple(decode_choices(row.text_value)) if row.text_value else None)
    if kind == CustomFieldKind.YES_NO:
        return CustomValueDTO(item, None if row.text_value is None else row.text_value == "1")
    if kind in (CustomFieldKind.CONTACT_LINK, CustomFieldKind.COMPANY_LINK):
        return CustomValueDTO(item, row.link_id, _link_name(kind, row.link_id))
    return CustomValueDTO(item, row.text_value)


def _link_name(kind: CustomFieldKind, link_id: uuid.UUID | None) -> str:
    if link_id is None:
        return ""
    if kind == CustomFieldKind.CONTACT_LINK:
        contact = Contact.get_or_none(Contact.id == link_id)
        return contact.full_name if contact is not None else ""
    company = Company.get_or_none(Company.id == link_id)
    return (company.short_name or company.legal_name) if company is not None else ""


def _columns_of(row: CustomValue) -> dict[str, Any]:
    return {"text_value": row.text_value, "number_value": row.number_value,
            "date_value": row.date_value, "link_id": row.link_id}


def _row_empty(row: CustomValue) -> bool:
    return all(v is None for v in _columns_of(row).values())


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, tuple, set, frozenset)) and not value


def _choice(item: CustomFieldDTO, value: Any) -> str:
    text = text_value(value, item.column, max_length=TEXT_LENGTH, label=item.label)
    if text not in item.options:
        raise refuse(item.column, _("{field}: “{value}” is not one of the choices."), item.label,
                     value=text[:40])
    return text


def _choices(item: CustomFieldDTO, value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.replace("\n", ";").split(";")  # as typed or imported: "A; B"
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise refuse(item.column, _("{field}: choose from the list."), item.label)
    chosen = {_choice(item, v) for v in value if not _empty(v)}
    ordered = [option for option in item.options if option in chosen]
    if len(json.dumps(ordered, ensure_ascii=False)) > TEXT_LENGTH:
        raise refuse(item.column, _("{field}: too many choices."), item.label)
    return ordered


def _yes_no(item: CustomFieldDTO, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _YES or word == _("Yes").lower():
            return True
        if word in _NO or word == _("No").lower():
            return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise refuse(item.column, _("{field}: answer yes or no."), item.label)


def _link(item: CustomFieldDTO, value: Any) -> uuid.UUID:
    model: type[BaseModel] = Contact if item.kind == CustomFieldKind.CONTACT_LINK else Company
    try:
        chosen = optional_uuid(value)
    except (ValidationError, ValueError, TypeError, AttributeError):
        chosen = None
    if chosen is None or not model.alive().where(model.id == chosen).exists():
        message = (_("{field}: choose a contact.") if model is Contact
                   else _("{field}: choose a company."))
        raise refuse(item.column, message, item.label)
    return chosen


def _refresh_deal_rules(deal_id: uuid.UUID) -> None:
    """A stage may require a custom field: the deal's correctness follows its values."""
    from desktop_crm.services.sales import rules  # rules read custom values: imported on use

    rules.refresh_deal(Deal.get_by_id(deal_id))


def _deal_pipeline(deal_id: uuid.UUID) -> uuid.UUID | None:
    row = Deal.select(Deal.pipeline).where(Deal.id == deal_id).tuples().first()
    return row[0] if row else None


def _require_write(entity: Entity, record: uuid.UUID) -> None:
    model = _MODELS[entity]
    if not model.alive().where(model.id == record).exists():
        raise CrmError(_("The record no longer exists."))
    if entity == Entity.PRODUCTS:
        rights.require(Action.CHANGE_PRICES)
    else:
        rights.require_on(model, record, Action.EDIT)


def field_of_column(entity: Entity | str, column: str) -> CustomFieldDTO | None:
    """The live field a ``cf_<key>`` name stands for (``None`` for any other name)."""
    if not column.startswith("cf_"):
        return None
    row = CustomField.alive().where((CustomField.entity == custom_entity(entity))
                                    & (CustomField.key == column[3:])).first()
    return to_dto(row) if row is not None else None


# --- field history --------------------------------------------------------------------------------

HISTORY_PREFIX = "custom:"  # a value's history key: ``custom:<field id>``


def history_key(row: Any, _column: str) -> str:
    return f"{HISTORY_PREFIX}{row.__data__['field']}"


def history_owner(row: Any) -> tuple[str, uuid.UUID]:
    """The record a value's change belongs to: its entity's main table and the record's id."""
    return Entity(row.__data__["entity"]).tables[0], row.__data__["row_id"]


def history_label(key: str) -> str:
    found = CustomField.get_or_none(CustomField.id == uuid.UUID(key.removeprefix(HISTORY_PREFIX)))
    return to_dto(found).label if found is not None else _("(deleted field)")


def history_display(key: str, raw: str | None) -> str:
    """A value as history kept it (the column's raw text) shown as the field's kind reads it."""
    found = CustomField.get_or_none(CustomField.id == uuid.UUID(key.removeprefix(HISTORY_PREFIX)))
    if raw is None or raw == "" or found is None:
        return raw or ""
    item = to_dto(found)
    try:
        row = CustomValue(text_value=raw, number_value=None, date_value=None, link_id=None)
        if item.kind in (CustomFieldKind.NUMBER, CustomFieldKind.MONEY):
            row.number_value = Decimal(raw)
        elif item.kind == CustomFieldKind.DATE:
            row.date_value = dt.date.fromisoformat(raw)
        elif item.kind in (CustomFieldKind.CONTACT_LINK, CustomFieldKind.COMPANY_LINK):
            row.link_id = uuid.UUID(raw)
        return display_text(_value_dto(item, row))
    except (ValueError, ArithmeticError):
        return raw  # written by another version of the application: shown as kept
