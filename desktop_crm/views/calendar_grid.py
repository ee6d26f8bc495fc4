"""The painted grids of the calendar: a month of weeks, and a day or a week of hours.

Both lay out :class:`~desktop_crm.services.sales.calendar.CalendarEntry` s as rectangles, tell
which entry or which moment lies under a point, and let a movable task be dragged with the mouse
(press on it, move, release on another day or hour): ``moved(entry, local_datetime)`` then says
where it was dropped; a double-click says ``opened(entry)``. Today is highlighted, overdue tasks are
red, done ones struck out, birthdays sit on top of their day.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QToolTip, QWidget

from desktop_crm.i18n import _
from desktop_crm.services.sales.calendar import CalendarEntry

OVERDUE = QColor("#c0392b")
BIRTHDAY = QColor("#8e44ad")
MEETING = QColor("#16a085")
TASK = QColor("#2e86c1")
TODAY = QColor(255, 213, 79, 90)
HOUR_HEIGHT = 44
HEADER = 28
GUTTER = 52
ALL_DAY = 24
ALL_DAY_LINE = 18
ALL_DAY_ROWS = 3


def local(moment: dt.datetime) -> dt.datetime:
    """A naive-UTC moment as naive local time (the desktop's zone)."""
    return moment.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)


def entry_colour(entry: CalendarEntry) -> QColor:
    if entry.kind == "birthday":
        return BIRTHDAY
    if entry.overdue:
        return OVERDUE
    colour = QColor(MEETING if entry.kind == "meeting" else TASK)
    if entry.status != "planned":
        colour.setAlpha(120)
    return colour


