"""Composition root: everything the GUI needs, built once, in order.

1. local settings (``QSettings``: window geometry, the last database, the user of this desktop);
2. logging to a rotating file in ``config.log_dir()``;
3. ``sys.excepthook`` (and ``threading.excepthook``): a bug is logged and shown in a translated
   crash dialog with the details and the log path, and the application keeps running; an uncaught
   ``CrmError``, or a database failure of the environment (locked, unreachable, read-only, damaged:
   ``errors.classify``), gets a plain message instead;
4. ``QApplication`` and a first language (``--lang``, else the language used last time, else the
   system) so that the dialogs below are translated;
5. the database: ``--db URL``, else the default file; on the very first run (no default file yet)
   the first-run assistant (``views/first_run.py``) asks the language (applied at once), then
   builds a demo database or sets up the user's business (``services.system.setup``); then
   ``open_database`` + ``schema.migrate``
   (an upgrade runs in the background behind a progress dialog; ``CrmError`` → friendly dialog);
6. the current user and the final language (``--lang``, else the user's locale, else as in 4):
   gettext, Qt's own ``qtbase_<lang>.qm`` and ``QLocale.setDefault``;
7. the registry of UI areas and the main window.

Heavy libraries (weasyprint, docxtpl, psycopg for SQLite) are never imported here; a test checks
that in a fresh process. Tools that drive the real start-up (``benchmarks/first_paint.py``) get the
main window through :func:`on_main_window`.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from desktop_crm._shiboken_files import unpack_support_files

unpack_support_files()  # once per environment, before Qt is first imported (see the module)
from PySide6.QtCore import (
    QLibraryInfo,
    QLocale,
    QSettings,
    Qt,
    QThread,
    QTimer,
    QTranslator,
)
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop_crm import __version__, config, i18n
from desktop_crm._refcount_guard import make_singletons_immortal

make_singletons_immortal()  # PySide6 6.12 drops references to None/True/False (see the module)
from desktop_crm.errors import CrmError, classify, database_errors
from desktop_crm.i18n import N_, _, ngettext

log = logging.getLogger("desktop_crm")

LOG_FILE_NAME = "desktop-crm.log"
QT_LOCALES = {"ru": "ru_RU", "it": "it_IT", "en": "en_US"}
#: The first run's demo: its issued documents are rendered while it is built (about half a minute
#: per thousand deals on two cores), so it stays small enough to open within a minute; larger demos
#: come from ``desktop-crm demo --deals N``.
DEMO_DEALS = 1000


# --- logging ----------------------------------------------------------------------------------
def setup_logging(log_dir: Path | None = None, level: int = logging.INFO) -> Path:
    """Log to a rotating file (1 MB × 5); returns its path."""
    folder = log_dir or config.log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE_NAME
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_desktop_crm", False):
            root.removeHandler(handler)
            handler.close()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    handler._desktop_crm = True  # type: ignore[attr-defined]
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    return path


# --- uncaught exceptions ----------------------------------------------------------------------
class CrashHandler:
    """``sys.excepthook``: log every uncaught exception and show it without ending the app."""

    def __init__(self, log_path: Path | None) -> None:
        self.log_path = log_path
        self.dialogs: list[QWidget] = []
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook

    def install(self) -> None:
        sys.excepthook = self.handle
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        sys.excepthook = self._previous_hook
        threading.excepthook = self._previous_thread_hook

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        app = QApplication.instance()
        expected = exc if isinstance(exc, CrmError) else classify(exc)
        if expected is exc:
            log.warning("unhandled expected error: %s", expected.message)
        elif expected is not None:  # an environmental database failure: its message, and the log
            log.warning("unhandled expected error: %s\n%s", expected.message, details)
        else:
            log.error("uncaught exception\n%s", details)
        shown = expected or exc
        if app is None or QThread.currentThread() is not app.thread():
            if app is not None:  # show it on the GUI thread
                QTimer.singleShot(0, app, lambda: self._show(shown, details))
            else:
                sys.stderr.write(details)
            return
        self._show(shown, details)

    def _show(self, exc: BaseException, details: str) -> None:
        from desktop_crm.views.common.dialogs import error_box, show_crash

        parent = QApplication.activeWindow()
        self.dialogs = [d for d in self.dialogs if _alive(d)]
        if len(self.dialogs) >= 3:  # an error storm: log it, do not bury the user in dialogs
            return
        if isinstance(exc, CrmError):
            dialog: QWidget = error_box(parent, exc.message)
        else:
            summary = str(exc) or type(exc).__name__
            dialog = show_crash(parent, summary, details, self.log_path)
        self.dialogs.append(dialog)


def _alive(widget: QWidget) -> bool:
    try:
        return widget.isVisible()
    except RuntimeError:  # the C++ object was deleted
        return False


# --- translations -----------------------------------------------------------------------------
_qt_translators: list[QTranslator] = []

#: Strings of Qt's own dialogs that its qtbase catalogs do not translate (Qt changed the source
#: text, e.g. "&Look in:"), translated in our catalogs.
QT_GAPS = (
    N_("&Look in:"),  # QFileDialog
    N_("Files of &type:"),  # QFileDialog
)


class QtGapsTranslator(QTranslator):
    """Translates :data:`QT_GAPS` through gettext; everything else falls through to Qt's own
    translator (``None``, a null string, means "not mine")."""

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        if source not in QT_GAPS:
            return None  # a null string: Qt asks the next translator (an empty one would be used)
        translated = _(source)
        return None if translated == source else translated


def install_language(app: QApplication, language: str | None) -> str:
    """gettext, Qt's own dialogs (qtbase_<lang>.qm) and QLocale for ``language`` (None: system)."""
    chosen = i18n.set_language(language)
    for translator in _qt_translators:
        app.removeTranslator(translator)
    _qt_translators.clear()
    if chosen != i18n.SOURCE_LANGUAGE:
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        translator = QTranslator(app)
        if translator.load(f"qtbase_{chosen}", folder):
            app.installTranslator(translator)
            _qt_translators.append(translator)
        else:
            log.warning("Qt translations qtbase_%s not found in %s", chosen, folder)
        extra = QtGapsTranslator(app)  # asked first: the few strings Qt's catalogs lack
        app.installTranslator(extra)
        _qt_translators.append(extra)
    QLocale.setDefault(QLocale(QT_LOCALES.get(chosen, "en_US")))
    return chosen


