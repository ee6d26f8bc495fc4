"""The deals kanban board: columns, their exact totals, keyset pages of cards, moves and undo.

Built for pipelines with 100,000+ open deals: nothing here ever loads a whole column.

* :func:`pipelines` / :func:`columns` — the pipeline switcher and the board's columns (stages).
* :func:`column_totals` — per stage, the exact number of deals and the sum of their amounts per
  currency, computed by SQL (``COUNT``/``SUM`` grouped by stage and currency), never by loading
  cards. Amounts are summed as integer minor units, so totals are exact ``Decimal``.
* :func:`page` — one page of cards of one column in board order (``board_rank``, then the row key),
  continued with the :class:`Cursor` of the previous page (keyset: ``(rank, key) > (…)`` on the
  partial index ``deal(stage_id, board_rank) WHERE deleted_at IS NULL``; no ``OFFSET``).
* :func:`card` — one card (after a move or a quick-create).
* :func:`move` — a drag and drop: the stage rules (``services.stages.move_deal``) plus the card
  going to the top of its new column, in one transaction; :func:`undo` takes it back exactly.
* :func:`quick_create` — a new deal with just a title, in a given column, on top of it.

Filters are the deals list's (``services.lists.ListFilter``: text, responsible, my deals, product
group, active/inactive), so the board and the list share them and their saved filters.
Cards are plain :class:`Card` values; views never see rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import peewee

from desktop_crm import money
from desktop_crm.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Company,
    Contact,
    Deal,
    Invoice,
    InvoiceStatus,
    Pipeline,
    Quote,
    QuoteStatus,
    Stage,
    StageKind,
    User,
    database,
    utcnow,
)
from desktop_crm.models.db import engine
from desktop_crm.models.fields import coerce_uuid
from desktop_crm.services import deals as deal_service
from desktop_crm.services import lists, rules, stages
from desktop_crm.services.lists import ListFilter

PAGE_SIZE = 40
RANK_STEP = 1024

#: The list filters the board offers (the others — pipeline, stage, dates — make no sense on it).
BOARD_FILTERS = frozenset(
    {lists.F_TEXT, lists.F_RESPONSIBLE, lists.F_MINE, lists.F_PRODUCT_GROUP, lists.F_ACTIVE}
)


def _id(value: Any) -> Any:
    return getattr(value, "id", value)


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(_id(value)))


def _is_sqlite() -> bool:
    return engine(database) == "sqlite"


def _key() -> Any:
    """The tie-breaker after the rank: the rowid on SQLite (stored in every index), else the id."""
    return peewee.Column(Deal, "rowid") if _is_sqlite() else Deal.id


# --- pipelines and columns --------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineInfo:
    id: str
    name: str
    is_default: bool


@dataclass(frozen=True)
class ColumnInfo:
    """A stage as a board column."""

    id: str
    name: str
    kind: str  # "open" | "won" | "lost"
    color: str
    probability: Decimal
    sort_order: int

    @property
    def is_final(self) -> bool:
        return self.kind != StageKind.OPEN.value


def pipelines() -> list[PipelineInfo]:
    query = Pipeline.alive().order_by(Pipeline.sort_order, Pipeline.name)
    return [PipelineInfo(str(p.id), p.name, bool(p.is_default)) for p in query]


def default_pipeline() -> str | None:
    first = Pipeline.alive().order_by(Pipeline.is_default.desc(), Pipeline.sort_order).first()
    return str(first.id) if first else None


def columns(pipeline_id: Any) -> list[ColumnInfo]:
    """The stages of a pipeline in board order: open stages, then won, then lost."""
    rank = {StageKind.OPEN: 0, StageKind.WON: 1, StageKind.LOST: 2}
    query = Stage.alive().where(Stage.pipeline == _uuid(pipeline_id))
    rows = sorted(query, key=lambda s: (rank.get(s.kind, 3), s.sort_order, s.created_at))
    return [
        ColumnInfo(str(s.id), s.name, str(s.kind), s.color or "#4a90d9",
                   money.to_decimal(s.probability or 0), s.sort_order)
        for s in rows
    ]


# --- filters ----------------------------------------------------------------------------------


def board_filter(flt: ListFilter | None) -> ListFilter:
    """Only the filters the board supports (a list filter may carry pipeline, stages, dates)."""
    flt = flt or ListFilter()
    return replace(flt, pipeline=None, stages=(), date_field=None, date_from=None, date_to=None,
                   correct=None)


def _conditions(flt: ListFilter | None, user_id: Any) -> list[Any]:
    entity = lists._entity("deals")
    return lists._where(entity, board_filter(flt), str(user_id) if user_id else None)


# --- totals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnTotals:
    count: int = 0
    sums: tuple[tuple[str, Decimal], ...] = ()  # (currency, amount), largest first

    def sum_of(self, currency: str) -> Decimal:
        return dict(self.sums).get(currency, Decimal("0.00"))


def column_totals(
    pipeline_id: Any, flt: ListFilter | None = None, user_id: Any = None,
    stage_ids: Sequence[Any] | None = None,
) -> dict[str, ColumnTotals]:
    """``{stage id: ColumnTotals}`` for every column of the pipeline (or only ``stage_ids``)."""
    wanted = [_uuid(s) for s in stage_ids] if stage_ids is not None else [
        _uuid(c.id) for c in columns(pipeline_id)
    ]
    result: dict[str, ColumnTotals] = {str(s): ColumnTotals() for s in wanted}
    if not wanted:
        return result
    query = (
        Deal.select(Deal.stage, Deal.currency, peewee.fn.COUNT(peewee.SQL("*")),
                    peewee.fn.SUM(Deal.amount))
        .where(Deal.stage.in_(wanted), *_conditions(flt, user_id))
        .group_by(Deal.stage, Deal.currency)
    )
    sql, params = query.sql()
    grouped: dict[str, list[tuple[str, int, int]]] = {}
    for stage_id, currency, count, units in database.execute_sql(sql, params).fetchall():
        grouped.setdefault(str(coerce_uuid(stage_id)), []).append(
            (currency or "", int(count), int(units or 0))
        )
    for stage_id, parts in grouped.items():
        sums = sorted(
            ((currency, money.from_minor_units(units, money.MONEY_PLACES).quantize(Decimal("0.01")))
             for currency, _count, units in parts),
            key=lambda item: (-item[1], item[0]),
        )
        result[stage_id] = ColumnTotals(sum(count for _c, count, _u in parts), tuple(sums))
    return result


# --- cards ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a column's next page starts."""

    rank: int
    key: Any


