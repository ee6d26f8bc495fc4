"""The import wizard's last pages: duplicates and references, the preview, the run with its
progress, and the result (counts, rejected rows, undo)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import _, ngettext, pgettext
from desktop_crm.views.common.palette import ERROR_COLOR
from desktop_crm.views.imports.pages import hint, page_title

if TYPE_CHECKING:
    from desktop_crm.services.data.imports.engine import ImportReport, PreviewRow


def action_label(action: str) -> str:
    return {
        "create": _("will be created"),
        "merge": _("will be merged"),
        "skip": _("skipped: already there"),
        "reject": _("will not be imported"),
    }.get(action, action)


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    item.setToolTip(text)
    return item


class PreviewPage(QWidget):
    """Step 5: the first rows as they would be imported, each with its problems; then a dry run or
    the import."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_preview_page")
        layout = QVBoxLayout(self)
        layout.addWidget(page_title(_("Preview of the first rows")))
        self.summary = hint("")
        self.summary.setObjectName("import_preview_summary")
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("import_preview_table")
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint(_("A dry run checks every row and counts what would happen, writing "
                                "nothing. The import is one batch you can undo.")))
        buttons = QHBoxLayout()
        self.dry_run_button = QPushButton(_("Dry run"))
        self.dry_run_button.setObjectName("import_dry_run")
        self.import_button = QPushButton(_("Import"))
        self.import_button.setObjectName("import_run")
        buttons.addWidget(self.dry_run_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def show_rows(self, rows: Sequence[PreviewRow], fields: Sequence[tuple[str, str]]) -> None:
        """``fields``: (name, translated label) of the mapped fields, in the file's order."""
        self.table.clear()
        self.table.setColumnCount(3 + len(fields))
        self.table.setHorizontalHeaderLabels(
            [_("Row"), _("What happens"), _("Problems")]
            + [label.split(" (")[0] for _name, label in fields])  # "deal key (rows with …)"
        self.table.setRowCount(len(rows))
        problems = 0
        for index, row in enumerate(rows):
            self.table.setItem(index, 0, _item(str(row.row)))
            action = action_label(str(row.action))
            if row.duplicate_of:
                action += " — " + _("like {record}").format(record=row.duplicate_of)
            self.table.setItem(index, 1, _item(action))
            self.table.setItem(index, 2, _item("\n".join(row.problems)))
            problems += bool(row.problems)
            for column, (name, _label) in enumerate(fields, start=3):
                self.table.setItem(index, column, _item(row.values.get(name, "")))
            if row.problems:
                for column in (1, 2):
                    cell = self.table.item(index, column)
                    if cell is not None:
                        cell.setForeground(QColor(ERROR_COLOR))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.resizeColumnsToContents()
        for column in range(self.table.columnCount()):
            widest = 320 if column == 2 else 200
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), widest))
        self.table.resizeRowsToContents()
        self.summary.setText(
            ngettext("The first {count} row as it would be imported.",
                     "The first {count} rows as they would be imported.", len(rows)).format(count=len(rows))
            + " " + ngettext("{count} of them has a problem.", "{count} of them have problems.",
                             problems).format(count=problems))


class OptionsPage(QWidget):
    """Step 4: duplicates and missing references (the preview that follows shows their effect)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_options_page")
        layout = QVBoxLayout(self)
        layout.addWidget(page_title(_("Duplicates and missing records")))
        layout.addWidget(hint(_("A row is a duplicate when it is a record already here (contacts: two "
                                "identifying fields alike; companies: the same INN or P.IVA, or name "
                                "and phone) or an earlier row of the file.")))
        self.skip = QRadioButton(_("Skip duplicates"))
        self.skip.setObjectName("import_dup_skip")
        self.merge = QRadioButton(_("Merge them into the record already here"))
        self.merge.setObjectName("import_dup_merge")
        self.create_new = QRadioButton(_("Create them anyway"))
        self.create_new.setObjectName("import_dup_create")
        self.group = QButtonGroup(self)
        for button in (self.skip, self.merge, self.create_new):
            self.group.addButton(button)
            layout.addWidget(button)
        self.skip.setChecked(True)
        winner_row = QHBoxLayout()
        winner_row.addSpacing(24)
        winner_row.addWidget(QLabel(_("Where both have a value:")))
        self.winner = QComboBox()
        self.winner.setObjectName("import_winner")
        self.winner.addItem(_("the file's value wins"), "file")
        self.winner.addItem(_("the value already here wins"), "database")
        winner_row.addWidget(self.winner)
        winner_row.addStretch(1)
        layout.addLayout(winner_row)
        self.merge.toggled.connect(self.winner.setEnabled)
        self.winner.setEnabled(False)
        layout.addSpacing(12)
        self.create_missing = QCheckBox(_("Create the companies, pipelines, stages and product groups "
                                          "the file names that are not here yet"))
        self.create_missing.setObjectName("import_create_missing")
        layout.addWidget(self.create_missing)
        self.lenient = QCheckBox(_("Import records that lack the card's required fields (they are "
                                   "flagged when edited)"))
        self.lenient.setObjectName("import_lenient")
        layout.addWidget(self.lenient)
        layout.addStretch(1)

    def on_duplicate(self) -> str:
        return "merge" if self.merge.isChecked() else "create" if self.create_new.isChecked() else "skip"


class RunPage(QWidget):
    """Step 6: the import running in the background, with Cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_run_page")
        layout = QVBoxLayout(self)
        self.title = page_title(_("Importing…"))
        layout.addWidget(self.title)
        self.status = QLabel()
        self.status.setObjectName("import_run_status")
        layout.addWidget(self.status)
        self.bar = QProgressBar()
        self.bar.setObjectName("import_progress")
        self.bar.setRange(0, 0)
        layout.addWidget(self.bar)
        row = QHBoxLayout()
        self.cancel_button = QPushButton(_("Cancel import"))
        self.cancel_button.setObjectName("import_cancel")
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)

    def start(self, dry_run: bool) -> None:
        self.title.setText(_("Dry run…") if dry_run else _("Importing…"))
        self.status.setText(_("Reading the rows…"))
        self.bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText(_("Cancel import"))

    def update(self, done: int, total: int) -> None:  # type: ignore[override]
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        self.status.setText(_("{done} of {total} rows").format(done=done, total=total))

    def cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.status.setText(_("Cancelling: taking back what was written…"))


