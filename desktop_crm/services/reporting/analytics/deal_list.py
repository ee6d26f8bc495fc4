"""The deals behind a figure: the first page of a :class:`DealFilter`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from peewee import JOIN

from desktop_crm.ids import DealId
from desktop_crm.models import (
    Deal,
    Stage,
    User,
    dialect,
)
from desktop_crm.services.reporting.analytics.inputs import (
    DealFilter,
)


@dataclass(frozen=True)
class DealLine:
    id: DealId
    title: str
    stage: str
    responsible: str
    amount: Decimal
    currency: str
    created_at: dt.datetime
    closed_at: dt.datetime | None


@dataclass(frozen=True)
class DealPage:
    total: int
    rows: tuple[DealLine, ...]


def deal_page(deal_filter: DealFilter, limit: int = 500) -> DealPage:
    """The first ``limit`` deals of a filter, newest first, and how many there are in all."""
    current = Stage.alias("cur")
    query = deal_filter.apply(
        Deal.select(
            Deal.id,
            Deal.title,
            current.name,
            User.name,
            Deal.amount,
            Deal.currency,
            Deal.created_at,
            Deal.closed_at,
        )
        .join(current, on=(current.id == Deal.stage))
        .switch(Deal)
        .join(User, JOIN.LEFT_OUTER, on=(User.id == Deal.responsible))
    ).order_by(Deal.created_at.desc(), Deal.id)
    rows = tuple(
        DealLine(DealId(id_), title, stage, responsible or "", amount, currency, created, closed)
        for id_, title, stage, responsible, amount, currency, created, closed
        in dialect.tuples(query.limit(limit))
    )
    return DealPage(deal_filter.count(), rows)
