"""The main window: navigation sidebar, one page per section, toolbar, global search, status bar.

Sections and their views come from the registry (``views/registry.py``); this module holds no
business logic. A section with several views (Deals: List and Board) shows a switch above them.
Views are built on first use, so start-up only builds the section that is shown first.

Shortcuts: Ctrl+N new record of the current section, Ctrl+K global search, Ctrl+1…Ctrl+0 sections,
F5 reload, Ctrl+Q quit. Geometry, toolbar/dock state, the splitter and the last section persist in
the machine's local settings (``QSettings``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPaintEvent
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import _
from desktop_crm.views.common import icons
from desktop_crm.views.context import AppContext
from desktop_crm.views.registry import Section, SectionView, resolve

log = logging.getLogger(__name__)

UPKEEP_START_DELAY_MS = 4000
PRELOAD_DELAY_MS = 1500  # after the status bar's parts and the first list's rows


class SectionPage(QWidget):
    """One sidebar entry: its views (built lazily) and, with several views, a switch between them."""

    view_changed = Signal()

    def __init__(self, context: AppContext, section: Section, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.section = section
        self.setObjectName(f"section_{section.key}")
        self._specs: list[SectionView] = context.registry.views_of(section.key)
        self._widgets: dict[int, QWidget] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.switch = QTabBar(self)
        self.switch.setObjectName("view_switch")
        self.switch.setDocumentMode(True)
        self.switch.setExpanding(False)
        for spec in self._specs:
            self.switch.addTab(_(spec.title))
        self.switch.setVisible(len(self._specs) > 1)
        layout.addWidget(self.switch)
        self.stack = QStackedWidget(self)
        layout.addWidget(self.stack, 1)
        for _spec in self._specs:
            self.stack.addWidget(QWidget(self.stack))  # placeholder until the view is built
        self.switch.currentChanged.connect(self.show_view)

    def view_keys(self) -> list[str]:
        return [spec.key for spec in self._specs]

    def current_view(self) -> QWidget | None:
        return self._widgets.get(self.stack.currentIndex())

    def ensure_built(self) -> None:
        self.show_view(self.switch.currentIndex() if self._specs else -1)

    def show_view(self, index: int) -> None:
        if index < 0 or index >= len(self._specs):
            return
        if index not in self._widgets:
            spec = self._specs[index]
            widget = resolve(spec.factory)(self.context, self.stack)
            widget.setObjectName(widget.objectName() or f"view_{self.section.key}_{spec.key}")
            placeholder = self.stack.widget(index)
            if placeholder is not None:
                self.stack.removeWidget(placeholder)
                placeholder.deleteLater()
            self.stack.insertWidget(index, widget)
            self._widgets[index] = widget
        self.stack.setCurrentIndex(index)
        if self.switch.currentIndex() != index:
            self.switch.setCurrentIndex(index)
        _call(self._widgets[index], "activated")
        self.view_changed.emit()

    def select_view(self, key: str) -> QWidget | None:
        keys = self.view_keys()
        if key not in keys:
            return None
        self.show_view(keys.index(key))
        return self.current_view()

    def built_views(self) -> list[QWidget]:
        return list(self._widgets.values())


def _call(widget: QWidget | None, method: str, *args: Any) -> Any:
    function = getattr(widget, method, None)
    return function(*args) if callable(function) else None


class MainWindow(QMainWindow):
    first_painted = Signal()
    settled = Signal()  # everything that waited for the first paint is attached and started
    user_switched = Signal(object)  # UserRef: the shell rebuilds the window for that user
    database_replaced = Signal()  # a backup was put back: the shell reopens it and the window
    database_switch = Signal(str)  # open this database instead (an archive imported into it)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._painted = False
        self._search_popup: QWidget | None = None
        self.setObjectName("main_window")
        self.setWindowTitle(_("Desktop CRM"))
        self.setMinimumSize(QSize(720, 480))

        self.sidebar = QListWidget(self)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setUniformItemSizes(True)
        self.sidebar.setMinimumWidth(150)
        self.sidebar.setIconSize(QSize(18, 18))
        self.sidebar.setStyleSheet(
            "QListWidget#sidebar { border: none; }"
            "QListWidget#sidebar::item { padding: 7px 12px; }"
        )
        font = self.sidebar.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.sidebar.setFont(font)
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("pages")
        self._pages: dict[str, SectionPage] = {}
        for section in context.registry.visible_sections():
            item = QListWidgetItem(icons.section_icon(section.key), _(section.title))
            item.setData(Qt.ItemDataRole.UserRole, section.key)
            item.setToolTip(f"{_(section.title)} ({section.shortcut})" if section.shortcut
                            else _(section.title))
            self.sidebar.addItem(item)
            page = SectionPage(context, section, self.pages)
            page.view_changed.connect(self._update_actions)
            self._pages[section.key] = page
            self.pages.addWidget(page)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([180, 1000])
        self.setCentralWidget(self._with_banner(self.splitter) if context.read_only else self.splitter)

        self._build_actions()
        self._build_status_bar()
        self.sidebar.currentRowChanged.connect(self._on_sidebar_row)
        context.signals.status_message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self._restore_state()
        from desktop_crm.views.cards.common import guard_unsaved_cards

        guard_unsaved_cards(self)  # open cards with unsaved changes are asked before quitting
        self._closed = False
        # what waits for the first paint: one part per turn of the event loop, after the paint's
        # own observers, so the window is on screen first and takes input between the parts
        self._after_paint: list[Callable[[], object]] = [
            self._attach_sync, self._attach_notifications, self.context.watch_outside_changes,
            self._attach_notifier, self._attach_mail_sender, self._attach_mail_fetch,
            self._attach_due_robots]
        self.first_painted.connect(self._next_after_paint_soon)
        self._upkeep_timer = QTimer(self)
        self._upkeep_timer.setSingleShot(True)
        self._upkeep_timer.timeout.connect(self.run_upkeep)
        self.first_painted.connect(self._schedule_upkeep)
        self.first_painted.connect(self._schedule_preload)

    # --- construction -------------------------------------------------------------------------
    def _with_banner(self, content: QWidget) -> QWidget:
        """A read-only database: a banner above everything says that changes cannot be saved."""
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.read_only_banner = QLabel(_(
            "This database can only be read: you may look at everything, but changes cannot be "
            "saved. Check that you may write to the database file, or ask your administrator."),
            central)
        self.read_only_banner.setObjectName("read_only_banner")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setStyleSheet(
            "QLabel#read_only_banner { background: #fff3cd; color: #664d03; padding: 6px 12px; }")
        layout.addWidget(self.read_only_banner)
        layout.addWidget(content, 1)
        return central

    def _build_actions(self) -> None:
        toolbar = QToolBar(_("Main toolbar"), self)
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.setIconSize(QSize(16, 16))
        self.addToolBar(toolbar)
        self.toolbar = toolbar

        self.new_action = QAction(icons.action_icon("new"), _("New record"), self)
        self.new_action.setObjectName("action_new")
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.setToolTip(_("Create a record in the current section (Ctrl+N)"))
        self.new_action.triggered.connect(self.create_new)
        toolbar.addAction(self.new_action)

        self.search_action = QAction(icons.action_icon("search"), _("Search…"), self)
        self.search_action.setObjectName("action_search")
        self.search_action.setShortcut(QKeySequence("Ctrl+K"))
        self.search_action.setToolTip(
            _("Search contacts, companies, deals, leads and products (Ctrl+K)")
        )
        self.search_action.triggered.connect(self.open_search)
        toolbar.addAction(self.search_action)

        self.find_action = QAction(_("Find in list"), self)
        self.find_action.setObjectName("action_find")
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.setToolTip(_("Type in the filter of the current list (Ctrl+F)"))
        self.find_action.triggered.connect(self.focus_filter)
        self.addAction(self.find_action)

        self.reload_action = QAction(icons.action_icon("reload"), _("Reload"), self)
        self.reload_action.setObjectName("action_reload")
        self.reload_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.reload_action.triggered.connect(self.reload_current)
        toolbar.addAction(self.reload_action)

        menu = self.menuBar()
        file_menu = menu.addMenu(_("&File"))
        file_menu.addAction(self.new_action)
        file_menu.addSeparator()
        self._add_import_actions(file_menu)
        from desktop_crm.views.statements.importing import add_file_actions

        add_file_actions(self, file_menu)  # Import bank statement…, Bank statements…
        file_menu.addSeparator()
        self.switch_user_action = QAction(_("Switch &user…"), self)
        self.switch_user_action.setObjectName("action_switch_user")
        self.switch_user_action.triggered.connect(self.switch_user)
        file_menu.addAction(self.switch_user_action)
        file_menu.addSeparator()
        quit_action = QAction(_("&Quit"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self.file_menu, self.quit_action = file_menu, quit_action
        from desktop_crm.views.backups import attach as attach_backups

        attach_backups(self)  # File › Restore from a backup…, the daily backup

        go_menu = menu.addMenu(_("&Go"))
        go_menu.addAction(self.search_action)
        go_menu.addAction(self.find_action)
        go_menu.addSeparator()
        for section in self.context.registry.visible_sections():
            action = QAction(_(section.title), self)
            action.setShortcut(QKeySequence(section.shortcut))
            action.triggered.connect(lambda _checked=False, key=section.key: self.show_section(key))
            go_menu.addAction(action)
        go_menu.addSeparator()
        go_menu.addAction(self.reload_action)

        self.help_menu = menu.addMenu(_("&Help"))
        manual = QAction(_("Manual"), self)
        manual.setObjectName("action_help")
        manual.setShortcut(QKeySequence.StandardKey.HelpContents)
        manual.triggered.connect(self.open_help)
        self.help_menu.addAction(manual)
        about = QAction(_("About Desktop CRM"), self)
        about.setObjectName("action_about")
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self._about)
        self.help_menu.addAction(about)

    def _add_import_actions(self, file_menu: Any) -> None:
        """File › Import… and File › Imports history… (for users whose role may import)."""
        from desktop_crm.models.enums import Action
        from desktop_crm.services.system import rights

        self.import_action = QAction(_("&Import…"), self)
        self.import_action.setObjectName("action_import")
        self.import_action.triggered.connect(self.open_import)
        self.import_history_action = QAction(_("Imports &history…"), self)
        self.import_history_action.setObjectName("action_import_history")
        self.import_history_action.triggered.connect(self.open_import_history)
        allowed = rights.can(Action.IMPORT)
        for action in (self.import_action, self.import_history_action):
            action.setEnabled(allowed and not self.context.read_only)
            file_menu.addAction(action)

    def open_import(self) -> QWidget:
        from desktop_crm.views.imports.wizard import open_import_wizard

        current = self.current_page()
        entity = current.section.key if current is not None else "contacts"
        return open_import_wizard(self.context, self, entity)

    def open_import_history(self) -> QWidget:
        from desktop_crm.views.imports.history import open_import_history

        return open_import_history(self.context, self)

    def switch_user(self) -> None:
        """File › Switch user: the sign-in dialog; the chosen user gets a window of its own."""
        from desktop_crm.errors import CrmError, database_errors
        from desktop_crm.services.system import session
        from desktop_crm.views.signin import SignInDialog

        try:
            with database_errors():
                mapped = session.server_identity()
        except CrmError as error:
            QMessageBox.warning(self, _("Switch user"), error.message)
            return
        if mapped is not None:
            QMessageBox.information(self, _("Switch user"), _(
                "On this server you work as the user of your server login. To work as someone "
                "else, connect with their login."))
            return
        dialog = SignInDialog(self.context.settings, self, _("Switch user"))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.signed_in.connect(self.user_switched.emit)
        dialog.open()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("status_bar")
        self.user_label = QLabel(_("User: {name}").format(name=self.context.user.name), self)
        self.user_label.setObjectName("status_user")
        self.database_label = QLabel(
            _("Database: {name}").format(name=self.context.database_name), self
        )
        self.database_label.setObjectName("status_database")
        self.database_label.setToolTip(self.context.database_name)
        self.sync_label = QLabel("", self)
        self.sync_label.setObjectName("status_sync")
        self.sync_label.setVisible(False)  # the sync issue fills and shows it
        for label in (self.sync_label, self.user_label, self.database_label):
            bar.addPermanentWidget(label)

    # --- sections -----------------------------------------------------------------------------
    def section_keys(self) -> list[str]:
        return list(self._pages)

    def page(self, key: str) -> SectionPage:
        return self._pages[key]

    def current_page(self) -> SectionPage | None:
        widget = self.pages.currentWidget()
        return widget if isinstance(widget, SectionPage) else None

    def current_view(self) -> QWidget | None:
        page = self.current_page()
        return page.current_view() if page else None

    def show_section(self, key: str, view: str | None = None) -> QWidget | None:
        if key not in self._pages:
            return None
        row = list(self._pages).index(key)
        if self.sidebar.currentRow() != row:
            self.sidebar.setCurrentRow(row)  # -> _on_sidebar_row
        else:
            self._on_sidebar_row(row)
        page = self._pages[key]
        if view is not None:
            page.select_view(view)
        return page.current_view()

    def _on_sidebar_row(self, row: int) -> None:
        if row < 0:
            return
        key = self.sidebar.item(row).data(Qt.ItemDataRole.UserRole)
        page = self._pages[key]
        self.pages.setCurrentWidget(page)
        page.ensure_built()
        self._update_actions()

    def _update_actions(self) -> None:
        view = self.current_view()
        self.new_action.setEnabled(callable(getattr(view, "create_new", None)) and bool(
            _call(view, "can_create_new") is not False
        ))

    # --- actions ------------------------------------------------------------------------------
    def create_new(self) -> None:
        view = self.current_view()
        if view is not None and self.new_action.isEnabled():
            _call(view, "create_new")

    def focus_filter(self) -> None:
        """Ctrl+F: the current list's (or board's) text filter gets the cursor."""
        bar = getattr(self.current_view(), "filter_bar", None)
        if bar is not None and callable(getattr(bar, "focus_search", None)):
            bar.focus_search()

    def reload_current(self) -> None:
        _call(self.current_view(), "reload")

    def open_search(self) -> None:
        from desktop_crm.views.search import SearchPopup

        if self._search_popup is None:
            self._search_popup = SearchPopup(self.context, self)
        popup = self._search_popup
        assert isinstance(popup, SearchPopup)
        popup.popup_over(self)

    @property
    def search_popup(self) -> QWidget | None:
        return self._search_popup

    def open_help(self) -> QWidget:
        from desktop_crm.views.help import open_help

        return open_help(self)

    def _about(self) -> QWidget:
        from desktop_crm.views.help import open_about

        return open_about(self)

    # --- state --------------------------------------------------------------------------------
    def _restore_state(self) -> None:
        settings = self.context.settings
        geometry = settings.value("main_window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = settings.value("main_window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        splitter = settings.value("main_window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        keys = self.section_keys()
        # "my day" at the day's first start-up; later the same day, the section last shown
        section = settings.value("main_window/section", "home")
        today = dt.date.today().isoformat()
        if "home" in keys and settings.value("main_window/home_day", "") != today:
            settings.setValue("main_window/home_day", today)
            section = "home"
        if keys:
            self.show_section(section if section in keys else keys[0])

    def save_state(self) -> None:
        settings = self.context.settings
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.setValue("main_window/state", self.saveState())
        settings.setValue("main_window/splitter", self.splitter.saveState())
        page = self.current_page()
        if page is not None:
            settings.setValue("main_window/section", page.section.key)
        for page in self._pages.values():
            for view in page.built_views():
                try:
                    _call(view, "save_state")
                except Exception:
                    log.exception("saving the state of %s failed", view.objectName())
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        for page in self._pages.values():
            for view in page.built_views():
                if _call(view, "confirm_close") is False:
                    event.ignore()
                    return
        self._closed = True
        self.save_state()
        self._upkeep_timer.stop()  # no run on a database the window no longer shows
        self.context.close()  # no more change feed or file polling for this window
        for name in ("sync_watcher", "notifications_badge", "desktop_notifier",
                     "mail_sender", "mail_fetcher", "due_robots"):  # after first paint
            part = getattr(self, name, None)
            if part is not None:
                part.stop()
        super().closeEvent(event)

    def after_first_paint(self, part: Callable[[], object]) -> None:
        """Have ``part`` called after the first paint, in a turn of the event loop of its own,
        after the parts the window attaches itself (the shell's start-up work)."""
        self._after_paint.append(part)

    def _next_after_paint_soon(self) -> None:
        QTimer.singleShot(0, self._run_next_after_paint)

    def _run_next_after_paint(self) -> None:
        if self._closed:
            return
        if not self._after_paint:
            self.settled.emit()
            return
        self._after_paint.pop(0)()
        self._next_after_paint_soon()

    # The status-bar parts, after the first paint: their modules (sync engine, tasks, mail) do not
    # delay the first screen.
    def _attach_sync(self) -> None:
        from desktop_crm.views.sync import attach

        attach(self)  # status-bar sync widget, Sync menu, live refresh in direct mode

    def _attach_notifications(self) -> None:
        from desktop_crm.views.tasks import attach_badge

        attach_badge(self)  # unread notifications in the status bar; a click opens My tasks

    def _attach_notifier(self) -> None:
        from desktop_crm.views.notifier import attach

        attach(self)  # tasks falling due, assignments: desktop notifications

    def _attach_mail_sender(self) -> None:
        from desktop_crm.views.mail.runner import attach

        attach(self)  # the outbox goes out in the background

    def _attach_mail_fetch(self) -> None:
        from desktop_crm.views.mail_fetch import attach

        attach(self)  # "Fetch mail" and a fetch every few minutes, in the background

    def _attach_due_robots(self) -> None:
        from desktop_crm.views.automation_runner import attach

        attach(self)  # delayed robots whose time came: at start-up, then every 5 minutes

    def _schedule_preload(self) -> None:
        """The modules of the sections not opened yet, imported off the GUI thread once the
        status bar's parts and the first screen's rows are in (``views/preload.py``)."""
        from desktop_crm.views.preload import preload_in_background

        QTimer.singleShot(PRELOAD_DELAY_MS, self, preload_in_background)

    def _schedule_upkeep(self) -> None:
        """Date-driven status changes (expired quotes): a few seconds after the first paint, so
        that start-up does not wait for them, in the background, then hourly."""
        self._upkeep_timer.start(UPKEEP_START_DELAY_MS)

    def run_upkeep(self) -> None:
        from desktop_crm.services.billing.upkeep import UPKEEP_INTERVAL_MS, run_upkeep
        from desktop_crm.workers import run_in_background

        self._upkeep_timer.start(UPKEEP_INTERVAL_MS)  # the next run

        def reload(entities: set[str]) -> None:
            for entity in sorted(entities):
                self.context.notify_changed(entity)

        run_in_background(lambda _progress: run_upkeep(), on_result=reload,
                          on_error=lambda error: log.warning("upkeep failed: %s", error),
                          name="upkeep")

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self._announce_first_paint)

    def _announce_first_paint(self) -> None:
        """Start what waits for the first paint, unless the window was closed in between (its
        timers would otherwise run on for a database the window no longer shows)."""
        if not self._closed:
            self.first_painted.emit()
