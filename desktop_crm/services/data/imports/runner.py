"""The import run itself (see ``engine`` for the contract and the choice of chunks)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sized
from typing import Any

from desktop_crm import validation
from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.i18n import _, ngettext
from desktop_crm.models import Action, database
from desktop_crm.services.data.imports import batches
from desktop_crm.services.data.imports.batches import BatchWriter
from desktop_crm.services.data.imports.custom import CustomColumns
from desktop_crm.services.data.imports.engine import (
    CHUNK_ROWS,
    Cancel,
    ImportReport,
    ImportRequest,
    PreviewRow,
    Progress,
    RejectedRow,
    RowAction,
    backup_before_import,
)
from desktop_crm.services.data.imports.mapping import (
    MONEY,
    PERCENT,
    QUANTITY,
    check_mapping,
    import_fields,
)
from desktop_crm.services.data.imports.others import (
    CompaniesHandler,
    DealsHandler,
    ProductsHandler,
    group_deal_rows,
)
from desktop_crm.services.data.imports.people import ContactsHandler, LeadsHandler
from desktop_crm.services.data.imports.references import References, rights_user
from desktop_crm.services.data.imports.rows import Context, Handler, MappedRow, Outcome, iter_units
from desktop_crm.services.system import rights, settings


class _RollBack(Exception):
    """Leaves the outer transaction of a dry run or a preview, rolling it back."""


def _handler(entity: str) -> Handler:
    handlers: dict[str, type[Any]] = {"contacts": ContactsHandler, "leads": LeadsHandler,
                                      "companies": CompaniesHandler, "products": ProductsHandler,
                                      "deals": DealsHandler}
    return handlers[entity]()  # type: ignore[no-any-return]


def number_text(text: str) -> str:
    """A number as another country's spreadsheet wrote it, in the form every locale reads: with
    both a dot and a comma, the last one is the decimal separator ("1.200,50", "1,200.50")."""
    compact = "".join(text.split()).replace("\u00a0", "").replace("\u202f", "")
    if "." in compact and "," in compact:
        decimal = "," if compact.rfind(",") > compact.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        return compact.replace(thousands, "").replace(decimal, ".")
    return text


def mapped_rows(request: ImportRequest, mapping: dict[str, str], limit: int | None = None,
                custom: CustomColumns | None = None) -> Iterator[MappedRow]:
    table = request.table
    headers = list(table.headers)
    columns = [(index, mapping[header]) for index, header in enumerate(headers) if header in mapping]
    fields = import_fields(request.entity)
    numeric = {f.name for f in fields if f.kind in (MONEY, PERCENT, QUANTITY)}
    labels = {f.name: f.label for f in fields}
    width = len(headers)
    for index, cells in enumerate(table.rows):
        if limit is not None and index >= limit:
            return
        cells = [str(c) if c is not None else "" for c in cells]
        values = {name: cells[i].strip() for i, name in columns if i < len(cells) and cells[i].strip()}
        for name in numeric & values.keys():
            values[name] = number_text(values[name])
        row = MappedRow(index, table.row_number(index), cells, values)
        for name, text in values.items():
            try:  # NUL, controls, broken Unicode: refused before any lookup sees them
                validation.stored_text(text, name, max_length=None, label=labels[name])
            except ValidationError as error:
                row.problems.append(error.message)
        if custom is not None:
            custom.take(row)
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            row.problems.append(ngettext(
                "The row has {count} cell more than the header has columns (a separator inside a "
                "value?).", "The row has {count} cells more than the header has columns (a "
                "separator inside a value?).", len(extra)).format(count=len(extra)))
        yield row


def _units(request: ImportRequest, rows: Iterator[MappedRow]) -> Iterator[list[list[MappedRow]]]:
    if request.entity == "deals":
        grouped = group_deal_rows(list(rows))
        for start in range(0, len(grouped), CHUNK_ROWS):
            yield grouped[start:start + CHUNK_ROWS]
    else:
        yield from iter_units(rows, CHUNK_ROWS)


def _prepare(request: ImportRequest) -> dict[str, str]:
    rights.require(Action.IMPORT)
    rights.require(Action.CREATE)
    return check_mapping(request.entity, request.mapping)


def _user_id(request: ImportRequest) -> uuid.UUID:
    if request.user is not None:
        from desktop_crm.ids import as_uuid

        return as_uuid(request.user)
    return rights_user()


class _Tally:
    def __init__(self) -> None:
        self.created = self.merged = self.skipped = 0
        self.rejected: list[RejectedRow] = []
        self.skipped_rows: list[tuple[int, str]] = []
        self.done = 0

    def add(self, outcome: Outcome) -> None:
        self.done += 1
        if outcome.action == RowAction.CREATE:
            self.created += 1
        elif outcome.action == RowAction.MERGE:
            self.merged += 1
        elif outcome.action == RowAction.SKIP:
            self.skipped += 1
            self.skipped_rows.append((outcome.row.row, outcome.duplicate_of))
        else:
            self.rejected.append(RejectedRow(outcome.row.row, outcome.problems,
                                             tuple(outcome.row.cells)))

    def report(self, request: ImportRequest, batch_id: uuid.UUID | None, cancelled: bool
               ) -> ImportReport:
        return ImportReport(self.created, self.merged, self.skipped, self.rejected, batch_id,
                            request.dry_run, cancelled, tuple(request.table.headers),
                            self.skipped_rows)


def _work(request: ImportRequest, mapping: dict[str, str], ctx: Context, tally: _Tally,
          progress: Progress | None, cancel: Cancel | None, limit: int | None = None,
          outcomes: list[Outcome] | None = None) -> bool:
    """Every chunk, each in its own transaction; False when cancelled."""
    handler = _handler(request.entity)
    custom = CustomColumns(request.entity, list(mapping.values()))
    total = len(request.table.rows) if isinstance(request.table.rows, Sized) else 0
    if limit is not None:
        total = min(total, limit)
    for units in _units(request, mapped_rows(request, mapping, limit, custom)):
        if cancel is not None and cancel():
            return False
        known = {table: set(ids) for table, ids in ctx.writer.created_ids.items()}
        try:
            with database.atomic(), settings.snapshot():  # the rules' settings read once a chunk
                chunk = handler.process(units, ctx)
                custom.store(chunk, ctx)
                ctx.writer.flush()
        except BaseException:
            ctx.writer.rollback_chunk(known)
            ctx.references.forget()
            raise
        for outcome in chunk:
            tally.add(outcome)
        if outcomes is not None:
            outcomes.extend(chunk)
        if progress is not None:
            progress(tally.done, max(total, tally.done))
    return not (cancel is not None and cancel())


def run_import(request: ImportRequest, progress: Progress | None, cancel: Cancel | None
               ) -> ImportReport:
    mapping = _prepare(request)
    batches.recover_unfinished()
    user_id = _user_id(request)
    tally = _Tally()
    if request.dry_run:
        writer = BatchWriter(None)
        ctx = Context(request, user_id, References(request.create_missing, writer.created, writer), writer)
        finished = True
        try:
            with database.atomic():
                finished = _work(request, mapping, ctx, tally, progress, cancel)
                raise _RollBack
        except _RollBack:
            pass
        return tally.report(request, None, not finished)
    backup_before_import()
    batch_id = batches.start_batch(request.entity, request.file_name, user_id)
    writer = BatchWriter(batch_id)
    ctx = Context(request, user_id, References(request.create_missing, writer.created, writer), writer)
    try:
        finished = _work(request, mapping, ctx, tally, progress, cancel)
    except BaseException:
        batches.discard(batch_id)
        raise
    if not finished:
        batches.discard(batch_id)
        return tally.report(request, None, True)
    batches.finish_batch(batch_id, tally.created, tally.merged, tally.skipped, len(tally.rejected))
    return tally.report(request, batch_id, False)


def preview(request: ImportRequest, limit: int) -> list[PreviewRow]:
    """The first ``limit`` rows imported for real inside a transaction that is then rolled back:
    what the preview says is what the import will do (references it would create included)."""
    try:
        mapping = _prepare(request)
    except ValidationError as error:
        if error.field != "mapping":
            raise
        mapping = {h: f for h, f in request.mapping.items() if f}
        problem = error.message
    else:
        problem = ""
    outcomes: list[Outcome] = []
    writer = BatchWriter(None)
    ctx = Context(request, _user_id(request), References(request.create_missing, writer.created, writer),
                  writer)
    try:
        with database.atomic():
            if problem:
                outcomes = [Outcome(row, RowAction.REJECT, (problem,))
                            for row in mapped_rows(request, mapping, limit)]
            else:
                _work(request, mapping, ctx, _Tally(), None, None, limit, outcomes)
            raise _RollBack
    except _RollBack:
        pass
    return [PreviewRow(o.row.row, {**o.row.values, **o.row.custom_text}, o.problems, o.action,
                       o.duplicate_of) for o in outcomes]


def explain(error: CrmError) -> str:
    return _("The import could not run: {reason}").format(reason=error.message)
