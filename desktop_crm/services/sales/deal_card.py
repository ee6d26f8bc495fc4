"""What the deal card reads and writes, as plain values (the card never sees rows).

* :func:`load` → :class:`DealData` (fields, stages of its pipeline, lines, what is missing, VAT mode
  of the seller); :func:`new_deal` → the defaults of a new deal.
* :func:`save` — the card's fields and product lines in **one transaction** (create or update
  through ``services.deals``; lines updated, added and removed to match the editor).
* :func:`totals` — the editor's live totals with VAT included or on top as the seller's company is
  configured (``OwnCompany.vat_mode``; Russian per-line or Italian per-rate VAT, ``pricing``).
* Pickers: :func:`contact_choices`, :func:`company_choices`, :func:`product_choices` (search index,
  with the catalog defaults of each product).
* :func:`stage_history` — the stages the deal went through with the time spent in each.
* :func:`missing` — what the deal lacks to be correct now (after a timeline entry, for instance).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from desktop_crm import money, pricing
from desktop_crm.countries import DEFAULT
from desktop_crm.entities import Entity
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import (
    CompanyId,
    ContactId,
    DealId,
    DealLineId,
    IdLike,
    PipelineId,
    ProductGroupId,
    ProductId,
    StageId,
    UserId,
    as_uuid,
)
from desktop_crm.models import (
    Company,
    Contact,
    Deal,
    OwnCompany,
    Pipeline,
    Product,
    Quote,
    Stage,
    StageChange,
    User,
    VatMode,
    database,
    utcnow,
)
from desktop_crm.services.listing import search as search_service
from desktop_crm.services.sales import board, deals, rules
from desktop_crm.services.sales.board import ColumnInfo
from desktop_crm.services.sales.deals import DealLineInfo
from desktop_crm.services.system import custom_values, rights
from desktop_crm.services.system.custom_values import CustomValueDTO

IdT = TypeVar("IdT", bound=uuid.UUID)


@dataclass(frozen=True, slots=True)
class Choice(Generic[IdT]):
    """A record offered by a picker: ``Choice[ContactId]``, ``Choice[CompanyId]``."""

    id: IdT
    name: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ProductChoice:
    id: ProductId
    name: str
    unit: str
    unit_code: str
    price: Decimal
    vat_rate: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class LineValues:
    """One product line as the editor holds it (``id`` is None for a line not saved yet)."""

    id: DealLineId | None = None
    product_id: ProductId | None = None
    name: str = ""
    quantity: Decimal = Decimal("1")
    unit: str = ""
    unit_code: str = ""
    price: Decimal = Decimal("0.00")
    discount_percent: Decimal = Decimal("0")
    vat_rate: Decimal = Decimal("0")

    def pricing_input(self) -> pricing.LineInput:
        return pricing.LineInput(self.quantity, self.price, self.discount_percent, self.vat_rate)


@dataclass(frozen=True, slots=True)
class VatSetup:
    included: bool
    country: str


@dataclass(frozen=True, slots=True)
class DealData:
    id: DealId | None
    title: str
    pipeline_id: PipelineId
    pipeline_name: str
    stage_id: StageId
    stages: list[ColumnInfo]
    probability: Decimal
    contact: Choice[ContactId] | None
    company: Choice[CompanyId] | None
    responsible_id: UserId | None
    product_group_id: ProductGroupId | None
    currency: str
    expected_close_date: dt.date | None
    comment: str
    lines: list[LineValues]
    amount: Decimal
    missing: list[str]  # field names (rules.DEAL_FIELDS keys)
    correct: bool
    closed: bool
    lost_reason: str
    created_at: dt.datetime | None
    stage_entered_at: dt.datetime | None
    vat: VatSetup
    # the seller of the deal's documents: None chooses by the deal's currency and country
    own_company_id: str | None = None
    sellers: tuple[tuple[str, str], ...] = ()
    custom: tuple[CustomValueDTO, ...] = ()  # the custom fields of the deal's pipeline

    @property
    def stage(self) -> ColumnInfo | None:
        return next((s for s in self.stages if s.id == self.stage_id), None)


def vat_setup(currency: str | None = None) -> VatSetup:
    """Prices include VAT or VAT goes on top, as the seller's company says: the one that sells in
    the deal's currency (an Italian company's EUR deals), else the default one."""
    companies = OwnCompany.alive().order_by(OwnCompany.is_default.desc(), OwnCompany.created_at)
    own = (companies.where(OwnCompany.default_currency == currency).first() if currency else None
           ) or companies.first()
    if own is None:
        return VatSetup(True, DEFAULT.code)
    return VatSetup(own.vat_mode == VatMode.INCLUDED, (own.country or DEFAULT.code).upper())


def totals(lines: Sequence[LineValues], vat: VatSetup) -> pricing.Totals:
    return pricing.compute([line.pricing_input() for line in lines], country=vat.country,
                           vat_included=vat.included)


def _contact_choice(contact: Contact | None) -> Choice[ContactId] | None:
    if contact is None:
        return None
    return Choice(ContactId(contact.id), contact.full_name, contact.mobile_phone or "")


def _company_choice(company: Company | None) -> Choice[CompanyId] | None:
    if company is None:
        return None
    return Choice(CompanyId(company.id), company.short_name or company.legal_name, company.inn or
                  company.vat_number or "")


def _line_values(line: DealLineInfo) -> LineValues:
    return LineValues(
        id=DealLineId(line.id), product_id=ProductId(line.product_id) if line.product_id else None,
        name=line.name, quantity=line.quantity, unit=line.unit, unit_code=line.unit_code,
        price=line.price, discount_percent=line.discount_percent, vat_rate=line.vat_rate,
    )


def load(deal_id: IdLike) -> DealData:
    deal = Deal.get_or_none((Deal.id == as_uuid(deal_id)) & Deal.deleted_at.is_null())
    if deal is None:
        raise ValidationError(_("The deal no longer exists."))
    rights.require_visible(Deal, deal.id)
    pipeline = Pipeline.get_by_id(deal.pipeline_id)
    contact = Contact.get_or_none(Contact.id == deal.contact_id) if deal.contact_id else None
    company = Company.get_or_none(Company.id == deal.company_id) if deal.company_id else None
    stage = Stage.get_or_none(Stage.id == deal.stage_id)
    return DealData(
        id=DealId(deal.id), title=deal.title, pipeline_id=PipelineId(deal.pipeline_id),
        pipeline_name=pipeline.name, stage_id=StageId(deal.stage_id),
        stages=board.columns(deal.pipeline_id),
        probability=money.to_decimal(deal.probability or (stage.probability if stage else 0) or 0),
        contact=_contact_choice(contact), company=_company_choice(company),
        responsible_id=UserId(deal.responsible_id) if deal.responsible_id else None,
        product_group_id=ProductGroupId(deal.product_group_id) if deal.product_group_id else None,
        currency=deal.currency or "RUB", expected_close_date=deal.expected_close_date,
        comment=deal.comment or "", lines=[_line_values(line) for line in deals.lines(deal.id)],
        amount=deal.amount, missing=list(deal.missing_fields or []), correct=bool(deal.correct),
        closed=deal.closed_at is not None, lost_reason=deal.lost_reason or "",
        created_at=deal.created_at, stage_entered_at=deal.stage_entered_at,
        vat=vat_setup(deal.currency),
        own_company_id=str(deal.own_company_id) if deal.own_company_id else None,
        sellers=_sellers(), custom=tuple(custom_values.values_of(Entity.DEALS, deal.id)),
    )


def _sellers() -> tuple[tuple[str, str], ...]:
    from desktop_crm.services.billing.documents import own_companies

    return tuple((str(key), name) for key, name in own_companies())


def new_deal(user_id: IdLike | None, pipeline_id: IdLike | None = None) -> DealData:
    """The defaults of a new deal: the (default) pipeline's first open stage, the user responsible."""
    pipeline_id = pipeline_id or board.default_pipeline()
    if pipeline_id is None:
        raise ValidationError(_("Create a pipeline first."), field="pipeline")
    pipeline = Pipeline.get_by_id(as_uuid(pipeline_id))
    first = Stage.first_open(pipeline.id)
    if first is None:
        raise ValidationError(_("Choose a stage of the deal's pipeline."), field="stage")
    vat = vat_setup()
    own = OwnCompany.alive().order_by(OwnCompany.is_default.desc(), OwnCompany.created_at).get_or_none()
    return DealData(
        id=None, title="", pipeline_id=PipelineId(pipeline.id), pipeline_name=pipeline.name,
        stage_id=StageId(first.id), stages=board.columns(pipeline.id),
        probability=money.to_decimal(first.probability or 0), contact=None, company=None,
        responsible_id=UserId(as_uuid(user_id)) if user_id else None, product_group_id=None,
        currency=own.default_currency if own else "RUB", expected_close_date=None, comment="",
        lines=[], amount=Decimal("0.00"), missing=[], correct=False, closed=False, lost_reason="",
        created_at=None, stage_entered_at=None, vat=vat, sellers=_sellers(),
        custom=tuple(custom_values.blank_values(Entity.DEALS, pipeline.id)),
    )


