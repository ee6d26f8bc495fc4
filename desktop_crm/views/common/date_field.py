"""A date that may be empty ("—"), typed as digits or picked in a calendar that opens at today.

Qt's ``QDateEdit`` has no empty value; the usual trick (the minimum date shown as a special text)
leaves two traps, both met by users: typing into the empty field appends to the special text
("—22022000", then blank), and the calendar opens at the minimum date (January 1900). Here the
first digit typed into an empty field starts a date (the day section, the cursor at its start), so
"22022000" gives 22.02.2000, and the calendar opens at a chosen page (today by default) while the
field is empty.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QEvent, QObject
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDateEdit, QDateTimeEdit, QWidget

EMPTY_DATE = QDate(1900, 1, 1)


class OptionalDateEdit(QDateEdit):
    """A date that may be empty: :meth:`value` is ``None`` then."""

    def __init__(self, parent: QWidget | None = None, empty_text: str = "—",
                 empty: QDate = EMPTY_DATE) -> None:
        super().__init__(parent)
        self.empty = empty
        self.open_at: dt.date | None = None  # the calendar's page while empty (None: today)
        self.setCalendarPopup(True)
        self.setMinimumDate(empty)
        self.setSpecialValueText(empty_text)
        self.setDate(empty)
        self.setDisplayFormat("dd.MM.yyyy")
        self.calendarWidget().installEventFilter(self)

    def value(self) -> dt.date | None:
        date = self.date()
        return None if date == self.empty else dt.date(date.year(), date.month(), date.day())

    def set_value(self, value: dt.date | None) -> None:
        self.setDate(QDate(value.year, value.month, value.day) if value else self.empty)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.date() == self.empty and event.text().isdigit():
            start = self.open_at or dt.date.today()
            self.setDate(QDate(start.year, start.month, start.day))  # a date to type over
            self.setCurrentSection(QDateTimeEdit.Section.DaySection)
            self.lineEdit().setCursorPosition(0)
            self.lineEdit().setSelection(0, 2)
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and self.date() == self.empty:
            page = self.open_at or dt.date.today()
            self.calendarWidget().setCurrentPage(page.year, page.month)
        return super().eventFilter(watched, event)
