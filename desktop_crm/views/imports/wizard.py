"""File › Import…: the import wizard.

Steps: the file and what it holds (format detected, changeable) → what each column becomes
(suggested, presets) → for Bitrix24 and amoCRM exports, their stages and users → duplicates and
missing references → a preview of the first rows with their problems (after the choices, so that
it shows what the import will do) → a dry run or the import, in the background with progress and
Cancel → the result (counts, rejected rows saved to a file, undo).

Reading the file, the preview, the import and the undo run through ``workers.run_in_background``;
everything else is quick. ``open_import_wizard(context, parent, entity)`` is the entry point for
the menu and for a list's "Import contacts" button.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.views.common.dialogs import confirm, error_box
from desktop_crm.views.imports.pages import FilePage, MappingPage, ReferencesPage
from desktop_crm.views.imports.pages_run import OptionsPage, PreviewPage, ResultPage, RunPage
from desktop_crm.workers import Progress, run_in_background

if TYPE_CHECKING:
    from desktop_crm.services.data.imports.engine import ImportReport, ImportRequest
    from desktop_crm.services.data.imports.formats import Table
    from desktop_crm.views.context import AppContext

FILE, MAPPING, REFERENCES, OPTIONS, PREVIEW, RUN, RESULT = range(7)
#: Rows the preview shows.
PREVIEW_ROWS = 20
#: The lists an import of each entity changes (they reload when it is done or undone).
CHANGED = {
    "contacts": ("contacts", "companies"),
    "companies": ("companies",),
    "leads": ("leads",),
    "deals": ("deals", "contacts", "companies", "products"),
    "products": ("products",),
}


class ImportWizard(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None, entity: str = "contacts") -> None:
        from desktop_crm.services.data.imports import formats, mapping

        super().__init__(parent)
        self.context = context
        self.setObjectName("import_wizard")
        self.setWindowTitle(_("Import"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(900, 600)
        self.table: Table | None = None
        self.report: ImportReport | None = None
        self._cancel = threading.Event()
        self._running = False
        self._format_labels = {f.name: _(f.label) for f in formats.formats()}

        entities = [(key, _(mapping.ENTITY_LABELS[key])) for key in mapping.IMPORT_ENTITIES]
        self.file_page = FilePage(entities, formats.formats())
        self.file_page.set_entity(entity)
        self.mapping_page = MappingPage()
        self.references_page = ReferencesPage()
        self.preview_page = PreviewPage()
        self.options_page = OptionsPage()
        self.run_page = RunPage()
        self.result_page = ResultPage()
        self.stack = QStackedWidget()
        for page in (self.file_page, self.mapping_page, self.references_page, self.options_page,
                     self.preview_page, self.run_page, self.result_page):
            self.stack.addWidget(page)

        self.back_button = QPushButton(_("< Back"))
        self.back_button.setObjectName("import_back")
        self.next_button = QPushButton(_("Next >"))
        self.next_button.setObjectName("import_next")
        self.close_button = QPushButton(_("Close"))
        self.close_button.setObjectName("import_close")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.close_button):
            button.setAutoDefault(False)  # Enter in the path field reads the file, nothing more
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)

        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self.close_button.clicked.connect(self.close)
        self.file_page.browse_requested.connect(self.browse)
        self.file_page.file_chosen.connect(self.read_file)
        self.file_page.entity_combo.activated.connect(lambda _index: self._entity_changed())
        self.mapping_page.save_preset_requested.connect(self.save_preset)
        self.mapping_page.load_preset_requested.connect(self.load_preset)
        self.mapping_page.delete_preset_requested.connect(self.delete_preset)
        self.preview_page.dry_run_button.clicked.connect(lambda: self.start(dry_run=True))
        self.preview_page.import_button.clicked.connect(lambda: self.start(dry_run=False))
        self.run_page.cancel_button.clicked.connect(self.cancel_run)
        self.result_page.save_rejected_button.clicked.connect(self.choose_rejected_file)
        self.result_page.undo_button.clicked.connect(self.undo)
        self.result_page.real_button.clicked.connect(lambda: self.start(dry_run=False))
        self.show_page(FILE)

    # --- navigation ---------------------------------------------------------------------------
    def entity(self) -> str:
        return self.file_page.entity()

    def show_page(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.back_button.setVisible(index not in (FILE, RUN, RESULT))
        self.next_button.setVisible(index < PREVIEW)
        self.next_button.setEnabled(index != FILE or self.table is not None)
        self.close_button.setVisible(index != RUN)  # the page has its own "Cancel import"
        self.close_button.setText(_("Close") if index == RESULT else _("Cancel"))

    def _foreign(self) -> bool:
        from desktop_crm.services.data.crm_exports import matching

        if self.table is None or self.table.format not in matching.FOREIGN_FORMATS:
            return False
        fields = set(self.mapping_page.mapping().values())
        return bool({"stage", "responsible"} & fields)

    def go_next(self) -> None:
        index = self.stack.currentIndex()
        if index == FILE:
            if self.table is None:
                return
            self.show_mapping()
        elif index == MAPPING:
            if not self._check_mapping():
                return
            if self._foreign():
                self.show_references()
            else:
                self.show_page(OPTIONS)
        elif index == REFERENCES:
            self.show_page(OPTIONS)
        elif index == OPTIONS:
            self.show_preview()

    def go_back(self) -> None:
        index = self.stack.currentIndex()
        if index == OPTIONS:
            self.show_page(REFERENCES if self._foreign() else MAPPING)
        elif index > FILE:
            self.show_page(index - 1)

    # --- step 1: the file ---------------------------------------------------------------------
    def browse(self) -> None:
        folder = str(self.context.settings.value("imports/last_folder", "") or "")
        dialog = QFileDialog(self, _("Choose the file to import"), folder)
        dialog.setObjectName("import_file_dialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setNameFilters([_("Files to import (*.csv *.txt *.xlsx *.xls *.vcf *.vcard)"),
                               _("All files (*)")])
        dialog.fileSelected.connect(self._file_selected)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _file_selected(self, path: str) -> None:
        self.file_page.path_edit.setText(path)
        self.read_file()

    def read_file(self) -> None:
        from desktop_crm.services.data.imports import formats

        text = self.file_page.path_edit.text().strip()
        if not text:
            return
        path, format_name = Path(text), self.file_page.format_name()
        self.table = None
        self.next_button.setEnabled(False)
        self.file_page.info.setText(_("Reading the file…"))

        def work(progress: Progress) -> Table:
            return formats.read_table(path, format_name)

        run_in_background(work, on_result=self._file_read, on_error=self._file_failed,
                          use_database=False, name="import: read file")

    def _file_read(self, table: Table) -> None:
        from desktop_crm.services.data.crm_exports import matching

        self.table = table
        folder = Path(self.file_page.path_edit.text().strip()).parent
        self.context.settings.setValue("imports/last_folder", str(folder))  # Browse… starts there
        self.file_page.show_table(table, self._format_labels.get(table.format, table.format))
        told = matching.entity_of(table)
        if told:
            self.file_page.set_entity(told)
        self.next_button.setEnabled(True)

    def _file_failed(self, error: BaseException) -> None:
        if not isinstance(error, CrmError):
            raise error
        self.file_page.show_problem(error.message)
        self.next_button.setEnabled(False)

    def _entity_changed(self) -> None:
        self.mapping_page.table.setRowCount(0)  # the next visit suggests for the new entity

    # --- step 2: mapping ----------------------------------------------------------------------
    def show_mapping(self) -> None:
        from desktop_crm.services.data.imports import mapping

        assert self.table is not None
        if self.mapping_page.table.rowCount() != len(self.table.headers) or \
                self.mapping_page.property("entity") != self.entity() or \
                self.mapping_page.property("headers") != list(self.table.headers):
            suggested = mapping.suggest_mapping(self.entity(), self.table.headers, self.table.format)
            self.mapping_page.show_columns(self.table, mapping.import_fields(self.entity()), suggested)
            self.mapping_page.setProperty("entity", self.entity())
            self.mapping_page.setProperty("headers", list(self.table.headers))
        self._refresh_presets()
        self.show_page(MAPPING)

    def _check_mapping(self) -> bool:
        from desktop_crm.services.data.imports import mapping

        try:
            mapping.check_mapping(self.entity(), self.mapping_page.mapping())
        except CrmError as error:
            self.mapping_page.problem.setText(error.message)
            return False
        self.mapping_page.problem.clear()
        return True

    def _refresh_presets(self, current: str = "") -> None:
        from desktop_crm.services.data.imports import mapping

        names = sorted(mapping.presets(self.entity(), self.context.user.id))
        self.mapping_page.show_presets(names, current)

    def save_preset(self, name: str) -> None:
        from desktop_crm.services.data.imports import mapping

        try:
            mapping.save_preset(self.entity(), self.context.user.id, name, self.mapping_page.mapping())
        except CrmError as error:
            self.mapping_page.problem.setText(error.message)
            return
        self.mapping_page.problem.clear()
        self.mapping_page.preset_name.clear()
        self._refresh_presets(name.strip())
        self.context.show_status(_("Mapping “{name}” saved.").format(name=name.strip()))

    def load_preset(self, name: str) -> None:
        from desktop_crm.services.data.imports import mapping

        if not name:
            return
        try:
            self.mapping_page.set_mapping(mapping.load_preset(self.entity(), self.context.user.id, name))
        except CrmError as error:
            self.mapping_page.problem.setText(error.message)

    def delete_preset(self, name: str) -> None:
        from desktop_crm.services.data.imports import mapping

        if name and confirm(self, _("Delete mapping"),
                            _("Delete the saved mapping “{name}”?").format(name=name), _("Delete")):
            mapping.delete_preset(self.entity(), self.context.user.id, name)
            self._refresh_presets()

    # --- step 3: their stages and users -------------------------------------------------------
    def show_references(self) -> None:
        from desktop_crm.services.data.crm_exports import matching

        table, fields = self.table, self.mapping_page.mapping()
        assert table is not None

        def work(progress: Progress) -> tuple[Any, ...]:
            stages, users = matching.references(table, fields)
            ours, our_users = matching.our_stages(), matching.our_users()
            return (stages, ours, {s: matching.suggest_stage(s, ours) for s in stages},
                    users, our_users, {u: matching.suggest_user(u, our_users) for u in users})

        def shown(found: tuple[Any, ...]) -> None:
            key = repr((found[0], found[3], found[1], found[4]))
            if self.references_page.property("shown") != key:  # keep what the user chose
                self.references_page.show_references(*found)
                self.references_page.setProperty("shown", key)
            self.show_page(REFERENCES)

        run_in_background(work, on_result=shown, on_error=self._failed, name="import: references")

    # --- step 5: preview ----------------------------------------------------------------------
    def request_builder(self, dry_run: bool = False) -> Callable[[], ImportRequest]:
        """What the pages say, read now (on the GUI thread); the request itself — the table with
        their stages and users rewritten to ours, a copy of every row — is built by the returned
        function, called in the background."""
        from desktop_crm.services.data.crm_exports import matching
        from desktop_crm.services.data.imports.engine import ImportRequest, OnDuplicate, Winner

        assert self.table is not None
        table, mapping = self.table, self.mapping_page.mapping()
        foreign = self._foreign()
        stage_map = self.references_page.stage_map() if foreign else {}
        user_map = self.references_page.user_map() if foreign else {}
        options = self.options_page
        template = ImportRequest(
            entity=self.entity(), table=table, mapping=mapping,
            on_duplicate=OnDuplicate(options.on_duplicate()),
            winner=Winner(str(options.winner.currentData())), dry_run=dry_run,
            create_missing=options.create_missing.isChecked(),
            check_required=not options.lenient.isChecked(), user=self.context.user.id,
            file_name=Path(self.file_page.path_edit.text().strip()).name,
        )

        def build() -> ImportRequest:
            if not foreign:
                return template
            rows_table, fields = matching.translate(table, mapping, stage_map, user_map)
            return replace(template, table=rows_table, mapping=fields)

        return build

    def show_preview(self) -> None:
        from desktop_crm.services.data.imports import engine, mapping

        build = self.request_builder()

        def work(progress: Progress) -> tuple[list[tuple[str, str]], list[Any]]:
            request = build()
            labels = [(name, mapping.field_label(request.entity, name))
                      for name in request.mapping.values()]
            return labels, engine.preview(request, PREVIEW_ROWS)

        def shown(result: tuple[list[tuple[str, str]], list[Any]]) -> None:
            labels, rows = result
            self.preview_page.show_rows(rows, labels)
            self.show_page(PREVIEW)

        run_in_background(work, on_result=shown, on_error=self._failed, name="import: preview")

    # --- steps 5–7: run, result, undo ---------------------------------------------------------
    def start(self, dry_run: bool) -> None:
        from desktop_crm.services.data.imports import engine

        build = self.request_builder(dry_run)
        self._cancel.clear()
        self._running = True
        self.run_page.start(dry_run)
        self.show_page(RUN)
        cancel = self._cancel

        def work(progress: Progress) -> ImportReport:
            return engine.run_import(
                build(), progress=lambda done, total: progress.report(done, total),
                cancel=lambda: cancel.is_set() or progress.cancelled)

        run_in_background(work, on_result=self._finished, on_error=self._run_failed,
                          on_progress=lambda done, total, _text: self.run_page.update(done, total),
                          name="import: run")

    def cancel_run(self) -> None:
        self._cancel.set()
        self.run_page.cancelling()

    def _finished(self, report: ImportReport) -> None:
        self._running = False
        self.report = report
        self.result_page.show_report(report)
        self.show_page(RESULT)
        if not report.dry_run and not report.cancelled:
            self._announce()

    def _run_failed(self, error: BaseException) -> None:
        self._running = False
        self.show_page(PREVIEW)
        self._failed(error)

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, CrmError):
            raise error
        error_box(self, error.message, _("Import"))

    def _announce(self) -> None:
        for entity in CHANGED.get(self.entity(), (self.entity(),)):
            self.context.notify_changed(entity)

    def choose_rejected_file(self) -> None:
        source = Path(self.file_page.path_edit.text().strip())
        dialog = QFileDialog(self, _("Save rejected rows"),
                             str(source.with_name(source.stem + _("-rejected") + ".csv")))
        dialog.setObjectName("import_rejected_dialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setNameFilters([_("CSV files (*.csv)")])
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(self.save_rejected)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def save_rejected(self, path: str) -> None:
        from desktop_crm.services.data.imports import engine

        if self.report is None or not path:
            return
        try:
            engine.write_rejected(self.report, path)
        except OSError as error:
            error_box(self, _("Could not write {path}: {reason}").format(
                path=path, reason=error.strerror or error), _("Import"))
            return
        self.context.show_status(_("Rejected rows saved to {path}").format(path=path))

    def undo(self) -> None:
        from desktop_crm.services.data.imports import engine

        report = self.report
        if report is None or report.batch_id is None:
            return
        if not confirm(self, _("Undo this import"),
                       _("Remove what this import created and restore what it merged?"), _("Undo")):
            return
        batch = report.batch_id

        def work(progress: Progress) -> Any:
            return engine.undo_import(batch)

        def done(result: Any) -> None:
            self.result_page.undone(result.removed, result.restored)
            self._announce()

        run_in_background(work, on_result=done, on_error=self._failed, name="import: undo")

    def closeEvent(self, event: Any) -> None:
        if self._running:  # the import finishes or is cancelled first
            self.cancel_run()
            event.ignore()
            return
        super().closeEvent(event)


def open_import_wizard(context: AppContext, parent: QWidget | None = None,
                       entity: str = "contacts") -> ImportWizard:
    """File › Import… (and a list's "Import contacts"): the wizard, shown non-modal."""
    wizard = ImportWizard(context, parent, entity)
    wizard.show()
    return wizard
