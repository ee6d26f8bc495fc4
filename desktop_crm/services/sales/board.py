"""The deals kanban board: columns, their exact totals, keyset pages of cards, moves and undo.

Built for pipelines with 100,000+ open deals: nothing here ever loads a whole column.

* :func:`pipelines` / :func:`columns` — the pipeline switcher (``services.sales.pipelines``) and
  the board's columns (stages).
* :func:`column_totals` — per stage, the exact number of deals and the sum of their amounts per
  currency, computed by SQL (``COUNT``/``SUM`` grouped by stage and currency), never by loading
  cards. Amounts are summed as integer minor units, so totals are exact ``Decimal``.
* :func:`page` — one page of cards of one column in board order (``board_rank``, then the row key),
  continued with the :class:`Cursor` of the previous page (keyset: ``(rank, key) > (…)`` on the
  partial index ``deal(stage_id, board_rank) WHERE deleted_at IS NULL``; no ``OFFSET``).
* :func:`card` — one card (after a move or a quick-create).
* :func:`move` — a drag and drop: the stage rules (``services.sales.stages.move_deal``) plus the card
  going to the top of its new column, in one transaction; :func:`undo` takes it back exactly.
* :func:`quick_create` — a new deal with just a title, in a given column, on top of it.

Filters are the deals list's (``services.listing.lists.ListFilter``: text, responsible, my deals, product
group, active/inactive), so the board and the list share them and their saved filters.
Cards are plain :class:`Card` values; views never see rows. How the statements are made fast on
each engine (the row key, index hints, cached compiled SQL) is the dialect layer's
(``models/dialect.py``): the board says which index a statement reads along and what to cache.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import peewee

from desktop_crm import money
from desktop_crm.entities import Entity
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import DealId, IdLike, StageId, as_uuid, optional_uuid
from desktop_crm.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Company,
    Contact,
    Deal,
    Invoice,
    InvoiceStatus,
    Quote,
    QuoteStatus,
    Stage,
    StageKind,
    User,
    database,
    dialect,
    utcnow,
)
from desktop_crm.models.fields import coerce_uuid
from desktop_crm.services.listing import list_query, list_specs, lists
from desktop_crm.services.listing.lists import ListFilter
from desktop_crm.services.sales import deals as deal_service
from desktop_crm.services.sales import rules, stages
from desktop_crm.services.sales.pipelines import PipelineInfo, default_pipeline, pipelines
from desktop_crm.services.system import rights

PAGE_SIZE = 40
RANK_STEP = 1024

#: The list filters the board offers (the others — pipeline, stage, dates — make no sense on it).
BOARD_FILTERS = frozenset(
    {lists.F_TEXT, lists.F_RESPONSIBLE, lists.F_MINE, lists.F_PRODUCT_GROUP, lists.F_ACTIVE}
)


# --- statements compiled once ------------------------------------------------------------------
#
# How a statement is made fast on each engine (the row key, index hints, compiled SQL and its
# cache) is the models' dialect layer's. What stays here is what the board asks of it: which index
# each statement reads along, and the marker values — values no real row holds — with which a
# statement is compiled once (``dialect.marked``) and then run with the real stage, cursor and
# time in their places (peewee's SQL building costs more than the indexed query itself).


def _db_value(column: Any, value: object) -> object:
    """``value`` as the driver takes it for ``column`` (peewee's fields are untyped)."""
    return column.db_value(value)


# The board's statements are only fast along two indexes: a column's cards in rank order along
# ``deal(stage_id, board_rank)`` (the ORDER BY comes from the index, LIMIT stops after one page)
# and a card's tasks along ``activity(deal_id, …)``. Without statistics SQLite's planner may take
# ``deal(stage_id, currency, …)`` plus a sort of the whole column, or ``activity(kind, due_at)``
# (every overdue task of the business, for each card), so the dialect names the index to read along.
_RANK_INDEX = ("deal", ("stage_id", "board_rank"))


def _card_sql(sql: str, along_rank: bool) -> str:
    """A card statement with its index hints: overdue tasks by deal; pages along the rank."""
    sql = dialect.along_index(sql, "activity", ("deal_id",), alias=r"t[0-9]+",
                              condition=r' WHERE \(+"(?P=alias)"\."deal_id" = "t1"\."id"\)')
    return dialect.along_index(sql, *_RANK_INDEX) if along_rank else sql


_STAGE_MARK = uuid.UUID("00000000-0000-7000-8000-00000000b0a4")
_KEY_MARK_UUID = uuid.UUID("00000000-0000-7000-8000-00000000b0a5")
_KEY_MARK_INT = -7_777_777_777_777_771
_RANK_MARK = -7_777_777_777_777_772
_NOW_MARK = dt.datetime(1901, 2, 3, 4, 5, 6)
_ID_MARK = uuid.UUID("00000000-0000-7000-8000-00000000b0a6")

#: Compiled statements by filter, user, … (per database; none for the active/inactive filter: its
#: cut-off moves with the clock), so that a pipeline switch or a reload does not compile again.
_COMPILED: dialect.SqlCache[dialect.MarkedSql] = dialect.SqlCache(size=32)


def _time_marks(inactivity: dt.timedelta) -> dict[str, object]:
    """The marks of the clock in a card statement: overdue tasks and the inactivity cut-off."""
    return {
        "now": _db_value(Activity.due_at, _NOW_MARK),
        "cutoff": _db_value(Deal.last_interaction_at, _NOW_MARK - inactivity),
    }


def _time_values(inactivity: dt.timedelta) -> dict[str, object]:
    now = utcnow()
    return {
        "now": _db_value(Activity.due_at, now),
        "cutoff": _db_value(Deal.last_interaction_at, now - inactivity),
    }


def _time_wanted(inactivity: dt.timedelta) -> set[str]:
    return {"now"} | ({"cutoff"} if inactivity else set())



# --- pipelines and columns --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """A stage as a board column."""

    id: StageId
    name: str
    kind: str  # "open" | "won" | "lost"
    color: str
    probability: Decimal
    sort_order: int

    @property
    def is_final(self) -> bool:
        return self.kind != StageKind.OPEN.value


def columns(pipeline_id: IdLike) -> list[ColumnInfo]:
    """The stages of a pipeline in board order: open stages, then won, then lost."""
    rank = {StageKind.OPEN: 0, StageKind.WON: 1, StageKind.LOST: 2}
    stages_of: list[Any] = list(Stage.alive().where(Stage.pipeline == as_uuid(pipeline_id)))
    stages_of.sort(key=lambda s: (rank.get(s.kind, 3), s.sort_order, s.created_at))
    return [
        ColumnInfo(StageId(s.id), s.name, str(s.kind), s.color or "#4a90d9",
                   money.to_decimal(s.probability or 0), s.sort_order)
        for s in stages_of
    ]


# --- filters ---------------------------------------------------------------------------------


def board_filter(flt: ListFilter | None) -> ListFilter:
    """Only the filters the board supports (a list filter may carry pipeline, stages, dates)."""
    flt = flt or ListFilter()
    return replace(flt, pipeline=None, stages=(), date_field=None, date_from=None, date_to=None,
                   correct=None)


def _conditions(flt: ListFilter | None, user_id: uuid.UUID | None) -> list[Any]:
    return list_query.where(list_specs.source(Entity.DEALS), board_filter(flt),
                            str(user_id) if user_id else None)


# --- totals -----------------------------------------------------------------------------------


def _by_amount(sums: Mapping[str, Decimal]) -> tuple[tuple[str, Decimal], ...]:
    """``(currency, amount)`` pairs, the largest amount first (then by currency)."""
    return tuple(sorted(sums.items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True, slots=True)
class ColumnTotals:
    count: int = 0
    sums: tuple[tuple[str, Decimal], ...] = ()  # (currency, amount), largest first

    def sum_of(self, currency: str) -> Decimal:
        return dict(self.sums).get(currency, Decimal("0.00"))

    def plus(self, count: int, currency: str, amount: Decimal) -> ColumnTotals:
        """These totals with a card added (``count`` 1) or taken away (-1): exact Decimal."""
        sums = dict(self.sums)
        sums[currency] = sums.get(currency, Decimal("0.00")) + amount
        if self.count + count <= 0:
            return ColumnTotals()
        return ColumnTotals(self.count + count, _by_amount({c: a for c, a in sums.items() if a}))


def column_totals(
    pipeline_id: IdLike, flt: ListFilter | None = None, user_id: IdLike | None = None,
    stage_ids: Sequence[IdLike] | None = None,
) -> dict[StageId, ColumnTotals]:
    """``{stage id: ColumnTotals}`` for every column of the pipeline (or only ``stage_ids``)."""
    wanted = [as_uuid(s) for s in stage_ids] if stage_ids is not None else [
        as_uuid(c.id) for c in columns(pipeline_id)
    ]
    result: dict[StageId, ColumnTotals] = {StageId(s): ColumnTotals() for s in wanted}
    if not wanted:
        return result
    query = (
        Deal.select(Deal.stage, Deal.currency, peewee.fn.COUNT(peewee.SQL("*")),
                    peewee.fn.SUM(Deal.amount))
        .where(Deal.stage.in_(wanted), *_conditions(flt, optional_uuid(user_id)))
        .group_by(Deal.stage, Deal.currency)
    )
    counts: dict[StageId, int] = {}
    sums: dict[StageId, dict[str, Decimal]] = {}
    for stage_id, currency, count, units in dialect.fetch_all(*query.sql()):
        stage = StageId(coerce_uuid(stage_id))
        counts[stage] = counts.get(stage, 0) + int(count)
        amount = money.from_minor_units(int(units or 0), money.MONEY_PLACES)
        bucket = sums.setdefault(stage, {})
        bucket[currency or ""] = bucket.get(currency or "", Decimal("0.00")) + amount.quantize(
            Decimal("0.01"))
    for stage, count in counts.items():
        result[stage] = ColumnTotals(count, _by_amount(sums[stage]))
    return result


# --- cards ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a column's next page starts (``key``: the row key of the last card, see ``Card``)."""

    rank: int
    key: object


@dataclass(frozen=True, slots=True)
class Card:
    """A deal as a card. ``key`` is the row's key in board order (the rowid on SQLite, else the
    id as the driver reads it): what a :class:`Cursor` continues after."""

    id: DealId
    stage_id: StageId
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
    key: object = field(compare=False, default=None)

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.rank, self.key)


@dataclass(frozen=True, slots=True)
class Page:
    cards: list[Card]
    cursor: Cursor | None  # None: the column has no more cards

    @property
    def has_more(self) -> bool:
        return self.cursor is not None


def _person(last: str | None, first: str | None) -> str:
    return " ".join(p for p in (last, first) if p)


def _count_of(model: Any, condition: Callable[[Any], Any]) -> Any:
    """A correlated ``COUNT(*)`` for the card's own deal (served by the index on ``deal_id``)."""
    alias = model.alias()
    return (
        alias.select(peewee.fn.COUNT(peewee.SQL("*")))
        .where(alias.deal == Deal.id, alias.deleted_at.is_null(), condition(alias))
    )


def _card_query(now: dt.datetime) -> Any:
    """Cards with their client, responsible, documents and overdue tasks: one statement a page."""
    responsible = User.alias("responsible")
    quotes = _count_of(Quote, lambda q: q.status != QuoteStatus.SUPERSEDED.value)
    invoices = _count_of(Invoice, lambda i: i.status != InvoiceStatus.CANCELLED.value)
    overdue = _count_of(Activity, lambda a: (
        (a.kind == ActivityKind.TASK.value) & (a.status == ActivityStatus.PLANNED.value)
        & (a.due_at < now)))
    return (
        Deal.select(
            dialect.row_key(Deal), Deal.id, Deal.stage, Deal.title, Deal.amount, Deal.currency,
            Company.short_name, Company.legal_name, Contact.last_name, Contact.first_name,
            responsible.name, Deal.expected_close_date, rules.active_column(now), Deal.correct,
            Deal.missing_fields, Deal.board_rank, quotes, invoices, overdue,
        )
        .join_from(Deal, Contact, peewee.JOIN.LEFT_OUTER, on=(Deal.contact == Contact.id))
        .join_from(Deal, Company, peewee.JOIN.LEFT_OUTER, on=(Deal.company == Company.id))
        .join_from(Deal, responsible, peewee.JOIN.LEFT_OUTER,
                   on=(Deal.responsible == responsible.id))
    )


_AMOUNT: Callable[[object], Decimal | None] = Deal.amount.python_value
_DATE: Callable[[object], dt.date] = Deal.expected_close_date.python_value
_MISSING: Callable[[object], list[str] | None] = Deal.missing_fields.python_value


def _amount(raw: object) -> Decimal:
    value = _AMOUNT(raw) if raw is not None else None
    return value if value is not None else Decimal("0.00")


def _card(record: tuple[Any, ...]) -> Card:
    (key, ident, stage_id, title, amount, currency, short, legal, last, first, responsible,
     close, active, correct, missing, rank, quotes, invoices, overdue) = record
    return Card(
        id=DealId(coerce_uuid(ident)),
        stage_id=StageId(coerce_uuid(stage_id)),
        title=title,
        amount=_amount(amount),
        currency=currency or "",
        client=short or legal or _person(last, first),
        responsible=responsible or "",
        expected_close_date=_DATE(close) if close is not None else None,
        quotes=int(quotes or 0),
        invoices=int(invoices or 0),
        overdue_tasks=int(overdue or 0),
        active=bool(active),
        correct=bool(correct),
        missing=tuple(_MISSING(missing) or ()) if missing else (),
        rank=int(rank or 0),
        key=key,
    )


def page(
    stage_id: IdLike, flt: ListFilter | None = None, user_id: IdLike | None = None,
    after: Cursor | None = None, limit: int = PAGE_SIZE,
) -> Page:
    """One page of a column's cards in board order, starting after ``after``."""
    return PageQuery(flt, user_id, limit).page(stage_id, after)


def _inactivity() -> dt.timedelta:
    return dt.timedelta(days=int(rules.INACTIVITY_DAYS.get()))


class PageQuery:
    """The page statement of one filter, compiled once and run for any column and cursor.

    A board keeps one per filter (it makes a new one when the filter changes); each page is then
    one indexed keyset query: ``WHERE stage_id = ? AND (board_rank, key) > (?, ?) … LIMIT n``.
    """

    def __init__(self, flt: ListFilter | None = None, user_id: IdLike | None = None,
                 limit: int = PAGE_SIZE) -> None:
        self.filter = board_filter(flt)
        self.user_id = optional_uuid(user_id)
        self.limit = limit
        self.inactivity = _inactivity()
        self._compiled: dict[bool, dialect.MarkedSql] = {}

    def _compile(self, with_cursor: bool) -> dialect.MarkedSql:
        if with_cursor not in self._compiled:
            shared = None if self.filter.active is not None else (
                "page", self.filter, str(self.user_id), self.limit, self.inactivity, with_cursor,
                rights.cache_key())
            self._compiled[with_cursor] = _COMPILED.get(shared, lambda: self._build(with_cursor))
        return self._compiled[with_cursor]

    def _build(self, with_cursor: bool) -> dialect.MarkedSql:
        key = dialect.row_key(Deal)
        key_mark = _KEY_MARK_INT if dialect.is_sqlite() else _KEY_MARK_UUID
        query = _card_query(_NOW_MARK).where(
            Deal.stage == _STAGE_MARK, *_conditions(self.filter, self.user_id))
        if with_cursor:
            query = query.where(peewee.Tuple(Deal.board_rank, key) > peewee.Tuple(_RANK_MARK, key_mark))
        query = query.order_by(Deal.board_rank, key).limit(self.limit + 1)
        marks = {"stage": _db_value(Deal.stage, _STAGE_MARK), "rank": _RANK_MARK,
                 "key": dialect.row_key_param(Deal, key_mark), **_time_marks(self.inactivity)}
        wanted = {"stage"} | _time_wanted(self.inactivity) | (
            {"rank", "key"} if with_cursor else set())
        return dialect.marked(query, marks, wanted, lambda sql: _card_sql(sql, along_rank=True))

    def page(self, stage_id: IdLike, after: Cursor | None = None) -> Page:
        values = {"stage": _db_value(Deal.stage, as_uuid(stage_id)),
                  **_time_values(self.inactivity)}
        if after is not None:
            values["rank"] = after.rank
            values["key"] = dialect.row_key_param(Deal, after.key)
        raw = self._compile(after is not None).run(values)
        more = len(raw) > self.limit
        cards = [_card(record) for record in raw[: self.limit]]
        return Page(cards, cards[-1].cursor if more and cards else None)


def card(deal_id: IdLike) -> Card | None:
    """One card, whatever the filters (``None`` when the deal is gone); compiled once."""
    inactivity = _inactivity()

    def build() -> dialect.MarkedSql:
        query = _card_query(_NOW_MARK).where(Deal.id == _ID_MARK, Deal.deleted_at.is_null())
        marks = {"id": _db_value(Deal.id, _ID_MARK), **_time_marks(inactivity)}
        return dialect.marked(query, marks, {"id"} | _time_wanted(inactivity),
                              lambda sql: _card_sql(sql, along_rank=False))

    compiled = _COMPILED.get(("card", inactivity), build)
    raw = compiled.run({"id": _db_value(Deal.id, as_uuid(deal_id)), **_time_values(inactivity)})
    return _card(raw[0]) if raw else None


def matches(deal_id: IdLike, flt: ListFilter | None, user_id: IdLike | None = None) -> bool:
    """Does the deal pass the board's filters (after a move or a create)?"""
    query = Deal.select(Deal.id).where(Deal.id == as_uuid(deal_id),
                                       *_conditions(flt, optional_uuid(user_id)))
    return bool(query.exists())


# --- moves ------------------------------------------------------------------------------------


def check_move(deal_id: IdLike, stage_id: IdLike) -> stages.MoveCheck:
    """Ask the stage rules before a drop (no change is made)."""
    return stages.can_move(as_uuid(deal_id), as_uuid(stage_id))


@dataclass(frozen=True, slots=True)
class BoardMove:
    """A move made from the board, with what :func:`undo` needs."""

    result: stages.MoveResult
    previous_rank: int
    rank: int
    lost_reason: str = ""
    comment: str = ""

    @property
    def deal_id(self) -> DealId:
        return DealId(self.result.deal_id)

    @property
    def from_stage_id(self) -> StageId | None:
        return StageId(self.result.from_stage_id) if self.result.from_stage_id else None

    @property
    def to_stage_id(self) -> StageId:
        return StageId(self.result.to_stage_id)


def _ranks(deal_id: uuid.UUID, stage_id: uuid.UUID) -> tuple[int, int]:
    """The deal's rank now and a rank above every other card of ``stage_id``: one statement."""
    mark = database.param
    sql = (
        f'SELECT (SELECT board_rank FROM deal WHERE id = {mark}), '
        f'(SELECT board_rank FROM deal{dialect.live_index_hint(*_RANK_INDEX)} WHERE stage_id = {mark} '
        f'AND deleted_at IS NULL AND id <> {mark} ORDER BY board_rank LIMIT 1)'
    )
    key = _db_value(Deal.id, deal_id)
    previous, lowest = dialect.execute(sql, [key, _db_value(Deal.stage, stage_id), key]).fetchone()
    return int(previous or 0), (int(lowest) if lowest is not None else RANK_STEP) - RANK_STEP


def _top_rank(stage_id: uuid.UUID, exclude: uuid.UUID) -> int:
    """A rank above every other card of the column (the first entry of the rank index)."""
    sql, params = (  # ORDER BY … LIMIT 1, not MIN(): stops at the first entry that is not ``exclude``
        Deal.select(Deal.board_rank)
        .where(Deal.stage == stage_id, Deal.deleted_at.is_null(), Deal.id != exclude)
        .order_by(Deal.board_rank)
        .limit(1)
        .sql()
    )
    row = dialect.execute(dialect.along_index(sql, *_RANK_INDEX), params).fetchone()
    lowest = row[0] if row else None
    return (int(lowest) if lowest is not None else RANK_STEP) - RANK_STEP


def move(
    deal_id: IdLike, stage_id: IdLike, user: IdLike, lost_reason: str | None = None,
    comment: str = "", won_reason: str | None = None,
) -> BoardMove:
    """Move a deal by the stage rules and put its card on top of the new column (one transaction).

    Refusals raise :class:`~desktop_crm.services.sales.rule_errors.StageChangeRefused` with the reason.
    """
    deal, stage = as_uuid(deal_id), as_uuid(stage_id)
    with database.atomic():
        previous, rank = _ranks(deal, stage)  # the rank is saved with the move (one UPDATE)
        result = stages.move_deal(deal, stage, as_uuid(user), lost_reason=lost_reason,
                                  comment=comment, board_rank=rank, won_reason=won_reason)
        return BoardMove(result, previous, rank, (lost_reason or "").strip(), comment)


def undo(board_move: BoardMove, user: IdLike) -> None:
    """Take back a board move (stage, tasks, history, rank) while the deal has not moved on."""
    with database.atomic():
        stages.undo_move(board_move.result, as_uuid(user))
        Deal.update(board_rank=board_move.previous_rank).where(
            Deal.id == board_move.result.deal_id
        ).execute()


def quick_create(title: str, stage_id: IdLike, user: IdLike) -> Card:
    """A deal with only a title, created in a column and shown on its top (one transaction)."""
    stage: Any = Stage.get_or_none((Stage.id == as_uuid(stage_id)) & Stage.deleted_at.is_null())
    if stage is None:
        raise ValidationError(_("The stage no longer exists."))
    with database.atomic():
        deal_id = as_uuid(deal_service.create_deal(
            {"title": title, "pipeline": stage.pipeline_id, "stage": stage.id}, as_uuid(user)
        ))
        rank = _top_rank(stage.id, deal_id)
        Deal.update(board_rank=rank).where(Deal.id == deal_id).execute()
    created = card(deal_id)
    assert created is not None
    return created


def lost_reasons() -> list[str]:
    return rules.lost_reasons()


def won_reasons() -> list[str]:
    return rules.won_reasons()


__all__ = [
    "BOARD_FILTERS", "BoardMove", "Card", "ColumnInfo", "ColumnTotals", "Cursor", "Page", "PageQuery",
    "PipelineInfo", "board_filter", "card", "check_move", "column_totals", "columns",
    "default_pipeline", "lost_reasons", "matches", "move", "page", "pipelines", "quick_create",
    "undo", "won_reasons",
]
