"""A card section: a titled group of fields laid out in two columns when there is room, one when not.

Each column is a real ``QFormLayout`` (so :func:`~desktop_crm.views.common.accessibility.label_forms`
pairs labels and editors as everywhere else). Rows go into the current column (:attr:`form`);
:meth:`FormSection.next_column` moves on to the right one. Wider than :data:`TWO_COLUMNS_FROM`
the columns stand side by side; narrower they stack, left column first, so the reading order is
the same either way.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QFormLayout, QFrame, QLabel, QVBoxLayout, QWidget

#: The section's width (logical pixels) from which its columns stand side by side.
TWO_COLUMNS_FROM = 700
SECTION_SPACING = 16  # between sections, and between the two columns
ROW_SPACING = 6


def section_title_font(base: QFont) -> QFont:
    font = QFont(base)
    if base.pointSizeF() > 0:
        font.setPointSizeF(base.pointSizeF() * 1.1)
    font.setWeight(QFont.Weight.DemiBold)
    return font


class FormSection(QFrame):
    """A titled group with one or two form columns (see the module's note)."""

    def __init__(self, title: str, parent: QWidget | None = None, name: str = "") -> None:
        super().__init__(parent)
        self.setObjectName(f"section_{name}" if name else "form_section")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(ROW_SPACING)
        self.title_label = QLabel(title, self)
        self.title_label.setObjectName("section_title")
        self.title_label.setFont(section_title_font(self.font()))
        self.title_label.setVisible(bool(title))
        outer.addWidget(self.title_label)
        self._columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._columns.setSpacing(SECTION_SPACING)
        outer.addLayout(self._columns)
        self.forms: list[QFormLayout] = []
        self._holders: list[QWidget] = []
        for _column in range(2):
            holder = QWidget(self)
            form = QFormLayout(holder)
            form.setContentsMargins(0, 0, 0, 0)
            form.setVerticalSpacing(ROW_SPACING)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            self._columns.addWidget(holder, 1)
            self.forms.append(form)
            self._holders.append(holder)
        self._holders[1].hide()  # shown once a row goes there
        self._current = 0

    @property
    def form(self) -> QFormLayout:
        """The form layout rows are added to now."""
        return self.forms[self._current]

    def next_column(self) -> QFormLayout:
        """Rows added from now on go to the right column."""
        self._current = 1
        self._holders[1].show()
        return self.form

    def two_columns(self) -> bool:
        return self._columns.direction() == QBoxLayout.Direction.LeftToRight

    def resizeEvent(self, event: QResizeEvent) -> None:
        wide = event.size().width() >= TWO_COLUMNS_FROM
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self._columns.direction() != direction:
            self._columns.setDirection(direction)
        super().resizeEvent(event)


def sections_page(parent: QWidget | None = None) -> tuple[QWidget, QVBoxLayout]:
    """A page for stacked sections: the widget and its column (sections, then a stretch)."""
    page = QWidget(parent)
    column = QVBoxLayout(page)
    column.setSpacing(SECTION_SPACING)
    return page, column


class TwoColumns(QWidget):
    """Any widgets (group boxes, sections) in two columns when wide, stacked when narrow: left
    column first, so the reading order is the same either way."""

    def __init__(self, parent: QWidget | None = None, wide_from: int = TWO_COLUMNS_FROM * 3 // 2) -> None:
        super().__init__(parent)
        self.wide_from = wide_from
        self._box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._box.setContentsMargins(0, 0, 0, 0)
        self._box.setSpacing(SECTION_SPACING)
        self.columns = [QVBoxLayout(), QVBoxLayout()]
        for column in self.columns:
            column.setSpacing(SECTION_SPACING)
            self._box.addLayout(column, 1)

    def add(self, widget: QWidget, column: int = 0) -> None:
        self.columns[column].addWidget(widget)

    def finish(self) -> None:
        """A stretch under each column: boxes keep their natural heights."""
        for column in self.columns:
            column.addStretch(1)

    def two_columns(self) -> bool:
        return self._box.direction() == QBoxLayout.Direction.LeftToRight

    def resizeEvent(self, event: QResizeEvent) -> None:
        wide = event.size().width() >= self.wide_from
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self._box.direction() != direction:
            self._box.setDirection(direction)
        super().resizeEvent(event)
