"""Issue invoices in a batch from the deals list (one per selected deal) or the quotes list (one per
selected accepted quote): asked first, run in the background with progress and Cancel (what was
issued stays issued), then a report of the invoices issued and of what could not be
(``services.billing.batch``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_crm.entities import Entity
from desktop_crm.i18n import _, ngettext
from desktop_crm.services.billing import batch
from desktop_crm.views.common.dialogs import confirm, show_error
from desktop_crm.views.common.progress import JobProgressDialog
from desktop_crm.views.context import AppContext
from desktop_crm.workers import Job, Progress, run_in_background


def _question(source: str, count: int) -> str:
    if source == "quotes":
        return ngettext("Issue an invoice for the selected quote?",
                        "Issue an invoice for each of the {count} selected quotes?",
                        count).format(count=count)
    return ngettext("Issue an invoice for the selected deal?",
                    "Issue an invoice for each of the {count} selected deals?", count).format(count=count)


def show_report(parent: QWidget | None, report: batch.BatchReport) -> QMessageBox:
    """What was issued and what could not be (and why), in a box that does not block."""
    text = ngettext("{count} invoice issued.", "{count} invoices issued.", report.issued).format(
        count=report.issued)
    if report.stopped:
        text += " " + _("Stopped before the end: {count} not done.").format(
            count=report.total - len(report.lines))
    failed = report.failed
    if failed:
        text += " " + ngettext("{count} could not be issued.", "{count} could not be issued.",
                               len(failed)).format(count=len(failed))
    box = QMessageBox(QMessageBox.Icon.Warning if failed else QMessageBox.Icon.Information,
                      _("Issue invoices"), text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("batch_report")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    details = [f"{line.source}: {line.number}" if line.invoice_id else f"{line.source}: {line.error}"
               for line in report.lines]
    if details:
        box.setDetailedText("\n".join(details))
    box.open()
    return box


def issue_invoices(context: AppContext, parent: QWidget | None, ids: list[str],
                   source: str) -> Job | None:
    """Ask, then issue in the background; ``source`` is "deals" or "quotes"."""
    if not ids or not confirm(parent, _("Issue invoices"), _question(source, len(ids)), _("Issue")):
        return None
    dialog = JobProgressDialog(_("Issuing invoices…"), parent)
    dialog.setObjectName("batch_progress")
    holder: dict[str, batch.BatchReport] = {}
    issue = batch.issue_for_quotes if source == "quotes" else batch.issue_for_deals

    def work(progress: Progress) -> batch.BatchReport:
        def step(done: int, total: int) -> None:
            progress.report(done, total, _("{done} of {total} done").format(done=done, total=total),
                            force=True)

        report = issue(list(ids), context.user.id, step, lambda: progress.cancelled)
        holder["report"] = report  # kept for a cancelled job too: what was issued stays issued
        return report

    def finished(report: Any = None) -> None:
        dialog.finish()
        for entity in (Entity.INVOICES, Entity.DEALS, Entity.QUOTES):
            context.notify_changed(entity)
        report = report if isinstance(report, batch.BatchReport) else holder.get("report")
        if report is not None:
            show_report(parent, report)

    def failed(error: BaseException) -> None:
        dialog.finish()
        context.notify_changed(Entity.INVOICES)
        show_error(parent, getattr(error, "message", None) or str(error))

    job = run_in_background(work, on_result=finished, on_error=failed, on_progress=dialog.update,
                            on_cancelled=finished, name="issue-invoices")
    dialog.attach(job)
    return job


def issue_invoices_for_deals(context: AppContext, parent: QWidget | None, ids: list[str]) -> Job | None:
    return issue_invoices(context, parent, ids, "deals")


def issue_invoices_for_quotes(context: AppContext, parent: QWidget | None,
                              ids: list[str]) -> Job | None:
    return issue_invoices(context, parent, ids, "quotes")
