"""Importing a :class:`Table` as contacts, companies, leads, deals (with product lines) or products.

* ``ImportRequest``: what to import and how (entity, table, mapping, what to do with duplicates and
  which side wins a merge, dry run, whether missing references are created).
* ``preview(request, limit=20) -> list[PreviewRow]``: the first rows as they would be imported, each
  with its translated problems and what would happen to it; writes nothing.
* ``run_import(request, progress=None, cancel=None) -> ImportReport``: ``progress(done, total)``
  after each chunk; ``cancel()`` returning true stops the import, which then leaves nothing
  written (``ImportReport.cancelled``). One import is one batch (``ImportReport.batch_id``).
* ``undo_import(batch_id) -> UndoReport``: removes exactly what the batch created and restores what
  it merged; refused when a merged record changed after the import.
* ``write_rejected(report, path)``: the rejected rows as a CSV (UTF-8 with BOM, ``;``), their cells
  and a last column with the reasons.

Every row passes the same checks as the card (services/sales: required fields, formats, own
e-mails refused, requisites); duplicates follow the house rules (contacts: the duplicate rule of
``services.sales.contacts``; companies: ИНН/P.IVA, or name and phone), against the database and
against the earlier rows of the same file.

**Chunks and atomicity.** Rows are read, checked and written in chunks (:data:`CHUNK_ROWS`), each
chunk one transaction, so neither memory nor the database's lock grows with the file and other users
keep working between chunks. The batch row is written first with the status ``running``; each chunk
writes its records together with the batch items naming them. If a chunk fails (or the user
cancels), that chunk's transaction rolls back and the chunks already written are taken back from
their items in one transaction (the same code as undo), and the batch row goes too: nothing
half-written stays. Should the process die between two chunks, the batch stays ``running`` and
:func:`recover_unfinished` (run before each import and undo, and at start-up) takes it back the
same way. A dry run performs the very same work inside one outer transaction that is rolled back.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from desktop_crm.ids import IdLike
from desktop_crm.services.data.imports.formats import Table

CHUNK_ROWS = 2000
Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


class OnDuplicate(enum.StrEnum):
    SKIP = "skip"  # leave the existing record, count the row as skipped
    MERGE = "merge"  # update the existing record (see Winner)
    CREATE = "create"  # create a new record anyway


class Winner(enum.StrEnum):
    """Which side's value a merge keeps where both have one (empty fields are always filled)."""

    FILE = "file"
    DATABASE = "database"


class RowAction(enum.StrEnum):
    CREATE = "create"
    MERGE = "merge"
    SKIP = "skip"
    REJECT = "reject"


@dataclass(frozen=True)
class ImportRequest:
    entity: str  # one of mapping.IMPORT_ENTITIES
    table: Table
    mapping: Mapping[str, str]  # {header: field name}
    on_duplicate: OnDuplicate = OnDuplicate.SKIP
    winner: Winner = Winner.FILE
    dry_run: bool = False
    create_missing: bool = False  # create missing companies, pipelines, stages, product groups
    check_required: bool = True  # False: old address books may lack the card's required fields
    user: IdLike | None = None  # the importing user (default: the signed-in one)
    file_name: str = ""  # shown in the batch list


@dataclass(frozen=True)
class PreviewRow:
    row: int  # the number the user finds the row by (Table.row_number)
    values: dict[str, str]  # {field name: cell text} as mapped
    problems: tuple[str, ...]  # translated
    action: RowAction
    duplicate_of: str = ""  # the name of the existing record (or "row N") it duplicates


@dataclass(frozen=True)
class RejectedRow:
    row: int
    reasons: tuple[str, ...]  # translated
    cells: tuple[str, ...] = ()  # the row as in the file


@dataclass(frozen=True)
class ImportReport:
    created: int
    merged: int
    skipped: int
    rejected: list[RejectedRow]
    batch_id: uuid.UUID | None  # None for a dry run or a cancelled import
    dry_run: bool = False
    cancelled: bool = False
    headers: tuple[str, ...] = ()
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)  # (row, duplicate of)


@dataclass(frozen=True)
class UndoReport:
    batch_id: uuid.UUID
    removed: int
    restored: int


@dataclass(frozen=True)
class BatchInfo:
    id: uuid.UUID
    entity: str
    file_name: str
    started_at: str  # ISO, UTC
    status: str  # running, done, undone
    created: int
    merged: int
    user_name: str


def backup_before_import() -> None:
    """A backup of the SQLite file taken before an import (not a dry run) or its undo writes
    anything (``backups.before_risky_operation``: one per quarter of an hour, nothing on
    PostgreSQL). Called from the import's background worker, never on the GUI thread."""
    from desktop_crm.services.system import backups

    backups.before_risky_operation("import")


def preview(request: ImportRequest, limit: int = 20) -> list[PreviewRow]:
    from desktop_crm.services.data.imports import runner

    return runner.preview(request, limit)


def run_import(request: ImportRequest, progress: Progress | None = None,
               cancel: Cancel | None = None) -> ImportReport:
    from desktop_crm.services.data.imports import runner

    return runner.run_import(request, progress, cancel)


def undo_import(batch_id: IdLike) -> UndoReport:
    from desktop_crm.services.data.imports import batches

    return batches.undo_import(batch_id)


def recover_unfinished() -> int:
    """Take back the batches a dead process left ``running``; the number taken back."""
    from desktop_crm.services.data.imports import batches

    return batches.recover_unfinished()


def import_batches(limit: int = 50) -> list[BatchInfo]:
    """The latest imports (newest first), for "undo this import"."""
    from desktop_crm.services.data.imports import batches

    return batches.list_batches(limit)


def write_rejected(report: ImportReport, path: Path | str) -> None:
    import csv

    from desktop_crm.i18n import _

    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([_("Row"), *report.headers, _("Reason")])
        width = len(report.headers)
        for rejected in report.rejected:
            cells = list(rejected.cells) + [""] * (width - len(rejected.cells))  # a short row
            writer.writerow([rejected.row, *cells, " ".join(rejected.reasons)])


__all__ = ["CHUNK_ROWS", "BatchInfo", "ImportReport", "ImportRequest", "OnDuplicate", "PreviewRow",
           "RejectedRow", "RowAction", "UndoReport", "Winner", "backup_before_import",
           "import_batches", "preview", "recover_unfinished", "run_import", "undo_import",
           "write_rejected"]