class ResultPage(QWidget):
    """Step 7: what happened — counts, rejected rows (saved to a file), undo."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_result_page")
        layout = QVBoxLayout(self)
        self.title = page_title("")
        layout.addWidget(self.title)
        self.note = hint("")
        self.note.setObjectName("import_result_note")
        layout.addWidget(self.note)
        grid = QGridLayout()
        self.counts: dict[str, QLabel] = {}
        labels = (("created", pgettext("import result", "Created")),
                  ("merged", pgettext("import result", "Merged")),
                  ("skipped", pgettext("import result", "Skipped")),
                  ("rejected", pgettext("import result", "Rejected")))
        for column, (key, text) in enumerate(labels):
            number = QLabel("0")
            number.setObjectName(f"import_count_{key}")
            font = number.font()
            font.setPointSizeF(font.pointSizeF() * 1.8)
            font.setBold(True)
            number.setFont(font)
            number.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption = QLabel(text)
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(number, 0, column)
            grid.addWidget(caption, 1, column)
            self.counts[key] = number
        layout.addLayout(grid)
        self.rejected = QTableWidget(0, 2)
        self.rejected.setObjectName("import_rejected_table")
        self.rejected.setHorizontalHeaderLabels([_("Row"), _("Why it was not imported")])
        self.rejected.verticalHeader().setVisible(False)
        self.rejected.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.rejected.horizontalHeader().setStretchLastSection(True)
        self.rejected.setWordWrap(True)
        layout.addWidget(self.rejected, 1)
        buttons = QHBoxLayout()
        self.save_rejected_button = QPushButton(_("Save rejected rows…"))
        self.save_rejected_button.setObjectName("import_save_rejected")
        self.undo_button = QPushButton(_("Undo this import"))
        self.undo_button.setObjectName("import_undo")
        self.real_button = QPushButton(_("Import for real"))
        self.real_button.setObjectName("import_for_real")
        for button in (self.save_rejected_button, self.undo_button, self.real_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def show_report(self, report: ImportReport) -> None:
        if report.cancelled:
            self.title.setText(_("Import cancelled"))
            self.note.setText(_("Nothing was written: the rows imported before you cancelled were "
                                "taken back."))
        elif report.dry_run:
            self.title.setText(_("Dry run finished"))
            self.note.setText(_("Nothing was written. This is what the import would do:"))
        else:
            self.title.setText(_("Import finished"))
            self.note.setText(_("Everything this import did can be undone, here or later from "
                                "File › Imports history."))
        for key, value in (("created", report.created), ("merged", report.merged),
                           ("skipped", report.skipped), ("rejected", len(report.rejected))):
            self.counts[key].setText(str(value))
        self.rejected.setRowCount(len(report.rejected))
        for index, rejected in enumerate(report.rejected):
            self.rejected.setItem(index, 0, _item(str(rejected.row)))
            self.rejected.setItem(index, 1, _item(" ".join(rejected.reasons)))
        self.rejected.resizeRowsToContents()
        self.rejected.setVisible(bool(report.rejected))
        self.save_rejected_button.setEnabled(bool(report.rejected))
        done = not report.cancelled and not report.dry_run and report.batch_id is not None
        self.undo_button.setVisible(done)
        self.undo_button.setEnabled(done)
        self.real_button.setVisible(report.dry_run and not report.cancelled)

    def undone(self, removed: int, restored: int) -> None:
        self.title.setText(_("Import undone"))
        self.note.setText(_("Removed: {removed}. Restored as they were: {restored}.").format(
            removed=removed, restored=restored))
        self.undo_button.setEnabled(False)