def _line_payload(line: LineValues) -> dict[str, Any]:
    return {
        "name": line.name, "product": line.product_id,
        "quantity": line.quantity, "price": line.price,
        "discount_percent": line.discount_percent, "vat_rate": line.vat_rate,
        "unit": line.unit, "unit_code": line.unit_code,
    }


def save(deal_id: IdLike | None, values: Mapping[str, Any], lines: Sequence[LineValues] | None,
         user: IdLike, custom: Mapping[str, Any] | None = None) -> DealId:
    """Save the card in one transaction; returns the deal id. ``lines`` ``None``: leave them;
    ``custom``: custom field values by key (``custom_values.set_values``)."""
    with database.atomic():
        saved = _save(deal_id, values, lines, user)
        if custom:
            custom_values.set_values(Entity.DEALS, saved, custom)
        return saved


def _save(deal_id: IdLike | None, values: Mapping[str, Any], lines: Sequence[LineValues] | None,
          user: IdLike) -> DealId:
    user_id = as_uuid(user)
    values = {
        name: (as_uuid(value) if value else None) if name in deals.FK_FIELDS else value
        for name, value in values.items()
    }
    with database.atomic():
        if deal_id is None:
            payload = dict(values)
            payload["lines"] = [
                {**_line_payload(line), "line_order": order} for order, line in enumerate(lines or [])
            ]
            deal = deals.create_deal(payload, user_id)
            return DealId(deal.id)
        deal_uuid = as_uuid(deal_id)
        if values:
            deals.update_deal(deal_uuid, values, user_id)
        if lines is not None:
            existing = {line.id for line in deals.lines(deal_uuid)}
            kept = {line.id for line in lines if line.id}
            for line_id in existing - kept:
                deals.remove_line(line_id, user_id)
            for order, line in enumerate(lines):
                payload = {**_line_payload(line), "line_order": order}
                if line.id and line.id in existing:
                    deals.update_line(line.id, payload, user_id)
                else:
                    deals.add_line(deal_uuid, payload, user_id)
        return DealId(deal_uuid)


