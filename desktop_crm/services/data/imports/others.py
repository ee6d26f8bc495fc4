"""Importing companies, products and deals with their product lines, each through its card's
service (so each row meets the very rules the card applies)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from desktop_crm import validation
from desktop_crm.countries.base import compact
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.models import (
    Action,
    Activity,
    Company,
    Deal,
    DealLine,
    Notification,
    OwnCompany,
    Product,
    StageChange,
)
from desktop_crm.normalize import fold, phone_e164
from desktop_crm.services.data.imports.engine import OnDuplicate, RowAction
from desktop_crm.services.data.imports.mapping import field_label
from desktop_crm.services.data.imports.rows import (
    Context,
    MappedRow,
    Outcome,
    attempt,
    duplicate_of_row,
    merged_values,
    rejected,
)
from desktop_crm.services.sales import cards, deals, rules
from desktop_crm.services.system import rights


@dataclass
class Seen:
    """Records made by earlier rows of the file, by their duplicate keys."""

    by_key: dict[tuple[str, ...], tuple[int, uuid.UUID]] = field(default_factory=dict)

    def find(self, keys: list[tuple[str, ...]]) -> tuple[int, uuid.UUID] | None:
        return next((self.by_key[k] for k in keys if k in self.by_key), None)

    def add(self, keys: list[tuple[str, ...]], row: int, record_id: uuid.UUID) -> None:
        for key in keys:
            self.by_key.setdefault(key, (row, record_id))


def _region() -> str:
    return str(rules.PHONE_REGION.get())


# --- companies ------------------------------------------------------------------------------


def company_keys(values: dict[str, Any]) -> list[tuple[str, ...]]:
    """ИНН or P.IVA; or the name together with the phone (the house rule)."""
    keys: list[tuple[str, ...]] = []
    for name in ("inn", "vat_number"):
        number = compact(str(values.get(name) or "")).upper().removeprefix("IT")
        if number:
            keys.append(("number", number))
    phone = phone_e164(str(values.get("phone") or ""), _region())
    for name in ("short_name", "legal_name"):
        if values.get(name) and phone:
            keys.append(("name", fold(str(values[name])), phone))
    return keys


def _existing_company(keys: list[tuple[str, ...]]) -> Any:
    numbers = [k[1] for k in keys if k[0] == "number"]
    if numbers:
        found = Company.alive().where(Company.inn.in_(numbers) | Company.vat_number.in_(numbers)).first()
        if found is not None:
            return found
    for key in keys:
        if key[0] != "name":
            continue
        for row in Company.alive().where(Company.search_text.contains(key[1])).limit(100):
            if key[1] in (fold(row.short_name), fold(row.legal_name)) and \
                    phone_e164(row.phone, _region()) == key[2]:
                return row
    return None


class CompaniesHandler:
    def __init__(self) -> None:
        self.seen = Seen()

    def process(self, units: list[list[MappedRow]], ctx: Context) -> list[Outcome]:
        return [self.one(row, ctx) for (row,) in units]

    def one(self, row: MappedRow, ctx: Context) -> Outcome:
        if row.problems:
            return rejected(row, *row.problems)

        def work() -> Outcome:
            values: dict[str, Any] = dict(row.values)
            if values.get("responsible"):
                values["responsible"] = ctx.references.user(values["responsible"])
            if values.get("vat_number") and not values.get("inn") and not values.get("country"):
                values["country"] = "IT"
            keys = company_keys(values)
            earlier = self.seen.find(keys)
            existing: Any = None if earlier else _existing_company(keys)
            if (earlier or existing) and ctx.on_duplicate != OnDuplicate.CREATE:
                shown = duplicate_of_row(earlier[0]) if earlier else \
                    (existing.short_name or existing.legal_name)
                if ctx.on_duplicate == OnDuplicate.SKIP:
                    return Outcome(row, RowAction.SKIP, (), shown)
                record_id = earlier[1] if earlier else uuid.UUID(str(existing.id))
                current = cards.company_card(record_id) or {}
                changes = merged_values(current, values, ctx.file_wins)
                item = ctx.writer.merging("company", record_id)
                if changes:
                    cards.save_company(record_id, changes, ctx.user_id)
                ctx.writer.merged(item if changes else None)
                return Outcome(row, RowAction.MERGE, (), shown, record_id)
            company_id = uuid.UUID(cards.save_company(None, values, ctx.user_id))
            ctx.writer.created("company", company_id)
            self.seen.add(keys, row.row, company_id)
            return Outcome(row, RowAction.CREATE, record_id=company_id)

        return attempt(ctx, row, work)


# --- products -------------------------------------------------------------------------------


class ProductsHandler:
    """Products by their SKU (else their exact name) are the same product; a new product without a
    currency gets the (default) own company's."""

    def __init__(self) -> None:
        self.seen = Seen()
        own = OwnCompany.alive().order_by(OwnCompany.is_default.desc(), OwnCompany.created_at).first()
        self.currency = (own.default_currency if own is not None else "") or "RUB"

    def process(self, units: list[list[MappedRow]], ctx: Context) -> list[Outcome]:
        return [self.one(row, ctx) for (row,) in units]

    def one(self, row: MappedRow, ctx: Context) -> Outcome:
        if row.problems:
            return rejected(row, *row.problems)

        def work() -> Outcome:
            values: dict[str, Any] = dict(row.values)
            if values.get("group"):
                values["group"] = str(ctx.references.group(values["group"]))
            sku, name = values.get("sku", ""), fold(values.get("name", ""))
            keys: list[tuple[str, ...]] = [("sku", sku)] if sku else [("name", name)]
            earlier = self.seen.find(keys)
            existing: Any = None
            if not earlier:
                condition = (Product.sku == sku) if sku else (Product.search_text.contains(name))
                existing = next((p for p in Product.alive().where(condition).limit(50)
                                 if sku or fold(p.name) == name), None)
            if (earlier or existing) and ctx.on_duplicate != OnDuplicate.CREATE:
                shown = duplicate_of_row(earlier[0]) if earlier else existing.name
                if ctx.on_duplicate == OnDuplicate.SKIP:
                    return Outcome(row, RowAction.SKIP, (), shown)
                record_id = earlier[1] if earlier else uuid.UUID(str(existing.id))
                current = {k: ("" if v is None else v) for k, v in
                           (cards.product_card(record_id) or {}).items()}
                current = {k: (str(v) if isinstance(v, Decimal) and v else v) for k, v in current.items()}
                changes = merged_values(current, values, ctx.file_wins)
                item = ctx.writer.merging("product", record_id)
                if changes:
                    cards.save_product(record_id, changes, ctx.user_id)
                ctx.writer.merged(item if changes else None)
                return Outcome(row, RowAction.MERGE, (), shown, record_id)
            values.setdefault("currency", self.currency)
            product_id = uuid.UUID(cards.save_product(None, values, ctx.user_id))
            ctx.writer.created("product", product_id)
            self.seen.add(keys, row.row, product_id)
            return Outcome(row, RowAction.CREATE, record_id=product_id)

        return attempt(ctx, row, work)