@dataclass(frozen=True)
class Card:
    id: str
    stage_id: str
    title: str
    amount: Decimal
    currency: str
    client: str
    responsible: str
    expected_close_date: dt.date | None
    quotes: int
    invoices: int
    overdue_tasks: int
    active: bool
    correct: bool
    missing: tuple[str, ...]
    rank: int
    key: Any = field(compare=False, default=None)

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.rank, self.key)


@dataclass(frozen=True)
class Page:
    cards: list[Card]
    cursor: Cursor | None  # None: the column has no more cards

    @property
    def has_more(self) -> bool:
        return self.cursor is not None


def _person(last: str | None, first: str | None) -> str:
    return " ".join(p for p in (last, first) if p)


def _card_query() -> peewee.ModelSelect:
    responsible = User.alias("responsible")
    return (
        Deal.select(
            _key(), Deal.id, Deal.stage, Deal.title, Deal.amount, Deal.currency,
            Company.short_name, Company.legal_name, Contact.last_name, Contact.first_name,
            responsible.name, Deal.expected_close_date, rules.active_column(), Deal.correct,
            Deal.missing_fields, Deal.board_rank,
        )
        .join_from(Deal, Contact, peewee.JOIN.LEFT_OUTER, on=(Deal.contact == Contact.id))
        .join_from(Deal, Company, peewee.JOIN.LEFT_OUTER, on=(Deal.company == Company.id))
        .join_from(Deal, responsible, peewee.JOIN.LEFT_OUTER,
                   on=(Deal.responsible == responsible.id))
    )


