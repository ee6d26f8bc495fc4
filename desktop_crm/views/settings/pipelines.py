"""Settings › Pipelines and stages: pipelines, their stages' kind, probability and colour, the
fields a deal needs to enter a stage and the tasks it creates there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError, database_errors
from desktop_crm.i18n import N_, _, pgettext
from desktop_crm.i18n.formatting import format_amount
from desktop_crm.ids import StageId
from desktop_crm.models.enums import Action
from desktop_crm.services.billing import documents
from desktop_crm.services.system import admin
from desktop_crm.views.cards.common import ERROR_STYLE, RowsModel, set_combo_value
from desktop_crm.views.cards.custom_fields import CUSTOM_FIELDS
from desktop_crm.views.common.dialogs import confirm, show_error
from desktop_crm.views.common.progress import JobProgressDialog
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.deal_flags import recompute_deal_flags
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec
from desktop_crm.workers import run_in_background


def kind_labels() -> list[tuple[str, str]]:
    return [("open", _("In progress")), ("won", _("Won")), ("lost", _("Lost"))]


class PipelinesPage(SettingsPage):
    """A pipeline chosen at the top; its stages on the left, the chosen stage's settings on the right."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.stage_rows: list[admin.StageInfo] = []
        self.stage_id: StageId | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Pipeline:"), self))
        self.pipeline = QComboBox(self)
        self.pipeline.setObjectName("pipeline_choice")
        self.pipeline.currentIndexChanged.connect(self._pipeline_changed)
        top.addWidget(self.pipeline, 1)
        top.addWidget(QLabel(_("Seller:"), self))
        self.seller = QComboBox(self)
        self.seller.setObjectName("pipeline_seller")
        self.seller.setToolTip(_("Your company that issues the documents of this pipeline's deals"))
        self.seller.currentIndexChanged.connect(self._seller_changed)
        top.addWidget(self.seller, 1)
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
        for name, text, slot in (("stage_up", _("Up"), lambda: self.move_stage(-1)),
                                 ("stage_down", _("Down"), lambda: self.move_stage(1)),
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
        self.color = admin.DEFAULT_STAGE_COLOR
        form.addRow(_("Colour") + ":", self.color_button)
        self.add_field(form, "requires_correct_deal", _("Entry"),
                       QCheckBox(_("Only correct deals may enter"), right))
        self.required_group = QGroupBox(_("Required to enter the stage"), right)
        QVBoxLayout(self.required_group)
        self.required: dict[str, QCheckBox] = {}  # filled per pipeline: its custom fields too
        form.addRow(self.required_group)
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
        context.signals.changed.connect(self._custom_fields_changed)

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
        self._show_seller()
        self._fill_required()
        self.reload_stages()

    def _fill_required(self) -> None:
        """A box per field a stage of this pipeline may require: the fixed ones, then the custom
        deal fields shown in this pipeline."""
        layout = self.required_group.layout()
        assert layout is not None
        for box in self.required.values():
            layout.removeWidget(box)
            box.deleteLater()
        self.required = {}
        for name, label in admin.deal_field_choices(self.pipeline.currentData() or None):
            box = QCheckBox(label[:1].upper() + label[1:], self.required_group)
            box.toggled.connect(lambda _c: self.mark_dirty())
            layout.addWidget(box)
            self.required[name] = box

    def _custom_fields_changed(self, entity: str) -> None:
        if entity == CUSTOM_FIELDS and not self.dirty:
            self._fill_required()
            self.reload_stages()

    def _show_seller(self) -> None:
        pipeline_id = self.pipeline.currentData()
        self._loading = True
        try:
            self.seller.clear()
            self.seller.addItem(_("By the deal's currency"), None)
            for key, name in documents.own_companies():
                self.seller.addItem(name, str(key))
            chosen = documents.pipeline_seller(pipeline_id) if pipeline_id else None
            set_combo_value(self.seller, str(chosen) if chosen else None)
        finally:
            self._loading = False

    def _seller_changed(self) -> None:
        pipeline_id = self.pipeline.currentData()
        if self._loading or not pipeline_id:
            return
        try:
            with database_errors():
                documents.set_pipeline_seller(pipeline_id, self.seller.currentData())
        except CrmError as error:
            show_error(self, error.message)
            self._show_seller()

    def new_pipeline(self) -> None:
        name, ok = QInputDialog.getText(self, _("New pipeline"), _("Name:"))
        if ok:
            try:
                with database_errors():
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
                with database_errors():
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
            with database_errors():
                admin.delete_pipeline(pipeline_id)
        except CrmError as error:
            show_error(self, error.message)
            return
        self.reload_pipelines()
        self.context.notify_changed("pipelines")

    # stages
    def reload_stages(self, select: StageId | None = None) -> None:
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
        self.editor("name", QLineEdit).setText(stage.name if stage else "")
        set_combo_value(self.editor("kind", QComboBox), stage.kind if stage else "open")
        self.editor("probability", QLineEdit).setText(
            format_amount(stage.probability, places=0) if stage else "0")
        self.editor("requires_correct_deal", QCheckBox).setChecked(
            bool(stage and stage.requires_correct_deal))
        self._set_color(stage.color if stage else admin.DEFAULT_STAGE_COLOR)
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
            "name": self.editor("name", QLineEdit).text(),
            "kind": self.editor("kind", QComboBox).currentData(),
            "probability": self.editor("probability", QLineEdit).text() or "0",
            "color": self.color,
            "requires_correct_deal": self.editor("requires_correct_deal", QCheckBox).isChecked(),
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
            with database_errors():
                stage_id = admin.save_stage(None, pipeline_id, {"name": name, "kind": "open",
                                                                "probability": "0",
                                                                "color": admin.DEFAULT_STAGE_COLOR})
        except CrmError as error:
            show_error(self, error.message)
            return
        self.reload_stages(stage_id)
        self.context.notify_changed("pipelines")

    def move_stage(self, delta: int) -> None:
        if self.stage_id:
            stage_id = self.stage_id
            self._change_stages(lambda: admin.move_stage(stage_id, delta), stage_id)

    def _change_stages(self, change: Callable[[], object], select: StageId | None) -> None:
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
                name=self.editor("name", QLineEdit).text()), _("Delete")):
            return
        stage_id = self.stage_id
        self._change_stages(lambda: admin.delete_stage(stage_id), None)


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("pipelines", N_("Pipelines and stages"), PipelinesPage, order=20,
                       requires=Action.CHANGE_SETTINGS))
