"""Stage moves asked from the board (drag and drop, "Move to stage", Alt+←/→) or the deal card's
stage bar: the same flow everywhere.

1. A refusal of the stage rules is shown with its reason (and, when fields are missing, a button
   that opens the deal to fill them in). Nothing moved, so the card stays where it was.
2. Moving to a lost stage asks the rules first (``services.board.check_move``: no point asking a
   reason for a move that is refused), then the reason (the configurable list) and a comment;
   moving to a won stage likewise asks why it was won (Settings › Rules, none preselected).
3. ``services.board.move`` runs the rules in one transaction (tasks cancelled and created,
   history, timeline, the won check) and the caller gets the :class:`BoardMove` back.

Dialogs are window-modal but non-blocking (``open()``), so nothing nests event loops.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.ids import DealId, StageId
from desktop_crm.models.enums import Action
from desktop_crm.services.sales import board, rules
from desktop_crm.services.sales.board import BoardMove
from desktop_crm.services.system import rights
from desktop_crm.views.context import AppContext


class LostReasonDialog(QDialog):
    """Why was the deal lost? A reason from the configured list (none chosen in advance: a
    preselected reason would be what careless answers report), plus a comment, which "Other"
    requires."""

    def __init__(self, title: str, reasons: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lost_reason_dialog")
        self.setWindowTitle(_("Deal lost"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        intro = QLabel(_("Why was “{title}” lost?").format(title=title), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.reason = QComboBox(self)
        self.reason.setObjectName("lost_reason")
        self.reason.setAccessibleName(_("Reason"))
        self.reason.addItems(reasons)
        self.reason.setPlaceholderText(_("Choose a reason"))
        self.reason.setCurrentIndex(-1)
        reason_label = QLabel(_("&Reason:"), self)
        reason_label.setBuddy(self.reason)
        form.addRow(reason_label, self.reason)
        self.comment = QLineEdit(self)
        self.comment.setObjectName("lost_comment")
        self.comment.setAccessibleName(_("Comment"))
        comment_label = QLabel(_("&Comment:"), self)
        comment_label.setBuddy(self.comment)
        form.addRow(comment_label, self.comment)
        layout.addLayout(form)
        self.hint = QLabel(self)
        self.hint.setObjectName("lost_hint")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Mark as lost"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason.currentIndexChanged.connect(self._check)
        self.comment.textChanged.connect(self._check)
        self.setMinimumWidth(420)
        self._check()

    def chosen(self) -> str:
        return self.reason.currentText() if self.reason.currentIndex() >= 0 else ""

    def _check(self) -> None:
        reason = self.chosen()
        needs_comment = bool(reason) and rules.reason_needs_comment(reason)
        self.comment.setPlaceholderText(
            _("What happened (required for “{reason}”)").format(reason=reason) if needs_comment
            else _("What happened (optional)"))
        if not reason:
            hint = _("Choose why the deal was lost.")
        elif needs_comment and not self.comment.text().strip():
            hint = _("Say in the comment why the deal was lost.")
        else:
            hint = ""
        self.hint.setText(hint)
        self.ok_button.setEnabled(not hint)

    def accept(self) -> None:
        if self.ok_button.isEnabled():
            super().accept()


class WonReasonDialog(QDialog):
    """Why was the deal won? A reason from the configured list (none preselected), and a comment."""

    def __init__(self, title: str, reasons: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("won_reason_dialog")
        self.setWindowTitle(_("Deal won"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        intro = QLabel(_("Why was “{title}” won?").format(title=title), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.reason = QComboBox(self)
        self.reason.setObjectName("won_reason")
        self.reason.setPlaceholderText(_("Choose a reason"))
        self.reason.addItems(reasons)
        self.reason.setCurrentIndex(-1)
        form.addRow(_("Reason:"), self.reason)
        self.comment = QLineEdit(self)
        self.comment.setObjectName("won_comment")
        self.comment.setPlaceholderText(_("What made the difference (optional)"))
        form.addRow(_("Comment:"), self.comment)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(_("Mark as won"))
        self.ok.setEnabled(False)
        self.reason.currentIndexChanged.connect(lambda index: self.ok.setEnabled(index >= 0))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)


def _offer_reopen(parent: QWidget, context: AppContext, deal_id: DealId, stage_id: StageId) -> bool:
    """An administrator moving a closed deal to an open stage is asked to reopen it (with a
    reason, into that stage); the windows showing it reload. False when the deal is not closed."""
    from desktop_crm.services.sales import closing
    from desktop_crm.views.cards.closing import ReopenDialog

    choice = closing.reopen_choice(deal_id)
    if not choice.closed:
        return False
    dialog = ReopenDialog(choice, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.choice.setCurrentIndex(max(0, dialog.choice.findData(str(stage_id))))

    def reopen() -> None:
        try:
            closing.reopen(deal_id, str(dialog.choice.currentData()), context.user.id,
                           dialog.comment.text())
        except CrmError as error:
            show_refusal(parent, error.message, [], None)
            return
        context.notify_changed("deals")
        context.show_status(_("The deal is open again."))

    dialog.accepted.connect(reopen)
    dialog.open()
    return True


def show_refusal(
    parent: QWidget | None, message: str, missing: list[str], open_deal: Callable[[], None] | None,
) -> QMessageBox:
    """The rules said no: say why; offer to open the deal when fields are missing."""
    box = QMessageBox(QMessageBox.Icon.Warning, _("The deal cannot be moved"), message,
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("move_refused")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    if missing and open_deal is not None:
        button = box.addButton(_("Open the deal"), QMessageBox.ButtonRole.ActionRole)
        button.clicked.connect(open_deal)
    box.addButton(QMessageBox.StandardButton.Ok)
    box.open()
    return box


def request_move(
    parent: QWidget,
    context: AppContext,
    deal_id: DealId,
    deal_title: str,
    stage_id: StageId,
    stage_kind: str,
    on_moved: Callable[[BoardMove], None],
    on_refused: Callable[[str], None] | None = None,
) -> None:
    """Run the move flow (see the module docstring); ``on_moved`` gets the committed move."""

    def refused(message: str, missing: list[str]) -> None:
        show_refusal(parent, message, missing,
                     lambda: context.open_record("deals", deal_id, parent))
        if on_refused is not None:
            on_refused(message)

    def commit(reason: str | None, comment: str, won_reason: str | None = None) -> None:
        try:
            result = board.move(deal_id, stage_id, context.user.id, reason, comment,
                                won_reason=won_reason)
        except CrmError as error:
            refused(error.message, list(getattr(error, "missing", []) or []))
            return
        on_moved(result)

    if stage_kind == "lost":
        check = board.check_move(deal_id, stage_id)
        if not check.allowed:
            refused(check.reason, list(check.missing))
            return
        if not check.needs_lost_reason:
            commit(None, "")
            return
        reasons = board.lost_reasons()
        dialog = LostReasonDialog(deal_title, reasons, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: commit(dialog.chosen() or None, dialog.comment.text())
        )
        dialog.open()
        return
    if stage_kind == "open" and rights.can(Action.REOPEN) and _offer_reopen(
            parent, context, deal_id, stage_id):
        return
    if stage_kind == "won":
        check = board.check_move(deal_id, stage_id)
        if not check.allowed:  # no point asking why it was won when the rules refuse the move
            refused(check.reason, list(check.missing))
            return
        won_dialog = WonReasonDialog(deal_title, board.won_reasons(), parent)
        won_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        won_dialog.accepted.connect(lambda: commit(None, won_dialog.comment.text(),
                                                   won_dialog.reason.currentText() or None))
        won_dialog.open()
        return
    commit(None, "")
