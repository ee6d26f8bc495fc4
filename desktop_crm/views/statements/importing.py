"""File › Import bank statement…: pick the file, import it in the background with progress, then
show the statement review window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from desktop_crm.i18n import _
from desktop_crm.models.enums import Action
from desktop_crm.services.system import rights
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.common.progress import JobProgressDialog
from desktop_crm.views.context import AppContext
from desktop_crm.workers import Job, Progress, run_in_background

FILE_FILTER = "{statements} (*.txt *.xml *.TXT *.XML);;{all} (*)"


def may_import() -> bool:
    return rights.can(Action.REGISTER_PAYMENTS)


def add_file_actions(window: Any, menu: QMenu) -> None:
    """File › Import bank statement… and File › Bank statements… of the main window (both need
    the right to register payments); kept as ``window.import_statement_action`` and
    ``window.statements_action``."""
    context: AppContext = window.context
    allowed = may_import()
    importing = QAction(_("Import bank &statement…"), window)
    importing.setObjectName("action_import_statement")
    importing.setToolTip(_("Register the payments of a bank statement (1C or camt.053) on their invoices"))
    importing.triggered.connect(lambda _checked=False: import_statement_file(context, window))
    listing = QAction(_("Bank statements…"), window)
    listing.setObjectName("action_statements")
    listing.setToolTip(_("The imported bank statements and their lines to review"))
    listing.triggered.connect(lambda _checked=False: _open_statements(context, window))
    for action in (importing, listing):
        action.setEnabled(allowed)
        menu.addAction(action)
    window.import_statement_action = importing
    window.statements_action = listing


def _open_statements(context: AppContext, parent: QWidget) -> None:
    from desktop_crm.views.statements.listing import open_statements

    open_statements(context, parent)


def choose_file(parent: QWidget | None) -> str:
    path, _selected = QFileDialog.getOpenFileName(
        parent, _("Import bank statement"), "",
        FILE_FILTER.format(statements=_("Bank statements (1C, camt.053)"), all=_("All files")))
    return path


def import_statement_file(context: AppContext, parent: QWidget | None,
                          path: str | None = None) -> Job | None:
    """Import ``path`` (asked for when not given); the review window opens when it is done."""
    from desktop_crm.errors import CrmError
    from desktop_crm.services.billing.statements import imports

    path = path or choose_file(parent)
    if not path:
        return None
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        show_error(parent, _("Cannot use {path}: {reason}").format(path=file, reason=error.strerror or error))
        return None
    user_id = context.user.id

    def work(progress: Progress) -> Any:
        def step(done: int, total: int) -> None:
            progress.check()
            progress.report(done, total, _("Matching payments: {done} of {total}").format(
                done=done, total=total))

        return imports.import_statement(data, file.name, user_id, step)

    dialog = JobProgressDialog(_("Importing the bank statement"), parent)

    def done(review: Any) -> None:
        dialog.finish()
        context.notify_changed("invoices")
        context.notify_changed("deals")
        from desktop_crm.views.statements.review import open_statement_review

        open_statement_review(context, review.id, parent)

    def failed(error: BaseException) -> None:
        dialog.finish()
        if not isinstance(error, CrmError):  # a bug: the crash dialog and the log
            import sys

            sys.excepthook(type(error), error, error.__traceback__)
            return
        message = error.message  # shown once the progress dialog is gone (a box runs its own loop)
        QTimer.singleShot(0, lambda: show_error(parent, message, _("Import bank statement")))

    job = run_in_background(work, on_result=done, on_error=failed, on_progress=dialog.update,
                            on_cancelled=dialog.finish, name="import statement")
    dialog.attach(job)
    return job
