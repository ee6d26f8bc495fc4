"""A record's timeline in a card: the entries (newest first) and a box to add a comment or log a
call, meeting, e-mail or message, with the detailed-comment hint of rule 3 while typing.

Ctrl+Enter adds the entry. An interaction the client did not answer is logged but does not count
(rule 1); the list marks the entries that count for conversion and activity with a check mark.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.models.enums import ActivityKind, ActivityStatus
from desktop_crm.services.sales import rules, timeline
from desktop_crm.views.cards.common import HINT_STYLE, OK_STYLE, local_datetime
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.context import AppContext
from desktop_crm.views.mail.attachments import (
    attachment_line,
    show_attachment_menu,
    shown_body,
)

Index = QModelIndex | QPersistentModelIndex


class TimelineModel(QAbstractListModel):
    """Timeline entries as multi-line text items."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[timeline.TimelineEntry] = []

    def set_entries(self, entries: list[timeline.TimelineEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        entry = self.entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            mark = " ✓" if entry.counts_as_interaction else ""
            when = local_datetime(entry.due_at if entry.status == ActivityStatus.PLANNED
                                  and entry.due_at else entry.occurred_at)
            head = f"{entry.title}{mark} — {when}" + (f", {entry.author}" if entry.author else "")
            files = attachment_line(entry.payload)
            body = shown_body(entry.body, entry.payload)
            return head + (f"\n{body}" if body else "") + (f"\n{files}" if files else "")
        if role == Qt.ItemDataRole.ToolTipRole and entry.counts_as_interaction:
            return _("Counts as an interaction with the client (answered, detailed comment).")
        if role == Qt.ItemDataRole.ForegroundRole and entry.overdue:
            from PySide6.QtGui import QColor

            return QColor("#c0392b")
        if role == Qt.ItemDataRole.UserRole:
            return str(entry.id)
        return None


def composer_kinds() -> list[tuple[str, str]]:
    return [
        (ActivityKind.COMMENT.value, _("Comment")),
        (ActivityKind.CALL.value, _("Call")),
        (ActivityKind.MEETING.value, _("Meeting")),
        (ActivityKind.EMAIL.value, _("E-mail")),
        (ActivityKind.MESSAGE.value, _("Message")),
    ]


class TimelineWidget(QWidget):
    """The timeline of one deal, lead or contact (``link`` = ``{"contact": id}`` and so on)."""

    added = Signal()

    def __init__(self, context: AppContext, link: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.context = context
        self.link = {key: uuid.UUID(value) for key, value in link.items()}
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.kind = QComboBox(self)
        self.kind.setObjectName("timeline_kind")
        for value, label in composer_kinds():
            self.kind.addItem(label, value)
        self.answered = QCheckBox(_("The client answered"), self)
        self.answered.setObjectName("timeline_answered")
        self.answered.setChecked(True)
        self.answered.setToolTip(
            _("A call or message nobody answered is logged, but it does not count as an "
              "interaction with the client."))
        row.addWidget(self.kind)
        row.addWidget(self.answered)
        row.addStretch(1)
        layout.addLayout(row)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("timeline_text")
        self.text.setPlaceholderText(
            _("What was discussed and agreed? (Ctrl+Enter adds the entry)"))
        self.text.setMaximumHeight(90)
        layout.addWidget(self.text)
        bottom = QHBoxLayout()
        self.hint = QLabel(self)
        self.hint.setObjectName("timeline_hint")
        self.hint.setWordWrap(True)
        bottom.addWidget(self.hint, 1)
        self.add_button = QPushButton(_("Add"), self)
        self.add_button.setObjectName("timeline_add")
        self.add_button.setEnabled(False)
        bottom.addWidget(self.add_button)
        layout.addLayout(bottom)
        self.model = TimelineModel(self)
        self.view = QListView(self)
        self.view.setObjectName("timeline_entries")
        self.view.setModel(self.model)
        self.view.setWordWrap(True)
        self.view.setAlternatingRowColors(True)
        self.view.setUniformItemSizes(False)
        # an e-mail's files: Open / Save as… on a double click
        self.view.doubleClicked.connect(self._files_menu)
        layout.addWidget(self.view, 1)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.text.textChanged.connect(self._update_hint)
        self.add_button.clicked.connect(self.add_entry)
        QShortcut(QKeySequence("Ctrl+Return"), self.text).activated.connect(self.add_entry)
        QShortcut(QKeySequence("Ctrl+Enter"), self.text).activated.connect(self.add_entry)
        self._kind_changed()
        self.reload()

    def _kind_changed(self) -> None:
        self.answered.setVisible(self.kind.currentData() != ActivityKind.COMMENT.value)
        self._update_hint()

    def _update_hint(self) -> None:
        text = self.text.toPlainText()
        self.add_button.setEnabled(bool(text.strip()))
        if not text.strip():
            self.hint.setText("")
            return
        verdict = rules.is_detailed(text)
        if verdict.detailed:
            self.hint.setStyleSheet(OK_STYLE)
            self.hint.setText(_("Detailed comment."))
        else:
            self.hint.setStyleSheet(HINT_STYLE)
            self.hint.setText(verdict.reason)

    def reload(self) -> None:
        self.model.set_entries(timeline.timeline(
            deal=self.link.get("deal"), lead=self.link.get("lead"), contact=self.link.get("contact"),
            company=self.link.get("company"),
        ))

    def add_entry(self) -> None:
        body = self.text.toPlainText().strip()
        if not body:
            return
        kind = self.kind.currentData()
        user = self.context.user.id
        try:
            if kind == ActivityKind.COMMENT.value:
                timeline.add_comment(
                    user, body, deal=self.link.get("deal"), lead=self.link.get("lead"),
                    contact=self.link.get("contact"), company=self.link.get("company"),
                )
            else:
                timeline.log_interaction(
                    user, kind, body, self.answered.isChecked(), deal=self.link.get("deal"),
                    lead=self.link.get("lead"), contact=self.link.get("contact"),
                )
        except CrmError as error:
            show_error(self, error.message)
            return
        self.text.clear()
        self.reload()
        self.context.notify_changed(Entity.TASKS)
        self.added.emit()

    def _files_menu(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self.model.entries):
            show_attachment_menu(self, self.model.entries[index.row()].payload)

    def has_draft(self) -> bool:
        return bool(self.text.toPlainText().strip())
