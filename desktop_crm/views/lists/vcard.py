"""Contacts › Export to vCard…: the selected contacts, or every contact matching the filter when
none is selected, to a ``.vcf`` file (``services.listing.vcard``), in the background."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from desktop_crm.errors import CrmError
from desktop_crm.filenames import safe_file_name
from desktop_crm.i18n import _, ngettext
from desktop_crm.services.listing.export import ExportResult
from desktop_crm.services.listing.vcard import export_vcards
from desktop_crm.views.common.dialogs import error_box
from desktop_crm.views.common.progress import JobProgressDialog
from desktop_crm.workers import Progress, run_in_background


def export_vcard(context: Any, view: QWidget, ids: list[str]) -> QFileDialog:
    """Ask where to write (a non-native dialog, the same on every system), then export."""
    dialog = QFileDialog(view, _("Export to vCard"))
    dialog.setObjectName("vcard_file_dialog")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter(_("vCard file (*.vcf)"))
    dialog.setDefaultSuffix("vcf")
    dialog.setDirectory(str(Path.home()))
    dialog.selectFile(safe_file_name(_("Contacts"), "vcf", fallback="contacts"))
    chosen = list(ids)
    dialog.fileSelected.connect(lambda path: export_to(context, view, chosen, Path(path)))
    dialog.open()
    return dialog


def export_to(context: Any, view: Any, ids: list[str], path: Path) -> Any:
    flt, sort = view.source.filter, view.source.sort
    user_id = str(context.user.id)
    progress_dialog = JobProgressDialog(_("Exporting contacts to vCard…"), view)

    def work(progress: Progress) -> ExportResult:
        return export_vcards(path, ids or None, flt, sort, user_id, progress)

    def done(result: ExportResult) -> None:
        progress_dialog.finish()
        context.show_status(ngettext("{count} contact exported to {path}",
                                     "{count} contacts exported to {path}",
                                     result.rows).format(count=result.rows, path=result.path))

    def failed(error: BaseException) -> None:
        progress_dialog.finish()
        if not isinstance(error, CrmError | OSError):
            raise error
        error_box(view, _("The export failed: {reason}").format(
            reason=getattr(error, "message", error)))

    def cancelled() -> None:
        progress_dialog.finish()
        context.show_status(_("Export cancelled."))

    job = run_in_background(work, on_result=done, on_error=failed,
                            on_progress=progress_dialog.update, on_cancelled=cancelled,
                            name="export-vcard")
    progress_dialog.attach(job)
    return job
