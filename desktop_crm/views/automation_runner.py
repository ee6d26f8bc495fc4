"""The delayed robots in the main window: a look at the runs this computer owns a few seconds after
the window opened, then every few minutes, off the GUI thread; what they did is reloaded on
screen and said in the status bar. Rounds never overlap."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer

from desktop_crm.i18n import ngettext
from desktop_crm.workers import run_in_background

log = logging.getLogger(__name__)

FIRST_DELAY_MS = 8_000
INTERVAL_MS = 5 * 60_000


class DueRobots(QObject):
    def __init__(self, context: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.busy = False
        self.stopped = False
        self.first = QTimer(self)
        self.first.setSingleShot(True)
        self.first.setInterval(FIRST_DELAY_MS)
        self.first.timeout.connect(self.run_now)
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.run_now)

    def start(self) -> None:
        self.first.start()
        self.timer.start()

    def stop(self) -> None:
        self.stopped = True
        self.first.stop()
        self.timer.stop()

    def run_now(self) -> None:
        if self.busy or self.stopped:
            return
        from desktop_crm.services.sales.automation import engine

        self.busy = True
        user = self.context.user.id
        run_in_background(lambda _progress: engine.run_due(user), on_result=self._done,
                          on_error=self._failed, name="robots")

    def _done(self, runs: list[Any]) -> None:
        self.busy = False
        if not runs or self.stopped:
            return
        for entity in ("deals", "tasks", "mail_message"):
            self.context.notify_changed(entity)
        self.context.show_status(ngettext("{count} delayed robot acted.",
                                          "{count} delayed robots acted.", len(runs))
                                 .format(count=len(runs)))

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        log.warning("delayed robots failed: %s", error)


def attach(window: Any) -> DueRobots:
    runner = DueRobots(window.context, window)
    window.due_robots = runner
    runner.start()
    return runner
