"""Recomputing the deals' stored flags after a rule or a stage's required fields changed (used by
the Rules and the Pipelines pages)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop_crm.i18n import _, ngettext
from desktop_crm.ids import StageId
from desktop_crm.services.system import admin
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.common.progress import JobProgressDialog
from desktop_crm.views.context import AppContext
from desktop_crm.workers import run_in_background


def recompute_deal_flags(parent: QWidget, context: AppContext,
                         stage_id: StageId | None = None) -> None:
    """After a rule change: recompute deals' stored flags in the background, with progress."""
    dialog = JobProgressDialog(_("Recomputing deals for the rules…"), parent)

    def done(count: int) -> None:
        dialog.finish()
        context.notify_changed("deals")
        context.show_status(ngettext(
            "{count} deal recomputed for the new rules", "{count} deals recomputed for the new rules",
            count).format(count=count))

    def failed(error: BaseException) -> None:
        dialog.finish()
        show_error(parent, getattr(error, "message", None) or _(
            "The deals could not be recomputed: {error}").format(error=error))

    job = run_in_background(lambda progress: admin.recompute_deal_flags(stage_id, progress),
                            on_result=done, on_error=failed, on_progress=dialog.update,
                            on_cancelled=dialog.finish, name="recompute-deal-flags")
    dialog.attach(job)
