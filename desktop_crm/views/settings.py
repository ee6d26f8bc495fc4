"""The Settings section: own companies, pipelines and stages, rules, users, language, database.

Each tab edits its part and saves it with its own Save button (Ctrl+S saves the current tab);
leaving the application with unsaved changes in a tab asks first. Changes to language and
database connection are applied after a restart (the tab says so).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import N_, _, ngettext, pgettext
from desktop_crm.i18n.formatting import format_amount
from desktop_crm.services.sales import cards
from desktop_crm.services.system import admin
from desktop_crm.views.cards.common import (
    ERROR_STYLE,
    OK_STYLE,
    FieldsMixin,
    RowsModel,
    set_combo_value,
)
from desktop_crm.views.cards.company import RequisitesForm, read_editors, write_editors
from desktop_crm.views.common.dialogs import confirm, show_error
from desktop_crm.views.common.progress import JobProgressDialog
from desktop_crm.views.context import AppContext
from desktop_crm.workers import run_in_background


class SettingsPage(FieldsMixin, QWidget):
    """A tab with fields, a banner for refusals, a Save button and a dirty flag."""

    title = ""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.editors = {}
        self.error_labels = {}
        self._dirty = False
        self._loading = False
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(ERROR_STYLE)
        self.banner.hide()
        self.save_button = QPushButton(_("Save"), self)
        self.save_button.setObjectName("settings_save")
        self.save_button.setToolTip(_("Save the changes (Ctrl+S)"))
        self.save_button.setEnabled(False)
        self.save_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.save_button.clicked.connect(self.save)

    def footer(self) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner, 1)
        layout.addStretch(0)
        layout.addWidget(self.save_button)
        return row

    def mark_dirty(self) -> None:
        if self._loading:
            return
        self._dirty = True
        self.save_button.setEnabled(True)
        self.on_edited()

    def on_edited(self) -> None:
        """Live checks after an edit."""

    def set_clean(self) -> None:
        self._dirty = False
        self.save_button.setEnabled(False)

    @property
    def dirty(self) -> bool:
        return self._dirty

    def save(self) -> bool:
        try:
            ok = self.save_changes()
        except CrmError as error:
            self.show_failure(error)
            return False
        if ok:
            self.show_banner("")
            self.show_errors({})
            self.set_clean()
            self.context.show_status(_("Settings saved."))
        return ok

    def save_changes(self) -> bool:
        raise NotImplementedError


# --- own companies --------------------------------------------------------------------------------

IMAGE_LABELS = {"logo": N_("Logo"), "stamp": N_("Stamp"), "signature": N_("Signature")}
IMAGE_FILTER = N_("Images (*.png *.jpg *.jpeg *.bmp *.gif)")


class ImagePicker(QWidget):
    """An image kept as bytes: a preview, Choose… and Remove."""

    changed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"image_{name}")
        self.data = b""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.preview = QLabel(self)
        self.preview.setObjectName(f"preview_{name}")
        self.preview.setFixedSize(160, 90)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("border: 1px dashed #999;")
        layout.addWidget(self.preview)
        row = QHBoxLayout()
        choose = QPushButton(_("Choose…"), self)
        choose.clicked.connect(self.choose)
        remove = QPushButton(_("Remove"), self)
        remove.clicked.connect(lambda: self.set_data(b"", notify=True))
        row.addWidget(choose)
        row.addWidget(remove)
        layout.addLayout(row)
        self.set_data(b"")

    def choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Choose an image"), "", _(IMAGE_FILTER))
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> bool:
        with open(path, "rb") as handle:
            data = handle.read()
        if QPixmap().loadFromData(QByteArray(data)) is False:
            show_error(self, _("The file is not an image that can be read."))
            return False
        self.set_data(data, notify=True)
        return True

    def set_data(self, data: bytes, notify: bool = False) -> None:
        self.data = data or b""
        pixmap = QPixmap()
        if self.data and pixmap.loadFromData(QByteArray(self.data)):
            self.preview.setPixmap(pixmap.scaled(self.preview.size(),
                                                 Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation))
        else:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(_("No image"))
        if notify:
            self.changed.emit()


class OwnCompaniesPage(SettingsPage):
    title = N_("Own companies")

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("settings_own_companies")
        self.current_id: str | None = None
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.list_model = RowsModel([_("Company")], self)
        self.list_view = QListView(self)
        self.list_view.setObjectName("own_company_list")
        self.list_view.setModel(self.list_model)
        self.list_view.setMaximumWidth(240)
        self.list_view.clicked.connect(lambda index: self.select(self.list_model.row_id(index.row())))
        left.addWidget(self.list_view)
        add = QPushButton(_("Add a company"), self)
        add.setObjectName("own_company_add")
        add.clicked.connect(self.add_company)
        left.addWidget(add)
        layout.addLayout(left)
        right = QVBoxLayout()
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        inner = QWidget(area)
        column = QVBoxLayout(inner)
        self.requisites = RequisitesForm(self, ("regime_fiscale", "pec"), inner)  # type: ignore[arg-type]
        column.addWidget(self.requisites)
        extra = QGroupBox(_("Documents"), inner)
        form = QFormLayout(extra)
        self.add_field(form, "director_name", _("Director"), QLineEdit(extra))
        self.add_field(form, "accountant_name", _("Chief accountant"), QLineEdit(extra))
        currency = QComboBox(extra)
        for code in cards.CURRENCIES:
            currency.addItem(code, code)
        self.add_field(form, "default_currency", _("Default currency"), currency)
        self.add_field(form, "default_vat_rate", _("Default VAT, %"), QLineEdit(extra))
        vat_mode = QComboBox(extra)
        vat_mode.addItem(_("Prices include VAT"), "included")
        vat_mode.addItem(_("VAT is added on top"), "on_top")
        self.add_field(form, "vat_mode", _("VAT in prices"), vat_mode)
        self.add_field(form, "is_default", _("Default"),
                       QCheckBox(_("Used for new quotes and invoices"), extra))
        column.addWidget(extra)
        images = QGroupBox(_("Logo, stamp and signature"), inner)
        grid = QGridLayout(images)
        self.images: dict[str, ImagePicker] = {}
        for position, (name, label) in enumerate(IMAGE_LABELS.items()):
            grid.addWidget(QLabel(_(label), images), 0, position)
            picker = ImagePicker(name, images)
            picker.changed.connect(self.mark_dirty)
            grid.addWidget(picker, 1, position)
            self.images[name] = picker
        column.addWidget(images)
        column.addStretch(1)
        area.setWidget(inner)
        right.addWidget(area, 1)
        right.addWidget(self.footer())
        layout.addLayout(right, 1)
        self.reload()

    def reload(self) -> None:
        rows = admin.own_companies()
        self.list_model.set_rows([
            (row.id, [row.name + (" ★" if row.is_default else "")]) for row in rows])
        if rows and self.current_id is None:
            self.select(rows[0].id)
        elif not rows:
            self.select(None)

    def select(self, company_id: str | None) -> None:
        if self.dirty and company_id != self.current_id and not confirm(
            self, _("Unsaved changes"), _("Discard the changes to this company?"),
            _("Discard changes")):
            return
        self.current_id = company_id
        values = admin.own_company_card(company_id) if company_id else None
        values = values or {"country": "RU", "default_currency": "RUB", "vat_mode": "included",
                            "default_vat_rate": None}
        self._loading = True
        shown = dict(values)
        vat = shown.get("default_vat_rate")
        shown["default_vat_rate"] = (
            format_amount(vat, places=0 if vat == vat.to_integral() else 2) if vat is not None
            else "")
        write_editors(self, shown)  # type: ignore[arg-type]
        self.editors["is_default"].setChecked(bool(values.get("is_default")))  # type: ignore[attr-defined]
        for name, picker in self.images.items():
            picker.set_data(values.get(name) or b"")
        self._loading = False
        self.requisites.country_changed()
        self.show_errors({})
        self.set_clean()

    def add_company(self) -> None:
        self.select(None)
        self.editors["short_name"].setFocus()

    def values(self) -> dict[str, Any]:
        names = (*cards.REQUISITE_FIELDS, "regime_fiscale", "pec", "director_name",
                 "accountant_name", "default_currency", "default_vat_rate", "vat_mode")
        values = read_editors(self, names)  # type: ignore[arg-type]
        values["default_vat_rate"] = values["default_vat_rate"] or "0"
        values["is_default"] = self.editors["is_default"].isChecked()  # type: ignore[attr-defined]
        for name, picker in self.images.items():
            values[name] = picker.data
        return values

    def on_edited(self) -> None:
        self.requisites.country_changed()
        self.show_errors(cards.requisites_field_errors(self.values()))

    def save_changes(self) -> bool:
        self.current_id = admin.save_own_company(self.current_id, self.values())
        self.set_clean()
        self.reload()
        return True


# --- pipelines and stages -------------------------------------------------------------------------


def kind_labels() -> list[tuple[str, str]]:
    return [("open", _("In progress")), ("won", _("Won")), ("lost", _("Lost"))]


class PipelinesPage(SettingsPage):
    title = N_("Pipelines and stages")

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("settings_pipelines")
        self.stage_rows: list[admin.StageInfo] = []
        self.stage_id: str | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Pipeline:"), self))
        self.pipeline = QComboBox(self)
        self.pipeline.setObjectName("pipeline_choice")
        self.pipeline.currentIndexChanged.connect(self._pipeline_changed)
        top.addWidget(self.pipeline, 1)
        for text, slot in ((_("New pipeline…"), self.new_pipeline),
                           (_("Rename…"), self.rename_pipeline),
                           (_("Make default"), self.make_default),
                           (_("Delete pipeline"), self.delete_pipeline)):
            button = QPushButton(text, self)
            button.clicked.connect(slot)
            top.addWidget(button)
        layout.addLayout(top)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.stage_model = RowsModel([_("Stage"), _("Kind"), _("Probability")], self)
        self.stage_view = QTableView(left)
        self.stage_view.setObjectName("stage_table")
        self.stage_view.setModel(self.stage_model)
        self.stage_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.stage_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.stage_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.stage_view.verticalHeader().hide()
        self.stage_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.stage_view.clicked.connect(lambda index: self.select_stage(index.row()))
        left_layout.addWidget(self.stage_view)
        buttons = QHBoxLayout()
        for name, text, slot in (("stage_up", _("Up"), lambda: self.move(-1)),
                                 ("stage_down", _("Down"), lambda: self.move(1)),
                                 ("stage_add", _("Add stage"), self.add_stage),
                                 ("stage_delete", _("Delete"), self.delete_stage)):
            button = QPushButton(text, left)
            button.setObjectName(name)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        left_layout.addLayout(buttons)
        right = QWidget(splitter)
        form = QFormLayout(right)
        self.add_field(form, "name", pgettext("thing", "Name"), QLineEdit(right))
        kind = QComboBox(right)
        for value, label in kind_labels():
            kind.addItem(label, value)
        self.add_field(form, "kind", _("Kind"), kind)
        self.add_field(form, "probability", _("Probability, %"), QLineEdit(right))
        self.color_button = QPushButton(right)
        self.color_button.setObjectName("field_color")
        self.color_button.clicked.connect(self.choose_color)
        self.color = "#4a90d9"
        form.addRow(_("Colour") + ":", self.color_button)
        self.add_field(form, "requires_correct_deal", _("Entry"),
                       QCheckBox(_("Only correct deals may enter"), right))
        required = QGroupBox(_("Required to enter the stage"), right)
        required_layout = QVBoxLayout(required)
        self.required: dict[str, QCheckBox] = {}
        for name, label in admin.deal_field_choices():
            box = QCheckBox(label[:1].upper() + label[1:], required)
            box.toggled.connect(lambda _c: self.mark_dirty())
            required_layout.addWidget(box)
            self.required[name] = box
        form.addRow(required)
        templates = QGroupBox(_("Tasks created when a deal enters the stage"), right)
        templates_layout = QVBoxLayout(templates)
        self.templates = QTableWidget(0, 2, templates)
        self.templates.setObjectName("task_templates")
        self.templates.setHorizontalHeaderLabels([_("Task"), _("Due in days")])
        self.templates.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.templates.verticalHeader().hide()
        self.templates.itemChanged.connect(lambda _i: self.mark_dirty())
        templates_layout.addWidget(self.templates)
        row = QHBoxLayout()
        add_template = QPushButton(_("Add a task"), templates)
        add_template.setObjectName("template_add")
        add_template.clicked.connect(lambda: self.add_template("", 1))
        remove_template = QPushButton(_("Remove the task"), templates)
        remove_template.clicked.connect(self.remove_template)
        row.addWidget(add_template)
        row.addWidget(remove_template)
        row.addStretch(1)
        templates_layout.addLayout(row)
        form.addRow(templates)
        self.error_templates = QLabel(right)
        self.error_templates.setStyleSheet(ERROR_STYLE)
        self.error_labels["task_templates"] = self.error_templates
        form.addRow(self.error_templates)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([480, 620])
        layout.addWidget(splitter, 1)
        layout.addWidget(self.footer())
        self.reload_pipelines()

    # pipelines
    def reload_pipelines(self, select: str | None = None) -> None:
        current = select or self.pipeline.currentData()
        self._loading = True
        self.pipeline.clear()
        for row in admin.pipelines():
            self.pipeline.addItem(row.name + (" ★" if row.is_default else ""), str(row.id))
        self._loading = False
        set_combo_value(self.pipeline, current)
        self._pipeline_changed()

    def _pipeline_changed(self) -> None:
        if self._loading:
            return
        self.reload_stages()

    def new_pipeline(self) -> None:
        name, ok = QInputDialog.getText(self, _("New pipeline"), _("Name:"))
        if ok:
            try:
                self.reload_pipelines(admin.save_pipeline(None, name))
            except CrmError as error:
                show_error(self, error.message)

    def rename_pipeline(self) -> None:
        pipeline_id = self.pipeline.currentData()
        if not pipeline_id:
            return
        current = next(p for p in admin.pipelines() if str(p.id) == pipeline_id)
        name, ok = QInputDialog.getText(self, _("Rename the pipeline"), _("Name:"),
                                        text=current.name)
        if ok:
            try:
                admin.save_pipeline(pipeline_id, name, current.is_default)
            except CrmError as error:
                show_error(self, error.message)
            self.reload_pipelines()

    def make_default(self) -> None:
        pipeline_id = self.pipeline.currentData()
        if pipeline_id:
            current = next(p for p in admin.pipelines() if str(p.id) == pipeline_id)
            admin.save_pipeline(pipeline_id, current.name, True)
            self.reload_pipelines()

    def delete_pipeline(self) -> None:
        pipeline_id = self.pipeline.currentData()
        if not pipeline_id or not confirm(self, _("Delete the pipeline"),
                                          _("Delete the pipeline “{name}” and its stages?").format(
                                              name=self.pipeline.currentText()), _("Delete")):
            return
        try:
            admin.delete_pipeline(pipeline_id)
        except CrmError as error:
            show_error(self, error.message)
            return
        self.reload_pipelines()
        self.context.notify_changed("pipelines")

    # stages
    def reload_stages(self, select: str | None = None) -> None:
        pipeline_id = self.pipeline.currentData()
        self.stage_rows = admin.stages(pipeline_id) if pipeline_id else []
        labels = dict(kind_labels())
        self.stage_model.set_rows([
            (s.id, [s.name, labels.get(s.kind, s.kind),
                    format_amount(s.probability, places=0) + " %"]) for s in self.stage_rows])
        ids = [s.id for s in self.stage_rows]
        target = select or self.stage_id
        self.select_stage(ids.index(target) if target in ids else 0, force=True)

    def select_stage(self, row: int, force: bool = False) -> None:
        if not force and self.dirty and not confirm(
            self, _("Unsaved changes"), _("Discard the changes to this stage?"),
            _("Discard changes")):
            return
        stage = self.stage_rows[row] if 0 <= row < len(self.stage_rows) else None
        self.stage_id = stage.id if stage else None
        if stage is not None:
            self.stage_view.selectRow(row)
        self._loading = True
        self.editors["name"].setText(stage.name if stage else "")  # type: ignore[attr-defined]
        set_combo_value(self.editors["kind"], stage.kind if stage else "open")  # type: ignore[arg-type]
        self.editors["probability"].setText(  # type: ignore[attr-defined]
            format_amount(stage.probability, places=0) if stage else "0")
        self.editors["requires_correct_deal"].setChecked(  # type: ignore[attr-defined]
            bool(stage and stage.requires_correct_deal))
        self._set_color(stage.color if stage else "#4a90d9")
        for name, box in self.required.items():
            box.setChecked(bool(stage and name in stage.required_fields))
        self.saved_required = set(stage.required_fields) if stage else set()
        self.templates.setRowCount(0)
        for template in (stage.task_templates if stage else []):
            self.add_template(template.get("subject", ""), int(template.get("due_days", 0)))
        self._loading = False
        self.show_errors({})
        self.set_clean()

    def _set_color(self, color: str) -> None:
        self.color = color
        self.color_button.setText(color)
        text = "#000" if QColor(color).lightness() > 140 else "#fff"
        self.color_button.setStyleSheet(f"background: {color}; color: {text};")

    def choose_color(self) -> None:
        color = QColorDialog.getColor(QColor(self.color), self, _("Stage colour"))
        if color.isValid():
            self._set_color(color.name())
            self.mark_dirty()

    def add_template(self, subject: str, days: int) -> None:
        row = self.templates.rowCount()
        self.templates.insertRow(row)
        self.templates.setItem(row, 0, QTableWidgetItem(subject))
        days_item = QTableWidgetItem(str(days))
        days_item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.templates.setItem(row, 1, days_item)
        self.mark_dirty()

    def remove_template(self) -> None:
        row = self.templates.currentRow()
        if row >= 0:
            self.templates.removeRow(row)
            self.mark_dirty()

    def stage_values(self) -> dict[str, Any]:
        templates = []
        for row in range(self.templates.rowCount()):
            subject = (self.templates.item(row, 0) or QTableWidgetItem("")).text()
            days_text = (self.templates.item(row, 1) or QTableWidgetItem("0")).text().strip()
            if not subject.strip() and not days_text:
                continue
            try:
                days = int(days_text or "0")
            except ValueError:
                days = -1
            templates.append({"subject": subject, "due_days": days})
        return {
            "name": self.editors["name"].text(),  # type: ignore[attr-defined]
            "kind": self.editors["kind"].currentData(),  # type: ignore[attr-defined]
            "probability": self.editors["probability"].text() or "0",  # type: ignore[attr-defined]
            "color": self.color,
            "requires_correct_deal": self.editors["requires_correct_deal"].isChecked(),  # type: ignore[attr-defined]
            "required_fields": [n for n, box in self.required.items() if box.isChecked()],
            "task_templates": templates,
        }

    def on_edited(self) -> None:
        self.show_errors(admin.stage_errors(self.stage_values()))

    def save_changes(self) -> bool:
        pipeline_id = self.pipeline.currentData()
        if not pipeline_id:
            return False
        values = self.stage_values()
        existing = self.stage_id is not None
        self.stage_id = admin.save_stage(self.stage_id, pipeline_id, values)
        if existing and set(values["required_fields"]) != self.saved_required:
            recompute_deal_flags(self, self.context, self.stage_id)
        self.set_clean()
        self.reload_stages(self.stage_id)
        self.context.notify_changed("pipelines")
        return True

    def add_stage(self) -> None:
        pipeline_id = self.pipeline.currentData()
        if not pipeline_id:
            return
        name, ok = QInputDialog.getText(self, _("New stage"), _("Name:"))
        if not ok:
            return
        try:
            stage_id = admin.save_stage(None, pipeline_id, {"name": name, "kind": "open",
                                                            "probability": "0",
                                                            "color": "#4a90d9"})
        except CrmError as error:
            show_error(self, error.message)
            return
        self.reload_stages(stage_id)
        self.context.notify_changed("pipelines")

    def move(self, delta: int) -> None:
        if self.stage_id:
            stage_id = self.stage_id
            self._change_stages(lambda: admin.move_stage(stage_id, delta), stage_id)

    def _change_stages(self, change: Callable[[], object], select: str | None) -> None:
        """Reorder or delete a stage in the background: deals' furthest step reached (a stage
        order, for the funnel) is rebuilt in the same transaction, seconds at a million deals."""
        dialog = JobProgressDialog(_("Updating the pipeline's deals…"), self)

        def reload(_result: object = None) -> None:
            dialog.finish()
            self.stage_id = select
            self.reload_stages(select)
            self.context.notify_changed("pipelines")

        def failed(error: BaseException) -> None:  # refused or failed: nothing was changed
            dialog.finish()
            show_error(self, getattr(error, "message", None) or str(error))

        # Cancel cannot stop the one UPDATE: the change may be in; show what the database holds.
        job = run_in_background(lambda _progress: change(), on_result=reload, on_error=failed,
                                on_cancelled=reload, name="change-stages")
        dialog.attach(job)

    def delete_stage(self) -> None:
        if not self.stage_id or not confirm(
            self, _("Delete the stage"), _("Delete the stage “{name}”?").format(
                name=self.editors["name"].text()), _("Delete")):  # type: ignore[attr-defined]
            return
        stage_id = self.stage_id
        self._change_stages(lambda: admin.delete_stage(stage_id), None)


# --- rules ----------------------------------------------------------------------------------------


class RulesPage(SettingsPage):
    title = N_("Rules")

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("settings_rules")
        outer = QVBoxLayout(self)
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        inner = QWidget(area)
        column = QVBoxLayout(inner)
        comments = QGroupBox(_("Detailed comments"), inner)
        form = QFormLayout(comments)
        self.add_field(form, "comment_min_words", _("At least, words"), self._spin(1, 50))
        self.add_field(form, "comment_min_chars", _("At least, characters"), self._spin(1, 1000))
        stop = QPlainTextEdit(comments)
        stop.setPlaceholderText(_("One phrase per line"))
        self.add_field(form, "comment_stop_phrases",
                       _("Phrases that are not a detailed comment"), stop)
        column.addWidget(comments)
        deals = QGroupBox(_("Deals"), inner)
        form = QFormLayout(deals)
        self.add_field(form, "inactivity_days", _("A deal becomes inactive after, days"),
                       self._spin(1, 3650))
        lost = QPlainTextEdit(deals)
        lost.setPlaceholderText("\n".join(admin.default_lost_reasons()))
        lost.setToolTip(_("Leave empty to use the built-in list shown in grey."))
        self.add_field(form, "lost_reasons", _("Reasons for losing a deal"), lost)
        column.addWidget(deals)
        contacts_box = QGroupBox(_("Contacts"), inner)
        form = QFormLayout(contacts_box)
        preset = QComboBox(contacts_box)
        preset.addItem(_("Full: last and first name, mobile phone, birth date, private e-mail"),
                       "full")
        preset.addItem(_("Light: a name and a phone or an e-mail"), "light")
        self.add_field(form, "contact_required_preset", _("Required contact fields"), preset)
        region = QComboBox(contacts_box)
        for code in ("RU", "IT"):
            region.addItem(code, code)
        for code in admin.phone_regions():
            if code not in ("RU", "IT"):
                region.addItem(code, code)
        region.setToolTip(_("Country of phone numbers typed without a +country code."))
        self.add_field(form, "phone_region", _("Default phone region"), region)
        column.addWidget(contacts_box)
        invoices_box = QGroupBox(_("Invoices issued on synchronised laptops"), inner)
        form = QFormLayout(invoices_box)
        numbering_mode = QComboBox(invoices_box)
        numbering_mode.addItem(
            _("A legal number at once, from each device's own series"), "device_series")
        numbering_mode.addItem(
            _("A provisional number until sync, then the next number of the company series"),
            "provisional")
        numbering_mode.setToolTip(_(
            "With provisional numbers every invoice belongs to one company series, but an invoice "
            "issued offline is only a pro-forma until the laptop syncs. Users working directly on "
            "the server always get the final number."))
        self.add_field(form, "offline_numbering", _("Invoice numbers"), numbering_mode)
        column.addWidget(invoices_box)
        column.addStretch(1)
        area.setWidget(inner)
        outer.addWidget(area, 1)
        outer.addWidget(self.footer())
        self.reload()

    def _spin(self, low: int, high: int) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(low, high)
        spin.valueChanged.connect(lambda _v: self.mark_dirty())
        return spin

    def reload(self) -> None:
        values = admin.rules_settings()
        self._loading = True
        for name in ("comment_min_words", "comment_min_chars", "inactivity_days"):
            self.editors[name].setValue(getattr(values, name))  # type: ignore[attr-defined]
        self.editors["comment_stop_phrases"].setPlainText(  # type: ignore[attr-defined]
            "\n".join(values.comment_stop_phrases))
        self.editors["lost_reasons"].setPlainText("\n".join(values.lost_reasons))  # type: ignore[attr-defined]
        set_combo_value(self.editors["contact_required_preset"], values.contact_required_preset)  # type: ignore[arg-type]
        set_combo_value(self.editors["phone_region"], values.phone_region)  # type: ignore[arg-type]
        set_combo_value(self.editors["offline_numbering"], values.offline_numbering)  # type: ignore[arg-type]
        self._loading = False
        self.set_clean()

    def values(self) -> dict[str, Any]:
        def lines(name: str) -> list[str]:
            text = self.editors[name].toPlainText()  # type: ignore[attr-defined]
            return [line.strip() for line in text.splitlines() if line.strip()]

        return {
            "comment_min_words": self.editors["comment_min_words"].value(),  # type: ignore[attr-defined]
            "comment_min_chars": self.editors["comment_min_chars"].value(),  # type: ignore[attr-defined]
            "comment_stop_phrases": lines("comment_stop_phrases"),
            "inactivity_days": self.editors["inactivity_days"].value(),  # type: ignore[attr-defined]
            "lost_reasons": lines("lost_reasons"),
            "contact_required_preset": self.editors["contact_required_preset"].currentData(),  # type: ignore[attr-defined]
            "phone_region": self.editors["phone_region"].currentData(),  # type: ignore[attr-defined]
            "offline_numbering": self.editors["offline_numbering"].currentData(),  # type: ignore[attr-defined]
        }

    def save_changes(self) -> bool:
        deals_affected = admin.save_rules_settings(self.values())
        self.reload()
        for entity in ("deals", "contacts"):
            self.context.notify_changed(entity)
        if deals_affected:
            recompute_deal_flags(self, self.context)
        return True


def recompute_deal_flags(parent: QWidget, context: AppContext, stage_id: str | None = None) -> None:
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


# --- users ----------------------------------------------------------------------------------------


def language_labels() -> list[tuple[str, str]]:
    return [("ru", "Русский"), ("it", "Italiano"), ("en", "English")]


class UsersPage(SettingsPage):
    title = N_("Users and roles")

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("settings_users")
        self.user_id: str | None = None
        self.rows: list[admin.UserRow] = []
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.model = RowsModel([_("Name"), _("Role"), _("Head")], self)
        self.view = QTableView(self)
        self.view.setObjectName("user_table")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.clicked.connect(lambda index: self.select(index.row()))
        left.addWidget(self.view)
        add = QPushButton(_("Add a user"), self)
        add.setObjectName("user_add")
        add.clicked.connect(lambda: self.select(-1))
        left.addWidget(add)
        layout.addLayout(left, 3)
        right = QVBoxLayout()
        form = QFormLayout()
        self.add_field(form, "name", _("Name"), QLineEdit(self), True)
        self.add_field(form, "email", pgettext("address", "E-mail"), QLineEdit(self))
        role = QComboBox(self)
        for value, label in admin.role_labels():
            role.addItem(label, value)
        self.add_field(form, "role", _("Role"), role)
        self.add_field(form, "head", _("Head"), QComboBox(self))
        locale = QComboBox(self)
        locale.addItem(_("As on this computer"), "")
        for code, label in language_labels():
            locale.addItem(label, code)
        self.add_field(form, "locale", _("Language"), locale)
        self.add_field(form, "active", _("Status"), QCheckBox(_("Can work in the CRM"), self))
        right.addLayout(form)
        right.addStretch(1)
        right.addWidget(self.footer())
        layout.addLayout(right, 2)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        self.rows = admin.user_rows()
        names = {row.id: row.name for row in self.rows}
        roles = dict(admin.role_labels())
        self.model.set_rows([
            (row.id, [row.name + ("" if row.active else " " + _("(inactive)")),
                      roles.get(row.role, row.role), names.get(row.head_id or "", "")])
            for row in self.rows])
        head = self.editors["head"]
        assert isinstance(head, QComboBox)
        self._loading = True
        head.clear()
        head.addItem("—", None)
        for row in self.rows:
            if row.active:
                head.addItem(row.name, row.id)
        self._loading = False
        ids = [row.id for row in self.rows]
        target = select or self.user_id
        self.select(ids.index(target) if target in ids else 0, force=True)

    def select(self, row: int, force: bool = False) -> None:
        if not force and self.dirty and not confirm(
            self, _("Unsaved changes"), _("Discard the changes to this user?"),
            _("Discard changes")):
            return
        user = self.rows[row] if 0 <= row < len(self.rows) else None
        self.user_id = user.id if user else None
        if user is not None:
            self.view.selectRow(row)
        else:
            self.view.clearSelection()
        self._loading = True
        self.editors["name"].setText(user.name if user else "")  # type: ignore[attr-defined]
        self.editors["email"].setText(user.email if user else "")  # type: ignore[attr-defined]
        set_combo_value(self.editors["role"], user.role if user else "sales")  # type: ignore[arg-type]
        set_combo_value(self.editors["head"], user.head_id if user else None)  # type: ignore[arg-type]
        set_combo_value(self.editors["locale"], user.locale if user else "")  # type: ignore[arg-type]
        self.editors["active"].setChecked(user.active if user else True)  # type: ignore[attr-defined]
        self._loading = False
        self.show_errors({})
        self.set_clean()
        if user is None:
            self.editors["name"].setFocus()

    def values(self) -> dict[str, Any]:
        return {
            "name": self.editors["name"].text(),  # type: ignore[attr-defined]
            "email": self.editors["email"].text(),  # type: ignore[attr-defined]
            "role": self.editors["role"].currentData(),  # type: ignore[attr-defined]
            "head": self.editors["head"].currentData(),  # type: ignore[attr-defined]
            "locale": self.editors["locale"].currentData(),  # type: ignore[attr-defined]
            "active": self.editors["active"].isChecked(),  # type: ignore[attr-defined]
        }

    def save_changes(self) -> bool:
        self.user_id = admin.save_user(self.user_id, self.values())
        self.set_clean()
        self.reload(self.user_id)
        self.context.notify_changed("users")
        return True


# --- language -------------------------------------------------------------------------------------


class LanguagePage(SettingsPage):
    title = N_("Language")

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("settings_language")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Language of the application:"), self))
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for code, label in language_labels():
            button = QRadioButton(label, self)
            button.setObjectName(f"language_{code}")
            button.toggled.connect(lambda _c: self.mark_dirty())
            self.group.addButton(button)
            layout.addWidget(button)
            self.buttons[code] = button
        note = QLabel(_("The new language is applied after the application is restarted."), self)
        note.setObjectName("language_note")
        note.setWordWrap(True)
        note.setStyleSheet(OK_STYLE)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addWidget(self.footer())
        self.reload()

    def reload(self) -> None:
        from desktop_crm.i18n import current_language

        language = admin.user_language(self.context.user.id) or current_language()
        self._loading = True
        self.buttons.get(language, self.buttons["en"]).setChecked(True)
        self._loading = False
        self.set_clean()

    def chosen(self) -> str:
        return next(code for code, button in self.buttons.items() if button.isChecked())

    def save_changes(self) -> bool:
        language = self.chosen()
        admin.set_user_language(self.context.user.id, language)
        self.context.settings.setValue("ui/language", language)
        self.context.show_status(_("The language changes after a restart."))
        return True


# --- database connection --------------------------------------------------------------------------


class DatabasePage(SettingsPage):
    title = N_("Database")

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("settings_database")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Currently open: {name}").format(name=context.database_name),
                                self))
        self.sqlite_radio = QRadioButton(_("A database file on this computer (SQLite)"), self)
        self.sqlite_radio.setObjectName("db_sqlite")
        self.postgres_radio = QRadioButton(_("A shared server (PostgreSQL)"), self)
        self.postgres_radio.setObjectName("db_postgres")
        group = QButtonGroup(self)
        group.addButton(self.sqlite_radio)
        group.addButton(self.postgres_radio)
        layout.addWidget(self.sqlite_radio)
        file_box = QWidget(self)
        file_form = QFormLayout(file_box)
        self.path = QLineEdit(file_box)
        browse = QPushButton(_("Browse…"), file_box)
        browse.clicked.connect(self.browse)
        self.add_field(file_form, "path", _("File"), self.path)
        browse_row = QHBoxLayout()
        browse_row.addWidget(browse)
        browse_row.addStretch(1)
        file_form.addRow("", browse_row)
        layout.addWidget(file_box)
        layout.addWidget(self.postgres_radio)
        server_box = QWidget(self)
        server_form = QFormLayout(server_box)
        url = QLineEdit(server_box)
        url.setPlaceholderText("postgresql://user@server:5432/crm")
        self.add_field(server_form, "url", _("Server address"), url)
        password = QLineEdit(server_box)
        password.setEchoMode(QLineEdit.EchoMode.Password)
        password.setPlaceholderText(_("kept in the system keyring"))
        self.add_field(server_form, "password", _("Password"), password)
        layout.addWidget(server_box)
        self.file_box, self.server_box = file_box, server_box
        test_row = QHBoxLayout()
        self.test_button = QPushButton(_("Test the connection"), self)
        self.test_button.setObjectName("db_test")
        self.test_button.clicked.connect(self.test_connection)
        test_row.addWidget(self.test_button)
        self.test_result = QLabel(self)
        self.test_result.setObjectName("db_test_result")
        self.test_result.setWordWrap(True)
        test_row.addWidget(self.test_result, 1)
        layout.addLayout(test_row)
        note = QLabel(_("The password is kept in the operating system's keyring, never in a "
                        "file. The new connection is used after the application is restarted."),
                      self)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addWidget(self.footer())
        self.sqlite_radio.toggled.connect(self._kind_changed)
        self.sqlite_radio.toggled.connect(lambda _c: self.mark_dirty())
        self.reload()

    def reload(self) -> None:
        saved = str(self.context.settings.value("database/url") or "")
        current = saved or self.context.database_name
        self._loading = True
        postgres = admin.is_postgres_url(current)
        self.postgres_radio.setChecked(postgres)
        self.sqlite_radio.setChecked(not postgres)
        self.path.setText("" if postgres else current)
        self.editors["url"].setText(current if postgres else "")  # type: ignore[attr-defined]
        self.editors["password"].setText("")  # type: ignore[attr-defined]
        self._loading = False
        self._kind_changed()
        self.set_clean()

    def _kind_changed(self) -> None:
        self.file_box.setEnabled(self.sqlite_radio.isChecked())
        self.server_box.setEnabled(self.postgres_radio.isChecked())

    def browse(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Database file"), self.path.text(), _("CRM database (*.db);;All files (*)"),
            options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.path.setText(path)
            self.mark_dirty()

    def test_connection(self) -> None:
        """Try the address in the background (a server may take seconds to answer)."""
        kind = "sqlite" if self.sqlite_radio.isChecked() else "postgres"
        value = (self.path.text() if kind == "sqlite"
                 else self.editors["url"].text()).strip()  # type: ignore[attr-defined]
        errors = admin.connection_errors(kind, value)
        if errors:
            self.show_errors(errors)
            return
        password = self.editors["password"].text()  # type: ignore[attr-defined]
        if kind == "postgres" and password:
            value = admin.store_connection(value, password)
        self.test_button.setEnabled(False)
        self.test_result.setStyleSheet("")
        self.test_result.setText(_("Connecting…"))

        def shown(text: str, ok: bool) -> None:
            self.test_button.setEnabled(True)
            self.test_result.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
            self.test_result.setText(text)

        run_in_background(
            lambda _progress: admin.test_connection(value),
            on_result=lambda text: shown(text, True),
            on_error=lambda error: shown(getattr(error, "message", str(error)), False),
            use_database=False,
            name="test-connection",
        )

    def on_edited(self) -> None:
        kind = "sqlite" if self.sqlite_radio.isChecked() else "postgres"
        value = self.path.text() if kind == "sqlite" else self.editors["url"].text()  # type: ignore[attr-defined]
        self.show_errors(admin.connection_errors(kind, value) if value else {})

    def save_changes(self) -> bool:
        kind = "sqlite" if self.sqlite_radio.isChecked() else "postgres"
        value = (self.path.text() if kind == "sqlite"
                 else self.editors["url"].text()).strip()  # type: ignore[attr-defined]
        errors = admin.connection_errors(kind, value)
        if errors:
            self.show_errors(errors)
            self.show_banner(next(iter(errors.values())))
            return False
        url = admin.store_connection(value, self.editors["password"].text())  # type: ignore[attr-defined]
        self.context.settings.setValue("database/url", url)
        self.context.settings.sync()
        self.reload()
        QMessageBox.information(self, _("Database"),
                                _("The application opens this database after a restart."))
        return True


# --- the section ----------------------------------------------------------------------------------

PAGES = (OwnCompaniesPage, PipelinesPage, RulesPage, UsersPage, LanguagePage, DatabasePage)


class SettingsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings")
        self.context = context
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settings_tabs")
        self.pages: dict[str, SettingsPage] = {}
        for page_class in PAGES:
            page = page_class(context, self.tabs)
            self.pages[page.objectName().removeprefix("settings_")] = page
            self.tabs.addTab(page, _(page_class.title))
        layout.addWidget(self.tabs)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save_current)

    def page(self, key: str) -> SettingsPage:
        return self.pages[key]

    def select(self, key: str) -> SettingsPage:
        page = self.pages[key]
        self.tabs.setCurrentWidget(page)
        return page

    def save_current(self) -> None:
        page = self.tabs.currentWidget()
        if isinstance(page, SettingsPage) and page.dirty:
            page.save()

    def confirm_close(self) -> bool:
        """Asked by the main window before it closes."""
        dirty = [page for page in self.pages.values() if page.dirty]
        if not dirty:
            return True
        box = QMessageBox(QMessageBox.Icon.Question, _("Unsaved changes"),
                          _("Some settings are not saved: {pages}. Save them before closing?")
                          .format(pages=", ".join(_(p.title) for p in dirty)),
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("unsaved_dialog")
        save = box.addButton(_("Save"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(_("Discard changes"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(save)
        box.setEscapeButton(cancel)
        box.exec()
        if box.clickedButton() is save:
            return all(page.save() for page in dirty)
        return box.clickedButton() is discard

    def activated(self) -> None:
        return None

    def can_create_new(self) -> bool:
        return False
