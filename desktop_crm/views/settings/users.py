"""Settings › Users and rights: who works in the CRM, their role, login, head, language, local
password and (on a CRM server) their server login. Needs ``manage_users``; the roles themselves are
edited on the Roles page (``roles.py``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError, database_errors
from desktop_crm.i18n import N_, _, language_names, pgettext
from desktop_crm.ids import UserId
from desktop_crm.models.enums import Action
from desktop_crm.services.system import admin, session
from desktop_crm.services.system import sync as sync_service
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
        self.model = RowsModel([_("Name"), _("Role"), _("Login"), _("Head")], self)
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
        self.add_field(form, "login", _("Login"), QLineEdit(self))
        self.add_field(form, "access_role", _("Role"), QComboBox(self))
        self.add_field(form, "head", _("Head"), QComboBox(self))
        locale = QComboBox(self)
        locale.addItem(_("As on this computer"), "")
        for code, label in language_names():
            locale.addItem(label, code)
        self.add_field(form, "locale", _("Language"), locale)
        self.add_field(form, "active", _("Status"), QCheckBox(_("Can work in the CRM"), self))
        right.addLayout(form)
        right.addWidget(self._password_box())
        self.server_box = self._server_box()
        right.addWidget(self.server_box)
        right.addStretch(1)
        right.addWidget(self.footer())
        layout.addLayout(right, 2)
        self.reload()

    def _password_box(self) -> QGroupBox:
        box = QGroupBox(_("Password on this computer"), self)
        row = QHBoxLayout(box)
        self.password = QLineEdit(box)
        self.password.setObjectName("user_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("New password (empty: none)"))
        row.addWidget(self.password, 1)
        button = QPushButton(_("Set password"), box)
        button.setObjectName("user_set_password")
        button.clicked.connect(self.set_password)
        row.addWidget(button)
        return box

    def _server_box(self) -> QGroupBox:
        box = QGroupBox(_("Server login"), self)
        box.setObjectName("user_server_login")
        column = QVBoxLayout(box)
        self.server_state = QLabel("", box)
        self.server_state.setObjectName("user_server_state")
        self.server_state.setWordWrap(True)
        column.addWidget(self.server_state)
        self.server_password = QLineEdit(box)
        self.server_password.setObjectName("user_server_password")
        self.server_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.server_password.setPlaceholderText(_("Password for the server login"))
        column.addWidget(self.server_password)
        buttons = QHBoxLayout()
        for name, label, slot in (
            ("user_server_create", _("Create login"), self.create_server_login),
            ("user_server_reset", _("Reset password"), self.reset_server_password),
            ("user_server_disable", _("Disable login"), self.disable_server_login),
        ):
            button = QPushButton(label, box)
            button.setObjectName(name)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        column.addLayout(buttons)
        box.setVisible(sync_service.server_logins_supported())
        return box

    def reload(self, select: UserId | None = None) -> None:
        self.rows = admin.user_rows()
        names = {row.id: row.name for row in self.rows}
        roles = dict(admin.role_labels())
        self.model.set_rows([
            (row.id, [row.name + ("" if row.active else " " + _("(inactive)")),
                      roles.get(str(row.access_role_id), ""), row.login,
                      names.get(row.head_id, "") if row.head_id else ""])
            for row in self.rows])
        self.server_logins = sync_service.server_logins() if self.server_box.isVisible() or \
            sync_service.server_logins_supported() else {}
        role = self.editor("access_role", QComboBox)
        self._loading = True
        role.clear()
        for value, label in roles.items():
            role.addItem(label, value)
        head = self.editors["head"]
        assert isinstance(head, QComboBox)
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
        self.editor("login", QLineEdit).setText(user.login if user else "")
        set_combo_value(self.editor("access_role", QComboBox),
                        str(user.access_role_id) if user else admin.default_role_id())
        set_combo_value(self.editor("head", QComboBox),
                        str(user.head_id) if user and user.head_id else None)
        set_combo_value(self.editor("locale", QComboBox), user.locale if user else "")
        self.editor("active", QCheckBox).setChecked(user.active if user else True)
        self._loading = False
        self.password.clear()
        self.server_password.clear()
        self._show_server_state()
        self.show_errors({})
        self.set_clean()
        if user is None:
            self.editors["name"].setFocus()

    def values(self) -> dict[str, Any]:
        return {
            "name": self.editor("name", QLineEdit).text(),
            "email": self.editor("email", QLineEdit).text(),
            "login": self.editor("login", QLineEdit).text(),
            "access_role": self.editor("access_role", QComboBox).currentData(),
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


    # --- passwords and server logins: each its own action, saved at once ---------------------

    def _run(self, action: Any, done: str) -> bool:
        try:
            with database_errors():
                action()
        except CrmError as error:
            self.show_failure(error)
            return False
        self.show_banner("")
        self.context.show_status(done)
        return True

    def set_password(self) -> None:
        if self.user_id is None:
            self.show_banner(_("Save the new user first."))
            return
        user_id, password = self.user_id, self.password.text()
        if self._run(lambda: session.set_password(user_id, password),
                     _("Password changed.") if password else _("Password removed.")):
            self.password.clear()

    def _show_server_state(self) -> None:
        login, enabled = self.server_logins.get(str(self.user_id), ("", False))
        if not login:
            text = _("No server login yet.")
        elif enabled:
            text = _("Server login: {login}").format(login=login)
        else:
            text = _("Server login: {login} (disabled)").format(login=login)
        self.server_state.setText(text)

    def _server_login(self) -> str:
        return self.server_logins.get(str(self.user_id), ("", False))[0] or \
            self.editor("login", QLineEdit).text().strip()

    def _after_server_change(self, ok: bool) -> None:
        if ok:
            self.server_password.clear()
            self.reload(self.user_id)

    def create_server_login(self) -> None:
        if self.user_id is None:
            self.show_banner(_("Save the new user first."))
            return
        user_id, login, password = self.user_id, self._server_login(), self.server_password.text()
        self._after_server_change(self._run(
            lambda: sync_service.create_server_login(user_id, login, password),
            _("Server login {login} created.").format(login=login)))

    def reset_server_password(self) -> None:
        login, password = self._server_login(), self.server_password.text()
        self._after_server_change(self._run(
            lambda: sync_service.reset_server_login_password(login, password),
            _("Password of {login} reset.").format(login=login)))

    def disable_server_login(self) -> None:
        login = self._server_login()
        if not confirm(self, _("Disable login"),
                       _("{login} will no longer be able to connect to the server.").format(
                           login=login), _("Disable login")):
            return
        self._after_server_change(self._run(
            lambda: sync_service.disable_server_login(login),
            _("Server login {login} disabled.").format(login=login)))


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("users", N_("Users and rights"), UsersPage, order=40,
                       requires=Action.MANAGE_USERS))