class Grid(QWidget):
    """What both grids share: entries, hit-testing and the mouse drag."""

    moved = Signal(object, object)  # CalendarEntry, dt.datetime (local, naive)
    opened = Signal(object)  # CalendarEntry
    refused = Signal(object)  # CalendarEntry that may not move

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.days: list[dt.date] = []
        self.today = dt.date.today()
        self.entries: list[CalendarEntry] = []
        self.boxes: list[tuple[QRectF, CalendarEntry]] = []
        self.day_names: list[str] = []
        self._drag: CalendarEntry | None = None
        self._drag_at: QPointF | None = None
        self._press: QPointF | None = None
        self.setMouseTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def set_days(self, days: list[dt.date], today: dt.date, names: list[str]) -> None:
        self.days, self.today, self.day_names = days, today, names
        self.relayout()

    def set_entries(self, entries: list[CalendarEntry]) -> None:
        self.entries = entries
        self.relayout()

    def relayout(self) -> None:
        self.boxes = self.layout_boxes()
        self.update()

    def resizeEvent(self, event: object) -> None:
        self.relayout()

    def layout_boxes(self) -> list[tuple[QRectF, CalendarEntry]]:
        """Where each entry is drawn: the month and time grids each lay them out their way."""
        raise NotImplementedError

    def moment_at(self, point: QPointF, entry: CalendarEntry) -> dt.datetime | None:
        """The due time an entry dropped at ``point`` gets (each grid's own)."""
        raise NotImplementedError

    def entry_at(self, point: QPointF) -> CalendarEntry | None:
        for rect, entry in reversed(self.boxes):
            if rect.contains(point):
                return entry
        return None

    def box_of(self, entry_id: object) -> QRectF | None:
        """Where an entry is drawn (tests and accessibility)."""
        for rect, entry in self.boxes:
            if entry.id == entry_id:
                return rect
        return None

    def point_of(self, day: dt.date, hour: float = 10.0) -> QPoint:
        """Where a day (and hour) is on this grid (each grid's own)."""
        raise NotImplementedError

    def event(self, event: QEvent) -> bool:
        """A tooltip with the whole of an entry: narrow boxes show only its beginning."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            entry = self.entry_at(QPointF(event.pos()))
            if entry is None:
                QToolTip.hideText()
                event.ignore()
                return True
            lines = [entry_text(entry, True, True)]
            if entry.link_title and entry.kind != "birthday":
                lines.append(entry.link_title)
            QToolTip.showText(event.globalPos(), "\n".join(lines), self)
            return True
        return super().event(event)

    # --- mouse ----------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        entry = self.entry_at(event.position())
        self._press = event.position()
        self._drag = entry if entry is not None and entry.kind != "birthday" else None
        self._drag_at = None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is None or self._press is None:
            return
        if (event.position() - self._press).manhattanLength() >= 4:
            self._drag_at = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        entry, self._drag = self._drag, None
        dragged = self._drag_at is not None or (
            self._press is not None and (event.position() - self._press).manhattanLength() >= 4)
        self._drag_at = self._press = None
        self.unsetCursor()
        self.update()
        if entry is None or not dragged:
            return
        if not entry.movable:
            self.refused.emit(entry)
            return
        when = self.moment_at(event.position(), entry)
        if when is not None and when != local(entry.start):
            self.moved.emit(entry, when)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        entry = self.entry_at(event.position())
        if entry is not None:
            self.opened.emit(entry)

    # --- painting helpers -----------------------------------------------------------------------
    def paint_entry(self, painter: QPainter, rect: QRectF, entry: CalendarEntry, text: str) -> None:
        colour = entry_colour(entry)
        fill = QColor(colour)
        fill.setAlpha(40 if entry.status != "planned" and entry.kind != "birthday" else 60)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 3, 3)
        painter.setBrush(colour)
        painter.drawRect(QRectF(rect.left(), rect.top(), 3, rect.height()))
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        font = QFont(self.font())
        font.setStrikeOut(entry.status in ("done", "cancelled"))
        if entry.overdue:
            painter.setPen(OVERDUE)
            font.setBold(True)
        painter.setFont(font)
        painter.drawText(rect.adjusted(6, 0, -2, 0),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight,
                                                          int(rect.width()) - 8))
        painter.setFont(self.font())

    def paint_ghost(self, painter: QPainter) -> None:
        if self._drag is None or self._drag_at is None:
            return
        rect = QRectF(self._drag_at.x() - 60, self._drag_at.y() - 10, 120, 20)
        painter.setOpacity(0.7)
        self.paint_entry(painter, rect, self._drag, self._drag.subject)
        painter.setOpacity(1.0)


def entry_text(entry: CalendarEntry, with_time: bool, with_owner: bool) -> str:
    text = entry.subject
    if with_time and not entry.all_day:
        text = f"{local(entry.start):%H:%M} {text}"
    if with_owner and entry.owner_name and entry.kind != "birthday":
        text += f" · {entry.owner_name}"
    return text


class MonthGrid(Grid):
    """Six weeks of seven days; each day lists its entries, "+N more" below what fits."""

    LINE = 18

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendar_month")
        self.month = dt.date.today().month
        self.with_owner = False
        self.more: dict[int, int] = {}

    def sizeHint(self) -> QSize:
        return QSize(900, 640)

    def _cell(self, index: int) -> QRectF:
        width = self.width() / 7
        height = (self.height() - HEADER) / 6
        return QRectF((index % 7) * width, HEADER + (index // 7) * height, width, height)

    def layout_boxes(self) -> list[tuple[QRectF, CalendarEntry]]:
        boxes: list[tuple[QRectF, CalendarEntry]] = []
        self.more = {}
        by_day: dict[dt.date, list[CalendarEntry]] = {}
        for entry in self.entries:
            day = local(entry.start).date()
            by_day.setdefault(day, []).append(entry)
        for index, day in enumerate(self.days):
            cell = self._cell(index)
            room = max(0, int((cell.height() - 22) // self.LINE))
            items = by_day.get(day, [])
            shown = items if len(items) <= room else items[:max(0, room - 1)]
            for row, entry in enumerate(shown):
                boxes.append((QRectF(cell.left() + 2, cell.top() + 20 + row * self.LINE,
                                     cell.width() - 4, self.LINE - 2), entry))
            if len(shown) < len(items):
                self.more[index] = len(items) - len(shown)
        return boxes

    def moment_at(self, point: QPointF, entry: CalendarEntry) -> dt.datetime | None:
        for index, day in enumerate(self.days):
            if self._cell(index).contains(point):
                return dt.datetime.combine(day, local(entry.start).time())
        return None

    def point_of(self, day: dt.date, hour: float = 10.0) -> QPoint:
        index = self.days.index(day)
        cell = self._cell(index)
        return QPoint(int(cell.center().x()), int(cell.bottom() - 6))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        width = self.width() / 7
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        for column, name in enumerate(self.day_names):
            painter.drawText(QRectF(column * width, 0, width, HEADER), Qt.AlignmentFlag.AlignCenter, name)
        grid_pen = QPen(palette.color(QPalette.ColorRole.Mid))
        for index, day in enumerate(self.days):
            cell = self._cell(index)
            if day == self.today:
                painter.fillRect(cell, TODAY)
            elif day.month != self.month:
                painter.fillRect(cell, palette.color(QPalette.ColorRole.AlternateBase))
            painter.setPen(grid_pen)
            painter.drawRect(cell)
            font = QFont(self.font())
            font.setBold(day == self.today)
            painter.setFont(font)
            painter.setPen(palette.color(QPalette.ColorRole.Text if day.month == self.month
                                         else QPalette.ColorRole.PlaceholderText))
            painter.drawText(cell.adjusted(4, 2, -4, 0), Qt.AlignmentFlag.AlignTop
                             | Qt.AlignmentFlag.AlignRight, str(day.day))
            painter.setFont(self.font())
            if index in self.more:
                painter.drawText(cell.adjusted(6, 0, -4, -2), Qt.AlignmentFlag.AlignBottom
                                 | Qt.AlignmentFlag.AlignLeft,
                                 _("+{count} more").format(count=self.more[index]))
        for rect, entry in self.boxes:
            self.paint_entry(painter, rect, entry, entry_text(entry, True, self.with_owner))
        self.paint_ghost(painter)
        painter.end()


class TimeGrid(Grid):
    """A day or a week: a column per day, an hour per row, all-day entries (birthdays) on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendar_hours")
        self.with_owner = False
        self.strip = float(ALL_DAY)
        self.setMinimumHeight(HEADER + ALL_DAY + 24 * HOUR_HEIGHT)

    def sizeHint(self) -> QSize:
        return QSize(900, int(HEADER + self.strip + 24 * HOUR_HEIGHT))

    def _column(self, index: int) -> QRectF:
        width = (self.width() - GUTTER) / max(1, len(self.days))
        return QRectF(GUTTER + index * width, 0, width, self.height())

    def _y(self, hours: float) -> float:
        return HEADER + self.strip + hours * HOUR_HEIGHT

    def top(self) -> float:
        """Where the visible part begins (inside a scroll area): the day names and the all-day
        strip stay there, on top of the hours."""
        return float(max(0, -self.y()))

    def layout_boxes(self) -> list[tuple[QRectF, CalendarEntry]]:
        """All-day entries one under another in the strip (up to three rows; it grows for them),
        timed ones side by side when they share a half hour."""
        index_of = {day: index for index, day in enumerate(self.days)}
        all_day: dict[int, list[CalendarEntry]] = {}
        slots: dict[tuple[int, int], list[CalendarEntry]] = {}
        for entry in self.entries:
            start = local(entry.start)
            index = index_of.get(start.date())
            if index is None:
                continue
            if entry.all_day:
                all_day.setdefault(index, []).append(entry)
            else:
                slots.setdefault((index, start.hour * 2 + start.minute // 30), []).append(entry)
        rows = min(ALL_DAY_ROWS, max((len(items) for items in all_day.values()), default=1))
        self.strip = max(ALL_DAY, rows * ALL_DAY_LINE + 6)
        self.setMinimumHeight(HEADER + self.strip + 24 * HOUR_HEIGHT)
        boxes: list[tuple[QRectF, CalendarEntry]] = []
        for index, items in all_day.items():
            column = self._column(index)
            for row, entry in enumerate(items[:ALL_DAY_ROWS]):
                boxes.append((QRectF(column.left() + 2, self.top() + HEADER + 2 + row * ALL_DAY_LINE,
                                     column.width() - 4, ALL_DAY_LINE - 2), entry))
        for (index, _slot), items in slots.items():
            column = self._column(index)
            width = (column.width() - 4) / len(items)
            for position, entry in enumerate(items):
                start = local(entry.start)
                top = self._y(start.hour + start.minute / 60)
                boxes.append((QRectF(column.left() + 2 + position * width, top + 1, width - 1,
                                     HOUR_HEIGHT / 2 - 2), entry))
        return boxes

    def moment_at(self, point: QPointF, entry: CalendarEntry) -> dt.datetime | None:
        for index, day in enumerate(self.days):
            if self._column(index).contains(point):
                hours = (point.y() - HEADER - self.strip) / HOUR_HEIGHT
                if hours < 0 or point.y() < self.top() + HEADER + self.strip:
                    # dropped on the day's name or all-day strip: that day, the same time
                    return dt.datetime.combine(day, local(entry.start).time())
                quarter = min(24 * 4 - 1, max(0, int(hours * 4)))
                return dt.datetime.combine(day, dt.time(quarter // 4, (quarter % 4) * 15))
        return None

    def point_of(self, day: dt.date, hour: float = 10.0) -> QPoint:
        column = self._column(self.days.index(day))
        return QPoint(int(column.center().x()), int(self._y(hour) + 2))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        grid_pen = QPen(palette.color(QPalette.ColorRole.Midlight))
        for index, day in enumerate(self.days):
            column = self._column(index)
            if day == self.today:
                painter.fillRect(column, TODAY)
            painter.setPen(grid_pen)
            painter.drawLine(QPointF(column.left(), 0), QPointF(column.left(), self.height()))
        for hour in range(24):
            y = self._y(hour)
            painter.setPen(grid_pen)
            painter.drawLine(QPointF(GUTTER, y), QPointF(self.width(), y))
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRectF(0, y, GUTTER - 6, 16),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, f"{hour:02d}:00")
        now = dt.datetime.now()
        if now.date() in self.days:
            column = self._column(self.days.index(now.date()))
            y = self._y(now.hour + now.minute / 60)
            painter.setPen(QPen(OVERDUE, 2))
            painter.drawLine(QPointF(column.left(), y), QPointF(column.right(), y))
        for rect, entry in self.boxes:
            if not entry.all_day:
                self.paint_entry(painter, rect, entry, entry_text(entry, True, self.with_owner))
        self.paint_header(painter, text, grid_pen)
        for rect, entry in self.boxes:
            if entry.all_day:
                self.paint_entry(painter, rect, entry, entry_text(entry, False, self.with_owner))
        self.paint_ghost(painter)
        painter.end()

    def paint_header(self, painter: QPainter, text: QColor, grid_pen: QPen) -> None:
        """The day names and the all-day strip, kept at the top of what is visible."""
        top = self.top()
        band = QRectF(0, top, self.width(), HEADER + self.strip)
        painter.fillRect(band, self.palette().color(QPalette.ColorRole.Window))
        for index, day in enumerate(self.days):
            column = self._column(index)
            cell = QRectF(column.left(), top, column.width(), HEADER + self.strip)
            if day == self.today:
                painter.fillRect(cell, TODAY)
            painter.setPen(text)
            font = QFont(self.font())
            font.setBold(day == self.today)
            painter.setFont(font)
            name = self.day_names[index] if index < len(self.day_names) else ""
            painter.drawText(QRectF(column.left(), top, column.width(), HEADER),
                             Qt.AlignmentFlag.AlignCenter, name)
            painter.setFont(self.font())
            painter.setPen(grid_pen)
            painter.drawLine(QPointF(column.left(), top), QPointF(column.left(), band.bottom()))
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid)))
        painter.drawLine(QPointF(0, band.bottom()), QPointF(self.width(), band.bottom()))
