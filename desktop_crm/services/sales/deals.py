"""Deals and their product lines, under the house rules (rule 2).

API for the deal card and the kanban (plain values; ids for related rows; one transaction each):

* ``create_deal(values, user)`` → :class:`DealInfo`. ``values``: ``title``, ``pipeline``, optional ``stage``
  (default: the pipeline's first open stage), ``contact``, ``company``, ``responsible`` (default:
  the user), ``product_group``, ``currency``, ``expected_close_date``, ``probability``, ``comment``,
  ``lines`` (a list of line values, see below), ``source_lead``.
* ``import_deal(values, user, ClosedInHistory(closed_on, lost_reason))``: the same for a deal
  another system's history brings in (an import), which may be in a won or lost stage and then
  comes in closed; the card's ``create_deal`` keeps "a new deal starts in an open stage".
* ``update_deal(deal_id, values, user)`` → :class:`DealInfo` (the stage changes only through
  ``services.stages.move_deal``).
* ``add_line(deal_id, values, user)``, ``update_line(line_id, values, user)`` (→
  :class:`DealLineInfo`), ``remove_line(line_id, user)``: ``values`` are ``name``, ``product``,
  ``quantity``, ``price``, ``discount_percent``, ``vat_rate``, ``unit``, ``unit_code`` (``Decimal``
  or text such as "1 200,50").
* ``line_amount(values)`` → the net ``Decimal`` of a line, for the card's live totals.

After every change the deal's ``amount``, ``correct``, ``missing_fields`` and
``last_interaction_at`` are recomputed in the same transaction (``rules.refresh_deal``). A deal
that lacks required fields is saved but flagged incorrect. Refusals: a second open deal of the
same client in the same product group (:class:`DuplicateDeal`), a stage requiring fields the deal
lacks (:class:`StageChangeRefused`), bad amounts (:class:`ValidationError`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop_crm import validation
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import N_, _
from desktop_crm.ids import (
    CompanyId,
    ContactId,
    DealId,
    DealLineId,
    IdLike,
    LeadId,
    PipelineId,
    ProductGroupId,
    ProductId,
    StageId,
    UserId,
    as_uuid,
    optional_uuid,
)
from desktop_crm.models import (
    Action,
    Deal,
    DealLine,
    Pipeline,
    Product,
    Stage,
    StageKind,
    User,
    database,
    utcnow,
)
from desktop_crm.services.sales import rules, stages
from desktop_crm.services.sales.rule_errors import StageChangeRefused
from desktop_crm.services.system import rights

DEAL_FIELDS = (
    "title", "pipeline", "stage", "contact", "company", "responsible", "product_group", "currency",
    "expected_close_date", "probability", "comment", "source_lead", "own_company",
)
EDITABLE_FIELDS = tuple(f for f in DEAL_FIELDS if f not in ("pipeline", "stage", "source_lead"))
LINE_FIELDS = (
    "name", "product", "quantity", "price", "discount_percent", "vat_rate", "unit", "unit_code",
    "line_order",
)
FK_FIELDS = {
    "pipeline", "stage", "contact", "company", "responsible", "product_group", "source_lead", "product",
    "own_company",  # the seller of the deal's documents (None: by currency and country)
}


@dataclass(frozen=True, slots=True)
class DealInfo:
    """A deal as saved, with what the rules computed for it."""

    id: DealId
    title: str
    pipeline_id: PipelineId
    stage_id: StageId
    contact_id: ContactId | None
    company_id: CompanyId | None
    responsible_id: UserId | None
    product_group_id: ProductGroupId | None
    source_lead_id: LeadId | None
    currency: str
    amount: Decimal
    probability: Decimal
    expected_close_date: dt.date | None
    comment: str
    correct: bool
    missing_fields: list[str]
    last_interaction_at: dt.datetime | None
    closed_at: dt.datetime | None
    lost_reason: str
    created_at: dt.datetime
    stage_entered_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class DealLineInfo:
    """A product line of a deal as saved."""

    id: DealLineId
    deal_id: DealId
    product_id: ProductId | None
    name: str
    quantity: Decimal
    unit: str
    unit_code: str
    price: Decimal
    discount_percent: Decimal
    vat_rate: Decimal
    line_order: int


def _deal_info(deal: Deal) -> DealInfo:
    """The plain values of a deal row, as the functions of this module hand a deal out."""
    return DealInfo(
        id=DealId(deal.id),
        title=deal.title,
        pipeline_id=PipelineId(deal.pipeline_id),
        stage_id=StageId(deal.stage_id),
        contact_id=ContactId(deal.contact_id) if deal.contact_id else None,
        company_id=CompanyId(deal.company_id) if deal.company_id else None,
        responsible_id=UserId(deal.responsible_id) if deal.responsible_id else None,
        product_group_id=ProductGroupId(deal.product_group_id) if deal.product_group_id else None,
        source_lead_id=LeadId(deal.source_lead_id) if deal.source_lead_id else None,
        currency=deal.currency,
        amount=deal.amount,
        probability=deal.probability,
        expected_close_date=deal.expected_close_date,
        comment=deal.comment,
        correct=bool(deal.correct),
        missing_fields=list(deal.missing_fields or []),
        last_interaction_at=deal.last_interaction_at,
        closed_at=deal.closed_at,
        lost_reason=deal.lost_reason,
        created_at=deal.created_at,
        stage_entered_at=deal.stage_entered_at,
    )


def _line_info(line: DealLine) -> DealLineInfo:
    return DealLineInfo(
        id=DealLineId(line.id),
        deal_id=DealId(line.deal_id),
        product_id=ProductId(line.product_id) if line.product_id else None,
        name=line.name,
        quantity=line.quantity,
        unit=line.unit,
        unit_code=line.unit_code,
        price=line.price,
        discount_percent=line.discount_percent,
        vat_rate=line.vat_rate,
        line_order=line.line_order,
    )


def _clean_deal(values: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(values) - set(allowed) - {"lines"}
    if unknown:
        raise ValueError(f"unknown or read-only deal fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name == "lines":
            continue
        if name in FK_FIELDS:
            cleaned[name] = optional_uuid(value) if value else None
        elif name == "title":
            cleaned[name] = validation.text_value(value, name, max_length=300)
        elif name == "currency":
            cleaned[name] = validation.currency_value(value, name)
        elif name == "comment":
            cleaned[name] = validation.text_value(value, name, max_length=validation.LONG_TEXT,
                                                  multiline=True)
        elif name == "probability":
            cleaned[name] = validation.percent_value(value, name)
        elif name == "expected_close_date":
            cleaned[name] = validation.date_value(value, name)
        else:
            cleaned[name] = value
    if "title" in cleaned and not cleaned["title"]:
        raise ValidationError(_("Give the deal a title."), field="title")
    return cleaned


def _clean_line(values: Mapping[str, Any], current: DealLine | None = None) -> dict[str, Any]:
    unknown = set(values) - set(LINE_FIELDS)
    if unknown:
        raise ValueError(f"unknown line fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = dict(values)
    if cleaned.get("product"):
        product = Product.get_by_id(as_uuid(cleaned["product"]))
        cleaned["product"] = product.id
        defaults = {
            "name": product.name, "price": product.price, "unit": product.unit,
            "unit_code": product.unit_code, "vat_rate": product.vat_rate,
        }
        for name, value in defaults.items():
            if current is None and name not in values:
                cleaned[name] = value
    if current is None and "vat_rate" not in cleaned:
        # a new line without a rate of its own: the seller's default in force, never 0 by accident
        from desktop_crm.services.billing.documents import default_vat_rate

        cleaned["vat_rate"] = default_vat_rate()
    if "name" in cleaned:
        cleaned["name"] = validation.text_value(cleaned["name"], "name", max_length=500)
        if not cleaned["name"]:
            raise ValidationError(_("Name the product or service of the line."), field="name")
    for name, limit in (("unit", 20), ("unit_code", 8)):
        if name in cleaned:
            cleaned[name] = validation.text_value(cleaned[name], name, max_length=limit)
    if "quantity" in cleaned:
        cleaned["quantity"] = validation.quantity_value(cleaned["quantity"], "quantity")
    if "price" in cleaned:
        cleaned["price"] = validation.money_value(cleaned["price"], "price")
    for name in ("discount_percent", "vat_rate"):
        if name in cleaned:
            cleaned[name] = validation.percent_value(cleaned[name], name)
    if "line_order" in cleaned and (isinstance(cleaned["line_order"], bool)
                                    or not isinstance(cleaned["line_order"], int)):
        raise ValueError("line_order is an int")
    return cleaned


def line_amount(values: Mapping[str, Any]) -> Decimal:
    """The net amount of a line (gross rounded half-up, minus the rounded discount)."""
    return rules.line_net_amount(
        validation.money_value(values.get("price") or 0, "price"),
        validation.quantity_value(values.get("quantity") or 1, "quantity"),
        validation.percent_value(values.get("discount_percent") or 0, "discount_percent"),
    )


def _alive_deal(deal_id: IdLike) -> Deal:
    deal = Deal.get_or_none((Deal.id == as_uuid(deal_id)) & Deal.deleted_at.is_null())
    if deal is None:
        raise ValidationError(_("The deal no longer exists."))
    return deal


def _next_line_order(deal_id: uuid.UUID) -> int:
    last = (
        DealLine.alive(DealLine.line_order)
        .where(DealLine.deal == deal_id)
        .order_by(DealLine.line_order.desc())
        .get_or_none()
    )
    return (last.line_order + 1) if last else 0


def create_deal(values: Mapping[str, Any], user: IdLike, tell: bool = True) -> DealInfo:
    """Create a deal in its pipeline's first open stage (or the given open stage); a responsible
    other than ``user`` is notified (``tell=False``: an import, which would notify once per row)."""
    return _create_deal(values, user, None, tell)


@dataclass(frozen=True)
class ClosedInHistory:
    """How a deal brought in from another system's history was closed (see :func:`import_deal`)."""

    closed_on: dt.date | None = None  # None: today
    lost_reason: str = ""  # kept for a lost deal only


