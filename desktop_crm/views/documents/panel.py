"""The documents of one deal (for the deal card's Quotes and Invoices tabs), and batch issuing.

``DealDocumentsPanel(context, deal_id, "quote" | "invoice")`` lists the deal's documents with
their status and totals and offers exactly the actions the status allows: create from the deal,
edit, preview/print/save, send, accept, reject, new revision, create invoice, issue, register
payment, cancel, issue again. Every action is one service call (one transaction, logged in the
deal's timeline); afterwards the panel reloads and ``context.notify_changed`` refreshes lists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _, ngettext
from desktop_crm.i18n.formatting import format_date
from desktop_crm.ids import DealId, DocumentId, as_uuid
from desktop_crm.services.billing import credit_notes, invoices, paper_issue, papers, quotes, screens
from desktop_crm.views.common.chips import CHIP_ROLE, ItemChipDelegate, invoice_chip, quote_chip
from desktop_crm.views.common.dialogs import confirm, show_error
from desktop_crm.views.documents.editor import DocumentEditor, open_preview

ACTION_TEXTS: dict[str, Callable[[], str]] = {
    "edit": lambda: _("Edit…"),
    "preview": lambda: _("Preview / print…"),
    "send": lambda: _("Send"),
    "accept": lambda: _("Accepted"),
    "reject": lambda: _("Rejected…"),
    "revise": lambda: _("New revision"),
    "to_invoice": lambda: _("Create invoice"),
    "issue": lambda: _("Issue"),
    "pay": lambda: _("Payments…"),
    "cancel": lambda: _("Cancel invoice…"),
    "credit_note": lambda: _("Credit note…"),
    "reissue": lambda: _("Issue again"),
    "sdi": lambda: _("Send to SDI"),
    "delete": lambda: _("Delete draft"),
}


class DealDocumentsPanel(QWidget):
    """Quotes or invoices of one deal with their actions."""

    changed = Signal()

    def __init__(self, context: Any, deal_id: DealId | None, kind: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"deal_{kind}s_panel")
        self.context = context
        self.deal_id = deal_id  # None: a deal not saved yet (nothing to list, nothing to create)
        self.kind = kind
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.create_button = QPushButton(_("Create quote") if kind == "quote" else _("Create invoice"), self)
        self.create_button.setObjectName("create")
        self.create_button.clicked.connect(self.create_document)
        top.addWidget(self.create_button)
        # the quote the deal shows (its newest revision that is not superseded), above the history
        self.current_label = QLabel(self)
        self.current_label.setObjectName("current_quote")
        self.current_label.setVisible(kind == "quote")
        top.addWidget(self.current_label, 1)
        top.addStretch(1)
        if kind == "invoice":  # акт, УПД, договор, DDT…: made from the deal's invoice or lines
            self.paper_kind = QComboBox(self)
            self.paper_kind.setObjectName("paper_kind")
            self.paper_kind.setToolTip(
                _("Other papers of this deal: act, UPD, contract, DDT and the kinds of your templates"))
            top.addWidget(self.paper_kind)
            self.paper_button = QPushButton(_("Preview paper…"), self)
            self.paper_button.setObjectName("paper_preview")
            self.paper_button.clicked.connect(lambda *_args: self.preview_paper())
            top.addWidget(self.paper_button)
            self.paper_issue_button = QPushButton(_("Issue paper"), self)
            self.paper_issue_button.setObjectName("paper_issue")
            self.paper_issue_button.setToolTip(
                _("Number the chosen paper from its series and keep it as issued: it never changes"))
            self.paper_issue_button.clicked.connect(lambda *_args: self.issue_paper())
            top.addWidget(self.paper_issue_button)
            self.issued_papers = QComboBox(self)
            self.issued_papers.setObjectName("issued_papers")
            self.issued_papers.setToolTip(_("Papers of this deal already issued"))
            top.addWidget(self.issued_papers)
            self.issued_open_button = QPushButton(_("Open issued paper…"), self)
            self.issued_open_button.setObjectName("issued_paper_open")
            self.issued_open_button.clicked.connect(lambda *_args: self.open_issued_paper())
            top.addWidget(self.issued_open_button)
            self.issued_cancel_button = QPushButton(_("Cancel paper…"), self)
            self.issued_cancel_button.setObjectName("issued_paper_cancel")
            self.issued_cancel_button.setToolTip(
                _("Cancel the chosen issued paper with a reason: its number is never used again"))
            self.issued_cancel_button.clicked.connect(lambda *_args: self.cancel_issued_paper())
            top.addWidget(self.issued_cancel_button)
            self.issued_papers.currentIndexChanged.connect(lambda _i: self._update_paper_actions())
            self.issued: list[paper_issue.IssuedPaperInfo] = []
        layout.addLayout(top)
        headers = [_("Number"), _("Revision") if kind == "quote" else _("Paid"), _("Date"), _("Status"),
                   _("Total"), _("Language")]
        if kind == "invoice":
            headers.append(_("SDI"))  # an Italian invoice's way through SDI (shown when there is one)
        self.table = QTableWidget(0, len(headers), self)
        self.table.setObjectName("documents")
        self.table.setHorizontalHeaderLabels(headers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setItemDelegateForColumn(3, ItemChipDelegate(self.table))
        self.table.setColumnWidth(3, 150)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._update_actions)
        self.table.itemDoubleClicked.connect(lambda _item: self.open_editor())
        layout.addWidget(self.table, 1)
        # the selected invoice's way through SDI: its file, SDI's id, a rejection's errors
        self.sdi_label = QLabel(self)
        self.sdi_label.setObjectName("sdi_detail")
        self.sdi_label.setWordWrap(True)
        self.sdi_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sdi_label.hide()
        layout.addWidget(self.sdi_label)
        self.action_bar = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text in ACTION_TEXTS.items():
            button = QPushButton(text(), self)
            button.setObjectName(f"action_{key}")
            button.clicked.connect(self._runner(key))
            self.buttons[key] = button
            self.action_bar.addWidget(button)
        self.mail_button = QPushButton(_("Send by e-mail…"), self)
        self.mail_button.setObjectName("action_mail")
        self.mail_button.clicked.connect(lambda *_args: self.send_by_mail())
        self.action_bar.addWidget(self.mail_button)
        self.action_bar.addStretch(1)
        layout.addLayout(self.action_bar)
        self.rows: list[screens.DocumentSummary] = []
        self.reload()

    def set_deal(self, deal_id: DealId | None) -> None:
        """Show another deal's documents (the deal card after saving a new deal)."""
        if deal_id != self.deal_id:
            self.deal_id = deal_id
            self.table.clearSelection()
        self.reload()

    def reload(self, select: DocumentId | None = None) -> None:
        """Reload the rows; ``select`` a document (else the one selected, else the current quote)."""
        shown = self.current()
        selected = select or (shown.id if shown else None)
        self.create_button.setEnabled(bool(self.deal_id))
        self._reload_papers()
        try:
            self.rows = screens.summaries_for_deal(self.deal_id, self.kind) if self.deal_id else []
        except CrmError as error:
            show_error(self, error.message)
            self.rows = []
        self.table.setRowCount(len(self.rows))
        for row, doc in enumerate(self.rows):
            self._fill_row(row, doc)
        if self.kind == "invoice":
            self.table.setColumnHidden(6, not any(d.sdi_text for d in self.rows))
            self.table.resizeColumnToContents(6)
        current = next((d for d in self.rows if d.current), None)
        if self.kind == "quote":
            self.current_label.setText(
                _("Current quote: {number}, revision {revision} — {status}, {total}").format(
                    number=current.number, revision=current.revision, status=current.status_text,
                    total=current.total_text,
                )
                if current
                else _("No current quote")
            )
        first = next((i for i, d in enumerate(self.rows) if d.current), 0) if self.rows else -1
        index = next((i for i, d in enumerate(self.rows) if d.id == selected), first)
        if index >= 0:
            self.table.selectRow(index)
        self._update_actions()

    def _fill_row(self, row: int, doc: screens.DocumentSummary) -> None:
        second = str(doc.revision) if self.kind == "quote" else doc.paid_text
        texts = [doc.number, second, doc.date_text, doc.status_text, doc.total_text, doc.language]
        if self.kind == "invoice":
            texts.append(doc.sdi_text)
        for column, text in enumerate(texts):
            item = QTableWidgetItem(text)
            if column == 3:  # the status as its chip (the text stays for copying and readers)
                item.setData(CHIP_ROLE, quote_chip(doc.status) if self.kind == "quote"
                             else invoice_chip(doc.status))
            if column == 6 and doc.sdi_detail:
                item.setToolTip(doc.sdi_detail)
            if column in (1, 4):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if doc.current:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.table.setItem(row, column, item)

    def _reload_papers(self) -> None:
        if self.kind != "invoice":
            return
        chosen = self.paper_kind.currentData()
        self.paper_kind.clear()
        try:
            choices = papers.papers_for_deal(self.deal_id) if self.deal_id else []
        except CrmError:
            choices = []
        for choice in choices:
            self.paper_kind.addItem(choice.title, choice.code)
        index = self.paper_kind.findData(chosen)
        self.paper_kind.setCurrentIndex(max(index, 0))
        self.paper_kind.setEnabled(bool(choices))
        self.paper_button.setEnabled(bool(choices))
        self.paper_issue_button.setEnabled(bool(choices))
        shown = self.issued_papers.currentData()
        self.issued_papers.blockSignals(True)
        self.issued_papers.clear()
        try:
            self.issued = paper_issue.issued_papers(self.deal_id) if self.deal_id else []
        except CrmError:
            self.issued = []
        for paper in self.issued:
            text = _("{title} no. {number} of {date}").format(
                title=paper.title, number=paper.number, date=format_date(paper.issue_date))
            if paper.cancelled:
                text = _("{paper} — cancelled: {reason}").format(paper=text, reason=paper.cancel_reason)
            self.issued_papers.addItem(text, paper.id)
        self.issued_papers.setCurrentIndex(max(self.issued_papers.findData(shown), 0))
        self.issued_papers.blockSignals(False)
        self.issued_papers.setEnabled(bool(self.issued))
        self.issued_open_button.setEnabled(bool(self.issued))
        self._update_paper_actions()

    def _chosen_paper(self) -> paper_issue.IssuedPaperInfo | None:
        paper_id = self.issued_papers.currentData()
        return next((p for p in self.issued if p.id == paper_id), None)

    def _update_paper_actions(self) -> None:
        """Cancel is offered for a paper not cancelled yet, to a user who may issue documents."""
        paper = self._chosen_paper()
        self.issued_cancel_button.setEnabled(paper is not None and paper_issue.may_cancel(paper))

    def cancel_issued_paper(self) -> None:
        """Ask for the reason and cancel the chosen issued paper (its number stays taken)."""
        from desktop_crm.views.documents.paper_cancel import CancelPaperDialog

        paper = self._chosen_paper()
        if paper is None:
            return

        def done() -> None:
            self.reload()
            self.context.notify_changed("invoices")

        dialog = CancelPaperDialog(paper, done, self)
        self.cancel_dialog = dialog
        dialog.open()

    def issue_paper(self) -> None:
        """Issue the chosen paper off the GUI thread (numbered, frozen, stored), then show it."""
        from desktop_crm.workers import run_in_background

        code, deal_id = self.paper_kind.currentData(), self.deal_id
        if not code or not deal_id:
            return
        self.paper_issue_button.setEnabled(False)

        def done(issued: paper_issue.IssuedPaperInfo) -> None:
            self.paper_issue_button.setEnabled(True)
            self.reload()
            self.context.notify_changed("invoices")
            self.issued_papers.setCurrentIndex(max(self.issued_papers.findData(issued.id), 0))
            self.open_issued_paper()

        def failed(error: BaseException) -> None:
            self.paper_issue_button.setEnabled(True)
            show_error(self, error.message if isinstance(error, CrmError) else str(error))

        run_in_background(lambda _progress: paper_issue.issue_paper(deal_id, code),
                          on_result=done, on_error=failed, name="issue paper")

    def open_issued_paper(self) -> None:
        """Show the chosen issued paper: its stored file, exactly as issued."""
        from desktop_crm.views.documents.preview import PdfPreview

        paper_id = self.issued_papers.currentData()
        if not paper_id:
            return
        try:
            pdf = paper_issue.render_issued(paper_id, "pdf")
        except CrmError as error:
            show_error(self, error.message)
            return
        dialog = PdfPreview(pdf, lambda fmt: paper_issue.render_issued(paper_id, fmt), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        paper = self._chosen_paper()
        if paper is not None and paper.cancelled:  # the file as issued, the window says it is void
            dialog.setWindowTitle(_("{title} — CANCELLED: {reason}").format(
                title=dialog.windowTitle(), reason=paper.cancel_reason))
        self.paper_preview = dialog
        dialog.open()

    def preview_paper(self) -> None:
        """Render the chosen paper off the GUI thread and show it (print, save as PDF or DOCX)."""
        from desktop_crm.views.documents.preview import PdfPreview
        from desktop_crm.workers import run_in_background

        code, deal_id = self.paper_kind.currentData(), self.deal_id
        if not code or not deal_id:
            return

        def show(pdf: papers.RenderedFile) -> None:
            dialog = PdfPreview(pdf, lambda fmt: papers.render_paper(deal_id, code, fmt), self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.paper_preview = dialog
            dialog.open()

        def failed(error: BaseException) -> None:
            show_error(self, error.message if isinstance(error, CrmError) else str(error))

        self.paper_button.setEnabled(False)

        def done(pdf: papers.RenderedFile) -> None:
            self.paper_button.setEnabled(True)
            show(pdf)

        def error(exc: BaseException) -> None:
            self.paper_button.setEnabled(True)
            failed(exc)

        run_in_background(lambda _progress: papers.render_paper(deal_id, code, "pdf"),
                          on_result=done, on_error=error, name="render paper")

    def current(self) -> screens.DocumentSummary | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if not rows or not getattr(self, "rows", None):
            return None
        row = min(rows)
        return self.rows[row] if row < len(self.rows) else None

    def _update_actions(self) -> None:
        doc = self.current()
        allowed = set(doc.actions) if doc else set()
        if hasattr(self, "sdi_label"):
            detail = (doc.sdi_text[:1].upper() + doc.sdi_text[1:] + "\n" + doc.sdi_detail
                      if doc and doc.sdi_text else "")
            self.sdi_label.setText(detail)
            self.sdi_label.setVisible(bool(detail))
        for key, button in self.buttons.items():
            button.setVisible(key in allowed)
        self.mail_button.setVisible(doc is not None and doc.status != "cancelled")

    def _done(self, select: DocumentId | None = None) -> None:
        self.reload(select)
        self.changed.emit()
        self.context.notify_changed(f"{self.kind}s")
        self.context.notify_changed("deals")

    def send_by_mail(self, document_id: DocumentId | None = None) -> Any:
        """The compose dialog for the selected document (a draft is issued when sent)."""
        from desktop_crm.views.mail.compose import open_compose

        shown = self.current()
        document_id = document_id or (shown.id if shown else None)
        if document_id is None or self.deal_id is None:
            return None
        dialog = open_compose(self.context, self, deal_id=self.deal_id, kind=self.kind,
                              document_id=document_id)
        dialog.finished.connect(lambda _result: self._done(document_id))
        return dialog

    def create_document(self) -> None:
        if not self.deal_id:
            return
        try:
            service = quotes if self.kind == "quote" else invoices
            document = service.create_from_deal(self.deal_id, self.context.user.id)
        except CrmError as error:
            show_error(self, error.message)
            return
        self._done()
        self.open_editor(DocumentId(document.id))

    def open_editor(self, document_id: DocumentId | None = None) -> DocumentEditor | None:
        shown = self.current()
        document_id = document_id or (shown.id if shown else None)
        if document_id is None:
            return None
        editor = DocumentEditor(self.context, self.kind, document_id, self)
        editor.changed.connect(self._done)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.open()
        return editor

    def _runner(self, key: str) -> Callable[..., None]:
        """The slot of an action button (Qt passes the button's ``checked`` state, unused)."""

        def run(*_args: object) -> None:
            self.run_action(key)

        return run

    def run_action(self, key: str) -> None:
        doc = self.current()
        if doc is None:
            return
        user = self.context.user.id
        try:
            if key == "edit":
                self.open_editor(doc.id)
                return
            if key == "preview":
                open_preview(self.kind, doc.id, self, send=lambda: self.send_by_mail(doc.id))
                return
            if key == "send":
                quotes.send(doc.id, user)
            elif key == "accept":
                quotes.accept(doc.id, user)
            elif key == "reject":
                reason, ok = QInputDialog.getText(self, _("Quote rejected"), _("Reason (optional)"))
                if not ok:
                    return
                quotes.reject(doc.id, user, reason)
            elif key == "revise":
                revision = quotes.new_revision(doc.id, user)
                self._done(DocumentId(revision.id))
                self.open_editor(DocumentId(revision.id))
                return
            elif key == "to_invoice":
                invoice = quotes.to_invoice(doc.id, user)
                self._done()
                self.context.show_status(_("Draft invoice created from the quote; see the Invoices tab."))
                self.context.open_record("invoices", invoice.id, self)
                return
            elif key == "issue":
                invoices.issue(doc.id, user)
            elif key == "pay":  # the list, register (the balance suggested), delete, refund
                from desktop_crm.views.documents.payments import open_payments

                self.payments_dialog = open_payments(self.context, doc.id, self, self._done)
                return
            elif key == "cancel":
                reason, ok = QInputDialog.getText(
                    self, _("Cancel invoice"), _("Reason (printed nowhere, kept in the notes)"))
                if not ok:
                    return
                invoices.cancel(doc.id, user, reason)
            elif key == "credit_note":
                if not confirm(self, _("Credit note"), _(
                        "Issue a credit note (nota di credito) for the whole invoice {number}? An "
                        "unpaid invoice is cancelled by it.").format(number=doc.number)):
                    return
                note = credit_notes.issue_credit_note(doc.id, user)
                self._done(DocumentId(note.id))
                return
            elif key == "sdi":
                self._send_to_sdi(doc)
                return
            elif key == "reissue":
                invoice = invoices.reissue(doc.id, user)
                self._done(DocumentId(invoice.id))
                self.open_editor(DocumentId(invoice.id))
                return
            elif key == "delete":
                if not confirm(self, _("Delete draft"), _("Delete this draft invoice?")):
                    return
                invoices.cancel(doc.id, user)
        except CrmError as error:
            show_error(self, error.message)
            return
        self._done()


    def _send_to_sdi(self, doc: screens.DocumentSummary) -> None:
        """Queue the FatturaPA to SDI from the user's PEC mailbox; the outbox sends it."""
        from desktop_crm.services.billing import sdi

        if not confirm(self, _("Send to SDI"), _(
                "Send the FatturaPA of invoice {number} to SDI from your PEC mailbox?").format(
                    number=doc.number)):
            return
        try:
            state = sdi.send_to_sdi(doc.id)
        except CrmError as error:
            show_error(self, error.message)
            return
        from desktop_crm.views.mail.runner import send_soon

        send_soon(self.context)  # the outbox sends it now, in the background
        self.context.show_status(_("Invoice {number}: {status}.").format(
            number=doc.number, status=sdi.status_label(state)))
        self._done(doc.id)


def open_document_card(kind: str) -> Any:
    """A card opener for the Quotes / Invoices lists: the editor of that document."""

    def opener(context: Any, entity_id: str | None, parent: QWidget | None) -> DocumentEditor | None:
        if entity_id is None:
            show_error(parent, _("Create quotes and invoices from a deal (its Quotes and Invoices tabs)."))
            return None
        editor = DocumentEditor(context, kind, DocumentId(as_uuid(entity_id)), parent)
        editor.changed.connect(lambda: context.notify_changed(f"{kind}s"))
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.show()
        return editor

    return opener


def issue_invoices_for_deals(
    context: Any, deal_ids: list[str], parent: QWidget | None = None, ask: bool = True
) -> Any:
    """Batch: one invoice per selected deal, in the background with progress and Cancel.

    Each deal is its own transaction: cancelling keeps the invoices already issued, and a deal
    that cannot be invoiced (no lines, no requisites) is reported without stopping the others.
    """
    from desktop_crm.views.common.dialogs import error_box
    from desktop_crm.views.common.progress import JobProgressDialog
    from desktop_crm.workers import run_in_background

    if not deal_ids:
        return None
    count = len(deal_ids)
    question = ngettext(
        "Issue an invoice for {n} deal?", "Issue invoices for {n} deals?", count).format(n=count)
    if ask and not confirm(parent, _("Issuing invoices…"), question):
        return None
    user = str(context.user.id)
    dialog = JobProgressDialog(_("Issuing invoices…"), parent)

    def work(progress: Any) -> list[invoices.BatchResult]:
        return invoices.issue_for_deals(
            deal_ids, user,
            progress=lambda done, total: progress.report(done, total, _("Issuing invoices…")),
            should_stop=lambda: progress.cancelled,
        )

    def finished(results: list[invoices.BatchResult]) -> None:
        dialog.finish()
        context.notify_changed("invoices")
        issued = [r for r in results if r.invoice_id]
        failed = [r for r in results if r.error]
        message = ngettext("{n} invoice issued.", "{n} invoices issued.", len(issued)).format(n=len(issued))
        if failed:
            error_box(parent, message + "\n" + "\n".join(f"• {r.error}" for r in failed[:10]))
        else:
            context.show_status(message)

    def failed(error: BaseException) -> None:
        dialog.finish()
        context.notify_changed("invoices")
        if isinstance(error, CrmError):
            error_box(parent, error.message)
        else:
            raise error

    def cancelled() -> None:
        dialog.finish()
        context.notify_changed("invoices")

    job = run_in_background(
        work, on_result=finished, on_error=failed, on_progress=dialog.update,
        on_cancelled=cancelled,
        name="issue_invoices",
    )
    dialog.attach(job)
    return job