def _counts(model: Any, ids: list[uuid.UUID], excluded: Any) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    query = (
        model.select(model.deal, peewee.fn.COUNT(peewee.SQL("*")))
        .where(model.deal.in_(ids), model.deleted_at.is_null(), model.status != excluded)
        .group_by(model.deal)
    )
    sql, params = query.sql()
    return {coerce_uuid(d): int(n) for d, n in database.execute_sql(sql, params).fetchall()}


def _overdue(ids: list[uuid.UUID], now: dt.datetime) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    query = (
        Activity.select(Activity.deal, peewee.fn.COUNT(peewee.SQL("*")))
        .where(
            Activity.deal.in_(ids), Activity.deleted_at.is_null(),
            Activity.kind == ActivityKind.TASK, Activity.status == ActivityStatus.PLANNED,
            Activity.due_at < now,
        )
        .group_by(Activity.deal)
    )
    sql, params = query.sql()
    return {coerce_uuid(d): int(n) for d, n in database.execute_sql(sql, params).fetchall()}


def _cards(raw: list[tuple[Any, ...]]) -> list[Card]:
    converters = {
        "amount": Deal.amount.python_value, "date": Deal.expected_close_date.python_value,
        "missing": Deal.missing_fields.python_value,
    }
    ids = [coerce_uuid(r[1]) for r in raw]
    quotes = _counts(Quote, ids, QuoteStatus.SUPERSEDED.value)
    invoices = _counts(Invoice, ids, InvoiceStatus.CANCELLED.value)
    overdue = _overdue(ids, utcnow())
    cards = []
    for record, deal_id in zip(raw, ids, strict=True):
        (key, _ident, stage_id, title, amount, currency, short, legal, last, first, responsible,
         close, active, correct, missing, rank) = record
        cards.append(Card(
            id=str(deal_id),
            stage_id=str(coerce_uuid(stage_id)),
            title=title,
            amount=converters["amount"](amount) if amount is not None else Decimal("0.00"),
            currency=currency or "",
            client=short or legal or _person(last, first),
            responsible=responsible or "",
            expected_close_date=converters["date"](close) if close is not None else None,
            quotes=quotes.get(deal_id, 0),
            invoices=invoices.get(deal_id, 0),
            overdue_tasks=overdue.get(deal_id, 0),
            active=bool(active),
            correct=bool(correct),
            missing=tuple(converters["missing"](missing) or ()) if missing else (),
            rank=int(rank or 0),
            key=key,
        ))
    return cards


def page(
    stage_id: Any, flt: ListFilter | None = None, user_id: Any = None,
    after: Cursor | None = None, limit: int = PAGE_SIZE,
) -> Page:
    """One page of a column's cards in board order, starting after ``after``."""
    key = _key()
    query = _card_query().where(Deal.stage == _uuid(stage_id), *_conditions(flt, user_id))
    if after is not None:
        query = query.where(peewee.Tuple(Deal.board_rank, key) > peewee.Tuple(after.rank, after.key))
    query = query.order_by(Deal.board_rank, key).limit(limit + 1)
    sql, params = query.sql()
    raw = database.execute_sql(sql, params).fetchall()
    more = len(raw) > limit
    cards = _cards(raw[:limit])
    return Page(cards, cards[-1].cursor if more and cards else None)


def card(deal_id: Any) -> Card | None:
    """One card, whatever the filters (``None`` when the deal is gone)."""
    query = _card_query().where(Deal.id == _uuid(deal_id), Deal.deleted_at.is_null())
    sql, params = query.sql()
    cards = _cards(database.execute_sql(sql, params).fetchall())
    return cards[0] if cards else None


