"""Signing in, switching user and what the window shows each role, driven through the widgets
(offscreen, real SQLite file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QApplication, QPushButton

from desktop_crm import workers
from desktop_crm.models import AccessRole, Action, User
from desktop_crm.services.system import rights, session
from desktop_crm.views.signin import FirstAdministratorDialog, SignInDialog
from tests.rights.conftest import Team, build_team, sign_in


@pytest.fixture
def team(db: object) -> Team:
    return build_team()


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def synchronous() -> Any:
    with workers.synchronous():
        yield


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def tick(qtbot, box) -> None:
    """Click a checkbox on its indicator (its middle may be empty space of a wide column)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))


def test_sign_in_with_a_password_and_a_wrong_one_refused(qtbot, team, settings):
    session.set_password(team.mine.id, "secret-42")
    rights.act_as(None)  # the start of the application: nobody yet
    dialog = SignInDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    names = [dialog.users.item(i).text() for i in range(dialog.users.count())]
    assert "Дмитрий Менеджер — Manager" in names and "Ольга Админ — Administrator" in names
    dialog.choose("Дмитрий Менеджер")
    assert dialog.password.isEnabled() and dialog.hint.text() == "Enter your password."
    qtbot.keyClicks(dialog.password, "wrong")
    click(qtbot, dialog.ok_button)
    assert dialog.error.isVisible() and dialog.error.text() == "The password is wrong."
    assert dialog.isVisible() and rights.current() is None
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "secret-42")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert not dialog.isVisible() and dialog.user.name == "Дмитрий Менеджер"
    assert rights.current().user_id == team.mine.id
    assert settings.value("session/user_id") == str(team.mine.id)
    # the next start offers the remembered user first; a user without password needs none
    again = SignInDialog(settings)
    qtbot.addWidget(again)
    assert again.users.currentItem().text().startswith("Дмитрий Менеджер")
    again.choose("Марко Менеджер")
    assert not again.password.isEnabled()
    click(qtbot, again.ok_button)
    assert rights.current().user_id == team.other.id


def test_the_first_run_creates_the_first_administrator(qtbot, db, settings):
    rights.act_as(None)
    assert session.needs_first_administrator()
    dialog = FirstAdministratorDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    ok = dialog.findChild(QPushButton, "first_admin_ok")
    click(qtbot, ok)
    assert dialog.error.text() == "Enter your name."  # nothing was created
    dialog.name.setText("Анна Морозова")  # Cyrillic: keyClicks cannot type it
    qtbot.keyClicks(dialog.login, "anna")
    click(qtbot, ok)
    assert not dialog.isVisible()
    admin = User.get(User.name == "Анна Морозова")
    assert admin.login == "anna" and rights.can(Action.MANAGE_USERS)
    assert settings.value("session/user_id") == str(admin.id)


def _window(qtbot, settings, user) -> Any:
    from desktop_crm.app import build_main_window

    window = build_main_window("crm.db", settings, user)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_switch_user_gives_the_chosen_user_a_window_of_its_own(qtbot, team, settings,
                                                              synchronous):
    window = _window(qtbot, settings, sign_in(team.admin))
    assert window.user_label.text() == "User: Ольга Админ"
    window.switch_user_action.trigger()
    dialog = window.findChild(SignInDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.choose("Андрей Руководитель")
    click(qtbot, dialog.ok_button)
    windows = [w for w in QApplication.topLevelWidgets()
               if type(w).__name__ == "MainWindow" and w.isVisible()]
    assert [w.user_label.text() for w in windows] == ["User: Андрей Руководитель"]
    qtbot.addWidget(windows[0])
    assert rights.current().user_id == team.head.id


def test_a_manager_cannot_reach_users_and_rights(qtbot, team, settings, synchronous):
    window = _window(qtbot, settings, sign_in(team.mine))
    view = window.show_section("settings")
    # plans read-only; their own mail account, not the others'
    assert list(view.specs) == ["plans", "mail", "language", "database"]
    titles = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert "Users and rights" not in titles and "Roles" not in titles
    admin_window = _window(qtbot, settings, sign_in(team.admin))
    admin_view = admin_window.show_section("settings")
    assert {"users", "roles", "own_companies"} <= set(admin_view.specs)


def shown_titles(view: Any) -> set[str]:
    model = view.model
    column = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal) == "Deal")
    return {model.index(r, column).data() for r in range(model.rowCount())}


