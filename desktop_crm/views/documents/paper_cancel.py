"""Cancelling an issued paper (акт, УПД, договор, DDT…) from the deal's Invoices tab: the reason is
asked for, the paper stays listed marked cancelled, its number is never reused and its stored
files stay readable exactly as issued (``paper_issue.cancel_paper``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.services.billing import paper_issue
from desktop_crm.views.common.dialogs import show_error


class CancelPaperDialog(QDialog):
    """Asks why the paper is cancelled; OK cancels it (one service call) and reports back."""

    def __init__(self, paper: paper_issue.IssuedPaperInfo, done: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cancel_paper_dialog")
        self.setWindowTitle(_("Cancel paper"))
        self.paper = paper
        self.done_callback = done
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_(
            "Cancel {title} no. {number}? Its number is never used again and its file stays as "
            "issued, marked cancelled.").format(title=paper.title, number=paper.number), self))
        layout.addWidget(QLabel(_("Reason"), self))
        self.reason = QLineEdit(self)
        self.reason.setObjectName("cancel_reason")
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText(_("Why the paper is cancelled (kept with it)"))
        layout.addWidget(self.reason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Cancel paper"))
        self.ok_button.setObjectName("confirm_cancel_paper")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Keep it"))
        self.buttons.accepted.connect(self.cancel_paper)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.reason.text().strip()))

    def cancel_paper(self) -> None:
        try:
            paper_issue.cancel_paper(self.paper.id, self.reason.text())
        except CrmError as error:
            show_error(self, error.message)
            return
        self.accept()
        self.done_callback()
