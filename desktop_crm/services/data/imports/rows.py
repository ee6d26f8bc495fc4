"""The pieces every entity's importer shares: a mapped row, its outcome, the run's context."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.models import database
from desktop_crm.services.data.imports.batches import BatchWriter
from desktop_crm.services.data.imports.engine import ImportRequest, OnDuplicate, RowAction, Winner
from desktop_crm.services.data.imports.references import References


@dataclass
class MappedRow:
    index: int  # position among the table's rows
    row: int  # the number the user finds it by
    cells: list[str]
    values: dict[str, str]  # {field: stripped cell text}, empty cells left out
    problems: list[str] = field(default_factory=list)
    custom: dict[str, dict[str, Any]] = field(default_factory=dict)  # {cf_key: parsed columns}
    custom_text: dict[str, str] = field(default_factory=dict)  # {cf_key: the cell as given}


@dataclass
class Outcome:
    row: MappedRow
    action: RowAction
    problems: tuple[str, ...] = ()
    duplicate_of: str = ""
    record_id: uuid.UUID | None = None  # the record created or merged into


@dataclass
class Context:
    request: ImportRequest
    user_id: uuid.UUID
    references: References
    writer: BatchWriter
    state: dict[str, Any] = field(default_factory=dict)  # what a handler keeps between chunks

    @property
    def on_duplicate(self) -> OnDuplicate:
        return self.request.on_duplicate

    @property
    def file_wins(self) -> bool:
        return self.request.winner == Winner.FILE


class Handler(Protocol):
    def process(self, units: list[list[MappedRow]], ctx: Context) -> list[Outcome]:
        """Check and write one chunk; one outcome per row."""


def rejected(row: MappedRow, *reasons: str) -> Outcome:
    return Outcome(row, RowAction.REJECT, tuple(reasons))


def attempt(ctx: Context, row: MappedRow, work: Callable[[], Outcome]) -> Outcome:
    """Run one row's writes in a savepoint: a refusal rolls back that row only, and what the row
    made (a company, a pipeline) is forgotten with it."""
    pending = len(ctx.writer.pending)
    created = {table: set(ids) for table, ids in ctx.writer.created_ids.items()}
    try:
        with database.atomic():
            return work()
    except CrmError as error:
        del ctx.writer.pending[pending:]
        ctx.writer.created_ids = created
        ctx.references.forget()
        return rejected(row, *reasons_of(error))


def reasons_of(error: CrmError) -> tuple[str, ...]:
    """A refusal's message, and each field's own message when it names several (requisites)."""
    details = getattr(error, "errors", None)
    if isinstance(details, dict) and details:
        return tuple(str(message) for message in details.values())
    return (error.message,)


def merged_values(current: dict[str, Any], incoming: dict[str, Any], file_wins: bool) -> dict[str, Any]:
    """The fields a merge changes: the file's non-empty values where the record has none, and where
    it has one too when the file wins."""
    changes = {}
    for name, value in incoming.items():
        if value is None or value == "":
            continue
        have = current.get(name)
        if (not have or file_wins) and have != value:
            changes[name] = value
    return changes


def duplicate_of_row(number: int) -> str:
    return _("row {row} of this file").format(row=number)


def iter_units(rows: Iterator[MappedRow], size: int) -> Iterator[list[list[MappedRow]]]:
    chunk: list[list[MappedRow]] = []
    for row in rows:
        chunk.append([row])
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
