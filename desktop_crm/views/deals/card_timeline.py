"""The deal card's timeline tab: the entries newest first, and a composer for a comment, a call or
meeting (with whether the client answered) or a task."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QDateTime, QPoint, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QIcon,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_datetime
from desktop_crm.models.enums import ActivityKind, ActivityStatus
from desktop_crm.services.sales import rules, timeline
from desktop_crm.views.common.chips import ENTRY_AVATAR, ENTRY_ICON, timeline_decoration
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.common.palette import HINT_COLOR
from desktop_crm.views.deals.card_widgets import local_time, utc_time
from desktop_crm.views.mail.attachments import (
    attachment_line,
    show_attachment_menu,
    shown_body,
)

if TYPE_CHECKING:
    from desktop_crm.views.deals.card import DealCard


class TimelinePanel(QWidget):
    """The deal's timeline, newest first, and a box to add a comment, call, meeting or task."""

    def __init__(self, card: DealCard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card = card
        self.setObjectName("deal_timeline")
        layout = QVBoxLayout(self)
        composer = QFrame(self)
        composer.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(composer)
        row = QHBoxLayout()
        self.kind = QComboBox(composer)
        self.kind.setObjectName("entry_kind")
        for key, label in ((ActivityKind.COMMENT, _("Comment")), (ActivityKind.CALL, _("Call")),
                           (ActivityKind.MEETING, _("Meeting")), (ActivityKind.TASK, _("Task"))):
            self.kind.addItem(label, str(key))
        row.addWidget(self.kind)
        self.subject = QLineEdit(composer)
        self.subject.setObjectName("entry_subject")
        self.subject.setPlaceholderText(_("What is to be done"))
        row.addWidget(self.subject, 3)
        self.answered = QCheckBox(_("The client answered"), composer)
        self.answered.setObjectName("entry_answered")
        self.answered.setChecked(True)
        row.addWidget(self.answered)
        self.due = QDateTimeEdit(composer)
        self.due.setObjectName("entry_due")
        self.due.setCalendarPopup(True)
        self.due.setDateTime(QDateTime.currentDateTime().addDays(1))
        row.addWidget(self.due)
        row.addStretch(1)  # takes the room of the task fields when they are hidden
        box.addLayout(row)
        self.text = QPlainTextEdit(composer)
        self.text.setObjectName("entry_text")
        self.text.setMaximumHeight(80)
        box.addWidget(self.text)
        bottom = QHBoxLayout()
        self.hint = QLabel(composer)
        self.hint.setObjectName("entry_hint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {HINT_COLOR};")
        bottom.addWidget(self.hint, 1)
        self.add_button = QPushButton(_("Add"), composer)
        self.add_button.setObjectName("entry_add")
        self.add_button.setToolTip(_("Add to the timeline (Ctrl+Enter)"))
        self.add_button.clicked.connect(self.add_entry)
        bottom.addWidget(self.add_button)
        box.addLayout(bottom)
        layout.addWidget(composer)
        add = QAction(self)
        add.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        add.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        add.triggered.connect(self.add_entry)
        self.addAction(add)

        self.overdue_count = 0  # overdue tasks among the entries shown (the card's summary shows it)
        self.entries = QListWidget(self)
        self.entries.setObjectName("timeline_entries")
        self.entries.setWordWrap(True)
        self.entries.setIconSize(QSize(ENTRY_ICON + 4 + ENTRY_AVATAR, max(ENTRY_ICON, ENTRY_AVATAR)))
        self.entries.setAlternatingRowColors(True)
        self.entries.setSpacing(2)
        self.entries.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # an e-mail's files: Open / Save as… on a double click or the context menu
        self.entries.itemDoubleClicked.connect(self._files_menu)
        self.entries.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.entries.customContextMenuRequested.connect(self._files_menu_at)
        layout.addWidget(self.entries, 1)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.text.textChanged.connect(self._update_hint)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.answered.setVisible(kind in ("call", "meeting"))
        self.due.setVisible(kind == "task")
        self.subject.setVisible(kind == "task")
        self.text.setPlaceholderText(
            _("What was discussed and agreed") if kind != "task" else _("Details (optional)"))
        self._update_hint()

    def _update_hint(self) -> None:
        kind = self.kind.currentData()
        text = self.text.toPlainText()
        if kind == "task" or not text.strip():
            self.hint.setText("")
            return
        verdict = rules.is_detailed(text)
        self.hint.setText("" if verdict.detailed else verdict.reason + " " + _(
            "It will be saved, but it does not count as a detailed comment."))

    def add_entry(self) -> bool:
        deal_id = self.card.data.id
        if not deal_id:
            return False
        kind = self.kind.currentData()
        user = self.card.context.user.id
        text = self.text.toPlainText()
        try:
            if kind == "comment":
                timeline.add_comment(user, text, deal=deal_id)
            elif kind in ("call", "meeting"):
                if not text.strip():
                    show_error(self, _("Write what was discussed first."))
                    return False
                timeline.log_interaction(user, kind, text, self.answered.isChecked(), deal=deal_id)
            else:
                # PySide6 declares toPython() as returning object
                due = utc_time(cast(dt.datetime, self.due.dateTime().toPython()).astimezone())
                timeline.add_task(user, self.subject.text(), due, deal=deal_id, body=text)
        except CrmError as error:
            show_error(self, error.message)
            return False
        self.text.clear()
        self.subject.clear()
        self.reload()
        self.card.after_timeline_change()
        return True

    def reload(self) -> None:
        self.entries.clear()
        self.overdue_count = 0
        if not self.card.data.id:
            return
        for entry in timeline.timeline(deal=self.card.data.id, limit=200):
            self.overdue_count += bool(entry.overdue)
            when = format_datetime(local_time(entry.occurred_at))
            head = f"{when} · {entry.author}" if entry.author else when
            mark = " ✓" if entry.counts_as_interaction else ""  # counts for rules 1–2 (seed 002)
            text = f"{head}\n{entry.title}{mark}"
            if entry.kind == ActivityKind.TASK and entry.due_at is not None:
                text += "  " + _("(due {date})").format(date=format_datetime(local_time(entry.due_at)))
            if entry.body:
                text += "\n" + shown_body(entry.body, entry.payload)
            files = attachment_line(entry.payload)
            if files:
                text += "\n" + files
            item = QListWidgetItem(text)
            item.setIcon(QIcon(timeline_decoration(str(entry.kind), entry.author, self.palette(),
                                                   entry.overdue, self.devicePixelRatioF())))
            item.setData(Qt.ItemDataRole.UserRole, str(entry.id))
            item.setData(Qt.ItemDataRole.UserRole + 1, entry.payload)
            if entry.counts_as_interaction:
                item.setToolTip(_("Counts as an interaction with the client (answered, detailed comment)."))
            if entry.overdue:
                item.setForeground(QColor("#c0392b"))
            elif entry.kind in (ActivityKind.STAGE_CHANGE, ActivityKind.DOCUMENT,
                                ActivityKind.SYSTEM):
                item.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
            if entry.kind == ActivityKind.TASK and entry.status == ActivityStatus.CANCELLED:
                font = item.font()
                font.setStrikeOut(True)
                item.setFont(font)
            self.entries.addItem(item)

    def texts(self) -> list[str]:
        return [self.entries.item(n).text() for n in range(self.entries.count())]

    def _files_menu(self, item: QListWidgetItem) -> None:
        show_attachment_menu(self, item.data(Qt.ItemDataRole.UserRole + 1))

    def _files_menu_at(self, position: QPoint) -> None:
        item = self.entries.itemAt(position)
        if item is not None:
            show_attachment_menu(self, item.data(Qt.ItemDataRole.UserRole + 1),
                                 self.entries.viewport().mapToGlobal(position))


# --- helpers --------------------------------------------------------------------------------------
