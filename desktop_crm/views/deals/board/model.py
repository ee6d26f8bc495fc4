"""The cards of one board column: a list model that loads keyset pages as the view scrolls.

The model also carries a card out of its column on a drag (:func:`deal_mime`); the column that
takes the drop reads it back with :func:`read_mime`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from desktop_crm.i18n import _, ngettext
from desktop_crm.i18n.formatting import format_date, format_money
from desktop_crm.ids import DealId, StageId
from desktop_crm.services.sales import board, rules
from desktop_crm.services.sales.board import Card, Cursor

MIME_TYPE = "application/x-desktop-crm-deal"
CARD_ROLE = Qt.ItemDataRole.UserRole + 10

Index = QModelIndex | QPersistentModelIndex


def deal_mime(card: Card) -> QMimeData:
    """The dragged card as JSON: its ids travel as text (a drop may come from another window)."""
    data = QMimeData()
    payload = json.dumps({"deal": str(card.id), "stage": str(card.stage_id), "title": card.title})
    data.setData(MIME_TYPE, QByteArray(payload.encode("utf-8")))
    return data


@dataclass(frozen=True, slots=True)
class DraggedCard:
    deal: DealId
    stage: StageId
    title: str


def read_mime(data: QMimeData) -> DraggedCard | None:
    """The card :func:`deal_mime` carries, its ids typed again; ``None`` for anything else."""
    if not data.hasFormat(MIME_TYPE):
        return None
    try:
        payload = json.loads(bytes(data.data(MIME_TYPE).data()).decode("utf-8"))
        if not isinstance(payload, dict) or not payload.get("deal"):
            return None
        return DraggedCard(DealId(uuid.UUID(payload["deal"])), StageId(uuid.UUID(payload["stage"])),
                           str(payload.get("title", "")))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


class CardModel(QAbstractListModel):
    """The loaded cards of one column; the next page comes when the view scrolls to the end."""

    page_loaded = Signal(int)  # cards now loaded

    def __init__(self, stage_id: StageId, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stage_id = stage_id
        self.query: board.PageQuery | None = None
        self._cards: list[Card] = []
        self._cursor: Cursor | None = None
        self._complete = True
        self._enabled = False

    def reload(self, query: board.PageQuery, enabled: bool = True) -> None:
        self.beginResetModel()
        self.query, self._enabled = query, enabled
        self._cards, self._cursor = [], None
        self._complete = not enabled
        self.endResetModel()
        if enabled:
            self.fetchMore(QModelIndex())

    # Qt model API
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._cards)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._cards):
            return None
        card = self._cards[index.row()]
        if role == CARD_ROLE:
            return card
        if role == Qt.ItemDataRole.DisplayRole:
            return card.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return card_tooltip(card)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{card.title}, {format_money(card.amount, card.currency)}, {card.client}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and self._enabled and not self._complete

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if parent.isValid() or self._complete or self.query is None:
            return
        result = self.query.page(self.stage_id, after=self._cursor)
        loaded = self._ids()
        cards = [c for c in result.cards if c.id not in loaded]
        if cards:
            start = len(self._cards)
            self.beginInsertRows(QModelIndex(), start, start + len(cards) - 1)
            self._cards.extend(cards)
            self.endInsertRows()
        self._cursor = result.cursor
        self._complete = not result.has_more
        self.page_loaded.emit(len(self._cards))

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = [i.row() for i in indexes if i.isValid()]
        return deal_mime(self._cards[rows[0]]) if rows else QMimeData()

    # board API
    def cards(self) -> list[Card]:
        return list(self._cards)

    def _ids(self) -> set[DealId]:
        return {c.id for c in self._cards}

    def is_complete(self) -> bool:
        return self._complete

    def row_of(self, deal_id: DealId) -> int:
        return next((n for n, c in enumerate(self._cards) if c.id == deal_id), -1)

    def card_at(self, row: int) -> Card | None:
        return self._cards[row] if 0 <= row < len(self._cards) else None

    def remove(self, deal_id: DealId) -> Card | None:
        row = self.row_of(deal_id)
        if row < 0:
            return None
        self.beginRemoveRows(QModelIndex(), row, row)
        card = self._cards.pop(row)
        self.endRemoveRows()
        return card

    def place(self, card: Card) -> int:
        """Show a card where its rank puts it (if that is within what is loaded); returns its row."""
        self.remove(card.id)
        position = len(self._cards)
        for number, other in enumerate(self._cards):
            if (card.rank, str(card.key)) < (other.rank, str(other.key)):
                position = number
                break
        if position == len(self._cards) and not self._complete:
            return -1  # beyond the loaded pages: it comes when the user scrolls there
        self.beginInsertRows(QModelIndex(), position, position)
        self._cards.insert(position, card)
        self.endInsertRows()
        return position


def card_tooltip(card: Card) -> str:
    lines = [f"<b>{_html(card.title)}</b>", format_money(card.amount, card.currency)]
    if card.client:
        lines.append(_("Client: {name}").format(name=_html(card.client)))
    if card.responsible:
        lines.append(_("Responsible: {name}").format(name=_html(card.responsible)))
    if card.expected_close_date:
        lines.append(_("Expected close: {date}").format(date=format_date(card.expected_close_date)))
    lines.append(_("Quotes: {quotes}, invoices: {invoices}").format(
        quotes=card.quotes, invoices=card.invoices))
    if card.overdue_tasks:
        lines.append(ngettext("{count} overdue task", "{count} overdue tasks",
                              card.overdue_tasks).format(count=card.overdue_tasks))
    if card.missing:
        lines.append(_("Incorrect deal, missing: {fields}").format(
            fields=_html(rules.field_list(card.missing))))
    elif not card.active:
        lines.append(_("Inactive: no interaction with a detailed comment recently"))
    return "<br>".join(lines)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

