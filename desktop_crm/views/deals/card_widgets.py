"""Widgets of the deal card: the clickable stage bar, the search-as-you-type picker (the contact
card uses it too) and the time formatting its panels share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QPainter,
    QPalette,
    QPen,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QWidget,
)

from desktop_crm.i18n import _, ngettext
from desktop_crm.ids import StageId
from desktop_crm.services.sales.board import ColumnInfo
from desktop_crm.services.sales.deal_card import Choice


def local_time(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored UTC time in the machine's time zone, for display."""
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)


def utc_time(moment: dt.datetime) -> dt.datetime:
    """An aware local time as stored: naive UTC."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def format_duration(seconds: int) -> str:
    """Time spent in a stage: "2 days 3 hours", "5 hours", "12 minutes"."""
    days, rest = divmod(max(0, int(seconds)), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return ngettext("{count} day", "{count} days", days).format(count=days) + (
            " " + ngettext("{count} hour", "{count} hours", hours).format(count=hours) if hours else "")
    if hours:
        return ngettext("{count} hour", "{count} hours", hours).format(count=hours)
    return ngettext("{count} minute", "{count} minutes", minutes).format(count=minutes)


# --- stage bar ----------------------------------------------------------------------------------


class StageBar(QWidget):
    """Bitrix24-style stage bar: one segment per stage, filled up to the current one; click to move."""

    stage_clicked = Signal(object)  # the StageId clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stage_bar")
        self.stages: list[ColumnInfo] = []
        self.current: StageId | None = None
        self.setMinimumHeight(30)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._hover = -1

    def set_stages(self, stages: list[ColumnInfo], current: StageId | None) -> None:
        self.stages, self.current = list(stages), current
        self.setToolTip(_("Click a stage to move the deal there"))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(600, self.fontMetrics().height() + 14)

    def segments(self) -> list[tuple[int, int]]:
        if not self.stages:
            return []
        width = self.width() / len(self.stages)
        return [(int(n * width), int((n + 1) * width)) for n in range(len(self.stages))]

    def index_at(self, x: int) -> int:
        for number, (left, right) in enumerate(self.segments()):
            if left <= x < right:
                return number
        return -1

    def click(self, stage_id: StageId) -> None:
        if stage_id != self.current:
            self.stage_clicked.emit(stage_id)

    def mousePressEvent(self, event: Any) -> None:
        index = self.index_at(int(event.position().x()))
        if index >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self.click(self.stages[index].id)

    def mouseMoveEvent(self, event: Any) -> None:
        hover = self.index_at(int(event.position().x()))
        if hover != self._hover:
            self._hover = hover
            self.update()

    def leaveEvent(self, event: Any) -> None:
        self._hover = -1
        self.update()

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        current_index = next((n for n, s in enumerate(self.stages) if s.id == self.current), -1)
        current = self.stages[current_index] if current_index >= 0 else None
        palette = self.palette()
        for number, ((left, right), stage) in enumerate(zip(self.segments(), self.stages, strict=True)):
            filled = current is not None and (
                number == current_index
                or (current.kind == "open" and stage.kind == "open" and number < current_index)
                or (current.kind == "won" and stage.kind == "open")
            )
            color = QColor(stage.color) if filled else palette.color(QPalette.ColorRole.Button)
            if number == self._hover and not filled:
                color = QColor(stage.color).lighter(160)
            rect = self.rect().adjusted(left + 1, 2, -(self.width() - right) - 1, -2)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
            painter.setBrush(color)
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(QColor("#ffffff") if filled else palette.color(QPalette.ColorRole.ButtonText))
            font = self.font()
            font.setBold(number == current_index)
            painter.setFont(font)
            text = self.fontMetrics().elidedText(stage.name, Qt.TextElideMode.ElideRight, rect.width() - 8)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


# --- pickers --------------------------------------------------------------------------------------


class SearchPicker(QWidget):
    """Pick a contact or company by typing part of a name, phone, INN…; shows the choice as text."""

    changed = Signal()

    def __init__(self, search: Any, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._search = search
        self._choice: Choice[Any] | None = None
        self._choices: dict[str, Choice[Any]] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        layout.addWidget(self.edit, 1)
        self.items = QStandardItemModel(self)
        self.completer = QCompleter(self.items, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.edit.setCompleter(self.completer)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.search_now)
        self.edit.textEdited.connect(self._edited)
        self.completer.activated.connect(self._activated)

    def choice(self) -> Choice[Any] | None:
        return self._choice

    def set_choice(self, choice: Choice[Any] | None, emit: bool = False) -> None:
        self._choice = choice
        self.edit.setText(choice.name if choice else "")
        self.edit.setCursorPosition(0)  # a long name shows its beginning
        self.edit.setToolTip(choice.detail if choice else "")
        if emit:
            self.changed.emit()

    def _edited(self, text: str) -> None:
        if not text.strip():
            self.set_choice(None, emit=True)
            return
        self._timer.start()

    def search_now(self) -> list[Choice[Any]]:
        text = self.edit.text()
        found = self._search(text) if len(text.strip()) >= 2 else []
        self.items.clear()
        self._choices.clear()
        for choice in found:
            label = f"{choice.name} — {choice.detail}" if choice.detail else choice.name
            self._choices[label] = choice
            self.items.appendRow(QStandardItem(label))
        if found and self.edit.hasFocus():
            self.completer.complete()
        return found

    def _activated(self, label: str) -> None:
        choice = self._choices.get(label)
        if choice is not None:
            self.set_choice(choice, emit=True)

    def pick(self, choice: Choice[Any]) -> None:
        self.set_choice(choice, emit=True)


# --- the card -------------------------------------------------------------------------------------
