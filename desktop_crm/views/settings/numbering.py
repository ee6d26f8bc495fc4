"""Settings › Numbering: the series of quote and invoice numbers of each own company and year, their
format (``{seq}``, ``{year}``, ``{yy}``, ``{series}``) and, while none of its numbers was taken, the
next number of a series (``services.billing.series``). The next number is previewed as typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import N_, _
from desktop_crm.models.enums import Action
from desktop_crm.services.billing import series as series_service
from desktop_crm.services.system import admin
from desktop_crm.views.cards.common import OK_STYLE, RowsModel, set_combo_value
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec


class NumberingPage(SettingsPage):
    """Company and year on top, their series in a table, the chosen series' editors below."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.rows: list[series_service.SeriesRow] = []
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.company = QComboBox(self)
        self.company.setObjectName("numbering_company")
        company_label = QLabel(_("Company:"), self)
        company_label.setBuddy(self.company)
        top.addWidget(company_label)
        top.addWidget(self.company, 1)
        self.year = QSpinBox(self)
        self.year.setObjectName("numbering_year")
        self.year.setRange(2000, 2100)
        self.year.setValue(dt.date.today().year)
        year_label = QLabel(_("Year:"), self)
        year_label.setBuddy(self.year)
        top.addWidget(year_label)
        top.addWidget(self.year)
        layout.addLayout(top)
        self.model = RowsModel([_("Documents"), _("Series"), _("Format"), _("Next number")], self)
        self.table = QTableView(self)
        self.table.setObjectName("numbering_series")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.clicked.connect(lambda index: self.select_row(index.row()))
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        kind = QComboBox(self)
        for value, label in series_service.kind_choices():
            kind.addItem(label, value)
        self.add_field(form, "kind", _("Documents"), kind)
        series = QLineEdit(self)
        series.setPlaceholderText(_("empty: the main series"))
        series.setMaximumWidth(200)
        self.add_field(form, "series", _("Series"), series)
        self.add_field(form, "pattern", _("Format"), QLineEdit(self), True)
        next_value = QSpinBox(self)
        next_value.setRange(1, series_service.MAX_NEXT)
        next_value.valueChanged.connect(lambda _value: self.mark_dirty())
        self.add_field(form, "next_value", _("Next number"), next_value)
        self.preview = QLabel(self)
        self.preview.setObjectName("numbering_preview")
        self.preview.setStyleSheet(OK_STYLE)
        form.addRow(_("The next document gets:"), self.preview)
        layout.addLayout(form)
        hint = QLabel(_("In the format, {seq} is the number in the series ({seq:04d}: four digits, "
                        "0001), {year} the year, {yy} its last two digits and {series} the series."),
                      self)
        hint.setWordWrap(True)
        layout.addWidget(hint)
        buttons = QHBoxLayout()
        add = QPushButton(_("New series"), self)
        add.setObjectName("numbering_new")
        add.clicked.connect(self.new_series)
        buttons.addWidget(add)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self.footer())
        self.company.currentIndexChanged.connect(lambda _index: self.reload_series())
        self.year.valueChanged.connect(lambda _value: self.reload_series())
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        """Companies added in Settings › Own companies meanwhile are offered when the tab shows."""
        super().showEvent(event)
        if not self.dirty:
            self.reload()

    def reload(self) -> None:
        chosen = self.company.currentData()
        self.company.blockSignals(True)
        self.company.clear()
        for row in admin.own_companies():
            self.company.addItem(row.name, row.id)
        self.company.blockSignals(False)
        if chosen is not None:
            set_combo_value(self.company, chosen)
        self.reload_series()

    def reload_series(self, select: tuple[str, str] | None = None) -> None:
        company_id = self.company.currentData()
        self.rows = series_service.series_rows(company_id, self.year.value()) if company_id else []
        self.model.set_rows([
            (f"{row.kind}:{row.series}", [row.kind_label, row.series or _("main"), row.pattern,
                                          row.next_number])
            for row in self.rows])
        self.table.resizeColumnsToContents()
        position = next((i for i, row in enumerate(self.rows) if (row.kind, row.series) == select), 0)
        if self.rows:
            self.select_row(position, force=True)
        else:
            self.show_banner(_("Add an own company first (Settings › Own companies)."))

    def select_row(self, row: int, force: bool = False) -> None:
        if not force and self.dirty and not self._discard():
            return
        data = self.rows[row]
        self.table.selectRow(row)
        self._fill({"kind": data.kind, "series": data.series, "pattern": data.pattern,
                    "next_value": data.next_value}, data.used)

    def _discard(self) -> bool:
        from desktop_crm.views.common.dialogs import confirm

        return confirm(self, _("Unsaved changes"), _("Discard the changes to this series?"),
                       _("Discard changes"))

    def _fill(self, values: dict[str, Any], used: bool) -> None:
        self._loading = True
        set_combo_value(self.editor("kind", QComboBox), values["kind"])
        self.editor("series", QLineEdit).setText(values["series"])
        self.editor("pattern", QLineEdit).setText(values["pattern"])
        self.editor("next_value", QSpinBox).setValue(values["next_value"])
        self._loading = False
        existing = any((r.kind, r.series) == (values["kind"], values["series"]) for r in self.rows)
        self.editor("kind", QComboBox).setEnabled(not existing)
        self.editor("series", QLineEdit).setEnabled(not existing)
        self.editor("next_value", QSpinBox).setEnabled(not used)
        self.editor("next_value", QSpinBox).setToolTip(
            _("Numbers of this series were already taken: it stays gapless.") if used else "")
        self.show_errors({})
        self.show_banner("")
        self.set_clean()
        self.on_edited()

    def new_series(self) -> None:
        if self.dirty and not self._discard():
            return
        if not self.rows:
            return
        self.table.clearSelection()
        kind = self.editor("kind", QComboBox)
        kind.setEnabled(True)
        self.editor("series", QLineEdit).setEnabled(True)
        current = self.rows[0]
        self._loading = True
        self.editor("series", QLineEdit).setText("")
        self.editor("next_value", QSpinBox).setValue(1)
        self.editor("pattern", QLineEdit).setText(current.pattern)
        self._loading = False
        self.editor("next_value", QSpinBox).setEnabled(True)
        self.editor("series", QLineEdit).setFocus()
        self.on_edited()

    def values(self) -> dict[str, Any]:
        return {"kind": self.editor("kind", QComboBox).currentData(),
                "series": self.editor("series", QLineEdit).text().strip(),
                "pattern": self.editor("pattern", QLineEdit).text().strip(),
                "next_value": self.editor("next_value", QSpinBox).value(),
                "year": self.year.value()}

    def on_edited(self) -> None:
        values = self.values()
        self.show_errors(series_service.pattern_errors(values))
        self.preview.setText(series_service.preview(values) or "—")

    def save_changes(self) -> bool:
        company_id = self.company.currentData()
        if not company_id:
            return False
        saved = series_service.save_series(company_id, self.values())
        self.set_clean()
        self.reload_series((saved.kind, saved.series))
        self.context.notify_changed("invoices")
        return True


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("numbering", N_("Numbering"), NumberingPage, order=15,
                       requires=Action.CHANGE_SETTINGS))
