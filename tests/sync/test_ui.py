"""Sync in the UI: status widget, Sync now with retry, setup wizard, conflicts dialog, live refresh."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import pytest

from desktop_crm.models import Company, database
from desktop_crm.models.db import make_database
from desktop_crm.models.schema import migrate
from desktop_crm.services.system import sync as sync_service
from desktop_crm.sync import capture
from desktop_crm.views.sync.conflicts import ConflictsDialog
from desktop_crm.views.sync.status import SyncStatusWidget, describe
from desktop_crm.views.sync.wizard import SyncSetupWizard, server_url
from desktop_crm.workers import synchronous
from tests.pg import free_port
from tests.sync.helpers import admin, new_replica, use

pytestmark = pytest.mark.postgres


def open_local(path):
    db = make_database(str(path))
    db.connect()
    database.initialize(db)
    migrate(db)
    return db


def test_status_texts():
    now = dt.datetime(2026, 5, 1, 12, 0)
    status = sync_service.SyncStatus(mode="replica", last_sync_at="2026-05-01T11:55:00",
                                     pending=2, conflicts=1)
    assert describe(status, now) == "Synced 5 minutes ago · 2 changes to send · 1 conflict"
    assert describe(sync_service.SyncStatus(mode="local")) == "Local database (not synchronised)"


def test_setup_then_sync_now_from_the_status_bar(server_url, tmp_path, qtbot):
    db = open_local(tmp_path / "crm.db")
    Company.create(legal_name="Before setup")
    with synchronous():
        result = sync_service.set_up(server_url, "")
        assert result.pushed == 1
        widget = SyncStatusWidget()
        qtbot.addWidget(widget)
        assert widget.status.mode == "replica" and widget.timer.isActive()
        Company.create(legal_name="After setup")
        widget.refresh()
        assert "1 change to send" in widget.label.text()
        widget.button.click()
        assert widget.label.text().startswith("Synced just now")
    assert sync_service.status().pending == 0
    with admin(server_url) as conn:
        assert conn.execute("SELECT count(*) FROM company").fetchone() == (2,)
    db.close()


def test_a_failed_sync_retries_by_itself(server_url, tmp_path, qtbot):
    db = open_local(tmp_path / "crm.db")
    with synchronous():
        sync_service.set_up(server_url, "")
        with db.atomic():
            capture.meta_set(db, "server_url", f"postgresql://x@127.0.0.1:{free_port()}/none")
        Company.create(legal_name="Waiting")
        widget = SyncStatusWidget()
        qtbot.addWidget(widget)
        widget.sync_now()
        assert widget.retry_s == 30 and widget.timer.isActive()  # no new edit needed
        assert widget.timer.interval() == 30_000
        assert "offline" in widget.label.text()
        widget.sync_now()
        assert widget.retry_s == 60
        with db.atomic():
            capture.meta_set(db, "server_url", server_url)
        widget.sync_now()  # the connection is back: the outbox drains
        assert widget.retry_s == 0 and sync_service.status().pending == 0
    db.close()


def test_setup_wizard_tests_the_connection_and_downloads(server_url, tmp_path, qtbot):
    office = new_replica(tmp_path / "office.db", server_url)
    use(office)
    Company.create(legal_name="On the server")
    office.sync()
    db = open_local(tmp_path / "laptop.db")
    parsed = urlparse(server_url)
    with synchronous():
        wizard = SyncSetupWizard()
        qtbot.addWidget(wizard)
        page = wizard.server_page
        page.address.setText(f"{parsed.hostname}:{parsed.port}{parsed.path}")
        page.login.setText(parsed.username)
        page.ssl.setCurrentIndex(2)  # "when possible": the test server has no certificate
        assert not page.isComplete()
        page.test_button.click()
        assert page.isComplete(), page.result.text()
        assert "Connected as postgres" in page.result.text()
        wizard.show()
        wizard.next()
        assert wizard.download_page.isComplete(), wizard.download_page.text.text()
    assert [c.legal_name for c in Company.select()] == ["On the server"]
    assert server_url_of(db) == page.url()
    db.close()


def server_url_of(db):
    return capture.meta_get(db, "server_url")


def test_wizard_builds_urls_without_passwords():
    assert server_url("db.example.com:6432/crm", "anna", "verify-full") == (
        "postgresql://anna@db.example.com:6432/crm?sslmode=verify-full")


def test_conflicts_dialog_keep_mine_becomes_a_new_edit_and_resolves_on_the_server(
    server_url, tmp_path, qtbot
):
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    use(a)
    company = Company.create(legal_name="ACME", city="Roma")
    a.sync(), b.sync()
    Company.update(city="Milano").where(Company.id == company.id).execute()
    use(b)
    Company.update(city="Napoli").where(Company.id == company.id).execute()
    a.sync(), b.sync()
    loser, mine = (b, "Napoli") if Company.get_by_id(company.id).city == "Milano" else (a, "Milano")
    use(loser)
    loser.sync()
    with synchronous():
        dialog = ConflictsDialog()
        qtbot.addWidget(dialog)
        assert dialog.table.rowCount() == 1
        assert dialog.table.item(0, 0).text() == "Company “ACME”"  # not "company 019cb574"
        assert dialog.table.item(0, 1).text() == "City"  # not the column "city"
        assert dialog.table.item(0, 3).text() == mine
        dialog.keep_mine.click()
        assert dialog.table.rowCount() == 0
    assert Company.get_by_id(company.id).city == mine
    loser.sync()
    a.sync(), b.sync()
    with admin(server_url) as conn:
        assert conn.execute("SELECT city FROM company").fetchone() == (mine,)
        assert conn.execute("SELECT resolved_by IS NOT NULL FROM sync.conflict").fetchone() == (True,)


def test_direct_mode_listener_hears_other_users_changes(server_url):
    listener = sync_service.ChangeListener(server_url)
    try:
        assert listener.wait(0.1) == set()
        with admin(server_url) as conn:
            conn.execute("INSERT INTO pipeline (id, created_at, updated_at, _ver, _hlc, name, "
                         "sort_order, is_default) VALUES (gen_random_uuid(), now(), now(), 0, 0, "
                         "'P', 0, false)")
        assert listener.wait(5) == {"pipeline"}
    finally:
        listener.close()


def test_a_sync_run_from_the_command_line_shows_in_the_open_window(server_url, tmp_path, qtbot):
    import os
    import subprocess
    import sys

    from PySide6.QtCore import QSettings

    from desktop_crm.services.system.session import sign_in_for_tool
    from desktop_crm.views.context import AppContext
    from desktop_crm.views.registry import Registry

    path = tmp_path / "laptop.db"
    db = open_local(path)
    Company.create(legal_name="Made offline", city="Roma")
    context = AppContext(sign_in_for_tool(), str(path), Registry(),
                         QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    widget = SyncStatusWidget()
    qtbot.addWidget(widget)
    widget.follow(context.signals)
    modes: list[str] = []
    widget.mode_changed.connect(modes.append)
    assert widget.label.text() == "Local database (not synchronised)" and widget.button.isHidden()
    context.watch_outside_changes(50)
    done = subprocess.run(  # another process: the command line
        [sys.executable, "-m", "desktop_crm", "sync", "--db", str(path), "--server", server_url],
        capture_output=True, text=True, env={**os.environ, "CRM_DATA_DIR": str(tmp_path / "data")},
        timeout=300)
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: widget.status is not None and widget.status.mode == "replica", timeout=10_000)
    assert widget.label.text().startswith("Synced just now")
    assert not widget.button.isHidden() and widget.button.isEnabled()  # Sync now works here too
    assert modes == ["replica"]
    assert capture.meta_get(db, "server_url") == server_url.replace(
        f":{urlparse(server_url).password}@", "@") if urlparse(server_url).password else server_url
    context.outside_timer.stop()
    widget.timer.stop()
    db.close()


def test_another_users_change_reaches_an_open_card_through_listen(server_url, tmp_path, qtbot):
    from PySide6.QtCore import QSettings

    from desktop_crm.models.db import open_database
    from desktop_crm.services.system.session import sign_in_for_tool
    from desktop_crm.views.context import AppContext
    from desktop_crm.views.registry import build_registry
    from desktop_crm.views.sync import DirectModeWatcher

    db = open_database(server_url)  # direct mode: the app works on the server
    company = Company.create(legal_name="ACME", city="Roma")
    context = AppContext(sign_in_for_tool(), "server", build_registry(),
                         QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    with synchronous():
        card = context.registry.card_opener("companies")(context, str(company.id), None)
        assert card.editors["city"].text() == "Roma"
        watcher = DirectModeWatcher(context)
        try:
            with admin(server_url) as conn:  # another user, another connection
                conn.execute("UPDATE company SET city = 'Milano' WHERE id = %s", (company.id,))
            qtbot.waitUntil(lambda: card.editors["city"].text() == "Milano", timeout=10_000)
        finally:
            watcher.stop()
            card.close()
    db.close()
