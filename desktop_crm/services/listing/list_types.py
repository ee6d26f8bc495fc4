"""What a list is made of and what it is asked: columns and specs, filters, sort orders, rows.

Plain values only, so that views, the board and saved filters share them without a query in sight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from desktop_crm import validation
from desktop_crm.entities import Entity
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import N_

# Filter names a list may support (the filter bar shows only those).
F_TEXT = "text"
F_RESPONSIBLE = "responsible"
F_MINE = "mine"
F_PIPELINE = "pipeline"
F_STAGE = "stage"
F_PRODUCT_GROUP = "product_group"
F_DATES = "dates"
F_ACTIVE = "active"
F_CORRECT = "correct"


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # N_-marked; translate where shown
    kind: str = "text"  # text | money | number | percent | date | datetime | bool
    sortable: bool = False
    visible: bool = True
    width: int = 140
    currency_column: str | None = None  # money: the column holding the currency code


@dataclass(frozen=True)
class ListSpec:
    entity: Entity
    title: str  # N_-marked
    columns: tuple[Column, ...]
    filters: frozenset[str]
    date_fields: tuple[tuple[str, str], ...]  # (key, N_-marked title)
    default_sort: tuple[str, bool]  # (column key, descending)
    search_hint: str = N_("Filter…")  # N_-marked placeholder of the text filter
    # the active/inactive filter's choices: any, active, inactive (N_-marked)
    active_labels: tuple[str, str, str] = (N_("Any activity"), N_("Active deals"),
                                           N_("Inactive deals"))

    def column_index(self, key: str) -> int:
        return [c.key for c in self.columns].index(key)


@dataclass(frozen=True)
class ListFilter:
    """What the filter bar asks for. Plain values, so it can be saved per user as a dict."""

    text: str = ""
    responsible: tuple[str, ...] = ()  # user ids
    mine: bool = False
    pipeline: str | None = None
    stages: tuple[str, ...] = ()
    product_group: str | None = None
    date_field: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    active: bool | None = None
    correct: bool | None = None
    # custom fields: (column key "cf_…", operator, first, second), see listing.custom_columns
    custom: tuple[tuple[str, str, str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("date_from", "date_to"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        data["responsible"] = list(self.responsible)
        data["stages"] = list(self.stages)
        data["custom"] = [list(c) for c in self.custom]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ListFilter:
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("date_from", "date_to"):
            if values.get(key):  # a saved filter's date: one that cannot be read is dropped
                try:
                    values[key] = validation.date_value(values[key], key)
                except ValidationError:
                    values[key] = None
        for key in ("responsible", "stages"):
            if key in values:
                values[key] = tuple(values[key] or ())
        if "custom" in values:
            values["custom"] = _custom_conditions(values["custom"])
        return cls(**values)

    def is_empty(self) -> bool:
        return self == ListFilter()


def _custom_conditions(saved: Any) -> tuple[tuple[str, str, str, str], ...]:
    """A saved filter's custom-field conditions; ones not of four texts are dropped."""
    kept = []
    for item in saved if isinstance(saved, (list, tuple)) else ():
        if isinstance(item, (list, tuple)) and len(item) == 4 and all(isinstance(v, str)
                                                                      for v in item):
            kept.append((item[0], item[1], item[2], item[3]))
    return tuple(kept)


@dataclass(frozen=True)
class Sort:
    column: str
    descending: bool = False


@dataclass(frozen=True)
class Row:
    key: Any  # rowid (SQLite) or UUID (PostgreSQL)
    id: str
    values: tuple[Any, ...]


@dataclass
class Snapshot:
    """Keys of all matching rows, in display order."""

    keys: Sequence[Any]

    def __len__(self) -> int:
        return len(self.keys)


@dataclass(frozen=True)
class Choice:
    id: str
    name: str
    parent: str | None = None  # a stage's pipeline
