"""Global search (Ctrl+K) over contacts, companies, deals, leads and products.

Goes through the search index (``models/search.py``): SQLite FTS5 over the folded ``search_text``
(every word of the query as a prefix), PostgreSQL trigram ``LIKE``. The query is folded the same way
as the stored text, so "федоров" finds "Фёдоров" and case never matters. Results are grouped by
type, at most ``limit`` per type (:data:`ALL_RESULTS_LIMIT` for "show all"), best matches first,
deleted records excluded.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Any

import peewee

from desktop_crm import validation
from desktop_crm.entities import Entity
from desktop_crm.i18n import N_
from desktop_crm.models import (
    Company,
    Contact,
    CustomFieldKind,
    CustomValue,
    Deal,
    Lead,
    Product,
    Stage,
    dialect,
)
from desktop_crm.models.fields import coerce_uuid
from desktop_crm.models.search import query_tokens, ranked_conditions
from desktop_crm.services.system import custom_fields, rights

MIN_QUERY_LENGTH = 2
GROUP_TITLES: dict[Entity, str] = {  # the searched entities, in display order
    Entity.CONTACTS: N_("Contacts"),
    Entity.COMPANIES: N_("Companies"),
    Entity.DEALS: N_("Deals"),
    Entity.LEADS: N_("Leads"),
    Entity.PRODUCTS: N_("Products"),
}


@dataclass(frozen=True)
class Hit:
    entity: Entity
    id: str
    title: str
    subtitle: str


@dataclass(frozen=True)
class Group:
    entity: Entity
    title: str  # N_-marked
    hits: tuple[Hit, ...]


def _name(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p)


def _sources() -> tuple[tuple[Entity, Any, tuple[Any, ...], Any], ...]:
    """(entity, model, selected fields, hit maker) in display order."""
    return (
        (Entity.CONTACTS, Contact,
         (Contact.last_name, Contact.first_name, Contact.middle_name, Contact.mobile_phone,
          Contact.work_email, Contact.private_email),
         lambda last, first, middle, phone, work, private: (
             _name(last, first, middle), _name(phone, work or private))),
        (Entity.COMPANIES, Company,
         (Company.short_name, Company.legal_name, Company.inn, Company.vat_number, Company.city),
         lambda short, legal, inn, vat, city: (short or legal, _name(inn or vat, city))),
        (Entity.DEALS, Deal, (Deal.title, Stage.name),
         lambda title, stage: (title, stage or "")),
        (Entity.LEADS, Lead, (Lead.title, Lead.last_name, Lead.first_name, Lead.company_name),
         lambda title, last, first, company: (title, _name(last, first, company))),
        (Entity.PRODUCTS, Product, (Product.name, Product.sku),
         lambda name, sku: (name, sku or "")),
    )


def _custom_value_hits(entity: Entity, model: Any, selected: tuple[Any, ...], make: Any, text: str,
                       found: list[Any], limit: int) -> list[Hit]:
    """Records whose text custom field (text or list) begins with the query — as typed, in lower
    case or capitalised — each a seek in the ``(field_id, text_value)`` index."""
    field_ids = [f.id for f in custom_fields.fields(entity)
                 if f.kind in (CustomFieldKind.TEXT, CustomFieldKind.LIST)]
    if not field_ids:
        return []
    starts = []
    for variant in dict.fromkeys((text, text.lower(), text[:1].upper() + text[1:].lower())):
        for field_id in field_ids:
            starts.append((CustomValue.field == field_id) & _begins(variant))
    matching = CustomValue.select(CustomValue.row_id).where(
        functools.reduce(operator.or_, starts), CustomValue.deleted_at.is_null())
    query = model.select(model.id, *selected)
    if model is Deal:
        query = query.join_from(Deal, Stage, peewee.JOIN.LEFT_OUTER, on=(Deal.stage == Stage.id))
    query = query.where(model.id.in_(matching), model.deleted_at.is_null())
    visible = rights.scope_condition(model)
    if visible is not None:
        query = query.where(visible)
    if found:
        query = query.where(model.id.not_in(found))
    sql, params = query.limit(limit).sql()
    hits = []
    for record in dialect.fetch_all(sql, params):
        title, subtitle = make(*record[1:])
        hits.append(Hit(entity, str(coerce_uuid(record[0])), title or "", subtitle or ""))
    return hits


def _begins(prefix: str) -> Any:
    """``text_value`` begins with ``prefix``: a range the index serves on SQLite, ``LIKE`` on
    PostgreSQL (whose collations do not order a prefix range bytewise)."""
    if dialect.is_sqlite():
        return (CustomValue.text_value >= prefix) & (CustomValue.text_value < prefix + "\U0010ffff")
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return peewee.Expression(CustomValue.text_value, "LIKE", escaped + "%")


#: "Show all results": how many records of each type the full results list shows.
ALL_RESULTS_LIMIT = 200


def search(text: str, limit: int = 8, entities: tuple[str, ...] | None = None) -> list[Group]:
    """Matching records grouped by type (empty groups left out), best first in each group: the
    name exactly ("Фёдоров" before "Фёдорова"), then names beginning so, then the whole word
    anywhere (a phone, an e-mail, another word), then any word beginning so. Each tier is one
    query through the search index with what is still missing as its limit: no full scan."""
    text = validation.search_value(text)
    if len(text) < MIN_QUERY_LENGTH or not query_tokens(text):
        return []
    groups = []
    for entity, model, selected, make in _sources():
        if entities is not None and entity not in entities:
            continue
        hits: list[Hit] = []
        found: list[Any] = []
        for condition in ranked_conditions(model, text):
            query = model.select(model.id, *selected)
            if model is Deal:
                query = query.join_from(Deal, Stage, peewee.JOIN.LEFT_OUTER, on=(Deal.stage == Stage.id))
            query = query.where(condition, model.deleted_at.is_null())
            visible = rights.scope_condition(model)
            if visible is not None:
                query = query.where(visible)
            if found:
                query = query.where(model.id.not_in(found))
            sql, params = query.limit(limit - len(hits)).sql()
            for record in dialect.fetch_all(sql, params):
                title, subtitle = make(*record[1:])
                record_id = coerce_uuid(record[0])
                found.append(record_id)
                hits.append(Hit(entity, str(record_id), title or "", subtitle or ""))
            if len(hits) >= limit:
                break
        if len(hits) < limit:
            hits.extend(_custom_value_hits(entity, model, selected, make, text, found,
                                           limit - len(hits)))
        if hits:
            groups.append(Group(entity, GROUP_TITLES[entity], tuple(hits)))
    return groups