# --- deals ----------------------------------------------------------------------------------

_LINE_FIELDS = {"line_name": "name", "line_quantity": "quantity", "line_unit": "unit",
                "line_price": "price", "line_discount": "discount_percent",
                "line_vat_rate": "vat_rate"}
_DEAL_TEXT = ("title", "currency", "expected_close_date", "comment")


def group_deal_rows(rows: list[MappedRow]) -> list[list[MappedRow]]:
    """Rows with the same deal key are one deal (in the order of their first row); without a key
    each row is a deal."""
    groups: dict[str, list[MappedRow]] = {}
    units: list[list[MappedRow]] = []
    for row in rows:
        key = fold(row.values.get("deal_key", ""))
        if not key:
            units.append([row])
        elif key in groups:
            groups[key].append(row)
        else:
            groups[key] = [row]
            units.append(groups[key])
    return units


class DealsHandler:
    """A deal per group of rows (its first row holds the deal, every row may add a line); a deal with
    one bad row is rejected whole, on each of its rows."""

    def process(self, units: list[list[MappedRow]], ctx: Context) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for unit in units:
            outcomes.extend(self.one(unit, ctx))
        return outcomes

    def one(self, unit: list[MappedRow], ctx: Context) -> list[Outcome]:
        bad = [p for row in unit for p in row.problems]
        if bad:
            return [rejected(row, *bad) for row in unit]
        first = unit[0]
        # the references a deal creates (pipeline, stage, company) go back with a refused deal
        outcome = attempt(ctx, first, lambda: self.create(first, self.deal_values(unit, ctx), ctx))
        return [outcome] + [Outcome(row, outcome.action, outcome.problems, outcome.duplicate_of)
                            for row in unit[1:]]

    def deal_values(self, unit: list[MappedRow], ctx: Context) -> dict[str, Any]:
        head = unit[0].values
        refs = ctx.references
        values: dict[str, Any] = {name: head[name] for name in _DEAL_TEXT if head.get(name)}
        if not values.get("title"):
            raise ValidationError(_("Give the deal a title."), field="title")
        pipeline = refs.pipeline(head["pipeline"]) if head.get("pipeline") else refs.default_pipeline()
        values["pipeline"] = pipeline
        if head.get("stage"):
            values["stage"] = refs.stage(pipeline, head["stage"])
        if head.get("contact"):
            values["contact"] = refs.contact(head["contact"])
        if head.get("company"):
            values["company"] = refs.company(head["company"])
        if head.get("responsible"):
            values["responsible"] = refs.user(head["responsible"])
        lines = []
        for row in unit:
            line = {target: row.values[source] for source, target in _LINE_FIELDS.items()
                    if row.values.get(source)}
            if row.values.get("line_sku") and not line.get("name"):
                line["name"] = row.values["line_sku"]
            if line:
                lines.append(self.line(row, line))
        if not lines and head.get("amount"):
            amount = validation.money_value(head["amount"], "amount",
                                            label=field_label("deals", "amount"))
            lines.append({"name": values["title"], "quantity": Decimal(1), "price": amount})
        values["lines"] = lines
        return values

    def line(self, row: MappedRow, line: dict[str, Any]) -> dict[str, Any]:
        product = None
        if row.values.get("line_sku"):
            product = Product.alive().where(Product.sku == row.values["line_sku"]).first()
        if product is not None:
            line["product"] = product.id
        try:
            if not str(line.get("name") or "").strip():
                raise ValidationError(_("Name the product or service of the line."), field="name")
            return deals._clean_line(line)
        except ValidationError as error:
            raise ValidationError(_("Row {row}: {problem}").format(row=row.row, problem=error.message),
                                  field=error.field) from None

    def create(self, row: MappedRow, values: dict[str, Any], ctx: Context) -> Outcome:
        existing = Deal.alive().where((Deal.title == values["title"])
                                      & (Deal.contact == values.get("contact"))
                                      & (Deal.company == values.get("company"))).first() \
            if values.get("contact") or values.get("company") else None
        if existing is not None and ctx.on_duplicate == OnDuplicate.SKIP:
            return Outcome(row, RowAction.SKIP, (), existing.title)
        if existing is not None and ctx.on_duplicate == OnDuplicate.MERGE:
            return self.merge(row, values, existing, ctx)
        rights.require(Action.CREATE)
        info = deals.import_deal(values, ctx.user_id, self.closed(row.values))
        record_created(ctx, info.id)
        return Outcome(row, RowAction.CREATE, record_id=uuid.UUID(str(info.id)))


    @staticmethod
    def closed(head: dict[str, str]) -> deals.ClosedInHistory:
        """When and why the file says a deal in a won or lost stage was closed."""
        closed_on = validation.date_value(head["closed_on"], "closed_on", label=field_label(
            "deals", "closed_on")) if head.get("closed_on") else None
        return deals.ClosedInHistory(closed_on, head.get("lost_reason", ""))

    @staticmethod
    def merge(row: MappedRow, values: dict[str, Any], existing: Any, ctx: Context) -> Outcome:
        """The same deal (title and client): its own fields are merged, its lines are kept."""
        deal_id = uuid.UUID(str(existing.id))
        current = {"comment": existing.comment, "currency": existing.currency,
                   "expected_close_date": existing.expected_close_date,
                   "responsible": existing.responsible_id}
        incoming = {name: values[name] for name in current if values.get(name)}
        if incoming.get("expected_close_date"):
            incoming["expected_close_date"] = validation.date_value(
                incoming["expected_close_date"], "expected_close_date",
                label=field_label("deals", "expected_close_date"))
        changes = merged_values(current, incoming, ctx.file_wins)
        item = ctx.writer.merging("deal", deal_id)
        if changes:
            deals.update_deal(deal_id, changes, ctx.user_id)
        ctx.writer.merged(item if changes else None)
        return Outcome(row, RowAction.MERGE, (), existing.title, deal_id)


def record_created(ctx: Context, deal_id: uuid.UUID) -> None:
    """A new deal and what its creation made: lines, the first stage change, its timeline entry
    and tasks, notifications about it."""
    writer = ctx.writer
    writer.created("deal", deal_id)
    for model, condition in ((DealLine, DealLine.deal == deal_id),
                             (StageChange, StageChange.deal == deal_id),
                             (Activity, Activity.deal == deal_id),
                             (Notification, Notification.link_id == str(deal_id))):
        for record in model.select(model.id).where(condition):
            writer.created(model._meta.table_name, record.id)
