"""The compose dialog: a deal's document by e-mail, or a plain message to an address of a card.

For a document the recipients come from the deal's contact and company (editable), the subject and
body from the mail template of the document's kind and language (choosing another language
rewrites them while they are unedited), the PDF is attached (DOCX or FatturaPA XML on request). A
draft is issued before it is sent — the dialog asks first. "Send" queues the message (committed)
and asks the background sender to go; it never waits for the network.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.i18n import _
from desktop_crm.services.mail import accounts, document_mail, outbox
from desktop_crm.views.cards.common import ERROR_STYLE, HINT_STYLE
from desktop_crm.views.common.dialogs import confirm
from desktop_crm.workers import run_in_background

LANGUAGES = {"ru": "Русский", "it": "Italiano", "en": "English"}


class ComposeDialog(QDialog):
    """One message: To, Cc, subject, body, the document's files."""

    def __init__(self, context: Any, parent: QWidget | None = None, *, to: str = "",
                 deal_id: Any = None, kind: str | None = None, document_id: Any = None,
                 contact_id: Any = None, company_id: Any = None, lead_id: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("mail_compose")
        self.context = context
        self.links = {"deal_id": deal_id, "contact_id": contact_id, "company_id": company_id,
                      "lead_id": lead_id}
        self.kind = kind
        self.document_id = document_id
        self.draft: document_mail.DocumentMailDraft | None = None
        self.queued: Any = None
        self._edited = False
        self.setWindowTitle(_("New e-mail"))
        self.resize(680, 560)
        layout = QVBoxLayout(self)
        self.account_note = QLabel(self)
        self.account_note.setObjectName("compose_account")
        self.account_note.setStyleSheet(HINT_STYLE)
        layout.addWidget(self.account_note)
        form = QFormLayout()
        self.to = QLineEdit(to, self)
        self.to.setObjectName("compose_to")
        form.addRow(_("To:"), self.to)
        self.cc = QLineEdit(self)
        self.cc.setObjectName("compose_cc")
        form.addRow(_("Cc:"), self.cc)
        self.language = QComboBox(self)
        self.language.setObjectName("compose_language")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language_label = QLabel(_("Language:"), self)
        form.addRow(self.language_label, self.language)
        self.subject = QLineEdit(self)
        self.subject.setObjectName("compose_subject")
        self.subject.textEdited.connect(self._mark_edited)
        form.addRow(_("Subject:"), self.subject)
        layout.addLayout(form)
        self.body = QPlainTextEdit(self)
        self.body.setObjectName("compose_body")
        self.body.textChanged.connect(self._body_changed)
        layout.addWidget(self.body, 1)
        self.files_row = QHBoxLayout()
        self.files_label = QLabel(_("Attach:"), self)
        self.files_row.addWidget(self.files_label)
        self.formats: dict[str, QCheckBox] = {}
        for fmt, text in (("pdf", "PDF"), ("docx", _("Word (DOCX)")), ("xml", _("FatturaPA XML"))):
            box = QCheckBox(text, self)
            box.setObjectName(f"attach_{fmt}")
            box.setChecked(fmt == "pdf")
            self.formats[fmt] = box
            self.files_row.addWidget(box)
        self.files_row.addStretch(1)
        layout.addLayout(self.files_row)
        self.note = QLabel(self)
        self.note.setObjectName("compose_note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(HINT_STYLE)
        layout.addWidget(self.note)
        self.error = QLabel(self)
        self.error.setObjectName("compose_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.send_button = QPushButton(_("Send"), self)
        self.send_button.setObjectName("compose_send")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        cancel = QPushButton(_("Cancel"), self)
        cancel.clicked.connect(self.reject)
        buttons.addWidget(self.send_button)
        buttons.addWidget(cancel)
        layout.addLayout(buttons)
        self._load()

    # -- filling in ------------------------------------------------------------------------------

    def _load(self) -> None:
        account = accounts.account_of(self.context.user.id)
        self.account_note.setText(
            _("From: {sender}").format(sender=f"{account.display_name} <{account.address}>"
                                       if account.display_name else account.address)
            if account else _("Set up your mail account first (Settings › Mail account)."))
        self.send_button.setEnabled(account is not None)
        is_document = self.kind is not None
        for widget in (self.language, self.language_label, self.files_label, *self.formats.values()):
            widget.setVisible(is_document)
        if not is_document:
            return
        try:
            self.draft = document_mail.prepare(self.links["deal_id"], str(self.kind), None,
                                               self.context.user.id, self.document_id)
        except CrmError as error:
            self.show_error(error.message)
            self.send_button.setEnabled(False)
            return
        draft = self.draft
        self.setWindowTitle(_("Send by e-mail"))
        if not self.to.text():
            self.to.setText(draft.to)
        self.cc.setText(draft.cc)
        self.language.blockSignals(True)
        self.language.setCurrentIndex(max(self.language.findData(draft.language), 0))
        self.language.blockSignals(False)
        self.language.currentIndexChanged.connect(self._language_changed)
        self._set_texts(draft.subject, draft.body)
        for fmt, box in self.formats.items():
            box.setEnabled(fmt in draft.formats)
            box.setVisible(fmt in draft.formats)
        if draft.is_draft:
            self.note.setText(_("This document is a draft: it will be issued (numbered and kept "
                                "as issued) before it is sent."))
        else:
            self.note.setText(_("The issued document is attached exactly as it was issued."))

    def _set_texts(self, subject: str, body: str) -> None:
        self.subject.setText(subject)
        self.body.blockSignals(True)
        self.body.setPlainText(body)
        self.body.blockSignals(False)
        self._edited = False

    def _mark_edited(self, *_args: object) -> None:
        self._edited = True

    def _body_changed(self) -> None:
        self._edited = True

    def _language_changed(self) -> None:
        if self._edited or self.draft is None:
            return
        try:
            fresh = document_mail.prepare(self.links["deal_id"], str(self.kind),
                                          str(self.language.currentData()),
                                          self.context.user.id, self.document_id)
        except CrmError as error:
            self.show_error(error.message)
            return
        self._set_texts(fresh.subject, fresh.body)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def chosen_formats(self) -> tuple[str, ...]:
        return tuple(f for f, box in self.formats.items() if not box.isHidden() and box.isChecked())

    # -- sending ---------------------------------------------------------------------------------

    def send(self) -> None:
        self.show_error("")
        draft = self.draft
        if draft is not None and draft.is_draft and not confirm(
                self, _("Issue and send"),
                _("The document is a draft. Issue it now (it gets its number and can no longer be "
                  "changed) and send it?"), _("Issue and send")):
            return
        if draft is not None and not self.chosen_formats():
            self.show_error(_("Choose at least one file to attach."))
            return
        user = self.context.user.id
        to, cc, subject, body = self.to.text(), self.cc.text(), self.subject.text(), \
            self.body.toPlainText()
        if draft is None:
            message = outbox.OutgoingMessage(to=to, cc=cc, subject=subject, body=body,
                                             **self.links)

            def work(_progress: Any) -> Any:
                return outbox.queue(message, user=user)
        else:
            formats, language = self.chosen_formats(), str(self.language.currentData())
            document_id = self.document_id or draft.document_id or None
            # a draft's number is known once issued: unedited texts are made again after that
            keep = self._edited or not draft.is_draft

            def work(_progress: Any) -> Any:
                return document_mail.queue_document(
                    draft.deal_id, draft.kind, to, cc, subject if keep else None,
                    body if keep else None, language, formats, user=user,
                    document_id=document_id)
        self.send_button.setEnabled(False)
        run_in_background(work, on_result=self._queued, on_error=self._failed, name="mail queue")

    def _queued(self, message: Any) -> None:
        from desktop_crm.views.mail.runner import send_soon

        self.queued = message
        self.context.show_status(_("The message is in the outbox and goes out as soon as the mail "
                                   "server can be reached."))
        for entity in ("mail_message", "deals", "quotes", "invoices"):
            self.context.notify_changed(entity)
        send_soon(self.context)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.send_button.setEnabled(True)
        if not isinstance(error, CrmError):
            raise error
        self.show_error(error.message)
        if isinstance(error, ValidationError) and error.field in ("to", "cc", "subject"):
            {"to": self.to, "cc": self.cc, "subject": self.subject}[error.field].setFocus()


def open_compose(context: Any, parent: QWidget | None = None, **kwargs: Any) -> ComposeDialog:
    dialog = ComposeDialog(context, parent, **kwargs)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
