"""One column of the board: a stage's header (name, exact count and sums, collapse, "+") and its
cards; the whole column takes drops of cards from the other columns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import _, ngettext
from desktop_crm.i18n.formatting import format_money
from desktop_crm.services.sales.board import Card, ColumnInfo, ColumnTotals
from desktop_crm.views.deals.board.delegate import COLUMN_WIDTH, CardDelegate
from desktop_crm.views.deals.board.model import CARD_ROLE, CardModel, read_mime

if TYPE_CHECKING:
    from desktop_crm.views.deals.board.view import KanbanView

COLLAPSED_WIDTH = 150


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

    def keyPressEvent(self, event: QKeyEvent) -> None:
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

    def paintEvent(self, event: QPaintEvent) -> None:
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
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        payload = read_mime(event.mimeData())
        if payload and payload.stage != self.info.id:
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
            self._set_highlight(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        payload = read_mime(event.mimeData())
        if payload and payload.stage != self.info.id:
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_highlight(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_highlight(False)
        payload = read_mime(event.mimeData())
        if not payload or payload.stage == self.info.id:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        self.board.request_move(payload.deal, payload.title, self.info.id)

    def _set_highlight(self, on: bool) -> None:
        # Painted over the frame, not a style sheet: setting one re-polishes the column and all
        # its children, and a drop would wait for that relayout before its repaint.
        if on != self._drop_highlight:
            self._drop_highlight = on
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._drop_highlight:
            painter = QPainter(self)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor(self.info.color), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(self.rect().adjusted(1, 1, -1, -1), 4, 4)
            painter.end()


