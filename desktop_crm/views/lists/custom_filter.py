"""A filter by one custom field in the filter bar: its editors by the field's kind in a chip.

Text: a "contains" box; number and money: from / to; date: from / to dates; list, multi-list and
links: a choice; yes/no: Yes or No. Each chip reads as one condition of ``ListFilter.custom``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QWidget,
)

from desktop_crm.i18n import _, pgettext
from desktop_crm.models.enums import CustomFieldKind
from desktop_crm.services.listing.custom_columns import (
    OP_CONTAINS,
    OP_NO,
    OP_RANGE,
    OP_YES,
    FilterField,
)
from desktop_crm.views.common import icons

Condition = tuple[str, str, str, str]


class CustomFilterChip(QFrame):
    """The editors of one field's condition and a button that removes it."""

    changed = Signal()
    removed = Signal(str)  # the column key

    def __init__(self, item: FilterField, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setObjectName(f"filter_chip_{item.column}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self)
        row.setContentsMargins(3, 1, 1, 1)
        row.setSpacing(3)
        row.addWidget(QLabel(item.title + ":", self))
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self.changed)
        self.first: QWidget
        self.second: QWidget | None = None
        operator = item.operators[0]
        if operator == OP_CONTAINS:
            self.first = self._line(_("contains…"), "text")
        elif operator == OP_RANGE and item.kind == CustomFieldKind.DATE:
            self.first, self.second = self._date("from"), self._date("to")
        elif operator == OP_RANGE:
            self.first, self.second = (self._line(pgettext("range", "from"), "from"),
                                       self._line(pgettext("range", "to"), "to"))
        else:
            self.first = self._combo(operator)
        row.addWidget(self.first)
        if self.second is not None:
            row.addWidget(QLabel("–", self))
            row.addWidget(self.second)
        remove = QToolButton(self)
        remove.setObjectName(f"remove_filter_{item.column}")
        remove.setIcon(icons.icon("x"))
        remove.setAutoRaise(True)
        remove.setToolTip(_("Remove this filter"))
        remove.clicked.connect(lambda _checked=False: self.removed.emit(item.column))
        row.addWidget(remove)

    # --- editors --------------------------------------------------------------------------------
    def _line(self, hint: str, part: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(f"filter_{self.item.column}_{part}")
        edit.setPlaceholderText(hint)
        edit.setClearButtonEnabled(True)
        edit.setMinimumWidth(90)
        edit.textChanged.connect(lambda _text: self._debounce.start())
        edit.returnPressed.connect(self.changed)
        return edit

    def _date(self, part: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setObjectName(f"filter_{self.item.column}_{part}")
        edit.setCalendarPopup(True)
        edit.setDate(QDate.currentDate())
        edit.dateChanged.connect(lambda _date: self.changed.emit())
        return edit

    def _combo(self, operator: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(f"filter_{self.item.column}")
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        if operator in (OP_YES, OP_NO):
            combo.addItem(_("Yes"), OP_YES)
            combo.addItem(_("No"), OP_NO)
        else:
            for value, shown in self.item.choices:
                combo.addItem(shown, value)
        combo.currentIndexChanged.connect(lambda _index: self.changed.emit())
        return combo

    # --- the condition ----------------------------------------------------------------------------
    def condition(self) -> Condition | None:
        """The condition the editors say (``None`` while they say nothing usable)."""
        column, operator = self.item.column, self.item.operators[0]
        if isinstance(self.first, QComboBox):
            data = self.first.currentData()
            if data is None:
                return None
            if data in (OP_YES, OP_NO):
                return (column, data, "", "")
            return (column, operator, str(data), "")
        if isinstance(self.first, QDateEdit) and isinstance(self.second, QDateEdit):
            return (column, OP_RANGE, _iso(self.first), _iso(self.second))
        if isinstance(self.first, QLineEdit) and isinstance(self.second, QLineEdit):
            low, high = _number(self.first.text()), _number(self.second.text())
            return (column, OP_RANGE, low, high) if (low or high) else None
        text = self.first.text().strip() if isinstance(self.first, QLineEdit) else ""
        return (column, OP_CONTAINS, text, "") if text else None

    def show_condition(self, condition: Condition) -> None:
        """Put a saved condition into the editors (quietly)."""
        _column, operator, first, second = condition
        for widget in (self.first, self.second):
            if widget is not None:
                widget.blockSignals(True)
        try:
            if isinstance(self.first, QComboBox):
                wanted = operator if operator in (OP_YES, OP_NO) else first
                index = self.first.findData(wanted)
                self.first.setCurrentIndex(max(index, 0))
            elif isinstance(self.first, QDateEdit) and isinstance(self.second, QDateEdit):
                for edit, text in ((self.first, first), (self.second, second)):
                    if text:
                        edit.setDate(QDate(dt.date.fromisoformat(text)))
            elif isinstance(self.first, QLineEdit):
                self.first.setText(first)
                if isinstance(self.second, QLineEdit):
                    self.second.setText(second)
        finally:
            for widget in (self.first, self.second):
                if widget is not None:
                    widget.blockSignals(False)


def _iso(edit: QDateEdit) -> str:
    value: Any = edit.date().toPython()
    return value.isoformat() if isinstance(value, dt.date) else ""


def _number(text: str) -> str:
    """A typed number as plain text ("1 200,5" → "1200.5"); "" when it is not one."""
    cleaned = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".")
    try:
        return format(Decimal(cleaned), "f") if cleaned else ""
    except InvalidOperation:
        return ""

