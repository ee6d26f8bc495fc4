"""Who is working: the sign-in dialog (choose your name, your password if you have one), the first
administrator of an empty database, and the start-up that picks between them.

On PostgreSQL the server login decides (``session.server_identity``): no dialog, or a refusal.
The last user chosen on this computer is remembered in the local settings (per OS account).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError, database_errors
from desktop_crm.i18n import _
from desktop_crm.services.system import session
from desktop_crm.services.system.session import UserRef
from desktop_crm.views.cards.common import ERROR_STYLE
from desktop_crm.views.registry import Registry, Screen

REMEMBERED_USER = "session/user_id"


class SignInDialog(QDialog):
    """The users of the database by name; the chosen one signs in (with its password, if any)."""

    signed_in = Signal(object)  # UserRef

    def __init__(self, settings: QSettings, parent: QWidget | None = None,
                 title: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sign_in")
        self.setWindowTitle(title or _("Sign in"))
        self.settings = settings
        self.user: UserRef | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(_("Who is working? Choose your name."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.users = QListWidget(self)
        self.users.setObjectName("sign_in_users")
        self.users.setAccessibleName(_("Users"))
        layout.addWidget(self.users, 1)
        form = QFormLayout()
        self.password = QLineEdit(self)
        self.password.setObjectName("sign_in_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.accept)
        form.addRow(_("Password"), self.password)
        layout.addLayout(form)
        self.hint = QLabel("", self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.error = QLabel("", self)
        self.error.setObjectName("sign_in_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("sign_in_ok")
        self.ok_button.setText(_("Sign in"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._fill()
        self.users.currentItemChanged.connect(lambda *_args: self._chosen())
        self.users.itemDoubleClicked.connect(lambda _item: self.accept())
        self._chosen()
        self.resize(520, 420)

    def _fill(self) -> None:
        remembered = str(self.settings.value(REMEMBERED_USER) or "")
        self._refs = {str(user.id): user for user in session.users()}
        for key, user in self._refs.items():
            label = user.name if not user.role_name else f"{user.name} — {user.role_name}"
            item = QListWidgetItem(label, self.users)
            item.setData(Qt.ItemDataRole.UserRole, key)
            if key == remembered:
                self.users.setCurrentItem(item)
        if self.users.currentItem() is None and self.users.count():
            self.users.setCurrentRow(0)

    def choose(self, name: str) -> None:
        """Select the user called ``name`` (for tests and keyboard-free callers)."""
        for row in range(self.users.count()):
            item = self.users.item(row)
            if self._refs[item.data(Qt.ItemDataRole.UserRole)].name == name:
                self.users.setCurrentItem(item)
                return
        raise KeyError(name)

    def _current(self) -> UserRef | None:
        item = self.users.currentItem()
        return None if item is None else self._refs[item.data(Qt.ItemDataRole.UserRole)]

    def _chosen(self) -> None:
        user = self._current()
        needs = bool(user and user.has_password)
        self.password.setEnabled(needs)
        self.password.clear()
        self.hint.setText(_("Enter your password.") if needs
                          else _("This user has no password."))
        self.error.hide()
        self.ok_button.setEnabled(user is not None)
        if needs:
            self.password.setFocus()

    def accept(self) -> None:
        user = self._current()
        if user is None:
            return
        try:
            with database_errors():
                self.user = session.sign_in(user.id, self.password.text())
        except CrmError as error:
            self.error.setText(error.message)
            self.error.show()
            self.password.selectAll()
            return
        self.settings.setValue(REMEMBERED_USER, str(self.user.id))
        self.signed_in.emit(self.user)
        super().accept()


class FirstAdministratorDialog(QDialog):
    """An empty database: the person starting it becomes its first administrator."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first_administrator")
        self.setWindowTitle(_("The first administrator"))
        self.settings = settings
        self.user: UserRef | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(_("This database has no users yet. You will be its administrator: you can "
                         "add your colleagues and their rights later in Settings › Users and "
                         "rights."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setObjectName("first_admin_name")
        form.addRow(_("Your name"), self.name)
        self.login = QLineEdit(self)
        self.login.setObjectName("first_admin_login")
        form.addRow(_("Login"), self.login)
        self.password = QLineEdit(self)
        self.password.setObjectName("first_admin_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("Optional"))
        form.addRow(_("Password"), self.password)
        layout.addLayout(form)
        self.error = QLabel("", self)
        self.error.setObjectName("first_admin_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setObjectName("first_admin_ok")
        ok.setText(_("Start"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def accept(self) -> None:
        try:
            with database_errors():
                self.user = session.create_first_administrator(
                    self.name.text(), self.login.text(), self.password.text())
        except CrmError as error:
            self.error.setText(error.message)
            self.error.show()
            return
        self.settings.setValue(REMEMBERED_USER, str(self.user.id))
        super().accept()


def sign_in_at_start(settings: QSettings, parent: QWidget | None = None,
                     observers: Sequence[Callable[[QDialog], None]] = ()) -> UserRef | None:
    """Who works in this session: the mapped server login, the first administrator of an empty
    database, or the user chosen in the sign-in dialog; ``None`` when the person cancelled.
    A server login mapped to nobody raises :class:`SignInRefused` (shown by the caller)."""
    with database_errors():
        mapped = session.server_identity()
        if mapped is not None:
            return mapped
        already = session.signed_in()  # the first-run assistant's new administrator
        if already is not None:
            return already
        first = session.needs_first_administrator()
    dialog: SignInDialog | FirstAdministratorDialog = (
        FirstAdministratorDialog(settings, parent) if first else SignInDialog(settings, parent))
    for observer in observers:  # tools that drive the real start-up (the start-up benchmark)
        observer(dialog)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.user


def _render_sign_in(context: Any, window: Any) -> QWidget:
    dialog = SignInDialog(context.settings, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def _render_first_administrator(context: Any, window: Any) -> QWidget:
    dialog = FirstAdministratorDialog(context.settings, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def register(registry: Registry) -> None:
    registry.add_screen(Screen("sign_in", _render_sign_in, order=5))
    registry.add_screen(Screen("first_administrator", _render_first_administrator, order=6))
