"""Leads marked as junk with a reason, and an administrator reopening a closed deal
(``services.sales.closing``): the dialogs and the list actions that open them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError
from desktop_crm.i18n import _, ngettext
from desktop_crm.services.sales import closing
from desktop_crm.views.cards.common import ERROR_STYLE
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.context import AppContext


class _ReasonDialog(QDialog):
    """A choice, a comment and OK enabled only when the choice is complete."""

    def __init__(self, title: str, intro: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        label = QLabel(intro, self)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.choice = QComboBox(self)
        self.comment = QLineEdit(self)
        self.message = QLabel(self)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(ok_text)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.choice.currentIndexChanged.connect(lambda _i: self.check())
        self.comment.textChanged.connect(lambda _t: self.check())
        self.setMinimumWidth(460)

    def finish_layout(self) -> None:
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.check()

    def errors(self) -> dict[str, str]:
        return {}

    def check(self) -> None:
        errors = self.errors()
        self.ok.setEnabled(not errors)
        shown = errors.get("comment", "") if self.choice.currentIndex() >= 0 else ""
        self.message.setText(shown)
        self.message.setVisible(bool(shown))


class JunkDialog(_ReasonDialog):
    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(
            _("Junk leads"),
            ngettext("Why is the lead junk?", "Why are the {count} leads junk?", count).format(
                count=count),
            _("Mark as junk"), parent)
        self.setObjectName("junk_dialog")
        self.choice.setObjectName("junk_reason")
        self.choice.setPlaceholderText(_("Choose a reason"))
        for key, text in closing.junk_reasons():
            self.choice.addItem(text, key)
        self.choice.setCurrentIndex(-1)  # nothing preselected: the reason is the user's
        self.form.addRow(_("Reason:"), self.choice)
        self.comment.setObjectName("junk_comment")
        self.comment.setPlaceholderText(_("What happened (required for Other)"))
        self.form.addRow(_("Comment:"), self.comment)
        self.finish_layout()

    def errors(self) -> dict[str, str]:
        return closing.junk_errors(str(self.choice.currentData() or ""), self.comment.text())


class ReopenDialog(_ReasonDialog):
    def __init__(self, choice: closing.ReopenChoice, parent: QWidget | None = None) -> None:
        super().__init__(
            _("Reopen the deal"),
            _("“{title}” is closed ({stage}). Reopen it into an open stage of its pipeline; "
              "the reason goes to its timeline.").format(title=choice.title, stage=choice.stage_name),
            _("Reopen"), parent)
        self.setObjectName("reopen_dialog")
        self.choice.setObjectName("reopen_stage")
        for stage_id, name in choice.stages:
            self.choice.addItem(name, str(stage_id))
        self.form.addRow(_("Stage:"), self.choice)
        self.comment.setObjectName("reopen_comment")
        self.comment.setPlaceholderText(_("Why the deal is reopened"))
        self.form.addRow(_("Reason:"), self.comment)
        self.finish_layout()

    def errors(self) -> dict[str, str]:
        if self.choice.currentIndex() < 0:
            return {"stage": ""}
        return {} if self.comment.text().strip() else {"comment": ""}


def junk_selected(context: AppContext, parent: QWidget | None, ids: list[str]) -> JunkDialog:
    """The leads list's action (and the lead card's button): junk with a reason."""
    dialog = JunkDialog(len(ids), parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def run() -> None:
        try:
            result = closing.mark_junk(ids, context.user.id, str(dialog.choice.currentData()),
                                       dialog.comment.text())
        except CrmError as error:
            show_error(parent, error.message)
            return
        context.notify_changed(Entity.LEADS)
        if result.refused:
            show_error(parent, "\n".join(result.refused))
        else:
            context.show_status(ngettext("{count} lead marked as junk.",
                                         "{count} leads marked as junk.",
                                         result.marked).format(count=result.marked))

    dialog.accepted.connect(run)
    dialog.open()
    return dialog


def reopen_selected(context: AppContext, parent: QWidget | None, ids: list[str]) -> ReopenDialog | None:
    """The deals list's action for administrators: reopen one closed deal."""
    if len(ids) != 1:
        return None
    try:
        choice = closing.reopen_choice(ids[0])
    except CrmError as error:
        show_error(parent, error.message)
        return None
    if not choice.closed:
        show_error(parent, _("“{title}” is not closed.").format(title=choice.title))
        return None
    dialog = ReopenDialog(choice, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def run() -> None:
        try:
            closing.reopen(choice.deal_id, str(dialog.choice.currentData()), context.user.id,
                           dialog.comment.text())
        except CrmError as error:
            show_error(parent, error.message)
            return
        context.notify_changed(Entity.DEALS)
        context.show_status(_("The deal is open again."))

    dialog.accepted.connect(run)
    dialog.open()
    return dialog