# --- pickers ------------------------------------------------------------------------------------


def contact_choices(text: str, limit: int = 15) -> list[Choice[ContactId]]:
    groups = search_service.search(text, limit, (Entity.CONTACTS,))
    return [Choice(ContactId(as_uuid(h.id)), h.title, h.subtitle) for g in groups for h in g.hits]


def company_choices(text: str, limit: int = 15) -> list[Choice[CompanyId]]:
    groups = search_service.search(text, limit, (Entity.COMPANIES,))
    return [Choice(CompanyId(as_uuid(h.id)), h.title, h.subtitle) for g in groups for h in g.hits]


def _product_choice(row: Product) -> ProductChoice:
    return ProductChoice(ProductId(row.id), row.name, row.unit or "", row.unit_code or "", row.price,
                         row.vat_rate, row.currency or "")


def product_choices(text: str, limit: int = 15) -> list[ProductChoice]:
    groups = search_service.search(text, limit, (Entity.PRODUCTS,))
    ids = [as_uuid(h.id) for g in groups for h in g.hits]
    if not ids:
        return []
    rows = {p.id: p for p in Product.alive().where(Product.id.in_(ids), Product.active == True)}  # noqa: E712
    return [_product_choice(rows[i]) for i in ids if i in rows]


def contact_company(contact_id: IdLike) -> Choice[CompanyId] | None:
    """The company a contact works for (offered when a contact is picked)."""
    contact = Contact.get_or_none(Contact.id == as_uuid(contact_id))
    if contact is None or contact.company_id is None:
        return None
    return _company_choice(Company.get_or_none(Company.id == contact.company_id))