def test_a_head_sees_the_teams_deals_and_not_others(qtbot, team, settings, synchronous):
    window = _window(qtbot, settings, sign_in(team.head))
    view = window.show_section("deals", "list")
    qtbot.waitUntil(lambda: view.model.rowCount() == 3)
    assert shown_titles(view) == {"Сделка head", "Сделка mine", "Сделка без ответственного"}


def test_scope_own_sees_only_its_own(qtbot, team, settings, synchronous):
    window = _window(qtbot, settings, sign_in(team.other))
    view = window.show_section("deals", "list")
    qtbot.waitUntil(lambda: view.model.rowCount() == 3)
    assert shown_titles(view) == {"Сделка other", "Опт other", "Сделка без ответственного"}


def test_roles_are_edited_as_checkboxes_and_scopes(qtbot, team, settings, synchronous):
    window = _window(qtbot, settings, sign_in(team.admin))
    page = window.show_section("settings").select("roles")
    page.select([r.preset for r in page.rows].index("manager"))
    box = page.action_boxes["export"]
    assert not box.isChecked()
    tick(qtbot, box)
    assert box.isChecked() and page.dirty
    scope = page.pipeline_scopes[str(team.second.id)]
    scope.setCurrentIndex(scope.findData("all"))
    click(qtbot, page.save_button)
    role = AccessRole.get(AccessRole.preset == "manager")
    assert "export" in role.actions.split(",")
    sign_in(team.other)
    assert rights.can(Action.EXPORT) and rights.scope_for(team.second.id) == "all"


def test_users_get_a_role_and_a_password_in_users_and_rights(qtbot, team, settings,
                                                              synchronous):
    window = _window(qtbot, settings, sign_in(team.admin))
    page = window.show_section("settings").select("users")
    page.select([r.name for r in page.rows].index("Марко Менеджер"))
    role = page.editors["access_role"]
    role.setCurrentIndex(role.findText("Head of sales"))
    page.editors["login"].clear()
    qtbot.keyClicks(page.editors["login"], "marco.b")
    click(qtbot, page.save_button)
    marco = User.get_by_id(team.other.id)
    assert marco.login == "marco.b" and marco.role == "head"
    qtbot.keyClicks(page.password, "pass-1234")
    click(qtbot, page.findChild(type(page.save_button), "user_set_password"))
    assert User.get_by_id(team.other.id).password_hash.startswith("$argon2")
    assert not page.server_box.isVisible()  # SQLite: no server logins here


def test_what_a_role_may_not_do_is_not_offered(qtbot, team, settings, synchronous):
    window = _window(qtbot, settings, sign_in(team.mine))
    view = window.show_section("deals", "list")
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)
    assert window.new_action.isEnabled()  # a manager creates deals
    assert not view.export_action.isEnabled()  # but does not export them
    accountant = _window(qtbot, settings, sign_in(team.accountant))
    books = accountant.show_section("deals", "list")
    assert not accountant.new_action.isEnabled() and books.export_action.isEnabled()
    books.table.selectRow(0)
    assert not books.delete_action.isEnabled() and not books.assign_action.isEnabled()


def test_tasks_of_colleagues_within_the_scope_only(qtbot, team, settings, synchronous):
    head = _window(qtbot, settings, sign_in(team.head))
    view = head.show_section("tasks")
    owners = [view.owner.itemText(i) for i in range(view.owner.count())]
    assert owners == ["Mine", "Дмитрий Менеджер"]  # the team, not Марко
    manager = _window(qtbot, settings, sign_in(team.other))
    mine = manager.show_section("tasks")
    assert mine.owner.count() == 1


def test_a_card_outside_the_scope_does_not_open(qtbot, team, settings, synchronous):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from desktop_crm.models import Contact

    shown: list[str] = []

    def read_and_close() -> None:
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.isVisible())
        shown.append(box.text())
        box.button(QMessageBox.StandardButton.Ok).click()

    window = _window(qtbot, settings, sign_in(team.other))
    foreign = Contact.get(Contact.last_name == "Клиент mine")
    QTimer.singleShot(0, read_and_close)
    window.context.open_record("contacts", foreign.id, window)
    assert shown == ["This record belongs to someone outside your scope."]
    assert not [w for w in QApplication.topLevelWidgets()
                if type(w).__name__ == "ContactCard" and w.isVisible()]
