"""Standard dialogs: expected errors (``CrmError``), crashes (bugs) and confirmations.

* :func:`show_error` — an expected problem (validation, a rule, a locked database): a plain
  warning with the translated message.
* :func:`show_crash` — a bug: says so politely, offers the technical details and the log file, and
  leaves the application running. Non-blocking (``open()``), so a crash while a modal dialog runs
  does not stack event loops.
* :func:`confirm` — yes/no before destructive actions; the safe answer is the default.
* :func:`ask_save_discard_cancel` — save, discard or cancel before unsaved changes are closed.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_crm.i18n import _


def show_error(parent: QWidget | None, message: str, title: str | None = None) -> None:
    QMessageBox.warning(parent, title or _("Desktop CRM"), message)


def error_box(parent: QWidget | None, message: str, title: str | None = None) -> QMessageBox:
    """A non-blocking warning box (already shown); for errors arriving from background work."""
    box = QMessageBox(QMessageBox.Icon.Warning, title or _("Desktop CRM"), message,
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("error_dialog")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def show_crash(parent: QWidget | None, summary: str, details: str, log_path: Path | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("crash_dialog")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(_("Unexpected error"))
    box.setText(
        _("Something went wrong: {summary}").format(summary=summary)
    )
    informative = _("The application keeps running, but the last action may not have completed.")
    if log_path is not None:
        informative += "\n" + _("Details were written to the log: {path}").format(path=log_path)
    box.setInformativeText(informative)
    box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def confirm(parent: QWidget | None, title: str, text: str, yes_text: str | None = None) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    yes = box.addButton(yes_text or _("Yes"), QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes


def ask_save_discard_cancel(parent: QWidget | None, text: str) -> str:
    """"save", "discard" or "cancel" for unsaved changes about to be closed (Save is the default)."""
    box = QMessageBox(QMessageBox.Icon.Question, _("Unsaved changes"), text,
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("unsaved_dialog")
    save = box.addButton(_("Save"), QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton(_("Discard changes"), QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(save)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    return "save" if clicked is save else "discard" if clicked is discard else "cancel"


def ask_retry_busy(parent: QWidget | None = None) -> bool:
    """"The database is busy": True for Retry, False for Cancel (the change is then not saved).

    Asked when another program or user holds the database's write lock longer than the window may
    wait for it; the dialog's own event loop keeps the window responsive meanwhile."""
    box = QMessageBox(QMessageBox.Icon.Warning, _("The database is busy"), _(
        "Another program or user is changing the database right now, so this change cannot be "
        "saved yet. Retry in a moment, or cancel the change."),
        QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("database_busy_dialog")
    retry = box.addButton(_("Retry"), QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(retry)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is retry
