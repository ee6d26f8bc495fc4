"""The Outbox: the signed-in user's outgoing e-mail with its status, attempts and last error, and
what can be done about each message (Retry now, Cancel, Send again / Mark as sent for a message
whose delivery is unknown). Reloads whenever messages change anywhere."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import N_, _
from desktop_crm.models.enums import MailStatus
from desktop_crm.services.mail import outbox
from desktop_crm.services.mail.messages import STATUS_LABELS, MessageDTO
from desktop_crm.views.cards.common import HINT_STYLE, RowsModel, local_datetime
from desktop_crm.views.common.dialogs import show_error

ACTIONS: dict[str, tuple[str, tuple[MailStatus, ...]]] = {  # key → (label, statuses it applies to)
    "retry": (N_("Retry now"), (MailStatus.QUEUED, MailStatus.FAILED)),
    "cancel": (N_("Cancel sending"), (MailStatus.QUEUED, MailStatus.FAILED)),
    "send_again": (N_("Send again"), (MailStatus.UNKNOWN,)),
    "mark_sent": (N_("Mark as sent"), (MailStatus.UNKNOWN,)),
}


def _short(text: str, limit: int = 90) -> str:
    """The first sentence of an error for the table (the whole one is shown below it)."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    sentence = first.split(". ", 1)[0]
    sentence = sentence if sentence.endswith(".") or sentence == first else sentence + "."
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


class OutboxView(QWidget):
    def __init__(self, context: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mail_outbox")
        self.context = context
        self.messages: list[MessageDTO] = []
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.summary = QLabel(self)
        self.summary.setObjectName("outbox_summary")
        top.addWidget(self.summary, 1)
        self.send_now = QPushButton(_("Send queued now"), self)
        self.send_now.setObjectName("outbox_send_now")
        self.send_now.clicked.connect(self._send_now)
        top.addWidget(self.send_now)
        layout.addLayout(top)
        self.model = RowsModel([_("Status"), _("Created"), _("To"), _("Subject"), _("Attempts"),
                                _("Next attempt / sent"), _("Last error")], self)
        self.table = QTableView(self)
        self.table.setObjectName("outbox_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.detail = QLabel(self)
        self.detail.setObjectName("outbox_detail")
        self.detail.setWordWrap(True)
        self.detail.setStyleSheet(HINT_STYLE)
        layout.addWidget(self.detail)
        bar = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, (text, _statuses) in ACTIONS.items():
            button = QPushButton(_(text), self)
            button.setObjectName(f"outbox_{key}")
            button.clicked.connect(self._runner(key))
            bar.addWidget(button)
            self.buttons[key] = button
        bar.addStretch(1)
        layout.addLayout(bar)
        context.signals.changed.connect(self._changed)
        self.reload()

    def _selection_changed(self, *_args: object) -> None:
        self._update_actions()

    def _changed(self, entity: str) -> None:
        if entity in ("mail_message", "mail"):
            self.reload()

    def reload(self) -> None:
        selected = self.current()
        try:
            self.messages = outbox.outbox(self.context.user.id)
        except CrmError as error:
            self.summary.setText(error.message)
            return
        rows: list[tuple[Any, list[str]]] = []
        for message in self.messages:
            when = message.date if message.status == MailStatus.SENT else message.next_attempt_at
            rows.append((message.id, [
                _(STATUS_LABELS[message.status]), local_datetime(message.created_at),
                ", ".join(message.to), message.subject, str(message.attempts),
                local_datetime(when) if message.status in (MailStatus.SENT, MailStatus.QUEUED)
                else "", _short(message.last_error)]))
        self.model.set_rows(rows)
        self.table.resizeRowsToContents()
        waiting = sum(m.status in (MailStatus.QUEUED, MailStatus.SENDING) for m in self.messages)
        attention = sum(m.status in (MailStatus.FAILED, MailStatus.UNKNOWN) for m in self.messages)
        self.summary.setText(_("Waiting to be sent: {waiting}. Need your attention: {attention}.")
                             .format(waiting=waiting, attention=attention))
        if selected is not None:
            for row, message in enumerate(self.messages):
                if message.id == selected.id:
                    self.table.selectRow(row)
        self._update_actions()

    def current(self) -> MessageDTO | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or not self.messages:
            return None
        row = rows[0].row()
        return self.messages[row] if row < len(self.messages) else None

    def select(self, row: int) -> None:
        self.table.setCurrentIndex(self.model.index(row, 0, QModelIndex()))
        self.table.selectRow(row)

    def _update_actions(self) -> None:
        message = self.current()
        for key, (_text, statuses) in ACTIONS.items():
            self.buttons[key].setEnabled(message is not None and message.status in statuses)
        self.detail.setText(message.last_error if message is not None else "")

    def _runner(self, key: str) -> Any:
        def run(*_args: object) -> None:
            self.run_action(key)

        return run

    def run_action(self, key: str) -> None:
        message = self.current()
        if message is None:
            return
        action = {"retry": outbox.retry_now, "cancel": outbox.cancel,
                  "send_again": outbox.send_again, "mark_sent": outbox.mark_sent}[key]
        try:
            action(message.id)
        except CrmError as error:
            show_error(self, error.message)
            return
        self.context.notify_changed("mail_message")
        if key in ("retry", "send_again"):
            self._send_now()

    def _send_now(self) -> None:
        from desktop_crm.views.mail.runner import send_soon

        send_soon(self.context)

    def activated(self) -> None:
        self.reload()