# --- database ---------------------------------------------------------------------------------
def first_run_assistant(parent: QWidget | None = None) -> Any:
    """The first-run assistant (language, then a demo or "my business"); its
    ``FirstRunOutcome``, or ``None`` when the user quits. The language applies at once."""
    from desktop_crm.views.first_run import FirstRunAssistant

    def apply_language(code: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            install_language(app, code)
        else:
            i18n.set_language(code)

    assistant = FirstRunAssistant(apply_language, demo_available(), parent)
    if assistant.exec() != FirstRunAssistant.DialogCode.Accepted:
        return None
    return assistant.outcome()


def create_business_database(url: str, business: Any, settings: QSettings) -> None:
    """An empty database at ``url`` with the business of the first-run assistant in it; the first
    user becomes this desktop's user. Nothing is left behind when it is refused."""
    from desktop_crm.services.system.setup import set_up_business

    db = open_and_migrate(url)
    try:
        result = set_up_business(business)
    except BaseException:
        db.close()
        if Path(url).exists():
            Path(url).unlink()
        raise
    db.close()
    settings.setValue("session/user_id", str(result.user_id))


def demo_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("desktop_crm.services.data.demo") is not None


def create_demo_database(url: str, progress: Any) -> None:
    """Build a demo database at ``url`` with the demo service (in a worker thread)."""
    from desktop_crm.services.data.demo import DemoOptions, build_demo

    locale = {"ru": "ru", "it": "it"}.get(i18n.current_language(), "both")
    build_demo(url, DemoOptions(deals=DEMO_DEALS, locale=locale),
               progress=lambda text, done, total: progress.report(done, total, text))


def _run_with_progress(title: str, work: Any) -> Any:
    """Run ``work(progress)`` in the background behind a modal progress dialog; return its result."""
    from PySide6.QtCore import QEventLoop

    from desktop_crm.views.common.progress import JobProgressDialog
    from desktop_crm.workers import run_in_background

    loop = QEventLoop()
    outcome: dict[str, Any] = {}
    dialog = JobProgressDialog(title)
    dialog.setCancelButton(None)  # schema upgrades and database creation are not cancellable

    def finished(key: str, value: Any = None) -> None:
        outcome[key] = value
        dialog.finish()
        loop.quit()

    job = run_in_background(
        work,
        on_result=lambda value: finished("result", value),
        on_error=lambda error: finished("error", error),
        on_progress=dialog.update,
        use_database=False,
        name=title,
    )
    dialog.attach(job)
    if not job.is_done or ("result" not in outcome and "error" not in outcome):
        loop.exec()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


@database_errors()
def open_and_migrate(url: str, create_folder: bool = False) -> Any:
    """Open the database; create or upgrade its schema (upgrades behind a progress dialog).

    A database the environment stops (locked, unreachable, read-only) raises its typed error, which
    :func:`open_at_start` shows like any other refusal."""
    from desktop_crm.models.db import engine, open_database
    from desktop_crm.models.schema import LATEST_VERSION, current_version, migrate

    db = open_database(url, create_folder=create_folder)
    version = current_version(db)
    if version is None or version >= LATEST_VERSION:
        migrate(db)  # creation of an empty schema or the "newer database" refusal: quick
        return db
    if engine(db) == "sqlite":
        db.close()  # the worker thread opens its own connection

    def upgrade(progress: Any) -> None:
        from desktop_crm.services.system.backups import before_risky_operation
        from desktop_crm.workers import connection

        if engine(db) == "sqlite":  # into the backup folder, besides the copy beside the file
            before_risky_operation("upgrade", Path(db.database))
        with connection():
            migrate(db, lambda done, total: progress.report(done, total, force=True))

    _run_with_progress(_("Upgrading the database…"), upgrade)
    if db.is_closed():
        db.connect()
    return db


def _ask(name: str, icon: QMessageBox.Icon, text: str, informative: str, yes: str | None) -> bool:
    """A modal question (or, without ``yes``, a message): True when ``yes`` was pressed."""
    box = QMessageBox(icon, _("Desktop CRM"), text, QMessageBox.StandardButton.NoButton)
    box.setObjectName(name)
    box.setInformativeText(informative)
    accept = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole) if yes else None
    close = box.addButton(_("Quit") if yes else _("Close"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(accept or close)
    box.setEscapeButton(close)
    box.exec()
    return accept is not None and box.clickedButton() is accept


def open_at_start(url: str) -> Any:
    """Open (and create or upgrade) the database the application starts on, asking the user what
    can be asked: a folder that does not exist (create a new database there?), a damaged file with
    a backup beside it (put the backup back?). Anything else that stops it is shown as its
    translated message. Returns the open database, or ``None`` (the user was told why)."""
    from desktop_crm.errors import DatabaseCorrupt, DatabaseFolderMissing
    from desktop_crm.models.db import is_postgres_url, redact, sqlite_path
    from desktop_crm.models.schema import restore_backup
    from desktop_crm.services.system.backups import latest_sound_backup

    create_folder = False
    restored = False
    while True:
        try:
            return open_and_migrate(url, create_folder=create_folder)
        except DatabaseFolderMissing as error:
            log.warning("database not opened: %s", error.message)
            if not _ask("create_database_dialog", QMessageBox.Icon.Question, error.message,
                        _("Create a new, empty database there?"), _("Create a new database")):
                return None
            create_folder = True
        except DatabaseCorrupt as error:
            log.warning("database not opened: %s", error.message)
            _close_bound_database()
            path = None if is_postgres_url(url) else sqlite_path(url)
            backup = latest_sound_backup(path) if path is not None and not restored else None
            if backup is None or path is None:
                _ask("database_error_dialog", QMessageBox.Icon.Critical, error.message, "", None)
                return None
            if not _ask("restore_backup_dialog", QMessageBox.Icon.Critical, error.message, _(
                    "A backup made on {date} is beside it: {backup}. Put the backup back? The "
                    "damaged file is kept, renamed, and the changes made since the backup are "
                    "not in it.").format(date=_file_date(backup), backup=backup.name),
                    _("Restore the backup")):
                return None
            damaged = restore_backup(path, backup)
            log.warning("restored %s from %s; the damaged file is %s", redact(url), backup, damaged)
            restored = True
        except CrmError as error:
            log.warning("database not opened: %s", error.message)
            _close_bound_database()
            _ask("database_error_dialog", QMessageBox.Icon.Critical, error.message, "", None)
            return None


def _close_bound_database() -> None:
    from desktop_crm.models import database

    if database.obj is not None and not database.obj.is_closed():
        database.obj.close()


def _file_date(path: Path) -> str:
    import datetime as dt

    from desktop_crm.i18n.formatting import format_datetime

    return format_datetime(dt.datetime.fromtimestamp(path.stat().st_mtime))


def make_gui_thread_interactive() -> None:
    """The GUI thread never waits long for another writer's lock: it asks "Retry?" instead
    (``models.db.set_interactive_thread``); background workers wait the full busy timeout."""
    from desktop_crm.models.db import set_interactive_thread
    from desktop_crm.views.common.dialogs import ask_retry_busy

    set_interactive_thread(lambda: ask_retry_busy(QApplication.activeWindow()))


def resolve_database(url: str | None, settings: QSettings) -> str | None:
    """The database to open: ``--db``, else the one chosen in Settings › Database (its password
    from the OS keyring), else the default file (created on the first run)."""
    if url:
        return url
    chosen = settings.value("database/url")
    if chosen:
        from desktop_crm.services.system.admin import url_with_password

        return url_with_password(str(chosen))
    default = config.default_database_url()
    if Path(default).exists():
        return default
    outcome = first_run_assistant()
    if outcome is None:
        return None
    settings.setValue("ui/language", outcome.language)
    if outcome.mode == "business":
        create_business_database(default, outcome.setup, settings)
    elif outcome.mode == "demo":
        if demo_available():
            _run_with_progress(
                _("Creating the demo database…"),
                lambda progress: create_demo_database(default, progress),
            )
        else:
            QMessageBox.information(
                None,
                _("Desktop CRM"),
                _("Demo data is not available in this build; an empty database is created."),
            )
    return default


# --- start-up observers -----------------------------------------------------------------------
MainWindowHook = Callable[[QApplication, Any], None]
_main_window_hooks: list[MainWindowHook] = []


SignInHook = Callable[[Any], None]
_sign_in_hooks: list[SignInHook] = []


def on_sign_in(hook: SignInHook) -> None:
    """Have ``hook(dialog)`` called with the start-up's sign-in (or first-administrator) dialog
    just before it is shown: the start-up benchmark answers it and goes on."""
    _sign_in_hooks.append(hook)


def on_main_window(hook: MainWindowHook) -> None:
    """Have ``hook(app, window)`` called when :func:`run_gui` has built its main window, just before
    showing it: for tools that drive the real start-up (the start-up benchmark connects to
    ``window.first_painted`` there and quits)."""
    _main_window_hooks.append(hook)


# --- main window ------------------------------------------------------------------------------
def build_main_window(db_url: str, settings: QSettings | None = None, user: Any = None) -> Any:
    """The registry, context and main window over an open, migrated database (also for tests)."""
    from desktop_crm.models.db import redact
    from desktop_crm.services.system.session import current_user
    from desktop_crm.views.context import AppContext
    from desktop_crm.views.main_window import MainWindow
    from desktop_crm.views.registry import build_registry

    settings = settings or QSettings()
    user = user or current_user()  # the signed-in user; nobody signed in: SignInRefused
    from desktop_crm.models import database
    from desktop_crm.models.db import is_read_only

    context = AppContext(user=user, database_name=redact(db_url), registry=build_registry(),
                         settings=settings, read_only=is_read_only(database))
    window = MainWindow(context)
    window.user_switched.connect(
        lambda switched: switch_window(window, db_url, settings, switched))
    window.database_replaced.connect(lambda: reopen_after_restore(window, db_url, settings))
    window.database_switch.connect(lambda url: switch_database(window, url, settings))
    window.after_first_paint(lambda: recover_unfinished_imports(window))
    return window


def recover_unfinished_imports(window: Any) -> Any:
    """Take back, in the background, the imports a crashed run left half-written (their batches
    still ``running``); the lists reload and the status bar says so when there were any. Started
    after the window's first paint: the import engine's modules do not delay the first screen."""
    from desktop_crm.services.data.imports import engine
    from desktop_crm.views.imports.wizard import CHANGED
    from desktop_crm.workers import run_in_background

    def done(count: int) -> None:
        if not count:
            return
        for entity in sorted({name for names in CHANGED.values() for name in names}):
            window.context.notify_changed(entity)
        window.context.show_status(ngettext(
            "{count} import that did not finish was taken back.",
            "{count} imports that did not finish were taken back.", count).format(count=count))

    return run_in_background(lambda progress: engine.recover_unfinished(), on_result=done,
                             on_error=lambda error: log.warning(
                                 "unfinished imports not taken back: %s", error),
                             name="recover unfinished imports")


def switch_database(old: Any, url: str, settings: QSettings) -> Any:
    """File › Import everything made a new database: the window opens it (and so does the next
    start, as if chosen in Settings › Database)."""
    settings.setValue("database/url", url)
    return reopen_after_restore(old, url, settings)


def reopen_after_restore(old: Any, db_url: str, settings: QSettings) -> Any:
    """File › Restore put a backup in place of the database: it is opened again (an older backup
    is upgraded) and a new main window replaces ``old``, for the same user when the database
    knows them, else for whoever signs in."""
    from desktop_crm.services.system import rights
    from desktop_crm.services.system.session import current_user
    from desktop_crm.views.signin import sign_in_at_start

    _close_bound_database()
    if open_at_start(db_url) is None:
        old.close()
        return None
    user: Any = None
    try:
        with database_errors():
            user = current_user(str(old.context.user.id))
            rights.reload()
    except CrmError:  # the backup does not know this user (or not as active)
        rights.act_as(None)
        user = sign_in_at_start(settings, old)
    if user is None:
        old.close()
        return None
    window = build_main_window(db_url, settings, user)
    window.setGeometry(old.geometry())
    window.show()
    old.close()
    old.deleteLater()
    window.context.show_status(_("The backup was put back; this window shows its data."))
    return window


def switch_window(old: Any, db_url: str, settings: QSettings, user: Any) -> Any:
    """File › Switch user: a new main window for ``user`` replaces ``old`` (which may refuse to
    close while it has unsaved changes: then the new one goes and ``old`` stays)."""
    window = build_main_window(db_url, settings, user)
    window.show()
    if not old.close():
        window.close()
        window.deleteLater()
        return old
    old.deleteLater()
    return window


def follow_language_changes(app: QApplication, db_url: str, settings: QSettings, window: Any) -> None:
    """Apply a language chosen in Settings at once: the main window is built again in it (every
    text of a Qt widget is set when it is made), at the same place, showing the same page."""

    def switch(language: str) -> None:
        from desktop_crm.services.system.session import current_user

        old = window
        from PySide6.QtWidgets import QDialog

        for dialog in [w for w in app.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]:
            if not dialog.close():  # a card with unsaved changes the user keeps: switch later
                old.context.show_status(_("Close the open cards, then save the language again."))
                return
        install_language(app, language)
        settings.setValue("ui/language", i18n.current_language())
        old.save_state()
        new = build_main_window(db_url, settings, current_user(str(old.context.user.id)))
        new.setGeometry(old.geometry())
        for hook in _main_window_hooks:
            hook(app, new)
        new.show()
        view = new.show_section("settings", "settings")
        if view is not None and hasattr(view, "select"):
            view.select("language")
        if not old.close():  # another page of the old window kept unsaved changes
            new.close()
            new.deleteLater()
            return
        old.deleteLater()
        follow_language_changes(app, db_url, settings, new)
        new.context.show_status(_("The language is changed."))

    window.context.signals.language_changed.connect(switch)


def _application(argv: list[str]) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    QApplication.setOrganizationName("DesktopCRM")
    QApplication.setApplicationName("DesktopCRM")
    QApplication.setApplicationDisplayName("Desktop CRM")
    QApplication.setApplicationVersion(__version__)
    QApplication.setAttribute(Qt.ApplicationAttribute.AA_DontShowIconsInMenus, False)
    return QApplication(argv)


def run_gui(db_url: str | None = None, language: str | None = None) -> int:
    """``desktop-crm [--db URL] [--lang xx]``: run the application until the window closes."""
    log_path = setup_logging()
    crash = CrashHandler(log_path)
    crash.install()
    log.info("Desktop CRM %s starting", __version__)
    app = _application(sys.argv[:1])
    settings = QSettings()
    install_language(app, language or settings.value("ui/language") or None)
    make_gui_thread_interactive()

    try:
        url = resolve_database(db_url, settings)
    except CrmError as error:
        log.warning("database not opened: %s", error.message)
        QMessageBox.critical(None, _("Desktop CRM"), error.message)
        return 1
    if url is None:
        return 0
    if open_at_start(url) is None:
        return 1

    from desktop_crm.views.signin import sign_in_at_start

    try:
        with database_errors():  # e.g. a read-only file without any user yet
            user = sign_in_at_start(settings, observers=_sign_in_hooks)
    except CrmError as error:  # a server login mapped to no user, a database gone meanwhile
        log.warning("not signed in: %s", error.message)
        _ask("database_error_dialog", QMessageBox.Icon.Critical, error.message, "", None)
        return 1
    if user is None:
        return 0
    install_language(app, language or user.locale or settings.value("ui/language") or None)
    settings.setValue("ui/language", i18n.current_language())
    window = build_main_window(url, settings, user)
    for hook in _main_window_hooks:
        hook(app, window)
    follow_language_changes(app, url, settings, window)
    window.show()
    code = app.exec()
    from desktop_crm.workers import cancel_all

    cancel_all()
    log.info("Desktop CRM exiting with %s", code)
    crash.uninstall()
    return int(code)
