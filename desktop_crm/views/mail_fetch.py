"""Receiving mail in the main window: the "Fetch mail" action (toolbar and File menu) and a fetch
every few minutes while the window is open, both off the GUI thread, with their outcome in the
status bar. Rounds never overlap; a periodic round without a mail account (or without IMAP) stays
silent, the action says what to set up."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _, ngettext
from desktop_crm.workers import run_in_background

log = logging.getLogger(__name__)

INTERVAL_MS = 5 * 60_000
FIRST_DELAY_MS = 20_000


def outcome_text(result: Any) -> str:
    """The status-bar line of a finished fetch."""
    if not result.read and not result.receipts:
        return _("Mail fetched: nothing new.")
    text = ngettext("Mail fetched: {count} new message, {linked} linked to clients.",
                    "Mail fetched: {count} new messages, {linked} linked to clients.",
                    result.read).format(count=result.read, linked=len(result.stored))
    if result.receipts:
        text += " " + ngettext("{count} SDI receipt.", "{count} SDI receipts.",
                               len(result.receipts)).format(count=len(result.receipts))
    return text


class MailFetcher(QObject):
    """The window's fetcher: ``fetch_now`` (the action) and a timer."""

    def __init__(self, context: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.busy = False
        self.stopped = False
        self.last_text = ""
        self.first = QTimer(self)  # the first round, a little after the window opened
        self.first.setSingleShot(True)
        self.first.setInterval(FIRST_DELAY_MS)
        self.first.timeout.connect(lambda: self.fetch_now(quiet=True))
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(lambda: self.fetch_now(quiet=True))
        self.action = QAction(_("Fetch mail"), self)
        self.action.setObjectName("fetch_mail")
        self.action.setToolTip(_("Read new e-mail and put your clients' messages on their timelines"))
        self.action.triggered.connect(lambda: self.fetch_now(quiet=False))

    def start(self) -> None:
        self.first.start()
        self.timer.start()

    def fetch_now(self, quiet: bool = False) -> None:
        if self.busy or self.stopped:
            return
        from desktop_crm.services.mail import accounts, fetch

        user = self.context.user.id
        if quiet:  # the timer: only with an IMAP account (a cheap look, no network)
            try:
                account = accounts.account_of(user)
            except Exception as error:  # the database went away under a timer: nothing to do
                log.info("periodic mail fetch skipped: %s", error)
                return
            if account is None or not account.has_imap:
                return
        self.busy = True
        self.action.setEnabled(False)
        if not quiet:
            self.context.show_status(_("Fetching mail…"))
        run_in_background(lambda _progress: fetch.fetch(user), on_result=self._done,
                          on_error=lambda error: self._failed(error, quiet), name="mail fetch")

    def _done(self, result: Any) -> None:
        self.busy = False
        self.action.setEnabled(True)
        self.last_text = outcome_text(result)
        if result.stored or result.receipts:
            for entity in ("mail_message", "deals", "contacts", "companies", "invoices"):
                self.context.notify_changed(entity)
        self.context.show_status(self.last_text)

    def _failed(self, error: BaseException, quiet: bool) -> None:
        self.busy = False
        self.action.setEnabled(True)
        message = error.message if isinstance(error, CrmError) else str(error)
        self.last_text = _("Mail could not be fetched: {reason}").format(reason=message)
        log.warning("mail fetch failed: %s", message)
        if quiet:
            self.context.show_status(self.last_text)
            return
        from desktop_crm.views.common.dialogs import show_error

        parent = self.parent()
        show_error(parent if isinstance(parent, QWidget) else None, self.last_text)

    def stop(self) -> None:
        """The window closes: no more rounds (a running one finishes in the background)."""
        self.timer.stop()
        self.first.stop()
        self.stopped = True


def attach(window: Any) -> MailFetcher:
    """The action in the toolbar and the File menu, and the timer."""
    fetcher = MailFetcher(window.context, window)
    window.mail_fetcher = fetcher
    window.toolbar.addAction(fetcher.action)
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    if menus:
        menus[0].insertAction(menus[0].actions()[1] if len(menus[0].actions()) > 1 else None,
                              fetcher.action)
    fetcher.start()
    return fetcher

