"""Writes a view makes for itself (a list's column layout and filter), off the GUI thread.

Such a write used to run on the GUI thread 1.5 s after a sort, a filter or a resized column: while
a sync or a batch held SQLite's write lock, the window froze for the interactive wait and then
asked "Retry?" about a column width. On a pool thread the write waits its turn quietly. Writes run
one at a time, in order; a write asked for while one runs replaces any other still waiting (each
carries the whole state, so only the newest matters).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from desktop_crm.workers import Job, run_in_background

log = logging.getLogger(__name__)


class BackgroundSaver:
    def __init__(self, name: str) -> None:
        self.name = name
        self._job: Job | None = None
        self._waiting: Callable[[], object] | None = None

    def save(self, write: Callable[[], object]) -> None:
        """Run ``write()`` (one transaction of plain values, no widgets) on a pool thread."""
        if self._job is not None and not self._job.is_done:
            self._waiting = write
            return
        self._job = run_in_background(lambda _progress: write(), on_result=self._finished,
                                      on_error=self._failed, name=self.name)

    def _finished(self, _result: object = None) -> None:
        write, self._waiting = self._waiting, None
        if write is not None:
            self.save(write)

    def _failed(self, error: BaseException) -> None:
        log.warning("%s failed: %s", self.name, error)  # a preference, not worth a message box
        self._finished()
