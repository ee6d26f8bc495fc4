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

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QPainter, QPalette
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


def _paint_background(painter: QPainter, option: QStyleOptionViewItem) -> bool:
    """The cell's background as the view asks for it: the selection, or an alternate row (the
    view's own base shows elsewhere); whether the cell is selected. Painted directly: asking the
    style would ask the model for every role of the cell again."""
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    if selected:
        group = (QPalette.ColorGroup.Active if option.state & QStyle.StateFlag.State_Active
                 else QPalette.ColorGroup.Inactive)
        painter.fillRect(option.rect, option.palette.brush(group, QPalette.ColorRole.Highlight))
    elif option.features & QStyleOptionViewItem.ViewItemFeature.Alternate:
        painter.fillRect(option.rect, option.palette.brush(QPalette.ColorRole.AlternateBase))
    return selected


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
        self._fonts = chips.FontCache()

    def forget_stages(self) -> None:
        self._stages = None
        self._made.clear()
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
        table = self.parent()
        if isinstance(table, QTableView):
            table.viewport().update()

    def chips_for(self, index: Index) -> list[chips.Chip]:
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if not text:
            return []
        if self.entity in (Entity.QUOTES, Entity.LEADS):  # the status alone decides: cached
            found = self._made.get(text)
            if found is None:
                found = self._made[text] = self._chips(index, text)
            return found
        return self._chips(index, text)

    def _chips(self, index: Index, text: str) -> list[chips.Chip]:
        if self.entity == Entity.DEALS:
            correct = _sibling_value(index, self.columns.get("correct")) is not False
            key = f"{text}\0{correct}"
            found = self._made.get(key)
            if found is None:
                look = self._stage_look(text)
                colour, kind = look or (chips.DEFAULT_STAGE_COLOUR, "open")
                found = [chips.stage_chip(text, colour, kind), *chips.deal_chips(correct=correct)]
                if look is not None:
                    self._made[key] = found
            return found
        status = self._by_label.get(text, text)
        if self.entity == Entity.INVOICES:
            due = _sibling_value(index, self.columns.get("due_date"))
            due = due if isinstance(due, dt.date) else None
            today = dt.date.today()
            key = f"{text}\0{due}\0{today}"
            found = self._made.get(key)
            if found is None:
                if len(self._made) > 4096:
                    self._made.clear()
                found = self._made[key] = [chips.invoice_chip(status, due, today)]
            return found
        if self.entity == Entity.TASKS:
            due_at = _sibling_value(index, self.columns.get("due_at"))
            if isinstance(due_at, dt.datetime) and due_at.tzinfo is None:
                due_at = due_at.replace(tzinfo=dt.UTC)  # stored as naive UTC
            return [chips.task_chip(status, due_at if isinstance(due_at, dt.datetime) else None,
                                    dt.datetime.now(dt.UTC))]
        if self.entity == Entity.QUOTES:
            return [chips.quote_chip(status)]
        return [chips.lead_chip(status)]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        _paint_background(painter, option)
        rect = option.rect.adjusted(CELL_PADDING, 1, -CELL_PADDING, -1)
        font, key = self._fonts.get(option.font)
        chips.paint_chips(painter, rect, self.chips_for(index), option.palette, font,
                          QPalette.ColorRole.Base, key)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        font = chips.chip_font(option.font)
        found = self.chips_for(index)
        width = sum(chips.chip_size(c, font).width() + chips.SPACING for c in found)
        return QSize(width + 2 * CELL_PADDING, super().sizeHint(option, index).height())


class PersonDelegate(QStyledItemDelegate):
    """A person's name after their initials avatar."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._elided: dict[tuple[str, int], str] = {}

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        name = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if not name:
            super().paint(painter, option, index)
            return
        selected = _paint_background(painter, option)
        face = max(12, min(option.rect.height() - 6, 20))
        paint_avatar(painter, option.rect.x() + CELL_PADDING,
                     option.rect.y() + (option.rect.height() - face) // 2, face, name)
        text_rect = option.rect.adjusted(face + 2 * CELL_PADDING + 2, 0, -CELL_PADDING, 0)
        key = (name, text_rect.width())
        shown = self._elided.get(key)
        if shown is None:
            if len(self._elided) > 4096:
                self._elided.clear()
            shown = self._elided[key] = option.fontMetrics.elidedText(
                name, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.setPen(option.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        painter.setFont(option.font)
        painter.drawText(text_rect, ALIGN_LEFT, shown)

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
        if entity == Entity.DEALS:
            delegate.forget_stages()  # starts reading the stage colours beside the first rows
        made.append(delegate)
    for key, number in columns.items():
        if key in PERSON_COLUMNS:
            table.setItemDelegateForColumn(number, person)
            made.append(person)
        elif key in PHONE_COLUMNS:
            table.setItemDelegateForColumn(number, phone)
            made.append(phone)
    return made
