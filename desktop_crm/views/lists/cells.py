"""How list cells look beyond plain text: status chips, people's faces, phones for reading.

:func:`install_cell_delegates` gives a list's table one delegate per kind of column:

* the ``status`` of quotes, invoices, tasks and leads and the deals' ``stage`` as the shared chips
  (``views.common.chips``): an invoice past its due date is overdue, a planned task past due is
  overdue and one due today says so, a stage chip takes the stage's colour, an incorrect deal
  gets its chip beside the stage;
* a person (``responsible``, ``assignee``, ``author``) with their initials avatar before the name;
* a phone in international notation (``phonenumbers``), as the cards show it.

Delegates stay cheap: the value is already formatted by the model, chip widths and avatar pixmaps
are cached (``chips``, ``avatar``), phone texts are cached here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

from desktop_crm.entities import Entity
from desktop_crm.i18n import _
from desktop_crm.views.common import chips
from desktop_crm.views.common.avatar import paint_avatar
from desktop_crm.views.common.contact_links import display_phone
from desktop_crm.views.common.windowed_model import VALUE_ROLE
from desktop_crm.workers import run_in_background

Index = QModelIndex | QPersistentModelIndex
PERSON_COLUMNS = frozenset({"responsible", "assignee", "author"})
PHONE_COLUMNS = frozenset({"phone", "mobile_phone", "work_phone"})
STATUS_TABLE = {Entity.QUOTES: "quote", Entity.INVOICES: "invoice", Entity.TASKS: "task",
                Entity.LEADS: "lead"}
CELL_PADDING = 4
ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
CHIP_COLUMN_WIDTH = 175


_SELECTED = QStyle.StateFlag.State_Selected.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_ALTERNATE = QStyleOptionViewItem.ViewItemFeature.Alternate.value


def _paint_background(painter: QPainter, option: QStyleOptionViewItem) -> bool:
    """The cell's background as the view asks for it: the selection, or an alternate row (the
    view's own base shows elsewhere); whether the cell is selected. Painted directly: asking the
    style would ask the model for every role of the cell again (flags compared as integers:
    Python enum flags are slow in a paint loop)."""
    state = option.state.value
    if state & _SELECTED:
        group = QPalette.ColorGroup.Active if state & _ACTIVE else QPalette.ColorGroup.Inactive
        painter.fillRect(option.rect, option.palette.brush(group, QPalette.ColorRole.Highlight))
        return True
    if option.features.value & _ALTERNATE:
        painter.fillRect(option.rect, option.palette.brush(QPalette.ColorRole.AlternateBase))
    return False


def _sibling_value(index: Index, column: int | None) -> Any:
    if column is None:
        return None
    return index.model().index(index.row(), column).data(VALUE_ROLE)


class ChipDelegate(QStyledItemDelegate):
    """A status (or stage) column painted as chips; the text stays the cell's display text."""

    def __init__(self, entity: Entity, columns: dict[str, int], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entity = entity
        self.columns = columns
        self._by_label: dict[str, str] = {}
        table = STATUS_TABLE.get(entity)
        if table is not None:
            entries = chips.STATUS_TABLES[table].items()
            self._by_label = {_(text): status for status, (text, _t, _i) in entries}
        self._stages: dict[str, tuple[str, str]] | None = None
        self._stage_job: Any = None
        self._made: dict[str, list[chips.Chip]] = {}
        self._cells: dict[tuple[str, int, int, int, float], QPixmap] = {}
        self._fonts = chips.FontCache()

    def forget_stages(self) -> None:
        self._stages = None
        self._made.clear()
        self._cells.clear()
        if self.parent() is not None:
            self._stage_look("")  # read them again now, off the GUI thread

    def _stage_look(self, name: str) -> tuple[str, str] | None:
        """(colour, kind) of a stage by its name (first pipeline wins); ``None`` while the stages
        are read off the GUI thread (started at the first call; the cells repaint when done)."""
        if self._stages is None:
            if self._stage_job is None:
                self._stage_job = run_in_background(_read_stage_looks, on_result=self._stages_read,
                                                    on_error=lambda _error: None,
                                                    name="stage colours")
            if self._stages is None:  # a synchronous run (tests, screenshots) has them already
                return None
        return self._stages.get(name, (chips.DEFAULT_STAGE_COLOUR, "open"))

    def _stages_read(self, looks: dict[str, tuple[str, str]]) -> None:
        self._stages = looks
        self._stage_job = None
        self._made.clear()
        self._cells.clear()
        table = self.parent()
        if isinstance(table, QTableView):
            table.viewport().update()

    def chips_for(self, index: Index) -> list[chips.Chip]:
        return self._keyed(index)[1]

    def _keyed(self, index: Index) -> tuple[str, list[chips.Chip]]:
        """The cell's chips and a key naming them (chips are made once per key)."""
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if not text:
            return "", []
        if self.entity == Entity.DEALS:
            correct = _sibling_value(index, self.columns.get("correct")) is not False
            key = f"{text}\0{correct}\0{self._stages is not None}"
        elif self.entity == Entity.INVOICES:
            due = _sibling_value(index, self.columns.get("due_date"))
            key = f"{text}\0{due}\0{dt.date.today()}"
        elif self.entity == Entity.TASKS:
            chip = self._task_chip(index, text)
            key = f"{text}\0{chip.status}"
            found = self._made.get(key)
            if found is None:
                found = self._made[key] = [chip]
            return key, found
        else:
            key = text
        found = self._made.get(key)
        if found is None:
            if len(self._made) > 4096:
                self._made.clear()
                self._cells.clear()
            found = self._made[key] = self._chips(index, text)
        return key, found

    def _task_chip(self, index: Index, text: str) -> chips.Chip:
        due_at = _sibling_value(index, self.columns.get("due_at"))
        if isinstance(due_at, dt.datetime) and due_at.tzinfo is None:
            due_at = due_at.replace(tzinfo=dt.UTC)  # stored as naive UTC
        return chips.task_chip(self._by_label.get(text, text),
                               due_at if isinstance(due_at, dt.datetime) else None,
                               dt.datetime.now(dt.UTC))

    def _chips(self, index: Index, text: str) -> list[chips.Chip]:
        if self.entity == Entity.DEALS:
            correct = _sibling_value(index, self.columns.get("correct")) is not False
            look = self._stage_look(text)
            colour, kind = look or (chips.DEFAULT_STAGE_COLOUR, "open")
            return [chips.stage_chip(text, colour, kind), *chips.deal_chips(correct=correct)]
        status = self._by_label.get(text, text)
        if self.entity == Entity.INVOICES:
            due = _sibling_value(index, self.columns.get("due_date"))
            return [chips.invoice_chip(status, due if isinstance(due, dt.date) else None)]
        if self.entity == Entity.QUOTES:
            return [chips.quote_chip(status)]
        return [chips.lead_chip(status)]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        _paint_background(painter, option)
        key, found = self._keyed(index)
        if not found:
            return
        rect = option.rect.adjusted(CELL_PADDING, 1, -CELL_PADDING, -1)
        device = painter.device()
        ratio = device.devicePixelRatioF() if device is not None else 1.0
        base = option.palette.color(QPalette.ColorRole.Base).rgb()
        cell_key = (key, rect.width(), rect.height(), base, ratio)
        pixmap = self._cells.get(cell_key)
        if pixmap is None:  # the cell's chips drawn once, then blitted
            font, font_key = self._fonts.get(option.font)
            pixmap = QPixmap(round(rect.width() * ratio), round(rect.height() * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            cell_painter = QPainter(pixmap)
            chips.paint_chips(cell_painter, QRect(0, 0, rect.width(), rect.height()), found,
                              option.palette, font, QPalette.ColorRole.Base, font_key)
            cell_painter.end()
            if len(self._cells) > 2048:
                self._cells.clear()
            self._cells[cell_key] = pixmap
        painter.drawPixmap(rect.topLeft(), pixmap)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        font = chips.chip_font(option.font)
        found = self.chips_for(index)
        width = sum(chips.chip_size(c, font).width() + chips.SPACING for c in found)
        return QSize(width + 2 * CELL_PADDING, super().sizeHint(option, index).height())


class PersonDelegate(QStyledItemDelegate):
    """A person's name after their initials avatar."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cells: dict[tuple[str, int, int, int, float], QPixmap] = {}

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        name = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if not name:
            super().paint(painter, option, index)
            return
        selected = _paint_background(painter, option)
        rect = option.rect
        device = painter.device()
        ratio = device.devicePixelRatioF() if device is not None else 1.0
        colour = option.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        key = (name, rect.width(), rect.height(), colour.rgb(), ratio)
        pixmap = self._cells.get(key)
        if pixmap is None:  # face and name drawn once per person, width and colour; then blitted
            pixmap = self._render(name, option, colour, ratio)
            if len(self._cells) > 2048:
                self._cells.clear()
            self._cells[key] = pixmap
        painter.drawPixmap(rect.topLeft(), pixmap)

    @staticmethod
    def _render(name: str, option: QStyleOptionViewItem, colour: QColor, ratio: float) -> QPixmap:
        rect = option.rect
        pixmap = QPixmap(round(rect.width() * ratio), round(rect.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        face = max(12, min(rect.height() - 6, 20))
        paint_avatar(painter, CELL_PADDING, (rect.height() - face) // 2, face, name)
        text_rect = QRect(face + 2 * CELL_PADDING + 2, 0,
                          rect.width() - face - 3 * CELL_PADDING - 2, rect.height())
        painter.setPen(colour)
        painter.setFont(option.font)
        painter.drawText(text_rect, ALIGN_LEFT, option.fontMetrics.elidedText(
            name, Qt.TextElideMode.ElideRight, text_rect.width()))
        painter.end()
        return pixmap

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width() + 24, hint.height())


class PhoneDelegate(QStyledItemDelegate):
    """Phones as people read them, whatever the notation they were typed in."""

    def displayText(self, value: Any, locale: Any) -> str:
        text = str(value or "")
        return display_phone(text) if text else ""


def _read_stage_looks(_progress: Any) -> dict[str, tuple[str, str]]:
    from desktop_crm.services.sales import board, pipelines

    looks: dict[str, tuple[str, str]] = {}
    for pipeline in pipelines.pipelines():
        for column in board.columns(pipeline.id):
            looks.setdefault(column.name, (column.color, column.kind))
    return looks


def install_cell_delegates(table: QTableView, entity: Entity, column_keys: list[str],
                           changed: Any = None) -> list[QObject]:
    """Give ``table`` the delegates its columns want; returns them (kept by the table).
    ``changed``: the application's "entity changed" signal (stage colours are read again after
    a change of the pipelines)."""
    columns = {key: number for number, key in enumerate(column_keys)}
    made: list[QObject] = []
    person = PersonDelegate(table)
    phone = PhoneDelegate(table)
    status_key = "stage" if entity == Entity.DEALS else "status"
    if status_key in columns and (entity == Entity.DEALS or entity in STATUS_TABLE):
        delegate = ChipDelegate(entity, columns, table)
        table.setItemDelegateForColumn(columns[status_key], delegate)
        header = table.horizontalHeader()
        if header.sectionSize(columns[status_key]) < CHIP_COLUMN_WIDTH:  # room for the chip
            header.resizeSection(columns[status_key], CHIP_COLUMN_WIDTH)
        if changed is not None:
            changed.connect(lambda what: delegate.forget_stages() if what == "pipelines" else None)

        made.append(delegate)
    for key, number in columns.items():
        if key in PERSON_COLUMNS:
            table.setItemDelegateForColumn(number, person)
            made.append(person)
        elif key in PHONE_COLUMNS:
            table.setItemDelegateForColumn(number, phone)
            made.append(phone)
    return made
