"""A progress dialog bound to a background job (``desktop_crm.workers``), with Cancel.

    dialog = JobProgressDialog(_("Exporting deals"), parent)
    job = run_in_background(work, on_result=..., on_error=..., on_progress=dialog.update,
                            on_cancelled=...)
    dialog.attach(job)   # shows after 300 ms unless already finished; Cancel → job.cancel()
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from desktop_crm.i18n import _
from desktop_crm.workers import Job


class JobProgressDialog(QProgressDialog):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progress_dialog")
        self.setWindowTitle(title)
        self.setLabelText(title)
        self.setCancelButtonText(_("Cancel"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(300)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setRange(0, 0)
        self.setMinimumWidth(380)
        self._job: Job | None = None
        self.canceled.connect(self._cancel)

    def attach(self, job: Job) -> None:
        self._job = job
        if job.is_done:
            self.finish()
        else:
            self.setValue(0)

    def update(self, done: int, total: int, text: str = "") -> None:  # type: ignore[override]
        if total > 0:
            if self.maximum() != total:
                self.setRange(0, total)
            self.setValue(min(done, total))
        if text:
            self.setLabelText(text)

    def finish(self) -> None:
        self.reset()
        self.hide()
        self.deleteLater()

    def _cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self.setLabelText(_("Cancelling…"))
