"""Settings › Users and roles: who works in the CRM, their role, head and language."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import N_, _, language_names, pgettext
from desktop_crm.ids import UserId
from desktop_crm.services.system import admin
from desktop_crm.views.cards.common import RowsModel, set_combo_value
from desktop_crm.views.common.dialogs import confirm
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec


class UsersPage(SettingsPage):
    """The users in a table; the chosen one's name, e-mail, role, head, language and status."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.user_id: UserId | None = None
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
        for code, label in language_names():
            locale.addItem(label, code)
        self.add_field(form, "locale", _("Language"), locale)
        self.add_field(form, "active", _("Status"), QCheckBox(_("Can work in the CRM"), self))
        right.addLayout(form)
        right.addStretch(1)
        right.addWidget(self.footer())
        layout.addLayout(right, 2)
        self.reload()

    def reload(self, select: UserId | None = None) -> None:
        self.rows = admin.user_rows()
        names = {row.id: row.name for row in self.rows}
        roles = dict(admin.role_labels())
        self.model.set_rows([
            (row.id, [row.name + ("" if row.active else " " + _("(inactive)")),
                      roles.get(row.role, row.role), names.get(row.head_id, "") if row.head_id else ""])
            for row in self.rows])
        head = self.editors["head"]
        assert isinstance(head, QComboBox)
        self._loading = True
        head.clear()
        head.addItem("—", None)
        for row in self.rows:  # ids as text: QComboBox.findData does not compare UUIDs by value
            if row.active:
                head.addItem(row.name, str(row.id))
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
        self.editor("name", QLineEdit).setText(user.name if user else "")
        self.editor("email", QLineEdit).setText(user.email if user else "")
        set_combo_value(self.editor("role", QComboBox), user.role if user else "sales")
        set_combo_value(self.editor("head", QComboBox),
                        str(user.head_id) if user and user.head_id else None)
        set_combo_value(self.editor("locale", QComboBox), user.locale if user else "")
        self.editor("active", QCheckBox).setChecked(user.active if user else True)
        self._loading = False
        self.show_errors({})
        self.set_clean()
        if user is None:
            self.editors["name"].setFocus()

    def values(self) -> dict[str, Any]:
        return {
            "name": self.editor("name", QLineEdit).text(),
            "email": self.editor("email", QLineEdit).text(),
            "role": self.editor("role", QComboBox).currentData(),
            "head": self.editor("head", QComboBox).currentData(),
            "locale": self.editor("locale", QComboBox).currentData(),
            "active": self.editor("active", QCheckBox).isChecked(),
        }

    def save_changes(self) -> bool:
        self.user_id = admin.save_user(self.user_id, self.values())
        self.set_clean()
        self.reload(self.user_id)
        self.context.notify_changed("users")
        return True


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("users", N_("Users and roles"), UsersPage, order=40))
