"""The background sender of the main window: a round of the outbox every half minute while the
window is open, and at once when a message was queued (:func:`send_soon`). Rounds never overlap;
the network is only touched off the GUI thread."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer

from desktop_crm.i18n import _, ngettext
from desktop_crm.workers import run_in_background

log = logging.getLogger(__name__)

INTERVAL_MS = 30_000
_runners: dict[int, OutboxRunner] = {}


class OutboxRunner(QObject):
    def __init__(self, context: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.busy = False
        self.again = False
        self.rounds = 0
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.kick)
        self.timer.start()

    def kick(self) -> None:
        """A round now (or right after the one running)."""
        if self.busy:
            self.again = True
            return
        from desktop_crm.services.mail import sender

        self.busy = True
        user = self.context.user.id
        run_in_background(lambda _progress: sender.send_due(user=user), on_result=self._done,
                          on_error=self._failed, name="outbox")

    def _done(self, report: Any) -> None:
        self.busy = False
        self.rounds += 1
        if report.sent or report.failed or report.unknown:
            self.context.notify_changed("mail_message")
        if report.sent:
            self.context.show_status(ngettext("{count} e-mail sent.", "{count} e-mails sent.",
                                              report.sent).format(count=report.sent))
        elif report.failed:
            self.context.show_status(_("An e-mail could not be sent: see the Outbox."))
        self._next()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        log.warning("outbox round failed: %s", error)
        self._next()

    def _next(self) -> None:
        if self.again:
            self.again = False
            self.kick()

    def stop(self) -> None:
        self.timer.stop()
        _runners.pop(id(self.context), None)


def attach(window: Any) -> OutboxRunner:
    runner = OutboxRunner(window.context, window)
    _runners[id(window.context)] = runner
    window.mail_sender = runner
    runner.kick()  # what waited while the application was closed
    return runner


def send_soon(context: Any) -> None:
    """Ask the window's sender for a round now; without one (a dialog opened alone, the tests), a
    round of its own in the background."""
    runner = _runners.get(id(context))
    if runner is not None:
        runner.kick()
        return
    from desktop_crm.services.mail import sender

    user = context.user.id

    def sent(report: Any) -> None:
        if report.sent or report.failed or report.unknown:
            context.notify_changed("mail_message")

    run_in_background(lambda _progress: sender.send_due(user=user), on_result=sent,
                      on_error=lambda error: log.warning("outbox round failed: %s", error),
                      name="outbox")
