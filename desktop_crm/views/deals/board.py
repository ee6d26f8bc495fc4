"""The deals kanban board (Deals → Board): one column per stage of the chosen pipeline.

* Column headers show the exact number of deals and their sum per currency, from SQL
  (``services.board.column_totals``), refreshed after every move, create and filter change.
* Each column is a list view over a :class:`CardModel` that loads keyset pages of cards as you
  scroll (``canFetchMore``/``fetchMore``); no column ever loads all its deals.
* Won and lost columns collapse to their header (the state is remembered per stage).
* Drag a card onto another column, or use "Move to stage" (Ctrl+M, right-click) or Alt+←/→:
  the stage rules run (``views.deals.moves``); a refusal explains why and the card stays.
  Ctrl+Z undoes the last move while the rules allow.
* Enter or double-click opens the deal card; "+" in a header (or Ctrl+N: the first column)
  creates a deal in that column with just a title.
* The filter bar is the deals list's (text, responsible, my deals, product group,
  active/inactive) with the same saved filters; the pipeline switcher picks the board.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListView,
    QMenu,
    QScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _, ngettext
from desktop_crm.i18n.formatting import format_date, format_money
from desktop_crm.services.listing import preferences
from desktop_crm.services.listing.lists import ListFilter
from desktop_crm.services.sales import board, rules
from desktop_crm.services.sales.board import BoardMove, Card, ColumnInfo, ColumnTotals, Cursor
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.context import AppContext
from desktop_crm.views.deals.moves import request_move
from desktop_crm.views.lists.filter_bar import FilterBar
from desktop_crm.workers import Progress, run_in_background

MIME_TYPE = "application/x-desktop-crm-deal"
CARD_ROLE = Qt.ItemDataRole.UserRole + 10
COLUMN_WIDTH = 272
COLLAPSED_WIDTH = 150
CARD_LINES = 5
PIXMAP_CACHE = 32  # rendered cards kept per column (about 110 kB each)

Index = QModelIndex | QPersistentModelIndex


def deal_mime(card: Card) -> QMimeData:
    data = QMimeData()
    payload = json.dumps({"deal": card.id, "stage": card.stage_id, "title": card.title})
    data.setData(MIME_TYPE, QByteArray(payload.encode("utf-8")))
    return data


def read_mime(data: QMimeData) -> dict[str, str] | None:
    if not data.hasFormat(MIME_TYPE):
        return None
    try:
        payload = json.loads(bytes(data.data(MIME_TYPE).data()).decode("utf-8"))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) and payload.get("deal") else None


# --- the cards of one column --------------------------------------------------------------------


class CardModel(QAbstractListModel):
    """The loaded cards of one column; the next page comes when the view scrolls to the end."""

    page_loaded = Signal(int)  # cards now loaded

    def __init__(self, stage_id: str, parent: Any = None) -> None:
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
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
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

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self._enabled and not self._complete

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or self._complete or self.query is None:
            return
        result = self.query.page(self.stage_id, after=self._cursor)
        cards = [c for c in result.cards if c.id not in self._ids()]
        if cards:
            start = len(self._cards)
            self.beginInsertRows(QModelIndex(), start, start + len(cards) - 1)
            self._cards.extend(cards)
            self.endInsertRows()
        self._cursor = result.cursor
        self._complete = not result.has_more
        self.page_loaded.emit(len(self._cards))

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [MIME_TYPE]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # noqa: N802
        rows = [i.row() for i in indexes if i.isValid()]
        return deal_mime(self._cards[rows[0]]) if rows else QMimeData()

    # board API
    def cards(self) -> list[Card]:
        return list(self._cards)

    def _ids(self) -> set[str]:
        return {c.id for c in self._cards}

    def is_complete(self) -> bool:
        return self._complete

    def row_of(self, deal_id: str) -> int:
        return next((n for n, c in enumerate(self._cards) if c.id == deal_id), -1)

    def card_at(self, row: int) -> Card | None:
        return self._cards[row] if 0 <= row < len(self._cards) else None

    def remove(self, deal_id: str) -> Card | None:
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


class CardDelegate(QStyledItemDelegate):
    """Paints a card: title, amount and close date, client, responsible and documents, markers."""

    def __init__(self, column: ColumnInfo, parent: Any = None) -> None:
        super().__init__(parent)
        self.column = column
        self._cache: OrderedDict[tuple[Any, ...], QPixmap] = OrderedDict()
        self._font_sets: dict[str, tuple[QFont, QFont, QFont]] = {}
        self._metrics: dict[str, QFontMetrics] = {}

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        line = option.fontMetrics.height()
        return QSize(COLUMN_WIDTH - 24, CARD_LINES * (line + 3) + 22)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        card = index.data(CARD_ROLE)
        if not isinstance(card, Card):
            return
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        key = (card, option.rect.width(), option.rect.height(), selected, focused, ratio)
        pixmap = self._cache.get(key)
        if pixmap is None:
            pixmap = self._render(card, option, selected, focused, ratio)
            self._cache[key] = pixmap
            if len(self._cache) > PIXMAP_CACHE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        painter.drawPixmap(option.rect.topLeft(), pixmap)

    def clear_cache(self) -> None:
        self._cache.clear()

    def _fonts(self, font: QFont) -> tuple[QFont, QFont, QFont]:
        """The card's fonts (text, bold, small markers), made once per view font with metrics."""
        key = font.key()
        if key not in self._font_sets:
            base = QFont(font)
            bold = QFont(base)
            bold.setBold(True)
            small = QFont(base)
            small.setPointSizeF(max(6.5, base.pointSizeF() * 0.85))
            for made in (base, bold, small):
                self._metrics[made.key()] = QFontMetrics(made)
            self._font_sets[key] = (base, bold, small)
        return self._font_sets[key]

    def _render(self, card: Card, option: QStyleOptionViewItem, selected: bool, focused: bool,
                ratio: float) -> QPixmap:
        """The card drawn once (texts formatted once); repaints and scrolling only blit it."""
        size = option.rect.size()
        pixmap = QPixmap(size * ratio)
        pixmap.setDevicePixelRatio(ratio)
        palette = option.palette
        pixmap.fill(palette.color(QPalette.ColorRole.Window))  # opaque: blits without blending
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRect(QPoint(0, 0), size).adjusted(4, 4, -4, -4)
        border = palette.color(QPalette.ColorRole.Highlight) if selected else palette.color(
            QPalette.ColorRole.Mid)
        painter.setPen(QPen(border, 2 if selected or focused else 1))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(rect, 5, 5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(self.column.color))
        painter.drawRoundedRect(QRect(rect.left(), rect.top(), 4, rect.height()), 2, 2)

        inner = rect.adjusted(12, 6, -8, -6)
        base_font, bold, small = self._fonts(option.font)
        metrics, bold_metrics, small_metrics = (self._metrics[f.key()] for f in (base_font, bold, small))
        step = metrics.height() + 3
        text_color = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        left_align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        right_align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

        def text(value: str, font: QFont, color: QColor, left: int, top: int, width: int,
                 align: Qt.AlignmentFlag = left_align) -> None:
            painter.setFont(font)
            painter.setPen(color)
            elided = (bold_metrics if font is bold else metrics).elidedText(
                value, Qt.TextElideMode.ElideRight, width)
            painter.drawText(QRect(left, top, width, step), align, elided)

        y = inner.top()
        # 1. title
        text(card.title, bold, text_color, inner.left(), y, inner.width())
        y += step
        # 2. amount | expected close date (red when past for an open deal)
        close = format_date(card.expected_close_date) if card.expected_close_date else ""
        close_width = metrics.horizontalAdvance(close) + 4 if close else 0
        text(format_money(card.amount, card.currency), bold, text_color, inner.left(), y,
             inner.width() - close_width)
        if close:
            late = (not self.column.is_final and card.expected_close_date is not None
                    and card.expected_close_date < dt.date.today())
            text(close, base_font, QColor("#c0392b") if late else muted,
                 inner.right() - close_width, y, close_width, right_align)
        y += step
        # 3. client
        text(card.client or "—", base_font, text_color, inner.left(), y, inner.width())
        y += step
        # 4. responsible | documents
        documents = []
        if card.quotes:
            documents.append(_("Quotes: {count}").format(count=card.quotes))
        if card.invoices:
            documents.append(_("Invoices: {count}").format(count=card.invoices))
        docs = " · ".join(documents)
        docs_width = min(metrics.horizontalAdvance(docs) + 6, inner.width() // 2) if docs else 0
        text(card.responsible, base_font, muted, inner.left(), y, inner.width() - docs_width)
        if docs:
            text(docs, base_font, muted, inner.right() - docs_width, y, docs_width, right_align)
        y += step
        # 5. markers
        painter.setFont(small)
        x = inner.left()
        for label, color in self.markers(card):
            width = small_metrics.horizontalAdvance(label) + 10
            if x + width > inner.right():
                break
            pill = QRect(x, y + 2, width, step - 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(color))
            painter.drawRoundedRect(pill, 4, 4)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
            x += width + 4
        painter.end()
        return pixmap

    def markers(self, card: Card) -> list[tuple[str, str]]:
        found = []
        if card.overdue_tasks:
            found.append((_("Overdue task"), "#c0392b"))
        if not card.correct:
            found.append((_("Incorrect"), "#d35400"))
        elif not card.active and not self.column.is_final:
            found.append((_("Inactive"), "#7f8c8d"))
        return found


class CardList(QListView):
    """A column's cards: drags cards out (drops are taken by the column), keyboard navigation."""

    def __init__(self, column: BoardColumn) -> None:
        super().__init__(column)
        self.column = column
        self.setObjectName("board_cards")
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Window)  # cards stand out in Base
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.doubleClicked.connect(lambda index: column.board.open_card(index.data(CARD_ROLE)))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        card = self.current_card()
        key, modifiers = event.key(), event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and card is not None:
            self.column.board.open_card(card)
            return
        if modifiers & Qt.KeyboardModifier.AltModifier and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            if card is not None:
                self.column.board.move_to_neighbour(card, -1 if key == Qt.Key.Key_Left else 1)
            return
        if not modifiers and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.column.board.focus_neighbour(self.column, -1 if key == Qt.Key.Key_Left else 1)
            return
        super().keyPressEvent(event)

    def current_card(self) -> Card | None:
        index = self.currentIndex()
        card = index.data(CARD_ROLE) if index.isValid() else None
        return card if isinstance(card, Card) else None

    def _menu(self, point: QPoint) -> None:
        index = self.indexAt(point)
        if not index.isValid():
            return
        self.setCurrentIndex(index)
        menu = self.column.board.card_menu(index.data(CARD_ROLE))
        menu.popup(self.viewport().mapToGlobal(point))


