"""Settings › Sales plans: one table per period (a month or a quarter, ‹ › to move), a row per
manager or team, edited in place: whose plan, pipeline (or every pipeline), goal (amount or number
of won deals), target and currency. Save (Ctrl+S) writes the page's edits at once. Everyone sees
the plans they may read; rows they may not change are read-only (a head changes their team's)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
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

from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.i18n import N_, _, current_language
from desktop_crm.services.reporting import plans
from desktop_crm.services.sales import pipelines as pipeline_service
from desktop_crm.views.cards.common import set_combo_value
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec

COLUMNS = (N_("Manager or team"), N_("Pipeline"), N_("Goal"), N_("Target"), N_("Currency"))
WHO, PIPELINE, GOAL, TARGET, CURRENCY = range(5)
CURRENCIES = ("RUB", "EUR", "USD")
EVERY_PIPELINE = ""


@dataclass
class _Row:
    plan_id: uuid.UUID | None
    editable: bool
    changed: bool = False


def _who_key(owner_id: Any, team: bool) -> str:
    return f"{owner_id}:{1 if team else 0}"


class PlansPage(SettingsPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.kind = plans.PeriodKind.MONTH
        self.start = plans.period_start(self.kind, dt.date.today())
        self.rows: list[_Row] = []
        self.deleted: list[uuid.UUID] = []
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("plans_period_kind")
        self.kind_combo.setAccessibleName(_("Period"))
        for kind in plans.PeriodKind:
            self.kind_combo.addItem(_(plans.PERIOD_LABELS[kind]), kind.value)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        bar.addWidget(self.kind_combo)
        self.previous = QPushButton("‹", self)
        self.previous.setObjectName("plans_previous")
        self.previous.setToolTip(_("Previous period"))
        self.previous.setFixedWidth(32)
        self.previous.clicked.connect(lambda: self.shift(-1))
        bar.addWidget(self.previous)
        self.period = QLabel(self)
        self.period.setObjectName("plans_period")
        self.period.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.period.setMinimumWidth(110)
        bar.addWidget(self.period)
        self.next = QPushButton("›", self)
        self.next.setObjectName("plans_next")
        self.next.setToolTip(_("Next period"))
        self.next.setFixedWidth(32)
        self.next.clicked.connect(lambda: self.shift(1))
        bar.addWidget(self.next)
        bar.addStretch(1)
        self.copy_button = QPushButton(_("Copy the previous period's plans"), self)
        self.copy_button.setObjectName("plans_copy")
        self.copy_button.clicked.connect(self.copy_previous)
        bar.addWidget(self.copy_button)
        layout.addLayout(bar)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("plans_table")
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(WHO, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PIPELINE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(GOAL, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TARGET, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(CURRENCY, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(TARGET, 140)
        layout.addWidget(self.table, 1)
        self.empty = QLabel(self)
        self.empty.setObjectName("plans_empty")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(placeholder-text); padding: 8px;")
        layout.addWidget(self.empty)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("Add a plan"), self)
        self.add_button.setObjectName("plans_add")
        self.add_button.clicked.connect(lambda: self.add_row())
        buttons.addWidget(self.add_button)
        self.delete_button = QPushButton(_("Delete the plan"), self)
        self.delete_button.setObjectName("plans_delete")
        self.delete_button.clicked.connect(self.delete_row)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self.footer())
        self.people = plans.people()
        self.pipelines = pipeline_service.pipelines()
        self.editable_choices = [p for p in self._choices() if plans.may_edit(p[1], p[2])]
        self.add_button.setEnabled(bool(self.editable_choices))
        self.copy_button.setEnabled(bool(self.editable_choices))
        self.reload()
        context.signals.changed.connect(self._changed_elsewhere)

    def _changed_elsewhere(self, entity: str) -> None:
        """Plans changed by another window, user or sync round: shown at once, unless this page
        holds unsaved edits (saving them then says what clashed)."""
        if entity == "sales_plan" and not self.dirty and not self._loading:
            self.reload()

    def _choices(self) -> list[tuple[str, Any, bool]]:
        teams = [(_("Team of {name}").format(name=p.name), p.id, True)
                 for p in self.people if p.leads_team]
        return teams + [(p.name, p.id, False) for p in self.people]

    # --- the period ---------------------------------------------------------------------------

    def _kind_changed(self, _index: int) -> None:
        if self._loading:
            return
        self.kind = plans.PeriodKind(self.kind_combo.currentData())
        self.start = plans.period_start(self.kind, self.start)
        self.reload()

    def shift(self, steps: int) -> None:
        if self.dirty and not self.save():
            return
        self.start = plans.shift_period(self.kind, self.start, steps)
        self.reload()

    def copy_previous(self) -> None:
        if self.dirty and not self.save():
            return
        try:
            count = plans.copy_period(self.kind, plans.shift_period(self.kind, self.start, -1),
                                      self.start)
        except CrmError as error:
            self.show_failure(error)
            return
        self.reload()
        self.context.notify_changed("sales_plan")
        self.context.show_status(_("Plans copied: {count}").format(count=count))

    # --- rows ---------------------------------------------------------------------------------

    def reload(self) -> None:
        self._loading = True
        set_combo_value(self.kind_combo, self.kind.value)
        self.period.setText(plans.period_label(self.kind, self.start))
        self.table.setRowCount(0)
        self.rows = []
        self.deleted = []
        for plan in plans.plans(self.kind, self.start):
            self.add_row(plan)
        self._loading = False
        self._update_empty()
        self.show_banner("")
        self.set_clean()

    def _update_empty(self) -> None:
        if self.rows:
            self.empty.hide()
            return
        self.empty.setText(
            _("No plans for this period yet. Add a plan for a manager or a team, or copy the "
              "previous period's plans.") if self.editable_choices
            else _("No plans for you in this period. Your head of sales sets them."))
        self.empty.show()

    def add_row(self, plan: plans.Plan | None = None) -> int:
        editable = plan is None or plans.may_edit(plan.owner_id, plan.team)
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.rows.append(_Row(plan.id if plan else None, editable, changed=plan is None))
        who = QComboBox(self.table)
        who.setObjectName(f"plan_who_{row}")
        choices = self.editable_choices if editable else self._choices()
        for label, owner_id, team in choices:
            who.addItem(label, _who_key(owner_id, team))
        pipeline = QComboBox(self.table)
        pipeline.setObjectName(f"plan_pipeline_{row}")
        pipeline.addItem(_("Every pipeline"), EVERY_PIPELINE)
        for item in self.pipelines:
            pipeline.addItem(item.name, str(item.id))
        goal = QComboBox(self.table)
        goal.setObjectName(f"plan_goal_{row}")
        for metric in plans.Metric:
            goal.addItem(_(plans.METRIC_LABELS[metric]), metric.value)
        target = QLineEdit(self.table)
        target.setObjectName(f"plan_target_{row}")
        target.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        target.setAccessibleName(_("Target"))
        currency = QComboBox(self.table)
        currency.setObjectName(f"plan_currency_{row}")
        currency.setEditable(True)
        currency.addItems(list(CURRENCIES))
        if plan is not None:
            set_combo_value(who, _who_key(plan.owner_id, plan.team))
            set_combo_value(pipeline, str(plan.pipeline_id) if plan.pipeline_id else EVERY_PIPELINE)
            set_combo_value(goal, plan.metric.value)
            target.setText(f"{plan.target:f}" if plan.metric == plans.Metric.AMOUNT
                           else str(int(plan.target)))
            currency.setCurrentText(plan.currency)
        else:
            currency.setCurrentText(self._default_currency())
        for column, widget in ((WHO, who), (PIPELINE, pipeline), (GOAL, goal), (TARGET, target),
                               (CURRENCY, currency)):
            widget.setEnabled(editable)
            self.table.setCellWidget(row, column, widget)
            self.table.setItem(row, column, QTableWidgetItem())
        for combo in (who, pipeline, goal, currency):
            combo.currentIndexChanged.connect(lambda _i, w=combo: self._edited(w))
        currency.editTextChanged.connect(lambda _t, w=currency: self._edited(w))
        target.textEdited.connect(lambda _t, w=target: self._edited(w))
        goal.currentIndexChanged.connect(lambda _i, w=goal: self._goal_changed(self._row_of(w)))
        self._goal_changed(row)
        if plan is None and not self._loading:
            self.empty.hide()
            self.table.selectRow(row)
            target.setFocus()
            self.mark_dirty()
        return row

    def _default_currency(self) -> str:
        for row in range(self.table.rowCount() - 1):
            text = self._currency(row).currentText()
            if text:
                return text
        return "EUR" if current_language() == "it" else "RUB"

    def _goal_changed(self, row: int) -> None:
        if row < 0:
            return
        count = self._goal(row).currentData() == plans.Metric.COUNT
        self._currency(row).setEnabled(self.rows[row].editable and not count)

    def _row_of(self, widget: QWidget) -> int:
        """The row an editor is in now (rows above it may have been deleted)."""
        for row in range(self.table.rowCount()):
            if widget in [self.table.cellWidget(row, c) for c in range(len(COLUMNS))]:
                return row
        return -1

    def _edited(self, widget: QWidget) -> None:
        row = self._row_of(widget)
        if self._loading or row < 0:
            return
        self.rows[row].changed = True
        self.mark_dirty()

    def _goal(self, row: int) -> QComboBox:
        widget = self.table.cellWidget(row, GOAL)
        assert isinstance(widget, QComboBox)
        return widget

    def _currency(self, row: int) -> QComboBox:
        widget = self.table.cellWidget(row, CURRENCY)
        assert isinstance(widget, QComboBox)
        return widget

    def target_editor(self, row: int) -> QLineEdit:
        widget = self.table.cellWidget(row, TARGET)
        assert isinstance(widget, QLineEdit)
        return widget

    def combo(self, row: int, column: int) -> QComboBox:
        widget = self.table.cellWidget(row, column)
        assert isinstance(widget, QComboBox)
        return widget

    def delete_row(self) -> None:
        row = self.table.currentRow()
        if row < 0 or not self.rows[row].editable:
            return
        gone = self.rows.pop(row)
        if gone.plan_id is not None:
            self.deleted.append(gone.plan_id)
        self.table.removeRow(row)
        self.mark_dirty()
        self._update_empty()

    def values(self, row: int) -> dict[str, Any]:
        owner, _sep, team = str(self.combo(row, WHO).currentData() or "").partition(":")
        metric = self._goal(row).currentData()
        return {
            "owner_id": owner or None, "team": team == "1", "period_kind": self.kind.value,
            "period_start": self.start, "pipeline_id": self.combo(row, PIPELINE).currentData() or None,
            "metric": metric, "target": self.target_editor(row).text(),
            "currency": self._currency(row).currentText() if metric == plans.Metric.AMOUNT else "",
        }

    def save_changes(self) -> bool:
        changes = [(r.plan_id, self.values(i)) for i, r in enumerate(self.rows)
                   if r.changed and r.editable]
        if not changes and not self.deleted:
            return False
        try:
            plans.save_plans(changes, self.deleted)
        except ValidationError as error:
            where, _sep, field = (error.field or "").partition(":")
            if where.isdigit():
                index = [i for i, r in enumerate(self.rows) if r.changed and r.editable][int(where)]
                self.table.selectRow(index)
                raise ValidationError(_("Row {row}: {message}").format(
                    row=index + 1, message=error.message), field=field) from None
            raise
        self.reload()
        self.context.notify_changed("sales_plan")
        return True


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("plans", N_("Sales plans"), PlansPage, order=35))
