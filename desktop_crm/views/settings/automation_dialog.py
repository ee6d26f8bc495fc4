"""The dialog that adds or changes one robot or trigger of a pipeline (Settings › Automation):
when (event, stage, the field of a "field set" event), an optional condition, a delay, and what to
do with its details. A refusal is shown in the dialog, which stays open."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.services.sales.automation import rules
from desktop_crm.views.cards.common import ERROR_STYLE, set_combo_value

ANY_STAGE = ""
NO_CONDITION = ""


def _combo(parent: QWidget, name: str, items: list[tuple[str, str]]) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    for label, value in items:
        combo.addItem(label, value)
    return combo


def _days(parent: QWidget, name: str) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setObjectName(name)
    spin.setRange(0, rules.MAX_DELAY_DAYS)
    return spin


class RuleDialog(QDialog):
    """Adds (``rule`` None) or changes a rule of ``pipeline_id``; ``saved`` holds the result."""

    def __init__(self, pipeline_id: Any, rule: rules.RuleInfo | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("automation_rule_dialog")
        self.setWindowTitle(_("Change the rule") if rule else _("New rule"))
        self.pipeline_id = pipeline_id
        self.rule = rule
        self.saved: rules.RuleInfo | None = None
        offer = rules.choices(pipeline_id)
        stages = [(c.label, c.value) for c in offer.stages]
        people = [(c.label, c.value) for c in offer.people]
        self.setMinimumWidth(600)
        layout = QVBoxLayout(self)
        when = QGroupBox(_("When"), self)
        form = QFormLayout(when)
        self.event_choice = _combo(when, "rule_event", [(_(label), e.value)
                                                 for e, label in rules.EVENT_LABELS.items()])
        form.addRow(_("Event"), self.event_choice)
        self.stage = _combo(when, "rule_stage", [(_("Any stage"), ANY_STAGE), *stages])
        form.addRow(_("Stage"), self.stage)
        self.event_field = _combo(when, "rule_event_field",
                                  [(c.label, c.value) for c in offer.settable])
        form.addRow(_("Field"), self.event_field)
        self.when_form = form
        condition = QHBoxLayout()
        self.condition_field = _combo(when, "rule_condition_field",
                                      [(_("No condition"), NO_CONDITION),
                                       *[(c.label, c.value) for c in offer.fields]])
        self.operator = _combo(when, "rule_operator",
                               [(_(label), op.value) for op, label in rules.OPERATOR_LABELS.items()])
        self.condition_value = QLineEdit(when)
        self.condition_value.setObjectName("rule_condition_value")
        self.condition_value.setAccessibleName(_("Value"))
        condition.addWidget(self.condition_field, 2)
        condition.addWidget(self.operator, 0)
        condition.addWidget(self.condition_value, 2)
        form.addRow(_("Only if"), condition)
        self.delay = _days(when, "rule_delay")
        self.delay.setToolTip(_("0: at once. Later: only if the deal is still in the stage."))
        form.addRow(_("Wait, days"), self.delay)
        layout.addWidget(when)
        do = QGroupBox(_("Do"), self)
        form = QFormLayout(do)
        self.action = _combo(do, "rule_action", [(_(label), a.value)
                                                 for a, label in rules.ACTION_LABELS.items()])
        form.addRow(_("Action"), self.action)
        self.text = QLineEdit(do)
        self.text.setObjectName("rule_text")
        form.addRow(_("Text"), self.text)
        self.due_days = _days(do, "rule_due_days")
        form.addRow(_("Due in, days"), self.due_days)
        self.who = _combo(do, "rule_who", [(_(label), p.value)
                                           for p, label in rules.PERSON_LABELS.items()])
        form.addRow(_("For"), self.who)
        self.user = _combo(do, "rule_user", people)
        form.addRow(_("Colleague"), self.user)
        self.template = _combo(do, "rule_template", [(c.label, c.value) for c in offer.templates])
        form.addRow(_("E-mail template"), self.template)
        self.set_field = _combo(do, "rule_set_field", [(c.label, c.value) for c in offer.settable])
        form.addRow(_("Field to set"), self.set_field)
        self.set_value = QLineEdit(do)
        self.set_value.setObjectName("rule_set_value")
        self.set_user = _combo(do, "rule_set_user", people)
        self.value_row = QHBoxLayout()
        self.value_row.addWidget(self.set_value)
        self.value_row.addWidget(self.set_user)
        form.addRow(_("New value"), self.value_row)
        self.target = _combo(do, "rule_target", [(c.label, c.value) for c in offer.targets])
        form.addRow(_("Move to"), self.target)
        self.form = form
        layout.addWidget(do)
        self.error = QLabel(self)
        self.error.setObjectName("rule_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Save"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout.addWidget(buttons)
        if rule is not None:
            self._fill(rule)
        for combo in (self.event_choice, self.action, self.who, self.condition_field, self.operator,
                      self.set_field):
            combo.currentIndexChanged.connect(self._shape)
        self._shape()

    def _fill(self, rule: rules.RuleInfo) -> None:
        set_combo_value(self.event_choice, rule.event.value)
        set_combo_value(self.stage, str(rule.stage_id) if rule.stage_id else ANY_STAGE)
        set_combo_value(self.event_field, rule.event_field)
        set_combo_value(self.condition_field, rule.condition.get("field", NO_CONDITION))
        set_combo_value(self.operator, rule.condition.get("operator", rules.Operator.EQUAL.value))
        self.condition_value.setText(str(rule.condition.get("value", "")))
        self.delay.setValue(rule.delay_days)
        set_combo_value(self.action, rule.action.value)
        params = rule.params
        self.text.setText(str(params.get("text", "")))
        self.due_days.setValue(int(params.get("due_days", 0)))
        set_combo_value(self.who, params.get("who", rules.Person.RESPONSIBLE.value))
        set_combo_value(self.user, params.get("user_id", ""))
        set_combo_value(self.template, params.get("template", ""))
        set_combo_value(self.set_field, params.get("field", ""))
        if params.get("field") == "responsible":
            set_combo_value(self.set_user, params.get("value", ""))
        else:
            self.set_value.setText(str(params.get("value", "")))
        set_combo_value(self.target, params.get("stage_id", ""))

    def _shape(self) -> None:
        """Only the editors the chosen event and action use."""
        event = rules.Event(self.event_choice.currentData())
        action = rules.Act(self.action.currentData())
        if event == rules.Event.ENTERING_STAGE and self.stage.currentData() == ANY_STAGE:
            self.stage.setCurrentIndex(min(1, self.stage.count() - 1))
        self.stage.setItemText(0, _("Choose the stage") if event == rules.Event.ENTERING_STAGE
                               else _("Any stage"))
        self.when_form.setRowVisible(self.event_field, event == rules.Event.FIELD_SET)
        conditional = bool(self.condition_field.currentData())
        self.operator.setEnabled(conditional)
        needs_value = conditional and self.operator.currentData() not in (
            rules.Operator.FILLED.value, rules.Operator.EMPTY.value)
        self.condition_value.setEnabled(needs_value)
        shown = {
            self.text: action in (rules.Act.CREATE_TASK, rules.Act.NOTIFY),
            self.due_days: action == rules.Act.CREATE_TASK,
            self.who: action in (rules.Act.CREATE_TASK, rules.Act.NOTIFY),
            self.user: action in (rules.Act.CREATE_TASK, rules.Act.NOTIFY)
            and self.who.currentData() == rules.Person.USER.value,
            self.template: action == rules.Act.SEND_EMAIL,
            self.set_field: action == rules.Act.SET_FIELD,
            self.target: action == rules.Act.MOVE_TO,
        }
        for widget, visible in shown.items():
            self.form.setRowVisible(widget, visible)
        setting = action == rules.Act.SET_FIELD
        user_value = self.set_field.currentData() == "responsible"
        self.form.setRowVisible(self.value_row, setting)
        self.set_value.setVisible(setting and not user_value)
        self.set_user.setVisible(setting and user_value)
        self.text.setPlaceholderText(_("Call the client back") if action == rules.Act.CREATE_TASK
                                     else _("The deal needs your attention"))

    def values(self) -> dict[str, Any]:
        action = rules.Act(self.action.currentData())
        params: dict[str, Any] = {}
        if action in (rules.Act.CREATE_TASK, rules.Act.NOTIFY):
            params = {"text": self.text.text(), "who": self.who.currentData(),
                      "user_id": self.user.currentData()}
            if action == rules.Act.CREATE_TASK:
                params["due_days"] = self.due_days.value()
        elif action == rules.Act.SEND_EMAIL:
            params = {"template": self.template.currentData()}
        elif action == rules.Act.SET_FIELD:
            field = self.set_field.currentData()
            params = {"field": field, "value": self.set_user.currentData() if field == "responsible"
                      else self.set_value.text()}
        else:
            params = {"stage_id": self.target.currentData()}
        condition = {}
        if self.condition_field.currentData():
            condition = {"field": self.condition_field.currentData(),
                         "operator": self.operator.currentData(),
                         "value": self.condition_value.text()}
        return {
            "pipeline_id": self.pipeline_id, "event": self.event_choice.currentData(),
            "stage_id": self.stage.currentData() or None,
            "event_field": self.event_field.currentData() or "",
            "condition": condition, "delay_days": self.delay.value(),
            "action": action.value, "params": params,
            "active": self.rule.active if self.rule else True,
        }

    def accept(self) -> None:
        try:
            self.saved = rules.save_rule(self.rule.id if self.rule else None, self.values())
        except CrmError as error:
            self.error.setText(error.message)
            self.error.show()
            return
        super().accept()
