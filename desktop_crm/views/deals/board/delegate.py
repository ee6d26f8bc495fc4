"""How a card looks: title, amount and close date, client, responsible and documents, markers.

A card is drawn once into a pixmap (kept in a small cache per column); repaints and scrolling
only blit it, which keeps a column of thousands of cards smooth.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_date, format_money
from desktop_crm.services.sales.board import Card, ColumnInfo
from desktop_crm.views.deals.board.model import CARD_ROLE, Index

COLUMN_WIDTH = 272
CARD_LINES = 5
PIXMAP_CACHE = 32  # rendered cards kept per column (about 110 kB each)


class CardDelegate(QStyledItemDelegate):
    """Paints a card: title, amount and close date, client, responsible and documents, markers."""

    def __init__(self, column: ColumnInfo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.column = column
        self._cache: OrderedDict[tuple[Any, ...], QPixmap] = OrderedDict()
        self._font_sets: dict[str, tuple[QFont, QFont, QFont]] = {}
        self._metrics: dict[str, QFontMetrics] = {}

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
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