def import_deal(values: Mapping[str, Any], user: IdLike, closed: ClosedInHistory | None = None
                ) -> DealInfo:
    """A deal from another system's history (an import): the same checks and rights as
    :func:`create_deal`, but its stage may be won or lost: the deal then comes in closed (on
    ``closed.closed_on``, with a lost deal's reason), without the stage's tasks and without the
    requirements a move into that stage checks — it is a record of what happened, not a move."""
    return _create_deal(values, user, closed or ClosedInHistory(), tell=False)


def _create_deal(values: Mapping[str, Any], user: IdLike, history: ClosedInHistory | None,
                 tell: bool) -> DealInfo:
    cleaned = _clean_deal(values, DEAL_FIELDS)
    if not cleaned.get("title"):
        raise ValidationError(_("Give the deal a title."), field="title")
    with database.atomic():
        pipeline_id = cleaned.get("pipeline")
        if pipeline_id is None:
            default = Pipeline.alive().order_by(Pipeline.is_default.desc(), Pipeline.sort_order).get_or_none()
            if default is None:
                raise ValidationError(_("Create a pipeline first."), field="pipeline")
            pipeline_id = default.id
        stage = (
            Stage.get_or_none((Stage.id == cleaned["stage"]) & Stage.deleted_at.is_null())
            if cleaned.get("stage")
            else Stage.first_open(pipeline_id)
        )
        if stage is None or stage.pipeline_id != pipeline_id:
            raise ValidationError(_("Choose a stage of the deal's pipeline."), field="stage")
        rights.guard_write(Deal, None, cleaned.get("responsible") or as_uuid(user), pipeline_id)
        closing = stage.kind != StageKind.OPEN
        if closing and history is None:
            raise ValidationError(_("A new deal starts in an open stage."), field="stage")
        if not closing:
            rules.ensure_single_open_deal(cleaned.get("contact"), cleaned.get("product_group"))
        cleaned.update(pipeline=pipeline_id, stage=stage.id)
        cleaned.setdefault("responsible", as_uuid(user))
        now = utcnow()
        entered = now
        if closing and history is not None:
            if history.closed_on is not None:
                entered = min(now, dt.datetime.combine(history.closed_on, dt.time(12)))
            cleaned.update(closed_at=entered, lost_reason=validation.text_value(
                history.lost_reason, "lost_reason", max_length=300)
                if stage.kind == StageKind.LOST else "")
        deal = Deal(**cleaned, created_at=now, updated_at=now, stage_entered_at=entered,
                    reached_order=stages.reach(0, stage.kind, stage.sort_order))
        deal.save()
        for order, line in enumerate(values.get("lines") or []):
            line_values = _clean_line(line)
            line_values.setdefault("line_order", order)
            DealLine.create(deal=deal.id, **line_values)
        rules.refresh_deal(deal)
        # A deal created directly in a later stage must meet that stage's requirements.
        blocking = [] if closing else _blocking_fields(deal, stage)
        if blocking:
            raise StageChangeRefused(
                _("To create the deal in “{stage}”, fill in: {fields}.").format(
                    stage=stage.name, fields=rules.field_list(blocking)
                ),
                blocking,
            )
        stages.start_deal(deal.id, user, now=entered, tasks=not closing)
        if tell and deal.responsible_id not in (None, as_uuid(user)):
            _tell_assigned(deal)
        return _deal_info(deal)


