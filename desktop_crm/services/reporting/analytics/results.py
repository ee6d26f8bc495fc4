"""What reports give the screen: tables of typed columns, and the helpers the reports share."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from desktop_crm import money
from desktop_crm.i18n import _
from desktop_crm.models import (
    Pipeline,
)
from desktop_crm.services.reporting.analytics.inputs import (
    DealFilter,
    Period,
)

Amounts = Mapping[str, Decimal]
SECONDS_PER_DAY = 86400
RATE_PLACES = 1


class ColumnKind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    MONEY = "money"
    PERCENT = "percent"
    DAYS = "days"
    MONTH = "month"


@dataclass(frozen=True)
class Column:
    title: str
    kind: ColumnKind
    currency: str = ""


@dataclass(frozen=True)
class TableRow:
    """One row; ``filter`` opens the row's deals, ``cell_filters`` (by column) a cell's own."""

    cells: tuple[Any, ...]
    filter: DealFilter | None = None
    cell_filters: Mapping[int, DealFilter] = field(default_factory=dict)

    def filter_at(self, column: int) -> DealFilter | None:
        return self.cell_filters.get(column, self.filter)


@dataclass(frozen=True)
class ReportTable:
    """A report laid out as a table: what the screen shows, and what XLSX and PDF export."""

    title: str
    subtitle: str
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]


def amount_columns(title: str, currencies: Iterable[str]) -> list[Column]:
    return [
        Column(f"{title}, {currency}", ColumnKind.MONEY, currency) for currency in currencies
    ]


def currencies_of(*amount_maps: Iterable[Amounts]) -> tuple[str, ...]:
    found: set[str] = set()
    for maps in amount_maps:
        for amounts in maps:
            found.update(amounts)
    return tuple(sorted(found))


def rate_of(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return money.quantize(Decimal(part) * money.HUNDRED / Decimal(whole), RATE_PLACES)


def seconds_to_days(seconds: Decimal) -> Decimal:
    return seconds / Decimal(SECONDS_PER_DAY)


def scope_subtitle(pipeline_name: str, what: str, period: Period | None) -> str:
    parts = [_("Pipeline: {name}").format(name=pipeline_name), what]
    if period is not None:
        parts.append(period.label())
    return " · ".join(parts)


def name_of_pipeline(pipeline_id: uuid.UUID) -> str:
    pipeline = Pipeline.get_or_none(Pipeline.id == pipeline_id)
    return pipeline.name if pipeline is not None else ""


def add_amount(target: dict[str, Decimal], currency: str, amount: Decimal) -> None:
    target[currency] = target.get(currency, money.ZERO) + amount


def minor_to_money(units: Any) -> Decimal:
    return money.from_minor_units(int(units or 0), money.MONEY_PLACES)
