"""Settings › Automation: the robots and triggers of a pipeline as a list of readable sentences
("When a deal enters «Proposal»: create the task «Call back» due in 2 days for the responsible."),
in the order they act. Add, change (double-click or Enter), switch on and off, move up and down,
delete; each change is saved at once."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import N_, _, current_language
from desktop_crm.models.enums import Action
from desktop_crm.services.sales import pipelines as pipeline_service
from desktop_crm.services.sales.automation import rules
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.automation_dialog import RuleDialog
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec

RULE_ID = Qt.ItemDataRole.UserRole


class RuleList(QListWidget):
    """The sentences; Enter changes the current rule, Delete deletes it."""

    def __init__(self, page: AutomationPage) -> None:
        super().__init__(page)
        self.page = page

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.page.edit_rule()
        elif event.key() == Qt.Key.Key_Delete:
            self.page.delete_rule()
        else:
            super().keyPressEvent(event)


class AutomationPage(SettingsPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.save_button.hide()  # every change is saved at once
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        label = QLabel(_("Pipeline"), self)
        bar.addWidget(label)
        self.pipeline = QComboBox(self)
        self.pipeline.setObjectName("automation_pipeline")
        label.setBuddy(self.pipeline)
        self._fill_pipelines()
        self.pipeline.currentIndexChanged.connect(lambda _i: self.reload())
        bar.addWidget(self.pipeline, 1)
        layout.addLayout(bar)
        hint = QLabel(_("Robots act when something happens to a deal of this pipeline, on the "
                        "computer where it happens, once per deal and event. They act in this "
                        "order."), self)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(hint)
        self.list = RuleList(self)
        self.list.setObjectName("automation_rules")
        self.list.setAccessibleName(_("Robots and triggers"))
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(3)
        self.list.itemDoubleClicked.connect(lambda _item: self.edit_rule())
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        layout.addWidget(self.list, 1)
        self.empty = QLabel(_("No robots in this pipeline yet. Add one: for example, a task to "
                              "call the client back two days after the proposal."), self)
        self.empty.setObjectName("automation_empty")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(placeholder-text); padding: 8px;")
        layout.addWidget(self.empty)
        buttons = QHBoxLayout()
        self.add_button = self._button("automation_add", _("Add a robot…"), self.add_rule)
        self.edit_button = self._button("automation_edit", _("Change…"), self.edit_rule)
        self.toggle_button = self._button("automation_toggle", _("Switch off"), self.toggle_rule)
        self.up_button = self._button("automation_up", _("Up"), lambda: self.move_rule(-1))
        self.down_button = self._button("automation_down", _("Down"), lambda: self.move_rule(1))
        self.delete_button = self._button("automation_delete", _("Delete"), self.delete_rule)
        for button in (self.add_button, self.edit_button, self.toggle_button, self.up_button,
                       self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        layout.addLayout(buttons)
        layout.addWidget(self.footer())
        self.rules: list[rules.RuleInfo] = []
        self.reload()
        context.signals.changed.connect(self._changed_elsewhere)

    def _button(self, name: str, text: str, slot: object) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _fill_pipelines(self) -> None:
        chosen = self.pipeline.currentData()
        self.pipeline.blockSignals(True)
        self.pipeline.clear()
        for item in pipeline_service.pipelines(default_first=True):
            self.pipeline.addItem(item.name, str(item.id))
        index = self.pipeline.findData(chosen)
        self.pipeline.setCurrentIndex(max(index, 0))
        self.pipeline.blockSignals(False)

    def _changed_elsewhere(self, entity: str) -> None:
        """Rules changed by another window, user or sync round; pipelines and stages renamed."""
        if entity in ("pipelines", "pipeline", "stage"):
            self._fill_pipelines()
        if entity in ("automation_rule", "pipelines", "pipeline", "stage", "user"):
            self.reload()

    @property
    def pipeline_id(self) -> str | None:
        value = self.pipeline.currentData()
        return str(value) if value else None

    def reload(self, select: uuid.UUID | None = None) -> None:
        shown = self.current()
        current = select or (shown.id if shown is not None else None)
        self.rules = rules.rules(self.pipeline_id) if self.pipeline_id else []
        self.list.clear()
        for rule in self.rules:
            item = QListWidgetItem(rule.sentence if rule.active
                                   else _("(off) {sentence}").format(sentence=rule.sentence))
            item.setData(RULE_ID, str(rule.id))
            if not rule.active:
                item.setForeground(QColor(self.palette().placeholderText().color()))
            self.list.addItem(item)
            if rule.id == current:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.rules:
            self.list.setCurrentRow(0)
        self.empty.setVisible(not self.rules)
        self.list.setVisible(bool(self.rules))
        self._update_buttons()

    def current(self) -> rules.RuleInfo | None:
        row = self.list.currentRow() if hasattr(self, "list") else -1
        return self.rules[row] if 0 <= row < len(self.rules) else None

    def _update_buttons(self) -> None:
        rule = self.current()
        self.add_button.setEnabled(self.pipeline_id is not None)
        for button in (self.edit_button, self.toggle_button, self.delete_button):
            button.setEnabled(rule is not None)
        row = self.list.currentRow()
        self.up_button.setEnabled(rule is not None and row > 0)
        self.down_button.setEnabled(rule is not None and row < len(self.rules) - 1)
        self.toggle_button.setText(_("Switch on") if rule and not rule.active else _("Switch off"))

    def _changed(self, select: uuid.UUID | None = None) -> None:
        self.show_banner("")
        self.reload(select)
        self.context.notify_changed("automation_rule")

    def open_dialog(self, rule: rules.RuleInfo | None) -> RuleDialog:
        """The rule's dialog, not yet shown (the tests fill it in)."""
        return RuleDialog(self.pipeline_id, rule, self)

    def add_rule(self) -> None:
        if self.pipeline_id is None:
            return
        dialog = self.open_dialog(None)
        if dialog.exec() and dialog.saved is not None:
            self._changed(dialog.saved.id)

    def edit_rule(self) -> None:
        rule = self.current()
        if rule is None:
            return
        dialog = self.open_dialog(rule)
        if dialog.exec() and dialog.saved is not None:
            self._changed(dialog.saved.id)

    def toggle_rule(self) -> None:
        rule = self.current()
        if rule is None:
            return
        try:
            rules.set_active(rule.id, not rule.active)
        except CrmError as error:
            self.show_failure(error)
            return
        self._changed(rule.id)

    def move_rule(self, steps: int) -> None:
        rule = self.current()
        if rule is None:
            return
        try:
            rules.move_rule(rule.id, steps)
        except CrmError as error:
            self.show_failure(error)
            return
        self._changed(rule.id)

    def delete_rule(self) -> None:
        rule = self.current()
        if rule is None:
            return
        answer = QMessageBox.question(
            self, _("Delete the robot"),
            _("Delete this robot? What it already did stays.\n\n{sentence}").format(
                sentence=rule.sentence))
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            rules.delete_rule(rule.id)
        except CrmError as error:
            self.show_failure(error)
            return
        self._changed()

    def show_for_screenshot(self) -> None:
        """A pipeline whose name reads in the UI language (the demo has Russian and Italian ones)."""
        cyrillic = current_language() == "ru"
        for index in range(self.pipeline.count()):
            name = self.pipeline.itemText(index)
            if any("а" <= c.lower() <= "я" for c in name) == cyrillic:
                self.pipeline.setCurrentIndex(index)
                return

    def save_changes(self) -> bool:
        return False  # each change was saved when it was made


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("automation", N_("Automation"), AutomationPage, order=27,
                       requires=Action.CHANGE_SETTINGS))