def matches(deal_id: Any, flt: ListFilter | None, user_id: Any = None) -> bool:
    """Does the deal pass the board's filters (after a move or a create)?"""
    query = Deal.select(Deal.id).where(Deal.id == _uuid(deal_id), *_conditions(flt, user_id))
    return query.exists()


# --- moves ------------------------------------------------------------------------------------


def check_move(deal_id: Any, stage_id: Any) -> stages.MoveCheck:
    """Ask the stage rules before a drop (no change is made)."""
    return stages.can_move(_uuid(deal_id), _uuid(stage_id))


@dataclass(frozen=True)
class BoardMove:
    """A move made from the board, with what :func:`undo` needs."""

    result: stages.MoveResult
    previous_rank: int
    rank: int
    lost_reason: str = ""
    comment: str = ""

    @property
    def deal_id(self) -> str:
        return str(self.result.deal_id)

    @property
    def from_stage_id(self) -> str:
        return str(self.result.from_stage_id) if self.result.from_stage_id else ""

    @property
    def to_stage_id(self) -> str:
        return str(self.result.to_stage_id)


def _top_rank(stage_id: uuid.UUID, exclude: uuid.UUID) -> int:
    lowest = (
        Deal.select(peewee.fn.MIN(Deal.board_rank))
        .where(Deal.stage == stage_id, Deal.deleted_at.is_null(), Deal.id != exclude)
        .scalar()
    )
    return (int(lowest) if lowest is not None else RANK_STEP) - RANK_STEP


def move(
    deal_id: Any, stage_id: Any, user: Any, lost_reason: str | None = None, comment: str = "",
) -> BoardMove:
    """Move a deal by the stage rules and put its card on top of the new column (one transaction).

    Refusals raise :class:`~desktop_crm.services.rule_errors.StageChangeRefused` with the reason.
    """
    deal, stage = _uuid(deal_id), _uuid(stage_id)
    with database.atomic():
        result = stages.move_deal(deal, stage, _id(user), lost_reason=lost_reason, comment=comment)
        previous = Deal.select(Deal.board_rank).where(Deal.id == deal).scalar() or 0
        rank = _top_rank(stage, deal)
        Deal.update(board_rank=rank).where(Deal.id == deal).execute()
        return BoardMove(result, int(previous), rank, (lost_reason or "").strip(), comment)


def undo(board_move: BoardMove, user: Any) -> None:
    """Take back a board move (stage, tasks, history, rank) while the deal has not moved on."""
    with database.atomic():
        stages.undo_move(board_move.result, _id(user))
        Deal.update(board_rank=board_move.previous_rank).where(
            Deal.id == board_move.result.deal_id
        ).execute()


def quick_create(title: str, stage_id: Any, user: Any) -> Card:
    """A deal with only a title, created in a column and shown on its top (one transaction)."""
    stage = Stage.get_or_none((Stage.id == _uuid(stage_id)) & Stage.deleted_at.is_null())
    if stage is None:
        from desktop_crm.errors import ValidationError
        from desktop_crm.i18n import _

        raise ValidationError(_("The stage no longer exists."))
    with database.atomic():
        deal = deal_service.create_deal(
            {"title": title, "pipeline": stage.pipeline_id, "stage": stage.id}, _id(user)
        )
        rank = _top_rank(stage.id, deal.id)
        Deal.update(board_rank=rank).where(Deal.id == deal.id).execute()
    created = card(deal.id)
    assert created is not None
    return created


def lost_reasons() -> list[str]:
    return rules.lost_reasons()


def lost_reason_required() -> bool:
    return bool(rules.LOST_REASON_REQUIRED.get())


__all__ = [
    "BOARD_FILTERS", "BoardMove", "Card", "ColumnInfo", "ColumnTotals", "Cursor", "Page",
    "PipelineInfo", "board_filter", "card", "check_move", "column_totals", "columns",
    "default_pipeline", "lost_reasons", "matches", "move", "page", "pipelines", "quick_create",
    "undo",
]
