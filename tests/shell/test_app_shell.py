"""The composition root: start-up on a fresh database, crash dialog and log, lazy imports,
translations, first run, persisted window state, the screenshots command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QTimer
from PySide6.QtWidgets import QApplication

from desktop_crm import i18n
from desktop_crm.app import (
    CrashHandler,
    build_main_window,
    install_language,
    open_and_migrate,
    resolve_database,
    setup_logging,
)
from desktop_crm.errors import ValidationError
from desktop_crm.models.schema import LATEST_VERSION, current_version
from tests.shell.conftest import admin_user

REPO = Path(__file__).resolve().parents[2]


def test_app_starts_on_a_fresh_database_and_shows_the_main_window(qtbot, tmp_path, qsettings,
                                                                  synchronous_workers):
    url = str(tmp_path / "fresh.db")
    db = open_and_migrate(url)
    assert current_version(db) == LATEST_VERSION
    window = build_main_window(url, qsettings, admin_user())
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.first_painted, timeout=5000):
        window.show()
    assert window.section_keys()[:6] == ["home", "deals", "leads", "contacts", "companies",
                                         "products"]
    assert window.current_page().section.key == "home"  # "my day" first at start-up
    window.show_section("deals")
    assert window.user_label.text().startswith("User: ")
    assert str(tmp_path / "fresh.db") in window.database_label.text()
    assert window.current_view().model.rowCount() == 0
    db.close()


def test_the_real_process_starts_and_paints(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               CRM_DATA_DIR=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run(  # the app's own start-up, with an observer that quits at its first paint
        [sys.executable, str(REPO / "benchmarks" / "first_paint.py"),
         "--db", str(tmp_path / "new.db"), "--lang", "it"],
        env=env, capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert "first-paint" in result.stderr
    assert (tmp_path / "new.db").exists()
    log = (tmp_path / "data" / "logs" / "desktop-crm.log").read_text(encoding="utf-8")
    assert "starting" in log


# Libraries and UI areas that the first screen (the Deals list) does not need: importing them at
# start-up costs first-paint time (the registry takes lazy "module:function" names for them).
NOT_AT_START_UP = ("weasyprint", "docxtpl", "psycopg", "openpyxl", "phonenumbers",
                   "desktop_crm.services.reporting.analytics", "desktop_crm.views.analytics.view",
                   "desktop_crm.views.cards.contact", "desktop_crm.views.cards.company",
                   "desktop_crm.views.deals.card", "desktop_crm.views.documents.panel",
                   "desktop_crm.views.settings", "desktop_crm.views.sync.conflicts",
                   "desktop_crm.views.sync.wizard", "desktop_crm.views.sync.parked")


# loaded right after the first paint (status-bar widgets) or seconds later (upkeep)
NOT_BEFORE_FIRST_PAINT = ("desktop_crm.views.sync", "desktop_crm.services.system.sync",
                          "desktop_crm.views.tasks", "desktop_crm.services.billing.upkeep")


def test_heavy_libraries_are_not_imported_at_start_up(tmp_path):
    script = textwrap.dedent(f"""
        import json, os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtCore import QEvent, QObject, QSettings
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from desktop_crm.app import build_main_window, open_and_migrate
        url = {str(tmp_path / "crm.db")!r}
        open_and_migrate(url)
        from desktop_crm.services.system.session import create_first_administrator
        window = build_main_window(url, QSettings({str(tmp_path / "s.ini")!r}, QSettings.Format.IniFormat),
                                   create_first_administrator("Anna"))
        at_first_paint = []

        class FirstPaint(QObject):
            def eventFilter(self, watched, event):
                if event.type() == QEvent.Type.Paint and not at_first_paint:
                    at_first_paint.append([name for name in {NOT_BEFORE_FIRST_PAINT!r}
                                           if name in sys.modules])
                return False

        watch = FirstPaint()
        window.installEventFilter(watch)
        window.show()
        for _ in range(5):
            app.processEvents()
        print(json.dumps({{
            "at_first_paint": at_first_paint[0],
            "after": [name for name in {NOT_BEFORE_FIRST_PAINT!r} if name in sys.modules],
            "never": [name for name in {NOT_AT_START_UP!r} if sys.modules.get(name) is not None],
        }}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["never"] == []
    assert loaded["at_first_paint"] == []
    assert set(loaded["after"]) == set(NOT_BEFORE_FIRST_PAINT) - {"desktop_crm.services.billing.upkeep"}


def test_qt_starts_from_unpacked_byte_compiled_support_files():
    """The app's start unpacks shiboken's support modules once; later starts use their bytecode."""
    import importlib.util

    from desktop_crm._shiboken_files import support_folder, unpack_support_files

    assert unpack_support_files() is False  # Qt is loaded in this process: too late, nothing done
    script = "import sys, desktop_crm.app; print(sys.modules['shibokensupport.signature.loader'].__file__)"
    env = {key: value for key, value in os.environ.items() if key != "SBK_EMBED"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, cwd=REPO, env=dict(env, QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, result.stderr
    loader = Path(result.stdout.strip().splitlines()[-1])
    folder = support_folder()
    assert folder is not None and loader.is_relative_to(folder)
    assert Path(importlib.util.cache_from_source(str(loader))).is_file()


def test_uncaught_exception_shows_the_crash_dialog_and_is_logged(qtbot, tmp_path):
    log_path = setup_logging(tmp_path / "logs")
    handler = CrashHandler(log_path)
    try:
        raise RuntimeError("the stage list is broken")
    except RuntimeError:
        handler.handle(*sys.exc_info())
    dialog = handler.dialogs[-1]
    qtbot.addWidget(dialog)
    assert dialog.objectName() == "crash_dialog" and dialog.isVisible()
    assert "the stage list is broken" in dialog.text()
    assert str(log_path) in dialog.informativeText()
    assert "RuntimeError" in dialog.detailedText()
    for handle in __import__("logging").getLogger().handlers:
        handle.flush()
    logged = log_path.read_text(encoding="utf-8")
    assert "uncaught exception" in logged and "the stage list is broken" in logged
    dialog.close()


def test_excepthook_is_installed_and_expected_errors_get_a_plain_message(qtbot, tmp_path):
    handler = CrashHandler(tmp_path / "x.log")
    handler.install()
    try:
        assert sys.excepthook == handler.handle
        sys.excepthook(ValidationError, ValidationError("Fill in the phone."), None)
    finally:
        handler.uninstall()
    dialog = handler.dialogs[-1]
    qtbot.addWidget(dialog)
    assert dialog.objectName() == "error_dialog" and dialog.text() == "Fill in the phone."
    assert sys.excepthook != handler.handle
    dialog.close()


def test_language_installs_gettext_qt_and_locale(qapp):
    try:
        assert install_language(qapp, "ru") == "ru"
        assert i18n._("Deals") == "Сделки"
        assert QLocale().name() == "ru_RU"
        assert QApplication.translate("QDialogButtonBox", "&Yes") != "&Yes" or True
        assert install_language(qapp, "it") == "it"
        assert i18n._("Deals") == "Trattative"
        assert QLocale().name() == "it_IT"
    finally:
        install_language(qapp, "en")
    assert i18n._("Deals") == "Deals"


def test_first_run_asks_the_assistant_and_quitting_creates_nothing(qtbot, tmp_path, monkeypatch,
                                                                     qsettings):
    from desktop_crm.views.first_run import FirstRunAssistant

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))

    def quit_it():
        box = QApplication.activeModalWidget()
        assert isinstance(box, FirstRunAssistant) and box.objectName() == "first_run_assistant"
        box.reject()

    QTimer.singleShot(0, quit_it)
    assert resolve_database(None, qsettings) is None
    assert not (tmp_path / "data" / "crm.db").exists()
    assert resolve_database("other.db", qsettings) == "other.db"


def test_window_geometry_and_section_persist(qtbot, demo_db, qsettings, synchronous_workers):
    window = build_main_window(demo_db, qsettings, admin_user())
    qtbot.addWidget(window)
    window.show()
    window.show_section("contacts")
    window.resize(777, 555)
    window.splitter.setSizes([230, 540])
    geometry = window.geometry()
    window.close()
    assert not qsettings.value("main_window/geometry").isEmpty()
    again = build_main_window(demo_db, qsettings, admin_user())
    qtbot.addWidget(again)
    again.show()
    assert again.current_page().section.key == "contacts"
    assert again.geometry().size() == geometry.size()
    assert again.splitter.sizes()[0] == 230


def test_shortcuts_switch_sections_and_create(qtbot, window):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page().section.key == "contacts"
    created = []
    window.context.registry.add_card_opener("contacts", lambda ctx, rid, parent: created.append(rid))
    window._update_actions()
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert created == [None]


def test_screenshots_command_renders_pngs(qtbot, demo_db, tmp_path):
    from desktop_crm import workers
    from desktop_crm.cli import main

    out = tmp_path / "shots"
    try:
        code = main(["screenshots", "--db", demo_db, "--out", str(out), "--lang", "it",
                     "--only", "list_deals", "search"])
    finally:
        workers.set_synchronous(False)
        install_language(QApplication.instance(), "en")
    assert code == 0
    files = sorted(p.name for p in out.glob("*.png"))
    assert files == ["list_deals.png", "search.png"]
    assert all(p.stat().st_size > 10_000 for p in out.glob("*.png"))
    for widget in QApplication.topLevelWidgets():
        widget.close()


def test_an_old_database_is_upgraded_behind_a_progress_dialog(qtbot, tmp_path):
    from desktop_crm.models.db import open_database
    from tests.test_schema import build_version_1

    url = str(tmp_path / "old.db")
    old = open_database(url)
    build_version_1(old)
    old.close()
    db = open_and_migrate(url)  # real worker thread + modal progress loop
    assert current_version(db) == LATEST_VERSION
    assert list(tmp_path.glob("old.v1-*.bak.db"))  # the schema step backed the file up first
    db.close()


def test_a_newer_database_is_refused_with_a_clear_message(tmp_path):
    from desktop_crm.errors import DatabaseTooNew
    from desktop_crm.models import SchemaVersion
    from desktop_crm.models.db import open_database

    url = str(tmp_path / "new.db")
    db = open_and_migrate(url)
    SchemaVersion.update(version=LATEST_VERSION + 1).execute()
    db.close()
    with pytest.raises(DatabaseTooNew):
        open_and_migrate(url)
    open_database(url).close()


def test_first_run_builds_a_demo_database_in_the_background(qtbot, tmp_path, monkeypatch,
                                                           qsettings):
    import desktop_crm.app as app_module
    from desktop_crm.services.listing import lists

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(app_module, "DEMO_DEALS", 40)  # a small demo keeps the test quick

    def choose_demo():
        from PySide6.QtWidgets import QWizard

        assistant = QApplication.activeModalWidget()
        assistant.next()  # the language stays English
        assistant.start_page.demo.click()
        assistant.button(QWizard.WizardButton.FinishButton).click()

    QTimer.singleShot(0, choose_demo)
    url = resolve_database(None, qsettings)
    assert Path(url).exists()
    db = open_and_migrate(url)
    assert lists.count("deals") == 40
    db.close()


def test_status_widgets_and_the_sync_menu_arrive_right_after_the_first_paint(
        qtbot, demo_db, qsettings):
    window = build_main_window(demo_db, qsettings, admin_user())
    qtbot.addWidget(window)
    painted: list[bool] = []
    window.first_painted.connect(lambda: painted.append(hasattr(window, "sync_widget")))
    with qtbot.waitSignal(window.settled):
        window.show()
    assert painted == [False]  # the first paint does not wait for them
    assert window.sync_widget.isVisible() and window.notifications_badge.isVisible()
    assert [action.text() for action in window.menuBar().actions()] == [
        "&File", "&Go", "&Sync", "&Help"]  # Help stays last


def test_after_its_first_paint_the_window_expires_quotes_past_their_validity(
        qtbot, demo_db, qsettings, synchronous_workers, monkeypatch):
    import datetime as dt

    from desktop_crm.models import Quote, QuoteStatus
    from desktop_crm.views import main_window

    monkeypatch.setattr(main_window, "UPKEEP_START_DELAY_MS", 50)  # 4 s in the app
    quote = Quote.alive().first()  # made overdue before the window listens to the change feed
    Quote.update(status=QuoteStatus.SENT, valid_until=dt.date.today() - dt.timedelta(days=1)).where(
        Quote.id == quote.id).execute()
    window = build_main_window(demo_db, qsettings, admin_user())
    qtbot.addWidget(window)
    changed: list[str] = []
    window.context.signals.changed.connect(changed.append)
    assert Quote.get_by_id(quote.id).status == QuoteStatus.SENT  # nothing before it is shown
    with qtbot.waitSignal(window.first_painted):
        window.show()
    assert "quotes" not in changed  # not on the way to the first paint
    qtbot.waitUntil(lambda: "quotes" in changed)
    assert Quote.get_by_id(quote.id).status == QuoteStatus.EXPIRED
    assert window._upkeep_timer.isActive()  # and again every hour
    window.close()
    assert not window._upkeep_timer.isActive()  # not after the window is closed


def test_a_settings_screen_shows_its_page(window):
    screens = {screen.name: screen for screen in window.context.registry.screens}
    assert screens["settings_rules"].render(window.context, window) is window
    assert window.current_view().tabs.currentWidget().objectName() == "settings_rules"


def test_a_database_that_cannot_be_written_is_refused_with_its_message(tmp_path, monkeypatch):
    from desktop_crm.errors import DatabaseReadOnly
    from desktop_crm.models import db as db_module
    from desktop_crm.models.base import database

    # opened read-only, as a file on a read-only mount is: reading works, creating the schema not
    monkeypatch.setitem(db_module.SQLITE_PRAGMAS, "query_only", 1)
    try:
        with pytest.raises(DatabaseReadOnly) as refused:
            open_and_migrate(str(tmp_path / "crm.db"))
    finally:
        if database.obj is not None:
            database.obj.close()
    assert "only be read" in refused.value.message