def _blocking_fields(deal: Deal, stage: Stage) -> list[str]:
    missing = list(deal.missing_fields or [])
    if rules.stage_requires_correct(stage):
        return missing
    own = set(stage.required_fields or [])
    return [name for name in missing if name in own]


def update_deal(deal_id: IdLike, values: Mapping[str, Any], user: IdLike) -> DealInfo:
    """Edit a deal's fields (not its stage or pipeline); correctness is recomputed."""
    cleaned = _clean_deal(values, EDITABLE_FIELDS)
    with database.atomic():
        deal = _alive_deal(deal_id)
        rights.guard_write(Deal, deal.id, cleaned.get("responsible", rights._UNCHANGED),
                           deal.pipeline_id)
        contact = cleaned.get("contact", deal.contact_id)
        group = cleaned.get("product_group", deal.product_group_id)
        if deal.closed_at is None and (contact, group) != (deal.contact_id, deal.product_group_id):
            rules.ensure_single_open_deal(contact, group, exclude_id=deal.id)
        previous_responsible = deal.responsible_id
        before = {name: getattr(deal, _column(name)) for name in cleaned}
        for name, value in cleaned.items():
            setattr(deal, name, value)
        deal.save()
        rules.refresh_deal(deal)
        if deal.responsible_id not in (previous_responsible, None, as_uuid(user)):
            _tell_assigned(deal)
        _fire_field_robots(deal, before, user)
        return _deal_info(deal)


