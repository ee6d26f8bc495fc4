"""On a CRM server the PostgreSQL login is the identity: a login maps to exactly one CRM user
(``sync.login``); an application login mapped to nobody is refused, never taken for an
administrator; a replica works as the user its login maps to (issue 17, point 1)."""

from __future__ import annotations

import uuid

import pytest

from desktop_crm.errors import SignInRefused
from desktop_crm.models import User, database
from desktop_crm.models.db import open_database
from desktop_crm.services.system import rights, session
from desktop_crm.sync import security
from tests.sync.helpers import admin, new_replica, use
from tests.sync.test_security import as_login

pytestmark = pytest.mark.postgres


@pytest.fixture
def people(server_url):
    db = open_database(server_url)  # as the server's owner
    anna = User.create(name="Анна", login="anna")
    boss = User.create(name="Boss", role="admin")
    db.close()
    suffix = uuid.uuid4().hex[:6]
    mapped, unmapped = f"anna_{suffix}", f"nobody_{suffix}"
    with admin(server_url) as conn:
        security.add_login(conn, mapped, "s3cret", anna.id)
        security.add_login(conn, unmapped, "s3cret", anna.id)
        conn.execute("DELETE FROM sync.login WHERE login = %s", (unmapped,))
    yield {"anna": anna, "boss": boss, "mapped": mapped, "unmapped": unmapped}
    with admin(server_url) as conn:
        for login in (mapped, unmapped):
            conn.execute(f'DROP OWNED BY "{login}"')
            conn.execute(f'DROP ROLE IF EXISTS "{login}"')


def test_a_mapped_login_works_as_its_user_and_nobody_else(server_url, people):
    rights.act_as(None)
    db = open_database(as_login(server_url, people["mapped"]))
    try:
        user = session.server_identity()
        assert user is not None and user.id == people["anna"].id
        assert rights.current().user_id == people["anna"].id
    finally:
        db.close()


def test_an_unmapped_login_is_refused_with_a_clear_message(server_url, people):
    rights.act_as(None)
    db = open_database(as_login(server_url, people["unmapped"]))
    try:
        with pytest.raises(SignInRefused, match="is not assigned to any user of the CRM"):
            session.server_identity()
        assert rights.current() is None  # never the first administrator
    finally:
        db.close()


def test_the_servers_owner_chooses_like_on_sqlite(server_url, people):
    rights.act_as(None)
    db = open_database(server_url)
    try:
        assert session.server_identity() is None  # the sign-in dialog decides
    finally:
        db.close()


def test_a_replica_works_as_the_user_of_its_login(server_url, people, tmp_path):
    replica = new_replica(tmp_path / "anna.db", as_login(server_url, people["mapped"]))
    use(replica)
    replica.sync()
    rights.act_as(None)
    assert session.server_identity().id == people["anna"].id
    assert database.obj is replica.db


def test_server_logins_are_created_reset_and_disabled_from_the_crm(server_url, people):
    from desktop_crm.errors import PermissionDenied, ValidationError
    from desktop_crm.services.system import sync as sync_service

    db = open_database(server_url)
    login = f"anna2_{uuid.uuid4().hex[:6]}"
    try:
        assert sync_service.server_logins_supported()
        with pytest.raises(PermissionDenied, match="not a CRM login"):
            sync_service.create_server_login(people["anna"].id, "postgres", "long-enough")
        with pytest.raises(ValidationError, match="at least 8"):
            sync_service.create_server_login(people["anna"].id, login, "short")
        sync_service.create_server_login(people["anna"].id, login, "long-enough")
        assert sync_service.server_logins()[str(people["anna"].id)][1] is True
        with pytest.raises(ValidationError, match="another user"):
            sync_service.create_server_login(people["boss"].id, login, "long-enough")
        sync_service.reset_server_login_password(login, "another-one")
        sync_service.disable_server_login(login)
        with admin(server_url) as conn:
            assert conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s",
                                (login,)).fetchone() == (False,)
        rights.act_as(None)
        with pytest.raises(PermissionDenied):
            sync_service.disable_server_login(login)
    finally:
        db.close()
        with admin(server_url) as conn:
            conn.execute(f'DROP OWNED BY "{login}"')
            conn.execute(f'DROP ROLE IF EXISTS "{login}"')


def test_users_and_rights_creates_a_server_login_through_its_buttons(server_url, people, qtbot,
                                                                     tmp_path):
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtWidgets import QPushButton

    from desktop_crm.views.context import AppContext
    from desktop_crm.views.registry import build_registry
    from desktop_crm.views.settings import SettingsView

    db = open_database(server_url)
    login = f"anna3_{uuid.uuid4().hex[:6]}"
    try:
        settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
        context = AppContext(session.current_user(people["boss"].id), "crm", build_registry(),
                             settings)  # acting: the tests' administrator
        view = SettingsView(context)
        qtbot.addWidget(view)
        view.show()
        page = view.select("users")
        assert page.server_box.isVisible()
        page.select([r.name for r in page.rows].index("Boss"))
        assert page.server_state.text() == "No server login yet."
        page.editors["login"].clear()
        qtbot.keyClicks(page.editors["login"], login)
        qtbot.keyClicks(page.server_password, "long-enough-1")
        qtbot.mouseClick(page.findChild(QPushButton, "user_server_create"), Qt.MouseButton.LeftButton)
        assert page.server_state.text() == f"Server login: {login}", page.banner.text()
        with admin(server_url) as conn:
            assert conn.execute("SELECT user_id FROM sync.login WHERE login = %s",
                                (login,)).fetchone() == (people["boss"].id,)
    finally:
        db.close()
        with admin(server_url) as conn:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone():
                conn.execute(f'DROP OWNED BY "{login}"')
                conn.execute(f'DROP ROLE "{login}"')