class ColorStrip(QWidget):
    """The stage's colour above a column's name."""

    def __init__(self, color: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color = QColor(color)
        self.setFixedHeight(4)

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.color)
        painter.drawRoundedRect(self.rect(), 2, 2)
        painter.end()


class BoardColumn(QFrame):
    """A stage: header (name, count, sums; collapse for won/lost; "+" to create) and its cards."""

    def __init__(self, board_view: KanbanView, info: ColumnInfo, collapsed: bool) -> None:
        super().__init__(board_view.columns_host)
        self.board = board_view
        self.info = info
        self.totals = ColumnTotals()
        self.counting = False
        self.collapsed = collapsed and info.is_final
        self.setObjectName(f"board_column_{info.id}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAcceptDrops(True)
        self._drop_highlight = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)

        header = QWidget(self)
        header.setObjectName("board_column_header")
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(6, 4, 4, 4)
        header_layout.setSpacing(1)
        strip = ColorStrip(info.color, header)  # painted: a style sheet per column is slow to polish
        header_layout.addWidget(strip)
        top = QHBoxLayout()
        top.setSpacing(2)
        self.name_label = QLabel(header)
        self.name_label.setObjectName("column_name")
        font = self.name_label.font()
        font.setBold(True)
        self.name_label.setFont(font)

        self.name_label.setToolTip(info.name)
        top.addWidget(self.name_label, 1)
        self.collapse_button = QToolButton(header)
        self.collapse_button.setObjectName("column_collapse")
        self.collapse_button.setAutoRaise(True)
        self.collapse_button.setVisible(info.is_final)
        self.collapse_button.clicked.connect(lambda: self.set_collapsed(not self.collapsed))
        top.addWidget(self.collapse_button)
        self.add_button = QToolButton(header)
        self.add_button.setObjectName("column_add")
        self.add_button.setText("+")
        self.add_button.setAutoRaise(True)
        self.add_button.setToolTip(_("New deal in “{stage}”").format(stage=info.name))
        self.add_button.setVisible(not info.is_final)
        self.add_button.clicked.connect(lambda: board_view.quick_create(self))
        top.addWidget(self.add_button)
        header_layout.addLayout(top)
        self.count_label = QLabel(header)
        self.count_label.setObjectName("column_count")
        header_layout.addWidget(self.count_label)
        self.sum_label = QLabel(header)
        self.sum_label.setObjectName("column_sum")
        for label in (self.count_label, self.sum_label):  # fixed: new totals never relayout cards
            label.setFixedHeight(label.fontMetrics().height() + 2)
        header_layout.addWidget(self.sum_label)
        layout.addWidget(header)

        self.model = CardModel(info.id, self)
        self.view = CardList(self)
        self.view.setModel(self.model)
        self.view.setItemDelegate(CardDelegate(info, self.view))
        layout.addWidget(self.view, 1)
        self.collapsed_hint = QLabel(_("Collapsed: click ▸ to show the deals"), self)
        self.collapsed_hint.setObjectName("column_collapsed_hint")
        self.collapsed_hint.setWordWrap(True)
        self.collapsed_hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.collapsed_hint, 1)
        self._apply_collapsed()

    # state
    def set_collapsed(self, collapsed: bool) -> None:
        if not self.info.is_final or collapsed == self.collapsed:
            return
        self.collapsed = collapsed
        self.board.remember_collapsed(self.info.id, collapsed)
        self._apply_collapsed()
        if not collapsed:
            self.load()

    def _apply_collapsed(self) -> None:
        width = COLLAPSED_WIDTH if self.collapsed else COLUMN_WIDTH
        self.setFixedWidth(width)
        self.name_label.setText(QFontMetrics(self.name_label.font()).elidedText(
            self.info.name, Qt.TextElideMode.ElideRight, width - 64))
        self.view.setVisible(not self.collapsed)
        self.collapsed_hint.setVisible(self.collapsed)
        self.collapse_button.setText("▸" if self.collapsed else "◂")
        self.collapse_button.setToolTip(_("Show the deals") if self.collapsed
                                        else _("Collapse the column"))

    def load(self) -> None:
        self.model.reload(self.board.page_query(), enabled=not self.collapsed)

    def show_counting(self) -> None:
        self.counting = True
        self.count_label.setText(_("Counting…"))
        self.sum_label.setText("")

    def set_totals(self, totals: ColumnTotals) -> None:
        self.counting = False
        self.totals = totals
        self.count_label.setText(
            ngettext("{count} deal", "{count} deals", totals.count).format(
                count=f"{totals.count:,}".replace(",", "\u202f"))
        )
        sums = [format_money(amount, currency) for currency, amount in totals.sums]
        text = " · ".join(sums) if sums else "—"
        width = (COLLAPSED_WIDTH if self.collapsed else COLUMN_WIDTH) - 24
        self.sum_label.setText(self.sum_label.fontMetrics().elidedText(
            text, Qt.TextElideMode.ElideRight, width))
        self.sum_label.setToolTip("\n".join(sums))

    # drops (the list only drags; the whole column takes drops, collapsed or not)
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        payload = read_mime(event.mimeData())
        if payload and payload.get("stage") != self.info.id:
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
            self._set_highlight(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        payload = read_mime(event.mimeData())
        if payload and payload.get("stage") != self.info.id:
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self._set_highlight(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        self._set_highlight(False)
        payload = read_mime(event.mimeData())
        if not payload or payload.get("stage") == self.info.id:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        self.board.request_move(payload["deal"], payload.get("title", ""), self.info.id)

    def _set_highlight(self, on: bool) -> None:
        # Painted over the frame, not a style sheet: setting one re-polishes the column and all
        # its children, and a drop would wait for that relayout before its repaint.
        if on != self._drop_highlight:
            self._drop_highlight = on
            self.update()

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self._drop_highlight:
            painter = QPainter(self)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor(self.info.color), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(self.rect().adjusted(1, 1, -1, -1), 4, 4)
            painter.end()


# --- undo ---------------------------------------------------------------------------------------


class MoveCommand(QUndoCommand):
    """A committed move; undo asks the rules to take it back (refused once the deal moved on)."""

    def __init__(self, view: KanbanView, move: BoardMove, title: str) -> None:
        super().__init__(_("Move “{title}”").format(title=title))
        self.view, self.move, self.title = view, move, title
        self._first = True

    def undo(self) -> None:
        try:
            board.undo(self.move, self.view.context.user.id)
        except CrmError as error:
            self.setObsolete(True)
            show_error(self.view, error.message)
            self.view.reload()
            return
        self.view.after_move(self.move.to_stage_id, self.move.from_stage_id, self.move.deal_id)
        self.view.context.show_status(_("Move undone: “{title}”").format(title=self.title))

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        try:
            self.move = board.move(self.move.deal_id, self.move.to_stage_id,
                                   self.view.context.user.id, self.move.lost_reason or None,
                                   self.move.comment)
        except CrmError as error:
            self.setObsolete(True)
            show_error(self.view, error.message)
            self.view.reload()
            return
        self.view.after_move(self.move.from_stage_id, self.move.to_stage_id, self.move.deal_id)


# --- the board ----------------------------------------------------------------------------------


class KanbanView(QWidget):
    """Deals → Board."""

    moved = Signal(str, str)  # deal id, stage id (after the move is committed and shown)
    totals_loaded = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.user_id = str(context.user.id)
        self.setObjectName("kanban")
        self.undo_stack = QUndoStack(self)
        self.columns: list[BoardColumn] = []
        self._own_change = False
        self._totals_generation = 0
        self._page_query: board.PageQuery | None = None
        self._totals_jobs: list[Any] = []
        state = preferences.list_state("deals", self.user_id)
        saved = state.get("board") or {}
        self._filter = board.board_filter(ListFilter.from_dict(saved.get("filter")))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        top = QToolBar(self)
        top.setObjectName("board_toolbar")
        top.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        pipeline_label = QLabel(_("Pipeline:"), top)
        pipeline_label.setContentsMargins(8, 0, 4, 0)
        top.addWidget(pipeline_label)
        self.pipeline = QComboBox(top)
        self.pipeline.setObjectName("board_pipeline")
        self.pipeline.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        top.addWidget(self.pipeline)
        top.addSeparator()
        layout.addWidget(top)
        self.toolbar = top

        spec = board_spec()
        self.filter_bar = FilterBar(spec, self.user_id, self)
        self.filter_bar.set_filter(self._filter, emit=False)
        self.filter_bar.changed.connect(self.apply_filter)
        layout.addWidget(self.filter_bar)

        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("board_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.columns_host = QWidget(self.scroll)
        self.columns_host.setObjectName("board_columns")
        self.columns_layout = QHBoxLayout(self.columns_host)
        self.columns_layout.setContentsMargins(6, 6, 6, 6)
        self.columns_layout.setSpacing(6)
        self.columns_layout.addStretch(1)
        self.scroll.setWidget(self.columns_host)
        layout.addWidget(self.scroll, 1)
        self.empty_label = QLabel(_("This pipeline has no stages yet."), self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setVisible(False)
        layout.addWidget(self.empty_label)

        self._build_actions()
        for info in board.pipelines():
            self.pipeline.addItem(info.name, info.id)
        chosen = self.context.settings.value("board/pipeline") or board.default_pipeline()
        index = self.pipeline.findData(chosen)
        self.pipeline.setCurrentIndex(max(index, 0))
        self.pipeline.currentIndexChanged.connect(lambda _i: self.switch_pipeline())
        context.signals.changed.connect(self._changed_elsewhere)
        self.switch_pipeline()

    def _build_actions(self) -> None:
        def action(name: str, text: str, slot: Any, shortcut: Any) -> QAction:
            act = QAction(text, self)
            act.setObjectName(name)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.undo_action = self.undo_stack.createUndoAction(self, _("Undo"))
        self.undo_action.setObjectName("board_undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.undo_action)
        self.redo_action = self.undo_stack.createRedoAction(self, _("Redo"))
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.redo_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.redo_action)
        self.move_action = action("board_move", _("Move to stage…"), self.move_menu_for_current,
                                  "Ctrl+M")
        self.open_action = action("board_open", _("Open"), self.open_current, "Ctrl+O")
        self.toolbar.addAction(self.undo_action)
        self.toolbar.addAction(self.move_action)

    # --- section protocol -----------------------------------------------------------------------
    def create_new(self) -> None:
        column = self.current_column() or next(
            (c for c in self.columns if not c.info.is_final), None)
        if column is not None:
            self.quick_create(column)

    def can_create_new(self) -> bool:
        return any(not c.info.is_final for c in self.columns)

    def activated(self) -> None:
        column = self.current_column() or (self.columns[0] if self.columns else None)
        if column is not None and column.view.isVisible():
            column.view.setFocus()

    def reload(self) -> None:
        self._page_query = None  # settings (inactivity days) may have changed too
        for column in self.columns:
            column.load()
        self.refresh_totals()

    def save_state(self) -> None:
        preferences.save_list_state("deals", self.user_id,
                                    board={"filter": self._filter.to_dict()})

    # --- pipeline and columns -----------------------------------------------------------------
    def pipeline_id(self) -> str | None:
        value = self.pipeline.currentData()
        return str(value) if value else None

    def filter(self) -> ListFilter:
        return self._filter

    def page_query(self) -> board.PageQuery:
        """The compiled page statement of the current filter (shared by the columns)."""
        if self._page_query is None:
            self._page_query = board.PageQuery(self._filter, self.user_id)
        return self._page_query

    def switch_pipeline(self) -> None:
        pipeline_id = self.pipeline_id()
        if pipeline_id:
            self.context.settings.setValue("board/pipeline", pipeline_id)
        for column in self.columns:
            self.columns_layout.removeWidget(column)
            column.hide()  # at once: deleteLater waits for the event loop, and a hidden widget
            column.deleteLater()  # is neither laid out nor painted meanwhile
        self.columns = []
        infos = board.columns(pipeline_id) if pipeline_id else []
        for position, info in enumerate(infos):
            collapsed = self.context.settings.value(f"board/collapsed/{info.id}", None)
            collapsed = info.is_final if collapsed is None else str(collapsed) in ("true", "1")
            column = BoardColumn(self, info, collapsed)
            self.columns_layout.insertWidget(position, column)
            self.columns.append(column)
        self.empty_label.setVisible(not infos)
        self.scroll.setVisible(bool(infos))
        self.undo_stack.clear()
        self.reload()

    def remember_collapsed(self, stage_id: str, collapsed: bool) -> None:
        self.context.settings.setValue(f"board/collapsed/{stage_id}", collapsed)
        if not collapsed:
            self.refresh_totals([stage_id])

    def column(self, stage_id: str) -> BoardColumn | None:
        return next((c for c in self.columns if c.info.id == stage_id), None)

    def current_column(self) -> BoardColumn | None:
        focus = self.focusWidget()
        return next((c for c in self.columns if c.view is focus), None)

    def refresh_totals(self, stage_ids: list[str] | None = None) -> None:
        """Exact counts and sums from SQL, computed off the GUI thread (big columns take a while)."""
        pipeline_id = self.pipeline_id()
        if not pipeline_id or not self.columns:
            return
        if stage_ids is None:
            self._totals_generation += 1
            for column in self.columns:
                column.show_counting()
        generation = self._totals_generation
        flt, user_id = self._filter, self.user_id
        wanted = list(stage_ids) if stage_ids is not None else [c.info.id for c in self.columns]
        # Open columns first (what the salesperson works on), then the big won/lost ones.
        final = {c.info.id for c in self.columns if c.info.is_final}
        batches = [[s for s in wanted if s not in final], [s for s in wanted if s in final]]
        self._totals_jobs = [j for j in self._totals_jobs if not j.is_done]
        for batch in (b for b in batches if b):
            self._totals_jobs.append(self._count(pipeline_id, flt, user_id, batch, generation))

    def _count(self, pipeline_id: str, flt: ListFilter, user_id: str, stage_ids: list[str],
               generation: int) -> Any:
        def work(_progress: Progress) -> dict[str, ColumnTotals]:
            return board.column_totals(pipeline_id, flt, user_id, stage_ids)

        def done(totals: dict[str, ColumnTotals]) -> None:
            if not isValid(self) or not isValid(self.pipeline):
                return  # the board was closed while counting
            if generation != self._totals_generation or pipeline_id != self.pipeline_id():
                return  # the filter or pipeline changed meanwhile: a newer count is coming
            for column in self.columns:
                if column.info.id in totals:
                    column.set_totals(totals[column.info.id])
            if not any(c.counting for c in self.columns):
                self.totals_loaded.emit()

        def failed(error: BaseException) -> None:
            if isinstance(error, CrmError):
                self.context.show_status(error.message)
            else:
                raise error

        return run_in_background(work, on_result=done, on_error=failed, name="board totals")

    def counting(self) -> bool:
        """Are column totals still being counted in the background?"""
        return any(not job.is_done for job in self._totals_jobs)

    def cancel_background(self) -> None:
        for job in self._totals_jobs:
            job.cancel()
        self._totals_jobs = []

    def apply_filter(self, flt: ListFilter) -> None:
        self._filter = board.board_filter(flt)
        self._page_query = None
        self.reload()
        self.save_state()

    # --- cards --------------------------------------------------------------------------------
    def open_card(self, card: Any) -> None:
        if isinstance(card, Card):
            self.context.open_record("deals", card.id, self)

    def open_current(self) -> None:
        column = self.current_column()
        if column is not None:
            self.open_card(column.view.current_card())

    def focus_neighbour(self, column: BoardColumn, step: int) -> None:
        visible = [c for c in self.columns if not c.collapsed]
        if column not in visible:
            return
        position = visible.index(column) + step
        if 0 <= position < len(visible):
            target = visible[position]
            target.view.setFocus()
            if not target.view.currentIndex().isValid() and target.model.rowCount():
                target.view.setCurrentIndex(target.model.index(0))
            self.scroll.ensureWidgetVisible(target)

    def card_menu(self, card: Any) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("card_menu")
        if not isinstance(card, Card):
            return menu
        open_action = menu.addAction(_("Open"))
        open_action.triggered.connect(lambda: self.open_card(card))
        menu.addMenu(self.move_menu(card))
        return menu

    def move_menu(self, card: Card) -> QMenu:
        """"Move to stage": every other column of the pipeline (the keyboard way to drag)."""
        menu = QMenu(_("Move to stage"), self)
        menu.setObjectName("move_menu")
        for column in self.columns:
            act = menu.addAction(column.info.name)
            act.setData(column.info.id)
            act.setEnabled(column.info.id != card.stage_id)
            act.triggered.connect(
                lambda _c=False, stage=column.info.id: self.request_move(card.id, card.title, stage)
            )
        return menu

    def move_menu_for_current(self) -> None:
        column = self.current_column()
        card = column.view.current_card() if column else None
        if column is None or card is None:
            self.context.show_status(_("Select a card first."))
            return
        rect = column.view.visualRect(column.view.currentIndex())
        self.move_menu(card).popup(column.view.viewport().mapToGlobal(rect.center()))

    def move_to_neighbour(self, card: Card, step: int) -> None:
        ids = [c.info.id for c in self.columns]
        if card.stage_id not in ids:
            return
        position = ids.index(card.stage_id) + step
        if 0 <= position < len(ids):
            self.request_move(card.id, card.title, ids[position])

    # --- moves --------------------------------------------------------------------------------
    def request_move(self, deal_id: str, title: str, stage_id: str) -> None:
        def moved(move: BoardMove) -> None:
            self.undo_stack.push(MoveCommand(self, move, title))
            self.after_move(move.from_stage_id, move.to_stage_id, move.deal_id)
            target = self.column(move.to_stage_id)
            self.context.show_status(
                _("“{title}” moved to “{stage}”. Ctrl+Z undoes.").format(
                    title=title, stage=target.info.name if target else "")
            )

        target = self.column(stage_id)
        kind = target.info.kind if target is not None else "open"
        request_move(self, self.context, deal_id, title, stage_id, kind, moved)

    def after_move(self, from_stage: str, to_stage: str, deal_id: str) -> None:
        """Show a committed move: the card leaves one column and lands in the other."""
        source, target = self.column(from_stage), self.column(to_stage)
        removed = source.model.remove(deal_id) if source is not None else None
        card = board.card(deal_id)
        moved_card = card or removed
        if moved_card is not None:  # show the new totals at once; SQL confirms them just after
            if source is not None:
                source.set_totals(source.totals.plus(-1, moved_card.currency, -moved_card.amount))
            if target is not None:
                target.set_totals(target.totals.plus(1, moved_card.currency, moved_card.amount))
        if target is not None and card is not None and not target.collapsed and (
                self._filter.is_empty() or board.matches(deal_id, self._filter, self.user_id)):
            row = target.model.place(card)
            if row >= 0 and self.focusWidget() in (source.view if source else None, None,
                                                   target.view):
                target.view.setCurrentIndex(target.model.index(row))
        self.refresh_totals([s for s in (from_stage, to_stage) if s])
        self._own_change = True
        try:
            self.context.notify_changed("deals")
            self.context.notify_changed("tasks")
        finally:
            self._own_change = False
        self.moved.emit(deal_id, to_stage)

    def quick_create(self, column: BoardColumn) -> None:
        dialog = QInputDialog(self)
        dialog.setObjectName("quick_create")
        dialog.setWindowTitle(_("New deal"))
        dialog.setLabelText(_("Title of the new deal in “{stage}”:").format(stage=column.info.name))
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(lambda text: self.create_in(column.info.id, text))
        dialog.open()

    def create_in(self, stage_id: str, title: str) -> Card | None:
        if not title.strip():
            return None
        try:
            card = board.quick_create(title, stage_id, self.context.user.id)
        except CrmError as error:
            show_error(self, error.message)
            return None
        column = self.column(stage_id)
        if column is not None and board.matches(card.id, self._filter, self.user_id):
            row = column.model.place(card)
            if row >= 0:
                column.view.setCurrentIndex(column.model.index(row))
                column.view.scrollTo(column.model.index(row))
        self.refresh_totals([stage_id])
        self._own_change = True
        try:
            self.context.notify_changed("deals")
        finally:
            self._own_change = False
        self.context.show_status(_("Deal “{title}” created.").format(title=card.title))
        return card

    def _changed_elsewhere(self, entity: str) -> None:
        if entity == "deals" and not self._own_change:
            self.undo_stack.clear()  # a card save or bulk action: old moves may no longer apply
            self.reload()


def board_spec() -> Any:
    """The deals list's spec with only the filters the board offers (same saved filters)."""
    from desktop_crm.services.listing import lists

    return replace(lists.spec("deals"), filters=board.BOARD_FILTERS)


def make_board(context: AppContext, parent: QWidget | None) -> QWidget:
    return KanbanView(context, parent)