def missing(deal_id: IdLike) -> list[str]:
    deal = Deal.get_or_none(Deal.id == as_uuid(deal_id))
    return list(deal.missing_fields or []) if deal else []


def missing_preview(deal_id: IdLike, values: Mapping[str, Any],
                    lines: Sequence[LineValues]) -> list[str]:
    """What the deal would still lack with the card's unsaved ``values`` and ``lines`` (the
    "what is missing" panel follows the typing; nothing is written)."""
    deal = Deal.get_or_none(Deal.id == as_uuid(deal_id))
    if deal is None:
        return []
    for name in ("contact", "company", "responsible", "product_group"):
        if name in values:
            setattr(deal, f"{name}_id", as_uuid(values[name]) if values[name] else None)
    for name in ("expected_close_date", "comment"):
        if name in values:
            setattr(deal, name, values[name])
    return rules.deal_missing_fields(deal, lines=list(lines))  # type: ignore[arg-type]


# --- history and documents ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StageSpan:
    stage: str
    entered_at: dt.datetime
    left_at: dt.datetime | None  # None: the deal is still there
    seconds: int
    author: str


def stage_history(deal_id: IdLike, now: dt.datetime | None = None) -> list[StageSpan]:
    """Every stage the deal entered, oldest first, with the time spent there."""
    now = now or utcnow()
    changes = list(
        StageChange.alive()
        .where(StageChange.deal == as_uuid(deal_id))
        .order_by(StageChange.changed_at, StageChange.id)
    )
    stage_ids = {c.to_stage_id for c in changes}
    names = (
        {s.id: s.name for s in Stage.select(Stage.id, Stage.name).where(Stage.id.in_(list(stage_ids)))}
        if stage_ids else {}
    )
    author_ids = {c.author_id for c in changes if c.author_id}
    authors = (
        {u.id: u.name for u in User.select(User.id, User.name).where(User.id.in_(list(author_ids)))}
        if author_ids else {}
    )
    deal = Deal.get_or_none(Deal.id == as_uuid(deal_id))
    spans = []
    for number, change in enumerate(changes):
        following = changes[number + 1] if number + 1 < len(changes) else None
        if following is not None:
            left: dt.datetime | None = following.changed_at
            seconds = int(following.seconds_in_previous or 0)
        else:
            left = deal.closed_at if deal is not None and deal.closed_at else None
            seconds = 0 if left else max(0, int((now - change.changed_at).total_seconds()))
        spans.append(StageSpan(names.get(change.to_stage_id, "—"), change.changed_at, left, seconds,
                               authors.get(change.author_id, "")))
    return spans


def showcase_deal(currency: str | None = None) -> DealId | None:
    """A telling deal for the screenshots: open, with lines and a quote, in ``currency`` if any."""
    query = (
        Deal.alive().join(Quote, on=(Quote.deal == Deal.id))
        .where(Deal.closed_at.is_null(), Deal.amount > 0).order_by(Deal.created_at.desc())
    )
    with_quote = (query.where(Deal.currency == currency).first() if currency else None) or query.first()
    deal = with_quote or Deal.alive().where(Deal.closed_at.is_null()).order_by(
        Deal.created_at.desc()).first() or Deal.alive().first()
    return DealId(deal.id) if deal else None


__all__ = [
    "Choice", "DealData", "LineValues", "ProductChoice", "StageSpan", "VatSetup",
    "company_choices", "contact_choices", "contact_company", "load", "missing",
    "new_deal", "product_choices", "save", "showcase_deal", "stage_history", "totals",
    "vat_setup",
]
