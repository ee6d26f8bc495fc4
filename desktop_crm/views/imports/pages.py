"""The import wizard's first pages: the file and what it holds, the columns, the other CRM's stages
and users. Widgets only: the wizard (``wizard.py``) reads the file and asks the services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import _, ngettext
from desktop_crm.views.common.palette import ERROR_COLOR

if TYPE_CHECKING:
    from desktop_crm.services.data.crm_exports.matching import OurStage, StageKey
    from desktop_crm.services.data.imports.formats import FileFormat, Table
    from desktop_crm.services.data.imports.mapping import ImportField

#: Sample values shown next to each column on the mapping page.
SAMPLE_ROWS = 3


def page_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("page_title")
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.25)
    font.setBold(True)
    label.setFont(font)
    return label


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName("page_hint")
    return label


def encoding_label(encoding: str) -> str:
    names = {"utf-8": "UTF-8", "utf-8-sig": _("UTF-8 with BOM"), "cp1251": "Windows-1251",
             "utf-16": "UTF-16"}
    return names.get(encoding, encoding)


def delimiter_label(delimiter: str) -> str:
    return {";": _("semicolon"), ",": _("comma"), "\t": _("tab")}.get(delimiter, delimiter)


class FilePage(QWidget):
    """Step 1: the file, what it holds (entity) and its format (detected, changeable)."""

    browse_requested = Signal()
    file_chosen = Signal()  # the path was typed (Enter) or chosen, or the format changed

    def __init__(self, entities: Sequence[tuple[str, str]], file_formats: Sequence[FileFormat],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_file_page")
        layout = QVBoxLayout(self)
        layout.addWidget(page_title(_("Choose the file to import")))
        layout.addWidget(hint(_(
            "CSV (UTF-8 or Windows-1251; separated by semicolons, commas or tabs), Excel (XLSX), "
            "vCard, or an export of Bitrix24 or amoCRM. The format is recognised by itself; "
            "change it if it was not.")))
        form = QFormLayout()
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("import_path")
        self.path_edit.setPlaceholderText(_("Path of the file"))
        self.path_edit.returnPressed.connect(self.file_chosen)
        self.browse_button = QPushButton(_("Browse…"))
        self.browse_button.setObjectName("import_browse")
        self.browse_button.clicked.connect(self.browse_requested)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        form.addRow(_("File:"), row)
        self.entity_combo = QComboBox()
        self.entity_combo.setObjectName("import_entity")
        for key, label in entities:
            self.entity_combo.addItem(label, key)
        form.addRow(_("Import as:"), self.entity_combo)
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("import_format")
        self.format_combo.addItem(_("Recognise by itself"), "auto")
        for file_format in file_formats:
            self.format_combo.addItem(_(file_format.label), file_format.name)
        self.format_combo.activated.connect(lambda _index: self.file_chosen.emit())
        form.addRow(_("Format:"), self.format_combo)
        layout.addLayout(form)
        self.info = QLabel()
        self.info.setObjectName("import_file_info")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.info)
        self.advice = hint("")
        self.advice.setObjectName("import_file_advice")
        self.advice.hide()
        layout.addWidget(self.advice)
        layout.addStretch(1)

    def entity(self) -> str:
        return str(self.entity_combo.currentData())

    def set_entity(self, entity: str) -> None:
        index = self.entity_combo.findData(entity)
        if index >= 0:
            self.entity_combo.setCurrentIndex(index)

    def format_name(self) -> str:
        return str(self.format_combo.currentData())

    def show_table(self, table: Table, format_label: str) -> None:
        parts = [_("Format: {format}").format(format=format_label)]
        if table.encoding:
            parts.append(_("encoding: {encoding}").format(encoding=encoding_label(table.encoding)))
        if table.delimiter:
            parts.append(_("separator: {delimiter}").format(delimiter=delimiter_label(table.delimiter)))
        rows = len(table.rows) if isinstance(table.rows, list) else 0
        parts.append(ngettext("{count} column", "{count} columns", len(table.headers)).format(
            count=len(table.headers)))
        parts.append(ngettext("{count} row", "{count} rows", rows).format(count=rows))
        self.info.setText(" · ".join(parts))
        self.info.setStyleSheet("")
        self.advice.setVisible(table.format == "amocrm")
        self.advice.setText(_(
            "amoCRM exports each deal with its contact and company. Import this file three times: "
            "as companies, as contacts, then as deals — each time its own columns are used, and "
            "the deals find the contacts and companies imported before them."))

    def show_problem(self, message: str) -> None:
        self.advice.hide()
        self.info.setText(message)
        self.info.setStyleSheet(f"color: {ERROR_COLOR};")


class MappingPage(QWidget):
    """Step 2: what each column becomes (suggested, editable), presets saved and loaded."""

    load_preset_requested = Signal(str)
    save_preset_requested = Signal(str)
    delete_preset_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_mapping_page")
        layout = QVBoxLayout(self)
        layout.addWidget(page_title(_("What each column becomes")))
        layout.addWidget(hint(_("The fields were suggested from the column names. Change any of "
                                "them; a column set to “Do not import” is left out.")))
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("import_mapping_table")
        self.table.setHorizontalHeaderLabels([_("Column of the file"), _("Values"), _("Field")])
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)
        presets = QHBoxLayout()
        presets.addWidget(QLabel(_("Saved mappings:")))
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("import_preset")
        self.preset_combo.setMinimumContentsLength(16)
        presets.addWidget(self.preset_combo)
        self.load_button = QPushButton(_("Apply"))
        self.load_button.setObjectName("import_preset_load")
        self.load_button.clicked.connect(
            lambda: self.load_preset_requested.emit(self.preset_combo.currentText()))
        presets.addWidget(self.load_button)
        self.delete_button = QPushButton(_("Delete"))
        self.delete_button.setObjectName("import_preset_delete")
        self.delete_button.clicked.connect(
            lambda: self.delete_preset_requested.emit(self.preset_combo.currentText()))
        presets.addWidget(self.delete_button)
        presets.addSpacing(16)
        self.preset_name = QLineEdit()
        self.preset_name.setObjectName("import_preset_name")
        self.preset_name.setPlaceholderText(_("Name of this mapping"))
        self.preset_name.setMinimumWidth(self.preset_name.fontMetrics().horizontalAdvance(
            self.preset_name.placeholderText()) + 24)
        presets.addWidget(self.preset_name, 1)
        self.save_button = QPushButton(_("Save mapping"))
        self.save_button.setObjectName("import_preset_save")
        self.save_button.clicked.connect(
            lambda: self.save_preset_requested.emit(self.preset_name.text()))
        presets.addWidget(self.save_button)
        layout.addLayout(presets)
        self.problem = QLabel()
        self.problem.setObjectName("import_mapping_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {ERROR_COLOR};")
        layout.addWidget(self.problem)
        self._headers: list[str] = []
        self._setting = False

    def show_columns(self, table: Table, fields: Sequence[ImportField], mapping: dict[str, str]) -> None:
        self._headers = []
        self.table.setRowCount(0)
        self._headers = list(table.headers)
        rows = list(table.rows[:SAMPLE_ROWS * 4]) if isinstance(table.rows, list) else []
        self.table.setRowCount(len(self._headers))
        for index, header in enumerate(self._headers):
            name = QTableWidgetItem(header)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(index, 0, name)
            samples = list(dict.fromkeys(
                row[index].strip() for row in rows if index < len(row) and row[index].strip()))
            samples = samples[:SAMPLE_ROWS]
            sample = QTableWidgetItem(" · ".join(samples))
            sample.setFlags(sample.flags() & ~Qt.ItemFlag.ItemIsEditable)
            sample.setToolTip("\n".join(samples))
            self.table.setItem(index, 1, sample)
            combo = QComboBox()
            combo.setObjectName(f"import_field_{index}")
            combo.addItem(_("Do not import"), "")
            for item in fields:
                label = _(item.label) + (" *" if item.required else "")
                combo.addItem(label, item.name)
            self.table.setCellWidget(index, 2, combo)
            combo.currentIndexChanged.connect(lambda _i, header=header: self._keep_unique(header))
        self.set_mapping(mapping)
        self.problem.clear()

    def field_combo(self, header: str) -> QComboBox:
        widget = self.table.cellWidget(self._headers.index(header), 2)
        assert isinstance(widget, QComboBox)
        return widget

    def set_mapping(self, mapping: dict[str, str]) -> None:
        self._setting = True
        try:
            for header in self._headers:
                combo = self.field_combo(header)
                index = combo.findData(mapping.get(header, ""))
                combo.setCurrentIndex(max(index, 0))
        finally:
            self._setting = False

    def _keep_unique(self, chosen: str) -> None:
        """A field is filled by one column: choosing it for a column takes it from the other."""
        field = self.field_combo(chosen).currentData()
        if self._setting or not field:
            return
        for header in self._headers:
            if header != chosen and self.field_combo(header).currentData() == field:
                self.field_combo(header).setCurrentIndex(0)

    def mapping(self) -> dict[str, str]:
        result = {}
        for header in self._headers:
            field = str(self.field_combo(header).currentData() or "")
            if field:
                result[header] = field
        return result

    def show_presets(self, names: Sequence[str], current: str = "") -> None:
        self.preset_combo.clear()
        self.preset_combo.addItems(list(names))
        if current:
            self.preset_combo.setCurrentText(current)
        for widget in (self.preset_combo, self.load_button, self.delete_button):
            widget.setEnabled(bool(names))


class ReferencesPage(QWidget):
    """Step 3 (Bitrix24, amoCRM): each of their stages and users → one of ours, or created."""

    CREATE = "\x00create"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_references_page")
        layout = QVBoxLayout(self)
        layout.addWidget(page_title(_("Their pipelines, stages and users")))
        layout.addWidget(hint(_("Choose which of this CRM's stages and users each of theirs becomes. "
                                "A stage set to “Create it here” is added to the pipeline of the "
                                "same name; a user set to “Nobody” leaves the records to you.")))
        self.stages = QTableWidget(0, 3)
        self.stages.setObjectName("import_stage_table")
        self.stages.setHorizontalHeaderLabels([_("Their pipeline"), _("Their stage"), _("Becomes")])
        self.users = QTableWidget(0, 2)
        self.users.setObjectName("import_user_table")
        self.users.setHorizontalHeaderLabels([_("Their user"), _("Becomes")])
        for table in (self.stages, self.users):
            table.verticalHeader().setVisible(False)
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            table.horizontalHeader().setStretchLastSection(True)
        self.stages_title = QLabel(_("Stages"))
        self.users_title = QLabel(_("Users"))
        layout.addWidget(self.stages_title)
        layout.addWidget(self.stages, 3)
        layout.addWidget(self.users_title)
        layout.addWidget(self.users, 2)
        self._stage_keys: list[StageKey] = []
        self._ours: list[OurStage] = []
        self._user_names: list[str] = []

    def show_references(self, stages: Sequence[StageKey], ours: Sequence[OurStage],
                        suggested_stages: dict[StageKey, OurStage | None], users: Sequence[str],
                        our_users: Sequence[str], suggested_users: dict[str, str | None]) -> None:
        self._stage_keys, self._ours, self._user_names = list(stages), list(ours), list(users)
        self.stages.setRowCount(len(stages))
        for row, key in enumerate(stages):
            for column, text in enumerate(key):
                item = QTableWidgetItem(text or "—")
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.stages.setItem(row, column, item)
            combo = QComboBox()
            combo.setObjectName(f"import_stage_{row}")
            combo.addItem(_("Create it here"), self.CREATE)
            for index, stage in enumerate(ours):
                combo.addItem(f"{stage.pipeline} › {stage.stage}", index)
            chosen = suggested_stages.get(key)
            combo.setCurrentIndex(self._ours.index(chosen) + 1 if chosen in self._ours else 0)
            self.stages.setCellWidget(row, 2, combo)
        self.users.setRowCount(len(users))
        for row, name in enumerate(users):
            item = QTableWidgetItem(name)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.users.setItem(row, 0, item)
            combo = QComboBox()
            combo.setObjectName(f"import_user_{row}")
            combo.addItem(_("Nobody (the records are yours)"), "")
            for ours_name in our_users:
                combo.addItem(ours_name, ours_name)
            combo.setCurrentIndex(max(combo.findData(suggested_users.get(name) or ""), 0))
            self.users.setCellWidget(row, 1, combo)
        for widget in (self.stages, self.stages_title):
            widget.setVisible(bool(stages))
        for widget in (self.users, self.users_title):
            widget.setVisible(bool(users))

    def stage_combo(self, row: int) -> QComboBox:
        widget = self.stages.cellWidget(row, 2)
        assert isinstance(widget, QComboBox)
        return widget

    def user_combo(self, row: int) -> QComboBox:
        widget = self.users.cellWidget(row, 1)
        assert isinstance(widget, QComboBox)
        return widget

    def stage_map(self) -> dict[StageKey, OurStage | None]:
        result: dict[StageKey, OurStage | None] = {}
        for row, key in enumerate(self._stage_keys):
            data = self.stage_combo(row).currentData()
            result[key] = None if data == self.CREATE else self._ours[int(data)]
        return result

    def user_map(self) -> dict[str, str | None]:
        return {name: (str(self.user_combo(row).currentData() or "") or None)
                for row, name in enumerate(self._user_names)}
