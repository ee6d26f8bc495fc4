"""Settings › Templates: the document templates (bundled, or the user's copies that replace them),
checked by the linter, opened in the word processor or editor of the system (the user's copy, made
the first time), restored to the default, and previewed on a chosen deal
(``services.billing.templates``; a preview renders in the background)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QUrl
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import N_, _, language_names, pgettext
from desktop_crm.models.enums import Action
from desktop_crm.services.billing import templates
from desktop_crm.services.billing.rendering import RenderedFile
from desktop_crm.views.cards.common import RowsModel
from desktop_crm.views.common.dialogs import confirm, show_error
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec
from desktop_crm.workers import run_in_background

KIND_LABELS = {"quote": N_("Quote"), "invoice": N_("Invoice")}


def open_url(url: QUrl) -> bool:
    """Open a file or folder with the system's application for it."""
    return QDesktopServices.openUrl(url)


class TemplatesPage(SettingsPage):
    """The templates in a table; the chosen one's actions and the linter's findings below."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.save_button.hide()  # every action here takes effect at once: nothing to save
        self.rows: list[templates.TemplateInfo] = []
        self.preview_dialog: QWidget | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        folder = QLabel(_("Your templates are kept in {folder} and replace the bundled ones of the "
                          "same name.").format(folder=templates.user_folder()), self)
        folder.setWordWrap(True)
        top.addWidget(folder, 1)
        open_folder = QPushButton(_("Open the folder"), self)
        open_folder.setObjectName("templates_open_folder")
        open_folder.clicked.connect(
            lambda: open_url(QUrl.fromLocalFile(templates.user_folder())))
        top.addWidget(open_folder)
        layout.addLayout(top)
        self.model = RowsModel([_("Document"), _("Language"), _("Format"), _("Origin"), _("File")],
                               self)
        self.table = QTableView(self)
        self.table.setObjectName("templates_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.clicked.connect(lambda _index: self.update_buttons())
        layout.addWidget(self.table, 1)
        actions = QHBoxLayout()
        self.lint_button = self._button(_("Check"), "templates_lint", self.lint_current)
        self.open_button = self._button(_("Open for editing"), "templates_open", self.open_current)
        self.restore_button = self._button(_("Restore the default"), "templates_restore",
                                           self.restore_current)
        self.upload_button = self._button(_("Replace with a file…"), "templates_upload",
                                          self.choose_file)
        self.upload_button.setToolTip(_("Use a template file made elsewhere: it is checked first "
                                        "and refused when the linter finds problems"))
        self.upload_dialog: QFileDialog | None = None
        for button in (self.lint_button, self.open_button, self.restore_button, self.upload_button):
            actions.addWidget(button)
        actions.addStretch(1)
        deal_label = QLabel(_("Preview on the deal:"), self)
        actions.addWidget(deal_label)
        self.deal = QComboBox(self)
        self.deal.setObjectName("templates_deal")
        self.deal.setMinimumWidth(260)
        deal_label.setBuddy(self.deal)
        actions.addWidget(self.deal)
        self.preview_button = self._button(_("Preview…"), "templates_preview", self.preview_current)
        actions.addWidget(self.preview_button)
        layout.addLayout(actions)
        self.findings = QPlainTextEdit(self)
        self.findings.setObjectName("templates_findings")
        self.findings.setReadOnly(True)
        self.findings.setMaximumHeight(120)
        self.findings.setPlaceholderText(_("Check a template to see what its fields and tags lack."))
        layout.addWidget(self.findings)
        # the user's copies, saved in their editor: each save is checked by the linter at once
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self.lint_saved_copy)
        self.reload()

    def _button(self, text: str, name: str, slot: object) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def showEvent(self, event: QShowEvent) -> None:
        """Deals and templates changed meanwhile (a copy saved in the editor) show when the tab does."""
        super().showEvent(event)
        info = self.current()
        self.reload((info.template_id, info.fmt) if info else None)

    def reload(self, select: tuple[str, str] | None = None) -> None:
        languages = dict(language_names())
        self.rows = templates.document_templates()
        self.model.set_rows([
            (f"{row.template_id}:{row.fmt}", [
                _(KIND_LABELS[row.kind]) if row.kind else row.title,
                languages.get(row.language, row.language), row.fmt.upper(),
                pgettext("template origin", "user") if row.customised
                else pgettext("template origin", "bundled"),
                row.file_name])
            for row in self.rows])
        self.table.resizeColumnsToContents()
        position = next((i for i, row in enumerate(self.rows)
                         if (row.template_id, row.fmt) == select), 0)
        if self.rows:
            self.table.selectRow(position)
        chosen = self.deal.currentData()
        self.deal.clear()
        for deal in templates.preview_deals():
            self.deal.addItem(deal.title, str(deal.id))
        if chosen is not None:
            self.deal.setCurrentIndex(max(0, self.deal.findData(chosen)))
        copies = [row.path for row in self.rows if row.customised]
        watched = set(self.watcher.files())
        stale = [path for path in watched if path not in copies]
        if stale:
            self.watcher.removePaths(stale)
        fresh = [path for path in copies if path not in watched]
        if fresh:
            self.watcher.addPaths(fresh)
        self.update_buttons()

    def current(self) -> templates.TemplateInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def update_buttons(self) -> None:
        info = self.current()
        for button in (self.lint_button, self.open_button, self.preview_button, self.upload_button):
            button.setEnabled(info is not None)
        self.restore_button.setEnabled(bool(info and info.customised and info.has_default))
        self.preview_button.setEnabled(info is not None and self.deal.count() > 0)

    def lint_current(self) -> None:
        info = self.current()
        if info is None:
            return
        try:
            problems = templates.lint_template(info.template_id, info.fmt)
        except CrmError as error:
            problems = [error.message]
        self._show_findings(info.file_name, problems)

    def _show_findings(self, name: str, problems: list[str], head: str | None = None) -> None:
        head = head or (_("{name}: no problems found.").format(name=name) if not problems else
                        _("{name}: {count} problems found.").format(name=name, count=len(problems)))
        self.findings.setPlainText("\n".join([head, *problems]))

    def lint_saved_copy(self, path: str) -> None:
        """The user saved their copy in the editor: check it now and say what it lacks."""
        info = next((row for row in self.rows if row.path == path), None)
        if info is None or not Path(path).is_file():
            return
        try:
            problems = templates.lint_template(info.template_id, info.fmt)
        except CrmError as error:
            problems = [error.message]
        head = None
        if problems:
            head = _("{name} was saved with {count} problems: documents cannot be issued with it "
                     "until they are fixed (or the default is restored).").format(
                name=info.file_name, count=len(problems))
        self._show_findings(info.file_name, problems, head)
        if path not in self.watcher.files():  # an editor that saves by replacing the file
            self.watcher.addPath(path)

    def choose_file(self) -> None:
        """Pick a template file to use for the chosen template (checked before it is saved)."""
        info = self.current()
        if info is None:
            return
        extension = templates.EXTENSIONS[info.fmt]
        dialog = QFileDialog(self, _("Template file for {name}").format(name=info.file_name),
                             str(Path.home()), _("Templates (*.{extension})").format(extension=extension))
        dialog.setObjectName("templates_upload_dialog")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.upload_file)
        self.upload_dialog = dialog
        dialog.open()

    def upload_file(self, path: str) -> None:
        """Save ``path`` as the chosen template after the linter; refused with every problem."""
        info = self.current()
        if info is None or not path:
            return
        try:
            saved = templates.install_template(info.template_id, info.fmt, path)
        except templates.TemplateRefused as refused:
            self._show_findings(info.file_name, refused.problems, refused.message)
            return
        except CrmError as error:
            show_error(self, error.message)
            return
        self.reload((saved.template_id, saved.fmt))
        self._show_findings(saved.file_name, [], _("{name} was checked and saved: documents use it "
                                                   "from now on.").format(name=saved.file_name))

    def open_current(self) -> None:
        info = self.current()
        if info is None:
            return
        path = templates.editable_copy(info.template_id, info.fmt)
        self.reload((info.template_id, info.fmt))
        if not open_url(QUrl.fromLocalFile(path)):
            show_error(self, _("No application could open {path}.").format(path=path))
            return
        self.context.show_status(_("Opened {path}: save it there, then check it here.").format(
            path=path))

    def restore_current(self) -> None:
        info = self.current()
        if info is None or not confirm(
                self, _("Restore the default"),
                _("Delete your copy of {name} and use the bundled template again?").format(
                    name=info.file_name), _("Restore the default")):
            return
        try:
            templates.restore_default(info.template_id, info.fmt)
        except CrmError as error:
            show_error(self, error.message)
            return
        self.reload((info.template_id, info.fmt))

    def preview_current(self) -> None:
        info, deal_id = self.current(), self.deal.currentData()  # the deal's id as text
        if info is None or deal_id is None:
            return
        self.preview_button.setEnabled(False)

        def render(_progress: object) -> tuple[RenderedFile, str, str]:
            return templates.preview(info.template_id, info.fmt, deal_id), info.template_id, deal_id

        def failed(error: BaseException) -> None:
            self.update_buttons()
            show_error(self, getattr(error, "message", None) or str(error))

        run_in_background(render, on_result=self._show_preview, on_error=failed,
                          name="template-preview")

    def _show_preview(self, result: tuple[RenderedFile, str, str]) -> None:
        file, template_id, deal_id = result
        self.update_buttons()
        if not file.filename.endswith(".pdf"):  # a Word file: the word processor shows it
            target = Path(tempfile.mkdtemp(prefix="crm-template-")) / file.filename
            target.write_bytes(file.content)
            open_url(QUrl.fromLocalFile(str(target)))
            return
        from desktop_crm.views.documents.preview import PdfPreview

        dialog = PdfPreview(file, lambda fmt: templates.preview(template_id, fmt, deal_id), self)
        dialog.setObjectName("template_preview")
        self.preview_dialog = dialog
        dialog.open()

    def save_changes(self) -> bool:
        return False  # every action here takes effect at once


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("templates", N_("Templates"), TemplatesPage, order=17,
                       requires=Action.CHANGE_SETTINGS))
