"""Settings › Roles: the preset roles (administrator, head of sales, manager, accountant) and custom
ones — what each may do (an action per checkbox) and which records it sees (a scope, and a scope
per pipeline) — and who may see the history of changes (a setting of the whole business, saved at
once). Needs ``manage_users``."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError, database_errors
from desktop_crm.i18n import N_, _
from desktop_crm.models.enums import Action
from desktop_crm.services.sales import pipelines as pipeline_service
from desktop_crm.services.system import access, history
from desktop_crm.views.cards.common import set_combo_value
from desktop_crm.views.common.dialogs import confirm
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec

AS_ROLE = ""  # a pipeline without its own scope follows the role's


class RolesPage(SettingsPage):
    """The roles in a list; the chosen one's name, actions, scope and scopes per pipeline."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.role_id: Any = None
        self.rows: list[access.RoleRow] = []
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.list = QListWidget(self)
        self.list.setObjectName("role_list")
        self.list.currentRowChanged.connect(lambda row: self.select(row))
        left.addWidget(self.list, 1)
        add = QPushButton(_("Add a role"), self)
        add.setObjectName("role_add")
        add.clicked.connect(lambda: self.select(-1))
        left.addWidget(add)
        self.delete_button = QPushButton(_("Delete the role"), self)
        self.delete_button.setObjectName("role_delete")
        self.delete_button.clicked.connect(self.delete)
        left.addWidget(self.delete_button)
        layout.addLayout(left, 2)
        right = QVBoxLayout()
        form = QFormLayout()
        self.add_field(form, "name", _("Name"), QLineEdit(self), True)
        scope = QComboBox(self)
        for value, label in access.scope_labels():
            scope.addItem(label, value)
        self.add_field(form, "scope", _("Sees"), scope)
        right.addLayout(form)
        actions = QGroupBox(_("May"), self)
        grid = QGridLayout(actions)
        self.action_boxes: dict[str, QCheckBox] = {}
        for index, (value, label) in enumerate(access.action_labels()):
            box = QCheckBox(label, actions)
            box.setObjectName(f"role_action_{value}")
            box.toggled.connect(lambda _checked: self.mark_dirty())
            grid.addWidget(box, index // 2, index % 2)
            self.action_boxes[value] = box
        right.addWidget(actions)
        scopes = QGroupBox(_("Records seen per pipeline"), self)
        self.pipeline_form = QFormLayout(scopes)
        self.pipeline_scopes: dict[str, QComboBox] = {}
        for pipeline in pipeline_service.pipelines():
            combo = QComboBox(scopes)
            combo.setObjectName(f"role_scope_{pipeline.id}")
            combo.addItem(_("As the role"), AS_ROLE)
            for value, label in access.scope_labels():
                combo.addItem(label, value)
            combo.currentIndexChanged.connect(lambda _index: self.mark_dirty())
            self.pipeline_form.addRow(pipeline.name, combo)
            self.pipeline_scopes[str(pipeline.id)] = combo
        right.addWidget(scopes)
        right.addWidget(self._history_box())
        right.addStretch(1)
        right.addWidget(self.footer())
        layout.addLayout(right, 3)
        self.reload()

    def _history_box(self) -> QGroupBox:
        box = QGroupBox(_("History of changes"), self)
        form = QFormLayout(box)
        self.history_visibility = QComboBox(box)
        self.history_visibility.setObjectName("history_visibility")
        for value, label in history.visibility_choices():
            self.history_visibility.addItem(label, value)
        set_combo_value(self.history_visibility, history.visibility())
        self.history_visibility.currentIndexChanged.connect(self._history_visibility_chosen)
        form.addRow(_("Who may see it:"), self.history_visibility)
        return box

    def _history_visibility_chosen(self) -> None:
        try:
            with database_errors():
                history.set_visibility(str(self.history_visibility.currentData()))
        except CrmError as error:
            self.show_failure(error)
            return
        self.context.show_status(_("Saved."))

    def reload(self, select: Any = None) -> None:
        self.rows = access.roles()
        self._loading = True
        self.list.clear()
        for row in self.rows:
            label = row.name if row.preset else _("{name} (custom)").format(name=row.name)
            QListWidgetItem(label, self.list)
        self._loading = False
        ids = [row.id for row in self.rows]
        target = select or self.role_id
        self.select(ids.index(target) if target in ids else 0, force=True)

    def select(self, row: int, force: bool = False) -> None:
        if self._loading:
            return
        if not force and self.dirty and not confirm(
            self, _("Unsaved changes"), _("Discard the changes to this role?"),
            _("Discard changes")):
            return
        role = self.rows[row] if 0 <= row < len(self.rows) else None
        self.role_id = role.id if role else None
        self._loading = True
        self.list.setCurrentRow(row if role else -1)
        self.editor("name", QLineEdit).setText(role.name if role else "")
        set_combo_value(self.editor("scope", QComboBox), role.scope if role else "own")
        for value, box in self.action_boxes.items():
            box.setChecked(value in role.actions if role else value == Action.VIEW)
        for pipeline_id, combo in self.pipeline_scopes.items():
            set_combo_value(combo, role.pipeline_scopes.get(pipeline_id, AS_ROLE) if role else AS_ROLE)
        self.delete_button.setEnabled(bool(role and not role.preset))
        self._loading = False
        self.show_errors({})
        self.show_banner("")
        self.set_clean()
        if role is None:
            self.editors["name"].setFocus()

    def values(self) -> dict[str, Any]:
        return {
            "name": self.editor("name", QLineEdit).text(),
            "scope": self.editor("scope", QComboBox).currentData(),
            "actions": [value for value, box in self.action_boxes.items() if box.isChecked()],
            "pipeline_scopes": {pipeline_id: combo.currentData()
                                for pipeline_id, combo in self.pipeline_scopes.items()
                                if combo.currentData()},
        }

    def save_changes(self) -> bool:
        self.role_id = access.save_role(self.role_id, self.values())
        self.set_clean()
        self.reload(self.role_id)
        self.context.notify_changed("users")
        return True

    def delete(self) -> None:
        if self.role_id is None or not confirm(
            self, _("Delete the role"), _("Delete this role?"), _("Delete the role")):
            return
        try:
            with database_errors():
                access.delete_role(self.role_id)
        except CrmError as error:
            self.show_failure(error)
            return
        self.role_id = None
        self.set_clean()
        self.reload()
        self.context.notify_changed("users")


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("roles", N_("Roles"), RolesPage, order=45, requires=Action.MANAGE_USERS))
