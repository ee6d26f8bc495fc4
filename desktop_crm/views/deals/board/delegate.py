"""How a card looks: the title on two lines, amount and close date, client, the responsible's
face and name, documents, and the deal's marks as chips.

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
from desktop_crm.views.common import chips, icons
from desktop_crm.views.common.avatar import paint_avatar
from desktop_crm.views.common.palette import is_dark
from desktop_crm.views.deals.board.model import CARD_ROLE, Index

COLUMN_WIDTH = 272
CARD_LINES = 6  # the title takes two
AVATAR_SIZE = 18
DOC_ICON = 13
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
        base_font, bold, _small = self._fonts(option.font)
        metrics, bold_metrics = (self._metrics[f.key()] for f in (base_font, bold))
        step = metrics.height() + 3
        text_color = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        dark = is_dark(palette)
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
        # 1–2. the full title on up to two lines (the second elided)
        y = self._title(painter, card.title, bold, bold_metrics, text_color, inner, y, step)
        # 3. amount | expected close date (red when past for an open deal)
        close = format_date(card.expected_close_date) if card.expected_close_date else ""
        close_width = metrics.horizontalAdvance(close) + 4 if close else 0
        text(format_money(card.amount, card.currency), bold, text_color, inner.left(), y,
             inner.width() - close_width)
        if close:
            late = (not self.column.is_final and card.expected_close_date is not None
                    and card.expected_close_date < dt.date.today())
            text(close, base_font, QColor(chips.TONES["danger"][1 if dark else 0]) if late else muted,
                 inner.right() - close_width, y, close_width, right_align)
        y += step
        # 4. client
        text(card.client or "—", base_font, text_color, inner.left(), y, inner.width())
        y += step
        # 5. the responsible's face and name | documents (icon and count)
        docs_width = self._documents(painter, card, metrics, muted, inner, y, step, ratio)
        face = min(step - 2, AVATAR_SIZE)
        if card.responsible:
            paint_avatar(painter, inner.left(), y + (step - face) // 2, face, card.responsible)
        name_left = inner.left() + (face + 6 if card.responsible else 0)
        text(card.responsible, base_font, muted, name_left, y,
             inner.right() - name_left - docs_width)
        y += step
        # 6. marks: overdue task, incorrect, inactive (the same chips as the list and the card)
        marks = chips.deal_chips(active=card.active or self.column.is_final,
                                 overdue_tasks=card.overdue_tasks, correct=card.correct)
        chips.paint_chips(painter, QRect(inner.left(), y, inner.width(), step), marks, palette,
                          chips.chip_font(base_font))
        painter.end()
        return pixmap

    def _title(self, painter: QPainter, title: str, font: QFont, metrics: QFontMetrics,
               colour: QColor, inner: QRect, y: int, step: int) -> int:
        """The title wrapped on two lines at most (the second elided); the next line's top."""
        painter.setFont(font)
        painter.setPen(colour)
        width = inner.width()
        first, rest = title, ""
        if metrics.horizontalAdvance(title) > width:
            low, high = 1, len(title)  # the longest start that fits: a binary search
            while low < high:
                middle = (low + high + 1) // 2
                if metrics.horizontalAdvance(title[:middle]) <= width:
                    low = middle
                else:
                    high = middle - 1
            cut = low
            space = title.rfind(" ", 0, cut + 1)
            cut = space if space > 0 else cut
            first, rest = title[:cut].rstrip(), title[cut:].lstrip()
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRect(inner.left(), y, width, step), align, first)
        if rest:
            painter.drawText(QRect(inner.left(), y + step, width, step), align,
                             metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
        return y + 2 * step

    def _documents(self, painter: QPainter, card: Card, metrics: QFontMetrics, colour: QColor,
                   inner: QRect, y: int, step: int, ratio: float) -> int:
        """Quote and invoice counts at the right, each after its icon; the width used."""
        parts = [(icon, count, tip) for icon, count, tip in (
            ("file-text", card.quotes, _("Quotes: {count}")),
            ("receipt", card.invoices, _("Invoices: {count}"))) if count]
        if not parts:
            return 0
        widths = [DOC_ICON + 3 + metrics.horizontalAdvance(str(count)) for _i, count, _t in parts]
        total = sum(widths) + 8 * (len(parts) - 1) + 6
        x = inner.right() - total + 6
        painter.setPen(colour)
        for (icon, count, _tip), width in zip(parts, widths, strict=True):
            painter.drawPixmap(x, y + (step - DOC_ICON) // 2, icons.pixmap(icon, DOC_ICON, colour, ratio))
            painter.drawText(QRect(x + DOC_ICON + 3, y, width, step),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, str(count))
            x += width + 8
        return total