def _column(name: str) -> str:
    """The attribute holding a deal field's stored value (a link's id, not its row)."""
    return f"{name}_id" if name in FK_FIELDS else name


def _fire_field_robots(deal: Deal, before: Mapping[str, Any], user: IdLike) -> None:
    """Robots started by a field being set: each field given a new, non-empty value is an event
    (keyed by the field, its value and the moment, so the same edit is never acted on twice)."""
    from desktop_crm.services.sales.automation import engine
    from desktop_crm.services.sales.automation.rules import FIELDS, Event

    for name, old in before.items():
        new = getattr(deal, _column(name))
        if name not in FIELDS or new in (None, "") or new == old:
            continue
        key = f"{name}={new}@{deal.updated_at.isoformat()}"
        engine.on_event(engine.DealEvent(Event.FIELD_SET, deal.id, key, name), user)


def _tell_assigned(deal: Deal) -> None:
    """The new responsible learns that the deal is now theirs (a desktop notification)."""
    from desktop_crm.services.sales import notifications

    person: Any = User.get_or_none(User.id == deal.responsible_id)
    if person is None:
        return
    tr = notifications.recipient_translator(person.locale)
    notifications.notify(person.id, tr.gettext(N_("Deal assigned to you: {title}")).format(
        title=deal.title), "", "deal", deal.id)


def add_line(deal_id: IdLike, values: Mapping[str, Any], user: IdLike) -> DealLineInfo:
    cleaned = _clean_line(values)
    if not cleaned.get("name"):
        raise ValidationError(_("Name the product or service of the line."), field="name")
    with database.atomic():
        deal = _alive_deal(deal_id)
        rights.require_on(Deal, deal.id, Action.EDIT)
        cleaned.setdefault("line_order", _next_line_order(deal.id))
        line = DealLine.create(deal=deal.id, **cleaned)
        rules.refresh_deal(deal)
        return _line_info(line)


def _alive_line(line_id: IdLike) -> DealLine:
    line = DealLine.get_or_none((DealLine.id == as_uuid(line_id)) & DealLine.deleted_at.is_null())
    if line is None:
        raise ValidationError(_("The line no longer exists."))
    return line


def update_line(line_id: IdLike, values: Mapping[str, Any], user: IdLike) -> DealLineInfo:
    with database.atomic():
        line = _alive_line(line_id)
        rights.require_on(Deal, line.deal_id, Action.EDIT)
        for name, value in _clean_line(values, current=line).items():
            setattr(line, name, value)
        line.save()
        rules.refresh_deal(_alive_deal(line.deal_id))
        return _line_info(line)


def remove_line(line_id: IdLike, user: IdLike) -> None:
    with database.atomic():
        line = _alive_line(line_id)
        rights.require_on(Deal, line.deal_id, Action.EDIT)
        line.soft_delete()
        rules.refresh_deal(_alive_deal(line.deal_id))


def lines(deal_id: IdLike) -> list[DealLineInfo]:
    """The deal's live lines in display order."""
    return [_line_info(line) for line in _alive_deal(deal_id).live_lines()]
