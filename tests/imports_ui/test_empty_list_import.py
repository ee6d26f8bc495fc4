"""An empty list of contacts, companies, deals, leads or products offers "Import…", which opens
the import wizard for that kind of record; a role that may not import is not offered it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from desktop_crm import workers
from desktop_crm.app import build_main_window
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from tests.imports_ui.helpers import click, wizard_open
from tests.shell.conftest import admin_user


@pytest.fixture
def main(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    db = open_database(str(tmp_path / "crm.db"))
    migrate(db)
    with workers.synchronous():
        window = build_main_window(str(tmp_path / "crm.db"), QSettings(
            str(tmp_path / "s.ini"), QSettings.Format.IniFormat), admin_user())
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        yield window
        window.close()
    db.close()


@pytest.mark.parametrize("entity", ["contacts", "companies", "deals", "leads", "products"])
def test_an_empty_list_offers_import(main, qtbot, entity):
    page = main.show_section(entity)
    qtbot.waitUntil(lambda: page.empty_state.isVisible())
    button = page.empty_state.findChild(QPushButton, "empty_import")
    assert button is not None and button.text() == "Import…"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wizard = wizard_open()
    assert wizard.file_page.entity() == entity
    click(qtbot, wizard.close_button)
    assert not wizard.isVisible()


def test_a_role_that_may_not_import_is_not_offered_it(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings

    from desktop_crm.models.enums import Role
    from desktop_crm.services.system import session
    from tests.factories import make_user

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    db = open_database(str(tmp_path / "crm.db"))
    migrate(db)
    admin_user()
    seller = session.sign_in(make_user("Пётр Менеджер", role=Role.SALES).id)
    with workers.synchronous():
        window = build_main_window(str(tmp_path / "crm.db"), QSettings(
            str(tmp_path / "s.ini"), QSettings.Format.IniFormat), seller)
        qtbot.addWidget(window)
        window.show()
        page = window.show_section("contacts")
        qtbot.waitUntil(lambda: page.empty_state.isVisible())
        assert page.empty_state.findChild(QPushButton, "empty_create") is not None
        assert page.empty_state.findChild(QPushButton, "empty_import") is None
        window.close()
    db.close()
