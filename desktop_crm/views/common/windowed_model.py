"""The windowed table model every list uses: blocks of rows on demand, never all rows.

``rowCount`` comes from one ``COUNT``; ``data()`` loads the block of ``BLOCK_SIZE`` rows a row
falls in (an LRU cache keeps ``MAX_BLOCKS`` blocks). A (re)load shows the first block as soon as it
is read and counts afterwards, unless the source needs the count to plan its pages (a filter); a
first block shorter than a block is the whole list, so nothing is counted then. Right after a
(re)load the blocks come by position (``LIMIT/OFFSET``, quick near the top); meanwhile the keys
of all matching rows in display order (an id snapshot, 8 bytes a row on SQLite) are built off the
GUI thread, after which any block — row 900,000 included — is fetched by key. Sorting asks the
source for a new indexed ``ORDER BY`` and reloads.

The model knows nothing of entities: a :class:`RowSource` gives it rows. Lists of entities use
:class:`EntityRowSource` over ``services.lists``; a card can list, say, the deals of one contact
with its own source.

Roles: ``DisplayRole`` (formatted in the UI language), ``ID_ROLE`` (the record's UUID string),
``VALUE_ROLE`` (the raw value: ``Decimal``, ``date``…), ``TextAlignmentRole`` (numbers right).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import (
    format_amount,
    format_date,
    format_datetime,
    format_money,
)
from desktop_crm.services.listing import lists
from desktop_crm.services.listing.lists import Column, ListFilter, Row, Snapshot, Sort
from desktop_crm.workers import Progress, is_synchronous, run_in_background

ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
ROW_FLAGS = (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
             | Qt.ItemFlag.ItemNeverHasChildren)
MAX_DISPLAY_ROWS = 4096
ID_ROLE = Qt.ItemDataRole.UserRole + 1
VALUE_ROLE = Qt.ItemDataRole.UserRole + 2
BLOCK_SIZE = 64
MAX_BLOCKS = 256
SNAPSHOT_DELAY_MS = 120  # let the first block paint before the snapshot thread competes for the GIL

Index = QModelIndex | QPersistentModelIndex


class RowSource(Protocol):
    columns: tuple[Column, ...]

    def count(self) -> int: ...
    def pages_need_count(self) -> bool: ...
    def fetch_page(self, offset: int, limit: int) -> list[Row]: ...
    def snapshot(self, progress: Progress) -> Snapshot: ...
    def fetch_keys(self, keys: Sequence[Any]) -> list[Row]: ...
    def sortable(self, column: int) -> bool: ...
    def set_sort(self, column: int, descending: bool) -> None: ...
    def sort_state(self) -> tuple[int, bool]: ...


class EntityRowSource:
    """Rows of an entity list (``services.lists``) under a filter and a sort."""

    def __init__(self, entity: str, user_id: str | None = None,
                 flt: ListFilter | None = None, sort: Sort | None = None) -> None:
        self.entity = entity
        self.spec = lists.spec(entity)
        self.columns = self.spec.columns
        self.user_id = user_id
        self.filter = flt or ListFilter()
        column, descending = self.spec.default_sort
        self.sort = sort or Sort(column, descending)
        self._dense = False

    def count(self) -> int:
        matching = lists.count(self.entity, self.filter, self.user_id)
        self._dense = lists.dense(self.entity, self.filter, matching)
        return matching

    def pages_need_count(self) -> bool:
        """Whether :meth:`fetch_page` reads better knowing the count: a filter's share of the rows
        decides between walking the sort index and sorting the matches."""
        return not self.filter.is_empty()

    def fetch_page(self, offset: int, limit: int) -> list[Row]:
        return lists.fetch_page(self.entity, self.filter, self.sort, offset, limit, self.user_id,
                                dense=self._dense)

    def snapshot(self, progress: Progress) -> Snapshot:
        return lists.snapshot(self.entity, self.filter, self.sort, self.user_id,
                              cancelled=lambda: progress.cancelled, dense=self._dense)

    def fetch_keys(self, keys: Sequence[Any]) -> list[Row]:
        return lists.fetch_keys(self.entity, keys)

    def sortable(self, column: int) -> bool:
        return 0 <= column < len(self.columns) and self.columns[column].sortable

    def set_sort(self, column: int, descending: bool) -> None:
        self.sort = Sort(self.columns[column].key, descending)

    def sort_state(self) -> tuple[int, bool]:
        keys = [c.key for c in self.columns]
        return (keys.index(self.sort.column) if self.sort.column in keys else -1,
                self.sort.descending)


def format_value(column: Column, value: Any, row_values: dict[str, Any] | None = None) -> str:
    """A cell as text in the UI language."""
    if value is None or value == "":
        return ""
    kind = column.kind
    if kind == "money" and isinstance(value, Decimal):
        currency = (row_values or {}).get(column.currency_column or "", "") or ""
        return format_money(value, currency) if currency else format_amount(value)
    if kind == "percent" and isinstance(value, Decimal):
        return format_amount(value, places=0 if value == value.to_integral() else 2) + " %"
    if kind == "number" and isinstance(value, Decimal):  # as many places as it has
        exponent = value.normalize().as_tuple().exponent
        return format_amount(value, places=max(0, -exponent) if isinstance(exponent, int) else 2)
    if kind == "datetime" and isinstance(value, dt.datetime):
        return format_datetime(value.replace(tzinfo=dt.UTC).astimezone())
    if kind == "date" and isinstance(value, dt.date):
        return format_date(value)
    if kind == "bool":
        return _("Yes") if value else _("No")
    return str(value)


class WindowedTableModel(QAbstractTableModel):
    """A flat table over a :class:`RowSource`, loaded in blocks (see the module docstring)."""

    first_rows = Signal()  # the first block of a (re)load is shown
    loaded = Signal(int)  # row count after a (re)load
    snapshot_ready = Signal()

    def __init__(self, source: RowSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self._count = 0
        self._blocks: OrderedDict[int, list[Row]] = OrderedDict()
        self._snapshot: Snapshot | None = None
        self._generation = 0
        self._snapshot_job: Any = None
        self._load_job: Any = None
        self._loading = False
        self._rows_pending = False
        self._after_load: list[Any] = []
        self._column_keys: list[str] = []
        self._alignments: list[int] = []
        self._read_columns()
        self._display: dict[int, list[str | None]] = {}  # row -> cells formatted so far

    def _read_columns(self) -> None:
        self._column_keys = [c.key for c in self.source.columns]
        self._alignments = [ALIGN_RIGHT if c.kind in ("money", "number", "percent") else ALIGN_LEFT
                            for c in self.source.columns]

    def columns_changed(self) -> None:
        """The source's columns changed (custom fields added or archived): the rows are read again
        (call :meth:`reload` after)."""
        self.beginResetModel()
        self._read_columns()
        self._blocks.clear()
        self._display.clear()
        self.endResetModel()

    # --- loading ------------------------------------------------------------------------------
    def reload(self, build_snapshot: bool = True) -> None:
        """Read the first block and count off the GUI thread, then show them.

        Until the first block is there the model is empty; :attr:`is_loading` stays true until the
        count is known too (a slow filter never freezes the window). ``first_rows`` is emitted
        when the first block is shown, ``loaded(count)`` when the count is. The id snapshot
        follows in the background.
        """
        self._generation += 1
        generation = self._generation
        for job in (self._snapshot_job, self._load_job):
            if job is not None:
                job.cancel()
        self._snapshot_job = self._load_job = None
        self.beginResetModel()
        self._blocks.clear()
        self._display.clear()
        self._snapshot = None
        self._count = 0
        self._loading = self._rows_pending = True
        self.endResetModel()
        source = self.source

        def work(progress: Progress) -> tuple[int | None, list[Row]]:
            if source.pages_need_count():
                count = source.count()
                progress.check()
                return count, (source.fetch_page(0, BLOCK_SIZE) if count else [])
            first = source.fetch_page(0, BLOCK_SIZE)
            return (len(first) if len(first) < BLOCK_SIZE else None), first

        self._load_job = run_in_background(
            work,
            on_result=lambda result: self._first_block(generation, result, build_snapshot),
            on_error=lambda error: self._background_failed(generation, error),
            name="list load",
        )

    @property
    def is_loading(self) -> bool:
        """True until the current load has its first block and its count."""
        return self._loading

    @property
    def rows_pending(self) -> bool:
        """True until the current load has shown its first block (the count may still come)."""
        return self._rows_pending

    def after_load(self, callback: Any) -> None:
        """Call ``callback()`` once the current load has finished (at once if it has)."""
        if self._loading:
            self._after_load.append(callback)
        else:
            callback()

    def _first_block(self, generation: int, result: tuple[int | None, list[Row]],
                     build_snapshot: bool) -> None:
        if generation != self._generation:
            return  # a newer load replaced it
        count, first = result
        self._load_job = None
        self._rows_pending = False
        if first:
            self.beginInsertRows(QModelIndex(), 0, len(first) - 1)
            self._count = len(first)
            self._blocks[0] = first
            self.endInsertRows()
        self.first_rows.emit()
        if count is not None:
            self._counted(generation, count, build_snapshot)
            return
        source = self.source
        self._load_job = run_in_background(
            lambda _progress: source.count(),
            on_result=lambda total: self._counted(generation, total, build_snapshot),
            on_error=lambda error: self._background_failed(generation, error),
            name="list count",
        )

    def _counted(self, generation: int, count: int, build_snapshot: bool) -> None:
        if generation != self._generation:
            return  # a newer load replaced it
        self._load_job = None
        self._loading = False
        self._resize(count)
        self.loaded.emit(count)
        callbacks, self._after_load = self._after_load, []
        for callback in callbacks:
            callback()
        if build_snapshot and count > BLOCK_SIZE:
            if is_synchronous():
                self.build_snapshot()
            else:
                QTimer.singleShot(SNAPSHOT_DELAY_MS, self, lambda: self.build_snapshot(generation))

    def _resize(self, count: int) -> None:
        """Grow or shrink the row count to ``count`` (rows already shown keep their place)."""
        if count > self._count:
            self.beginInsertRows(QModelIndex(), self._count, count - 1)
            self._count = count
            self.endInsertRows()
        elif count < self._count:
            self.beginRemoveRows(QModelIndex(), count, self._count - 1)
            self._count = count
            self.endRemoveRows()

    def _background_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._loading = self._rows_pending = False
            self._load_job = self._snapshot_job = None
            raise error  # a bug or a lost database: to the crash dialog

    def build_snapshot(self, generation: int | None = None) -> None:
        if generation is not None and generation != self._generation:
            return  # reloaded again meanwhile
        generation = self._generation
        source = self.source

        def work(progress: Progress) -> Snapshot:
            return source.snapshot(progress)

        self._snapshot_job = run_in_background(
            work,
            on_result=lambda snap: self._snapshot_arrived(generation, snap),
            on_error=lambda error: self._background_failed(generation, error),
            name="list snapshot",
        )

    def _snapshot_arrived(self, generation: int, snapshot: Snapshot) -> None:
        if generation != self._generation:
            return  # a newer load replaced it
        self._snapshot_job = None
        self._snapshot = snapshot
        self._blocks.clear()
        self._display.clear()
        self._resize(len(snapshot))
        if self._count:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self._count - 1, self.columnCount() - 1))
        self.snapshot_ready.emit()

    @property
    def has_snapshot(self) -> bool:
        return self._snapshot is not None

    def cancel_background(self) -> None:
        self._generation += 1  # late results are ignored
        for job in (self._snapshot_job, self._load_job):
            if job is not None:
                job.cancel()
        self._snapshot_job = self._load_job = None

    def _block(self, number: int) -> list[Row]:
        block = self._blocks.get(number)
        if block is not None:
            self._blocks.move_to_end(number)
            return block
        start = number * BLOCK_SIZE
        if self._snapshot is not None:
            block = self.source.fetch_keys(self._snapshot.keys[start:start + BLOCK_SIZE])
        else:
            block = self.source.fetch_page(start, BLOCK_SIZE)
        self._blocks[number] = block
        while len(self._blocks) > MAX_BLOCKS:
            self._blocks.popitem(last=False)
        return block

    def drop_cache(self) -> None:
        """Forget the loaded blocks (they are fetched again when shown)."""
        self._blocks.clear()
        self._display.clear()

    def row(self, row: int) -> Row | None:
        if row < 0 or row >= self._count:
            return None
        block = self._block(row // BLOCK_SIZE)
        offset = row % BLOCK_SIZE
        return block[offset] if offset < len(block) else None

    def record_id(self, row: int) -> str | None:
        record = self.row(row)
        return record.id if record else None

    def ids_of_rows(self, rows: Sequence[int]) -> list[str]:
        return [i for i in (self.record_id(r) for r in sorted(set(rows))) if i]

    def loaded_blocks(self) -> int:
        return len(self._blocks)

    # --- Qt model interface -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.source.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self._count:
            return None
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.ToolTipRole:
            text = self._cell_text(index.row(), index.column())
            if role == Qt.ItemDataRole.ToolTipRole:
                return text if text is not None and len(text) > 30 else None
            return text
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._alignments[index.column()]
        if role in (ID_ROLE, VALUE_ROLE):
            record = self.row(index.row())
            if record is None:
                return None
            return record.id if role == ID_ROLE else record.values[index.column()]
        return None

    def _cell_text(self, row: int, column: int) -> str | None:
        """A cell as text, formatted when first shown and kept (views ask for each cell several
        times; columns scrolled out of sight are never formatted)."""
        cells = self._display.get(row)
        if cells is None:
            if len(self._display) >= MAX_DISPLAY_ROWS:
                self._display.clear()
            cells = self._display[row] = [None] * len(self._column_keys)
        text = cells[column]
        if text is None:
            record = self.row(row)
            if record is None:
                return None
            spec = self.source.columns[column]
            text = cells[column] = format_value(
                spec, record.values[column], self._row_dict(record) if spec.currency_column else None)
        return text

    def _row_dict(self, record: Row) -> dict[str, Any]:
        return dict(zip(self._column_keys, record.values, strict=True))

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.source.columns):
            column = self.source.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return _(column.title)
            if role == Qt.ItemDataRole.ToolTipRole and column.sortable:
                return _("Click to sort")
            return None
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return ROW_FLAGS

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not self.source.sortable(column):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if self.source.sort_state() == (column, descending) and (self._count or self._loading):
            return
        self.source.set_sort(column, descending)
        self.reload()
